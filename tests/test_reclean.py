"""`newsarchive reclean`: offline, in place, idempotent; seeds join the archive."""

from __future__ import annotations

import fcntl
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import SEEDS, run_cli

from crawler.sample.server import SampleServer


def snapshot(db_path) -> list:
    db = sqlite3.connect(db_path)
    tables = ["articles", "article_urls", "revisions", "errors", "pages"]
    rows = [db.execute(f"SELECT * FROM {table} ORDER BY 1").fetchall() for table in tables]
    db.close()
    return rows


OLDER_CLEANER = "UPDATE cleaned_pages SET cleaner_version = 'old'"  # as an older cleaner leaves the pages


def reclean_after_older_cleaner(db_path, *updates: tuple) -> tuple[sqlite3.Connection, str]:
    """Apply (sql, params) updates as an older cleaner would have left the archive, then
    run `reclean`; the open database and the command's output."""
    db = sqlite3.connect(db_path)
    for sql, params in updates:
        db.execute(sql, params)
    db.execute(OLDER_CLEANER)
    db.commit()
    return db, run_cli("reclean", "--db", str(db_path), "--seeds", str(SEEDS)).stdout


def test_reclean_twice_changes_nothing_the_second_time(archive_copy):
    first = run_cli("reclean", "--db", str(archive_copy), "--seeds", str(SEEDS))
    assert "5 newly filed" in first.stdout
    before = snapshot(archive_copy)
    second = run_cli("reclean", "--db", str(archive_copy), "--seeds", str(SEEDS))
    assert "0 changed" in second.stdout and "0 newly filed" in second.stdout
    assert snapshot(archive_copy) == before


def test_seeds_are_archived_like_pages(archive_copy):
    """Seed texts that the sample sites also publish dedupe into the crawled articles."""
    run_cli("reclean", "--db", str(archive_copy), "--seeds", str(SEEDS))
    db = sqlite3.connect(archive_copy)
    rows = db.execute("SELECT u.url, a.title FROM article_urls u JOIN articles a ON a.id = u.article_id "
                      "WHERE u.url LIKE 'seed:%' ORDER BY u.url").fetchall()
    assert [row[0] for row in rows] == [f"seed:{path.name}" for path in sorted(SEEDS.glob("*"))]
    assert rows[2][1] == "【视频】e起点赞长春这十年|区县领导访谈·经开区"
    reprinted = db.execute("SELECT count(*) FROM article_urls WHERE url LIKE 'seed:%' AND article_id IN "
                           "(SELECT article_id FROM article_urls WHERE url LIKE 'http%')").fetchone()[0]
    assert reprinted == 4  # seed 003 keeps its photo captions in the text dump, so it stays its own article


def test_reclean_repairs_rows_an_older_cleaner_wrote(archive_copy):
    db = sqlite3.connect(archive_copy)
    url = "https://jl.cri.cn/n/20200511/a2b4c6d8-1e3f-4a5b-9c7d-0e1f2a3b4c5d.html"
    good = db.execute("SELECT body, editor FROM articles WHERE url = ?", [url]).fetchone()
    db, output = reclean_after_older_cleaner(archive_copy, (
        "UPDATE articles SET body = body || '\n分享本页至手机', editor = NULL, cleaner_version = 'old' WHERE url = ?", [url]))
    assert "1 changed" in output
    assert db.execute("SELECT body, editor FROM articles WHERE url = ?", [url]).fetchone() == good
    assert db.execute("SELECT cleaner_version FROM articles WHERE url = ?", [url]).fetchone()[0] != "old"


OFFLINE = {"PYTHONPATH": str(Path(__file__).with_name("offline"))}  # its sitecustomize cuts the network


def test_the_offline_switch_cuts_the_network():
    with SampleServer() as server:
        host, port = server.httpd.server_address[:2]
        connect = f"import socket; socket.create_connection(({host!r}, {port}), timeout=5)"
        probe = [sys.executable, "-c", connect]
        assert subprocess.run(probe, capture_output=True).returncode == 0
        offline = subprocess.run(probe, capture_output=True, text=True, env={**os.environ, **OFFLINE})
    assert offline.returncode != 0 and "offline: no network" in offline.stderr


def test_reclean_needs_no_network(archive_copy):
    """The archive's raw pages are enough: run with every internet socket refused, in the
    command and in its worker processes, reclean still redoes every article."""
    db = sqlite3.connect(archive_copy)
    with db:
        db.execute("UPDATE articles SET title = 'x', cleaner_version = 'old'")
        db.execute(OLDER_CLEANER)
    output = run_cli("reclean", "--workers", "2", "--db", str(archive_copy), "--seeds", str(SEEDS), env=OFFLINE).stdout
    assert "33 changed" in output
    assert db.execute("SELECT count(*) FROM articles WHERE title = 'x'").fetchone()[0] == 0


def test_an_older_cleaner_version_with_the_same_output_is_not_rewritten(archive_copy):
    db, output = reclean_after_older_cleaner(archive_copy, ("UPDATE articles SET cleaner_version = 'old'", []))
    assert "0 changed" in output
    assert db.execute("SELECT count(*) FROM articles WHERE cleaner_version = 'old'").fetchone()[0] == 33


