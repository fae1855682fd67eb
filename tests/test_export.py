"""`newsarchive export --warc`: the archive's pages as WARC/1.1 that warcio validates, each
stored page once with its original bytes, its request beside it."""

from __future__ import annotations

import hashlib
import sqlite3
import subprocess
import time
import urllib.request

import pytest

from conftest import NEWSARCHIVE, ROOT, free_port, run_cli

PYWB = ROOT / ".venv-pywb" / "bin"


def records(path) -> list:
    from warcio.archiveiterator import ArchiveIterator

    with open(path, "rb") as stream:
        return [(record.rec_headers, record.http_headers, record.content_stream().read())
                for record in ArchiveIterator(stream)]


def web_pages(db_path, where: str = "1") -> dict[str, str]:
    """URL → sha256 of the pages fetched from the web and of the attachments (附件) fetched with them."""
    db = sqlite3.connect(db_path)
    return dict(db.execute(f"SELECT url, sha256 FROM pages WHERE url LIKE 'http%' AND {where} "
                           f"UNION ALL SELECT url, sha256 FROM attachments WHERE {where}").fetchall())


def attachments(db_path) -> int:
    return sqlite3.connect(db_path).execute("SELECT count(*) FROM attachments").fetchone()[0]


def test_every_page_once_with_its_bytes_and_its_request(crawled, tmp_path):
    warc = tmp_path / "news.warc.gz"
    result = run_cli("export", "--warc", str(warc), "--db", str(crawled))
    pages = web_pages(crawled)
    files = attachments(crawled)
    assert files == 4  # the sample notice's
    assert result.stdout.startswith(f"export: {len(pages) - files} pages and {files} attachments (0 reconstructed")
    check = subprocess.run([str(NEWSARCHIVE.with_name("warcio")), "check", "-v", str(warc)], capture_output=True,
                           text=True)
    assert check.returncode == 0 and "digest pass" in check.stdout, check.stdout[-2000:]
    found = records(warc)
    assert found[0][0].get_header("WARC-Type") == "warcinfo" and b"newsarchive" in found[0][2]
    responses = {head.get_header("WARC-Record-ID"): (head, http, body) for head, http, body in found
                 if head.get_header("WARC-Type") == "response"}
    exported = [head.get_header("WARC-Target-URI") for head, _, _ in responses.values()]
    assert sorted(exported) == sorted(pages)  # each page once
    for head, http, body in responses.values():
        assert hashlib.sha256(body).hexdigest() == pages[head.get_header("WARC-Target-URI")]
        assert http.get_header("Content-Length") == str(len(body)) and head.get_header("WARC-IP-Address") == "127.0.0.1"
    requests = [(head, http) for head, http, _ in found if head.get_header("WARC-Type") == "request"]
    assert sorted(head.get_header("WARC-Concurrent-To") for head, _ in requests) == sorted(responses)
    assert all(http.protocol == "GET" and http.get_header("User-Agent").startswith("newsarchive/")
               for _, http in requests)


def test_the_cdxj_index_points_at_every_response(crawled, tmp_path):
    """`--cdx`: a sorted CDXJ line per page, its offset that of the page's response record."""
    import json

    from warcio.archiveiterator import ArchiveIterator

    warc, cdx = tmp_path / "news.warc.gz", tmp_path / "news.cdxj"
    assert run_cli("export", "--warc", str(warc), "--cdx", str(cdx), "--db", str(crawled)).stdout.rstrip().endswith(
        f"index {cdx}")
    lines = cdx.read_text().splitlines()
    assert lines == sorted(lines)
    indexed = {(entry["url"], int(entry["offset"])) for entry in (json.loads(line.split(" ", 2)[2]) for line in lines)}
    with open(warc, "rb") as stream:
        iterator = ArchiveIterator(stream)
        responses = {(record.rec_headers.get_header("WARC-Target-URI"), iterator.get_record_offset())
                     for record in iterator if record.rec_headers.get_header("WARC-Type") == "response"}
    assert indexed == responses and {url for url, _ in indexed} == set(web_pages(crawled))


