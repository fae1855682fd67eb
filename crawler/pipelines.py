"""Scrapy adapter: hand fetched pages to ingest() and failures to the errors table."""

from __future__ import annotations

from scrapy import signals

from . import archive
from .components import required_setting
from .ingest import Fetched, ingest
from .items import FetchError, PageItem
from .sources import load_sources


class ArchivePipeline:
    def __init__(self, crawler, db_path: str):
        self.crawler = crawler
        self.db_path = db_path
        self.db = None

    @classmethod
    def from_crawler(cls, crawler):
        pipeline = cls(crawler, required_setting(crawler, "ARCHIVE_DB"))
        crawler.signals.connect(pipeline.request_dropped, signal=signals.request_dropped)
        return pipeline

    def open_spider(self) -> None:
        self.db = archive.open_archive(self.db_path)
        self.profiles = load_sources()
        archive.upsert_sources(self.db, self.profiles.values())

    def close_spider(self) -> None:
        self.db.close()

    def request_dropped(self, request) -> None:
        """A redirect back to an URL already fetched is dropped by the duplicate filter,
        silently: that is a redirect loop, and it goes into `errors` like any failure."""
        chain = request.meta.get("redirect_urls")
        if chain and self.db is not None:
            error = "redirect loop: " + " -> ".join(chain + [request.url])
            self.crawler.spider.logger.error("%s", error)
            first = request.meta.get("replica_url", chain[0])  # the link as the list page gave it
            self.process_item(FetchError(first, request.cb_kwargs.get("source", "?"), error))

    def process_item(self, item):
        stats = self.crawler.stats
        if isinstance(item, FetchError):
            archive.record_error(self.db, item.url, item.source, "fetch", item.error)
            outcome = "failed"
        elif isinstance(item, PageItem):
            profile = self.profiles.get(item.source)
            fetched = Fetched(item.url, item.body, item.source, item.status, item.headers,
                              profile.selectors if profile else None, profile.charset if profile else None)
            outcome = ingest(self.db, fetched)
        else:
            return item
        stats.inc_value(f"newsarchive/{outcome}")
        stats.inc_value(f"newsarchive/source/{item.source}/{outcome}")
        return item
