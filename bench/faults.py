"""Faults a cron archiver must survive, on real processes: killed crawls, bad input files and
hostile search requests against a public server. Run:

    .venv/bin/python bench/faults.py [--kills N]

1. Kills: `newsarchive crawl --sample`-style crawls of the replica (served with a per-request
   delay so a crawl takes a few seconds) are killed with SIGKILL at random moments, N times,
   each followed by `PRAGMA integrity_check`; then one crawl runs to its end. Its articles are
   compared with an uninterrupted crawl's: `lost` URLs missing, `duplicated` bodies or URLs
   filed twice.
2. Bad inputs: `newsarchive clean --json` on a folder of hostile files (binary, empty, NUL
   bytes, a stray byte in GBK, cut UTF-8, 20 MB of script, 5,000 levels of nesting, only
   markup, a GBK file name…): one JSON line each, no traceback.
3. Hostile queries: `newsarchive serve --public` on the archive, and requests a bot or a
   curious reader might send (thousands of words, FTS syntax, SQL, path tricks, CSV
   streaming): the slowest answer, and no 500.

Final line: `faults: kills=… lost=… duplicated=… integrity_ok=…/… bad_inputs=… tracebacks=…
hostile_queries=… server_errors=… max_query_ms=…`.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from crawler.sample.server import SampleServer  # noqa: E402

NEWSARCHIVE = Path(sys.executable).with_name("newsarchive")
QUIET = {**os.environ, "NEWSARCHIVE_LOG_LEVEL": "WARNING"}


def crawl(db_path: Path, proxy: str, kill_after: float | None = None) -> None:
    process = subprocess.Popen([str(NEWSARCHIVE), "crawl", "--proxy", proxy, "--db", str(db_path)], cwd=ROOT,
                               env=QUIET, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    if kill_after is None:
        process.wait(timeout=600)
        return
    time.sleep(kill_after)
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=60)


def articles(db_path: Path) -> tuple[set, int, int]:
    """(canonical URLs of the articles, duplicate bodies, duplicate URLs)."""
    db = sqlite3.connect(db_path)
    urls = {url for (url,) in db.execute("SELECT canonical_url FROM article_urls")}
    bodies = db.execute("SELECT count(*) - count(DISTINCT body_hash) FROM articles").fetchone()[0]
    duplicate_urls = db.execute("SELECT count(*) - count(DISTINCT url) FROM article_urls").fetchone()[0]
    db.close()
    return urls, bodies, duplicate_urls


def integrity_ok(db_path: Path) -> bool:
    if not db_path.exists():
        return True
    db = sqlite3.connect(db_path)
    try:
        return db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    finally:
        db.close()


def kills(folder: Path, count: int) -> dict:
    random.seed(16)
    with SampleServer(delay=0.05) as server:
        reference = folder / "reference.db"
        started = time.perf_counter()
        crawl(reference, server.url)
        full_s = time.perf_counter() - started
        killed = folder / "killed.db"
        checks = []
        for _ in range(count):
            crawl(killed, server.url, kill_after=random.uniform(0.5, max(1.0, full_s)))
            checks.append(integrity_ok(killed))
        crawl(killed, server.url)
    wanted, _, _ = articles(reference)
    got, duplicate_bodies, duplicate_urls = articles(killed)
    return {"kills": count, "lost": len(wanted - got), "duplicated": duplicate_bodies + duplicate_urls,
            "integrity_ok": f"{sum(checks)}/{len(checks)}", "db": killed}


def bad_files() -> dict[bytes, bytes]:
    """File names (bytes: one is GBK) and contents."""
    gbk = ("<html><head><meta charset='gbk'><title>长春新区</title></head><body><div class='content'>"
           + "<p>长春新区近日召开项目建设推进会，部署下一阶段重点工作。</p>" * 20 + "</div></body></html>").encode("gbk")
    utf8 = gbk.decode("gbk").replace("gbk", "utf-8").encode()
    return {
        b"binary.html": bytes(range(256)) * 40,
        b"empty.html": b"",
        b"nul.html": b"<html>\x00\x00\x00</html>",
        b"stray_byte.html": gbk[:300] + b"\xff" + gbk[300:],
        b"cut_utf8.html": utf8[:-3] + utf8[-3:-2],
        b"wrong_charset.html": gbk.replace(b"gbk", b"utf-8"),
        b"huge_script.html": b"<html><body><script>" + b"x=1;" * 5_000_000 + b"</script><p>" + utf8 + b"</p></body></html>",
        b"deep.html": b"<html><body>" + b"<font><div>" * 5000 + utf8 + b"</div></font>" * 5000 + b"</body></html>",
        b"only_markup.html": b"<div><div><span></span></div></div>" * 1000,
        b"png.html": b"\x89PNG\r\n\x1a\n" + bytes(5000),
        b"text_dump.txt": "標題\n\n正文第一段，內容。\n".encode("big5"),
        "长春新区.html".encode("gbk"): utf8,
    }


def bad_inputs(folder: Path) -> dict:
    inputs = folder / "inputs"
    inputs.mkdir()
    files = bad_files()
    for name, body in files.items():
        with open(os.path.join(os.fsencode(inputs), name), "wb") as handle:
            handle.write(body)
    result = subprocess.run([str(NEWSARCHIVE), "clean", "--json", str(inputs)], cwd=ROOT, capture_output=True,
                            timeout=600)
    lines = [json.loads(line) for line in result.stdout.decode("utf-8").splitlines()]
    tracebacks = result.stderr.count(b"Traceback") + (0 if len(lines) == len(files) else 1)
    return {"bad_inputs": len(files), "tracebacks": tracebacks}


def hostile_paths() -> list[str]:
    words = " ".join(f"词{n}" for n in range(2000))
    return [
        "/news/search?q=" + quote("长 " * 9000),
        "/news/search.json?q=" + quote(words),
        "/news/search?q=" + quote('"开发区" OR 长春 NOT 吉林 NEAR(项目 建设) * ^ -'),
        "/news/search?q=" + quote("'; DROP TABLE articles; --"),
        "/news/search?q=",
        "/news/articles?_search=" + quote("长春 " * 2000),
        "/news/articles.json?_search=" + quote("项目") + "&_size=max&_facet=source&_facet=month&_facet=author",
        "/news/articles.csv?_stream=on",
        "/news.json?sql=" + quote("select * from articles a, articles b, articles c"),
        "/news/articles?_where=" + quote("1=1) union select sqlite_version() --"),
        "//evil.example/articles?_search=x",
        "/-/databases.json",
        "/news/articles?_sort=" + quote("body") + "&_size=500",
        "/news/articles/99999999",
        "/news/articles?_search=" + quote("\x00\ufffd<script>"),
    ]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def hostile_queries(db_path: Path) -> dict:
    port = free_port()
    server = subprocess.Popen([str(NEWSARCHIVE), "serve", "--public", "--host", "127.0.0.1", "--port", str(port),
                               "--db", str(db_path)], cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(150):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.2)
        slowest, errors = 0.0, 0
        for path in hostile_paths():
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
            started = time.perf_counter()
            connection.request("GET", path)
            response = connection.getresponse()
            response.read()
            slowest = max(slowest, time.perf_counter() - started)
            errors += response.status >= 500
            connection.close()
    finally:
        server.terminate()
        server.wait(timeout=10)
    return {"hostile_queries": len(hostile_paths()), "server_errors": errors, "max_query_ms": round(slowest * 1000)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kills", type=int, default=6)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        killed = kills(folder, args.kills)
        print(f"kills: {killed['kills']} crawls killed at random moments; integrity ok after "
              f"{killed['integrity_ok']}; lost {killed['lost']}, duplicated {killed['duplicated']}")
        inputs = bad_inputs(folder)
        print(f"bad inputs: {inputs['bad_inputs']} files, {inputs['tracebacks']} tracebacks")
        queries = hostile_queries(killed["db"])
        print(f"hostile queries: {queries['hostile_queries']}, slowest {queries['max_query_ms']} ms, "
              f"{queries['server_errors']} server errors (public time limit 1000 ms)")
    print(f"faults: kills={killed['kills']} lost={killed['lost']} duplicated={killed['duplicated']} "
          f"integrity_ok={killed['integrity_ok']} bad_inputs={inputs['bad_inputs']} tracebacks={inputs['tracebacks']} "
          f"hostile_queries={queries['hostile_queries']} server_errors={queries['server_errors']} "
          f"max_query_ms={queries['max_query_ms']}")


if __name__ == "__main__":
    main()
