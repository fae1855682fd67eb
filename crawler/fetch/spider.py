"""The one generic news spider: list pages, sitemaps and feeds → article pages.

Driven by source profiles. Incremental: list pages are fetched with the validators of the
last run, only article URLs not yet archived are requested, and a list stops paginating at
the first page that holds nothing new (unless `backfill`). Callbacks find links
(discovery.py) and yield RawPage items; cleaning and filing happen in the pipeline.
"""

from __future__ import annotations

import shutil
import sqlite3
from datetime import datetime
from pathlib import Path

import scrapy
from scrapy import signals
from scrapy.http import Response, TextResponse
from scrapy.spidermiddlewares.httperror import HttpError
from scrapy.utils.response import get_base_url
from scrapy.utils.sitemap import Sitemap
from twisted.python.failure import Failure

from ..clean.normalize import CHINA_TZ, canonical_url, is_mirror
from ..items import AttachmentFile, FetchError, ListPageItem, RawPage
from .runlog import ARCHIVE_DAMAGED
from ..sources import Source, load_sources
from ..store.crawl_state import frontier, known_urls, leave_frontier, list_validators, refresh_targets
from .connection import archive_of
from .discovery import (attachment_links, continuation_urls, feed_links, pager_urls, script_paths, start_url,
                        whole_article_url)
from .middlewares import Blocked, real_url
from .frontier import forget_earlier_crawls
from .stream import Mirror, connect
from .throttle import unpaced

GONE = (404, 410)


def _flag(value) -> bool:
    return str(value).lower() in ("1", "true", "yes", "on")


