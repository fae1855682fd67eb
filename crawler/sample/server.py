"""Serve the sample sites on a loopback port, answering by host like an HTTP proxy.

The crawler sends `GET http://jl.people.com.cn/n2/… HTTP/1.1` here (Scrapy's
`meta['proxy']`), so every article keeps its real URL whatever port the server got.
"""

from __future__ import annotations

import logging
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

from .site import SampleSite

logger = logging.getLogger(__name__)


class _Handler(BaseHTTPRequestHandler):
    site: SampleSite
    delay: float = 0.0
    arrivals: list  # (monotonic time, host, path) of every request: the server's access log
    protocol_version = "HTTP/1.1"
    # Headers and body are two writes: with Nagle's algorithm the body would wait ~40 ms for
    # the client's delayed ACK on every response.
    disable_nagle_algorithm = True

    def do_GET(self) -> None:  # noqa: N802 - the http.server API
        self._answer(with_body=True)

    def do_HEAD(self) -> None:  # noqa: N802
        self._answer(with_body=False)

    def _answer(self, with_body: bool) -> None:
        arrived = time.monotonic()
        if self.delay:
            time.sleep(self.delay)  # a slow site, for tests that interrupt a crawl
        if self.path.startswith(("http://", "https://")):
            parts = urlsplit(self.path)
            host, path = parts.hostname or "", parts.path or "/"
        else:
            host, path = (self.headers.get("Host") or "").split(":")[0], self.path.split("?")[0]
        self.arrivals.append((arrived, host, path))
        page = self.site.page(host, path)
        if page is None:
            self._send(404, {"Content-Type": "text/html; charset=utf-8"}, b"<html><body><h1>404 Not Found</h1></body></html>", with_body)
        elif self._not_modified(page):
            self._send(304, {"ETag": page.headers.get("ETag", "")}, b"", with_body=False)
        else:
            self._send(page.status, page.headers, page.body, with_body)

    def _not_modified(self, page) -> bool:
        """Conditional GET as static servers (and the TRS sites) answer it."""
        etag, since = self.headers.get("If-None-Match"), self.headers.get("If-Modified-Since")
        if etag:
            return etag == page.headers.get("ETag")
        return bool(since) and since == page.headers.get("Last-Modified")

    def _send(self, status: int, headers: dict, body: bytes, with_body: bool) -> None:
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if with_body:
            self.wfile.write(body)

    def log_message(self, format: str, *args) -> None:  # noqa: A002 - the http.server API
        logger.debug("sample server: " + format, *args)


class _QuietServer(ThreadingHTTPServer):
    """A client that hangs up (a crawl killed mid-request) is no error of the replica."""

    def handle_error(self, request, client_address) -> None:
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


class SampleServer:
    """The sample sites on 127.0.0.1:<free port> in a background thread (a context manager)."""

    def __init__(self, site: SampleSite | None = None, port: int = 0, delay: float = 0.0):
        self.site = site or SampleSite()
        self.arrivals: list[tuple[float, str, str]] = []
        handler = type("SampleHandler", (_Handler,), {"site": self.site, "delay": delay, "arrivals": self.arrivals})
        self.httpd = _QuietServer(("127.0.0.1", port), handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, name="sample-server", daemon=True)

    @property
    def url(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host}:{port}"

    def __enter__(self) -> "SampleServer":
        self.thread.start()
        logger.info("sample sites served at %s", self.url)
        return self

    def __exit__(self, *exc) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
