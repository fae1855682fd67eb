"""Crawl nodes (`newsarchive crawl --redis URL`): what a node sends to the archive's one
writer, and what the writer publishes back for the nodes.

A node fetches and cleans (its own worker pool) and writes nothing to SQLite: every item —
a page with what cleaning gave, a 304, a list page's report, a fetch failure — goes to one
Redis stream, and `newsarchive ingest` files it into the archive through flow.file_fetched,
the crawl's own filing step. At its end a node sends its run (stats, sources, the list
pages it read when it finished), which the writer records in `crawl_runs`. The writer
publishes what nodes need to crawl incrementally — the URLs already archived and each list
page's validators — in the mirror keys below. Entries are pickled: the Redis server must be
as private as the archive file.
"""

from __future__ import annotations

import json
import pickle

from scrapy import signals
from scrapy.utils.asyncio import create_looping_call

from ..clean.normalize import CHINA_TZ
from ..flow import crashed, list_record, worker_job
from ..items import ListPageItem
from ..workers import WorkerPool, default_workers, named_function
from .middlewares import redirect_loop
from .nodes import node_name, node_redis, wake

STREAM = "newsarchive:filing"
KNOWN = "newsarchive:known"  # set: URLs already archived (as seen and canonical), dead links
VALIDATORS = "newsarchive:validators"  # hash: list page URL → {"etag", "last_modified"} (JSON)
COUNTED = "newsarchive:counts:{}"  # hash per node run: outcome counts the writer filed for it
FRONTIER = "newsarchive:frontier:{}"  # set per source: article URLs found on list pages, not filed yet


def connect(url: str):
    import redis

    return redis.Redis.from_url(url)


def send(server, node: str, kind: str, payload) -> int:
    """Append an entry; the stream's length after it (what the writer has still to file),
    in the same round trip."""
    _entry_id, length = (server.pipeline(transaction=False)
                         .xadd(STREAM, {"kind": kind, "node": node, "data": pickle.dumps(payload)})
                         .xlen(STREAM).execute())
    return length


class Mirror:
    """What the writer publishes for the nodes, read by a node's spider at its start."""

    def __init__(self, server):
        self.server = server

    def known(self) -> set[str]:
        return {member.decode("utf-8") for member in self.server.sscan_iter(KNOWN, count=10_000)}

    def frontier(self, source: str) -> list[str]:
        """Found by a run and not filed yet (a node killed with requests in hand): fetched
        again, past the seen-request filter that already holds them."""
        return sorted(member.decode("utf-8") for member in self.server.smembers(FRONTIER.format(source)))

    def validators(self) -> dict[str, dict]:
        return {url.decode("utf-8"): json.loads(value) for url, value in self.server.hgetall(VALIDATORS).items()}


class StreamPipeline:
    """A node's item pipeline: clean in the worker pool, send to the writer's stream.

    The stream holds what the writer has not filed yet, in Redis's memory: when it holds more
    than STREAM_BACKLOG_MAX entries (the writer is slower than the nodes, or not running)
    the node stops fetching until the writer has caught up to half of that."""

    def __init__(self, crawler, server, workers: int, clean):
        self.crawler = crawler
        self.server = server
        self.workers = workers
        self.clean = clean
        self.pool: WorkerPool | None = None
        self.node = node_name()
        self.list_records: list[dict] = []
        self.sent = 0
        self.backlog_max = crawler.settings.getint("STREAM_BACKLOG_MAX")
        self.backlog_watch = create_looping_call(self.resume_when_caught_up)

    @classmethod
    def from_crawler(cls, crawler):
        server = node_redis(crawler)
        workers = crawler.settings.get("CLEANING_WORKERS")
        pipeline = cls(crawler, server, default_workers() if workers is None else int(workers),
                       named_function(crawler.settings.get("CLEAN_FUNCTION")))
        crawler.signals.connect(pipeline.request_dropped, signal=signals.request_dropped)
        crawler.signals.connect(pipeline.spider_closed, signal=signals.spider_closed)
        return pipeline

    def open_spider(self) -> None:
        self.pool = WorkerPool(self.workers, preload=[self.clean.__module__], crashed=crashed)
        self.backlog_watch.start(1.0)

    def close_spider(self) -> None:
        if self.backlog_watch.running:
            self.backlog_watch.stop()
        if self.pool is not None:
            self.pool.close()

    async def process_item(self, item):
        """A page is sent once cleaned; anything else at once, before the spider's next
        output is handled (a list page's report must reach the writer's frontier before
        its links are requested: a node killed with them in hand leaves them there)."""
        job = worker_job(item, self.clean)
        if job is not None:  # a page to clean, a file to read
            self._send(item, await self.pool.run(*job, item))
            return item
        if isinstance(item, ListPageItem):
            self.list_records.append(list_record(item))
        self._send(item, None)
        return item

    def _send(self, item, cleaned) -> None:
        backlog = send(self.server, self.node, "item", (item, cleaned))
        self.sent += 1
        engine = self.crawler.engine
        if not engine.paused and backlog > self.backlog_max:
            engine.pause()
            self.crawler.spider.logger.warning(
                "the archive's writer is more than %d entries behind (is `newsarchive ingest` running?): "
                "fetching paused until it catches up", self.backlog_max)

    def resume_when_caught_up(self) -> None:
        engine = self.crawler.engine
        if engine.paused and self.server.xlen(STREAM) <= self.backlog_max // 2:
            engine.unpause()
            wake(engine)
            self.crawler.spider.logger.info("the archive's writer caught up: fetching again")

    def request_dropped(self, request) -> None:
        failure = redirect_loop(request)
        if failure is not None:
            self.crawler.spider.logger.error("%s", failure.error)
            self._send(failure, None)

    def spider_closed(self, spider, reason: str) -> None:
        """The node's run goes to the writer (which records it in crawl_runs); this node's
        summary line and exit code say what it sent."""
        stats = {key: value for key, value in self.crawler.stats.get_stats().items()
                 if isinstance(value, (int, float, str)) and not key.startswith("newsarchive/run_")}
        started = self.crawler.stats.get_value("start_time")
        run = {"node": self.node, "reason": reason, "stats": stats, "sources": list(spider.sources), "mode": spider.mode,
               "started": started.astimezone(CHINA_TZ).isoformat(timespec="seconds") if started else None,
               "list_records": self.list_records if reason == "finished" else []}
        send(self.server, self.node, "run", run)
        finished = reason == "finished"
        self.crawler.stats.set_value("newsarchive/run_id", None)
        self.crawler.stats.set_value("newsarchive/run_exit_code", 0 if finished else 1)
        self.crawler.stats.set_value("newsarchive/summary", (
            f"crawl node {self.node}: {reason}, {stats.get('downloader/request_count', 0)} requests, "
            f"{self.sent} items sent to the archive's writer (newsarchive ingest files them)"))
