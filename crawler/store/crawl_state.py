"""What the crawler knows between runs: sources, known URLs, list pages, the frontier,
errors, dead articles and the run log."""

from __future__ import annotations

import json

import sqlite_utils

from ..clean.normalize import is_mirror
from .rows import insert_row, now
from .schema import read_only


def upsert_sources(db, sources) -> None:
    """Mirror the source profiles into the `sources` table (for facets and labels)."""
    db["sources"].upsert_all(
        [{"name": s.name, "title": s.title, "site": s.site, "family": s.family, "homepage": s.homepage,
          "description": s.description, "enabled": int(s.enabled)} for s in sources],
        pk="name",
    )


REPLICA_MODE = "+replica"  # ends a run's mode when it crawled a replica (the sample sites), not the real sites


def real_crawls(db_path: str) -> int:
    """How many runs of the archive crawled the real sites."""
    db = sqlite_utils.Database(read_only(db_path))
    try:
        if not db["crawl_runs"].exists():
            return 0
        return db.execute("SELECT count(*) FROM crawl_runs WHERE mode NOT LIKE ?", [f"%{REPLICA_MODE}"]).fetchone()[0]
    finally:
        db.close()


def last_run_status(db_path: str) -> dict[str, str]:
    """Per-source status ('ok'/'failing') of the newest crawl_runs row that names the source."""
    db = sqlite_utils.Database(read_only(db_path))
    status: dict[str, str] = {}
    if db["crawl_runs"].exists():
        for run in db.query("SELECT sources FROM crawl_runs ORDER BY id DESC"):
            for name, counts in json.loads(run["sources"] or "{}").items():
                status.setdefault(name, counts.get("status", "?"))
    db.close()
    return status


def known_urls(db) -> set[str]:
    """URLs a normal run need not fetch again: every URL (as seen and canonical) of an
    archived article, every raw page kept (a page that failed cleaning is recleaned
    offline), every attachment linked, and dead links (404/410, redirect loops). A mirror's
    canonical URL is its twin's, which is a page of its own still to fetch: it is not counted."""
    rows = db.execute(
        "SELECT url, canonical_url FROM article_urls UNION SELECT url, canonical_url FROM pages "
        "UNION SELECT url, url FROM article_attachments "
        "UNION SELECT url, url FROM errors WHERE error LIKE 'HTTP 404%' OR error LIKE 'HTTP 410%' "
        "OR error LIKE 'redirect loop%'").fetchall()
    return {url for url, _canonical in rows} | {canonical for url, canonical in rows if not is_mirror(url)}


def list_validators(db) -> dict[str, dict]:
    """ETag/Last-Modified of each list page, for conditional requests."""
    return {row["url"]: row for row in db.query("SELECT url, etag, last_modified FROM list_pages")}


def refresh_targets(db, source: str) -> list[dict]:
    """Known articles of a source to revisit: the URL of the page each was cleaned from,
    with that page's validators (gone articles are not revisited)."""
    return list(db.query(
        "SELECT p.url, p.etag, p.last_modified FROM articles a JOIN pages p ON p.id = a.page_id "
        "WHERE a.source = ? AND a.gone_at IS NULL ORDER BY a.id", [source]))


def add_to_frontier(db, urls: list[str], source: str) -> None:
    """Article URLs found but not yet fetched: a killed run's next run fetches them first."""
    found = now()
    db["frontier"].upsert_all([{"url": url, "source": source, "found_at": found} for url in urls], pk="url")


def leave_frontier(db, url: str) -> None:
    db.execute("DELETE FROM frontier WHERE url = ?", [url])


def clear_frontier(db, sources: list[str]) -> None:
    db.execute(f"DELETE FROM frontier WHERE source IN ({', '.join('?' * len(sources))})", sources)


def frontier(db, source: str) -> list[str]:
    """URLs a previous run found but did not get to fetch."""
    return [row[0] for row in db.execute("SELECT url FROM frontier WHERE source = ? ORDER BY found_at", [source])]


def record_list_page(db, record: dict) -> None:
    db["list_pages"].upsert({**record, "checked_at": now()}, pk="url")


def mark_gone(db, url: str) -> int:
    """Flag the article at this URL as taken down (never deleted); returns rows marked."""
    cursor = db.execute(
        "UPDATE articles SET gone_at = ? WHERE gone_at IS NULL AND id IN "
        "(SELECT article_id FROM article_urls WHERE url = ? OR canonical_url = ?)", [now(), url, url])
    return cursor.rowcount


def touch_url(db, url: str) -> None:
    """The page at this URL answered 'not modified': its article is still there."""
    db.execute("UPDATE article_urls SET last_seen = ? WHERE url = ?", [now(), url])
    db.execute("UPDATE articles SET last_seen = ? WHERE id IN (SELECT article_id FROM article_urls WHERE url = ?)",
               [now(), url])


def record_error(db, url: str, source: str | None, stage: str, error: str, again: bool = True) -> None:
    """An `errors` row; with `again` False, not when the newest error of this URL at this
    stage says the same (a page that still fails when cleaned again adds nothing new)."""
    if not again:
        last = db.execute("SELECT error FROM errors WHERE url = ? AND stage = ? ORDER BY id DESC LIMIT 1",
                          [url, stage]).fetchone()
        if last and last[0] == error:
            return
    insert_row(db, "errors", {"url": url, "source": source, "at": now(), "stage": stage, "error": error})


def record_run(db, run: dict) -> int:
    """A `crawl_runs` row; its id."""
    return insert_row(db, "crawl_runs", run)
