"""`newsarchive check SOURCE`: what a profile finds on a list page (article and list links)
and what the cleaner makes of one article, before the profile goes into a cron crawl.

Live, the list page and its first article are fetched by the crawl's own spider and
middlewares (robots.txt, pacing, charset, `--proxy`), nothing is written to an archive; a
saved page (`--page FILE`) is read offline.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from scrapy import signals
from scrapy.crawler import CrawlerProcess
from scrapy.http import HtmlResponse, Response

from ..clean.article import Article, clean_page
from ..clean.decode import DecodeError, decode
from ..items import FetchError, RawPage
from ..sources import Source
from .discovery import start_url
from .run import crawl_settings, hand_logging_to_scrapy
from .spider import NewsSpider, page_links


@dataclass
class CheckReport:
    """What the profile found: the list page, its links by kind, one article cleaned (a
    saved page is one or the other: the other URL is None)."""

    list_url: str | None
    article_url: str | None = None
    articles: list[str] = field(default_factory=list)
    lists: list[str] = field(default_factory=list)
    article: Article | None = None
    problems: list[str] = field(default_factory=list)


def classify(report: CheckReport, profile: Source, links: list[str]) -> None:
    report.articles = [url for url in links if profile.is_article(url)]
    report.lists = [url for url in links if profile.is_list(url) and url != report.list_url]


def check_saved_page(profile: Source, body: bytes, url: str | None = None) -> CheckReport:
    """A saved page of the source: an article page when its address (`url`) matches the
    profile's article pattern (the fields), else a list page (its links)."""
    url = url or start_url(profile.start_urls[0])
    if profile.is_article(url):
        report = CheckReport(list_url=None, article_url=url)
        report.article = clean_page(RawPage(body, url, profile.name), profile)
        return report
    report = CheckReport(list_url=url, article_url=None)
    try:
        _text, charset = decode(body, None, hint=profile.charset)
    except DecodeError as error:
        report.problems.append(f"the page is not text: {error}")
        return report
    classify(report, profile, page_links(HtmlResponse(url, body=body, encoding=charset)))
    return report


class CheckSpider(NewsSpider):
    """The news spider on one list page and its first article, writing nothing."""

    name = "check"

    def __init__(self, source: str, list_url: str | None = None, **kwargs):
        super().__init__(source=source, **kwargs)
        self.profile = self.sources[source]
        self.report = CheckReport(list_url or start_url(self.profile.start_urls[0]), article_url="")

    @classmethod
    def from_crawler(cls, crawler, *args, **kwargs):
        spider = super().from_crawler(crawler, *args, **kwargs)
        crawler.signals.connect(spider.item_scraped, signal=signals.item_scraped)
        return spider

    async def start(self):
        yield self._list_request(self.report.list_url, self.profile.name)

    def parse_list(self, response: Response, source: str):
        self.report.list_url = response.url
        if not isinstance(response, HtmlResponse):
            self.report.problems.append(f"the list page is not HTML ({response.headers.get('Content-Type')})")
            return
        classify(self.report, self.profile, page_links(response))
        if self.report.articles:
            yield self._request(self.report.articles[0], source, self.parse_article)

    def _attachment_requests(self, response: Response, source: str, page_url: str):
        """A check fetches no attachments: they can be large, and say nothing of the profile."""
        return iter(())

    def item_scraped(self, item, response, spider) -> None:
        if isinstance(item, RawPage):
            self.report.article_url = item.url
            self.report.article = clean_page(item, self.profile)
        elif isinstance(item, FetchError):
            self.report.problems.append(f"{item.url}: {item.error}")


def check_live(profile: Source, list_url: str | None, proxy: str | None) -> CheckReport:
    """Fetch the list page and its first article as a crawl would (no archive)."""
    settings = crawl_settings("", proxy)
    settings.set("ITEM_PIPELINES", {}, priority="cmdline")
    settings.set("EXTENSIONS", {**settings.getdict("EXTENSIONS"), "crawler.fetch.runlog.CrawlRunLog": None},
                 priority="cmdline")
    settings.set("LOG_LEVEL", "DEBUG" if logging.root.level == logging.DEBUG else "WARNING", priority="cmdline")
    hand_logging_to_scrapy()
    process = CrawlerProcess(settings)
    crawler = process.create_crawler(CheckSpider)
    process.crawl(crawler, source=profile.name, list_url=list_url)
    process.start()
    return crawler.spider.report
