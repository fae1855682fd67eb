"""The crawl's one connection to the archive, shared by the spider, pipeline and run log.

Opened (and its schema checked) on first use in a crawl, closed when the engine stops.
Everything runs on the reactor's thread, so one sqlite3 connection serves them all.
"""

from __future__ import annotations

from weakref import WeakKeyDictionary

from scrapy import signals
from scrapy.exceptions import NotConfigured

from ..store.schema import open_archive

_OPEN: WeakKeyDictionary = WeakKeyDictionary()


def archive_path(crawler) -> str:
    """The crawl's ARCHIVE_DB setting; NotConfigured (the calling component switches itself
    off) when it is not set."""
    path = crawler.settings.get("ARCHIVE_DB")
    if not path:
        raise NotConfigured("ARCHIVE_DB is not set")
    return path


def archive_of(crawler):
    """The archive the crawl writes to, opened on first use."""
    if crawler not in _OPEN:
        _OPEN[crawler] = open_archive(archive_path(crawler))
        crawler.signals.connect(_closer(crawler), signal=signals.engine_stopped, weak=False)
    return _OPEN[crawler]


def _closer(crawler):
    def close() -> None:
        db = _OPEN.pop(crawler, None)
        if db is not None:
            db.close()
    return close
