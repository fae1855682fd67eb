"""Crawl nodes sharing one Redis (a real redis-server on a free loopback port; skipped
without Debian's redis-server, which .ci/run installs)."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import time

import pytest

from conftest import NEWSARCHIVE, ROOT, free_port

REDIS_SERVER = shutil.which("redis-server")
pytestmark = pytest.mark.skipif(not REDIS_SERVER, reason="Debian's redis-server is needed")


@pytest.fixture
def redis_url(tmp_path):
    port = free_port()
    server = subprocess.Popen([REDIS_SERVER, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                               "--appendonly", "no", "--dir", str(tmp_path)], stdout=subprocess.DEVNULL)
    import redis

    client = redis.Redis(port=port)
    for _ in range(100):
        try:
            client.ping()
            break
        except redis.ConnectionError:
            time.sleep(0.05)
    yield f"redis://127.0.0.1:{port}/0"
    server.terminate()
    server.wait(timeout=10)


def node(url: str, proxy: str, db_path, *sources: str) -> subprocess.Popen:
    env = {**os.environ, "NEWSARCHIVE_REDIS_URL": url, "NEWSARCHIVE_REPLICA_POLITE": "1", "NEWSARCHIVE_WORKERS": "0"}
    return subprocess.Popen([str(NEWSARCHIVE), "crawl", *sources, "--proxy", proxy, "--db", str(db_path)], cwd=ROOT,
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_two_nodes_keep_one_hosts_pace(redis_url, tmp_path):
    """Two nodes crawl jl.cri.cn (1 s between requests) from one shared queue: the host's
    access log shows no two requests closer than 1 s, and no page was fetched by both."""
    from crawler.sample.server import SampleServer

    with SampleServer() as server:
        nodes = [node(redis_url, server.url, tmp_path / f"node{n}.db", "jl_cri") for n in (1, 2)]
        outputs = [process.communicate(timeout=300) for process in nodes]
    times = sorted(at for at, host, _path in server.arrivals if host == "jl.cri.cn")
    gaps = [later - earlier for earlier, later in zip(times, times[1:])]
    assert len(times) > 10, outputs
    assert min(gaps) >= 1.0, (min(gaps), outputs[0][1][-2000:])
    fetched = [{url for (url,) in sqlite3.connect(tmp_path / f"node{n}.db").execute("SELECT url FROM pages")} for n in (1, 2)]
    assert fetched[0] | fetched[1] and not fetched[0] & fetched[1]  # one queue, one seen-filter: no page twice
