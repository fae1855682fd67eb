"""Scrapy extensions: polite throttling with per-host floors, and the `crawl_runs` log."""

from __future__ import annotations

import json

from scrapy import signals
from scrapy.extensions.throttle import AutoThrottle

from . import archive
from .components import required_setting

ARTICLE_OUTCOMES = ("new", "same", "reprint", "revised", "unchanged")
COUNTS = ARTICLE_OUTCOMES + ("failed", "empty", "undated", "gone", "blocked", "list_pages", "list_unchanged",
                             "list_errors", "article_links", "new_links")


# One empty or undated page is a page; this many, and nothing else, is a broken template.
SUDDEN = 2


class PoliteThrottle(AutoThrottle):
    """AutoThrottle that never goes below a host's floor: the profile's delay or the
    robots.txt Crawl-delay, whichever is longer (plain AutoThrottle only knows DOWNLOAD_DELAY,
    and Scrapy itself ignores Crawl-delay)."""

    def __init__(self, crawler):
        super().__init__(crawler)
        self.floors: dict[str, float] = {
            host: float(slot.get("delay", 0)) for host, slot in crawler.settings.getdict("DOWNLOAD_SLOTS").items()}
        crawler.signals.connect(self.robots_parsed, signal=signals.robots_parsed)

    def robots_parsed(self, robotparser, request) -> None:
        downloader = self.crawler.engine.downloader
        key = downloader.get_slot_key(request)
        crawl_delay = robotparser.crawl_delay(self.crawler.settings.get("USER_AGENT")) or 0.0
        floor = max(self.floors.get(key, 0.0), crawl_delay)
        self.floors[key] = floor
        slot = downloader.slots.get(key)
        if slot is not None:
            slot.delay = max(slot.delay, floor)
        self.crawler.stats.set_value(f"newsarchive/delay/{key}", floor)

    def _adjust_delay(self, slot, latency, response) -> None:
        super()._adjust_delay(slot, latency, response)
        key = self.crawler.engine.downloader.get_slot_key(response.request) if response.request else None
        slot.delay = max(slot.delay, self.floors.get(key, 0.0))


def source_counts(stats: dict, name: str) -> dict:
    counts = {key: stats.get(f"newsarchive/source/{name}/{key}", 0) for key in COUNTS}
    counts["reasons"] = failing_reasons(counts)
    counts["status"] = "failing" if counts["reasons"] else "ok"
    return counts


def failing_reasons(counts: dict) -> list[str]:
    """Why a source looks broken this run. Templates change silently; this is how users
    find out (City Bureau marks a spider failing when it scraped nothing)."""
    reasons = []
    read_lists = counts["list_pages"] - counts["list_unchanged"]
    if read_lists and not counts["article_links"]:
        reasons.append("list pages hold no article links")
    if counts["list_errors"] and not counts["list_pages"]:
        reasons.append("list pages could not be fetched")
    fetched = sum(counts[key] for key in ("new", "reprint", "revised", "empty"))
    if counts["empty"] >= SUDDEN and counts["empty"] == fetched:
        reasons.append("extraction found no article text")
    filed = sum(counts[key] for key in ("new", "reprint", "revised"))
    if counts["undated"] >= SUDDEN and counts["undated"] == filed:
        reasons.append("extraction found no dates")
    if counts["blocked"]:
        reasons.append(f"blocked {counts['blocked']} times by an anti-bot challenge")
    return reasons


def run_summary(stats: dict, sources: list[str]) -> dict:
    """Counts and status of a finished crawl from Scrapy's stats."""
    per_source = {name: source_counts(stats, name) for name in sources}
    failing = [name for name, counts in per_source.items() if counts["status"] == "failing"]
    if stats.get("newsarchive/write_errors"):  # pages fetched but not archived (their URLs stay in the frontier)
        failing.append("archive writes")
    finished = stats.get("finish_reason") == "finished"
    return {
        "requests": stats.get("downloader/request_count", 0),
        "new_articles": stats.get("newsarchive/new", 0),
        "new_revisions": stats.get("newsarchive/revised", 0),
        "errors": sum(stats.get(f"newsarchive/{key}", 0) for key in ("failed", "empty", "blocked")),
        "per_source": per_source,
        "status": "ok" if finished and not failing else ("failing" if finished else stats.get("finish_reason", "crashed")),
        "delays": {key.rsplit("/", 1)[1]: value for key, value in stats.items() if key.startswith("newsarchive/delay/")},
    }


class CrawlRunLog:
    """One `crawl_runs` row per crawl, written when the spider closes."""

    def __init__(self, crawler, db_path: str):
        self.crawler = crawler
        self.db_path = db_path

    @classmethod
    def from_crawler(cls, crawler):
        extension = cls(crawler, required_setting(crawler, "ARCHIVE_DB"))
        crawler.signals.connect(extension.spider_closed, signal=signals.spider_closed)
        return extension

    def spider_closed(self, spider, reason: str) -> None:
        stats = {**self.crawler.stats.get_stats(), "finish_reason": reason}
        summary = run_summary(stats, list(spider.sources))
        started = stats.get("start_time")
        db = archive.open_archive(self.db_path)
        with db.atomic():
            db["crawl_runs"].insert({
                "started": started.astimezone(archive.CHINA_TZ).isoformat(timespec="seconds") if started else None,
                "finished": archive.now(),
                "sources": json.dumps(summary["per_source"], ensure_ascii=False),
                "requests": summary["requests"], "new_articles": summary["new_articles"],
                "new_revisions": summary["new_revisions"], "errors": summary["errors"],
                "status": summary["status"], "exit_code": 0 if summary["status"] == "ok" else 1,
                "mode": spider.mode, "delays": json.dumps(summary["delays"]),
                "elapsed_s": round(stats["elapsed_time_seconds"], 3) if "elapsed_time_seconds" in stats else None,
            })
        db.close()
