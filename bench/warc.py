"""WARC export at archive scale: pages per second and peak memory of `newsarchive export`.

A synthetic archive of N fetched pages (default 200,000) is built with the project's own
store function (store_page: the body compressed as the crawl stores it), each a sample
site's article page under its own URL with a full capture (request and response headers as
a crawl records them), and cached in bench/.cache/. Then, in one run, `newsarchive export
--warc` of a tenth of the pages (one source of ten) and of all of them, each in its own
process: pages per second, and the process's peak resident memory (getrusage), which must
not grow with the archive (rows are streamed).

    .venv/bin/python bench/warc.py [--pages N]

Final line: `warc: pages=… pages_per_s=… peak_rss_mb=… peak_rss_mb_tenth=…`.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from crawler.items import RawPage  # noqa: E402
from crawler.sample.site import SampleSite  # noqa: E402
from crawler.store.pages import store_page  # noqa: E402
from crawler.store.schema import open_archive  # noqa: E402

CACHE = ROOT / "bench" / ".cache"
NEWSARCHIVE = Path(sys.executable).with_name("newsarchive")
SOURCES = 10


def sample_bodies() -> list[tuple[bytes, str]]:
    """The sample sites' article pages (bytes, Content-Type)."""
    site = SampleSite()
    return [(page.body, page.headers.get("Content-Type", "text/html")) for key, page in site.pages.items()
            if page.status == 200 and key.endswith((".html", ".htm")) and len(page.body) > 2000]


def build(path: Path, pages: int) -> None:
    bodies = sample_bodies()
    db = open_archive(path, bulk=True)
    with db.conn:
        for number in range(pages):
            body, content_type = bodies[number % len(bodies)]
            url = f"https://www.site{number % SOURCES}.gov.cn/art/2024/{number:07d}.html"
            capture = {"method": "GET", "protocol": "HTTP/1.1", "peer_ip": "10.0.0.1",
                       "fetched_at": f"2024-01-01T08:{number // 60000 % 60:02d}:{number // 1000 % 60:02d}.{number % 1000:03d}+08:00",
                       "request_headers": [["User-Agent", "newsarchive/0.1"], ["Accept-Encoding", "gzip, deflate"]],
                       "response_headers": [["Content-Type", content_type], ["Server", "nginx"],
                                            ["Date", "Mon, 01 Jan 2024 00:00:00 GMT"], ["Content-Length", "1"]]}
            page = RawPage(body + f"<!-- {number} -->".encode(), url, f"site{number % SOURCES}", 200,
                           {"content-type": content_type}, capture=capture)
            store_page(db, page, url)
    db.close()


def export(db_path: Path, out: Path, *options: str) -> tuple[int, float, float]:
    """(pages, seconds, peak RSS MB) of one `newsarchive export` process."""
    started = time.perf_counter()
    process = subprocess.Popen([str(NEWSARCHIVE), "export", "--warc", str(out), "--db", str(db_path), *options],
                               stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    _pid, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - started
    summary = process.stdout.read()
    if status != 0:
        sys.exit(f"warc: export failed: {summary}")
    return int(summary.split()[1]), seconds, usage.ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pages", type=int, default=200_000)
    args = parser.parse_args()
    CACHE.mkdir(exist_ok=True)
    db_path = CACHE / f"warc-{args.pages}.db"
    if not db_path.exists():
        started = time.perf_counter()
        build(db_path.with_suffix(".part"), args.pages)
        db_path.with_suffix(".part").replace(db_path)
        print(f"built {args.pages} pages in {time.perf_counter() - started:.0f} s", file=sys.stderr)
    with tempfile.TemporaryDirectory() as folder:
        tenth, tenth_s, tenth_rss = export(db_path, Path(folder) / "tenth.warc.gz", "--source", "site0")
        pages, seconds, rss = export(db_path, Path(folder) / "all.warc.gz")
        size_mb = (Path(folder) / "all.warc.gz").stat().st_size / 1e6
    print(f"a tenth: {tenth} pages in {tenth_s:.1f} s, peak RSS {tenth_rss:.0f} MB; all: {pages} pages in "
          f"{seconds:.1f} s ({size_mb:.0f} MB of WARC), peak RSS {rss:.0f} MB")
    print(f"warc: pages={pages} pages_per_s={pages / seconds:.0f} peak_rss_mb={rss:.0f} peak_rss_mb_tenth={tenth_rss:.0f}")


if __name__ == "__main__":
    main()
