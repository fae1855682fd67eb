"""Cleaning in worker processes: same rows as in-process, crashes contained, resumable reclean."""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import sqlite3
import subprocess
import time

from conftest import NEWSARCHIVE, ROOT, SEEDS, run_cli

from crawler.reclean import work_list
from crawler.workers import WorkerPool

TESTS = str(ROOT / "tests")
FAULTS = {"PYTHONPATH": TESTS}
# Times, and the response headers as received (their Date is the fetch's).
VOLATILE = {"first_seen", "last_seen", "fetched_at", "at", "cleaned_at", "checked_at", "found_at", "response_headers"}


def rows(db_path, table: str, key: str) -> list[tuple]:
    """A table's rows without timestamps, ordered by `key` (ids differ between crawls:
    pages arrive in network order)."""
    db = sqlite3.connect(db_path)
    cursor = db.execute(f"SELECT * FROM {table} ORDER BY {key}")
    names = [column[0] for column in cursor.description]
    order_dependent = {"id", "article_id", "page_id", "part_of", "cluster_id", "similarity"}
    kept = [i for i, name in enumerate(names) if name not in VOLATILE | order_dependent]
    return [tuple(row[i] for i in kept) for row in cursor]


def test_parallel_and_in_process_crawls_archive_the_same_rows(tmp_path):
    """Pages arrive in network order, so which copy of a reprinted story is filed first (and
    gives the article its title and source) varies from crawl to crawl, workers or not:
    compare what every URL was filed as, and the rows of articles found at one URL only."""
    for workers in ("0", "2"):
        run_cli("crawl", "--sample", "--workers", workers, "--db", str(tmp_path / workers / "news.db"))
    filed_as = ("SELECT u.url, a.body_hash, a.body FROM article_urls u JOIN articles a ON a.id = u.article_id "
                "ORDER BY u.url")
    single = "articles WHERE id IN (SELECT article_id FROM article_urls GROUP BY article_id HAVING count(*) = 1)"
    in_process, parallel = (sqlite3.connect(tmp_path / workers / "news.db") for workers in ("0", "2"))
    assert in_process.execute(filed_as).fetchall() == parallel.execute(filed_as).fetchall()
    for table, key in ((single, "url"), ("pages", "url, sha256")):
        assert rows(tmp_path / "0" / "news.db", table, key) == rows(tmp_path / "2" / "news.db", table, key), table
    assert errors(in_process) == errors(parallel)


def errors(db) -> list:
    """The distinct errors of a crawl; a redirect loop as the set of its URLs (which of them
    is met first, and whether the loop is met from both ends, depends on network order)."""
    found = []
    for url, stage, error in db.execute("SELECT url, stage, error FROM errors"):
        if error.startswith("redirect loop: "):
            loop = {link.replace("http://", "https://") for link in error.split(": ", 1)[1].split(" -> ")}
            url, error = "", "redirect loop: " + " ".join(sorted(loop | {url}))
        found.append((url, stage, error))
    return sorted(set(found))


def test_parallel_and_in_process_reclean_write_identical_rows(crawled, tmp_path):
    copies = []
    for workers in ("0", "2"):
        copy = tmp_path / workers / "news.db"
        copy.parent.mkdir()
        shutil.copy(crawled, copy)
        run_cli("reclean", "--all", "--workers", workers, "--db", str(copy), "--seeds", str(SEEDS))
        copies.append(copy)
    for table in ("articles", "article_urls", "pages", "cleaned_pages"):
        db0, db2 = (sqlite3.connect(copy) for copy in copies)
        query = f"SELECT * FROM {table} ORDER BY 1"
        strip = lambda cursor: [tuple(v for v, c in zip(row, cursor.description) if c[0] not in VOLATILE)
                                for row in cursor]
        assert strip(db0.execute(query)) == strip(db2.execute(query)), table


def test_a_page_that_kills_its_worker_is_recorded_and_the_crawl_goes_on(crawled, tmp_path):
    db_path = tmp_path / "news.db"
    result = run_cli("crawl", "--sample", "--workers", "2", "--db", str(db_path), check=False,
                     env={**FAULTS, "NEWSARCHIVE_CLEAN_FUNCTION": "misbehaving.clean_or_die"})
    assert result.returncode in (0, 1), result.stderr
    db = sqlite3.connect(db_path)
    errors = db.execute("SELECT url, stage, error FROM errors WHERE error LIKE 'WorkerCrashed%'").fetchall()
    assert len(errors) == 1 and "a2b4c6d8" in errors[0][0] and errors[0][1] == "clean"
    normal = sqlite3.connect(crawled).execute("SELECT count(*) FROM articles").fetchone()[0]
    assert db.execute("SELECT count(*) FROM articles").fetchone()[0] == normal - 1
    assert db.execute("SELECT count(*) FROM pages WHERE url LIKE '%a2b4c6d8%'").fetchone()[0] == 1  # raw page kept


