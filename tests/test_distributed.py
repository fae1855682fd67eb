"""Crawl nodes sharing one Redis (a real redis-server on a free loopback port; skipped
without Debian's redis-server, which .ci/run installs)."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
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
    assert min(gaps) >= 1.0, (min(gaps), sorted(server.arrivals), outputs[0][1][-2000:])
    articles = [path for _at, host, path in server.arrivals if host == "jl.cri.cn" and path.endswith(".html")
                and path.count("/") >= 2]
    assert articles and len(articles) == len(set(articles))  # one queue, one seen-filter: no article fetched twice
    ingest_until_idle(redis_url, tmp_path / "news.db")
    runs = sqlite3.connect(tmp_path / "news.db").execute("SELECT mode FROM crawl_runs").fetchall()
    assert len(runs) == 2 and all("+node " in mode for (mode,) in runs)


def rows(db_path) -> dict:
    """What a crawl of the sample archives, apart from network order (test_crawl._rows)."""
    db = sqlite3.connect(db_path)
    return {
        "articles": sorted(db.execute("SELECT title, date, body_hash FROM articles").fetchall()),
        "urls": {url for (url,) in db.execute("SELECT url FROM article_urls")},
        "pages": db.execute("SELECT count(*), count(DISTINCT url) FROM pages").fetchone(),
        "errors": sorted(db.execute("SELECT url, stage FROM errors WHERE error NOT LIKE 'redirect loop%'").fetchall()),
        "list_pages": db.execute("SELECT count(*) FROM list_pages").fetchone(),
        "attachments": sorted(db.execute("SELECT sha256, name, text_status, text FROM attachments").fetchall()),
        "attachment_links": set(db.execute("SELECT page_url, url, label FROM article_attachments").fetchall()),
    }


@pytest.mark.parametrize("nodes", [1, 2])
def test_a_distributed_crawl_files_what_a_local_crawl_files(redis_url, crawled, tmp_path, nodes):
    """One node, or two side by side (each with its own replica of the sample sites), crawl
    into the stream, `ingest` files it: the archive holds the same rows as a local crawl's,
    and one crawl_runs row per node."""
    env = {**os.environ, "NEWSARCHIVE_REDIS_URL": redis_url}
    runs = [subprocess.Popen([str(NEWSARCHIVE), "crawl", "--sample"], cwd=tmp_path, env=env, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True) for _ in range(nodes)]
    for run in runs:
        out, err = run.communicate(timeout=600)
        assert run.returncode == 0 and out.startswith("crawl node "), err[-3000:]
    assert not (tmp_path / "archive").exists()  # a node writes no archive
    db_path = tmp_path / "news.db"
    ingest = subprocess.run([str(NEWSARCHIVE), "ingest", "--db", str(db_path), "--until-idle", "1"], cwd=ROOT,
                            env=env, capture_output=True, text=True, timeout=600)
    assert ingest.returncode == 0 and f"{nodes} node runs recorded" in ingest.stdout, ingest.stderr[-3000:]
    if nodes == 1:
        assert rows(db_path) == rows(crawled)
    else:  # which node's copy of a reprint is filed first (and so titles the article) varies
        mine, local = rows(db_path), rows(crawled)
        assert {**mine, "articles": None} == {**local, "articles": None}
        assert articles_by_urls(db_path) == articles_by_urls(crawled)
    run = sqlite3.connect(db_path).execute("SELECT status, exit_code, mode, new_articles FROM crawl_runs").fetchall()
    local = sqlite3.connect(crawled).execute("SELECT status, exit_code, new_articles FROM crawl_runs").fetchall()
    assert all(mode.startswith("normal+node ") for _status, _code, mode, _new in run)
    assert [status for status, *_ in run] == [local[0][0]] * nodes and sum(new for *_, new in run) == local[0][2]


def test_two_nodes_read_long_list_paginations_to_the_end(redis_url, tmp_path):
    """Sites whose lists run over many pages (the generated site of bench/crawl.py, 400
    articles, 20 a list page): a list page one node asked for is often read by the other,
    which goes on paginating as the first would have. Two nodes file every article a local
    crawl of the same site files."""
    site = subprocess.Popen([str(NEWSARCHIVE.with_name("python")), "bench/crawl.py", "--serve", "--pages", "400"],
                            cwd=ROOT, stdout=subprocess.PIPE, text=True)
    try:
        proxy = site.stdout.readline().strip()
        sys.path.insert(0, str(ROOT))
        from bench.crawl import crawled_sources

        crawl = [str(NEWSARCHIVE), "crawl", *crawled_sources(), "--proxy", proxy, "--max-pages", "1000"]
        local = subprocess.run([*crawl, "--db", str(tmp_path / "local.db")], cwd=ROOT, capture_output=True, text=True,
                               timeout=600)
        assert local.returncode in (0, 1), local.stderr[-3000:]
        env = {**os.environ, "NEWSARCHIVE_REDIS_URL": redis_url}
        nodes = [subprocess.Popen(crawl, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                 for _ in range(2)]
        assert [node.wait(timeout=600) for node in nodes] == [local.returncode] * 2
    finally:
        site.terminate()
    ingest_until_idle(redis_url, tmp_path / "news.db")
    archived = [{url for (url,) in sqlite3.connect(db).execute("SELECT url FROM pages WHERE part_of IS NULL")}
                for db in (tmp_path / "news.db", tmp_path / "local.db")]
    assert len(archived[1]) > 400 and archived[0] == archived[1]


def articles_by_urls(db_path) -> set[frozenset[str]]:
    """Each article as the set of its URLs: no article lost, none twice, reprints together."""
    db = sqlite3.connect(db_path)
    grouped = db.execute("SELECT group_concat(url, ' ') FROM article_urls GROUP BY article_id").fetchall()
    return {frozenset(urls.split(" ")) for (urls,) in grouped}


def integrity(db_path) -> str:
    return sqlite3.connect(db_path).execute("PRAGMA integrity_check").fetchone()[0]


def ingest_until_idle(url: str, db_path) -> subprocess.CompletedProcess:
    result = subprocess.run([str(NEWSARCHIVE), "ingest", "--db", str(db_path), "--until-idle", "1"], cwd=ROOT,
                            env={**os.environ, "NEWSARCHIVE_REDIS_URL": url}, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    return result


def wait_until(condition, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"waited {timeout} s in vain for {condition}"
        time.sleep(0.02)


def until_no_node_at_work(url: str) -> None:
    """A killed node counts as at work until its word lapses (fetch/nodes.py): the next node
    started before then would join its dead crawl instead of starting one."""
    import redis

    from crawler.fetch.nodes import nodes_at_work

    server = redis.Redis.from_url(url)
    wait_until(lambda: nodes_at_work(server) == 0)


def pages_in(db_path) -> int:
    try:
        return sqlite3.connect(db_path).execute("SELECT count(*) FROM pages").fetchone()[0]
    except sqlite3.Error:  # not created yet
        return 0


def test_a_writer_killed_mid_batch_loses_and_doubles_nothing(redis_url, crawled, tmp_path):
    """The stream holds a whole sample crawl; the writer is killed (SIGKILL) three times, each
    time once more pages are in (mid-work), then runs to the end: an intact archive with
    every page once, the node's run recorded once."""
    env = {**os.environ, "NEWSARCHIVE_REDIS_URL": redis_url}
    crawl = subprocess.run([str(NEWSARCHIVE), "crawl", "--sample"], cwd=tmp_path, env=env, capture_output=True,
                           text=True, timeout=600)
    assert crawl.returncode == 0, crawl.stderr[-3000:]
    db_path = tmp_path / "news.db"
    total = rows(crawled)["pages"][0]
    left_midway = []
    for share in (0.2, 0.5, 0.8):
        writer = subprocess.Popen([str(NEWSARCHIVE), "ingest", "--db", str(db_path), "--batch", "4"], cwd=ROOT,
                                  env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_until(lambda: pages_in(db_path) >= share * total)
        writer.kill()
        writer.wait(timeout=30)
        assert integrity(db_path) == "ok"
        left_midway.append(pages_in(db_path) < total)
    assert any(left_midway)  # at least one kill came before the end of the stream
    ingest_until_idle(redis_url, db_path)
    assert integrity(db_path) == "ok" and rows(db_path) == rows(crawled)
    db = sqlite3.connect(db_path)
    assert db.execute("SELECT count(*) - count(DISTINCT body_hash) FROM articles").fetchone()[0] == 0
    assert db.execute("SELECT count(*) FROM crawl_runs").fetchone()[0] == 1


def test_nodes_killed_mid_crawl_leave_nothing_out(redis_url, crawled, tmp_path):
    """A node is killed (SIGKILL) three times at different moments of a slow crawl; the
    writer files what they sent, and the next node fetches what they had in hand: the
    archive ends with exactly a local crawl's rows."""
    from crawler.sample.server import SampleServer

    env = {**os.environ, "NEWSARCHIVE_REDIS_URL": redis_url, "NEWSARCHIVE_WORKERS": "0"}
    db_path = tmp_path / "news.db"
    with SampleServer(delay=0.1) as server:
        import redis

        stream = redis.Redis.from_url(redis_url)
        for sent in (5, 15, 25):  # killed once the stream holds this many more entries
            before = stream.xlen("newsarchive:filing") if stream.exists("newsarchive:filing") else 0
            victim = subprocess.Popen([str(NEWSARCHIVE), "crawl", "--proxy", server.url], cwd=tmp_path, env=env,
                                      stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            wait_until(lambda: (stream.xlen("newsarchive:filing") if stream.exists("newsarchive:filing") else 0)
                       >= before + sent)
            victim.kill()
            victim.wait(timeout=30)
            ingest_until_idle(redis_url, db_path)
            until_no_node_at_work(redis_url)
        last = subprocess.run([str(NEWSARCHIVE), "crawl", "--proxy", server.url], cwd=tmp_path, env=env,
                              capture_output=True, text=True, timeout=600)
        assert last.returncode == 0, last.stderr[-3000:]
    ingest_until_idle(redis_url, db_path)
    assert integrity(db_path) == "ok"
    mine, local = rows(db_path), rows(crawled)
    assert mine["articles"] == local["articles"] and mine["urls"] == local["urls"] and mine["pages"] == local["pages"]


def test_a_node_waits_for_a_writer_that_falls_behind(redis_url, crawled, tmp_path):
    """With no writer running, a node stops fetching once the stream holds more than its
    backlog limit (Redis's memory is not an archive), and finishes once the writer files;
    the writer drops what it filed from the stream."""
    import redis

    from crawler.sample.server import SampleServer

    stream = redis.Redis.from_url(redis_url)
    backlog = lambda: stream.xlen("newsarchive:filing") if stream.exists("newsarchive:filing") else 0  # noqa: E731
    env = {**os.environ, "NEWSARCHIVE_REDIS_URL": redis_url, "NEWSARCHIVE_WORKERS": "0",
           "NEWSARCHIVE_STREAM_BACKLOG": "5", "NEWSARCHIVE_LOG_LEVEL": "INFO"}
    with SampleServer(delay=0.1) as server:
        crawl = subprocess.Popen([str(NEWSARCHIVE), "crawl", "--proxy", server.url], cwd=tmp_path, env=env,
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        wait_until(lambda: backlog() > 5)
        seen = [backlog()]  # paused: once what was in flight when it paused is sent, nothing more comes
        while len(seen) < 6 or len(set(seen[-6:])) > 1:
            time.sleep(0.5)
            seen.append(backlog())
            assert len(seen) < 120, seen
        assert crawl.poll() is None and seen[-1] < 40, seen
        writer = subprocess.Popen([str(NEWSARCHIVE), "ingest", "--db", str(tmp_path / "news.db"), "--until-idle", "5"],
                                  cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        _out, err = crawl.communicate(timeout=600)
    assert writer.wait(timeout=600) == 0
    assert crawl.returncode == 0 and "fetching paused until it catches up" in err and "caught up" in err
    assert rows(tmp_path / "news.db")["articles"] == rows(crawled)["articles"] and backlog() == 0


def test_a_back_off_one_node_met_slows_every_node(redis_url):
    """The turns of a host, as the Lua script hands them out: spaced by the longest delay any
    node asked for lately (node B backed off to 60 s; node A, asking 2 s, waits for it)."""
    import redis

    from crawler.fetch.pacing import KEYS, RESERVE_TURN

    reserve = redis.Redis.from_url(redis_url).register_script(RESERVE_TURN)
    keys = [key.format("www.example.gov.cn") for key in KEYS]
    first, after_b, after_a = (reserve(keys=keys, args=[0, delay]) for delay in (2000, 60_000, 2000))
    assert first == 0 and 1_900 <= after_b <= 2_000 and 59_900 <= after_a - after_b <= 60_000


def test_the_shared_queue_takes_hosts_in_turn_and_never_a_busy_one(redis_url):
    """The frontier's scripts (fetch/frontier.py) as a node calls them: each host's requests
    in priority order, the hosts in turn, none of a host the asking node already fetches."""
    import redis

    from crawler.fetch.frontier import POP, PUSH

    server = redis.Redis.from_url(redis_url)
    push, pop = server.register_script(PUSH), server.register_script(POP)
    ring, count, prefix = "q:hosts", "q:count", "q:host:"
    for host, priority, request in [("a", 0, "a-late"), ("a", 5, "a-first"), ("b", 0, "b"), ("c", 0, "c"),
                                    ("a", 0, "a-late")]:  # the same request twice is queued once
        push(keys=[ring, count, prefix + host], args=[host, -priority, request])
    assert int(server.get(count)) == 4

    def take(*busy: str):
        taken = pop(keys=[ring, count], args=[prefix, *busy])
        return taken.decode() if taken else None

    assert [take(), take("a"), take("a", "b"), take("a")] == ["a-first", "b", "c", None]
    assert [take(), take()] == ["a-late", None]
    assert int(server.get(count)) == 0 and server.llen(ring) == 0


def test_refresh_is_refused_on_a_crawl_node(tmp_path):
    env = {**os.environ, "NEWSARCHIVE_REDIS_URL": f"redis://127.0.0.1:{free_port()}/0"}
    result = subprocess.run([str(NEWSARCHIVE), "crawl", "--refresh"], cwd=tmp_path, env=env, capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 2 and "--refresh is not for crawl nodes" in result.stderr


@pytest.mark.parametrize("command", [["crawl", "jl_cri"], ["ingest", "--until-idle", "1"]])
def test_an_unreachable_redis_is_one_line_and_exit_1(tmp_path, command):
    env = {**os.environ, "NEWSARCHIVE_REDIS_URL": f"redis://127.0.0.1:{free_port()}/0"}
    result = subprocess.run([str(NEWSARCHIVE), *command, "--db", str(tmp_path / "news.db")], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "NOT DONE: the Redis at redis://127.0.0.1:" in result.stderr and not (tmp_path / "news.db").exists()


def test_a_batch_delivered_again_after_its_commit_is_not_filed_twice(redis_url, fresh_db):
    """A writer killed between its commit and its acknowledgement: the next writer gets the
    same entries again, and finds them filed (an errors row, a run row are not doubled)."""
    from crawler.fetch.ingest import GROUP, _ensure_group, _file_batch
    from crawler.fetch.stream import STREAM, connect, send
    from crawler.items import FetchError

    server = connect(redis_url)
    _ensure_group(server)
    send(server, "node-a", "item", (FetchError("https://jl.cri.cn/gone.html", "jl_cri", "HTTP 404"), None))
    entries = server.xreadgroup(GROUP, "writer", {STREAM: ">"}, count=10)[0][1]
    for _delivery in range(2):
        _file_batch(fresh_db, server, entries)
    assert fresh_db.execute("SELECT count(*) FROM errors").fetchone()[0] == 1
    send(server, "node-a", "item", (FetchError("https://jl.cri.cn/later.html", "jl_cri", "HTTP 404"), None))
    later = server.xreadgroup(GROUP, "writer", {STREAM: ">"}, count=10)[0][1]
    _file_batch(fresh_db, server, later)  # a new entry is filed as ever
    assert fresh_db.execute("SELECT count(*) FROM errors").fetchone()[0] == 2
