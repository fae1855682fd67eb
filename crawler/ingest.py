"""Clean → dedupe → store: what happens to every fetched page and every seed.

Plain functions over a sqlite-utils Database; the Scrapy pipeline and `reclean` call them.
Cleaning (pages_to_clean → clean_safely) may run in a worker process; filing runs in the
archive's single writer.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from . import archive
from .clean import CLEANER_VERSION, Article, Cleaned, RawPage, clean_safely
from .normalize import canonical_url

logger = logging.getLogger(__name__)


@dataclass
class Fetched:
    """A page as it arrived: bytes plus where and how."""

    url: str
    body: bytes
    source: str
    status: int = 200
    headers: dict | None = None
    selectors: dict | None = None
    charset: str | None = None
    parts: list = field(default_factory=list)  # further pages of a split article (dicts: url, body, headers…)

    @property
    def content_type(self) -> str | None:
        return (self.headers or {}).get("content-type")


@dataclass
class Filed:
    """What ingest() did with a page.

    outcome: new, same (seen before at this URL), reprint (same body, another URL),
    revised (new body at a known URL), empty (no article text) or failed (recorded in
    `errors`); undated: the article has no date (a template change can cause that).
    """

    outcome: str
    undated: bool = False


def pages_to_clean(fetched: Fetched) -> tuple[RawPage, list[RawPage]]:
    """The page and the further pages of a split article, as the cleaner takes them."""
    more = [RawPage(part["body"], part["url"], part["headers"].get("content-type"), fetched.selectors, fetched.charset)
            for part in fetched.parts]
    return RawPage(fetched.body, fetched.url, fetched.content_type, fetched.selectors, fetched.charset), more


def ingest(db, fetched: Fetched, cleaned: Cleaned | None = None) -> Filed:
    """Store the raw page and file its article, cleaning it here unless that was done
    elsewhere (a worker process) already."""
    cleaned = cleaned or clean_safely(*pages_to_clean(fetched))
    canonical = canonical_url(fetched.url)
    with archive.transaction(db):
        page_id = archive.store_page(db, fetched.url, canonical, fetched.source, fetched.body,
                                     fetched.status, fetched.headers)
        for number, part in enumerate(fetched.parts, 1):
            archive.store_page(db, part["url"], canonical_url(part["url"]), fetched.source, part["body"],
                               part["status"], part["headers"], part_of=page_id, part=number)
        if cleaned.article is None:
            logger.error("cleaning %s failed: %s", fetched.url, cleaned.error)
            archive.record_error(db, fetched.url, fetched.source, "clean", cleaned.error)
            outcome = "empty" if cleaned.empty else "failed"
            archive.mark_cleaned(db, page_id, CLEANER_VERSION, outcome)
            return Filed(outcome)
        outcome, article_id = file_article(db, cleaned.article, fetched.source, fetched.url, canonical, page_id,
                                          cleaned.prepared)
        archive.update_row(db, "pages", page_id, {"article_id": article_id, "charset": cleaned.article.charset})
        archive.mark_cleaned(db, page_id, CLEANER_VERSION, outcome)
    return Filed(outcome, undated=cleaned.article.date is None)


def file_article(db, article: Article, source: str, url: str, canonical: str, page_id: int,
                 prepared: dict | None = None) -> tuple[str, int]:
    """Dedupe a cleaned article (from raw page `page_id`) against the archive and write it
    (`prepared`: clean.prepare_for_archive's output, when the cleaning worker computed it)."""
    record = archive.article_record(article, source, CLEANER_VERSION, prepared)
    same_body = _one(db, "SELECT id FROM articles WHERE body_hash = ? ORDER BY id LIMIT 1", record["body_hash"])
    at_url = _one(db, "SELECT article_id FROM article_urls WHERE canonical_url = ? ORDER BY last_seen DESC LIMIT 1",
                  canonical)
    if same_body is not None:
        outcome = "same" if at_url == same_body else "reprint"
        archive.touch_article(db, same_body)
        article_id = same_body
    elif at_url is not None:
        outcome, article_id = "revised", at_url
        archive.add_revision(db, at_url, record, page_id, prepared)
    else:
        outcome = "new"
        article_id = archive.insert_article(db, record, canonical, urlsplit(canonical).hostname or source, page_id,
                                            prepared)
    archive.record_url(db, article_id, url, canonical)
    return outcome, article_id


def _one(db, sql: str, *params):
    row = db.execute(sql, params).fetchone()
    return row[0] if row else None
