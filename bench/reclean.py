"""Reclean throughput: one worker, two workers, and bare trafilatura over the same pages.

An archive of --pages stored raw pages (default 5,000 article pages of the large sample
sites of bench/crawl.py, stored as a crawl stores them) is built once and cached in
bench/.cache/, both uncleaned and cleaned. Each run times `newsarchive reclean --workers N`
(the real CLI, wall time of the process, start-up included) for N = 1 and 2 on fresh copies:
  after a rule change (the headline figures): the cleaned archive as an older cleaner left
      it: every page is due again, and one article in ten has a body the current rules
      clean differently (an editor line left at its end), so it is rewritten, re-indexed
      and re-clustered while the others are compared and left alone;
  first cleaning: the uncleaned archive, every article new (row, search index, cluster):
      the single writer's heaviest case.
Then `trafilatura.extract` over 500 of the page bodies in this process.

    .venv/bin/python bench/reclean.py [--pages N]

Final line: `reclean: pages_per_s_1=… pages_per_s_2=… speedup_2_workers=… vs_trafilatura_1=…`
(after a rule change).
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

from bench.baselines import bare_trafilatura  # noqa: E402
from bench.corpus import placed_articles  # noqa: E402
from bench.crawl import LIST_SIZE, chrome  # noqa: E402
from crawler.clean.normalize import canonical_url  # noqa: E402
from crawler.items import RawPage  # noqa: E402
from crawler.sample.site import SampleSite  # noqa: E402
from crawler.sources import load_sources  # noqa: E402
from crawler.store.articles import ArchiveKeys, update_article  # noqa: E402
from crawler.store.pages import store_page  # noqa: E402
from crawler.store.schema import open_archive  # noqa: E402

NEWSARCHIVE = Path(sys.executable).with_name("newsarchive")
CACHE = ROOT / "bench" / ".cache"


def build(path: Path, pages: int) -> None:
    """Store the article pages of the large sample sites as raw pages, uncleaned."""
    site = SampleSite(articles=placed_articles(pages), list_size=LIST_SIZE, chrome=chrome())
    source_of = {host: profile.name for profile in load_sources().values() for host in profile.hosts}
    db = open_archive(path)
    with db.atomic():
        for article in site.articles:
            for spot in article["published"]:
                url = site.sites[spot["site"]]["base"] + spot["path"]
                page = site.page(urlsplit(url).hostname, spot["path"])
                headers = {key.lower(): value for key, value in page.headers.items()}
                store_page(db, RawPage(page.body, url, source_of[urlsplit(url).hostname], page.status, headers),
                           canonical_url(url))
    db.close()


def clean(raw: Path, cleaned: Path) -> None:
    """The cleaned archive: the raw one recleaned once."""
    shutil.copy(raw, cleaned)
    subprocess.run([str(NEWSARCHIVE), "reclean", "--db", str(cleaned), "--seeds", str(cleaned.parent / "no-seeds")],
                   cwd=ROOT, check=True, capture_output=True)


def age(path: Path) -> None:
    """As an older cleaner left the archive: every page due again, and one article in ten
    with an editor line still at the end of its body (written through the archive's own
    update path, so the search index stays consistent)."""
    db = open_archive(path)
    with db.atomic():
        db.execute("UPDATE cleaned_pages SET cleaner_version = 'older'")
        for article_id, title, body in db.execute("SELECT id, title, body FROM articles WHERE id % 10 = 0").fetchall():
            body += "\n（责任编辑：王晓明）"
            update_article(db, article_id, {"title": title, "body": body}, ArchiveKeys.of(title, body))
    db.close()


def reclean(cached: Path, folder: Path, name: str, workers: int) -> tuple[int, float]:
    """(pages, wall seconds) of `newsarchive reclean --workers N` on a fresh copy."""
    copy = folder / f"{name}-{workers}" / "news.db"
    copy.parent.mkdir()
    shutil.copy(cached, copy)
    if name == "rule-change":
        age(copy)
    empty = folder / "no-seeds"
    empty.mkdir(exist_ok=True)
    started = time.perf_counter()
    result = subprocess.run([str(NEWSARCHIVE), "reclean", "--workers", str(workers), "--db", str(copy),
                             "--seeds", str(empty)], cwd=ROOT, check=True, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    counts = result.stdout.strip().split(":", 1)[1]
    pages = sum(int(part.split()[0]) for part in counts.split(",") if part.split()[1] in ("cleaned", "failed"))
    return pages, seconds


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pages", type=int, default=5000)
    pages = parser.parse_args().pages
    raw = CACHE / f"reclean-{pages}" / "news.db"
    cleaned = raw.with_name("cleaned.db")
    if not raw.exists():
        raw.parent.mkdir(parents=True, exist_ok=True)
        build(raw, pages)
    if not cleaned.exists():
        (raw.parent / "no-seeds").mkdir(exist_ok=True)
        clean(raw, cleaned)
    runs = {}
    with tempfile.TemporaryDirectory() as folder:
        for name, cached in (("rule-change", cleaned), ("first", raw)):
            for workers in (1, 2):
                runs[name, workers] = reclean(cached, Path(folder), name, workers)
    bare = bare_trafilatura(raw)
    rates = {key: count / seconds for key, (count, seconds) in runs.items()}
    bare_rate = bare[0] / bare[1]
    for name, title in (("rule-change", "after a rule change"), ("first", "first cleaning")):
        print(f"{pages:,} stored pages, {title}: 1 worker {runs[name, 1][1]:.1f} s ({rates[name, 1]:.1f} pages/s), "
              f"2 workers {runs[name, 2][1]:.1f} s ({rates[name, 2]:.1f} pages/s): "
              f"{rates[name, 2] / rates[name, 1]:.2f}x")
    print(f"trafilatura.extract alone: {bare[0]} pages in {bare[1]:.1f} s ({bare_rate:.1f} pages/s)")
    one, two = rates["rule-change", 1], rates["rule-change", 2]
    print(f"reclean: pages_per_s_1={one:.1f} pages_per_s_2={two:.1f} "
          f"speedup_2_workers={two / one:.2f} vs_trafilatura_1={one / bare_rate:.2f}")


if __name__ == "__main__":
    main()
