"""Cron-grade crawling: incremental, locked, resumable, revision-aware, self-monitoring."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import time

import pytest

from conftest import NEWSARCHIVE, ROOT, run_cli
from crawler.sample.server import SampleServer
from crawler.sample.site import Page, SampleSite
from crawler.sources import load_sources
from crawler.fetch.discovery import start_url

WINE = "jl.cri.cn/n/20200618/e5f6a7b8-2c3d-4e5f-8a9b-1c2d3e4f5a6b.html"
CHALLENGE_412 = Page(412, {"Content-Type": "text/html"}, b'<html><script>$_ts=window["$_ts"];$_ts.nsd=1;</script></html>')
CHALLENGE_200 = Page(200, {"Content-Type": "text/html"},
                     b'<html><script>document.cookie="__jsl_clearance=1651;max-age=3600";location.reload()</script></html>')


def crawl(db_path, *args, site=None, check=True, delay=0.0):
    with SampleServer(site, delay=delay) as server:
        return run_cli("crawl", *args, "--proxy", server.url, "--db", str(db_path), check=check)


def last_run(db_path) -> dict:
    db = sqlite3.connect(db_path)
    db.row_factory = sqlite3.Row
    return dict(db.execute("SELECT * FROM crawl_runs ORDER BY id DESC LIMIT 1").fetchone())


def test_second_run_is_cheap_and_a_noop(archive_copy):
    articles = sqlite3.connect(archive_copy).execute("SELECT count(*) FROM articles").fetchone()[0]
    result = crawl(archive_copy)
    run = last_run(archive_copy)
    sources = load_sources()
    first_list_pages = sum(len(source.start_urls) for source in sources.values())
    robots = len({host for source in sources.values() for host in source.hosts})
    assert run["requests"] <= first_list_pages + robots
    assert run["new_articles"] == 0 and "0 new articles" in result.stdout
    db = sqlite3.connect(archive_copy)
    assert db.execute("SELECT count(*) FROM articles").fetchone()[0] == articles
    first_pages = [start_url(url) for source in sources.values() for url in source.start_urls]
    statuses = [db.execute("SELECT status FROM list_pages WHERE url = ?", [url]).fetchone()[0] for url in first_pages]
    assert statuses == [304] * len(first_pages)  # conditional GET with the stored ETag / Last-Modified


def test_backfill_reads_sitemaps_and_max_pages_bounds_lists(tmp_path):
    db_path = tmp_path / "news.db"
    crawl(db_path, "jl_gov_yaowen", "--max-pages", "1")
    assert sqlite3.connect(db_path).execute("SELECT count(*) FROM articles").fetchone()[0] == 5
    crawl(db_path, "jl_people")
    old = "http://jl.people.com.cn/n2/2021/0518/c349771-34728000.html"  # listed in the sitemap only
    db = sqlite3.connect(db_path)
    assert db.execute("SELECT count(*) FROM article_urls WHERE url = ?", [old]).fetchone()[0] == 0
    crawl(db_path, "--backfill", "jl_people", "jl_gov_yaowen")
    assert db.execute("SELECT count(*) FROM article_urls WHERE url = ?", [old]).fetchone()[0] == 1
    assert db.execute("SELECT count(DISTINCT article_id) FROM article_urls WHERE url LIKE 'https://www.jl.gov.cn/%'"
                      ).fetchone()[0] == 10
    assert last_run(db_path)["mode"] == "backfill+replica"
    assert not (tmp_path / "jobs").exists() or not any((tmp_path / "jobs").iterdir())


def test_removed_article_is_marked_gone_never_deleted(tmp_path):
    db_path = tmp_path / "news.db"
    crawl(db_path, "jl_cri")
    result = crawl(db_path, "jl_cri", "--refresh", site=SampleSite(overrides={WINE: Page(404, {}, b"gone")}))
    assert result.returncode == 0
    db = sqlite3.connect(db_path)
    title, gone_at = db.execute("SELECT title, gone_at FROM articles WHERE url = ?", ["https://" + WINE]).fetchone()
    assert title == "通化葡萄酒产业集群发展提速" and gone_at
    assert json.loads(last_run(db_path)["sources"])["jl_cri"]["gone"] == 1
    assert json.loads(last_run(db_path)["sources"])["jl_cri"]["unchanged"] >= 3  # 304 for the others


def test_template_change_marks_the_source_failing(tmp_path):
    crawl(tmp_path / "news.db", "jl_gov_yaowen", "jl_cri")
    moved = SampleSite(edits={f"www.jl.gov.cn/yaowen/{page}": ('href="./', 'href="./archive/')
                              for page in ("index.html", "index_1.html")})
    result = crawl(tmp_path / "news.db", "jl_gov_yaowen", "jl_cri", site=moved, check=False)
    assert result.returncode == 1
    assert "failing: jl_gov_yaowen (list pages hold no article links)" in result.stdout
    run = last_run(tmp_path / "news.db")
    assert run["status"] == "failing" and run["exit_code"] == 1
    assert json.loads(run["sources"])["jl_cri"]["status"] == "ok"


def test_anti_bot_challenges_are_blocked_not_archived(tmp_path):
    db_path = tmp_path / "news.db"
    walls = {"www.changchun.gov.cn/zw_33994/tpxx/202310/t20231018_3215846.html": CHALLENGE_412,
             "www.changchun.gov.cn/zw_33994/tpxx/202307/t20230714_3189922.html": CHALLENGE_200}
    result = crawl(db_path, "changchun_gov", site=SampleSite(overrides=walls), check=False)
    assert result.returncode == 1 and "blocked 2 times by an anti-bot challenge" in result.stdout
    db = sqlite3.connect(db_path)
    stages = db.execute("SELECT stage, error FROM errors").fetchall()
    assert [stage for stage, _ in stages] == ["blocked", "blocked"]
    assert any("HTTP 412" in error for _, error in stages)
    assert db.execute("SELECT count(*) FROM pages").fetchone()[0] == 0
    assert db.execute("SELECT count(*) FROM articles").fetchone()[0] == 0


def test_a_replica_crawled_unpaced_records_no_delay(tmp_path):
    """Without NEWSARCHIVE_REPLICA_POLITE a replica is not waited for, robots.txt's
    Crawl-delay included, and the run's delays say so."""
    db_path = tmp_path / "news.db"
    crawl(db_path, "jl_people", "jl_cri")
    delays = json.loads(last_run(db_path)["delays"])
    assert delays == {"jl.people.com.cn": 0.0, "jl.cri.cn": 0.0}


