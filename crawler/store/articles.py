"""Article rows: written with their search terms and reprint cluster, revised, seen again."""

from __future__ import annotations

import json
from dataclasses import dataclass

from ..clean.article import Article
from ..dedupe.clusters import place
from ..dedupe.exact import body_hash
from ..dedupe.minhash import from_bytes, signature
from ..search.index import index_article, unindex_article
from ..search.query import bigrams
from .rows import get_row, insert_row, now, update_row


@dataclass(frozen=True)
class ArchiveKeys:
    """What filing an article computes without the database: its exact-duplicate key, its
    reprint signature (uint32 bytes) and its search terms. Computed where the cleaning ran
    (a worker process), so the archive's single writer only writes."""

    body_hash: str
    signature: bytes
    title_terms: str
    body_terms: str

    @classmethod
    def of(cls, title: str | None, body: str) -> ArchiveKeys:
        return cls(body_hash(body), signature(body).tobytes(), bigrams(title or ""), bigrams(body or ""))


def article_record(article: Article, source: str, keys: ArchiveKeys, cleaner_version: str) -> dict:
    """The articles columns that cleaning decides (as opposed to first/last seen)."""
    return {
        "title": article.title, "subtitle": article.subtitle, "original_title": article.original_title,
        "date": article.date, "source_name": article.source_name, "author": article.author, "editor": article.editor,
        "body": article.body, "body_original": article.body_original, "script": article.script,
        "captions": json.dumps(article.captions, ensure_ascii=False) if article.captions else None,
        "body_hash": keys.body_hash, "cleaner_version": cleaner_version, "source": source,
        "month": article.date[:7] if article.date else None,
    }


def insert_article(db, record: dict, keys: ArchiveKeys, url: str, site: str | None, page_id: int) -> int:
    """A new article row, indexed and placed in a reprint cluster; `page_id` is the raw page
    it was cleaned from (reclean reads it)."""
    seen = now()
    article_id = insert_row(db, "articles", {**record, "url": url, "site": site, "first_seen": seen,
                                             "last_seen": seen, "page_id": page_id})
    index_article(db, article_id, keys.title_terms, keys.body_terms)
    place(db, article_id, from_bytes(keys.signature))
    return article_id


def update_article(db, article_id: int, record: dict, keys: ArchiveKeys) -> None:
    """Rewrite an article in place (reclean): row, search terms, and cluster if the body changed."""
    old = get_row(db, "articles", article_id)
    update_row(db, "articles", article_id, record)
    unindex_article(db, article_id, old["title"], old["body"])
    index_article(db, article_id, keys.title_terms, keys.body_terms)
    if record["body"] != old["body"]:
        place(db, article_id, from_bytes(keys.signature))


def add_revision(db, article_id: int, record: dict, keys: ArchiveKeys, page_id: int) -> None:
    """Keep the current body as a revision, then store the new one in the article row."""
    old = get_row(db, "articles", article_id)
    insert_row(db, "revisions", {"article_id": article_id, "title": old["title"], "body": old["body"],
                                 "body_hash": old["body_hash"], "first_seen": old["first_seen"],
                                 "last_seen": old["last_seen"], "replaced_at": now()})
    update_article(db, article_id, {**record, "last_seen": now(), "page_id": page_id}, keys)


def touch_article(db, article_id: int, record: dict | None = None) -> None:
    """One more sighting of an article; a Traditional copy (a /BIG5/ mirror fetched after its
    simplified twin) gives it the original text it lacked."""
    db.execute("UPDATE articles SET last_seen = ? WHERE id = ?", [now(), article_id])
    if record and record.get("body_original"):
        db.execute("UPDATE articles SET body_original = ?, script = ? WHERE id = ? AND body_original IS NULL",
                   [record["body_original"], record["script"], article_id])


def record_url(db, article_id: int, url: str, canonical_url: str) -> None:
    """Remember that the article was seen at this URL (reprints, mirrors, moves)."""
    seen = now()
    db.execute(
        "INSERT INTO article_urls (article_id, url, canonical_url, first_seen, last_seen) VALUES (?, ?, ?, ?, ?) "
        "ON CONFLICT(url) DO UPDATE SET last_seen = excluded.last_seen, article_id = excluded.article_id",
        [article_id, url, canonical_url, seen, seen],
    )
