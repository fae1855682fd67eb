"""Crawl nodes know of each other: a node with nothing to do stays while another still works.

A node's queue runs dry while another node is still fetching a list page whose links will
fill it again; closing then would leave the rest of the crawl to the others (a node started
by cron a moment after another would do nothing at all). So every node that has work in
hand (downloads, parsing, cleaning) says so in Redis, renewed every second, and a node with
nothing to do closes only when no other node has work in hand and the shared queue is
empty. A word expires 5 s after it was last renewed: a killed node stops counting then (a
node started within those 5 s joins the dead node's crawl, does what its queue holds, and
leaves the dead node's requests in hand to the next crawl, which starts from the writer's
frontier).
"""

from __future__ import annotations

import os
import socket
import warnings

from scrapy import signals
from scrapy.exceptions import DontCloseSpider, NotConfigured, ScrapyDeprecationWarning
from scrapy.utils.asyncio import call_later, create_looping_call

# scrapy-redis 0.9 calls APIs Scrapy 2.19 deprecates (Spider.log, stats with a spider): not
# ours to fix, and a node's cron log at WARNING would get them every run.
warnings.filterwarnings("ignore", category=ScrapyDeprecationWarning, module=r"scrapy_redis\.")

BUSY = "newsarchive:nodes:busy"  # sorted set: node → the moment (Redis clock, ms) its word expires
WORD_MS = 5_000
RENEW_S = 1.0
RECHECK_S = 0.25  # how soon a waiting node looks at the shared queue again

# KEYS[1]: BUSY. ARGV[1]: this node; ARGV[2]: 1 if it has work in hand, else 0; ARGV[3]:
# how long its word holds (ms). Returns how many other nodes have work in hand.
SAY = """
local now = redis.call('TIME')
local now_ms = tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now_ms)
if ARGV[2] == '1' then
  redis.call('ZADD', KEYS[1], now_ms + tonumber(ARGV[3]), ARGV[1])
else
  redis.call('ZREM', KEYS[1], ARGV[1])
end
local others = redis.call('ZCARD', KEYS[1])
if redis.call('ZSCORE', KEYS[1], ARGV[1]) then others = others - 1 end
return others
"""


def node_redis(crawler):
    """The Redis of a crawl node. A component only nodes have is quietly left out of a local
    crawl (NotConfigured with a message would be a warning in every sample crawl's output)."""
    url = crawler.settings.get("REDIS_URL")
    if not url:
        raise NotConfigured
    import redis

    return redis.Redis.from_url(url)


def node_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def nodes_at_work(server) -> int:
    """How many nodes have work in hand (their word not lapsed)."""
    return server.register_script(SAY)(keys=[BUSY], args=["", 0, WORD_MS])


def others_at_work(server, at_work: bool) -> int:
    """Say whether this node has work in hand; how many other nodes have (atomically)."""
    return server.register_script(SAY)(keys=[BUSY], args=[node_name(), int(at_work), WORD_MS])


class NodePresence:
    """Extension of crawl nodes (REDIS_URL set): work in hand said in Redis; an idle node
    waits for the others' work before it closes."""

    def __init__(self, crawler, server):
        self.crawler = crawler
        self.server = server
        self.renewal = create_looping_call(self.renew)

    @classmethod
    def from_crawler(cls, crawler):
        presence = cls(crawler, node_redis(crawler))
        crawler.signals.connect(presence.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(presence.spider_idle, signal=signals.spider_idle)
        crawler.signals.connect(presence.spider_closed, signal=signals.spider_closed)
        return presence

    def spider_opened(self, spider) -> None:
        """Join the crawl another node has work in hand for, or start one: decided before
        this node says it has work (its start requests), so of two nodes opening at once
        one starts and the other joins (never both joining an empty crawl)."""
        spider.joins_crawl = others_at_work(self.server, True) > 0
        self.renewal.start(RENEW_S)

    def renew(self) -> None:
        engine = self.crawler.engine
        others_at_work(self.server, engine is not None and not engine.spider_is_idle())

    def spider_idle(self, spider) -> None:
        if others_at_work(self.server, False):
            call_later(RECHECK_S, self._look_again)
            raise DontCloseSpider("another crawl node has work in hand")

    def spider_closed(self, spider) -> None:
        if self.renewal.running:
            self.renewal.stop()
        others_at_work(self.server, False)

    def _look_again(self) -> None:
        wake(self.crawler.engine)


def wake(engine) -> None:
    """Ask the engine for its next request now rather than at its 5 s heartbeat: the other
    nodes' links reach the shared queue at any moment (Scrapy has no public call for this;
    without it the node still looks every 5 s)."""
    slot = getattr(engine, "_slot", None)
    if slot is not None:
        slot.nextcall.schedule()
