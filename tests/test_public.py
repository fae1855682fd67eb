"""`newsarchive serve --public`: read-only, no arbitrary SQL; archived markup stays text."""

from __future__ import annotations

import http.client
import json
import urllib.error
import urllib.request
from urllib.parse import quote

import pytest

from conftest import served
from crawler.flow import archive_fetched, prepare
from crawler.items import RawPage
from crawler.search.query import MAX_TERMS, fts_query
from crawler.store.schema import open_archive

HOSTILE = ("<html><head><title>x</title></head><body><h1>吉林新闻<script>alert('t')</script></h1>"
           "<div class='TRS_Editor'><p>正文第一段,内容足够长,用来检验页面是否把脚本当成文字显示。</p>"
           "<p>&lt;script&gt;alert('b')&lt;/script&gt;第二段也有足够的文字内容。</p></div></body></html>")


def _file(db_path, html: str, url: str) -> None:
    db = open_archive(db_path)
    page = RawPage(html.encode(), url, "jl_gov_yaowen", headers={"content-type": "text/html; charset=utf-8"})
    archive_fetched(db, page, prepare(page))
    db.close()


@pytest.fixture(scope="module")
def public_site(tmp_path_factory):
    db_path = tmp_path_factory.mktemp("public") / "news.db"
    _file(db_path, HOSTILE, "https://www.jl.gov.cn/yaowen/202301/t20230101_1.html")
    with served(db_path, "--public", "--host", "127.0.0.1") as base:
        yield base


def _get(base: str, path: str) -> tuple[int, dict, bytes]:
    """A raw GET (the path as given, '//host/…' included), no redirects followed."""
    connection = http.client.HTTPConnection(base.removeprefix("http://"), timeout=30)
    connection.request("GET", path)
    response = connection.getresponse()
    return response.status, dict(response.getheaders()), response.read()


def test_arbitrary_sql_is_refused(public_site):
    with pytest.raises(urllib.error.HTTPError) as error:
        urllib.request.urlopen(public_site + "/news.json?sql=select+1", timeout=10)
    assert error.value.code == 403


def test_canned_queries_still_work(public_site):
    with urllib.request.urlopen(public_site + "/news/latest.json", timeout=10) as response:
        assert response.status == 200


def test_a_public_server_serves_what_later_crawls_write(tmp_path):
    """A server started between two cron crawls shows the second crawl's articles, and
    neither stale rows nor 'database disk image is malformed' (it never opens the file
    immutable)."""
    db_path = tmp_path / "news.db"
    _file(db_path, HOSTILE, "https://www.jl.gov.cn/yaowen/202301/t20230101_1.html")
    with served(db_path, "--public", "--host", "127.0.0.1") as base:
        assert len(json.loads(_get(base, "/news/articles.json?_shape=array")[2])) == 1
        later = HOSTILE.replace("正文第一段", "第二次抓取的新文章正文")
        _file(db_path, later, "https://www.jl.gov.cn/yaowen/202301/t20230102_2.html")
        status, _, body = _get(base, "/news/articles.json?_shape=array")
        assert status == 200 and len(json.loads(body)) == 2
        assert _get(base, "/news/articles/2")[0] == 200


def test_no_redirect_leaves_the_site(public_site):
    status, headers, _ = _get(public_site, "/news/articles?_search=" + quote("长春"))
    assert (status, headers["location"]) == (302, "/news/search?q=" + quote("长春"))
    status, headers, _ = _get(public_site, "//evil.example/articles?_search=x")
    assert status != 302 and "location" not in headers


def test_introspection_pages_are_closed(public_site):
    assert _get(public_site, "/-/databases.json")[0] == 404  # it names the archive's file path
    assert _get(public_site, "/-/settings.json")[0] == 404
    assert _get(public_site, "/-/static/app.css")[0] == 200


def test_a_hostile_search_is_bounded(public_site):
    """Nine thousand repeats of a word are one term; a hundred words are twelve."""
    assert _get(public_site, "/news/search.json?q=" + quote("长 " * 9000))[0] == 200
    many = " ".join(f"词{n}" for n in range(100))
    assert fts_query(many).count(" AND ") == MAX_TERMS - 1


def test_whole_tables_are_not_streamed_as_csv(public_site):
    """`_stream=on` would send every row past the 500-row cap."""
    status, _, body = _get(public_site, "/news/articles.csv?_stream=on")
    assert status == 400 and b"CSV streaming is disabled" in body


def test_archived_markup_renders_as_text(public_site):
    with urllib.request.urlopen(public_site + "/news/articles/1", timeout=10) as response:
        html = response.read().decode()
    assert "<script>alert" not in html
    assert "&lt;script&gt;alert(&#39;b&#39;)&lt;/script&gt;" in html or "&lt;script&gt;alert('b')" in html
