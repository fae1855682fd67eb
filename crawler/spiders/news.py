"""The one generic news spider: list pages → article pages, driven by source profiles."""

from __future__ import annotations

import re
from datetime import datetime

import scrapy
from scrapy.http import Response, TextResponse
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.python.failure import Failure

from ..items import FetchError, PageItem
from ..middlewares import real_url
from ..normalize import CHINA_TZ
from ..sources import Source, load_sources

# TRS list pages write their pager with createPageHTML(count, index, name, ext) in
# JavaScript, so the links exist only in the raw HTML (SOURCES.md §1.2).
CREATE_PAGE_HTML = re.compile(
    r"createPageHTML\(\s*(\d+)\s*,\s*(\d+)\s*,\s*[\"']([^\"']+)[\"']\s*,\s*[\"']([^\"']+)[\"']"
)


def pager_urls(html: str) -> list[str]:
    """Relative URLs of every page a createPageHTML call announces."""
    match = CREATE_PAGE_HTML.search(html)
    if not match:
        return []
    count, _index, name, ext = int(match[1]), int(match[2]), match[3], match[4]
    return [f"{name}.{ext}"] + [f"{name}_{page}.{ext}" for page in range(1, count)]


def start_url(template: str, now: datetime | None = None) -> str:
    """Fill '{date:%Y%m/%d}' in a profile's start URL with today's date in China."""
    return template.format(date=now or datetime.now(CHINA_TZ))


class NewsSpider(scrapy.Spider):
    name = "news"

    def __init__(self, source: str | None = None, *args, **kwargs):
        super().__init__(*args, **kwargs)
        known = load_sources()
        names = [name for name in (source or "").split(",") if name] or [n for n, s in known.items() if s.enabled]
        unknown = [name for name in names if name not in known]
        if unknown:
            raise ValueError(f"unknown source(s): {', '.join(unknown)}; known: {', '.join(known)}")
        self.sources: dict[str, Source] = {name: known[name] for name in names}
        self.list_pages: dict[str, set[str]] = {name: set() for name in names}

    async def start(self):
        for source in self.sources.values():
            for template in source.start_urls:
                yield self._list_request(start_url(template), source.name)

    def parse_list(self, response: Response, source: str):
        if not isinstance(response, TextResponse):
            yield FetchError(response.url, source, f"list page is not text ({response.headers.get('Content-Type')})")
            return
        profile = self.sources[source]
        links = response.css("a::attr(href)").getall() + pager_urls(response.text)
        for url in dict.fromkeys(response.urljoin(link.strip()) for link in links):
            if profile.is_article(url):
                yield scrapy.Request(url, callback=self.parse_article, errback=self.on_error,
                                     cb_kwargs={"source": source})
            elif profile.is_list(url) and self._room_for_list_page(source, url):
                yield self._list_request(url, source)

    def parse_article(self, response: Response, source: str):
        headers = {key.decode("latin-1").lower(): response.headers.get(key).decode("latin-1")
                   for key in response.headers.keys()}
        yield PageItem(response.url, response.body, source, response.status, headers)

    def on_error(self, failure: Failure):
        request = failure.request
        if failure.check(HttpError):
            reason = f"HTTP {failure.value.response.status}"
        else:
            reason = f"{failure.type.__name__}: {failure.getErrorMessage()}"
        url = real_url(request)
        self.logger.error("fetching %s failed: %s", url, reason)
        yield FetchError(url, request.cb_kwargs.get("source", "?"), reason)

    def _list_request(self, url: str, source: str) -> scrapy.Request:
        self.list_pages[source].add(url)
        return scrapy.Request(url, callback=self.parse_list, errback=self.on_error, cb_kwargs={"source": source})

    def _room_for_list_page(self, source: str, url: str) -> bool:
        seen = self.list_pages[source]
        return url not in seen and len(seen) < self.sources[source].max_pages