class NewsSpider(scrapy.Spider):
    name = "news"
    node = False  # a crawl node of a distributed crawl (REDIS_URL set; from_crawler decides)
    joins_crawl = False  # a crawl node joining a crawl other nodes run (fetch/nodes.py decides)
    attachment_maxsize = 50 * 1024 * 1024  # ATTACHMENT_MAXSIZE of the crawl's settings (from_crawler)

    @classmethod
    def update_settings(cls, settings) -> None:
        """Politeness travels with the spider, so `scrapy crawl news` paces hosts as the
        `newsarchive crawl` runner does: one request at a time per host, each profile's delay
        (robots.txt Crawl-delay and AutoThrottle may only slow down further); a loopback
        replica (REPLICA_PROXY) is not waited for unless REPLICA_POLITE."""
        super().update_settings(settings)
        replica = unpaced(settings)
        slots = {host: {"delay": 0 if replica else source.delay, "concurrency": 1}
                 for source in load_sources().values() for host in source.hosts}
        settings.set("DOWNLOAD_SLOTS", slots, priority="spider")
        if replica:
            settings.set("DOWNLOAD_DELAY", 0, priority="spider")
            settings.set("AUTOTHROTTLE_START_DELAY", 0, priority="spider")

    @classmethod
    def from_crawler(cls, crawler, *args, **kwargs):
        """A backfill resumes where a killed one stopped: its requests wait in a JOBDIR beside
        the archive (set here, before Scrapy freezes the settings, unless one is given), which
        a backfill that finishes removes."""
        spider = super().from_crawler(crawler, *args, **kwargs)
        spider.node = bool(crawler.settings.get("REDIS_URL"))
        spider.attachment_maxsize = crawler.settings.getint("ATTACHMENT_MAXSIZE", spider.attachment_maxsize)
        if spider.backfill and not crawler.settings.get("JOBDIR") and crawler.settings.get("ARCHIVE_DB"):
            named = sorted(name for name in (kwargs.get("source") or "").split(",") if name)
            jobdir = Path(crawler.settings["ARCHIVE_DB"]).parent / "jobs" / ("backfill-" + ("-".join(named) or "all"))
            crawler.settings.set("JOBDIR", str(jobdir), priority="spider")
            spider.jobdir = jobdir
            crawler.signals.connect(spider.forget_finished_job, signal=signals.engine_stopped)
        return spider

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
        self.finish_reason: str | None = None
        self.jobdir: Path | None = None

    def closed(self, reason: str) -> None:
        self.finish_reason = reason

    def forget_finished_job(self) -> None:
        """After the engine stopped (the scheduler and SpiderState have written to the
        JOBDIR): a backfill that finished starts afresh next time; a stopped one resumes."""
        if self.jobdir and self.finish_reason == "finished":
            shutil.rmtree(self.jobdir, ignore_errors=True)

    @property
    def mode(self) -> str:
        return "+".join(m for m, on in (("backfill", self.backfill), ("refresh", self.refresh)) if on) or "normal"

    async def start(self):
        if self.node:  # a crawl node: the writer's mirror, the shared queue
            async for request in self._start_node():
                yield request
            return
        db = archive_of(self.crawler)
        try:
            self.known, self.validators = known_urls(db), list_validators(db)
            revisits = {name: refresh_targets(db, name) for name in self.sources} if self.refresh else {}
            pending = {name: frontier(db, name) for name in self.sources}
            with db.atomic():  # found earlier and archived since (under another URL form): done
                for url in [url for urls in pending.values() for url in urls if self._known(url)]:
                    leave_frontier(db, url)
        except sqlite3.DatabaseError as error:  # a damaged archive: fetch nothing into it
            self.logger.error("the archive cannot be read: %s", error)
            self.crawler.stats.set_value(ARCHIVE_DAMAGED, str(error))
            return
        for request in self._requests_of_sources(pending, revisits):
            yield request

    async def _start_node(self):
        """A crawl node joins the crawl other nodes are running (it takes from the shared
        queue), or starts one as a local run starts: a fresh queue and seen-request filter,
        the list pages, and the frontier and known URLs the archive's writer published."""
        server = connect(self.crawler.settings["REDIS_URL"])
        mirror = Mirror(server)
        self.known, self.validators = mirror.known(), mirror.validators()
        if self.refresh:  # `newsarchive crawl` refuses it; `scrapy crawl news -a refresh=1` may ask
            self.logger.error("--refresh needs the archive itself: run it where the archive is, without --redis")
        if self.joins_crawl:
            self.logger.info("joining the crawl other nodes are running: their queue, no list pages of its own")
            return
        forget_earlier_crawls(server, self)
        for request in self._requests_of_sources({name: mirror.frontier(name) for name in self.sources}, {}):
            yield request

    def _requests_of_sources(self, pending: dict[str, list[str]], revisits: dict[str, list[dict]]):
        """Each source's first requests: the articles a killed run found and did not archive
        (`pending`), its list pages, sitemaps (backfilling) and feeds, the known articles to
        revisit (`revisits`, --refresh)."""
        # Decided for all before any is marked known: a /BIG5/ mirror has its simplified
        # twin's canonical URL, and would count as known once the twin is queued.
        resumed = {name: [url for url in urls if not self._known(url)] for name, urls in pending.items()}
        self.known.update(url for urls in resumed.values() for url in urls)
        for source in self.sources.values():
            for url in resumed[source.name]:
                # The duplicate filter (a resumed backfill's JOBDIR) may hold
                # URLs whose pages were fetched but not yet written when the run was killed.
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
        links = page_links(response)
        articles = [url for url in links if profile.is_article(url)]
        new = [url for url in articles if not self._known(url)]
        # The report first: it puts the new links in the frontier before any is requested,
        # so a run killed with requests in hand leaves them for the next (locally, or the
        # writer's mirror of the frontier for crawl nodes).
        yield ListPageItem(response.url, source, response.status, _header(response, "ETag"),
                           _header(response, "Last-Modified"), len(articles), new)
        for url in new:
            self.known.add(url)
            yield self._request(url, source, self.parse_article)
        queue = self.list_queue[source]
        # What the run that asked for this page had read and queued (on crawl nodes another
        # node may have asked: its pagination goes on here as it would have there).
        known_queue, requested = response.meta.get("pagination", ([], []))
        self.lists_requested[source].update(requested)
        queue.extend(url for url in known_queue if url not in queue)
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
        page = _raw_page(response, source)
        if response.status == 304 or not isinstance(response, TextResponse) or response.meta.get("whole"):
            page.url = response.meta.get("article_url", response.url)
            yield from self._attachment_requests(response, source, page.url)
            yield page
            return
        all_url = whole_article_url(response.text, response.url, get_base_url(response))
        if all_url:
            meta = {"whole": True, "article_url": response.url, "found_as": response.meta.get("found_as")}
            yield self._request(all_url, source, self.parse_article, meta=meta)
            return
        yield from self._attachment_requests(response, source, page.url)
        more = continuation_urls(response.text, response.url, get_base_url(response))
        if not more:
            yield page
            return
        meta = {"first": page, "remaining": more[1:], "found_as": response.meta.get("found_as")}
        yield self._request(more[0], source, self.parse_part, meta=meta)

    def parse_part(self, response: Response, source: str):
        """A further page of a split article: fetch the next, or hand on the whole article."""
        first: RawPage = response.meta["first"]
        first.parts.append(_raw_page(response, source))
        yield from self._attachment_requests(response, source, first.url)
        remaining = response.meta["remaining"]
        if remaining:
            meta = {"first": first, "remaining": remaining[1:], "found_as": response.meta.get("found_as")}
            yield self._request(remaining[0], source, self.parse_part, meta=meta)
        else:
            yield first

    def parse_attachment(self, response: Response, source: str):
        """A file an article page links: handed on as fetched (a worker reads it)."""
        capture = capture_of(response)
        yield AttachmentFile(response.body, response.url, source, response.meta["page_url"], response.meta["label"],
                             response.meta["position"], _headers_by_name(capture), capture)

    def _attachment_requests(self, response: Response, source: str, page_url: str):
        """The files (附件) an article page links that were not fetched before, fetched with
        the host's politeness and their own size limit."""
        if response.status == 304 or not isinstance(response, TextResponse):
            return
        limit = self.attachment_maxsize
        for position, (url, label) in enumerate(attachment_links(response.text, get_base_url(response)), 1):
            if self._known(url):
                continue
            self.known.add(url)
            meta = {"page_url": page_url, "label": label, "position": position, "download_maxsize": limit,
                    "download_warnsize": limit}
            yield self._request(url, source, self.parse_attachment, page="attachment", meta=meta)

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
            yield first

    def _known(self, url: str) -> bool:
        """Fetched or queued already, as this URL or another form of it. A mirror shares its
        twin's canonical URL but is a page of its own: only its exact URL counts."""
        if is_mirror(url):
            return url in self.known
        return url in self.known or canonical_url(url) in self.known

    def _list_request(self, url: str, source: str) -> scrapy.Request:
        self.lists_requested[source].add(url)
        if url not in self.list_queue[source]:
            self.list_queue[source].append(url)
        # A backfill needs every list page's links, so it asks unconditionally.
        validators = None if self.backfill else self.validators.get(url)
        pagination = (list(self.list_queue[source]), sorted(self.lists_requested[source]))
        return self._request(url, source, self.parse_list, validators=validators, page="list",
                             meta={"pagination": pagination})

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


