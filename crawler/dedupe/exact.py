"""Exact dedupe: is a cleaned body already archived, here or at another URL?"""

from __future__ import annotations

import hashlib
import re

from ..items import Outcome

NOT_TEXT = re.compile(r"[\s\W_]+")  # what two copies of one text may differ in


def body_hash(body: str) -> str:
    """Exact-duplicate key: the simplified body without whitespace or punctuation."""
    return hashlib.sha256(NOT_TEXT.sub("", body).encode("utf-8")).hexdigest()


def find_copy(db, key: str, canonical_url: str) -> tuple[Outcome, int | None]:
    """What an article with body key `key` found at `canonical_url` is to the archive:
    SAME (that body, seen at this URL), REPRINT (that body, elsewhere), REVISED (another
    body at this URL) or NEW; with the archived article's id (None when NEW)."""
    same_body = _one(db, "SELECT id FROM articles WHERE body_hash = ? ORDER BY id LIMIT 1", key)
    at_url = _one(db, "SELECT article_id FROM article_urls WHERE canonical_url = ? ORDER BY last_seen DESC LIMIT 1",
                  canonical_url)
    if same_body is not None:
        return (Outcome.SAME if at_url == same_body else Outcome.REPRINT), same_body
    if at_url is not None:
        return Outcome.REVISED, at_url
    return Outcome.NEW, None


def _one(db, sql: str, *params):
    row = db.execute(sql, params).fetchone()
    return row[0] if row else None
