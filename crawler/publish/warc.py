"""The archive's pages as WARC/1.1 (warcio): what a replay tool (pywb) or another archive reads.

Each fetched page becomes a `response` record (the HTTP status line and headers as received,
the body as the crawl kept it) and a `request` record concurrent to it (method and headers
as sent), one gzip member per record, rows read one at a time (memory stays flat). The
crawl keeps bodies decoded (Scrapy undoes gzip/deflate and drops Content-Encoding), so
Content-Length is rewritten to the stored body's. Pages stored before full capture have no
request or full headers: they become `response` records rebuilt from what was kept
(status, Content-Type, ETag, Last-Modified), marked `WARC-Newsarchive-Capture: reconstructed`.
Attachments (附件) follow the pages, as the responses they were.
"""

from __future__ import annotations

import json
import zlib
from collections.abc import Iterator
from datetime import datetime, timezone
from importlib.metadata import version
from http import HTTPStatus
from io import BytesIO
from urllib.parse import urlsplit

from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

RECONSTRUCTED = "WARC-Newsarchive-Capture"
DROPPED = {"content-length", "transfer-encoding", "content-encoding"}  # not true of the stored body


# What is exported: the pages, then the attachments (their bytes in attachment_files).
EXPORTED = ("SELECT * FROM pages WHERE {where} ORDER BY fetched_at, id",
            "SELECT a.*, f.body, 'attachment' AS attachment FROM attachments a "
            "JOIN attachment_files f ON f.attachment_id = a.id WHERE {where} ORDER BY a.fetched_at, a.id")


def pages_to_export(db, since: str | None = None, sources: tuple[str, ...] = ()) -> Iterator[dict]:
    """Stored pages and attachments fetched from the web, oldest first, one row at a time."""
    where, params = _selection(since, sources)
    for query in EXPORTED[:1 + _has_attachments(db)]:
        cursor = db.execute(query.format(where=where), params)
        names = [column[0] for column in cursor.description]
        for row in cursor:
            yield dict(zip(names, row))


def count_pages(db, since: str | None = None, sources: tuple[str, ...] = ()) -> int:
    where, params = _selection(since, sources)
    tables = ("pages", "attachments")[:1 + _has_attachments(db)]
    return sum(db.execute(f"SELECT count(*) FROM {table} WHERE {where}", params).fetchone()[0] for table in tables)


def _has_attachments(db) -> bool:
    """An archive written before attachments has no such tables (the export only reads)."""
    return bool(db.execute("SELECT 1 FROM sqlite_master WHERE name = 'attachment_files'").fetchone())


def _selection(since: str | None, sources: tuple[str, ...]) -> tuple[str, list]:
    where, params = ["(url LIKE 'http://%' OR url LIKE 'https://%')"], []
    if since:
        where.append("fetched_at >= ?")
        params.append(since)
    if sources:
        where.append(f"source IN ({', '.join('?' * len(sources))})")
        params.extend(sources)
    return " AND ".join(where), params


def write_warc(stream, pages, filename: str) -> dict:
    """Write the pages to a binary stream as WARC/1.1; counts of pages and reconstructed ones."""
    writer = WARCWriter(stream, gzip=True, warc_version="1.1")
    writer.write_record(writer.create_warcinfo_record(filename, {
        "software": f"newsarchive {version('newsarchive')} (warcio {version('warcio')})", "format": "WARC File Format 1.1",
        "description": "pages of a newsarchive archive: bodies as the crawl kept them (decoded)"}))
    counts = {"pages": 0, "attachments": 0, "reconstructed": 0}
    for page in pages:
        for record in _records(writer, page):
            writer.write_record(record)
        counts["attachments" if page.get("attachment") else "pages"] += 1
        counts["reconstructed"] += page.get("response_headers") is None
    return counts


def _records(writer, page: dict) -> list:
    body = zlib.decompress(page["body"])
    date = _warc_date(page["fetched_at"])
    captured = page.get("response_headers") is not None
    received = json.loads(page["response_headers"]) if captured else _kept_headers(page)
    headers = [(name, value) for name, value in received if name.lower() not in DROPPED]
    headers.append(("Content-Length", str(len(body))))
    status = f"{page['status']} {_reason(page['status'])}"
    http = StatusAndHeaders(status, headers, protocol=page.get("protocol") or "HTTP/1.1")
    warc_headers = {"WARC-Date": date}
    if page.get("peer_ip"):
        warc_headers["WARC-IP-Address"] = page["peer_ip"]
    if not captured:
        warc_headers[RECONSTRUCTED] = "reconstructed"
    response = writer.create_warc_record(page["url"], "response", payload=BytesIO(body), length=len(body),
                                         http_headers=http, warc_headers_dict=warc_headers)
    if not captured:
        return [response]
    target = urlsplit(page["url"])
    request_line = f"{page['method']} {target.path or '/'}{'?' + target.query if target.query else ''} HTTP/1.1"
    sent = [("Host", target.netloc), *[(name, value) for name, value in json.loads(page["request_headers"])]]
    request = writer.create_warc_record(
        page["url"], "request", payload=BytesIO(b""), length=0,
        http_headers=StatusAndHeaders(request_line, sent, is_http_request=True),
        warc_headers_dict={"WARC-Date": date,
                           "WARC-Concurrent-To": response.rec_headers.get_header("WARC-Record-ID")})
    return [response, request]


def _kept_headers(page: dict) -> list[tuple[str, str]]:
    """What an archive from before full capture kept of the response headers."""
    kept = (("Content-Type", page["content_type"]), ("ETag", page.get("etag")),
            ("Last-Modified", page.get("last_modified")))
    return [(name, value) for name, value in kept if value]


def _reason(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Unknown"


def _warc_date(fetched_at: str) -> str:
    """WARC-Date: UTC, to the millisecond when the fetch time has it."""
    moment = datetime.fromisoformat(fetched_at).astimezone(timezone.utc)
    fraction = f".{moment.microsecond // 1000:03d}" if "." in fetched_at else ""
    return moment.strftime("%Y-%m-%dT%H:%M:%S") + fraction + "Z"
