"""`newsarchive serve`: a real Datasette on the archive, queried over HTTP."""

from __future__ import annotations

import json
import sqlite3
import urllib.parse
import urllib.request

import pytest



@pytest.fixture(scope="module")
def site(served_archive):
    return served_archive


def get_json(base: str, path: str, **params):
    query = urllib.parse.urlencode({**params, "_shape": "objects"})
    with urllib.request.urlopen(f"{base}{path}?{query}", timeout=30) as response:
        return json.load(response)


def like_ids(db_path, text: str) -> set[int]:
    db = sqlite3.connect(db_path)
    rows = db.execute("SELECT id FROM articles WHERE title LIKE ? OR body LIKE ?", [f"%{text}%"] * 2).fetchall()
    return {row[0] for row in rows}


def search_ids(base: str, query: str, **extra) -> set[int]:
    data = get_json(base, "/news/articles.json", _search=query, _size="max", _col="id", **extra)
    return {row["id"] for row in data["rows"]}


@pytest.mark.parametrize("query, text", [
    ("项目", "项目"), ("長春", "长春"), ("开发区", "开发区"), ("開發區", "开发区"),
    ("营商环境", "营商环境"), ("營商環境", "营商环境"), ("葡萄酒", "葡萄酒"), ("2022年", "2022年"), ("5000万元", "5000万元"),
])
def test_search_box_finds_two_character_words_in_either_script(site, query, text):
    base, db_path = site
    expected = like_ids(db_path, text)
    assert expected and search_ids(base, query) == expected
    assert search_ids(base, query, _nocount="1") == expected  # the other plan for dense queries


def test_rare_and_dense_searches_list_newest_first(site):
    """A word in one article and a word in most go through different SQL (search_clause);
    both give LIKE's rows in the table's order."""
    base, db_path = site
    db = sqlite3.connect(db_path)
    total = db.execute("SELECT count(*) FROM articles").fetchone()[0]
    for text in ("葡萄酒", "发展"):
        for extra in ({}, {"_nocount": "1"}):
            data = get_json(base, "/news/articles.json", _search=text, _size="max", _col="date", **extra)
            assert {row["id"] for row in data["rows"]} == like_ids(db_path, text)
            dates = [row["date"] or "" for row in data["rows"]]
            assert dates == sorted(dates, reverse=True)
    assert len(like_ids(db_path, "葡萄酒")) < total / 20 <= len(like_ids(db_path, "发展"))


def test_canned_search_ranks_and_marks_hits(site):
    base, db_path = site
    data = get_json(base, "/news/search.json", q="開發區 长春")
    assert {row["id"] for row in data["rows"]} == like_ids(db_path, "开发区") & like_ids(db_path, "长春")
    assert all("⟦开发区⟧" in row["snippet"] or "⟦长春⟧" in row["snippet"] for row in data["rows"])
    with urllib.request.urlopen(f"{base}/news/search?q=%E8%91%A1%E8%90%84%E9%85%92", timeout=30) as response:
        assert "<mark>葡萄酒</mark>" in response.read().decode()


@pytest.mark.parametrize("query", ["latest", "articles_per_source_per_month", "failing_sources", "recent_errors"])
def test_canned_queries_run(site, query):
    base, _ = site
    assert "rows" in get_json(base, f"/news/{query}.json")


def test_robots_are_kept_out(site):
    base, _ = site
    with urllib.request.urlopen(f"{base}/robots.txt", timeout=30) as response:
        assert response.read().decode() == "User-agent: *\nDisallow: /\n"


def test_several_terms_mean_and(site):
    base, db_path = site
    assert search_ids(base, "长春 综保区") == like_ids(db_path, "长春") & like_ids(db_path, "综保区")


def test_metadata_titles_sort_and_facets(site):
    base, _ = site
    metadata = get_json(base, "/-/metadata.json")
    assert metadata["title"].startswith("newsarchive")
    table = get_json(base, "/news/articles.json", _size="5")
    assert "sorted by date descending" in table["human_description_en"]
    dates = [row["date"] for row in table["rows"]]
    assert dates == sorted(dates, reverse=True)
    assert {"source", "site", "month", "author"} <= set(table["facet_results"])


def test_article_row_page(site):
    base, db_path = site
    article_id = sqlite3.connect(db_path).execute("SELECT id FROM articles WHERE title = '吉林省冰雪旅游季正式启动'").fetchone()[0]
    with urllib.request.urlopen(f"{base}/news/articles/{article_id}", timeout=30) as response:
        html = response.read().decode()
    assert "<h1>吉林省冰雪旅游季正式启动</h1>" in html and "https://www.jl.gov.cn/yaowen/202311/t20231125_3079940.html" in html
    assert "<p>11月25日,吉林省冰雪旅游季启动仪式在长白山举行。" in html and "来源: 吉林日报" in html


def test_reprinted_article_page_lists_its_urls_and_sites(site):
    base, db_path = site
    article_id = sqlite3.connect(db_path).execute(
        "SELECT article_id FROM article_urls WHERE url = 'https://www.jl.gov.cn/yaowen/202304/t20230412_2991234.html'").fetchone()[0]
    with urllib.request.urlopen(f"{base}/news/articles/{article_id}", timeout=30) as response:
        html = response.read().decode()
    assert "http://jl.people.com.cn/BIG5/n2/2023/0412/c349771-40375012.html" in html
    assert "Reprinted on: jl.people.com.cn, www.jl.gov.cn" in html


def test_binds_loopback_only_by_default():
    from crawler.serve import datasette_args

    args = datasette_args("archive/news.db", "127.0.0.1", 8001)
    assert args[args.index("--host") + 1] == "127.0.0.1"
