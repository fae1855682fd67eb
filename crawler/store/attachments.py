"""Attachments: each file kept once per content (sha256), compressed (attachment_files), with
its text; linked
to every page that links it (`article_attachments`, by the page's URL, so a link filed
before its article's page, or a page recleaned into another article, stays right)."""

from __future__ import annotations

import hashlib
import zlib

from ..clean.attachments import AttachmentText
from ..items import AttachmentFile
from ..search.index import index_attachment, unindex_attachment
from .pages import capture_columns
from .rows import get_row, insert_row, now


def store_attachment(db, file: AttachmentFile, name: str, read: AttachmentText, extractor_version: str) -> int:
    """Keep a fetched file (once per content) with its name and text; its id."""
    digest = hashlib.sha256(file.body).hexdigest()
    existing = db.execute("SELECT id FROM attachments WHERE sha256 = ?", [digest]).fetchone()
    if existing:
        return existing[0]
    attachment_id = insert_row(db, "attachments", {
        "sha256": digest, "name": name, "kind": read.kind, "content_type": file.content_type, "size": len(file.body),
        "url": file.url, "source": file.source, "status": 200, "fetched_at": now(), **capture_columns(file.capture),
        **_text_columns(read, extractor_version)})
    db.execute("INSERT INTO attachment_files (attachment_id, body) VALUES (?, ?)",
               [attachment_id, zlib.compress(file.body, 6)])
    index_attachment(db, attachment_id, name, read.text)
    return attachment_id


def link_attachment(db, file: AttachmentFile, attachment_id: int) -> None:
    """Note that the file's page links it (once per page and URL; a file changed at the
    same URL is linked anew)."""
    db.execute("INSERT INTO article_attachments (page_url, url, attachment_id, label, position, first_seen) "
               "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (page_url, url) DO UPDATE SET attachment_id = excluded.attachment_id",
               [file.page_url, file.url, attachment_id, file.label, file.position, now()])


def stale_attachments(db, extractor_version: str, everything: bool = False) -> list[int]:
    """Files last read by another extractor version, or all (reclean reads them again)."""
    return [row[0] for row in db.execute(
        "SELECT id FROM attachments WHERE ? OR extractor_version IS NOT ? ORDER BY id", [everything, extractor_version])]


def attachment_bytes(db, attachment_id: int) -> tuple[bytes, dict]:
    """A stored file's bytes and its row."""
    body = db.execute("SELECT body FROM attachment_files WHERE attachment_id = ?", [attachment_id]).fetchone()[0]
    return zlib.decompress(body), get_row(db, "attachments", attachment_id)


def update_attachment_text(db, attachment_id: int, read: AttachmentText, extractor_version: str) -> bool:
    """Store what reading a file again gave; whether its text changed."""
    row = dict(zip(("name", "text", "text_status", "problem"), db.execute(
        "SELECT name, text, text_status, problem FROM attachments WHERE id = ?", [attachment_id]).fetchone()))
    changed = (read.text, read.status, read.problem) != (row["text"], row["text_status"], row["problem"])
    if changed:
        unindex_attachment(db, attachment_id, row["name"], row["text"])
        index_attachment(db, attachment_id, row["name"], read.text)
    db.execute("UPDATE attachments SET kind = ?, text = ?, text_status = ?, problem = ?, extractor_version = ? "
               "WHERE id = ?", [read.kind, *_text_columns(read, extractor_version).values(), attachment_id])
    return changed


def _text_columns(read: AttachmentText, extractor_version: str) -> dict:
    return {"text": read.text, "text_status": read.status, "problem": read.problem,
            "extractor_version": extractor_version}
