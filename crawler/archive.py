"""The SQLite archive (DESIGN.md tables) through sqlite-utils: schema and writes."""

from __future__ import annotations

import fcntl
import hashlib
import json
import logging
import os
import time
import zlib
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

import sqlite_utils

from . import reprints
from .normalize import CHINA_TZ
from .search import bigrams

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
         "sha256": str, "size": int, "article_id": int, "part_of": int, "part": int},
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
    # Reprint clusters (reprints.py): named after their first article, which is also its cluster_id.
    "clusters": ({"id": int, "original_id": int, "title": str, "first_date": str, "articles": int, "sites": int,
                  "first_seen": str, "last_seen": str}, "id"),
    "article_signatures": ({"article_id": int, "signature": bytes}, "article_id"),
    "article_bands": ({"band": int, "key": int, "article_id": int}, None),
    # Facts about the archive itself (reprints.SIGNATURE_SCHEME: how its signatures were made).
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
}
INDEXES = {
    "articles": [["body_hash"], ["date"], ["source"], ["month"], ["cluster_id"]],
    "article_bands": [["band", "key"], ["article_id"]],
    "article_urls": [["canonical_url"], ["article_id"]],  # article_id: a cluster's sites (reprints.refresh_cluster)
    "pages": [["article_id"], ["url"], ["part_of"]],
}


def now() -> str:
    return datetime.now(CHINA_TZ).isoformat(timespec="seconds")


EXIT_LOCKED = 75  # the command's exit code when another run writes to the archive (EX_TEMPFAIL: retry later)


class ArchiveLocked(RuntimeError):
    """Another run (a crawl, reclean or dedupe) is writing to this archive."""


@contextmanager
def archive_lock(db_path: str | Path, job: str):
    """Hold `<db>.lock` while `job` writes to the archive: crawls, reclean and dedupe take
    turns (a long reclean transaction would otherwise keep a cron crawl's writes waiting
    past SQLite's busy timeout). The kernel drops a dead holder's lock, so a lock left by a
    killed run is simply taken over."""
    lock_path = Path(f"{db_path}.lock")
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    handle = open(lock_path, "a+")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.seek(0)
        pid, _, holder = (handle.read().strip() or "unknown").partition(" ")
        handle.close()
        raise ArchiveLocked(f"another {holder or 'run'} (pid {pid}) is writing to {db_path}; lock file {lock_path}") from None
    handle.seek(0)
    handle.truncate()
    handle.write(f"{os.getpid()} {job}")
    handle.flush()
    try:
        yield
    finally:
        handle.truncate(0)
        fcntl.flock(handle, fcntl.LOCK_UN)
        handle.close()


def archive_busy(db_path: str | Path) -> bool:
    """Whether a run holds the archive's lock right now."""
    lock_path = Path(f"{db_path}.lock")
    if not lock_path.exists():
        return False
    with open(lock_path) as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        fcntl.flock(handle, fcntl.LOCK_UN)
    return False


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


def path_of(db) -> str:
    """The archive's file name."""
    return db.execute("PRAGMA database_list").fetchone()[2]


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
    fts = db.execute("SELECT sql FROM sqlite_master WHERE name = 'articles_fts'").fetchone()
    if fts is None or "content=''" not in fts[0]:
        rebuild_search_index(db)
    if reprints.scheme_is_stale(db):
        logger.warning("%s: reprint signatures were made by an older version or a rebuild that did not finish; "
                       "new articles will not match them until `newsarchive dedupe --rebuild`", path_of(db))


def rebuild_search_index(db) -> None:
    """(Re)create the search index and fill it from the articles.

    A contentless FTS5 table of character bigrams (search.py), rowid = articles.id: it keeps
    only the inverted index, not a second copy of the text (snippets come from articles.body).
    """
    with db.atomic():
        db.execute("DROP TABLE IF EXISTS articles_fts")
        db.execute("CREATE VIRTUAL TABLE articles_fts USING fts5(title, body, content='', tokenize='unicode61')")
        for row in db.query("SELECT id, title, body FROM articles"):
            _index(db, row["id"], row)


def optimize_search_index(db) -> None:
    """Merge the search index into one segment after bulk writes.

    Each write transaction adds a segment; FTS5 merges them only partly as it goes, and a
    lookup of one article in the index (the search plugin's plan for common words) costs a
    seek per segment: 40 µs instead of 300 µs per check at 200,000 articles.
    """
    db.execute("INSERT INTO articles_fts (articles_fts) VALUES ('optimize')")


