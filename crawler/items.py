"""What moves between the stages: raw pages, list-page reports, fetch failures, outcomes."""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from enum import StrEnum

SEED_PREFIX = "seed:"  # the URL of a page that came from the seeds folder: seed:<file name>


@dataclass
class RawPage:
    """A page as bytes, with where it came from: a fetched response (the spider yields it),
    a stored page (reclean reads it back) or a saved file (`clean`, the seeds folder).

    status 304 means the archived copy is still current (conditional GET, `--refresh`);
    `parts` are the further pages of an article split over several pages, in order.
    """

    # The serializers are for Scrapy's feed exports (`scrapy crawl news -O pages.jsonl`):
    # bytes go out as base64.
    body: bytes = field(metadata={"serializer": lambda body: base64.b64encode(body).decode("ascii")})
    url: str | None = None
    source: str | None = None  # the source profile the page was fetched for
    status: int = 200
    headers: dict = field(default_factory=dict)  # response headers, names lowercase
    parts: list[RawPage] = field(default_factory=list, metadata={"serializer": lambda parts: [
        {**vars(part), "body": base64.b64encode(part.body).decode("ascii"), "parts": []} for part in parts]})
    found_as: str | None = None  # the link as discovered, before any redirect
    # The exchange as it happened, for a faithful WARC (fetched pages only): request method,
    # and headers as sent; protocol, response headers as received ([name, value] pairs, a
    # repeated header once per value), fetch time (ISO 8601, +08:00) and the peer's IP.
    capture: dict | None = None

    @property
    def web_url(self) -> str | None:
        """The page's address on the web; None for a saved file."""
        return self.url if self.url and self.url.startswith(("http://", "https://")) else None

    @property
    def content_type(self) -> str | None:
        return self.headers.get("content-type")


@dataclass
class AttachmentFile:
    """A file an article page links (附件), as fetched: it belongs to the page at `page_url`,
    where its link read `label` and came `position`th among its files."""

    body: bytes = field(metadata={"serializer": lambda body: base64.b64encode(body).decode("ascii")})
    url: str
    source: str
    page_url: str
    label: str = ""
    position: int = 0
    headers: dict = field(default_factory=dict)  # response headers, names lowercase
    capture: dict | None = None  # as RawPage.capture

    @property
    def content_type(self) -> str | None:
        return self.headers.get("content-type")


@dataclass
class ListPageItem:
    """A list page read: its validators for the next run and how many links it held."""

    url: str
    source: str
    status: int
    etag: str | None
    last_modified: str | None
    article_links: int
    new_urls: list[str]


@dataclass
class FetchError:
    """A request that produced no page.

    kind: 'fetch' (HTTP error, redirect loop, timeout, oversize…), 'blocked' (an anti-bot
    challenge), 'gone' (a known article answered 404/410), or the kind of page that failed
    ('list', 'sitemap', 'feed', 'attachment').
    """

    url: str
    source: str
    error: str
    kind: str = "fetch"
    found_as: str = ""


class Outcome(StrEnum):
    """What filing a page did (flow.file_page); the crawl counts them in its stats."""

    NEW = "new"  # a new article
    SAME = "same"  # the article seen before at this URL
    REPRINT = "reprint"  # the same body as an archived article, at another URL
    REVISED = "revised"  # a new body at a known URL: the old one is kept as a revision
    CHANGED = "changed"  # reclean: the article cleaned from this page changed in place
    UNCHANGED = "unchanged"  # reclean: cleaning gave the same article; crawl: HTTP 304
    FAILED = "failed"  # the page could not be cleaned
    EMPTY = "empty"  # the page holds no article text