def test_a_source_and_a_date_select_pages(crawled, tmp_path):
    warc = tmp_path / "cri.warc.gz"
    run_cli("export", "--warc", str(warc), "--source", "jl_cri", "--db", str(crawled))
    uris = {head.get_header("WARC-Target-URI") for head, _, _ in records(warc) if head.get_header("WARC-Type") == "response"}
    assert uris == set(web_pages(crawled, "source = 'jl_cri'"))
    later = run_cli("export", "--warc", str(tmp_path / "none.warc.gz"), "--since", "2999-01-01", "--db", str(crawled))
    assert later.stdout.startswith("export: 0 pages")


def test_pages_from_before_full_capture_are_rebuilt_and_say_so(archive_copy, tmp_path):
    import sqlite_utils

    old = sqlite_utils.Database(archive_copy)
    old["pages"].transform(drop={"method", "request_headers", "protocol", "response_headers", "peer_ip"})
    old.conn.close()
    warc = tmp_path / "old.warc.gz"
    result = run_cli("export", "--warc", str(warc), "--db", str(archive_copy))
    pages = web_pages(archive_copy)
    files = attachments(archive_copy)
    assert f"{len(pages) - files} pages and {files} attachments ({len(pages) - files} reconstructed" in result.stdout
    found = records(warc)
    requests = [head.get_header("WARC-Target-URI") for head, _, _ in found if head.get_header("WARC-Type") == "request"]
    assert len(requests) == files and all(url.endswith((".pdf", ".docx", ".xlsx")) for url in requests)
    for head, http, body in found[1:]:
        if head.get_header("WARC-Type") == "request":
            continue
        captured = head.get_header("WARC-Target-URI") in requests  # an attachment, fetched with full capture
        assert head.get_header("WARC-Newsarchive-Capture") == (None if captured else "reconstructed")
        assert hashlib.sha256(body).hexdigest() == pages[head.get_header("WARC-Target-URI")]
        assert http.get_header("Content-Type")


def test_an_unwritable_target_is_one_line_and_exit_1(crawled, tmp_path):
    result = run_cli("export", "--warc", str(tmp_path / "missing" / "news.warc.gz"), "--db", str(crawled), check=False)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "NOT DONE" in result.stderr and not (tmp_path / "missing").exists()


@pytest.mark.skipif(not (PYWB / "wayback").exists(), reason="pywb is installed by `make test` into .venv-pywb")
def test_pywb_replays_an_exported_article(crawled, tmp_path):
    """The export imported into a pywb collection (wb-manager init/add), pywb on a free
    loopback port: an archived article comes back with its text."""
    warc = tmp_path / "news.warc.gz"
    run_cli("export", "--warc", str(warc), "--db", str(crawled))
    for command in (["init", "news"], ["add", "news", str(warc)]):
        subprocess.run([str(PYWB / "wb-manager"), *command], cwd=tmp_path, check=True, capture_output=True, timeout=120)
    db = sqlite3.connect(crawled)
    url, title = db.execute("SELECT p.url, a.title FROM pages p JOIN articles a ON a.id = p.article_id "
                            "WHERE p.url LIKE 'https://jl.cri.cn/%' AND p.part_of IS NULL LIMIT 1").fetchone()
    port = free_port()
    wayback = subprocess.Popen([str(PYWB / "wayback"), "-p", str(port), "-b", "127.0.0.1"], cwd=tmp_path,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        page = None
        for _ in range(150):
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/news/2100id_/{url}", timeout=10) as answer:
                    page = answer.read().decode("utf-8")
                break
            except OSError:
                time.sleep(0.2)
    finally:
        wayback.terminate()
        wayback.wait(timeout=30)
    assert page is not None and title[:10] in page