def test_reclean_survives_a_worker_crash(archive_copy):
    db = sqlite3.connect(archive_copy)
    db.execute("UPDATE cleaned_pages SET cleaner_version = 'old'")
    db.commit()
    result = run_cli("reclean", "--workers", "2", "--db", str(archive_copy), "--seeds", str(SEEDS),
                     env={**FAULTS, "NEWSARCHIVE_CLEAN_FUNCTION": "misbehaving.clean_or_die"})
    assert "a2b4c6d8" in result.stderr and "kills its worker process" in result.stderr
    outcomes = dict(db.execute("SELECT p.url, c.outcome FROM cleaned_pages c JOIN pages p ON p.id = c.page_id"))
    assert [outcome for url, outcome in outcomes.items() if "a2b4c6d8" in url] == ["failed"]
    assert work_list(db) == []  # every page was cleaned by the current cleaner
    assert list(outcomes.values()).count("unchanged") == 32  # every other article page, cleaned as before


def test_reclean_interrupted_and_rerun_cleans_every_page_exactly_once(crawled, tmp_path):
    paths = {}
    for name in ("interrupted", "whole"):
        paths[name] = tmp_path / name / "news.db"
        paths[name].parent.mkdir()
        shutil.copy(crawled, paths[name])
        db = sqlite3.connect(paths[name])
        db.execute("UPDATE cleaned_pages SET cleaner_version = 'old'")
        db.commit()
    pending = sqlite3.connect(paths["whole"]).execute(
        "SELECT count(*) FROM cleaned_pages WHERE cleaner_version = 'old' AND page_id IN "
        "(SELECT page_id FROM articles UNION SELECT id FROM pages WHERE article_id IS NULL AND part_of IS NULL)"
    ).fetchone()[0] + len(list(SEEDS.iterdir()))

    run = subprocess.Popen([str(NEWSARCHIVE), "reclean", "--workers", "1", "--db", str(paths["interrupted"]),
                            "--seeds", str(SEEDS)], cwd=ROOT, env={**os.environ, **FAULTS,
                           "NEWSARCHIVE_CLEAN_FUNCTION": "misbehaving.clean_slowly"}, stderr=subprocess.DEVNULL)
    done = 0
    db = sqlite3.connect(paths["interrupted"])
    version = "SELECT count(*) FROM cleaned_pages WHERE cleaner_version != 'old'"
    for _ in range(300):  # until a first batch is committed
        time.sleep(0.1)
        done = db.execute(version).fetchone()[0]
        if done:
            break
    run.send_signal(signal.SIGKILL)
    run.wait(timeout=30)
    done = db.execute(version).fetchone()[0]
    assert 0 < done < pending

    rerun = run_cli("reclean", "--db", str(paths["interrupted"]), "--seeds", str(SEEDS))
    run_cli("reclean", "--db", str(paths["whole"]), "--seeds", str(SEEDS))
    counts = rerun.stdout.split(":")[1]
    processed = sum(int(part.split()[0]) for part in counts.split(",") if part.split()[1] in ("cleaned", "failed"))
    assert processed == pending - done  # finished pages were not redone
    assert work_list(db) == []
    assert rows(paths["interrupted"], "articles", "url") == rows(paths["whole"], "articles", "url")
    assert db.execute("SELECT count(*) - count(DISTINCT body_hash) FROM articles").fetchone()[0] == 0


def test_workers_are_recycled_and_every_job_still_finishes():
    """Recycling by the executor's own max_tasks_per_child hangs once a worker reaches its
    limit with jobs queued (CPython gh-115634); the pool replaces whole executors instead."""
    async def run_jobs() -> list[int]:
        pool = WorkerPool(2, recycle_after=3)
        try:
            return await asyncio.wait_for(asyncio.gather(*(pool.run(str(job), os.getpid) for job in range(40))), 120)
        finally:
            pool.close()

    worker_pids = asyncio.run(run_jobs())
    assert len(worker_pids) == 40 and os.getpid() not in worker_pids
    assert len(set(worker_pids)) >= 40 // (3 * 2)  # a new generation of workers at least every 6 jobs