def test_search_index_follows_reclean(archive_copy):
    from crawler.search import fts_query
    from crawler.store.articles import ArchiveKeys, update_article
    from crawler.store.schema import open_archive

    db = open_archive(archive_copy)
    url = "https://jl.cri.cn/n/20200618/e5f6a7b8-2c3d-4e5f-8a9b-1c2d3e4f5a6b.html"
    article_id, title = db.execute("SELECT id, title FROM articles WHERE url = ?", [url]).fetchone()
    old_body = "旧版清洗留下的一句话。"
    with db.atomic():  # what an older cleaner might have stored
        update_article(db, article_id, {"title": title, "body": old_body, "cleaner_version": "old"},
                       ArchiveKeys.of(title, old_body))
        db.execute(OLDER_CLEANER)
    hits = "SELECT count(*) FROM articles_fts WHERE rowid = ? AND articles_fts MATCH ?"
    assert db.execute(hits, [article_id, fts_query("旧版清洗")]).fetchone()[0] == 1
    db.close()
    run_cli("reclean", "--db", str(archive_copy), "--seeds", str(SEEDS))
    db = sqlite3.connect(archive_copy)
    assert db.execute(hits, [article_id, fts_query("旧版清洗")]).fetchone()[0] == 0
    assert db.execute(hits, [article_id, fts_query("葡萄酒")]).fetchone()[0] == 1


@pytest.mark.parametrize("command", [["reclean", "--seeds", str(SEEDS), "--all"], ["dedupe", "--rebuild"]])
def test_a_running_crawl_locks_out_reclean_and_dedupe(archive_copy, command):
    """They would otherwise hold long write transactions a cron crawl's writes wait on."""
    before = snapshot(archive_copy)
    with open(f"{archive_copy}.lock", "w") as holder:
        fcntl.flock(holder, fcntl.LOCK_EX | fcntl.LOCK_NB)
        holder.write("4242 crawl")
        holder.flush()
        result = run_cli(*command, "--db", str(archive_copy), check=False)
    assert result.returncode == 75
    assert "another crawl (pid 4242) is writing to" in result.stderr
    assert snapshot(archive_copy) == before
    assert run_cli(*command, "--db", str(archive_copy)).returncode == 0  # the lock is free again


def test_an_unreadable_seed_is_reported_and_the_others_filed(archive_copy, tmp_path):
    """A seed that cannot be read (here a dangling link) gets an errors row and a NOT DONE
    summary with exit 1; the readable seeds are filed all the same."""
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    for path in sorted(SEEDS.glob("*"))[:2]:
        (seeds / path.name).write_bytes(path.read_bytes())
    (seeds / "003_gone.txt").symlink_to(tmp_path / "nowhere.txt")
    result = run_cli("reclean", "--db", str(archive_copy), "--seeds", str(seeds), check=False)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "NOT DONE" in result.stdout and "1 seed files or folders could not be read" in result.stdout
    db = sqlite3.connect(archive_copy)
    assert db.execute("SELECT count(*) FROM pages WHERE url LIKE 'seed:%'").fetchone()[0] == 2
    (error,) = db.execute("SELECT error FROM errors WHERE stage = 'seed'").fetchall()
    assert "003_gone.txt" in error[0]


def test_reclean_that_cannot_write_says_so_and_fails(archive_copy):
    """Every write refused (as on a full disk): not '0 failed' with exit 0, but a NOT DONE
    summary, exit 1, no traceback; a second run once writes work again finishes the job."""
    db = sqlite3.connect(archive_copy)
    db.execute("CREATE TRIGGER refuse BEFORE UPDATE ON articles BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END")
    db.execute(OLDER_CLEANER)
    db.commit()
    result = run_cli("reclean", "--db", str(archive_copy), "--seeds", str(SEEDS), check=False)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "results could not be written to the archive" in result.stdout
    assert "archive write failed: IntegrityError: database or disk is full" in result.stderr
    db.execute("DROP TRIGGER refuse")
    db.commit()
    assert run_cli("reclean", "--db", str(archive_copy), "--seeds", str(SEEDS)).returncode == 0


def test_a_changed_profile_recleans_only_its_own_sources_pages(archive_copy, tmp_path):
    """An operator's edit of jl_cri's profile (a copy in their own sources folder with one
    selector changed) re-cleans jl_cri's pages only, not the whole archive."""
    from crawler.clean.article import cleaner_version

    assert cleaner_version("jl_cri") != cleaner_version("cnjiwang") != cleaner_version(None)
    no_seeds = tmp_path / "no_seeds"
    no_seeds.mkdir()
    mine = tmp_path / "my_sources"
    mine.mkdir()
    (mine / "cri.toml").write_text(
        '[[source]]\nname = "jl_cri"\ntitle = "国际在线 · 吉林频道"\nsite = "jl.cri.cn"\nfamily = "cri"\n'
        'start_urls = ["https://jl.cri.cn/"]\ndelay = 1.0\n[source.selectors]\neditor = "#aeditor"\n', encoding="utf-8")
    db = sqlite3.connect(archive_copy)
    run_cli("reclean", "--db", str(archive_copy), "--seeds", str(no_seeds))  # everything current
    before = dict(db.execute("SELECT page_id, cleaned_at FROM cleaned_pages"))
    run_cli("reclean", "--db", str(archive_copy), "--seeds", str(no_seeds), "--sources", str(mine))
    after = dict(db.execute("SELECT page_id, cleaned_at FROM cleaned_pages"))
    sources = dict(db.execute("SELECT id, source FROM pages"))
    recleaned = {sources[page] for page, at in after.items() if before.get(page) != at}
    assert recleaned == {"jl_cri"}
