"""AutoThrottle with per-host floors: the profile's delay or robots.txt's Crawl-delay."""

from __future__ import annotations

from scrapy import signals
from scrapy.extensions.throttle import AutoThrottle


def unpaced(settings) -> bool:
    """A loopback replica of the sites (REPLICA_PROXY) is crawled without waiting, unless
    REPLICA_POLITE asks for the real politeness."""
    return bool(settings.get("REPLICA_PROXY")) and not settings.getbool("REPLICA_POLITE")


class PoliteThrottle(AutoThrottle):
    """AutoThrottle that never goes below a host's floor: the profile's delay or the
    robots.txt Crawl-delay, whichever is longer (plain AutoThrottle only knows DOWNLOAD_DELAY,
    and Scrapy itself ignores Crawl-delay)."""

    def __init__(self, crawler):
        super().__init__(crawler)
        self.floors: dict[str, float] = {
            host: float(slot.get("delay", 0)) for host, slot in crawler.settings.getdict("DOWNLOAD_SLOTS").items()}
        self.obey_crawl_delay = not unpaced(crawler.settings)
        crawler.signals.connect(self.robots_parsed, signal=signals.robots_parsed)

    def robots_parsed(self, robotparser, request) -> None:
        downloader = self.crawler.engine.downloader
        key = downloader.get_slot_key(request)
        crawl_delay = robotparser.crawl_delay(self.crawler.settings.get("USER_AGENT")) or 0.0
        if not self.obey_crawl_delay:
            crawl_delay = 0.0
        floor = max(self.floors.get(key, 0.0), crawl_delay)
        self.floors[key] = floor
        slot = downloader.slots.get(key)
        if slot is not None:
            slot.delay = max(slot.delay, floor)
        self.crawler.stats.set_value(f"newsarchive/delay/{key}", floor)

    def _response_downloaded(self, response, request, spider) -> None:
        """AutoThrottle's adjustment, then the floor of the request's host (the response
        does not know its request yet when this signal is sent)."""
        super()._response_downloaded(response, request, spider)
        key, slot = self._get_slot(request, spider)
        if slot is not None:
            slot.delay = max(slot.delay, self.floors.get(key, 0.0))
