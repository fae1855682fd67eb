"""The archive's tables through sqlite-utils: created, migrated in place, opened.

The search index (search/index.py) and the reprint-signature stamp (dedupe/clusters.py)
are part of the shape an opened archive is checked for.
"""

from __future__ import annotations

import logging
import os
import sqlite3
from contextlib import closing
from pathlib import Path

import sqlite_utils

from ..dedupe.clusters import scheme_is_stale
from ..search.index import ensure_index

logger = logging.getLogger(__name__)

BULK_CACHE_KB = 64 * 1024

TABLES = {  # in creation order: referenced tables first
    "sources": (
        {"name": str, "title": str, "site": str, "family": str, "homepage": str, "description": str, "enabled": int},
        "name",
    ),
    "articles": (
        {"id": int, "url": str, "source": str, "site": str, "title": str, "subtitle": str,
         "original_title": str, "date": str, "source_name": str, "author": str, "editor": str,
         "body": str, "body_original": str, "script": str, "captions": str, "body_hash": str,
         "first_seen": str, "last_seen": str, "cleaner_version": str, "cluster_id": int, "page_id": int,
         "gone_at": str, "month": str, "similarity": float},
        "id",
    ),
    "article_urls": (
        {"id": int, "article_id": int, "url": str, "canonical_url": str, "first_seen": str, "last_seen": str},
        "id",
    ),
    "revisions": (
        {"id": int, "article_id": int, "title": str, "body": str, "body_hash": str,
         "first_seen": str, "last_seen": str, "replaced_at": str},
        "id",
    ),
    "pages": (
        {"id": int, "url": str, "canonical_url": str, "source": str, "fetched_at": str, "status": int,
         "etag": str, "last_modified": str, "content_type": str, "charset": str, "body": bytes,
         "sha256": str, "size": int, "article_id": int, "part_of": int, "part": int,
         # full capture (pages fetched before it have NULL here): JSON of RawPage.capture's
         # header pairs, the request method, protocol and the peer's IP
         "method": str, "request_headers": str, "protocol": str, "response_headers": str, "peer_ip": str},
        "id",
    ),
    # Files linked from articles (附件), once per content: clean/attachments.py reads them.
    # Their compressed bytes are a table of their own, so listing attachments (a Datasette
    # table page of 100 rows) never reads up to 50 MB a row.
    "attachments": (
        {"id": int, "sha256": str, "name": str, "kind": str, "content_type": str, "size": int,
         "url": str, "fetched_at": str, "text": str, "text_status": str, "problem": str, "extractor_version": str,
         # the exchange of its first fetch, as pages keep it (for the WARC export)
         "source": str, "status": int, "method": str, "request_headers": str, "protocol": str,
         "response_headers": str, "peer_ip": str},
        "id",
    ),
    "attachment_files": ({"attachment_id": int, "body": bytes}, "attachment_id"),
    # Which page links which file: by the page's URL (article_urls.url gives its article),
    # with the link's label and place among the page's files.
    "article_attachments": (
        {"id": int, "page_url": str, "url": str, "attachment_id": int, "label": str, "position": int,
         "first_seen": str},
        "id",
    ),
    "crawl_runs": (
        {"id": int, "started": str, "finished": str, "sources": str, "requests": int, "new_articles": int,
         "new_revisions": int, "errors": int, "status": str, "exit_code": int, "mode": str, "delays": str,
         "elapsed_s": float},
        "id",
    ),
    "frontier": ({"url": str, "source": str, "found_at": str}, "url"),
    "list_pages": (
        {"url": str, "source": str, "etag": str, "last_modified": str, "checked_at": str, "status": int,
         "article_links": int, "new_links": int},
        "url",
    ),
    "errors": ({"id": int, "url": str, "source": str, "at": str, "stage": str, "error": str}, "id"),
    # Reprint clusters (dedupe/clusters.py): named after their first article, which is also its cluster_id.
    "clusters": ({"id": int, "original_id": int, "title": str, "first_date": str, "articles": int, "sites": int,
                  "first_seen": str, "last_seen": str}, "id"),
    "article_signatures": ({"article_id": int, "signature": bytes}, "article_id"),
    "article_bands": ({"band": int, "key": int, "article_id": int}, None),
    # Facts about the archive itself (dedupe.minhash.SIGNATURE_SCHEME: how its signatures were made).
    "archive_meta": ({"key": str, "value": str}, "key"),
    # Which cleaner last cleaned each page, so an interrupted reclean resumes where it stopped.
    "cleaned_pages": ({"page_id": int, "cleaner_version": str, "outcome": str, "cleaned_at": str}, "page_id"),
}
FOREIGN_KEYS = {
    "articles": [("source", "sources", "name")],
    "article_urls": [("article_id", "articles", "id")],
    "revisions": [("article_id", "articles", "id")],
    "pages": [("article_id", "articles", "id")],
    "cleaned_pages": [("page_id", "pages", "id")],
    "article_attachments": [("attachment_id", "attachments", "id")],
    "attachment_files": [("attachment_id", "attachments", "id")],
}
INDEXES = {
    "articles": [["body_hash"], ["date"], ["source"], ["month"], ["cluster_id"]],
    "article_bands": [["band", "key"], ["article_id"]],
    "article_urls": [["canonical_url"], ["article_id"]],  # article_id: a cluster's sites (clusters.refresh_cluster)
    "pages": [["article_id"], ["url"], ["part_of"]],
}


