"""Route every request to a replica of the sites (the bundled sample) through an HTTP proxy."""

from __future__ import annotations

from scrapy.exceptions import NotConfigured


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
        if request.meta.get("proxy") == self.proxy:
            return None
        meta = {**request.meta, "proxy": self.proxy}
        if request.url.startswith("https://"):
            meta["replica_url"] = request.url
            return request.replace(url="http://" + request.url[len("https://"):], meta=meta)
        request.meta["proxy"] = self.proxy
        return None

    def process_response(self, request, response):
        real_url = request.meta.get("replica_url")
        return response.replace(url=real_url) if real_url else response
