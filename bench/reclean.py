"""Reclean throughput: one worker, two workers, and bare trafilatura over the same pages.

An archive of --pages stored raw pages (default 5,000 article pages of the large sample
sites of bench/crawl.py, stored as a crawl stores them, not yet cleaned) is built once and
cached in bench/.cache/. Each run copies it and times `newsarchive reclean --workers N`
(the real CLI, wall time of the process) for N = 1 and 2, then `trafilatura.extract` over
the same page bodies in this process.

    .venv/bin/python bench/reclean.py [--pages N]

Final line: `reclean: pages_per_s_1=… pages_per_s_2=… speedup_2_workers=… vs_trafilatura_1=…`.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.corpus import placed_articles  # noqa: E402
from bench.crawl import LIST_SIZE, chrome  # noqa: E402
from crawler import archive  # noqa: E402
from crawler.normalize import canonical_url  # noqa: E402
from crawler.sample.site import SampleSite  # noqa: E402
from crawler.sources import load_sources  # noqa: E402

NEWSARCHIVE = Path(sys.executable).with_name("newsarchive")
CACHE = ROOT / "bench" / ".cache"


def build(path: Path, pages: int) -> None:
    """Store the article pages of the large sample sites as raw pages, uncleaned."""
    site = SampleSite(articles=placed_articles(pages), list_size=LIST_SIZE, chrome=chrome())
    source_of = {host: profile.name for profile in load_sources().values() for host in profile.hosts}
    db = archive.open_archive(path)
    with db.atomic():
        for article in site.articles:
            for spot in article["published"]:
                url = site.sites[spot["site"]]["base"] + spot["path"]
                page = site.page(urlsplit(url).hostname, spot["path"])
                archive.store_page(db, url, canonical_url(url), source_of[urlsplit(url).hostname], page.body,
                                   page.status, {key.lower(): value for key, value in page.headers.items()})
    db.close()


def reclean(cached: Path, folder: Path, workers: int) -> tuple[int, float]:
    """(pages, wall seconds) of `newsarchive reclean --workers N` on a fresh copy."""
    copy = folder / str(workers) / "news.db"
    copy.parent.mkdir()
    shutil.copy(cached, copy)
    empty = folder / "no-seeds"
    empty.mkdir(exist_ok=True)
    started = time.perf_counter()
    result = subprocess.run([str(NEWSARCHIVE), "reclean", "--workers", str(workers), "--db", str(copy),
                             "--seeds", str(empty)], cwd=ROOT, check=True, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    counts = result.stdout.strip().split(":", 1)[1]
    pages = sum(int(part.split()[0]) for part in counts.split(",") if part.split()[1] in ("cleaned", "failed"))
    return pages, seconds


def bare_trafilatura(cached: Path) -> tuple[int, float]:
    import trafilatura

    db = archive.open_archive(cached)
    bodies = [archive.page_body(page) for page in db["pages"].rows]
    db.close()
    started = time.perf_counter()
    for body in bodies:
        trafilatura.extract(body)
    return len(bodies), time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pages", type=int, default=5000)
    pages = parser.parse_args().pages
    cached = CACHE / f"reclean-{pages}" / "news.db"
    if not cached.exists():
        cached.parent.mkdir(parents=True, exist_ok=True)
        build(cached, pages)
    with tempfile.TemporaryDirectory() as folder:
        one = reclean(cached, Path(folder), 1)
        two = reclean(cached, Path(folder), 2)
    bare = bare_trafilatura(cached)
    rates = {name: count / seconds for name, (count, seconds) in (("1", one), ("2", two), ("bare", bare))}
    print(f"{pages:,} stored pages; reclean 1 worker {one[1]:.1f} s, 2 workers {two[1]:.1f} s (process wall, "
          f"start-up included); trafilatura.extract alone {bare[1]:.1f} s")
    print(f"reclean: pages_per_s_1={rates['1']:.1f} pages_per_s_2={rates['2']:.1f} "
          f"speedup_2_workers={rates['2'] / rates['1']:.2f} vs_trafilatura_1={rates['1'] / rates['bare']:.2f}")


if __name__ == "__main__":
    main()
