"""The one generic news spider: list pages, sitemaps and feeds → article pages.

Driven by source profiles. Incremental: list pages are fetched with the validators of the
last run, only article URLs not yet archived are requested, and a list stops paginating at
the first page that holds nothing new (unless `backfill`).
"""

from __future__ import annotations

import html
import json
import re
from datetime import datetime

import scrapy
from lxml import etree
from scrapy.http import Response, TextResponse
from scrapy.spidermiddlewares.httperror import HttpError
from scrapy.utils.sitemap import Sitemap
from twisted.python.failure import Failure

from .. import archive
from ..items import FetchError, ListPageItem, PageItem
from ..middlewares import Blocked, real_url
from ..normalize import CHINA_TZ, canonical_url
from ..sources import Source, load_sources

# TRS list pages write their pager with createPageHTML(count, index, name, ext) in
# JavaScript, so the links exist only in the raw HTML (SOURCES.md §1.2).
CREATE_PAGE_HTML = re.compile(
    r"createPageHTML\(\s*(\d+)\s*,\s*(\d+)\s*,\s*[\"']([^\"']+)[\"']\s*,\s*[\"']([^\"']+)[\"']"
)
# Paths quoted in scripts and attributes: AJAX list fragments (CRI's /inc/<guid>-N.inc).
QUOTED_PATH = re.compile(r"[\"']((?:https?:)?/[^\"'\s<>()]+)[\"']")
GONE = (404, 410)
# Article pages are only scanned for continuation pages: regular expressions over the text,
# so the reactor thread never builds a DOM of a page the cleaning workers parse anyway.
HREF = re.compile(r"""\bhref\s*=\s*["']([^"']+)["']""", re.I)
ABODY_TAG = re.compile(r"""<[^>]*\bid\s*=\s*["']abody["'][^>]*>""", re.I)
PAGEDATA = re.compile(r"""\bpagedata\s*=\s*(?P<quote>["'])(?P<value>.*?)(?P=quote)""", re.I | re.S)


def pager_urls(html: str) -> list[str]:
    """Relative URLs of every page a createPageHTML call announces."""
    match = CREATE_PAGE_HTML.search(html)
    if not match:
        return []
    count, name, ext = int(match[1]), match[3], match[4]
    return [f"{name}.{ext}"] + [f"{name}_{page}.{ext}" for page in range(1, count)]


def feed_links(body: bytes) -> list[str]:
    """Article links of an RSS or Atom feed."""
    root = etree.fromstring(body, parser=etree.XMLParser(recover=True, resolve_entities=False, no_network=True))
    if root is None:
        return []
    links = root.xpath("//*[local-name()='item']/*[local-name()='link']/text()")
    links += root.xpath("//*[local-name()='entry']/*[local-name()='link']/@href")
    return [link.strip() for link in links if link.strip()]


def start_url(template: str, now: datetime | None = None) -> str:
    """Fill '{date:%Y%m/%d}' in a profile's start URL with today's date in China."""
    return template.format(date=now or datetime.now(CHINA_TZ))


def _flag(value) -> bool:
    return str(value).lower() in ("1", "true", "yes", "on")


