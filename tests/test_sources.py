"""Source profiles: valid, each replicated by the sample sites, bad ones rejected clearly."""

from __future__ import annotations

from datetime import datetime
from urllib.parse import urlsplit

import pytest

from conftest import run_cli
from crawler.fetch.discovery import pager_urls, start_url
from crawler.fetch.run import replicated_sources
from crawler.sample.site import SampleSite
from crawler.sources import BUILT_IN, ProfileError, load_sources, parse_profile

GOOD = {"name": "x_news", "title": "X", "site": "x.gov.cn", "family": "trs",
        "start_urls": ["https://x.gov.cn/news/index.html"], "article_pattern": r"/t\d{8}_\d+\.html$"}


def test_profiles_load_and_are_unique():
    sources = load_sources()
    assert {"jl_gov_yaowen", "jl_people", "jl_cri", "jilin_china", "cc_epaper"} <= set(sources)


@pytest.mark.parametrize("name", sorted(load_sources([BUILT_IN])))
def test_every_built_in_profile_has_a_replica_whose_start_page_lists_articles(name):
    source = load_sources([BUILT_IN])[name]
    site = SampleSite()
    url = start_url(source.start_urls[0])
    page = site.page(urlsplit(url).hostname, urlsplit(url).path)
    assert page is not None and page.status == 200, url
    assert any(source.is_article(f"{urlsplit(url).scheme}://{key}") for key in site.pages if key.startswith(source.site))


@pytest.mark.parametrize("change, message", [
    ({"article_pattern": None, "family": "generic"},
     "missing required key(s): article_pattern (the family 'generic' supplies none)"),
    ({"family": "wordpress"}, "[x_news]: unknown family 'wordpress'; known: trs, ucap, people, cri, epaper, generic"),
    ({"selectors": "div.body"}, "'selectors' must be a table"),
    ({"article_pattern": "(unclosed"}, "[x_news]: 'article_pattern' is not a valid regular expression"),
    ({"colour": "red"}, "[x_news]: unknown key(s): colour"),
    ({"selectors": {"headline": "h1"}}, "unknown selector(s): headline"),
    ({"start_urls": "https://x.gov.cn/"}, "'start_urls' must be a list of http(s) URLs"),
    ({"delay": 0.1}, "'delay' must be at least 2.0 s on a government host"),
    ({"max_pages": "3"}, "'max_pages' must be a whole number, not '3'"),
    ({"enabled": "false"}, "'enabled' must be true or false, not 'false'"),
    ({"charset": "gbkk"}, "unknown charset 'gbkk'"),
    ({"site": "y.gov.cn"}, "the start URLs (x.gov.cn) are not on the site 'y.gov.cn'"),
    ({"max_pages": 0}, "'max_pages' must be at least 1"),
])
def test_bad_profiles_name_the_source_and_key(change, message):
    entry = {key: value for key, value in {**GOOD, **change}.items() if value is not None}
    with pytest.raises(ProfileError, match=None) as error:
        parse_profile(entry, "test.toml source #1")
    assert message in str(error.value)


def test_create_page_html_pager():
    html = '<script>createPageHTML(3, 0, "index", "html");</script>'
    assert pager_urls(html) == ["index.html", "index_1.html", "index_2.html"]
    assert pager_urls("createPageHTML(1,0,\"t20190918_693227\",\"shtml\")") == ["t20190918_693227.shtml"]
    assert pager_urls("<p>no pager</p>") == []


def test_date_addressed_start_url():
    template = "http://epaper.changchunews.com/ccrb/pc/paper/layout/{date:%Y%m/%d}/node_01.html"
    assert start_url(template, datetime(2022, 2, 15)).endswith("/layout/202202/15/node_01.html")


def test_a_family_preset_fills_in_what_the_profile_leaves_out():
    """A TRS column needs its list page only: the preset's URL patterns are anchored on the
    start URL's folder; a selector the profile names replaces the preset's, the others stay."""
    bare = {key: GOOD[key] for key in ("name", "title", "site", "family", "start_urls")}
    source = parse_profile({**bare, "selectors": {"title": "#dbt"}}, "test.toml source #1")
    assert source.is_article("https://x.gov.cn/news/202401/t20240105_123.html")
    assert not source.is_article("https://x.gov.cn/other/202401/t20240105_123.html")
    assert source.is_list("http://x.gov.cn/news/index_2.html") and not source.is_list("https://x.gov.cn/index_2.html")
    assert source.selectors == {"body": ["div.TRS_Editor", "#zoom"], "title": "#dbt"}
    people = parse_profile({**bare, "family": "people", "site": "x.people.com.cn",
                            "start_urls": ["http://x.people.com.cn/GB/1234/index.html"]}, "test.toml source #1")
    assert people.charset == "gb18030" and people.is_article("http://x.people.com.cn/BIG5/n2/2024/0105/c1234-5678.html")
    assert parse_profile({**GOOD, "charset": "utf-8", "family": "people"}, "t").charset == "utf-8"


def _user_folder(tmp_path, text: str):
    folder = tmp_path / "my_sources"
    folder.mkdir()
    (folder / "mine.toml").write_text(text, encoding="utf-8")
    return folder


USER_PROFILE = """[[source]]
name = "yanbian_gov"
title = "延边州人民政府 · 要闻"
site = "www.yanbian.gov.cn"
family = "trs"
start_urls = ["http://www.yanbian.gov.cn/xw/ybyw/index.html"]
"""


def test_an_operators_profile_folder_is_read_beside_the_built_in_ones(tmp_path):
    folder = _user_folder(tmp_path, USER_PROFILE)
    by_option = run_cli("sources", "--db", str(tmp_path / "news.db"), "--sources", str(folder)).stdout
    by_env = run_cli("sources", "--db", str(tmp_path / "news.db"), env={"NEWSARCHIVE_SOURCES": str(folder)}).stdout
    assert "yanbian_gov" in by_option and "jl_cri" in by_option and by_env == by_option


def test_a_bad_profile_in_the_operators_folder_is_a_usage_error_naming_file_source_and_key(tmp_path):
    folder = _user_folder(tmp_path, USER_PROFILE.replace('family = "trs"', 'family = "trs"\ndelay = 0.5'))
    result = run_cli("crawl", "--db", str(tmp_path / "news.db"), "--sources", str(folder), check=False)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert f"{folder / 'mine.toml'} source #1 [yanbian_gov]: 'delay' must be at least 2.0 s" in result.stderr


def test_a_sample_crawl_leaves_out_profiles_without_a_replica(tmp_path, monkeypatch):
    """An operator's own profiles have no replica: `crawl --sample` (and `make test`) crawl the
    replicated sources only."""
    monkeypatch.setenv("NEWSARCHIVE_SOURCES", str(_user_folder(tmp_path, USER_PROFILE)))
    assert "yanbian_gov" in load_sources()
    assert set(replicated_sources(SampleSite())) == set(load_sources([BUILT_IN]))
