"""Downloader middlewares on real Scrapy requests and responses."""

from __future__ import annotations

import pytest
from scrapy import Request
from scrapy.http import HtmlResponse

from crawler.clean.decode import decode
from crawler.fetch.middlewares import CharsetMiddleware, replaced
from crawler.sources import load_sources

LIST = "<html><head><title>吉网原创</title></head><body><a href='/jwyc/202304/3812456.html'>长春新区加快建设</a></body></html>"


@pytest.fixture
def middleware():
    return CharsetMiddleware(load_sources())


def response(html: str, charset: str = "gbk", content_type: str = "text/html") -> HtmlResponse:
    return HtmlResponse("http://news.cnjiwang.com/jwyc/index.html", body=html.encode(charset),
                        headers={"Content-Type": content_type})


def cnjiwang(url: str = "http://news.cnjiwang.com/jwyc/index.html") -> Request:
    return Request(url, cb_kwargs={"source": "cnjiwang"})


def test_a_page_that_declares_no_charset_is_read_in_the_profiles(middleware):
    """news.cnjiwang.com sends GBK with no charset anywhere; its profile says gb18030."""
    undeclared = response(LIST)
    read = middleware.process_response(cnjiwang(), undeclared)
    assert read is not undeclared and read.encoding == "gb18030" and "长春新区加快建设" in read.text
    assert read.body == undeclared.body  # the archived bytes stay as fetched


@pytest.mark.parametrize("declared, charset", [
    (response(LIST.replace("<head>", "<head><meta charset='utf-8'>"), "utf-8"), "utf-8"),
    (response(LIST, "utf-8", "text/html; charset=utf-8"), "utf-8"),
    (response("\ufeff" + LIST, "utf-8"), "utf-8"),
    (response(LIST, "gbk", "text/html; charset=GB2312"), "gb18030"),  # GB2312 widened to what sites send
])
def test_a_declared_charset_is_read_as_the_cleaner_reads_it(middleware, declared, charset):
    read = middleware.process_response(cnjiwang(), declared)
    assert read.encoding == charset and "长春新区加快建设" in read.text


def test_a_page_mislabelled_gb2312_that_is_utf8_gives_the_spider_the_cleaners_text(middleware):
    """One decision for both: Scrapy alone would follow the label and garble the text."""
    mislabelled = response(LIST, "utf-8", "text/html; charset=GB2312")
    read = middleware.process_response(cnjiwang(), mislabelled)
    assert read.text == decode(mislabelled.body, "text/html; charset=GB2312")[0]
    assert "长春新区加快建设" in read.text


def test_requests_of_no_source_are_read_without_a_profile_hint(middleware):
    page = response(LIST, "utf-8")
    assert middleware.process_response(Request("http://news.cnjiwang.com/robots.txt"), page).encoding == "utf-8"


def test_a_replaced_response_keeps_everything_but_the_change():
    page = response(LIST)
    moved = replaced(page, url="https://news.cnjiwang.com/jwyc/index.html")
    assert (moved.url, moved.status, moved.headers, moved.body) == ("https://news.cnjiwang.com/jwyc/index.html",
                                                                   page.status, page.headers, page.body)
    assert type(moved) is HtmlResponse and moved.text == page.text
    declared = replaced(page, encoding="gb18030")
    assert replaced(declared, url="https://news.cnjiwang.com/").encoding == "gb18030"
