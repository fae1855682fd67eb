"""`newsarchive serve`: a real Datasette on the archive, queried over HTTP."""

from __future__ import annotations

import json
import shutil
import socket
import sqlite3
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from conftest import served


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


def test_latest_lists_the_newest_articles(site):
    base, db_path = site
    rows = get_json(base, "/news/latest.json")["rows"]
    newest = sqlite3.connect(db_path).execute("SELECT id, date FROM articles ORDER BY date DESC LIMIT 100").fetchall()
    assert [(row["id"], row["date"]) for row in rows] == newest and len(rows) > 30


def test_articles_per_source_per_month_count_every_article(site):
    base, db_path = site
    rows = get_json(base, "/news/articles_per_source_per_month.json")["rows"]
    db = sqlite3.connect(db_path)
    assert sum(row["articles"] for row in rows) == db.execute("SELECT count(*) FROM articles").fetchone()[0]
    per_source = {(row["source"], row["month"]): row["articles"] for row in rows}
    assert per_source[("jl_cri", "2020-06")] == db.execute(
        "SELECT count(*) FROM articles WHERE source = 'jl_cri' AND date LIKE '2020-06%'").fetchone()[0] > 0


def test_recent_errors_are_the_archives_errors(site):
    base, db_path = site
    rows = get_json(base, "/news/recent_errors.json")["rows"]
    recorded = sqlite3.connect(db_path).execute("SELECT url, stage, error FROM errors").fetchall()
    assert len(recorded) >= 3 and sorted((row["url"], row["stage"], row["error"]) for row in rows) == sorted(recorded)


def test_failing_sources_names_the_source_and_why(crawled, tmp_path):
    """A run in which a template change left a source's list pages without article links."""
    db_path = tmp_path / "news.db"
    shutil.copy(crawled, db_path)
    db = sqlite3.connect(db_path)
    (sources,) = db.execute("SELECT sources FROM crawl_runs ORDER BY id DESC LIMIT 1").fetchone()
    per_source = json.loads(sources)
    per_source["cnjiwang"].update(status="failing", reasons=["list pages hold no article links"])
    with db:
        db.execute("INSERT INTO crawl_runs (started, finished, sources, status, exit_code) VALUES (?, ?, ?, ?, ?)",
                   ["2026-12-01T03:00:00+08:00", "2026-12-01T03:01:00+08:00", json.dumps(per_source), "failing", 1])
    with served(db_path) as base:
        rows = get_json(base, "/news/failing_sources.json")["rows"]
    assert [(row["source"], json.loads(row["reasons"])) for row in rows] == [
        ("cnjiwang", ["list pages hold no article links"])]


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
    assert '<p class="byline">发布时间: 2023年11月25日 19:10 · 来源: 吉林日报' in html


def test_a_seed_article_names_its_file_and_has_no_dead_link(site):
    base, db_path = site
    article_id, url = sqlite3.connect(db_path).execute(
        "SELECT id, url FROM articles WHERE url LIKE 'seed:%' ORDER BY id LIMIT 1").fetchone()
    with urllib.request.urlopen(f"{base}/news/articles/{article_id}", timeout=30) as response:
        html = response.read().decode()
    assert f"原文: 种子文件 {url.removeprefix('seed:')}" in html and 'href="seed:' not in html
    assert '<p class="byline"> ·' not in html and '<p class="byline">·' not in html


def test_internal_tables_are_hidden_and_closed_to_the_public(crawled, tmp_path):
    db_path = tmp_path / "news.db"
    shutil.copy(crawled, db_path)
    internal = ["article_bands", "article_signatures", "cleaned_pages", "archive_meta", "frontier", "list_pages"]
    with served(db_path) as base:
        listed = {table["name"] for table in get_json(base, "/news.json")["tables"] if not table["hidden"]}
        assert not set(internal) & listed and {"articles", "crawl_runs", "errors"} <= listed
        assert all(urllib.request.urlopen(f"{base}/news/{name}.json").status == 200 for name in internal)
    with served(db_path, "--public") as base:
        for name in internal:
            with pytest.raises(urllib.error.HTTPError) as refused:
                urllib.request.urlopen(f"{base}/news/{name}.json")
            assert refused.value.code == 403


def test_reprinted_article_page_lists_its_urls_and_sites(site):
    base, db_path = site
    article_id = sqlite3.connect(db_path).execute(
        "SELECT article_id FROM article_urls WHERE url = 'https://www.jl.gov.cn/yaowen/202304/t20230412_2991234.html'").fetchone()[0]
    with urllib.request.urlopen(f"{base}/news/articles/{article_id}", timeout=30) as response:
        html = response.read().decode()
    assert "http://jl.people.com.cn/BIG5/n2/2023/0412/c349771-40375012.html" in html
    assert "转载于: jl.people.com.cn, www.jl.gov.cn" in html


def listening_addresses(port: int) -> set[str]:
    """The local addresses with a socket listening on `port` (the kernel's own tables)."""
    found = set()
    for table, size in (("/proc/net/tcp", 8), ("/proc/net/tcp6", 32)):
        for line in Path(table).read_text().splitlines()[1:]:
            local, state = line.split()[1], line.split()[3]
            address, _, hex_port = local.partition(":")
            if state == "0A" and int(hex_port, 16) == port:  # 0A: LISTEN
                packed = bytes.fromhex(address)
                words = b"".join(packed[i:i + 4][::-1] for i in range(0, len(packed), 4))  # little-endian words
                found.add(socket.inet_ntop(socket.AF_INET if size == 8 else socket.AF_INET6, words))
    return found


def test_binds_loopback_only_by_default(crawled, tmp_path):
    """`newsarchive serve` with no --host: reachable on 127.0.0.1, listening nowhere else."""
    db_path = tmp_path / "news.db"
    shutil.copy(crawled, db_path)
    with served(db_path) as base:
        port = int(base.rsplit(":", 1)[1])
        assert listening_addresses(port) == {"127.0.0.1"}


def test_an_archive_file_of_any_name_is_served_as_news(crawled, tmp_path):
    """`serve --db /srv/jilin-2026.db`: the archive keeps its routes, canned queries, facets and
    article page (all named `news`)."""
    db_path = tmp_path / "jilin-2026.db"
    shutil.copy(crawled, db_path)
    with served(db_path) as base:
        assert get_json(base, "/news/latest.json")["rows"]
        assert "source" in get_json(base, "/news/articles.json", _size="1")["facet_results"]
        with urllib.request.urlopen(f"{base}/news/articles/1", timeout=30) as response:
            assert "article_urls" not in response.url and response.status == 200
        with pytest.raises(urllib.error.HTTPError):
            urllib.request.urlopen(f"{base}/jilin-2026/articles.json", timeout=30)


def test_a_runs_per_source_counts_show_as_a_small_table(site):
    base, db_path = site
    (sources,) = sqlite3.connect(db_path).execute("SELECT sources FROM crawl_runs ORDER BY id LIMIT 1").fetchone()
    with urllib.request.urlopen(f"{base}/news/crawl_runs", timeout=30) as response:
        html = response.read().decode()
    assert '<table class="run-sources"><tr><th>来源</th><th>状态</th><th>新</th>' in html
    assert all(f"<td>{name}</td><td>{counts['status']}</td><td>{counts['new']}</td>" in html
               for name, counts in json.loads(sources).items())
    assert '{"jl_gov_yaowen"' not in html
