"""Per-host pacing shared by every crawl node, through Redis.

Scrapy paces a host inside one process (its download slot: the profile's delay, robots.txt
Crawl-delay, AutoThrottle, the anti-bot back-off). Ten nodes crawling one host would each
keep that pace, and the host would see ten times the rate. Here every request first takes
the host's next free moment from Redis, atomically (one Lua script, Redis's own clock): the
first node to ask gets now, the next one now + the delay, and so on; the request waits
until its moment. The delay is the host's current slot delay in this node (profile,
robots.txt Crawl-delay, AutoThrottle, anti-bot back-off) or the longest any node asked for
in the last 10 minutes, so every floor one node knows applies to all.
"""

from __future__ import annotations

import asyncio

from scrapy.exceptions import NotConfigured

from .middlewares import real_url

# Milliseconds to wait for this request's turn on the host. KEYS[1]: the host's next free
# moment; KEYS[2]: the longest delay any node asked for lately (a node that met an anti-bot
# wall and backed off slows every node for 10 minutes); ARGV[1]: this node's delay in ms.
RESERVE_TURN = """
local now = redis.call('TIME')
local now_ms = tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000)
local asked = tonumber(ARGV[1])
local shared = tonumber(redis.call('GET', KEYS[2]) or '0')
if asked >= shared then
  redis.call('SET', KEYS[2], asked, 'PX', 600000)
end
local delay = math.max(asked, shared)
local free = tonumber(redis.call('GET', KEYS[1]) or '0')
local turn = math.max(now_ms, free)
redis.call('SET', KEYS[1], turn + delay, 'PX', delay + 600000)
return turn - now_ms
"""
KEYS = ("newsarchive:host:{}:next", "newsarchive:host:{}:delay")
# Loopback and the network between nodes take a few ms: a turn is this much longer than the
# delay, so two requests never reach the host closer than the delay.
MARGIN_MS = 50


class SharedHostPacing:
    """Downloader middleware (crawl nodes, REDIS_URL set): a request waits for its host's turn."""

    def __init__(self, crawler, server):
        self.crawler = crawler
        self.reserve = server.register_script(RESERVE_TURN)

    @classmethod
    def from_crawler(cls, crawler):
        url = crawler.settings.get("REDIS_URL")
        if not url:
            raise NotConfigured("REDIS_URL is not set: pacing stays inside this process")
        import redis

        return cls(crawler, redis.Redis.from_url(url))

    async def process_request(self, request):
        delay_ms = int(self._delay(request) * 1000)
        if delay_ms <= 0:
            return None
        host = real_url(request).split("/")[2]
        wait_ms = await asyncio.to_thread(self.reserve, keys=[key.format(host) for key in KEYS],
                                          args=[delay_ms + MARGIN_MS])
        if wait_ms > 0:
            await asyncio.sleep(wait_ms / 1000)
        return None

    def _delay(self, request) -> float:
        """The host's delay in this node: its download slot's (floors, Crawl-delay, back-off
        applied), or before the slot's first request what the slot will start with."""
        downloader = self.crawler.engine.downloader
        key = downloader.get_slot_key(request)
        slot = downloader.slots.get(key)
        if slot is not None:
            return slot.delay
        settings = self.crawler.settings
        return float(settings.getdict("DOWNLOAD_SLOTS").get(key, {}).get("delay", settings.getfloat("DOWNLOAD_DELAY")))
