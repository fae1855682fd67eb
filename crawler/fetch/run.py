"""Run one crawl the way cron needs it: locked, summarized, with a meaningful exit code."""

from __future__ import annotations

import logging
import shutil
from pathlib import Path

from scrapy.crawler import CrawlerProcess
from scrapy.settings import Settings
from scrapy.utils.log import get_scrapy_root_handler

from ..sample.server import SampleServer
from ..sample.site import SampleSite
from ..sources import load_sources
from ..store.lock import archive_lock
from .runlog import EXIT_FAILING
from .spider import NewsSpider

logger = logging.getLogger(__name__)


def crawl_settings(db_path: str, proxy: str | None, workers: int | None = None) -> Settings:
    """Project settings plus the archive path, cleaning workers and replica routing (the
    per-host pacing comes with the spider: NewsSpider.update_settings)."""
    settings = Settings()
    settings.setmodule("crawler.settings", priority="project")
    settings.set("ARCHIVE_DB", str(db_path), priority="cmdline")
    if workers is not None:
        settings.set("CLEANING_WORKERS", workers, priority="cmdline")
    if proxy:
        settings.set("REPLICA_PROXY", proxy, priority="cmdline")
    return settings


def run_crawl(db_path: str, sources: list[str], sample: bool = False, proxy: str | None = None,
              backfill: bool = False, refresh: bool = False, max_pages: int | None = None,
              workers: int | None = None) -> tuple[int, str]:
    """Crawl the sources into the archive; return (exit code, summary line)."""
    options = {"backfill": backfill, "refresh": refresh, "max_pages": max_pages}
    with archive_lock(db_path, "crawl"):
        if sample:
            with SampleServer() as server:
                return _run(db_path, sources or replicated_sources(server.site), server.url, options, workers)
        return _run(db_path, sources, proxy, options, workers)


def replicated_sources(site: SampleSite) -> list[str]:
    """The enabled sources the sample sites replicate: an operator's own profiles (which have
    no replica) are left out of a sample crawl rather than failing it."""
    hosts = set(site.hosts())
    chosen, left_out = [], []
    for source in load_sources().values():
        if source.enabled:
            (chosen if source.hosts <= hosts else left_out).append(source.name)
    if left_out:
        logger.info("no replica of %s in the sample sites: not crawled by --sample", ", ".join(left_out))
    return chosen


def _run(db_path: str, sources: list[str], proxy: str | None, options: dict, workers: int | None) -> tuple[int, str]:
    settings = crawl_settings(db_path, proxy, workers)
    jobdir = None
    if options["backfill"]:
        # A long backfill that gets killed resumes where it stopped (Scrapy JOBDIR).
        jobdir = Path(db_path).parent / "jobs" / ("backfill-" + ("-".join(sorted(sources)) or "all"))
        settings.set("JOBDIR", str(jobdir), priority="cmdline")
    if logging.root.level == logging.DEBUG:  # newsarchive -v
        settings.set("LOG_LEVEL", "DEBUG", priority="cmdline")
    hand_logging_to_scrapy()
    process = CrawlerProcess(settings)
    logging.root.setLevel(settings.get("LOG_LEVEL"))  # Scrapy set NOTSET: records below it are not even made
    crawler = process.create_crawler(NewsSpider)
    process.crawl(crawler, source=",".join(sources), **{k: v for k, v in options.items() if v})
    process.start()
    try:
        stats = crawler.stats.get_stats()
    except RuntimeError:  # the crawl failed before it started (Scrapy sets stats at start)
        stats = {}
    if "newsarchive/run_id" not in stats:  # this run's own row (runlog.CrawlRunLog), not an older one
        return EXIT_FAILING, "crawl failed before it could record a run; see the log above"
    if jobdir and stats["newsarchive/run_status"] != "shutdown":
        shutil.rmtree(jobdir, ignore_errors=True)  # finished: the next backfill starts afresh
    return stats["newsarchive/run_exit_code"], stats["newsarchive/summary"]


def hand_logging_to_scrapy() -> None:
    """Scrapy installs its own root handler at LOG_LEVEL: the CLI's handler would print every
    record a second time, DEBUG included (Scrapy lowers the root level to NOTSET)."""
    for handler in list(logging.root.handlers):
        if handler is not get_scrapy_root_handler():
            logging.root.removeHandler(handler)
