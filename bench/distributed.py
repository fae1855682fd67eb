"""Crawl nodes and their one writer: pages per second with 1 and 2 nodes, the writer's own
rate, the CPU a page costs each role, and nothing lost or doubled.

The generated site of bench/crawl.py (--pages article pages, politeness off) on loopback,
one redis-server on a free port. In one run: 1 node (`newsarchive crawl --redis --workers
1`) crawls it into the stream, then `newsarchive ingest` files the stream; again with 2
nodes side by side. Node rate = pages sent / the nodes' wall time; writer rate = pages filed
/ ingest's wall time (without its final idle second). This machine has 2 cores: the two
nodes share them, so the CPU per page of each role is printed too, for sizing on paper.
Last, on the same site, whether the split pays on one machine: a local crawl against a crawl
node and the writer side by side (workers one per core in both).

    .venv/bin/python bench/distributed.py [--pages N]

Final line: `distributed: pages=… nodes_1_pages_per_s=… nodes_2_pages_per_s=… speedup_2_nodes=…
writer_pages_per_s=… lost=0 duplicated=0` (+ node_cpu_ms_per_page, writer_cpu_ms_per_page,
local_pages_per_s, split_pages_per_s).
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.crawl import NEWSARCHIVE, cpu_seconds, crawled_sources, process_tree  # noqa: E402

IDLE_S = 1.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def run_measured(commands: list[list[str]], env: dict) -> tuple[float, float]:
    """Run the commands side by side; (wall seconds, CPU seconds of their process trees)."""
    started = time.perf_counter()
    runs = [subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            for command in commands]
    cpu: dict[int, float] = {}
    while any(run.poll() is None for run in runs):
        for run in runs:
            cpu.update((pid, seconds) for pid in process_tree(run.pid) if (seconds := cpu_seconds(pid)) is not None)
        time.sleep(0.1)
    if any(run.returncode for run in runs):
        sys.exit(f"a command failed: {[run.args for run in runs if run.returncode]}")
    return time.perf_counter() - started, sum(cpu.values())


def one_round(nodes: int, proxy: str, redis_url: str, folder: Path) -> dict:
    import redis

    redis.Redis.from_url(redis_url).flushdb()
    # The nodes run before the writer here (each role measured alone): the stream may hold all.
    env = {**os.environ, "NEWSARCHIVE_REDIS_URL": redis_url, "NEWSARCHIVE_LOG_LEVEL": "WARNING",
           "NEWSARCHIVE_STREAM_BACKLOG": "10000000"}
    node = [str(NEWSARCHIVE), "crawl", *crawled_sources(), "--proxy", proxy, "--workers", "1", "--max-pages", "100000"]
    node_s, node_cpu = run_measured([node] * nodes, env)
    server = redis.Redis.from_url(redis_url)
    stream_bytes = server.info("memory")["used_memory"]
    db_path = folder / f"nodes-{nodes}.db"
    writer_s, writer_cpu = run_measured([[str(NEWSARCHIVE), "ingest", "--db", str(db_path), "--until-idle",
                                          str(IDLE_S)]], env)
    db = sqlite3.connect(db_path)
    pages, distinct = db.execute("SELECT count(*), count(DISTINCT url) FROM pages WHERE part_of IS NULL").fetchone()
    db.close()
    return {"pages": distinct, "duplicated": pages - distinct, "node_rate": distinct / node_s,
            "writer_rate": distinct / max(writer_s - IDLE_S, 1e-6), "node_cpu_ms": node_cpu / distinct * 1000,
            "writer_cpu_ms": writer_cpu / distinct * 1000, "stream_kb": stream_bytes / distinct / 1024}


def local_versus_split(proxy: str, redis_url: str, folder: Path) -> dict:
    """On this one machine, the whole crawl two ways, workers one per core: a local crawl
    (one process crawls, cleans in its pool and writes SQLite) and the split (a crawl node
    and the writer side by side, as two processes). Rate = pages filed / wall time."""
    import redis

    crawl = [str(NEWSARCHIVE), "crawl", *crawled_sources(), "--proxy", proxy, "--max-pages", "100000"]
    env = {**os.environ, "NEWSARCHIVE_LOG_LEVEL": "WARNING"}
    local_db = folder / "local.db"
    local_s, _ = run_measured([crawl + ["--db", str(local_db)]], {k: v for k, v in env.items() if k != "NEWSARCHIVE_REDIS_URL"})
    redis.Redis.from_url(redis_url).flushdb()
    split_db = folder / "split.db"
    writer_idle_s = 5.0  # long enough for the node to send its first page
    split_s, _ = run_measured([crawl, [str(NEWSARCHIVE), "ingest", "--db", str(split_db), "--until-idle",
                                        str(writer_idle_s)]], {**env, "NEWSARCHIVE_REDIS_URL": redis_url})
    return {"local": articles_in(local_db) / local_s, "split": articles_in(split_db) / (split_s - writer_idle_s)}


def articles_in(db_path: Path) -> int:
    db = sqlite3.connect(db_path)
    try:
        return db.execute("SELECT count(DISTINCT url) FROM pages WHERE part_of IS NULL").fetchone()[0]
    finally:
        db.close()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pages", type=int, default=2000)
    args = parser.parse_args()
    redis_server = shutil.which("redis-server")
    if not redis_server:
        sys.exit("distributed: NOT RUN: Debian's redis-server is needed (apt-get install redis-server)")
    port = free_port()
    with tempfile.TemporaryDirectory() as folder:
        store = subprocess.Popen([redis_server, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                                  "--appendonly", "no", "--dir", folder], stdout=subprocess.DEVNULL)
        site = subprocess.Popen([sys.executable, str(ROOT / "bench" / "crawl.py"), "--serve", "--pages",
                                 str(args.pages)], cwd=ROOT, stdout=subprocess.PIPE, text=True)
        try:
            proxy = site.stdout.readline().strip()
            time.sleep(0.5)
            url = f"redis://127.0.0.1:{port}/0"
            rounds = {nodes: one_round(nodes, proxy, url, Path(folder)) for nodes in (1, 2)}
            one_machine = local_versus_split(proxy, url, Path(folder))
        finally:
            site.terminate()
            store.terminate()
    one, two = rounds[1], rounds[2]
    expected = max(one["pages"], two["pages"])
    lost = sum(expected - result["pages"] for result in rounds.values())
    duplicated = sum(result["duplicated"] for result in rounds.values())
    for nodes, result in rounds.items():
        print(f"{nodes} node(s): {result['pages']} pages, {result['node_rate']:.1f} pages/s sent, node CPU "
              f"{result['node_cpu_ms']:.1f} ms a page; writer {result['writer_rate']:.1f} pages/s, CPU "
              f"{result['writer_cpu_ms']:.1f} ms a page; Redis held {result['stream_kb']:.0f} KB a page before the writer ran")
    print(f"one machine, workers one per core: local crawl {one_machine['local']:.1f} pages/s, crawl node + writer "
          f"side by side {one_machine['split']:.1f} pages/s")
    print(f"distributed: pages={expected} nodes_1_pages_per_s={one['node_rate']:.1f} "
          f"nodes_2_pages_per_s={two['node_rate']:.1f} speedup_2_nodes={two['node_rate'] / one['node_rate']:.2f} "
          f"writer_pages_per_s={(one['writer_rate'] + two['writer_rate']) / 2:.1f} lost={lost} duplicated={duplicated} "
          f"node_cpu_ms_per_page={(one['node_cpu_ms'] + two['node_cpu_ms']) / 2:.1f} "
          f"writer_cpu_ms_per_page={(one['writer_cpu_ms'] + two['writer_cpu_ms']) / 2:.1f} "
          f"local_pages_per_s={one_machine['local']:.1f} split_pages_per_s={one_machine['split']:.1f}")


if __name__ == "__main__":
    main()
