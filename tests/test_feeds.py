"""Atom feeds (datasette-atom): the latest articles, one source's, a saved search's — valid
Atom by a feed parser, entries linking to article pages, discoverable from the pages."""

from __future__ import annotations

import re
import sqlite3
import urllib.parse
import urllib.request

import feedparser
import pytest

from conftest import served


def feed(base: str, path: str):
    with urllib.request.urlopen(base + path, timeout=30) as response:
        assert response.status == 200 and "xml" in response.headers["content-type"]
        parsed = feedparser.parse(response.read())
    assert not parsed.bozo, parsed.get("bozo_exception")
    return parsed


def article_ids(parsed) -> set[int]:
    return {int(re.fullmatch(r".*/news/articles/(\d+)", entry.link).group(1)) for entry in parsed.entries}


def test_the_latest_articles_feed(served_archive):
    base, db_path = served_archive
    parsed = feed(base, "/news/feed.atom")
    count = sqlite3.connect(db_path).execute("SELECT count(*) FROM articles").fetchone()[0]
    assert parsed.feed.title == "newsarchive · 最新文章" and len(parsed.entries) == min(50, count)
    some = next(iter(article_ids(parsed)))
    with urllib.request.urlopen(f"{base}/news/articles/{some}", timeout=30) as response:
        assert response.status == 200


def test_a_sources_feed_and_a_saved_searchs_feed(served_archive):
    base, db_path = served_archive
    db = sqlite3.connect(db_path)
    mine = {row[0] for row in db.execute("SELECT id FROM articles WHERE source = 'jl_cri'")}
    assert mine and article_ids(feed(base, "/news/feed_source.atom?source=jl_cri")) == mine
    matching = {row[0] for row in db.execute("SELECT id FROM articles WHERE title LIKE '%开发区%' OR body LIKE '%开发区%'")}
    assert matching and article_ids(feed(base, "/news/feed_search.atom?" + urllib.parse.urlencode({"q": "開發區"}))) == matching


@pytest.mark.parametrize("path", ["/news/feed_source.atom?source=no_such_source", "/news/feed_search.atom?q=%E6%B2%A1%E6%9C%89%E8%BF%99%E4%B8%AA%E8%AF%8D%E5%91%80",
                                  "/news/feed_search.atom?q=-"])
def test_a_feed_without_articles_is_still_a_feed(served_archive, path):
    base, _db = served_archive
    parsed = feed(base, path)
    assert [entry.title for entry in parsed.entries] == ["尚无文章"]


@pytest.mark.parametrize("page", ["/news/articles", "/news/articles?source=jl_cri", "/news/search?q=%E9%95%BF%E6%98%A5",
                                  "/news/articles/1"])
def test_pages_announce_their_feeds(served_archive, page):
    base, _db = served_archive
    with urllib.request.urlopen(base + page, timeout=30) as response:
        html = response.read().decode()
    links = re.findall(r'<link rel="alternate" type="application/atom\+xml"[^>]*href="([^"]+)"', html)
    assert "/news/feed.atom" in links
    if "source=" in page:
        assert "/news/feed_source.atom?source=jl_cri" in links
    if "search" in page:
        assert any(link.startswith("/news/feed_search.atom?q=") for link in links)
    for link in links:
        feed(base, link.replace("&amp;", "&"))


def test_feeds_are_served_by_a_public_server(crawled, tmp_path):
    import shutil

    db_path = tmp_path / "news.db"
    shutil.copy(crawled, db_path)
    with served(db_path, "--public") as base:
        assert feed(base, "/news/feed.atom").entries
