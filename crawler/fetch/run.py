"""Run one crawl the way cron needs it: locked, summarized, with a meaningful exit code."""

from __future__ import annotations

import logging
from functools import partial

from scrapy.crawler import CrawlerProcess
from scrapy.settings import Settings
from scrapy.utils.log import get_scrapy_root_handler

from ..sample.server import SampleServer
from ..sample.site import BROKEN_PATHS, SampleSite
from ..settings import LOG_LEVEL, SAMPLE_LOG_LEVEL, node_settings
from ..sources import load_sources
from .runlog import EXIT_FAILING
from .spider import NewsSpider

logger = logging.getLogger(__name__)


def crawl_settings(db_path: str, proxy: str | None, workers: int | None = None, redis_url: str | None = None) -> Settings:
    """Project settings plus the archive path, cleaning workers and replica routing (the
    per-host pacing comes with the spider: NewsSpider.update_settings)."""
    settings = Settings()
    settings.setmodule("crawler.settings", priority="project")
    settings.set("ARCHIVE_DB", str(db_path), priority="cmdline")
    if workers is not None:
        settings.set("CLEANING_WORKERS", workers, priority="cmdline")
    if proxy:
        settings.set("REPLICA_PROXY", proxy, priority="cmdline")
    for key, value in (node_settings(redis_url) if redis_url else {}).items():
        settings.set(key, value, priority="cmdline")
    return settings


def run_crawl(db_path: str, sources: list[str], sample: bool = False, proxy: str | None = None,
              backfill: bool = False, refresh: bool = False, max_pages: int | None = None,
              workers: int | None = None, redis_url: str | None = None) -> tuple[int, str]:
    """Crawl the sources into the archive (or, with `redis_url`, as a crawl node for the
    archive's writer); return (exit code, summary line). The archive's lock and a backfill's
    JOBDIR belong to the crawl itself (the pipeline, the spider), so `scrapy crawl news` has
    them too."""
    options = {"backfill": backfill, "refresh": refresh, "max_pages": max_pages}
    settings = partial(crawl_settings, db_path, workers=workers, redis_url=redis_url)
    if sample:
        with SampleServer() as server:
            chosen = sources or replicated_sources(server.site)
            _announce_planted_faults(server.site, chosen)
            return _run(settings(server.url), chosen, options, SAMPLE_LOG_LEVEL)
    return _run(settings(proxy), sources, options, LOG_LEVEL)


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


def _announce_planted_faults(site: SampleSite, sources: list[str]) -> None:
    """Say before the crawl that the replica's broken links are deliberate (their errors are
    the crawl doing its job, not the demo failing)."""
    broken = set(site.hosts_with_broken_links())
    hosts = sorted({host for name, source in load_sources().items() if name in sources for host in source.hosts} & broken)
    if hosts:
        logger.warning("the sample sites plant %d broken links on %s (a dead link, a redirect loop, a binary and a "
                       "malformed page): the errors about them below are expected", len(BROKEN_PATHS), ", ".join(hosts))
    crawled = {host for name, source in load_sources().items() if name in sources for host in source.hosts}
    files = [file for file in site.broken_files if file.split("/", 1)[0] in crawled]
    if files:
        logger.warning("the sample sites serve %d broken attachment(s) (%s, a truncated PDF): the error about it below "
                       "is expected", len(files), ", ".join(files))


def _run(settings: Settings, sources: list[str], options: dict, log_level: str) -> tuple[int, str]:
    # newsarchive -v: debug
    settings.set("LOG_LEVEL", "DEBUG" if logging.root.level == logging.DEBUG else log_level, priority="cmdline")
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
    return stats["newsarchive/run_exit_code"], stats["newsarchive/summary"]


def hand_logging_to_scrapy() -> None:
    """Scrapy installs its own root handler at LOG_LEVEL: the CLI's handler would print every
    record a second time, DEBUG included (Scrapy lowers the root level to NOTSET)."""
    for handler in list(logging.root.handlers):
        if handler is not get_scrapy_root_handler():
            logging.root.removeHandler(handler)
