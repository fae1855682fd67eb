"""The dashboard (datasette-dashboards): articles per month per source and crawl health per
run, served alike by `serve` and `serve --public`, where a chart's SQL runs only as the
canned query it is."""

from __future__ import annotations

import json
import shutil
import urllib.error
import urllib.parse
import urllib.request

import pytest
import yaml

from conftest import served
from crawler.publish.serve import METADATA

CHARTS = yaml.safe_load(METADATA.read_text(encoding="utf-8"))["plugins"]["datasette-dashboards"]["archive"]["charts"]


def chart_rows(base: str, sql: str) -> list[dict]:
    query = urllib.parse.urlencode({"sql": sql, "_shape": "objects"})
    with urllib.request.urlopen(f"{base}/news.json?{query}", timeout=30) as response:
        return json.load(response)["rows"]


@pytest.fixture(scope="module", params=[(), ("--public",)], ids=["local", "public"])
def server(request, crawled, tmp_path_factory):
    db_path = tmp_path_factory.mktemp("dashboard") / "news.db"
    shutil.copy(crawled, db_path)
    with served(db_path, *request.param) as base:
        yield base, request.param


def test_the_dashboard_page_is_served(server):
    base, _options = server
    with urllib.request.urlopen(f"{base}/-/dashboards/archive", timeout=30) as response:
        html = response.read().decode()
    assert "档案概览" in html and all(f"card-{slug}" in html for slug in CHARTS)


def test_each_chart_gets_its_data(server):
    base, _options = server
    per_month = chart_rows(base, CHARTS["per-month"]["query"])
    assert per_month and {"month", "source", "articles"} <= set(per_month[0])
    health = chart_rows(base, CHARTS["run-health"]["query"])
    assert {row["kind"] for row in health} == {"新文章", "错误"}
    assert chart_rows(base, CHARTS["failing"]["query"])[0]["failing"] == 0


def test_a_public_server_runs_no_other_sql(server):
    base, options = server
    if not options:
        pytest.skip("a local server runs any SQL")
    with pytest.raises(urllib.error.HTTPError) as refused:
        chart_rows(base, "select body from articles")
    assert refused.value.code in (400, 403)
