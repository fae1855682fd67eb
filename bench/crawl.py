"""Crawl throughput: fetching alone, cleaning alone, and the whole crawl with its workers.

A large copy of the sample sites (--pages article pages, default 2,000, built from the
sample templates with text sampled from real articles and a portal's worth of menus and
link lists on every page) is served by a separate process on 127.0.0.1, politeness off
(the replica mode of `newsarchive crawl --proxy`). In one invocation:
  (a) fetch only: the newsarchive spider with no pipeline (fetch, follow lists, nothing stored);
  (b) extraction alone: flow.prepare() over the same article pages, one process (and, for
      comparison with the libraries' own speed, bare trafilatura.extract over 500 of them),
      timed in chunks of 100 pages alternating with (e);
  (c) the real `newsarchive crawl` into a fresh archive (workers: one per core),
      its process tree's resident memory and CPU time sampled every 0.1 s: the CPU a page
      costs in the crawl process, in the cleaning workers and in the server bounds what
      the machine's cores allow, printed beside the target;
  (d) for reference, the same crawl cleaning in the crawl's own process (`--workers 0`),
      unless --skip-in-process;
  (e) the pages of (b) cleaned by the crawl's worker pool alone (one worker per core, no
      crawl beside it): how far the cleaning itself scales over the cores.

    .venv/bin/python bench/crawl.py [--pages N] [--skip-in-process]

Final line: `crawl: fetch_only_pages_per_s=… extract_only_pages_per_s=… pipeline_pages_per_s=…
speedup_vs_single_core=… peak_rss_mb=… vs_trafilatura_1=…` with speedup_vs_single_core = (c) / (b)
and vs_trafilatura_1 = (c) / bare trafilatura on one core.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.baselines import bare_trafilatura  # noqa: E402
from bench.corpus import PLACES, placed_articles, simplified_sentences  # noqa: E402

NEWSARCHIVE = Path(sys.executable).with_name("newsarchive")
LIST_SIZE = 20


def chrome(seed: int = 3) -> str:
    """~20 KB of portal furniture (UTF-8): menus, link lists, a footer and scripts."""
    rng = random.Random(seed)
    pool = simplified_sentences()
    menus = "".join(
        "<div class='menu'><h3>栏目</h3><ul>"
        + "".join(f"<li><a href='/col/{rng.randint(1, 9999)}/index.html'>{rng.choice(pool)[:12]}</a></li>"
                  for _ in range(40))
        + "</ul></div>" for _ in range(6))
    script = "<script>var nav=" + json.dumps([rng.choice(pool)[:10] for _ in range(60)], ensure_ascii=False) + ";</script>"
    footer = "<div class='footer'><p>主办单位：吉林省人民政府办公厅 网站标识码：2200000001 吉ICP备05002022号</p></div>"
    return menus + script + footer


def crawled_sources() -> list[str]:
    """The source profiles of the sample sites the generated pages are spread over (the
    e-paper and jilin.china.com.cn get none: crawled, they would be reported failing)."""
    from crawler.sample.site import load_yaml
    from crawler.sources import load_sources

    hosts = {urlsplit(load_yaml("sites.yml")[site]["base"]).hostname for site in PLACES}
    return [source.name for source in load_sources().values() if source.hosts & hosts]


def serve(pages: int) -> None:
    """The server process: build the sites, print the proxy URL, serve until killed."""
    from crawler.sample.server import SampleServer
    from crawler.sample.site import SampleSite

    site = SampleSite(articles=placed_articles(pages), list_size=LIST_SIZE, chrome=chrome())
    with SampleServer(site) as server:
        print(server.url, flush=True)
        threading.Event().wait()


def fetch_only(proxy: str, db_path: str) -> None:
    """The newsarchive spider without its pipeline; prints article pages fetched and seconds."""
    from scrapy import signals
    from scrapy.crawler import CrawlerProcess

    from crawler.fetch.run import crawl_settings
    from crawler.fetch.spider import NewsSpider
    from crawler.items import RawPage

    settings = crawl_settings(db_path, proxy)
    settings.set("ITEM_PIPELINES", {}, priority="cmdline")
    settings.set("LOG_LEVEL", "WARNING", priority="cmdline")
    counts = {"pages": 0}

    def scraped(item, **_):
        counts["pages"] += isinstance(item, RawPage) and 1 + len(item.parts)

    process = CrawlerProcess(settings)
    crawler = process.create_crawler(NewsSpider)
    crawler.signals.connect(scraped, signal=signals.item_scraped)
    process.crawl(crawler, source=",".join(crawled_sources()), max_pages=100_000)
    process.start()
    print(json.dumps({"pages": counts["pages"], "seconds": crawler.stats.get_value("elapsed_time_seconds")}))


def process_tree(pid: int) -> list[int]:
    """A process and all its descendants."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                ppid = int(Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(entry))
    tree, todo = [], [pid]
    while todo:
        current = todo.pop()
        tree.append(current)
        todo += children.get(current, [])
    return tree


