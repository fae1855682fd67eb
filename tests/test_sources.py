"""Source profiles: valid, each replicated by the sample sites, bad ones rejected clearly."""

from __future__ import annotations

from datetime import datetime
from urllib.parse import urlsplit

import pytest

from crawler.sample.site import SampleSite
from crawler.sources import ProfileError, load_sources, parse_profile
from crawler.fetch.discovery import pager_urls, start_url

GOOD = {"name": "x_news", "title": "X", "site": "x.gov.cn", "family": "trs",
        "start_urls": ["https://x.gov.cn/news/index.html"], "article_pattern": r"/t\d{8}_\d+\.html$"}


def test_profiles_load_and_are_unique():
    sources = load_sources()
    assert {"jl_gov_yaowen", "jl_people", "jl_cri", "jilin_china", "cc_epaper"} <= set(sources)


@pytest.mark.parametrize("name", sorted(load_sources()))
def test_every_profile_has_a_replica_whose_start_page_lists_articles(name):
    source = load_sources()[name]
    site = SampleSite()
    url = start_url(source.start_urls[0])
    page = site.page(urlsplit(url).hostname, urlsplit(url).path)
    assert page is not None and page.status == 200, url
    assert any(source.is_article(f"{urlsplit(url).scheme}://{key}") for key in site.pages if key.startswith(source.site))


@pytest.mark.parametrize("change, message", [
    ({"article_pattern": None}, "missing required key(s): article_pattern"),
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
