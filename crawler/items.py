"""What the spider yields: fetched article pages and fetch failures."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class PageItem:
    """An article page as fetched; cleaning happens in the pipeline, not the spider."""

    url: str
    body: bytes
    source: str
    status: int
    headers: dict


@dataclass
class FetchError:
    """A request that produced no page: HTTP error, redirect loop, timeout, oversize…"""

    url: str
    source: str
    error: str
