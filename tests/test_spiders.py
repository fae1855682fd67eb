"""The spider's callbacks on saved pages of each source (tests/files/<source>/), the way
City Bureau tests its spiders: a real Scrapy response built from the file, the callback
called, its requests and items checked. Adding a source with saved pages adds its tests.

The responses go through the crawl's CharsetMiddleware first, as in a crawl, so a GBK page
that declares nothing is read as the crawl reads it.
"""

from __future__ import annotations

import pytest
from conftest import saved, saved_page, saved_sources
from scrapy import Request
from scrapy.http import HtmlResponse

from crawler.fetch.middlewares import CharsetMiddleware
from crawler.fetch.spider import NewsSpider
from crawler.flow import prepare
from crawler.items import ListPageItem, RawPage
from crawler.sources import load_sources

SOURCES = saved_sources()


def response(request: Request, body: bytes, content_type: str) -> HtmlResponse:
    """The response a crawl would hand the request's callback."""
    fetched = HtmlResponse(request.url, body=body, headers={"Content-Type": content_type}, request=request)
    return CharsetMiddleware(load_sources()).process_response(request, fetched)


def requests_to(spider, outputs, callback) -> list[str]:
    return [output.url for output in outputs if isinstance(output, Request) and output.callback == callback]


def test_every_source_family_has_saved_pages():
    profiles = load_sources()
    assert {source.family for source in profiles.values() if source.enabled} <= {profiles[name].family for name in SOURCES}


@pytest.mark.parametrize("source", SOURCES)
def test_list_page_gives_its_articles_and_the_next_list_page(source):
    expected = saved(source)["list"]
    spider = NewsSpider(source=source)
    request = spider._list_request(expected["url"], source)  # as start() asks for it
    outputs = list(spider.parse_list(response(request, saved_page(source, "list.html"), expected["content_type"]),
                                     source))
    assert requests_to(spider, outputs, spider.parse_article) == expected["articles"]
    assert requests_to(spider, outputs, spider.parse_list) == expected["next_lists"]
    (report,) = [output for output in outputs if isinstance(output, ListPageItem)]
    assert report.article_links == len(expected["articles"]) and report.new_urls == expected["articles"]


@pytest.mark.parametrize("source", SOURCES)
def test_known_articles_are_not_requested_again(source):
    expected = saved(source)["list"]
    spider = NewsSpider(source=source)
    spider.known = set(expected["articles"])
    spider.validators = {url: {} for url in expected["next_lists"]}  # read to the end by an earlier run
    request = spider._list_request(expected["url"], source)
    outputs = list(spider.parse_list(response(request, saved_page(source, "list.html"), expected["content_type"]),
                                     source))
    assert requests_to(spider, outputs, spider.parse_article) == []
    assert requests_to(spider, outputs, spider.parse_list) == []  # nothing new: the pager stops here


@pytest.mark.parametrize("source", SOURCES)
def test_article_page_is_handed_on_whole_and_cleans_as_expected(source):
    case = saved(source)
    spider = NewsSpider(source=source)
    request = spider._request(case["article"]["url"], source, spider.parse_article)
    outputs = list(spider.parse_article(response(request, saved_page(source, "article.html"),
                                                 case["article"]["content_type"]), source))
    for part in case["article"]["parts"]:  # a split article: each further page is fetched in turn
        (request,) = outputs
        assert request.url == part["url"] and request.callback == spider.parse_part
        outputs = list(spider.parse_part(response(request, saved_page(source, part["file"]), part["content_type"]),
                                         source))
    (page,) = outputs
    assert isinstance(page, RawPage) and page.url == case["article"]["url"] and page.source == source
    assert [part.url for part in page.parts] == [part["url"] for part in case["article"]["parts"]]
    article = prepare(page).article
    body = article.body.split("\n")
    found = {"title": article.title, "date": article.date, "source_name": article.source_name,
             "author": article.author, "editor": article.editor, "first_line": body[0], "last_line": body[-1]}
    assert found == case["expected"]
