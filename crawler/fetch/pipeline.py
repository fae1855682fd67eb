"""Scrapy adapter: pages go to the cleaning workers, then everything to the archive writer.

The reactor only fetches: a page is cleaned (flow.prepare), an attachment read
(flow.prepare_attachment), in a worker process of a workers.WorkerPool while the crawl goes
on, and its result, like list reports and failures, is queued on the archive's batch writer (store/writer.py), which commits 64
writes per transaction and at least every 2 seconds. Filing is flow.archive_fetched, the
path reclean shares.
"""

from __future__ import annotations

import sqlite3
from contextlib import ExitStack
from functools import partial

from scrapy import signals
from scrapy.exceptions import CloseSpider
from scrapy.utils.defer import deferred_from_coro
from twisted.internet import task

from ..flow import crashed, file_fetched, list_record, worker_job
from ..items import ListPageItem
from ..sources import load_sources
from ..store.crawl_state import clear_frontier, record_list_page, upsert_sources
from ..store.lock import ArchiveLocked, archive_lock
from ..store.writer import BatchWriter
from ..workers import WorkerPool, default_workers, named_function
from .connection import archive_of, archive_path
from .middlewares import redirect_loop
from .runlog import ARCHIVE_DAMAGED, ARCHIVE_LOCKED

FLUSH_EVERY_S = 2.0


class ArchivePipeline:
    """The crawl's one archive writer. It holds the archive's lock from opening until the
    engine stops (after the run's row is written), whichever command started the crawl
    (`newsarchive crawl` or `scrapy crawl news`); when another run holds it, the crawl
    closes before anything is fetched or written."""

    def __init__(self, crawler, workers: int, batch_size: int, clean):
        self.crawler = crawler
        self.workers = workers
        self.batch_size = batch_size
        self.clean = clean
        self.writer: BatchWriter | None = None
        self.flushing: task.LoopingCall | None = None
        self.pool: WorkerPool | None = None
        self.stopping = False
        self.list_records: list[dict] = []
        self.lock = ExitStack()

    @classmethod
    def from_crawler(cls, crawler):
        archive_path(crawler)  # NotConfigured without an archive
        settings = crawler.settings
        workers = settings.get("CLEANING_WORKERS")
        pipeline = cls(crawler, default_workers() if workers is None else int(workers),
                       settings.getint("ARCHIVE_BATCH_SIZE"), named_function(settings.get("CLEAN_FUNCTION")))
        crawler.signals.connect(pipeline.request_dropped, signal=signals.request_dropped)
        crawler.signals.connect(pipeline.spider_closed, signal=signals.spider_closed)
        crawler.signals.connect(pipeline.lock.close, signal=signals.engine_stopped)
        return pipeline

    def open_spider(self) -> None:
        try:
            self.lock.enter_context(archive_lock(archive_path(self.crawler), "crawl"))
        except ArchiveLocked as error:
            self.crawler.stats.set_value(ARCHIVE_LOCKED, str(error))
            raise CloseSpider("archive_locked") from None
        db = archive_of(self.crawler)
        upsert_sources(db, load_sources().values())
        self.pool = WorkerPool(self.workers, preload=[self.clean.__module__], crashed=crashed)
        self.writer = BatchWriter(db, self.batch_size)
        self.flushing = task.LoopingCall(self.writer.flush)
        self.flushing.start(FLUSH_EVERY_S, now=False)

    def close_spider(self) -> None:
        """Write what is queued; after an open that failed (a full disk), there is nothing."""
        if self.flushing is not None and self.flushing.running:
            self.flushing.stop()
        if self.writer is not None:
            self.writer.flush()
            if self.writer.failures:
                self.crawler.stats.set_value("newsarchive/write_errors", self.writer.failures)
            if self.writer.damaged:  # found by the last writes: no run row either
                self.crawler.stats.set_value(ARCHIVE_DAMAGED, self.writer.damaged)
        if self.pool is not None:
            self.pool.close()

    def spider_closed(self, spider, reason: str) -> None:
        """After a complete run only: remember list-page validators (a run killed between
        reading a list page and fetching its articles must read it again) and empty the
        sources' frontier — every URL in it was requested and settled in this run, including
        those the duplicate filter dropped as redirect targets."""
        if reason != "finished" or self.writer is None or self.writer.failures:
            return  # pages were lost: the next run reads the lists and the frontier again
        db = archive_of(self.crawler)
        try:
            with db.atomic():
                for record in self.list_records:
                    record_list_page(db, record)
                clear_frontier(db, list(spider.sources))
        except sqlite3.Error as error:  # a full disk: the next run reads the lists again
            spider.logger.error("list-page validators not saved: %s", error)

    def request_dropped(self, request) -> None:
        failure = redirect_loop(request)
        if failure is not None and self.writer is not None:
            self.crawler.spider.logger.error("%s", failure.error)
            self._queue(failure, partial(file_fetched, item=failure))

    async def process_item(self, item):
        job = worker_job(item, self.clean)
        if job is not None:  # a page to clean, a file to read
            cleaned = await self.pool.run(*job, item)
            self._queue(item, partial(file_fetched, item=item, cleaned=cleaned))
        else:
            if isinstance(item, ListPageItem):
                self.list_records.append(list_record(item))
            self._queue(item, partial(file_fetched, item=item))
            if isinstance(item, ListPageItem):
                self.writer.flush()  # the frontier must hold a list page's links before they are fetched
        return item

    def _queue(self, item, write) -> None:
        """Hand `write(db) -> outcome counts` to the batch writer; count outcomes once written.
        A damaged archive stops the crawl: fetching on would only lose the pages."""
        self.writer.add(partial(self._count, item, write))
        if self.writer.damaged and not self.stopping:
            self.stopping = True
            self.crawler.stats.set_value(ARCHIVE_DAMAGED, self.writer.damaged)
            deferred_from_coro(self.crawler.engine.close_spider_async(reason="archive damaged"))

    def _count(self, item, write, db):
        outcomes = write(db)

        def count() -> None:
            for outcome, number in outcomes.items():
                self.crawler.stats.inc_value(f"newsarchive/{outcome}", number)
                self.crawler.stats.inc_value(f"newsarchive/source/{item.source}/{outcome}", number)

        return count
