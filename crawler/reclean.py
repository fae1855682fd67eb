"""Rerun cleaning over seeds/ and every raw page in the archive, offline and idempotent."""

from __future__ import annotations

import logging
from collections import Counter
from pathlib import Path

from . import archive
from .clean import CLEANER_VERSION, RawPage, clean_page
from .ingest import file_article
from .sources import load_sources

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


def work_list(db) -> list[tuple[int, int | None]]:
    """(page id, article id) pairs to clean: the page each article was cleaned from, then
    every page that has no article yet."""
    return db.execute(
        "SELECT page_id, id FROM articles WHERE page_id IS NOT NULL "
        "UNION ALL SELECT id, NULL FROM pages WHERE article_id IS NULL AND part_of IS NULL ORDER BY 2 NULLS LAST, 1"
    ).fetchall()


def reclean_page(db, page_id: int, article_id: int | None, profiles: dict) -> str:
    """Clean one stored page again; update its article in place only if the output changed."""
    page = db["pages"].get(page_id)
    profile = profiles.get(page["source"])
    raw = RawPage(archive.page_body(page), None if page["url"].startswith("seed:") else page["url"],
                  page["content_type"], profile.selectors if profile else None, profile.charset if profile else None)
    more = [RawPage(archive.page_body(part), part["url"], part["content_type"], raw.selectors, raw.charset_hint)
            for part in archive.page_parts(db, page_id)]
    try:
        article = clean_page(raw, more)
    except Exception as error:  # noqa: BLE001 - a page that still fails is counted, not fatal
        logger.warning("reclean: %s still fails: %s: %s", page["url"], type(error).__name__, error)
        return "failed"
    with db.atomic():
        if article_id is None:
            outcome, new_id = file_article(db, article, page["source"], page["url"], page["canonical_url"], page_id)
            db["pages"].update(page_id, {"article_id": new_id})
            return outcome
        record = archive.article_record(article, page["source"], CLEANER_VERSION)
        current = db["articles"].get(article_id)
        if all(current[key] == value for key, value in record.items() if key != "cleaner_version"):
            return "unchanged"
        archive.update_article(db, article_id, record)
        return "changed"


def reclean(db, seeds_dir: Path, progress=None) -> Counter:
    """Import seeds, then clean every work-list page; counts by outcome."""
    import_seeds(db, seeds_dir)
    profiles = load_sources()
    archive.upsert_sources(db, profiles.values())
    counts: Counter = Counter()
    for page_id, article_id in (progress or iter)(work_list(db)):
        counts[reclean_page(db, page_id, article_id, profiles)] += 1
    if set(counts) - {"unchanged", "failed"}:  # something was written
        archive.optimize_search_index(db)
    return counts
