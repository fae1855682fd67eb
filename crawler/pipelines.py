"""Scrapy adapter: pages go to the cleaning workers, then everything to the archive writer.

The reactor only fetches: a page is cleaned in a worker process (workers.py) while the
crawl goes on, and its result, like list reports and failures, is queued on the archive's
batch writer (archive.BatchWriter), which commits 64 writes per transaction and at least
every 2 seconds.
"""

from __future__ import annotations

from functools import partial

from scrapy import signals
from twisted.internet import task

from . import archive
from .components import required_setting
from .ingest import Fetched, ingest, pages_to_clean
from .items import FetchError, ListPageItem, PageItem
from .sources import load_sources
from .workers import CleaningPool, clean_function, default_workers

FLUSH_EVERY_S = 2.0


class ArchivePipeline:
    def __init__(self, crawler, db_path: str, workers: int, batch_size: int, clean):
        self.crawler = crawler
        self.db_path = db_path
        self.workers = workers
        self.batch_size = batch_size
        self.clean = clean
        self.db = None
        self.list_records: list[dict] = []

    @classmethod
    def from_crawler(cls, crawler):
        settings = crawler.settings
        workers = settings.get("CLEANING_WORKERS")
        pipeline = cls(crawler, required_setting(crawler, "ARCHIVE_DB"),
                       default_workers() if workers is None else int(workers),
                       settings.getint("ARCHIVE_BATCH_SIZE"), clean_function(settings.get("CLEAN_FUNCTION")))
        crawler.signals.connect(pipeline.request_dropped, signal=signals.request_dropped)
        crawler.signals.connect(pipeline.spider_closed, signal=signals.spider_closed)
        return pipeline

    def open_spider(self) -> None:
        self.db = archive.open_archive(self.db_path)
        self.profiles = load_sources()
        archive.upsert_sources(self.db, self.profiles.values())
        self.pool = CleaningPool(self.workers, self.clean)
        self.writer = archive.BatchWriter(self.db, self.batch_size)
        self.flushing = task.LoopingCall(self.writer.flush)
        self.flushing.start(FLUSH_EVERY_S, now=False)

    def close_spider(self) -> None:
        self.flushing.stop()
        self.writer.flush()
        if self.writer.failures:
            self.crawler.stats.set_value("newsarchive/write_errors", self.writer.failures)
        self.pool.close()
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
            failure = FetchError(found_as, request.cb_kwargs.get("source", "?"), error, found_as=found_as)
            self._queue(failure, partial(self._failure, failure))

    async def process_item(self, item):
        if isinstance(item, PageItem) and item.status != 304:
            profile = self.profiles.get(item.source)
            fetched = Fetched(item.url, item.body, item.source, item.status, item.headers,
                              profile.selectors if profile else None, profile.charset if profile else None, item.parts)
            cleaned = await self.pool.clean(*pages_to_clean(fetched))
            self._queue(item, partial(self._page, item, fetched, cleaned))
        elif isinstance(item, PageItem):
            self._queue(item, partial(self._unchanged, item))
        elif isinstance(item, ListPageItem):
            self._queue(item, partial(self._list_page, item))
            self.writer.flush()  # the frontier must hold a list page's links before they are fetched
        elif isinstance(item, FetchError):
            self._queue(item, partial(self._failure, item))
        return item

    def _queue(self, item, write) -> None:
        """Hand `write(db) -> outcome counts` to the batch writer; count outcomes once written."""
        self.writer.add(partial(self._count, item, write))

    def _count(self, item, write, db):
        outcomes = write(db)

        def count() -> None:
            for outcome, number in outcomes.items():
                self.crawler.stats.inc_value(f"newsarchive/{outcome}", number)
                self.crawler.stats.inc_value(f"newsarchive/source/{item.source}/{outcome}", number)

        return count

    def _page(self, item: PageItem, fetched: Fetched, cleaned, db) -> dict:
        filed = ingest(db, fetched, cleaned)
        archive.leave_frontier(db, item.found_as or item.url)
        return {filed.outcome: 1, **({"undated": 1} if filed.undated else {})}

    def _unchanged(self, item: PageItem, db) -> dict:
        archive.touch_url(db, item.url)
        return {"unchanged": 1}

    def _list_page(self, item: ListPageItem, db) -> dict:
        record = {"url": item.url, "source": item.source, "status": item.status}
        if item.status != 304:  # not modified: keep the validators and counts of the last read
            record.update(etag=item.etag, last_modified=item.last_modified, article_links=item.article_links,
                          new_links=len(item.new_urls))
        self.list_records.append(record)
        if item.new_urls:
            archive.add_to_frontier(db, item.new_urls, item.source)
        return {"list_pages": 1, "list_unchanged": int(item.status == 304),
                "article_links": item.article_links, "new_links": len(item.new_urls)}

    def _failure(self, item: FetchError, db) -> dict:
        if item.kind == "gone":
            archive.mark_gone(db, item.url)
        archive.record_error(db, item.url, item.source, item.kind, item.error)
        archive.leave_frontier(db, item.found_as or item.url)
        return {{"gone": "gone", "blocked": "blocked", "list": "list_errors"}.get(item.kind, "failed"): 1}
