"""`newsarchive serve`: a real Datasette on the archive, queried over HTTP."""

from __future__ import annotations

import json
import shutil
import sqlite3
import subprocess
import time
import urllib.parse
import urllib.request

import pytest

from conftest import NEWSARCHIVE, ROOT, SEEDS, free_port, run_cli


@pytest.fixture(scope="module")
def site(crawled, tmp_path_factory):
    db_path = tmp_path_factory.mktemp("serve") / "news.db"
    shutil.copy(crawled, db_path)
    run_cli("reclean", "--db", str(db_path), "--seeds", str(SEEDS))
    port = free_port()
    server = subprocess.Popen([str(NEWSARCHIVE), "serve", "--db", str(db_path), "--port", str(port)], cwd=ROOT,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            urllib.request.urlopen(base + "/-/versions.json", timeout=1)
            break
        except OSError:
            time.sleep(0.2)
    else:
        server.kill()
        raise AssertionError(server.stdout.read().decode())
    yield base, db_path
    server.terminate()
    server.wait(timeout=10)


def get_json(base: str, path: str, **params):
    query = urllib.parse.urlencode({**params, "_shape": "objects"})
    with urllib.request.urlopen(f"{base}{path}?{query}", timeout=30) as response:
        return json.load(response)


def like_ids(db_path, text: str) -> set[int]:
    db = sqlite3.connect(db_path)
    rows = db.execute("SELECT id FROM articles WHERE title LIKE ? OR body LIKE ?", [f"%{text}%"] * 2).fetchall()
    return {row[0] for row in rows}


def search_ids(base: str, query: str) -> set[int]:
    data = get_json(base, "/news/articles.json", _search=query, _size="max", _col="id")
    return {row["id"] for row in data["rows"]}


@pytest.mark.parametrize("query, text", [("项目", "项目"), ("開發區", "开发区"), ("葡萄酒", "葡萄酒"), ("长春", "长春")])
def test_search_box_finds_two_character_words_in_either_script(site, query, text):
    base, db_path = site
    expected = like_ids(db_path, text)
    assert expected and search_ids(base, query) == expected


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
    assert {"source", "site", "date"} <= set(table["facet_results"])


def test_article_row_page(site):
    base, db_path = site
    article_id = sqlite3.connect(db_path).execute("SELECT id FROM articles WHERE title = '吉林省冰雪旅游季正式启动'").fetchone()[0]
    with urllib.request.urlopen(f"{base}/news/articles/{article_id}", timeout=30) as response:
        html = response.read().decode()
    assert "吉林省冰雪旅游季正式启动" in html and "https://www.jl.gov.cn/yaowen/202311/t20231125_3079940.html" in html


def test_binds_loopback_only_by_default():
    from crawler.publish import datasette_args

    args = datasette_args("archive/news.db", "127.0.0.1", 8001)
    assert args[args.index("--host") + 1] == "127.0.0.1"
