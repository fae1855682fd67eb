"""Incremental crawling: a first and a second `newsarchive crawl` over the sample sites.

Both runs go through the real CLI against the replica server on loopback, with the real
politeness of the source profiles (per-host delays, Crawl-delay, one request at a time per
host), so the times are what a polite crawl of unchanged sites costs. Run:

    .venv/bin/python bench/incremental_crawl.py

Final line: `incremental: first_requests=… second_requests=… allowed_requests=…
first_s=… second_s=… time_ratio=… second_new_articles=…`.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from crawler.sample.server import SampleServer  # noqa: E402
from crawler.sources import load_sources  # noqa: E402

NEWSARCHIVE = Path(sys.executable).with_name("newsarchive")


def crawl(db_path: Path, proxy: str) -> tuple[float, dict]:
    """One CLI crawl; (process wall seconds, its crawl_runs row)."""
    started = time.perf_counter()
    subprocess.run([str(NEWSARCHIVE), "crawl", "--proxy", proxy, "--db", str(db_path)], cwd=ROOT, check=True,
                   env={**os.environ, "NEWSARCHIVE_REPLICA_POLITE": "1", "NEWSARCHIVE_LOG_LEVEL": "WARNING"},
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wall = time.perf_counter() - started
    db = sqlite3.connect(db_path)
    db.row_factory = sqlite3.Row
    run = dict(db.execute("SELECT * FROM crawl_runs ORDER BY id DESC LIMIT 1").fetchone())
    db.close()
    return wall, run


def main() -> None:
    sources = load_sources()
    allowed = sum(len(s.start_urls) for s in sources.values()) + len({h for s in sources.values() for h in s.hosts})
    with tempfile.TemporaryDirectory() as folder, SampleServer() as server:
        db_path = Path(folder) / "news.db"
        first_wall, first = crawl(db_path, server.url)
        second_wall, second = crawl(db_path, server.url)
    print(f"{'run':8} {'requests':>9} {'new':>5} {'crawl s':>9} {'process s':>10}")
    for name, wall, run in (("first", first_wall, first), ("second", second_wall, second)):
        print(f"{name:8} {run['requests']:>9} {run['new_articles']:>5} {run['elapsed_s']:>9.2f} {wall:>10.2f}")
    print(f"per-host delays used: {json.loads(second['delays'])}")
    print(f"allowed requests for the second run (first list pages + robots.txt): {allowed}")
    print(f"incremental: first_requests={first['requests']} second_requests={second['requests']} "
          f"allowed_requests={allowed} first_s={first['elapsed_s']:.2f} second_s={second['elapsed_s']:.2f} "
          f"time_ratio={second['elapsed_s'] / first['elapsed_s']:.3f} "
          f"process_time_ratio={second_wall / first_wall:.3f} second_new_articles={second['new_articles']}")


if __name__ == "__main__":
    main()
