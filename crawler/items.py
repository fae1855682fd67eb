"""What the spider yields: fetched pages, list-page reports and fetch failures."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class PageItem:
    """An article page as fetched; cleaning happens in the pipeline, not the spider.

    status 304 means the archived copy is still current (conditional GET, `--refresh`).
    """

    url: str
    body: bytes
    source: str
    status: int
    headers: dict
    found_as: str = ""  # the link as discovered, before any redirect
    parts: list = field(default_factory=list)  # further pages of a split article: url, body, status, headers


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
    challenge) or 'gone' (a known article answered 404/410).
    """

    url: str
    source: str
    error: str
    kind: str = "fetch"
    found_as: str = ""