def test_a_crawl_delay_above_the_default_spaces_every_request(tmp_path):
    """A polite crawl keeps robots.txt's Crawl-delay (here 2.5 s, above the 2 s default)
    between all requests to the host, not only before the first one after robots.txt."""
    robots = Page(200, {"Content-Type": "text/plain"}, b"User-agent: *\nCrawl-delay: 2.5\n")
    with SampleServer(SampleSite(overrides={"jl.cri.cn/robots.txt": robots})) as server:
        run_cli("crawl", "jl_cri", "--proxy", server.url, "--db", str(tmp_path / "news.db"), "--max-pages", "3",
                env={"NEWSARCHIVE_REPLICA_POLITE": "1"})
    times = [at for at, host, path in server.arrivals if host == "jl.cri.cn" and path != "/robots.txt"]
    gaps = [later - earlier for earlier, later in zip(times, times[1:])]
    # Scrapy spaces the sends; the server's arrival times carry a few ms of loopback and
    # thread scheduling noise either way (the old bug showed 2.0 s gaps).
    assert len(times) >= 4 and min(gaps) >= 2.45, gaps
    assert json.loads(last_run(tmp_path / "news.db")["delays"])["jl.cri.cn"] == 2.5


def test_profile_delay_is_the_floor_for_real_crawls():
    """For `newsarchive crawl` and `scrapy crawl news` alike: the spider brings the slots."""
    from crawler.fetch.run import crawl_settings
    from crawler.fetch.spider import NewsSpider

    settings = crawl_settings("archive/news.db", proxy=None)
    NewsSpider.update_settings(settings)
    slots = settings.getdict("DOWNLOAD_SLOTS")
    assert slots["www.jl.gov.cn"] == {"delay": 2.0, "concurrency": 1}
    assert slots["www.changchun.gov.cn"]["delay"] == 3.0
    assert all(slot["concurrency"] == 1 for slot in slots.values())


