"""One `crawl_runs` row per crawl, written when the spider closes."""

from __future__ import annotations

import json

from scrapy import signals

from . import archive
from .components import required_setting

ARTICLE_OUTCOMES = ("new", "same", "reprint", "revised")


def run_summary(stats: dict, sources: list[str]) -> dict:
    """Counts and status of a finished crawl from Scrapy's stats.

    A source that stored no article at all is failing: a site that changed its template
    or blocked us looks exactly like that (City Bureau's status rule).
    """
    per_source = {
        name: {outcome: stats.get(f"newsarchive/source/{name}/{outcome}", 0) for outcome in ARTICLE_OUTCOMES + ("failed",)}
        for name in sources
    }
    failing = [name for name, counts in per_source.items() if not any(counts[o] for o in ARTICLE_OUTCOMES)]
    for name, counts in per_source.items():
        counts["status"] = "failing" if name in failing else "ok"
    finished = stats.get("finish_reason") == "finished"
    return {
        "requests": stats.get("downloader/request_count", 0),
        "new_articles": stats.get("newsarchive/new", 0),
        "new_revisions": stats.get("newsarchive/revised", 0),
        "errors": stats.get("newsarchive/failed", 0),
        "per_source": per_source,
        "failing": failing,
        "status": "ok" if finished and not failing else ("failing" if finished else stats.get("finish_reason", "crashed")),
    }


class CrawlRunLog:
    def __init__(self, crawler, db_path: str):
        self.crawler = crawler
        self.db_path = db_path
        self.summary: dict | None = None

    @classmethod
    def from_crawler(cls, crawler):
        extension = cls(crawler, required_setting(crawler, "ARCHIVE_DB"))
        crawler.signals.connect(extension.spider_closed, signal=signals.spider_closed)
        return extension

    def spider_closed(self, spider, reason: str) -> None:
        stats = {**self.crawler.stats.get_stats(), "finish_reason": reason}
        self.summary = run_summary(stats, list(spider.sources))
        started = stats.get("start_time")
        db = archive.open_archive(self.db_path)
        with db.conn:
            db["crawl_runs"].insert({
                "started": started.astimezone(archive.CHINA_TZ).isoformat(timespec="seconds") if started else None,
                "finished": archive.now(),
                "sources": json.dumps(self.summary["per_source"], ensure_ascii=False),
                "requests": self.summary["requests"], "new_articles": self.summary["new_articles"],
                "new_revisions": self.summary["new_revisions"], "errors": self.summary["errors"],
                "status": self.summary["status"], "exit_code": 0 if self.summary["status"] == "ok" else 1,
            })
        db.close()
