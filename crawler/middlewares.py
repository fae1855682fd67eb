"""Route every request to a replica of the sites (the bundled sample) through an HTTP proxy."""

from __future__ import annotations

from .components import required_setting


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
        return cls(required_setting(crawler, "REPLICA_PROXY"))

    def process_request(self, request):
        real_url = request.meta.get("replica_url")
        if real_url and request.url == _plain_http(real_url):
            return None  # already rerouted
        request.meta.pop("replica_url", None)  # stale, copied onto a redirect
        request.meta["proxy"] = self.proxy
        if request.url.startswith("https://"):
            return request.replace(url=_plain_http(request.url), meta={**request.meta, "replica_url": request.url})
        return None

    def process_response(self, request, response):
        real_url = request.meta.get("replica_url")
        return response.replace(url=real_url) if real_url else response


def _plain_http(url: str) -> str:
    return "http://" + url[len("https://"):] if url.startswith("https://") else url


def real_url(request) -> str:
    """The URL a request stands for, also when it travels rerouted to a replica."""
    return request.meta.get("replica_url") or request.url