def test_stale_lock_of_a_dead_process_is_taken_over(tmp_path):
    """A crawl killed with SIGKILL (cron's timeout, the OOM killer) while it holds the lock
    leaves the lock file naming it; the next run takes the lock over."""
    db_path = tmp_path / "news.db"
    lock = tmp_path / "news.db.lock"
    with SampleServer(delay=0.3) as server:
        killed = subprocess.Popen([str(NEWSARCHIVE), "crawl", "jl_gov_yaowen", "--proxy", server.url, "--db", str(db_path)],
                                  cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for _ in range(200):
            if lock.exists() and lock.read_text().startswith(f"{killed.pid} "):
                break
            time.sleep(0.05)
        killed.send_signal(signal.SIGKILL)
        killed.wait(timeout=30)
        assert lock.read_text() == f"{killed.pid} crawl"  # left behind, naming the dead run
        result = run_cli("crawl", "jl_gov_yaowen", "--proxy", server.url, "--db", str(db_path), check=False)
    assert result.returncode == 0, result.stderr
    assert last_run(db_path)["status"] == "ok"


def test_overlapping_run_exits_at_once_naming_the_holder(tmp_path):
    db_path = tmp_path / "news.db"
    with SampleServer(delay=0.3) as server:
        first = subprocess.Popen([str(NEWSARCHIVE), "crawl", "jl_gov_yaowen", "--proxy", server.url, "--db", str(db_path)],
                                 cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        lock = tmp_path / "news.db.lock"
        for _ in range(100):
            if lock.exists() and lock.read_text().strip():
                break
            time.sleep(0.05)
        second = run_cli("crawl", "jl_gov_yaowen", "--proxy", server.url, "--db", str(db_path), check=False)
        assert second.returncode == 75
        assert f"pid {first.pid}" in second.stderr
        assert first.wait(timeout=120) == 0


@pytest.mark.parametrize("mode, total", [([], 33), (["--backfill"], 34)])
def test_killed_crawl_resumes_with_nothing_lost_or_duplicated(tmp_path, mode, total):
    """kill -9 in the middle; the next run (a backfill resumes from its JOBDIR) completes."""
    db_path = tmp_path / "news.db"
    with SampleServer(delay=0.15) as server:
        victim = subprocess.Popen([str(NEWSARCHIVE), "crawl", *mode, "--proxy", server.url, "--db", str(db_path)],
                                  cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for _ in range(600):
            time.sleep(0.05)
            if db_path.exists() and _count(db_path, "articles") >= 5:
                break
        os.kill(victim.pid, signal.SIGKILL)
        victim.wait()
    stored = _count(db_path, "articles")
    assert 5 <= stored < total
    if mode:
        assert any((tmp_path / "jobs").iterdir())  # Scrapy's JOBDIR of the killed backfill
    crawl(db_path, *mode)
    db = sqlite3.connect(db_path)
    assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert _count(db_path, "articles") == total
    assert db.execute("SELECT count(*) - count(DISTINCT url) FROM article_urls").fetchone()[0] == 0
    assert db.execute("SELECT count(*) - count(DISTINCT body_hash) FROM articles").fetchone()[0] == 0
    assert db.execute("SELECT count(*) - count(DISTINCT url || sha256) FROM pages").fetchone()[0] == 0
    assert not (tmp_path / "jobs").exists() or not any((tmp_path / "jobs").iterdir())


def _count(db_path, table: str) -> int:
    try:
        return sqlite3.connect(db_path, timeout=5).execute(f"SELECT count(*) FROM {table}").fetchone()[0]
    except sqlite3.OperationalError:
        return 0


# Sources read from a single list page: a channel's home page, the day's e-paper layout.
ONE_LIST_PAGE = {"jilin_china", "cc_epaper"}


@pytest.mark.parametrize("name", sorted(load_sources()))
def test_each_source_crawls_its_replica(tmp_path, name):
    """Lists of one article a page: two new articles mean the source's pager was followed."""
    db_path = tmp_path / "news.db"
    result = crawl(db_path, name, site=SampleSite(list_size=None if name in ONE_LIST_PAGE else 1))
    assert result.returncode == 0
    counts = json.loads(last_run(db_path)["sources"])[name]
    assert counts["status"] == "ok" and counts["new"] >= 2
    db = sqlite3.connect(db_path)
    assert db.execute("SELECT count(*) FROM articles WHERE title IS NULL OR date IS NULL").fetchone()[0] == 0


def test_extraction_without_dates_marks_the_source_failing(tmp_path):
    """cnjiwang URLs carry no day, so a template that loses the date line leaves articles undated."""
    undated = SampleSite(edits={
        "news.cnjiwang.com/jwyc/202304/3812456.html": ('class="zxdata mt20">2023-04-06 14:11', 'class="zxdata mt20">'),
        "news.cnjiwang.com/jwyc/202308/3859701.html": ('class="zxdata mt20">2023-08-15 16:40', 'class="zxdata mt20">'),
    })
    result = crawl(tmp_path / "news.db", "cnjiwang", site=undated, check=False)
    assert result.returncode == 1
    assert "failing: cnjiwang (extraction found no dates)" in result.stdout


def test_two_paths_to_one_archive_share_its_lock(tmp_path):
    """A symlinked path (or a relative one) is the same archive: it gets the same lock."""
    from crawler.store.lock import ArchiveLocked, archive_lock

    real = tmp_path / "news.db"
    real.touch()
    (tmp_path / "link.db").symlink_to(real)
    with archive_lock(real, "crawl"):
        with pytest.raises(ArchiveLocked):
            with archive_lock(tmp_path / "link.db", "crawl"):
                pass


def test_a_resumed_crawl_fetches_a_big5_mirror_beside_its_simplified_twin(tmp_path):
    """A killed run left both the simplified page and its /BIG5/ mirror in the frontier: the
    next run fetches both (the mirror shares its twin's canonical URL and must not count as
    known once the twin is queued), and the article keeps its Traditional original."""
    from crawler.store.crawl_state import add_to_frontier
    from crawler.store.schema import open_archive

    db_path = tmp_path / "news.db"
    simplified = "http://jl.people.com.cn/n2/2023/0412/c349771-40375012.html"
    mirror = "http://jl.people.com.cn/BIG5/n2/2023/0412/c349771-40375012.html"
    db = open_archive(db_path)
    add_to_frontier(db, [simplified, mirror], "jl_people")
    db.close()
    crawl(db_path, "jl_people", "--max-pages", "1")
    db = sqlite3.connect(db_path)
    assert {url for (url,) in db.execute("SELECT url FROM pages")} >= {simplified, mirror}
    (original,) = db.execute("SELECT body_original FROM articles WHERE url = ?", [simplified]).fetchone()
    assert original is not None
    run_cli("reclean", "--all", "--db", str(db_path), "--seeds", str(tmp_path / "no_seeds"))
    assert db.execute("SELECT body_original FROM articles WHERE url = ?", [simplified]).fetchone() == (original,)
