"""`newsarchive ingest`: the one writer of crawl nodes' items into the archive.

Reads the nodes' Redis stream as a consumer group, files every item through
flow.file_fetched (the crawl's own filing step: the same rows for the same pages), commits a
batch, and only then acknowledges its entries: a killed writer's unacknowledged entries are
delivered again to the next one, and filing an item twice changes nothing (a page already
kept is the same page; its article is SAME). A node's run entry becomes its `crawl_runs`
row, with the outcome counts the writer filed for it. What nodes need to crawl
incrementally is published after each commit (stream.Mirror).
"""

from __future__ import annotations

import json
import logging
from collections import Counter, defaultdict
import pickle
import time

from ..flow import file_fetched
from ..items import AttachmentFile, FetchError, ListPageItem, RawPage
from ..sources import load_sources
from ..store.crawl_state import frontier, known_urls, list_validators, record_list_page, record_run, upsert_sources
from ..store.rows import now
from .runlog import run_row, run_summary
from .stream import COUNTED, FRONTIER, KNOWN, STREAM, VALIDATORS

logger = logging.getLogger(__name__)
GROUP = "writers"
BATCH = 64
MIRRORED = "newsarchive:mirrored"  # set once the archive's known URLs were published


def ingest(db, server, consumer: str = "writer", until_idle_s: float | None = None, batch: int = BATCH) -> dict:
    """File entries until stopped (or, with `until_idle_s`, until none came for that long);
    return counts of what was filed."""
    _ensure_group(server)
    _publish_archive(db, server)
    upsert_sources(db, load_sources().values())
    totals = {"items": 0, "runs": 0}
    idle_since = time.monotonic()
    backlog = True  # first this consumer's pending entries (a killed writer's), then new ones
    while True:
        reply = server.xreadgroup(GROUP, consumer, {STREAM: "0" if backlog else ">"}, count=batch,
                                  block=None if backlog else 1000)
        entries = reply[0][1] if reply else []
        if backlog and not entries:
            backlog = False
            continue
        if not entries:
            if until_idle_s is not None and time.monotonic() - idle_since >= until_idle_s:
                return totals
            continue
        idle_since = time.monotonic()
        for key, number in _file_batch(db, server, entries).items():
            totals[key] += number


def _ensure_group(server) -> None:
    import redis

    try:
        server.xgroup_create(STREAM, GROUP, id="0", mkstream=True)
    except redis.ResponseError as error:
        if "BUSYGROUP" not in str(error):
            raise


def _publish_archive(db, server) -> None:
    """Once per Redis: the URLs the archive holds and its list validators, for the nodes."""
    if server.exists(MIRRORED):
        return
    known = list(known_urls(db))
    for start in range(0, len(known), 10_000):
        server.sadd(KNOWN, *known[start:start + 10_000])
    for url, row in list_validators(db).items():
        server.hset(VALIDATORS, url, json.dumps({"etag": row["etag"], "last_modified": row["last_modified"]}))
    for source in load_sources():
        waiting = frontier(db, source)
        if waiting:
            server.sadd(FRONTIER.format(source), *waiting)
    server.set(MIRRORED, now())


def _file_batch(db, server, entries) -> dict:
    """One transaction for the batch, with the id of its last entry; then the counts, the
    mirror and the acknowledgements. A writer killed after the commit and before the
    acknowledgement leaves its batch to the next writer, which skips what the archive
    says it filed (an errors row or a run row must not be written twice)."""
    counts: dict[str, Counter] = defaultdict(Counter)  # per node, what this batch filed
    filed_urls: list[str] = []
    found: list[ListPageItem] = []
    settled: list[RawPage | FetchError] = []
    runs = []
    filed_up_to = _filed_up_to(db)
    with db.atomic():
        for entry_id, fields in entries:
            if _entry_order(entry_id) <= filed_up_to:
                continue
            kind, node = fields[b"kind"].decode(), fields[b"node"].decode()
            payload = pickle.loads(fields[b"data"])
            if kind == "run":
                runs.append(payload)
                _record_node_run(db, server, payload, counts.pop(node, Counter()))
                continue
            item, cleaned = payload
            for outcome, number in file_fetched(db, item, cleaned).items():
                counts[node][f"newsarchive/{outcome}"] += number
                counts[node][f"newsarchive/source/{item.source}/{outcome}"] += number
            if isinstance(item, (RawPage, AttachmentFile)):
                filed_urls.append(item.url)
            if isinstance(item, ListPageItem) and item.new_urls:
                found.append(item)
            elif isinstance(item, (RawPage, FetchError)):
                settled.append(item)
        db.execute("INSERT OR REPLACE INTO archive_meta (key, value) VALUES (?, ?)",
                   [FILED_UP_TO, entries[-1][0].decode()])
    for node, filed in counts.items():  # runs still going: their counts wait in Redis
        for key, number in filed.items():
            server.hincrby(COUNTED.format(node), key, number)
    if filed_urls:
        server.sadd(KNOWN, *filed_urls)
    for item in found:  # the mirror of the archive's frontier (flow.file_fetched keeps it in SQLite)
        server.sadd(FRONTIER.format(item.source), *item.new_urls)
    for item in settled:
        server.srem(FRONTIER.format(item.source), item.found_as or item.url)
    for run in runs:
        for record in run["list_records"]:
            server.hset(VALIDATORS, record["url"], json.dumps(
                {"etag": record.get("etag"), "last_modified": record.get("last_modified")}))
        server.delete(COUNTED.format(run["node"]))
    # Filed: acknowledged and dropped from Redis's memory (the archive holds them now).
    done = [entry_id for entry_id, _fields in entries]
    server.pipeline(transaction=True).xack(STREAM, GROUP, *done).xdel(STREAM, *done).execute()
    return {"items": len(entries) - len(runs), "runs": len(runs)}


FILED_UP_TO = "ingest:filed_up_to"  # archive_meta: the stream id of the last entry filed


def _filed_up_to(db) -> tuple[int, int]:
    row = db.execute("SELECT value FROM archive_meta WHERE key = ?", [FILED_UP_TO]).fetchone()
    return _entry_order(row[0].encode()) if row else (0, -1)


def _entry_order(entry_id: bytes) -> tuple[int, int]:
    """A Redis stream id (b'1701590400000-3') as a comparable pair."""
    millis, _, sequence = entry_id.partition(b"-")
    return int(millis), int(sequence or 0)


def _record_node_run(db, server, run: dict, batch: Counter) -> None:
    """A node's crawl_runs row: its own fetch stats plus what the writer filed for it (in
    earlier batches, kept in Redis, and in this one)."""
    filed = Counter({key.decode(): int(value) for key, value in server.hgetall(COUNTED.format(run["node"])).items()})
    stats = {**run["stats"], **(filed + batch), "finish_reason": run["reason"]}
    summary = run_summary(stats, run["sources"])
    for record in run["list_records"]:
        record_list_page(db, record)
    record_run(db, run_row(summary, run["started"], f"{run['mode']}+node {run['node']}",
                           run["stats"].get("elapsed_time_seconds")))
    logger.info("recorded the run of node %s (%s)", run["node"], summary["status"])