def page_links(response: TextResponse) -> list[str]:
    """Every link of a page, absolute, in page order: anchors, JavaScript pagers, script paths."""
    found = response.css("a::attr(href)").getall() + pager_urls(response.text) + script_paths(response.text)
    return list(dict.fromkeys(response.urljoin(link.strip()) for link in found))


def _raw_page(response: Response, source: str) -> RawPage:
    capture = capture_of(response)
    return RawPage(response.body, response.url, source, response.status, _headers_by_name(capture),
                   found_as=response.meta.get("found_as", response.url), capture=capture)


def capture_of(response: Response) -> dict:
    """What WARC request and response records need beyond the body (publish/warc.py)."""
    request = response.request
    return {
        "method": request.method if request else "GET",
        "request_headers": _header_pairs(request.headers) if request else [],
        "protocol": response.protocol,
        "response_headers": _header_pairs(response.headers),
        "fetched_at": datetime.now(CHINA_TZ).isoformat(timespec="milliseconds"),
        "peer_ip": str(response.ip_address) if response.ip_address else None,
    }


def _headers_by_name(capture: dict) -> dict[str, str]:
    """The response headers by lowercase name; of a repeated header the last value, as
    Scrapy's Headers.get gives it."""
    return {name.lower(): value for name, value in capture["response_headers"]}


def _header_pairs(headers) -> list[list[str]]:
    return [[name.decode("latin-1"), value.decode("latin-1")] for name in headers.keys()
            for value in headers.getlist(name)]


def _header(response: Response, name: str) -> str | None:
    value = response.headers.get(name)
    return value.decode("latin-1") if value else None
