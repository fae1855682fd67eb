"""Rerun cleaning over seeds/ and every raw page in the archive, offline and idempotent.

Each stored page is read back and cleaned in a worker (store/pages.stored_page →
flow.prepare), and filed by the archive's single writer through the same flow.file_page
as a crawled page. Stored attachments read by an older extractor are read again.
"""

from __future__ import annotations

import asyncio
import logging
import os
import sqlite3
from collections import Counter
from functools import lru_cache, partial
from pathlib import Path

import sqlite_utils

from .clean.article import cleaner_version
from .clean.attachments import EXTRACTOR_VERSION, FAILED, AttachmentText, link_extension, read_attachment
from .flow import Cleaned, crashed, file_page, prepare
from .items import SEED_PREFIX, Outcome, RawPage
from .search.index import optimize_index
from .sources import load_sources
from .store.crawl_state import record_error, upsert_sources
from .store.attachments import attachment_bytes, stale_attachments, update_attachment_text
from .store.pages import page_ref, store_page, stored_page
from .store.schema import path_of
from .store.writer import BatchWriter
from .workers import WorkerPool

logger = logging.getLogger(__name__)
SEED_SOURCE = "seeds"


def saved_files(folder: Path, unreadable: list | None = None) -> list[Path]:
    """The files of a folder of saved pages, in name order, hidden ones aside; folders that
    cannot be listed are added to `unreadable` as (path, reason)."""
    found: list[Path] = []

    def note(error: OSError) -> None:
        if unreadable is not None:
            unreadable.append((error.filename, error.strerror or str(error)))

    for root, folders, files in os.walk(folder, onerror=note):
        folders[:] = [name for name in folders if not name.startswith(".")]
        found += [Path(root) / name for name in files if not name.startswith(".")]
    return sorted(found)


def import_seeds(db, seeds_dir: Path) -> tuple[int, list]:
    """Store every file of the seeds folder as a raw page (url 'seed:<name>'); a changed
    seed file becomes a new page, an unchanged one is left alone. A file or folder that
    cannot be read is logged and recorded in `errors` (stage 'seed'), the others are stored.
    Returns (files stored, [(path, reason) not read])."""
    unreadable: list = []
    files = saved_files(seeds_dir, unreadable) if seeds_dir.is_dir() else []
    stored = 0
    with db.atomic():
        for path in files:
            url = SEED_PREFIX + path.relative_to(seeds_dir).as_posix()
            try:
                body = path.read_bytes()
            except OSError as error:
                unreadable.append((str(path), error.strerror or str(error)))
                continue
            store_page(db, RawPage(body, url, SEED_SOURCE), url, refresh=False)
            stored += 1
        for path, reason in unreadable:
            logger.error("cannot read seed %s: %s", path, reason)
            record_error(db, SEED_PREFIX + Path(path).name, SEED_SOURCE, "seed", f"cannot read {path}: {reason}")
    return stored, unreadable


def work_list(db, everything: bool = False) -> list[tuple[int, int | None]]:
    """(page id, article id) pairs to clean: the page each article was cleaned from, then
    every page that has no article yet; pages the current cleaner of their source already did
    are left out (all of them are included with `everything`)."""
    getattr(db, "conn", db).create_function("cleaner_version", 1, cleaner_version, deterministic=True)
    done = "" if everything else (
        "AND NOT EXISTS (SELECT 1 FROM cleaned_pages c WHERE c.page_id = p.id "
        "AND c.cleaner_version = cleaner_version(p.source))")
    return db.execute(
        f"SELECT a.page_id, a.id FROM articles a JOIN pages p ON p.id = a.page_id WHERE 1 {done} "
        f"UNION ALL SELECT p.id, NULL FROM pages p WHERE p.article_id IS NULL AND p.part_of IS NULL {done} "
        "ORDER BY 2 NULLS LAST, 1").fetchall()


def clean_stored(clean, db_path: str, page_id: int) -> Cleaned:
    """In a worker: read a stored page from the archive and clean it, so the writer neither
    reads nor decompresses nor ships the page (WAL lets the worker read while it writes)."""
    return clean(stored_page(_reader(db_path), page_id))