def store_page(db, url: str, canonical: str, source: str, body: bytes, status: int = 200,
               headers: dict | None = None, charset: str | None = None, refresh: bool = True,
               part_of: int | None = None, part: int | None = None) -> int:
    """Keep a raw response (compressed); the same bytes at the same URL are stored once
    (with `refresh`, their fetch time and headers are updated)."""
    headers = headers or {}
    digest = hashlib.sha256(body).hexdigest()
    existing = db.execute("SELECT id FROM pages WHERE url = ? AND sha256 = ?", [url, digest]).fetchone()
    record = {"url": url, "canonical_url": canonical, "source": source, "fetched_at": now(), "status": status,
              "etag": headers.get("etag"), "last_modified": headers.get("last-modified"),
              "content_type": headers.get("content-type"), "charset": charset, "part_of": part_of, "part": part}
    if existing:
        if refresh:
            update_row(db, "pages", existing[0], record)
        return existing[0]
    return insert_row(db, "pages", {**record, "body": zlib.compress(body, 6), "sha256": digest, "size": len(body)})


def page_body(row: dict) -> bytes:
    return zlib.decompress(row["body"])


def page_parts(db, page_id: int) -> list[dict]:
    """The further pages stored with a split article's first page, in order."""
    return list(db.query("SELECT * FROM pages WHERE part_of = ? ORDER BY part", [page_id]))


def article_record(article, source: str, cleaner_version: str, prepared: dict | None = None) -> dict:
    """The articles columns that cleaning decides (as opposed to first/last seen);
    `prepared`: clean.prepare_for_archive's output, when the cleaning worker computed it."""
    return {
        "title": article.title, "subtitle": article.subtitle, "original_title": article.original_title,
        "date": article.date, "source_name": article.source, "author": article.author, "editor": article.editor,
        "body": article.body, "body_original": article.body_original, "script": article.script,
        "captions": json.dumps(article.captions, ensure_ascii=False) if article.captions else None,
        "body_hash": prepared["body_hash"] if prepared else reprints.body_hash(article.body),
        "cleaner_version": cleaner_version, "source": source, "month": article.date[:7] if article.date else None,
    }


def insert_article(db, record: dict, url: str, site: str | None, page_id: int, prepared: dict | None = None) -> int:
    """A new article row; `page_id` is the raw page it was cleaned from (reclean reads it);
    `prepared`: its search terms and reprint signature, if computed already (clean.prepare_for_archive)."""
    seen = now()
    row = {**record, "url": url, "site": site, "first_seen": seen, "last_seen": seen, "page_id": page_id}
    article_id = insert_row(db, "articles", row)
    _index(db, article_id, record, prepared)
    reprints.place(db, article_id, record.get("body") or "", _signature(prepared))
    return article_id


def update_article(db, article_id: int, record: dict, prepared: dict | None = None) -> None:
    old = get_row(db, "articles", article_id)
    update_row(db, "articles", article_id, record)
    _unindex(db, article_id, old)
    _index(db, article_id, {**old, **record}, prepared if {"title", "body"} <= set(record) else None)
    if "body" in record and record["body"] != old["body"]:
        reprints.place(db, article_id, record["body"] or "", _signature(prepared))


def add_revision(db, article_id: int, record: dict, page_id: int, prepared: dict | None = None) -> None:
    """Keep the current body as a revision, then store the new one in the article row."""
    old = get_row(db, "articles", article_id)
    insert_row(db, "revisions", {"article_id": article_id, "title": old["title"], "body": old["body"],
                            "body_hash": old["body_hash"], "first_seen": old["first_seen"],
                            "last_seen": old["last_seen"], "replaced_at": now()})
    update_article(db, article_id, {**record, "last_seen": now(), "page_id": page_id}, prepared)


def touch_article(db, article_id: int) -> None:
    db.execute("UPDATE articles SET last_seen = ? WHERE id = ?", [now(), article_id])


def record_url(db, article_id: int, url: str, canonical: str) -> None:
    """Remember that the article was seen at this URL (reprints, mirrors, moves)."""
    seen = now()
    db.execute(
        "INSERT INTO article_urls (article_id, url, canonical_url, first_seen, last_seen) VALUES (?, ?, ?, ?, ?) "
        "ON CONFLICT(url) DO UPDATE SET last_seen = excluded.last_seen, article_id = excluded.article_id",
        [article_id, url, canonical, seen, seen],
    )


def upsert_sources(db, sources) -> None:
    """Mirror the source profiles into the `sources` table (for facets and labels)."""
    db["sources"].upsert_all(
        [{"name": s.name, "title": s.title, "site": s.site, "family": s.family, "homepage": s.homepage,
          "description": s.description, "enabled": int(s.enabled)} for s in sources],
        pk="name",
    )


