"""Rerun cleaning over seeds/ and every raw page in the archive, offline and idempotent."""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from collections import Counter
from functools import lru_cache, partial
from pathlib import Path

import sqlite_utils

from . import archive
from .clean import CLEANER_VERSION, Cleaned, RawPage, clean_safely
from .ingest import file_article
from .sources import load_sources
from .workers import CleaningPool

logger = logging.getLogger(__name__)
SEED_SOURCE = "seeds"


def saved_files(folder: Path):
    """The files of a folder of saved pages, in name order, hidden ones aside."""
    return sorted(path for path in folder.rglob("*") if path.is_file() and not path.name.startswith("."))


def import_seeds(db, seeds_dir: Path) -> int:
    """Store every file of the seeds folder as a raw page (url 'seed:<name>'); a changed
    seed file becomes a new page, an unchanged one is left alone."""
    files = list(saved_files(seeds_dir)) if seeds_dir.is_dir() else []
    with db.atomic():
        for path in files:
            url = f"seed:{path.relative_to(seeds_dir).as_posix()}"
            archive.store_page(db, url, url, SEED_SOURCE, path.read_bytes(), refresh=False)
    return len(files)


def work_list(db, everything: bool = False) -> list[tuple[int, int | None]]:
    """(page id, article id) pairs to clean: the page each article was cleaned from, then
    every page that has no article yet; pages the current cleaner already did are left out
    (all of them are included with `everything`)."""
    done = "" if everything else (
        "AND {page} NOT IN (SELECT page_id FROM cleaned_pages WHERE cleaner_version = :version)")
    return db.execute(
        f"SELECT page_id, id FROM articles WHERE page_id IS NOT NULL {done.format(page='page_id')} "
        f"UNION ALL SELECT id, NULL FROM pages WHERE article_id IS NULL AND part_of IS NULL {done.format(page='id')} "
        "ORDER BY 2 NULLS LAST, 1", {"version": CLEANER_VERSION}
    ).fetchall()


def stored_pages(db, page_id: int, profiles: dict) -> tuple[RawPage, list[RawPage]]:
    """A stored page (and the further pages of a split article) as the cleaner takes them."""
    page = archive.get_row(db, "pages", page_id)
    profile = profiles.get(page["source"])
    raw = RawPage(archive.page_body(page), None if page["url"].startswith("seed:") else page["url"],
                  page["content_type"], profile.selectors if profile else None, profile.charset if profile else None)
    more = [RawPage(archive.page_body(part), part["url"], part["content_type"], raw.selectors, raw.charset_hint)
            for part in archive.page_parts(db, page_id)]
    return raw, more


def clean_stored(clean, db_path: str, page_id: int) -> Cleaned:
    """In a worker: read a stored page from the archive and clean it, so the writer neither
    reads nor decompresses nor ships the page (WAL lets the worker read while it writes)."""
    db = sqlite_utils.Database(sqlite3.connect(f"{Path(db_path).resolve().as_uri()}?mode=ro", uri=True))
    try:
        return clean(*stored_pages(db, page_id, _profiles()))
    finally:
        db.close()


@lru_cache(maxsize=1)
def _profiles() -> dict:
    return load_sources()


def file_cleaned(db, page_id: int, article_id: int | None, cleaned: Cleaned) -> str:
    """Write what cleaning a stored page gave: its article updated in place only if the
    output changed, or a page without an article filed like a fetched one."""
    outcome = _file(db, page_id, article_id, cleaned)
    archive.mark_cleaned(db, page_id, CLEANER_VERSION, outcome)
    return outcome


def _file(db, page_id: int, article_id: int | None, cleaned: Cleaned) -> str:
    url, canonical, source = db.execute("SELECT url, canonical_url, source FROM pages WHERE id = ?", [page_id]).fetchone()
    if cleaned.article is None:
        logger.warning("reclean: %s still fails: %s", url, cleaned.error)
        return "failed"
    if article_id is None:
        outcome, new_id = file_article(db, cleaned.article, source, url, canonical, page_id, cleaned.prepared)
        db.execute("UPDATE pages SET article_id = ? WHERE id = ?", [new_id, page_id])
        return outcome
    record = archive.article_record(cleaned.article, source, CLEANER_VERSION, cleaned.prepared)
    current = archive.get_row(db, "articles", article_id)
    if all(current[key] == value for key, value in record.items() if key != "cleaner_version"):
        return "unchanged"
    archive.update_article(db, article_id, record, cleaned.prepared)
    return "changed"


def reclean(db, seeds_dir: Path, workers: int = 0, everything: bool = False, bar=None,
            clean=clean_safely) -> Counter:
    """Import seeds, then clean the work-list pages in `workers` processes (0: in this one)
    and write the results in work-list order; counts by outcome. `bar`: a tqdm progress bar."""
    import_seeds(db, seeds_dir)
    profiles = load_sources()
    archive.upsert_sources(db, profiles.values())
    work = work_list(db, everything)
    if bar is not None:
        bar.reset(total=len(work))
    pool = CleaningPool(workers)
    clean_page_at = partial(clean_stored, clean, archive.path_of(db))
    try:
        counts = asyncio.run(_reclean(db, work, pool, clean_page_at,
                                      bar.update if bar is not None else lambda count: None))
    finally:
        pool.close()
    if set(counts) - {"unchanged", "failed"}:  # something was written
        archive.optimize_search_index(db)
    return counts


async def _reclean(db, work, pool: CleaningPool, clean_page_at, progress) -> Counter:
    """Write each page's result in work-list order through the batch writer (a batch commits
    together, so an interrupted run loses at most one batch)."""
    counts: Counter = Counter()
    writer = archive.BatchWriter(db)

    def write(page_id, article_id, cleaned):
        def into(db):
            outcome = file_cleaned(db, page_id, article_id, cleaned)

            def count() -> None:
                counts[outcome] += 1
                progress(1)

            return count
        return into

    jobs = pool.in_order(work, lambda item: (f"cleaning page {item[0]}", clean_page_at, item[0]))
    async for (page_id, article_id), cleaned in jobs:
        writer.add(write(page_id, article_id, cleaned))
    writer.flush()
    return counts