@lru_cache(maxsize=1)
def _reader(db_path: str) -> sqlite_utils.Database:
    """A worker's read-only connection to the archive, opened once per process."""
    return sqlite_utils.Database(sqlite3.connect(f"{Path(db_path).resolve().as_uri()}?mode=ro", uri=True))


def read_stored_attachment(db_path: str, attachment_id: int) -> AttachmentText:
    """In a worker: read a stored file again (as clean_stored does pages)."""
    body, row = attachment_bytes(_reader(db_path), attachment_id)
    return read_attachment(body, link_extension(row["url"], row["name"]), row["content_type"])


# Counted beside the outcomes: pages whose result could not be written (full disk, I/O
# error) and seed files or folders that could not be read. Either makes the run fail.
UNWRITTEN, UNREADABLE = "unwritten", "unreadable"
# Attachments read again (their extractor changed) and those whose text changed.
FILES_READ, FILES_CHANGED = "attachments_read", "attachments_changed"


def reclean(db, seeds_dir: Path, workers: int = 0, everything: bool = False, bar=None,
            clean=prepare) -> Counter:
    """Import seeds, then clean the work-list pages in `workers` processes (0: in this one)
    and write the results in work-list order; counts by outcome (and UNWRITTEN, UNREADABLE).
    `bar`: a tqdm progress bar; `clean`: the cleaning function (settings.CLEAN_FUNCTION)."""
    _stored, unreadable = import_seeds(db, seeds_dir)
    upsert_sources(db, load_sources().values())
    work = work_list(db, everything)
    if bar is not None:
        bar.reset(total=len(work))
    pool = WorkerPool(workers, preload=[clean.__module__], crashed=crashed)
    clean_page_at = partial(clean_stored, clean, path_of(db))
    try:
        counts = asyncio.run(_reclean(db, work, pool, clean_page_at,
                                      bar.update if bar is not None else lambda count: None))
        counts += asyncio.run(_reread(db, stale_attachments(db, EXTRACTOR_VERSION, everything), pool))
    finally:
        pool.close()
    if set(counts) - {Outcome.UNCHANGED, Outcome.FAILED, Outcome.EMPTY, UNWRITTEN, FILES_READ}:  # something was written
        optimize_index(db)
    counts[UNREADABLE] = len(unreadable)
    return counts


async def _reclean(db, work, pool: WorkerPool, clean_page_at, progress) -> Counter:
    """Write each page's result in work-list order through the batch writer (a batch commits
    together, so an interrupted run loses at most one batch)."""
    counts: Counter = Counter()
    writer = BatchWriter(db)

    def write(page_id, article_id, cleaned):
        def into(db):
            outcome = file_page(db, page_ref(db, page_id), cleaned, article_id).outcome

            def count() -> None:
                counts[outcome] += 1
                progress(1)

            return count
        return into

    jobs = pool.in_order(work, lambda item: (f"cleaning page {item[0]}", clean_page_at, item[0]))
    async for (page_id, article_id), cleaned in jobs:
        writer.add(write(page_id, article_id, cleaned))
    writer.flush()
    counts[UNWRITTEN] = writer.failures
    return counts


async def _reread(db, attachment_ids: list[int], pool: WorkerPool) -> Counter:
    """Read stored attachments again and write what changed (their text and its index)."""
    counts: Counter = Counter()
    writer = BatchWriter(db)
    read_at = partial(read_stored_attachment, path_of(db))

    def write(attachment_id, read):
        def into(db):
            changed = update_attachment_text(db, attachment_id, read, EXTRACTOR_VERSION)

            def count() -> None:
                counts[FILES_READ] += 1
                counts[FILES_CHANGED] += changed

            return count
        return into

    jobs = pool.in_order(attachment_ids, lambda item: (f"reading attachment {item}", read_at, item))
    async for attachment_id, read in jobs:
        if isinstance(read, Cleaned):  # its worker died on it
            read = AttachmentText("unknown", None, FAILED, read.error)
        writer.add(write(attachment_id, read))
    writer.flush()
    counts[UNWRITTEN] += writer.failures
    return counts
