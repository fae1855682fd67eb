"""The `crawl_runs` log: one row per crawl, the run's status and its summary line.

run_summary, failing_reasons and summary_line are plain functions over Scrapy's stats; the
CrawlRunLog extension writes the row when the spider closes and leaves the summary line and
exit code in the stats for the runner (run.py).
"""

from __future__ import annotations

import json
import logging
import sqlite3

from scrapy import signals

from ..clean.normalize import CHINA_TZ
from ..items import Outcome
from ..store.crawl_state import REPLICA_MODE, record_run
from ..store.lock import EXIT_LOCKED
from ..store.rows import now
from ..store.schema import recovery_hint
from .connection import archive_of, archive_path

logger = logging.getLogger(__name__)

# Counted per source: what filing gave (a crawl never rewrites an article in place) and what
# the pipeline saw of list pages and failures.
COUNTS = tuple(outcome for outcome in Outcome if outcome is not Outcome.CHANGED) + ("undated", "gone", "blocked", "list_pages", "list_unchanged", "list_errors",
                             "article_links", "new_links", "attachments", "attachment_errors")
# One empty or undated page is a page; this many, and nothing else, is a broken template.
SUDDEN = 2
ARCHIVE_DAMAGED = "newsarchive/archive_damaged"  # stats key: why the archive must not be written to
ARCHIVE_LOCKED = "newsarchive/archive_locked"  # stats key: who holds the archive (nothing was crawled)
STOPPED = {"closespider_timeout": "timeout"}  # Scrapy's close reasons, as a run's status says them
EXIT_OK = 0
EXIT_FAILING = 1  # the crawl ran, but a source stored nothing or the crawl did not finish


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
    fetched = sum(counts[key] for key in (Outcome.NEW, Outcome.REPRINT, Outcome.REVISED, Outcome.EMPTY))
    if counts[Outcome.EMPTY] >= SUDDEN and counts[Outcome.EMPTY] == fetched:
        reasons.append("extraction found no article text")
    filed = sum(counts[key] for key in (Outcome.NEW, Outcome.REPRINT, Outcome.REVISED))
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
        "new_articles": stats.get(f"newsarchive/{Outcome.NEW}", 0),
        "new_revisions": stats.get(f"newsarchive/{Outcome.REVISED}", 0),
        "errors": sum(stats.get(f"newsarchive/{key}", 0) for key in (Outcome.FAILED, Outcome.EMPTY, "blocked")),
        "per_source": per_source,
        "status": "ok" if finished and not failing else ("failing" if finished else STOPPED.get(
            stats.get("finish_reason"), stats.get("finish_reason", "crashed"))),
        "delays": {key.rsplit("/", 1)[1]: value for key, value in stats.items() if key.startswith("newsarchive/delay/")},
    }


class CrawlRunLog:
    """One `crawl_runs` row per crawl, written when the spider closes."""

    def __init__(self, crawler):
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler):
        archive_path(crawler)  # NotConfigured without an archive
        extension = cls(crawler)
        crawler.signals.connect(extension.spider_closed, signal=signals.spider_closed)
        return extension

    def spider_closed(self, spider, reason: str) -> None:
        stats = {**self.crawler.stats.get_stats(), "finish_reason": reason}
        if stats.get(ARCHIVE_DAMAGED):
            self._damaged(stats[ARCHIVE_DAMAGED])
            return
        if stats.get(ARCHIVE_LOCKED):
            self._locked(stats[ARCHIVE_LOCKED])
            return
        summary = run_summary(stats, list(spider.sources))
        started = stats.get("start_time")
        run = run_row(summary, started.astimezone(CHINA_TZ).isoformat(timespec="seconds") if started else None,
                      spider.mode + (REPLICA_MODE if self.crawler.settings.get("REPLICA_PROXY") else ""),
                      stats.get("elapsed_time_seconds"))
        db = archive_of(self.crawler)
        try:
            with db.atomic():
                run["id"] = record_run(db, run)
        except sqlite3.Error as error:  # a full disk, a read-only archive
            logger.error("the run could not be recorded in the archive: %s", error)
            run.update(id=None, status="not recorded", exit_code=EXIT_FAILING)
            summary = (f"{summary_line(run)}; NOT DONE: the archive could not be written ({error}); "
                       "free space or fix the archive, then run again (what is missing is fetched again)")
        else:
            summary = summary_line(run, stats.get("newsarchive/write_errors", 0))
        for key in ("id", "status", "exit_code"):
            self.crawler.stats.set_value(f"newsarchive/run_{key}", run[key])
        self.crawler.stats.set_value("newsarchive/summary", summary)

    def _locked(self, holder: str) -> None:
        """Nothing was crawled and no row is written: the archive is another run's now."""
        for key, value in (("id", None), ("status", "locked"), ("exit_code", EXIT_LOCKED)):
            self.crawler.stats.set_value(f"newsarchive/run_{key}", value)
        self.crawler.stats.set_value("newsarchive/summary", f"crawl not started: {holder}; the next scheduled run "
                                                             "crawls what this one would have")

    def _damaged(self, error: str) -> None:
        """No row is written to a damaged archive; the summary says what to do."""
        path = archive_path(self.crawler)
        for key, value in (("id", None), ("status", "archive damaged"), ("exit_code", EXIT_FAILING)):
            self.crawler.stats.set_value(f"newsarchive/run_{key}", value)
        self.crawler.stats.set_value("newsarchive/summary", (
            f"crawl stopped: NOT DONE: the archive {path} is damaged ({error}); nothing more was written to it: "
            f"{recovery_hint(path)}"))


def run_row(summary: dict, started: str | None, mode: str, elapsed_s: float | None) -> dict:
    """A `crawl_runs` row from run_summary's counts (a local crawl's, or a crawl node's as
    its writer records it)."""
    return {
        "started": started, "finished": now(),
        "sources": json.dumps(summary["per_source"], ensure_ascii=False),
        "requests": summary["requests"], "new_articles": summary["new_articles"],
        "new_revisions": summary["new_revisions"], "errors": summary["errors"],
        "status": summary["status"], "exit_code": EXIT_OK if summary["status"] == "ok" else EXIT_FAILING,
        "mode": mode, "delays": json.dumps(summary["delays"]),
        "elapsed_s": round(elapsed_s, 3) if elapsed_s is not None else None,
    }


def summary_line(run: dict, unwritten: int = 0) -> str:
    """The one line a cron mail shows; `unwritten`: pages fetched but not archived."""
    per_source = json.loads(run["sources"])
    line = (f"crawl run {run['id'] or '(not recorded)'} ({run['mode']}): {run['status']}, {len(per_source)} sources, "
            f"{run['requests']} requests, {run['new_articles']} new articles, {run['new_revisions']} revisions, "
            f"{run['errors']} errors")
    failing = [f"{name} ({'; '.join(counts['reasons'])})" for name, counts in per_source.items()
               if counts["status"] == "failing"]
    files, bad_files = (sum(counts.get(key, 0) for counts in per_source.values())
                        for key in ("attachments", "attachment_errors"))
    if files or bad_files:  # a bad attachment is reported, and fails nothing: the article is kept
        line += f", {files} attachments kept" + (f", {bad_files} attachment errors" if bad_files else "")
    line += f"; failing: {', '.join(failing)}" if failing else ""
    if unwritten:
        line += (f"; NOT DONE: {unwritten} pages could not be written to the archive (see the log: a full disk?); "
                 "the next run fetches them again")
    return line
