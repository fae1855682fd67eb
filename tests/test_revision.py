"""A page that changes at the same URL keeps its old body as a revision."""

from __future__ import annotations

import sqlite3

from conftest import run_cli
from crawler.sample.server import SampleServer
from crawler.sample.site import SampleSite

WINE = "jl.cri.cn/n/20200618/e5f6a7b8-2c3d-4e5f-8a9b-1c2d3e4f5a6b.html"


def test_changed_page_becomes_a_revision(tmp_path):
    db_path = tmp_path / "news.db"
    with SampleServer() as server:
        run_cli("crawl", "jl_cri", "--proxy", server.url, "--db", str(db_path))
    edited = SampleSite(edits={WINE: ("年产值超过30亿元", "年产值超过35亿元")})
    with SampleServer(edited) as server:
        result = run_cli("crawl", "jl_cri", "--refresh", "--proxy", server.url, "--db", str(db_path))
    assert "1 revisions" in result.stdout
    db = sqlite3.connect(db_path)
    article_id, body = db.execute("SELECT id, body FROM articles WHERE url = ?", ["https://" + WINE]).fetchone()
    assert "35亿元" in body
    (old_body,) = db.execute("SELECT body FROM revisions WHERE article_id = ?", [article_id]).fetchone()
    assert "30亿元" in old_body
    assert db.execute("SELECT count(*) FROM articles").fetchone()[0] == 5
    indexed = "SELECT count(*) FROM articles_fts WHERE rowid = ? AND articles_fts MATCH ?"
    assert db.execute(indexed, [article_id, '"35"']).fetchone()[0] == 1  # the search index follows the revision
    assert db.execute(indexed, [article_id, '"30"']).fetchone()[0] == 0


def test_oversize_page_is_recorded_and_the_crawl_goes_on(tmp_path):
    db_path = tmp_path / "news.db"
    bloated = SampleSite(edits={WINE: ("</body>", "<!-- " + "填充" * 200_000 + " --></body>")})
    with SampleServer(bloated) as server:
        result = run_cli("crawl", "jl_cri", "--proxy", server.url, "--db", str(db_path),
                         env={"NEWSARCHIVE_MAX_PAGE_BYTES": "500000"})
    assert "4 new articles" in result.stdout
    db = sqlite3.connect(db_path)
    (error,) = db.execute("SELECT error FROM errors WHERE url = ?", ["https://" + WINE]).fetchone()
    assert "larger than download max size (500000)" in error
