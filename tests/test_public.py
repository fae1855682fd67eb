"""`newsarchive serve --public`: read-only, no arbitrary SQL; archived markup stays text."""

from __future__ import annotations

import urllib.error
import urllib.request

import pytest

from conftest import served
from crawler.flow import archive_fetched, prepare
from crawler.items import RawPage
from crawler.store.schema import open_archive

HOSTILE = ("<html><head><title>x</title></head><body><h1>吉林新闻<script>alert('t')</script></h1>"
           "<div class='TRS_Editor'><p>正文第一段,内容足够长,用来检验页面是否把脚本当成文字显示。</p>"
           "<p>&lt;script&gt;alert('b')&lt;/script&gt;第二段也有足够的文字内容。</p></div></body></html>")


@pytest.fixture(scope="module")
def public_site(tmp_path_factory):
    db_path = tmp_path_factory.mktemp("public") / "news.db"
    db = open_archive(db_path)
    page = RawPage(HOSTILE.encode(), "https://www.jl.gov.cn/yaowen/202301/t20230101_1.html", "jl_gov_yaowen",
                   headers={"content-type": "text/html; charset=utf-8"})
    archive_fetched(db, page, prepare(page))
    db.close()
    with served(db_path, "--public", "--host", "127.0.0.1") as base:
        yield base


def test_arbitrary_sql_is_refused(public_site):
    with pytest.raises(urllib.error.HTTPError) as error:
        urllib.request.urlopen(public_site + "/news.json?sql=select+1", timeout=10)
    assert error.value.code == 403


def test_canned_queries_still_work(public_site):
    with urllib.request.urlopen(public_site + "/news/latest.json", timeout=10) as response:
        assert response.status == 200


def test_database_is_immutable(public_site):
    import json

    with urllib.request.urlopen(public_site + "/-/databases.json", timeout=10) as response:
        databases = json.load(response)
    assert databases[0]["is_mutable"] is False


def test_archived_markup_renders_as_text(public_site):
    with urllib.request.urlopen(public_site + "/news/articles/1", timeout=10) as response:
        html = response.read().decode()
    assert "<script>alert" not in html
    assert "&lt;script&gt;alert(&#39;b&#39;)&lt;/script&gt;" in html or "&lt;script&gt;alert('b')" in html
