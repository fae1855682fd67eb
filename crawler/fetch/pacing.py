"""Per-host pacing shared by every crawl node, through Redis.

Scrapy paces a host inside one process (its download slot: the profile's delay, robots.txt
Crawl-delay, AutoThrottle, the anti-bot back-off). Ten nodes crawling one host would each
keep that pace, and the host would see ten times the rate. Here every request first takes
the host's next free moment from Redis, atomically (one Lua script, Redis's own clock): the
first node to ask gets now, the next one now + the delay, and so on; the request waits
until its moment. The delay is the longest of this node's pace for the host (its download
slot's delay, AutoThrottle's adjustment included) and the host's floor: the profile's delay
or robots.txt Crawl-delay, or an anti-bot back-off any node met in the last 10 minutes, so
every floor one node knows applies to all. AutoThrottle's pace stays each node's own: one
slow answer must not slow every node for 10 minutes.
"""

from __future__ import annotations

import asyncio
import math
import time
from urllib.parse import urlsplit

from .middlewares import host_backed_off
from .nodes import node_redis

# Milliseconds to wait for this request's turn on the host. KEYS[1]: the host's next free
# moment; KEYS[2]: the host's floor as the nodes know it (the longest asked for in the last
# 10 minutes: a node that met an anti-bot wall and backed off slows every node);
# ARGV[1]: this node's pace in ms; ARGV[2]: the floor this node knows, in ms; ARGV[3]: how
# long this node's own download slot will hold the request anyway (its pace since its last
# request to the host), so the turn is not spent waiting there and overrun into the next.
RESERVE_TURN = """
local now = redis.call('TIME')
local now_ms = tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000)
local earliest = now_ms + tonumber(ARGV[3] or '0')
local floor = tonumber(ARGV[2])
local shared = tonumber(redis.call('GET', KEYS[2]) or '0')
if floor >= shared and floor > 0 then
  redis.call('SET', KEYS[2], floor, 'PX', 600000)
end
local delay = math.max(tonumber(ARGV[1]), floor, shared)
local turn = math.max(earliest, tonumber(redis.call('GET', KEYS[1]) or '0'))
redis.call('SET', KEYS[1], turn + delay, 'PX', delay + 600000)
return turn - now_ms
"""
KEYS = ("newsarchive:host:{}:next", "newsarchive:host:{}:delay")
# Loopback and the network between nodes take a few ms: a floor is kept this much longer,
# so two requests never reach the host closer than its floor.
MARGIN_MS = 50


class SharedHostPacing:
    """Downloader middleware (crawl nodes, REDIS_URL set): a request waits for its host's turn."""

    def __init__(self, crawler, server):
        self.crawler = crawler
        self.reserve = server.register_script(RESERVE_TURN)
        crawler.signals.connect(self.share_back_off, signal=host_backed_off)

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler, node_redis(crawler))

    async def process_request(self, request):
        slot = self.crawler.engine.downloader.get_slot_key(request)  # the host, or robots.txt's own slot
        pace_ms, floor_ms = int(self._pace(slot) * 1000), int(self._floor(slot) * 1000)
        if max(pace_ms, floor_ms) <= 0:
            return None
        host = urlsplit(request.url).hostname
        wait_ms = await asyncio.to_thread(self.reserve, keys=[key.format(host) for key in KEYS],
                                          args=[pace_ms, floor_ms + MARGIN_MS if floor_ms else 0, self._held_ms(slot)])
        if wait_ms > 0:
            await asyncio.sleep(wait_ms / 1000)
        return None

    def share_back_off(self, host: str, delay: float) -> None:
        """This node met an anti-bot wall and backed off (AntiBotMiddleware): every node does."""
        self.reserve(keys=[key.format(host) for key in KEYS], args=[0, int(delay * 1000) + MARGIN_MS])

    def _pace(self, key: str) -> float:
        """The delay of this node's download slot (AutoThrottle's adjustment and a back-off
        included), or before the slot's first request its floor."""
        slot = self.crawler.engine.downloader.slots.get(key)
        return slot.delay if slot is not None else self._floor(key)

    def _held_ms(self, key: str) -> int:
        """How long this node's download slot would hold a request from now on."""
        slot = self.crawler.engine.downloader.slots.get(key)
        if slot is None or not slot.delay:
            return 0
        return max(0, math.ceil((slot.lastseen + slot.delay - time.monotonic()) * 1000) + 1)

    def _floor(self, key: str) -> float:
        """The profile's delay or robots.txt Crawl-delay (fetch/throttle.py keeps the longer)."""
        settings = self.crawler.settings
        known = self.crawler.stats.get_value(f"newsarchive/delay/{key}")
        if known is not None:
            return float(known)
        return float(settings.getdict("DOWNLOAD_SLOTS").get(key, {}).get("delay", settings.getfloat("DOWNLOAD_DELAY")))