def rss_mb(pids: list[int]) -> float:
    total = 0
    for pid in pids:
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            pass
    return total / 1024


def cpu_seconds(pid: int) -> float | None:
    """User + system CPU time of one process so far."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def full_crawl(proxy: str, db_path: Path, server_pid: int, *options: str) -> dict:
    """`newsarchive crawl` into a fresh archive, its process tree sampled every 0.1 s:
    article pages per second, peak RSS (MB), and CPU ms per page of the crawl process, of
    its cleaning workers (the last sample of each process; a worker's last 0.1 s is lost)
    and of the server."""
    db_path.parent.mkdir()
    server_before = cpu_seconds(server_pid)
    run = subprocess.Popen([str(NEWSARCHIVE), "crawl", *crawled_sources(), "--proxy", proxy, "--db", str(db_path),
                            "--max-pages", "100000", *options],
                           cwd=ROOT, env={**os.environ, "NEWSARCHIVE_LOG_LEVEL": "WARNING"},
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    peak, cpu = 0.0, {}
    while run.poll() is None:
        tree = process_tree(run.pid)
        peak = max(peak, rss_mb(tree))
        cpu.update((pid, seconds) for pid in tree if (seconds := cpu_seconds(pid)) is not None)
        time.sleep(0.1)
    if run.returncode != 0:
        sys.exit(f"newsarchive crawl {' '.join(options)} exited with {run.returncode}: see crawl_runs in {db_path}")
    db = sqlite3.connect(db_path)
    elapsed = db.execute("SELECT elapsed_s FROM crawl_runs ORDER BY id DESC LIMIT 1").fetchone()[0]
    pages = db.execute("SELECT count(*) FROM pages").fetchone()[0]
    db.close()
    crawl_process = cpu.pop(run.pid, 0.0)
    return {"rate": pages / elapsed, "peak": peak, "crawl_ms": crawl_process / pages * 1000,
            "workers_ms": sum(cpu.values()) / pages * 1000,
            "server_ms": (cpu_seconds(server_pid) - server_before) / pages * 1000}


def stored_jobs(db_path: Path) -> list:
    """Every archived article page (with the further pages of a split one), as the cleaner takes them."""
    from crawler.store.pages import stored_page
    from crawler.store.schema import open_archive

    db = open_archive(db_path)
    jobs = [stored_page(db, row[0]) for row in db.execute("SELECT id FROM pages WHERE part_of IS NULL")]
    db.close()
    return jobs


def cleaning_alone(jobs: list, chunk: int = 100) -> tuple[int, float, float]:
    """(b) flow.prepare() over the pages in this process, and (e) the same pages through the
    crawl's worker pool (one worker per core, nothing else running), timed in alternating
    chunks so that both see the same machine (its speed drifts by tens of percent from
    minute to minute here): (pages, seconds in this process, seconds in the pool)."""
    import asyncio

    from crawler.flow import crashed, prepare
    from crawler.workers import WorkerPool, default_workers

    async def measure() -> tuple[int, float, float]:
        pool = WorkerPool(default_workers(), preload=["crawler.flow"], crashed=crashed)
        pages, alone_s, pooled_s = 0, 0.0, 0.0

        async def through_pool(batch) -> None:
            async for _ in pool.in_order(batch, lambda page: ("cleaning", prepare, page)):
                pass

        try:
            await through_pool(jobs[:chunk])  # start the workers
            for first in range(0, len(jobs), chunk):
                batch = jobs[first:first + chunk]
                started = time.perf_counter()
                pages += sum(1 + len(page.parts) for page in batch if prepare(page) is not None)
                alone_s += time.perf_counter() - started
                started = time.perf_counter()
                await through_pool(batch)
                pooled_s += time.perf_counter() - started
        finally:
            pool.close()
        return pages, alone_s, pooled_s

    return asyncio.run(measure())


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pages", type=int, default=2000)
    parser.add_argument("--skip-in-process", action="store_true", help="do not run (d)")
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--fetch-only", metavar="PROXY", help=argparse.SUPPRESS)
    parser.add_argument("--db", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        return serve(args.pages)
    if args.fetch_only:
        return fetch_only(args.fetch_only, args.db)

    server = subprocess.Popen([sys.executable, __file__, "--serve", "--pages", str(args.pages)], cwd=ROOT,
                              stdout=subprocess.PIPE, text=True)
    try:
        proxy = server.stdout.readline().strip()
        with tempfile.TemporaryDirectory() as folder:
            fetch = subprocess.run([sys.executable, __file__, "--fetch-only", proxy, "--db", f"{folder}/fetch/news.db"],
                                   cwd=ROOT, check=True, capture_output=True, text=True)
            fetched = json.loads(fetch.stdout.strip().splitlines()[-1])
            fetch_rate = fetched["pages"] / fetched["seconds"]
            crawl_db = Path(folder) / "crawl" / "news.db"
            crawl = full_crawl(proxy, crawl_db, server.pid)
            extracted, extract_s, pool_s = cleaning_alone(stored_jobs(crawl_db))
            trafilatura_pages, trafilatura_s = bare_trafilatura(crawl_db)
            in_process = None if args.skip_in_process else full_crawl(proxy, Path(folder) / "in-process" / "news.db",
                                                                        server.pid, "--workers", "0")
    finally:
        server.terminate()
        server.wait(timeout=30)
    extract_rate, cores = extracted / extract_s, len(os.sched_getaffinity(0))
    trafilatura_rate = trafilatura_pages / trafilatura_s
    pipeline_rate, total_ms = crawl["rate"], crawl["crawl_ms"] + crawl["workers_ms"] + crawl["server_ms"]
    print(f"article pages {args.pages:,} on {cores} cores; "
          f"(a) fetch only {fetched['pages']} pages in {fetched['seconds']:.1f} s; "
          f"(b) extraction alone {extracted} pages in {extract_s:.1f} s ({1000 / extract_rate:.1f} ms a page; "
          f"bare trafilatura.extract {1000 / trafilatura_rate:.1f} ms a page); "
          f"(c) full crawl peak RSS {crawl['peak']:.0f} MB")
    print(f"(c) CPU per page: crawl process {crawl['crawl_ms']:.1f} ms, cleaning workers {crawl['workers_ms']:.1f} ms, "
          f"server {crawl['server_ms']:.1f} ms: {total_ms:.1f} ms, so {cores} cores allow at most "
          f"{cores * 1000 / total_ms:.0f} pages/s ({cores * 1000 / total_ms / extract_rate:.2f} x (b))")
    print(f"(e) the same cleaning in the crawl's worker pool alone: {extracted / pool_s:.1f} pages/s "
          f"({extract_s / pool_s:.2f} x (b)): the rest of the gap to (c) is the CPU the crawl itself costs")
    if in_process:
        print(f"(d) the same crawl cleaning in its own process: {in_process['rate']:.1f} pages/s, peak RSS "
              f"{in_process['peak']:.0f} MB; the workers make the crawl {pipeline_rate / in_process['rate']:.2f}x faster")
    print(f"crawl: fetch_only_pages_per_s={fetch_rate:.1f} extract_only_pages_per_s={extract_rate:.1f} "
          f"pipeline_pages_per_s={pipeline_rate:.1f} speedup_vs_single_core={pipeline_rate / extract_rate:.2f} "
          f"peak_rss_mb={crawl['peak']:.0f} vs_trafilatura_1={pipeline_rate / trafilatura_rate:.2f}")


if __name__ == "__main__":
    main()
