"""Raw pages: kept compressed, read back as RawPage, marked with what cleaning made of them."""

from __future__ import annotations

import hashlib
import json
import zlib
from typing import NamedTuple

from ..items import RawPage
from .rows import get_row, insert_row, now, update_row


class PageRef(NamedTuple):
    """A stored page, as filing needs it: its id, where it was found, for which source, and
    the charset its bytes were last read in (columns stored before the body, cheap to read)."""

    id: int
    url: str
    canonical_url: str
    source: str
    charset: str | None = None


def store_page(db, page: RawPage, canonical_url: str, refresh: bool = True,
               part_of: int | None = None, part: int | None = None) -> int:
    """Keep a raw response (compressed); the same bytes at the same URL are stored once
    (with `refresh`, their fetch time and headers are updated). Its id."""
    digest = hashlib.sha256(page.body).hexdigest()
    existing = db.execute("SELECT id FROM pages WHERE url = ? AND sha256 = ?", [page.url, digest]).fetchone()
    record = {"url": page.url, "canonical_url": canonical_url, "source": page.source, "fetched_at": now(),
              "status": page.status, "etag": page.headers.get("etag"),
              "last_modified": page.headers.get("last-modified"), "content_type": page.content_type,
              "part_of": part_of, "part": part, **capture_columns(page.capture)}
    if existing:
        if refresh:
            update_row(db, "pages", existing[0], record)
        return existing[0]
    return insert_row(db, "pages", {**record, "body": zlib.compress(page.body, 6), "sha256": digest,
                                    "size": len(page.body)})


def capture_columns(capture: dict | None) -> dict:
    """A fetch's capture (RawPage.capture) as columns; fetched_at is the fetch's own time
    when the crawl gave it."""
    if not capture:
        return {}
    return {"fetched_at": capture["fetched_at"], "method": capture["method"], "protocol": capture["protocol"],
            "request_headers": json.dumps(capture["request_headers"], ensure_ascii=False),
            "response_headers": json.dumps(capture["response_headers"], ensure_ascii=False),
            "peer_ip": capture["peer_ip"]}


def stored_page(db, page_id: int) -> RawPage:
    """A stored page, with the further pages of a split article, as it was fetched."""
    row = get_row(db, "pages", page_id)
    parts = db.query("SELECT * FROM pages WHERE part_of = ? ORDER BY part", [page_id])
    return _raw_page(row, [_raw_page(part) for part in parts])


def page_ref(db, page_id: int) -> PageRef:
    return PageRef(*db.execute("SELECT id, url, canonical_url, source, charset FROM pages WHERE id = ?",
                               [page_id]).fetchone())


def note_cleaned(db, page: PageRef, cleaner_version: str, outcome: str, new_article: int | None,
                 charset: str | None) -> None:
    """Record which cleaner cleaned the page and with what outcome; link it to the article it
    gave when that is new to it, and note the charset its bytes were read in when that changed.
    (A page row is rewritten only then: rewriting it rewrites its compressed body too, and a
    reclean finds most pages as they were.)"""
    db.execute("INSERT OR REPLACE INTO cleaned_pages (page_id, cleaner_version, outcome, cleaned_at) "
               "VALUES (?, ?, ?, ?)", [page.id, cleaner_version, outcome, now()])
    if new_article is not None or (charset is not None and charset != page.charset):
        db.execute("UPDATE pages SET charset = coalesce(?, charset), article_id = coalesce(?, article_id) WHERE id = ?",
                   [charset, new_article, page.id])


def _raw_page(row: dict, parts: list[RawPage] = ()) -> RawPage:
    headers = {name: row[column] for name, column in (("content-type", "content_type"), ("etag", "etag"),
                                                      ("last-modified", "last_modified")) if row[column]}
    return RawPage(zlib.decompress(row["body"]), row["url"], row["source"], row["status"], headers, list(parts))
