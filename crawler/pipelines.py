"""Scrapy adapter: hand fetched pages to ingest(), list reports and failures to the archive."""

from __future__ import annotations

from scrapy import signals

from . import archive
from .components import required_setting
from .ingest import Fetched, ingest
from .items import FetchError, ListPageItem, PageItem
from .sources import load_sources


class ArchivePipeline:
    def __init__(self, crawler, db_path: str):
        self.crawler = crawler
        self.db_path = db_path
        self.db = None
        self.list_records: list[dict] = []

    @classmethod
    def from_crawler(cls, crawler):
        pipeline = cls(crawler, required_setting(crawler, "ARCHIVE_DB"))
        crawler.signals.connect(pipeline.request_dropped, signal=signals.request_dropped)
        crawler.signals.connect(pipeline.spider_closed, signal=signals.spider_closed)
        return pipeline

    def open_spider(self) -> None:
        self.db = archive.open_archive(self.db_path)
        self.profiles = load_sources()
        archive.upsert_sources(self.db, self.profiles.values())

    def close_spider(self) -> None:
        self.db.close()

    def spider_closed(self, spider, reason: str) -> None:
        """After a complete run only: remember list-page validators (a run killed between
        reading a list page and fetching its articles must read it again) and empty the
        sources' frontier — every URL in it was requested and settled in this run, including
        those the duplicate filter dropped as redirect targets."""
        if reason != "finished":
            return
        db = archive.open_archive(self.db_path)
        with db.atomic():
            for record in self.list_records:
                archive.record_list_page(db, record)
            archive.clear_frontier(db, list(spider.sources))
        db.close()

    def request_dropped(self, request) -> None:
        """A redirect back to an URL already fetched is dropped by the duplicate filter,
        silently: that is a redirect loop, and it goes into `errors` like any failure."""
        chain = request.meta.get("redirect_urls")
        if chain and self.db is not None:
            error = "redirect loop: " + " -> ".join(chain + [request.url])
            self.crawler.spider.logger.error("%s", error)
            found_as = request.meta.get("found_as") or chain[0]  # the link as the list page gave it
            self.process_item(FetchError(found_as, request.cb_kwargs.get("source", "?"), error, found_as=found_as))

    def process_item(self, item):
        if isinstance(item, PageItem):
            outcomes = self._page(item)
        elif isinstance(item, ListPageItem):
            outcomes = self._list_page(item)
        elif isinstance(item, FetchError):
            outcomes = self._failure(item)
        else:
            return item
        for outcome, count in outcomes.items():
            self.crawler.stats.inc_value(f"newsarchive/{outcome}", count)
            self.crawler.stats.inc_value(f"newsarchive/source/{item.source}/{outcome}", count)
        return item

    def _page(self, item: PageItem) -> dict:
        if item.status == 304:
            with self.db.atomic():
                archive.touch_url(self.db, item.url)
            return {"unchanged": 1}
        profile = self.profiles.get(item.source)
        fetched = Fetched(item.url, item.body, item.source, item.status, item.headers,
                          profile.selectors if profile else None, profile.charset if profile else None, item.parts)
        filed = ingest(self.db, fetched)
        with self.db.atomic():
            archive.leave_frontier(self.db, item.found_as or item.url)
        return {filed.outcome: 1, **({"undated": 1} if filed.undated else {})}

    def _list_page(self, item: ListPageItem) -> dict:
        record = {"url": item.url, "source": item.source, "status": item.status}
        if item.status != 304:  # not modified: keep the validators and counts of the last read
            record.update(etag=item.etag, last_modified=item.last_modified, article_links=item.article_links,
                          new_links=len(item.new_urls))
        self.list_records.append(record)
        if item.new_urls:
            with self.db.atomic():
                archive.add_to_frontier(self.db, item.new_urls, item.source)
        return {"list_pages": 1, "list_unchanged": int(item.status == 304),
                "article_links": item.article_links, "new_links": len(item.new_urls)}

    def _failure(self, item: FetchError) -> dict:
        with self.db.atomic():
            if item.kind == "gone":
                archive.mark_gone(self.db, item.url)
            archive.record_error(self.db, item.url, item.source, item.kind, item.error)
            archive.leave_frontier(self.db, item.found_as or item.url)
        return {{"gone": "gone", "blocked": "blocked", "list": "list_errors"}.get(item.kind, "failed"): 1}