class NewsSpider(scrapy.Spider):
    name = "news"

    def __init__(self, source: str | None = None, backfill=False, refresh=False, max_pages=None, *args, **kwargs):
        super().__init__(*args, **kwargs)
        known = load_sources()
        names = [name for name in (source or "").split(",") if name] or [n for n, s in known.items() if s.enabled]
        unknown = [name for name in names if name not in known]
        if unknown:
            raise ValueError(f"unknown source(s): {', '.join(unknown)}; known: {', '.join(known)}")
        self.sources: dict[str, Source] = {name: known[name] for name in names}
        self.backfill, self.refresh = _flag(backfill), _flag(refresh)
        self.max_pages = int(max_pages) if max_pages else None
        self.list_queue: dict[str, list[str]] = {name: [] for name in names}  # list pages in page order
        self.lists_requested: dict[str, set[str]] = {name: set() for name in names}
        self.known: set[str] = set()
        self.validators: dict[str, dict] = {}

    @property
    def mode(self) -> str:
        return "+".join(m for m, on in (("backfill", self.backfill), ("refresh", self.refresh)) if on) or "normal"

    async def start(self):
        db = archive.open_archive(self.settings.get("ARCHIVE_DB"))
        self.known, self.validators = archive.known_urls(db), archive.list_validators(db)
        revisits = {name: archive.refresh_targets(db, name) for name in self.sources} if self.refresh else {}
        pending = {name: archive.frontier(db, name) for name in self.sources}
        with db.atomic():  # found earlier and archived since (under another URL form): done
            for url in [url for urls in pending.values() for url in urls if self._known(url)]:
                archive.leave_frontier(db, url)
        db.close()
        for source in self.sources.values():
            for url in pending[source.name]:  # found by a run that was killed before archiving them
                if not self._known(url):
                    self.known.add(url)
                    # A resumed backfill's duplicate filter (JOBDIR) may hold URLs whose pages
                    # were fetched but not yet written when the run was killed: fetch again.
                    yield self._request(url, source.name, self.parse_article, dont_filter=True)
            for template in source.start_urls:
                yield self._list_request(start_url(template), source.name)
            # Sitemaps reach back past the list pages: read them when backfilling; a normal
            # run finds new articles on the first list pages alone.
            for url in source.sitemap_urls if self.backfill else ():
                yield self._request(url, source.name, self.parse_sitemap, page="sitemap")
            for url in source.feed_urls:
                yield self._request(url, source.name, self.parse_feed, page="feed")
            for target in revisits.get(source.name, []):
                yield self._request(target["url"], source.name, self.parse_article, validators=target,
                                    refresh=True, dont_filter=True)

    def parse_list(self, response: Response, source: str):
        if response.status == 304:
            stored = self.validators.get(response.url, {})
            yield ListPageItem(response.url, source, 304, stored.get("etag"), stored.get("last_modified"), 0, [])
            return
        if not isinstance(response, TextResponse):
            yield FetchError(response.url, source, f"list page is not text ({response.headers.get('Content-Type')})")
            return
        profile = self.sources[source]
        links = self._links(response)
        articles = [url for url in links if profile.is_article(url)]
        new = [url for url in articles if not self._known(url)]
        for url in new:
            self.known.add(url)
            yield self._request(url, source, self.parse_article)
        yield ListPageItem(response.url, source, response.status, _header(response, "ETag"),
                           _header(response, "Last-Modified"), len(articles), new)
        queue = self.list_queue[source]
        queue.extend(url for url in links if profile.is_list(url) and url not in queue)
        following = next((url for url in queue if url not in self.lists_requested[source]), None)
        # Stop at a page with nothing new, unless backfilling or the next page was never read
        # to the end by a finished run (a killed run may have stopped short of it).
        if following and (new or self.backfill or following not in self.validators):
            if len(self.lists_requested[source]) < (self.max_pages or profile.max_pages):
                yield self._list_request(following, source)

    def parse_sitemap(self, response: Response, source: str):
        profile = self.sources[source]
        sitemap = Sitemap(response.body)
        locations = [entry["loc"] for entry in sitemap if entry.get("loc")]
        if sitemap.type == "sitemapindex":
            for url in locations:
                if profile.follows_sitemap(url):
                    yield self._request(url, source, self.parse_sitemap, page="sitemap")
            return
        for url in locations:
            if profile.is_article(url) and not self._known(url):
                self.known.add(url)
                yield self._request(url, source, self.parse_article)

    def parse_feed(self, response: Response, source: str):
        profile = self.sources[source]
        for url in feed_links(response.body):
            if profile.is_article(url) and not self._known(url):
                self.known.add(url)
                yield self._request(url, source, self.parse_article)

    def parse_article(self, response: Response, source: str):
        """An article page; one split over several pages is fetched whole before it is
        handed on (CRI's all-in-one `allUrl`, TRS `t…_1.html`, people.com.cn `-2.html`)."""
        page = _fetched(response)
        if response.status == 304 or not isinstance(response, TextResponse) or response.meta.get("whole"):
            yield self._page_item(response.meta.get("article_url", response.url), page, source, response)
            return
        all_url = whole_article_url(response)
        if all_url:
            meta = {"whole": True, "article_url": response.url, "found_as": response.meta.get("found_as")}
            yield self._request(all_url, source, self.parse_article, meta=meta)
            return
        more = continuation_urls(response)
        if not more:
            yield self._page_item(response.url, page, source, response)
            return
        meta = {"first": page, "remaining": more[1:], "parts": [], "found_as": response.meta.get("found_as")}
        yield self._request(more[0], source, self.parse_part, meta=meta)

    def parse_part(self, response: Response, source: str):
        parts = response.meta["parts"] + [_fetched(response)]
        if response.meta["remaining"]:
            remaining = response.meta["remaining"]
            meta = {"first": response.meta["first"], "remaining": remaining[1:], "parts": parts,
                    "found_as": response.meta.get("found_as")}
            yield self._request(remaining[0], source, self.parse_part, meta=meta)
        else:
            yield self._page_item(response.meta["first"]["url"], response.meta["first"], source, response, parts)

    def _page_item(self, url: str, page: dict, source: str, response: Response, parts=()) -> PageItem:
        return PageItem(url, page["body"], source, page["status"], page["headers"],
                        found_as=response.meta.get("found_as", url), parts=list(parts))

    def on_error(self, failure: Failure):
        request = failure.request
        url, source = real_url(request), request.cb_kwargs.get("source", "?")
        kind = "fetch" if request.meta.get("page") == "article" else request.meta.get("page", "fetch")
        if failure.check(Blocked):
            kind, reason = "blocked", str(failure.value)
        elif failure.check(HttpError):
            status = failure.value.response.status
            reason = f"HTTP {status}"
            if status in GONE and request.meta.get("refresh"):
                kind = "gone"
        else:
            reason = f"{failure.type.__name__}: {failure.getErrorMessage()}"
        self.logger.error("fetching %s failed: %s", url, reason)
        yield FetchError(url, source, reason, kind, found_as=request.meta.get("found_as", url))
        first = request.meta.get("first")
        if first:  # a continuation page failed: keep the pages we have
            yield PageItem(first["url"], first["body"], source, first["status"], first["headers"],
                           found_as=first["url"], parts=request.meta["parts"])

    def _links(self, response: TextResponse) -> list[str]:
        found = response.css("a::attr(href)").getall() + pager_urls(response.text)
        found += QUOTED_PATH.findall(response.text)
        return list(dict.fromkeys(response.urljoin(link.strip()) for link in found))

    def _known(self, url: str) -> bool:
        return url in self.known or canonical_url(url) in self.known

    def _list_request(self, url: str, source: str) -> scrapy.Request:
        self.lists_requested[source].add(url)
        if url not in self.list_queue[source]:
            self.list_queue[source].append(url)
        # A backfill needs every list page's links, so it asks unconditionally.
        validators = None if self.backfill else self.validators.get(url)
        return self._request(url, source, self.parse_list, validators=validators, page="list")

    def _request(self, url, source, callback, validators=None, page="article", refresh=False, dont_filter=False,
                 meta=None):
        headers = {}
        if validators and validators.get("etag"):
            headers["If-None-Match"] = validators["etag"]
        if validators and validators.get("last_modified"):
            headers["If-Modified-Since"] = validators["last_modified"]
        meta = {"page": page, "refresh": refresh, "handle_httpstatus_list": [304], "found_as": url, **(meta or {})}
        return scrapy.Request(url, callback=callback, errback=self.on_error, headers=headers, meta=meta,
                              cb_kwargs={"source": source}, dont_filter=dont_filter)