def last_run_status(db_path: str) -> dict[str, str]:
    """Per-source status ('ok'/'failing') of the newest crawl_runs row that names the source."""
    db = sqlite_utils.Database(db_path)
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
    offline), and dead links (404/410, redirect loops)."""
    rows = db.execute(
        "SELECT url, canonical_url FROM article_urls UNION SELECT url, canonical_url FROM pages "
        "UNION SELECT url, url FROM errors WHERE error LIKE 'HTTP 404%' OR error LIKE 'HTTP 410%' "
        "OR error LIKE 'redirect loop%'").fetchall()
    return {url for row in rows for url in row}


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


def mark_cleaned(db, page_id: int, cleaner_version: str, outcome: str) -> None:
    db.execute("INSERT OR REPLACE INTO cleaned_pages (page_id, cleaner_version, outcome, cleaned_at) "
               "VALUES (?, ?, ?, ?)", [page_id, cleaner_version, outcome, now()])


# Plain SQL for the rows written and read once per page: sqlite-utils' Table.get, insert
# and update read the table's schema on every call, and update() opens a savepoint, which
# makes FTS5 flush its pending terms into a new index segment (see transaction()).

def get_row(db, table: str, row_id: int) -> dict | None:
    cursor = db.execute(f'SELECT * FROM "{table}" WHERE rowid = ?', [row_id])
    row = cursor.fetchone()
    return dict(zip((column[0] for column in cursor.description), row)) if row else None


def insert_row(db, table: str, record: dict) -> int:
    columns = ", ".join(f'"{name}"' for name in record)
    return db.execute(f'INSERT INTO "{table}" ({columns}) VALUES ({", ".join("?" * len(record))})',
                      list(record.values())).lastrowid


def update_row(db, table: str, row_id: int, record: dict) -> None:
    assignments = ", ".join(f'"{name}" = ?' for name in record)
    db.execute(f'UPDATE "{table}" SET {assignments} WHERE rowid = ?', [*record.values(), row_id])


@contextmanager
def transaction(db):
    """A transaction, or nothing new inside one: no savepoint, because releasing a savepoint
    makes FTS5 flush its pending terms into a new index segment (per page, that was a tenth
    of reclean's time)."""
    if db.conn.in_transaction:
        yield db
    else:
        with db.atomic():
            yield db


class BatchWriter:
    """The archive's single writer: queued writes are committed together, `size` per
    transaction or after `max_wait_s`.

    A write is `write(db)`, returning None or a function to call once it is committed (to
    count it). If one write of a batch fails, the batch is rolled back and written again one
    write per transaction, so only the failing write is lost (a crawled page's URL stays in
    the frontier and is fetched again by the next run)."""

    def __init__(self, db, size: int = 64, max_wait_s: float = 2.0):
        self.db = db
        self.size = size
        self.max_wait_s = max_wait_s
        self.pending: list = []
        self.flushed_at = time.monotonic()
        self.failures = 0

    def add(self, write) -> None:
        """Queue `write(db)`; commits when the batch is full or has waited long enough."""
        self.pending.append(write)
        if len(self.pending) >= self.size or time.monotonic() - self.flushed_at >= self.max_wait_s:
            self.flush()

    def flush(self) -> None:
        batch, self.pending = self.pending, []
        self.flushed_at = time.monotonic()
        if not batch:
            return
        try:
            with self.db.atomic():
                committed = [write(self.db) for write in batch]
        except Exception:  # noqa: BLE001 - one bad write must not sink the batch
            logger.warning("a write in a batch of %d failed; writing them one by one", len(batch))
            committed = [self._alone(write) for write in batch]
        for after in committed:
            if after is not None:
                after()

    def _alone(self, write):
        try:
            with self.db.atomic():
                return write(self.db)
        except Exception:  # noqa: BLE001 - recorded, and the run goes on
            self.failures += 1
            logger.exception("archive write failed")
            return None


def record_error(db, url: str, source: str | None, stage: str, error: str) -> None:
    insert_row(db, "errors", {"url": url, "source": source, "at": now(), "stage": stage, "error": error})


def _unindex(db, article_id: int, old: dict) -> None:
    """A contentless index forgets a row only when told the tokens it had."""
    db.execute("INSERT INTO articles_fts (articles_fts, rowid, title, body) VALUES ('delete', ?, ?, ?)",
               [article_id, bigrams(old.get("title") or ""), bigrams(old.get("body") or "")])


def _index(db, article_id: int, record: dict, prepared: dict | None = None) -> None:
    terms = ((prepared["title_terms"], prepared["body_terms"]) if prepared
             else (bigrams(record.get("title") or ""), bigrams(record.get("body") or "")))
    db.execute("INSERT INTO articles_fts (rowid, title, body) VALUES (?, ?, ?)", [article_id, *terms])


def _signature(prepared: dict | None):
    return reprints.from_bytes(prepared["signature"]) if prepared else None
