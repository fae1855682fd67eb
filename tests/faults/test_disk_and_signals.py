"""Faults of a cron archiver on real processes: a full disk, a SIGTERM mid-crawl. (Kills,
stale locks and overlapping runs: tests/test_incremental.py; a damaged archive:
tests/test_crawl.py; hostile requests: tests/test_public.py; worker crashes:
tests/test_workers.py; generated input: tests/test_clean_properties.py.)"""

from __future__ import annotations

import http.client
import signal
import sqlite3
import subprocess
import time

import pytest
from conftest import NEWSARCHIVE, ROOT, run_cli

from crawler.sample.server import SampleServer


@pytest.fixture
def small_disk(tmp_path):
    """A 600 KB tmpfs: too small for the sample crawl's archive (skipped where the machine
    does not let the tests mount one)."""
    mount_point = tmp_path / "disk"
    mount_point.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=600k", "tmpfs", str(mount_point)],
                             capture_output=True)
    if mounted.returncode != 0:
        pytest.skip("cannot mount a tmpfs here")
    yield mount_point
    subprocess.run(["umount", "--lazy", str(mount_point)], check=True)  # a worker may still be exiting


def integrity(db_path) -> str:
    with sqlite3.connect(db_path) as db:
        return db.execute("PRAGMA integrity_check").fetchone()[0]


def archived_urls(db_path) -> set[str]:
    with sqlite3.connect(db_path) as db:
        return {url for (url,) in db.execute("SELECT url FROM article_urls")}


def test_a_full_disk_ends_the_crawl_with_one_true_line(small_disk):
    db_path = small_disk / "news.db"
    result = run_cli("crawl", "--sample", "--db", str(db_path), check=False)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "NOT DONE" in result.stdout and "database or disk is full" in result.stderr
    assert "archive write failed: OperationalError: database or disk is full" in result.stderr
    assert integrity(db_path) == "ok"


def test_sigterm_stops_a_crawl_that_the_next_run_completes(tmp_path):
    """SIGTERM (a cron timeout, a shutdown): the crawl stops cleanly with its summary and a
    'shutdown' row; the next run archives everything an uninterrupted crawl would."""
    reference, stopped = tmp_path / "reference.db", tmp_path / "stopped.db"
    with SampleServer(delay=0.15) as server:  # a crawl of ~10 s: SIGTERM comes mid-crawl
        run_cli("crawl", "--proxy", server.url, "--db", str(reference))
        crawl = subprocess.Popen([str(NEWSARCHIVE), "crawl", "--proxy", server.url, "--db", str(stopped)], cwd=ROOT,
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        time.sleep(3)
        crawl.send_signal(signal.SIGTERM)
        out, err = crawl.communicate(timeout=120)
        assert crawl.returncode == 1 and "Traceback" not in err
        assert "(normal+replica): shutdown" in out
        assert integrity(stopped) == "ok"
        with sqlite3.connect(stopped) as db:
            assert db.execute("SELECT status, exit_code FROM crawl_runs").fetchall() == [("shutdown", 1)]
        run_cli("crawl", "--proxy", server.url, "--db", str(stopped))
    assert archived_urls(stopped) == archived_urls(reference)


def damage_table(db_path, table: str) -> None:
    """Overwrite the root page of one table's B-tree, as a failing disk would."""
    with sqlite3.connect(db_path) as db:
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        page_size = db.execute("PRAGMA page_size").fetchone()[0]
        root = db.execute("SELECT rootpage FROM sqlite_master WHERE name = ?", [table]).fetchone()[0]
    with open(db_path, "r+b") as handle:
        handle.seek((root - 1) * page_size)
        handle.write(b"\xde\xad\xbe\xef" * (page_size // 4))


@pytest.mark.parametrize("table", ["pages", "article_bands"])  # read at start; written mid-run
def test_a_crawl_writes_nothing_more_into_a_damaged_archive(tmp_path, table):
    """A damaged page deep in the file (the header is fine): the crawl stops as soon as
    SQLite reports it, writes no run row, and says what to do in one line, exit 1."""
    archive_copy = tmp_path / "news.db"
    run_cli("crawl", "--sample", "--db", str(archive_copy), "jl_cri")  # the other sources still to come
    damage_table(archive_copy, table)
    with sqlite3.connect(archive_copy) as db:
        runs = db.execute("SELECT count(*) FROM crawl_runs").fetchone()[0]
    result = run_cli("crawl", "--sample", "--db", str(archive_copy), check=False)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert f"NOT DONE: the archive {archive_copy} is damaged (database disk image is malformed)" in result.stdout
    with sqlite3.connect(archive_copy) as db:
        assert db.execute("SELECT count(*) FROM crawl_runs").fetchone()[0] == runs


def test_an_archive_on_a_read_only_filesystem_is_served_not_written(crawled, tmp_path):
    """A read-only mount (a backup, a published copy): serve and sources read it; crawl says
    in one line that it cannot write there, exit 1, nothing touched."""
    from conftest import served

    mount_point = tmp_path / "ro"
    mount_point.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=20m", "tmpfs", str(mount_point)],
                      capture_output=True).returncode != 0:
        pytest.skip("cannot mount a tmpfs here")
    try:
        db_path = mount_point / "news.db"
        db_path.write_bytes(crawled.read_bytes())
        subprocess.run(["mount", "-o", "remount,ro", str(mount_point)], check=True)
        result = run_cli("crawl", "--sample", "--db", str(db_path), check=False)
        assert result.returncode == 1 and "Traceback" not in result.stderr
        assert f"the archive {db_path} cannot be written: its folder is read-only" in result.stderr
        assert run_cli("sources", "--db", str(db_path)).returncode == 0
        with served(db_path, "--public", "--host", "127.0.0.1") as base:
            status = http.client.HTTPConnection(base.removeprefix("http://"), timeout=30)
            status.request("GET", "/news/articles.json")
            assert status.getresponse().status == 200
    finally:
        subprocess.run(["umount", "--lazy", str(mount_point)], check=True)
