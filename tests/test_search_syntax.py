"""The search box's language: words, OR, -word and "quoted phrases", in either script, giving
exactly what a LIKE scan gives; odd queries get an empty answer, never an error."""

from __future__ import annotations

import json
import re
import sqlite3
import urllib.parse
import urllib.request

import pytest

from crawler.clean.normalize import to_simplified
from crawler.search.query import fts_query, parse_query


@pytest.mark.parametrize("query, groups, excluded", [
    ("长春 项目", [["长春"], ["项目"]], []),
    ("長春 OR 吉林 项目", [["长春", "吉林"], ["项目"]], []),
    ('"冰雪 旅游" -长春', [["冰雪旅游"]], ["长春"]),
    ('-"长春 市"', [], ["长春市"]),
    ("OR 吉林 OR", [["吉林"]], []),
    ('"未闭合的引号', [["未闭合的引号"]], []),
    ("- -- 。", [], []),
])
def test_queries_are_read_as_a_search_box_user_writes_them(query, groups, excluded):
    parsed = parse_query(query)
    assert (parsed.groups, parsed.excluded) == (groups, excluded)


def test_the_match_expression_nests_or_inside_and_and_subtracts_exclusions():
    assert fts_query("長春 OR 吉林 项目 -开发区") == '(("长春" OR "吉林") AND "项目") NOT "开发 发区"'
    assert fts_query("-吉林") == '""'


QUERIES = ["长春 OR 吉林", "長春 OR 開發區", '"冰雪 旅游"', "吉林 -长春", "项目 OR 旅游 -吉林", "建设 OR 长春市"]


def like_scan(db_path, query: str) -> set[int]:
    """What the query means, by brute force: every group has a term in the title or body,
    no excluded term is in them."""
    parsed = parse_query(query)
    rows = sqlite3.connect(db_path).execute("SELECT id, coalesce(title, '') || ' ' || coalesce(body, '') FROM articles")
    found = set()
    for article_id, text in rows:
        text = to_simplified(text)
        if all(any(term in text for term in group) for group in parsed.groups) and parsed.groups \
                and not any(term in text for term in parsed.excluded):
            found.add(article_id)
    return found


@pytest.mark.parametrize("query", QUERIES)
def test_search_gives_what_a_like_scan_gives(served_archive, query):
    base, db_path = served_archive
    url = f"{base}/news/search.json?_shape=array&q={urllib.parse.quote(query)}"
    with urllib.request.urlopen(url) as response:
        hits = {row["id"] for row in json.load(response)}
    expected = like_scan(db_path, query)
    assert hits == expected and (expected or query == "吉林 -长春")


@pytest.mark.parametrize("query", ["-吉林", '"', "OR", "- - -", "(", "AND NOT", '"长春" NEAR(吉林)'])
def test_odd_queries_answer_empty_not_an_error(served_archive, query):
    base, _db = served_archive
    url = f"{base}/news/search.json?_shape=array&q={urllib.parse.quote(query)}"
    with urllib.request.urlopen(url) as response:
        assert response.status == 200 and isinstance(json.load(response), list)


def _page(base: str, **params) -> str:
    with urllib.request.urlopen(f"{base}/news/search?{urllib.parse.urlencode(params)}", timeout=30) as response:
        assert response.status == 200
        return response.read().decode()


def test_the_search_page_shows_results_not_sql(served_archive):
    base, db_path = served_archive
    html = _page(base, q="長春 OR 吉林")
    expected = like_scan(db_path, "長春 OR 吉林")
    assert "<title>“長春 OR 吉林” 的搜索结果" in html and "select" not in html.lower().replace("<select", "")
    assert f"共 {len(expected)} 篇" in html and "<mark>长春</mark>" in html
    shown = {int(found) for found in re.findall(r'href="/news/articles/(\d+)"', html)}
    assert len(shown) == min(20, len(expected)) and shown <= expected


def test_the_search_page_pages_and_narrows_by_facet(served_archive):
    base, db_path = served_archive
    wide = "发展 OR 长春 OR 企业 OR 建设"
    everything = like_scan(db_path, wide)
    first, second = _page(base, q=wide), _page(base, q=wide, page=2)
    on_pages = [set(map(int, re.findall(r'href="/news/articles/(\d+)"', html))) for html in (first, second)]
    assert len(everything) > 20 and on_pages[0] | on_pages[1] == everything and not on_pages[0] & on_pages[1]
    site = sqlite3.connect(db_path).execute("SELECT site FROM articles WHERE site IS NOT NULL LIMIT 1").fetchone()[0]
    narrowed = _page(base, q=wide, site=site)
    in_site = {a for (a,) in sqlite3.connect(db_path).execute("SELECT id FROM articles WHERE site = ?", [site])}
    assert f"共 {len(everything & in_site)} 篇" in narrowed


@pytest.mark.parametrize("query", ["", "-吉林", '"', "OR"])
def test_an_empty_or_odd_search_gets_help(served_archive, query):
    base, _db = served_archive
    html = _page(base, q=query)
    assert "搜索标题和正文" in html and "Traceback" not in html


@pytest.mark.parametrize("traditional, simplified", [("開發區 OR 長春", "开发区 OR 长春"), ('"冰雪 旅遊"', '"冰雪 旅游"')])
def test_a_traditional_query_finds_what_its_simplified_form_finds(served_archive, traditional, simplified):
    base, _db = served_archive
    found = [set(re.findall(r'href="/news/articles/(\d+)"', _page(base, q=query))) for query in (traditional, simplified)]
    assert found[0] == found[1] and found[0]
