"""Downloader middlewares: anti-bot challenge detection, a profile's charset for pages that
declare none, and routing to a site replica."""

from __future__ import annotations

import logging

import re

from scrapy.exceptions import IgnoreRequest, NotConfigured
from scrapy.http import TextResponse

from ..clean.decode import DecodeError, decode
from ..items import FetchError
from ..sources import Source, load_sources

# WAF challenges in front of Chinese government sites: 瑞数 answers 412 with a `$_ts`
# script, 加速乐 521 with `__jsl_clearance`, others 403 or a short cookie-setting page.
BLOCK_STATUSES = (403, 412, 521)
CHALLENGE_MARKERS = re.compile(rb"\$_ts\s*=|__jsl_clearance|document\.cookie\s*=")
CHALLENGE_MAX_BYTES = 20_000
BACKOFF_FACTOR, BACKOFF_MIN, BACKOFF_MAX = 2.0, 10.0, 300.0
# Sent (host=, delay=) when a host's challenge made this crawl back off (crawl nodes share it).
host_backed_off = object()


class Blocked(IgnoreRequest):
    """The site answered with an anti-bot challenge instead of the page."""


def is_challenge(status: int, body: bytes) -> bool:
    if status in BLOCK_STATUSES:
        return True
    return status == 200 and len(body) < CHALLENGE_MAX_BYTES and bool(CHALLENGE_MARKERS.search(body))


class AntiBotMiddleware:
    """Record challenges as blocked (never parsed as articles) and back off from that host."""

    def __init__(self, crawler):
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def process_response(self, request, response):
        if not is_challenge(response.status, response.body):
            return response
        downloader = self.crawler.engine.downloader
        slot = downloader.slots.get(downloader.get_slot_key(request))
        if slot is not None:
            slot.delay = min(max(slot.delay * BACKOFF_FACTOR, BACKOFF_MIN), BACKOFF_MAX)
            self.crawler.signals.send_catch_log(host_backed_off, host=downloader.get_slot_key(request),
                                                delay=slot.delay)
        self.crawler.stats.inc_value("newsarchive/blocked_responses")
        raise Blocked(f"anti-bot challenge (HTTP {response.status}, {len(response.body)} bytes); backing off")


class CharsetMiddleware:
    """Read every text response in the charset the cleaner reads it in (clean/decode.py:
    BOM, strict UTF-8, the declared charset widened to its superset, the source profile's
    `charset` for pages that declare none, detection last), so the spider's links and the
    archived article come from the same text. Scrapy would otherwise guess a page that
    declares nothing with charset_normalizer over the whole body, in the crawl's own
    process, before the spider or MetaRefreshMiddleware looks at it (news.cnjiwang.com's
    GBK pages: ~8 % of the crawl process's busy time, profiled with py-spy)."""

    def __init__(self, sources: dict[str, Source]):
        self.charsets = {name: source.charset for name, source in sources.items() if source.charset}

    @classmethod
    def from_crawler(cls, crawler):
        return cls(load_sources())

    def process_response(self, request, response):
        if not isinstance(response, TextResponse):
            return response
        content_type = response.headers.get("Content-Type", b"").decode("latin-1")
        try:
            text, charset = decode(response.body, content_type, hint=self.charsets.get(request.cb_kwargs.get("source")))
        except DecodeError:
            return response  # not text: the cleaner records why
        read = replaced(response, encoding=charset)
        read._cached_ubody = text  # decoded once: Scrapy's `text` would decode the body again
        return read


class RobotsTxtSlotMiddleware:
    """Fetch robots.txt in a download slot of its own, so the first page of a host does not
    wait a whole crawl delay behind it. One robots.txt request per host and run: the delay
    still spaces every page request to the host.

    An unreachable host is an expected fault: Scrapy's RobotsTxtMiddleware logs its robots.txt
    failure with a 60-line traceback; here it is the one line that names the error."""

    @classmethod
    def from_crawler(cls, crawler):
        robots_log = logging.getLogger("scrapy.downloadermiddlewares.robotstxt")
        if not any(isinstance(known, _WithoutTraceback) for known in robots_log.filters):
            robots_log.addFilter(_WithoutTraceback())
        return cls()

    def process_request(self, request):
        if request.meta.get("dont_obey_robotstxt") and request.url.endswith("/robots.txt"):
            request.meta.setdefault("download_slot", f"{request.url} (robots.txt)")
        return None


class _WithoutTraceback(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.exc_info, record.exc_text = None, None
        return True


class ReplicaProxyMiddleware:
    """With REPLICA_PROXY set, fetch each URL from that proxy while keeping the real URL.

    https URLs travel as plain http to the proxy (the replica has no TLS) and the response
    gets its https URL back, so links, canonical URLs and archive rows are those of the
    real site.
    """

    def __init__(self, proxy: str):
        self.proxy = proxy

    @classmethod
    def from_crawler(cls, crawler):
        proxy = crawler.settings.get("REPLICA_PROXY")
        if not proxy:
            raise NotConfigured("REPLICA_PROXY is not set")
        return cls(proxy)

    def process_request(self, request):
        real_url = request.meta.get("replica_url")
        if real_url and request.url == _plain_http(real_url):
            return None  # already rerouted
        request.meta.pop("replica_url", None)  # stale, copied onto a redirect
        request.meta["proxy"] = self.proxy
        if request.url.startswith("https://"):
            return request.replace(url=_plain_http(request.url), meta={**request.meta, "replica_url": request.url})
        return None

    def process_response(self, request, response):
        real_url = request.meta.get("replica_url")
        return replaced(response, url=real_url) if real_url else response


def replaced(response, **changes):
    """response.replace(**changes) without reading the response's encoding: replace() reads
    every attribute first, and reading the encoding of a page that declares none makes Scrapy
    guess it with charset_normalizer over the whole body, once for each replace."""
    kept = {name: getattr(response, name) for name in response.attributes if name not in changes and name != "encoding"}
    if isinstance(response, TextResponse) and "encoding" not in changes:
        kept["encoding"] = response._encoding  # only an encoding given explicitly, never a guess
    return type(response)(**kept, **changes)


def _plain_http(url: str) -> str:
    return "http://" + url[len("https://"):] if url.startswith("https://") else url


def redirect_loop(request) -> FetchError | None:
    """A request the duplicate filter dropped, silently, because a redirect led back to a URL
    already fetched: a redirect loop, recorded like any failure (under the link as the list
    page gave it)."""
    chain = request.meta.get("redirect_urls")
    if not chain:
        return None
    found_as = request.meta.get("found_as") or chain[0]
    error = "redirect loop: " + " -> ".join(chain + [request.url])
    return FetchError(found_as, request.cb_kwargs.get("source", "?"), error, found_as=found_as)


def real_url(request) -> str:
    """The URL a request stands for, also when it travels rerouted to a replica."""
    return request.meta.get("replica_url") or request.url