def whole_article_url(response: TextResponse) -> str | None:
    """CRI article pages name their all-in-one version in `#abody[pagedata]`."""
    if "pagedata" not in response.text:  # a substring test first: the regex scan costs more
        return None
    tag = ABODY_TAG.search(response.text)
    data = PAGEDATA.search(tag.group(0)) if tag else None
    if not data:
        return None
    try:
        all_url = json.loads(html.unescape(data["value"])).get("allUrl")
    except (ValueError, AttributeError):
        return None
    url = response.urljoin(all_url) if all_url else None
    return url if url and url != response.url else None


def continuation_urls(response: TextResponse) -> list[str]:
    """Further pages of a split article, in order: TRS `createPageHTML(n, 0, "<stem>", ext)`
    (→ <stem>_1.ext …) and people.com.cn page links <stem>-2.html …"""
    stem = response.url.rsplit("/", 1)[-1].rsplit(".", 1)[0]
    match = CREATE_PAGE_HTML.search(response.text)
    if match and match[3] == stem and int(match[1]) > 1:
        return [response.urljoin(name) for name in pager_urls(response.text)[1:]]
    if stem + "-" not in response.text:
        return []
    numbered = re.compile(re.escape(stem) + r"-(\d+)\.html$")
    found = {}
    for link in HREF.findall(response.text):
        if stem + "-" not in link:  # most links are menus: skip them before the costly urljoin
            continue
        url = response.urljoin(html.unescape(link.strip()))
        hit = numbered.search(url)
        if hit and int(hit[1]) >= 2:
            found[int(hit[1])] = url
    return [found[number] for number in sorted(found)]


def _fetched(response: Response) -> dict:
    headers = {key.decode("latin-1").lower(): response.headers.get(key).decode("latin-1")
               for key in response.headers.keys()}
    return {"url": response.url, "body": response.body, "status": response.status, "headers": headers}


def _header(response: Response, name: str) -> str | None:
    value = response.headers.get(name)
    return value.decode("latin-1") if value else None
