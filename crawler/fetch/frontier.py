"""The shared frontier of crawl nodes: one Redis queue per host, taken in turn.

scrapy-redis keeps all requests in one priority queue, so a node takes the next requests
whatever their host. With one request at a time per host, a node that took eight requests
of one host fetches them one after another while every other host waits: the crawl runs
at one host's pace. Scrapy's own scheduler avoids this locally (DownloaderAwarePriorityQueue:
the least busy download slot goes first); this queue does the same across nodes. Each host
has its own priority queue (a sorted set), the hosts with requests waiting form a ring, and
a node takes the next request from the next host in the ring that it is not already
fetching (one Lua script, atomic across nodes). Rotating the ring also spreads the nodes
over the hosts, so they rarely wait for one another's turn on a host (fetch/pacing.py).
"""

from __future__ import annotations

from collections import Counter

from scrapy_redis.queue import Base

# KEYS[1]: the ring of hosts with requests waiting; KEYS[2]: the count of waiting requests;
# KEYS[3]: the host's queue. ARGV[1]: the host; ARGV[2]: score (-priority); ARGV[3]: request.
PUSH = """
if redis.call('ZADD', KEYS[3], ARGV[2], ARGV[3]) == 1 then
  redis.call('INCR', KEYS[2])
  if redis.call('ZCARD', KEYS[3]) == 1 then redis.call('RPUSH', KEYS[1], ARGV[1]) end
end
"""
# KEYS as PUSH's first two. ARGV[1]: the prefix of the hosts' queues; ARGV[2..]: the hosts
# this node is busy with. Returns the first request of the next host not busy, or nil.
POP = """
local busy = {}
for i = 2, #ARGV do busy[ARGV[i]] = true end
for _ = 1, redis.call('LLEN', KEYS[1]) do
  local host = redis.call('LMOVE', KEYS[1], KEYS[1], 'LEFT', 'RIGHT')
  if not busy[host] then
    local queue = ARGV[1] .. host
    local first = redis.call('ZRANGE', queue, 0, 0)
    redis.call('ZREMRANGEBYRANK', queue, 0, 0)
    if redis.call('ZCARD', queue) == 0 then redis.call('LREM', KEYS[1], -1, host) end
    if #first > 0 then
      redis.call('DECR', KEYS[2])
      return first[1]
    end
  end
end
return false
"""


class HostRingQueue(Base):
    """SCHEDULER_QUEUE_CLASS of crawl nodes: per-host priority queues taken in turn, never
    a host this node already has as many requests of as its download slot allows."""

    def __init__(self, server, spider, key, serializer=None):
        super().__init__(server, spider, key, serializer)
        self.ring, self.count, self.prefix = f"{self.key}:hosts", f"{self.key}:count", f"{self.key}:host:"
        self._push = server.register_script(PUSH)
        self._pop = server.register_script(POP)

    def __len__(self) -> int:
        return int(self.server.get(self.count) or 0)

    def push(self, request) -> None:
        host = self._downloader.get_slot_key(request)
        self._push(keys=[self.ring, self.count, self.prefix + host],
                   args=[host, -request.priority, self._encode_request(request)])

    def pop(self, timeout=0):
        encoded = self._pop(keys=[self.ring, self.count], args=[self.prefix, *self.busy_hosts()])
        return self._decode_request(encoded) if encoded else None

    def busy_hosts(self) -> set[str]:
        """Hosts this node has as many requests of in its downloader as the host's slot
        fetches at once (requests waiting for their turn in pacing included)."""
        downloader = self._downloader
        counts = Counter(downloader.get_slot_key(request) for request in downloader.active)
        return {host for host, count in counts.items() if count >= self._concurrency(host)}

    def clear(self) -> None:
        hosts = self.server.lrange(self.ring, 0, -1)
        self.server.delete(self.ring, self.count, *(self.prefix.encode() + host for host in hosts))

    @property
    def _downloader(self):
        return self.spider.crawler.engine.downloader

    def _concurrency(self, host: str) -> int:
        slot = self._downloader.slots.get(host)
        if slot is not None:
            return slot.concurrency
        settings = self.spider.crawler.settings
        return int(settings.getdict("DOWNLOAD_SLOTS").get(host, {}).get(
            "concurrency", settings.getint("CONCURRENT_REQUESTS_PER_DOMAIN")))


def forget_earlier_crawls(server, spider) -> None:
    """A crawl starts with an empty shared queue and seen-request filter, as a local run does
    (what an earlier crawl left undone is in the writer's frontier, which the new one reads)."""
    settings = spider.crawler.settings
    HostRingQueue(server, spider, settings["SCHEDULER_QUEUE_KEY"]).clear()
    server.delete(settings["SCHEDULER_DUPEFILTER_KEY"] % {"spider": spider.name})