def open_archive(path: str | Path, bulk: bool = False) -> sqlite_utils.Database:
    """Open (creating if needed) the archive in WAL mode with its tables in shape; `bulk`:
    for a writer of many articles in a row (reclean, dedupe), with a larger page cache."""
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    db = sqlite_utils.Database(path)
    db.execute("PRAGMA busy_timeout = 30000")
    db.enable_wal()
    db.execute("PRAGMA synchronous = NORMAL")
    if bulk:
        # 64 MB of page cache instead of SQLite's 2 MB: writes land at random spots of the
        # large indexes (reprint bands, search terms), and with the default a big archive's
        # writer spends its time reading B-tree pages back from the OS (a fixed amount, so
        # memory stays flat; the crawl, paced by fetching, keeps the default).
        db.execute(f"PRAGMA cache_size = -{BULK_CACHE_KB}")
    ensure_schema(db)
    return db


def archive_problem(path: str | Path) -> str | None:
    """Why an existing archive cannot be read (not a database, a damaged header or schema),
    found without changing it; None for a sound one or a new path."""
    if not Path(path).exists():
        return None
    try:
        with closing(read_only(path)) as db:
            db.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except sqlite3.DatabaseError as error:
        return str(error)
    return None


def recovery_hint(path: str | Path) -> str:
    """What to do about a damaged archive."""
    return f"restore it from a backup, or save what is left with: sqlite3 {path} .recover | sqlite3 recovered.db"


def on_writable_folder(path: str | Path) -> bool:
    """Whether the archive's folder takes writes (SQLite keeps its WAL and lock files there)."""
    return os.access(Path(path).resolve().parent, os.W_OK)


def read_only(path: str | Path) -> sqlite3.Connection:
    """A read-only connection; on a read-only filesystem, immutable (SQLite cannot make the
    WAL index a normal read needs, and nothing can write there anyway)."""
    mode = "mode=ro" if on_writable_folder(path) else "immutable=1"
    return sqlite3.connect(f"{Path(path).resolve().as_uri()}?{mode}", uri=True)


def path_of(db) -> str:
    """The archive's file name."""
    return db.execute("PRAGMA database_list").fetchone()[2]


# Data fixes an older archive gets once (recorded in archive_meta as migration:<name>).
DATA_MIGRATIONS = {
    # The seeds folder is no site: its articles had site 'seeds', counted as a reprint site.
    "seeds_are_no_site": ["UPDATE articles SET site = NULL WHERE url LIKE 'seed:%'"],
}


def _migrate_once(db: sqlite_utils.Database, name: str, statements: list[str]) -> None:
    key = f"migration:{name}"
    if db.execute("SELECT 1 FROM archive_meta WHERE key = ?", [key]).fetchone():
        return
    with db.conn:
        for statement in statements:
            db.execute(statement)
        db.execute("INSERT INTO archive_meta (key, value) VALUES (?, 'done')", [key])


def ensure_schema(db: sqlite_utils.Database) -> None:
    """Create missing tables, foreign keys, indexes and the search index; idempotent."""
    for name, (columns, pk) in TABLES.items():
        table = db[name]
        if not table.exists():
            table.create(columns, pk=pk, foreign_keys=FOREIGN_KEYS.get(name))
            continue
        for column, kind in columns.items():  # an archive from an older version gains new columns
            if column not in table.columns_dict:
                table.add_column(column, kind)
    for name, indexes in INDEXES.items():
        for columns in indexes:
            db[name].create_index(columns, if_not_exists=True)
    db["article_urls"].create_index(["url"], unique=True, if_not_exists=True)
    db["pages"].create_index(["url", "sha256"], unique=True, if_not_exists=True)
    db["attachments"].create_index(["sha256"], unique=True, if_not_exists=True)
    db["article_attachments"].create_index(["page_url", "url"], unique=True, if_not_exists=True)
    ensure_index(db)
    for name, statements in DATA_MIGRATIONS.items():
        _migrate_once(db, name, statements)
    if scheme_is_stale(db):
        logger.warning("%s: reprint signatures were made by an older version or a rebuild that did not finish; "
                       "new articles will not match them until `newsarchive dedupe --rebuild`", path_of(db))
