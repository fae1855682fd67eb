"""Raw pages: kept compressed, read back as RawPage, marked with what cleaning made of them."""

from __future__ import annotations

import hashlib
import zlib
from typing import NamedTuple

from ..items import RawPage
from .rows import get_row, insert_row, now, update_row


class PageRef(NamedTuple):
    """A stored page, as filing needs it: its id, where it was found and for which source."""

    id: int
    url: str
    canonical_url: str
    source: str


def store_page(db, page: RawPage, canonical_url: str, refresh: bool = True,
               part_of: int | None = None, part: int | None = None) -> int:
    """Keep a raw response (compressed); the same bytes at the same URL are stored once
    (with `refresh`, their fetch time and headers are updated). Its id."""
    digest = hashlib.sha256(page.body).hexdigest()
    existing = db.execute("SELECT id FROM pages WHERE url = ? AND sha256 = ?", [page.url, digest]).fetchone()
    record = {"url": page.url, "canonical_url": canonical_url, "source": page.source, "fetched_at": now(),
              "status": page.status, "etag": page.headers.get("etag"),
              "last_modified": page.headers.get("last-modified"), "content_type": page.content_type,
              "part_of": part_of, "part": part}
    if existing:
        if refresh:
            update_row(db, "pages", existing[0], record)
        return existing[0]
    return insert_row(db, "pages", {**record, "body": zlib.compress(page.body, 6), "sha256": digest,
                                    "size": len(page.body)})


def stored_page(db, page_id: int) -> RawPage:
    """A stored page, with the further pages of a split article, as it was fetched."""
    row = get_row(db, "pages", page_id)
    parts = db.query("SELECT * FROM pages WHERE part_of = ? ORDER BY part", [page_id])
    return _raw_page(row, [_raw_page(part) for part in parts])


def page_ref(db, page_id: int) -> PageRef:
    return PageRef(*db.execute("SELECT id, url, canonical_url, source FROM pages WHERE id = ?", [page_id]).fetchone())


def note_cleaned(db, page_id: int, cleaner_version: str, outcome: str, article_id: int | None,
                 charset: str | None) -> None:
    """Record which cleaner cleaned the page, with what outcome, the charset its bytes were
    read in and the article it gave (a page that fails keeps its earlier article)."""
    db.execute("INSERT OR REPLACE INTO cleaned_pages (page_id, cleaner_version, outcome, cleaned_at) "
               "VALUES (?, ?, ?, ?)", [page_id, cleaner_version, outcome, now()])
    # Only when something changes: rewriting a row rewrites its compressed body too, and a
    # reclean finds most pages as they were.
    db.execute("UPDATE pages SET charset = coalesce(:charset, charset), article_id = coalesce(:article, article_id) "
               "WHERE id = :page AND (coalesce(:charset, charset) IS NOT charset "
               "OR coalesce(:article, article_id) IS NOT article_id)",
               {"charset": charset, "article": article_id, "page": page_id})


def _raw_page(row: dict, parts: list[RawPage] = ()) -> RawPage:
    headers = {name: row[column] for name, column in (("content-type", "content_type"), ("etag", "etag"),
                                                      ("last-modified", "last_modified")) if row[column]}
    return RawPage(zlib.decompress(row["body"]), row["url"], row["source"], row["status"], headers, list(parts))
