"""A small multilingual web site served on 127.0.0.1, for `leam demo`, tests and benchmarks.

Each virtual host is a port of its own (127.0.0.1:PORT is a host to the crawler), and every
request is logged with its host, path and arrival time, so that tests can check from the
server's side what the crawler fetched and how fast. Routes are fixed replies or functions
of the request (for redirects, slow answers, retries).
"""

from __future__ import annotations

import html
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from leam.pipelines.samples import SamplePage, render_html


@dataclass
class Reply:
    status: int = 200
    body: bytes = b""
    headers: list[tuple[str, str]] = field(default_factory=list)
    delay_s: float = 0.0  # wait before answering (a slow server)


@dataclass(frozen=True)
class Hit:
    host: str  # 127.0.0.1:PORT
    path: str
    at: float  # time.monotonic() on arrival
    user_agent: str


Route = Reply | Callable[["Hit", int], Reply]  # a function gets the hit and its count so far
Site = dict[str, Route]
NOT_FOUND = Reply(
    404,
    b"<html><body><h1>Not found</h1></body></html>",
    [("Content-Type", "text/html; charset=utf-8")],
)


def html_reply(text: str, charset: str = "utf-8", headers: list | None = None) -> Reply:
    body = text.encode(charset)
    return Reply(200, body, [("Content-Type", f"text/html; charset={charset}"), *(headers or [])])


class _QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: object, client_address: object) -> None:
        pass  # clients that hang up (timeouts, size limits) are part of the tests


class SiteServer:
    """Serves sites (one port each) from daemon threads; use as a context manager."""

    def __init__(self, sites: list[Site]) -> None:
        self.sites = sites
        self.hits: list[Hit] = []
        self._lock = threading.Lock()
        self._servers: list[ThreadingHTTPServer] = []
        self.hosts: list[str] = []

    def __enter__(self) -> SiteServer:
        for site in self.sites:
            server = _QuietServer(("127.0.0.1", 0), self._handler(site))
            self._servers.append(server)
            self.hosts.append(f"127.0.0.1:{server.server_address[1]}")
            threading.Thread(target=server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        for server in self._servers:
            server.shutdown()
            server.server_close()

    def url(self, site: int, path: str = "/") -> str:
        return f"http://{self.hosts[site]}{path}"

    def hits_of(self, site: int) -> list[Hit]:
        with self._lock:
            return [h for h in self.hits if h.host == self.hosts[site]]

    def _handler(self, site: Site) -> type[BaseHTTPRequestHandler]:
        outer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive, as real servers

            def do_GET(self) -> None:
                host = f"127.0.0.1:{self.server.server_address[1]}"
                hit = Hit(host, self.path, time.monotonic(), self.headers.get("User-Agent", ""))
                with outer._lock:
                    outer.hits.append(hit)
                    count = sum(1 for h in outer.hits if h.host == host and h.path == self.path)
                route = site.get(self.path, NOT_FOUND)
                reply = route(hit, count) if callable(route) else route
                if reply.delay_s:
                    time.sleep(reply.delay_s)
                try:
                    self.send_response(reply.status)
                    for name, value in reply.headers:
                        self.send_header(name, value)
                    self.send_header("Content-Length", str(len(reply.body)))
                    self.end_headers()
                    self.wfile.write(reply.body)
                except OSError:  # the client gave up (timeout, size limit): fine
                    self.close_connection = True

            def log_message(self, format: str, *args: object) -> None:
                pass

        return Handler


def page_path(page: SamplePage) -> str:
    return "/" + page.url.split("/", 3)[3]


def linked_page(page: SamplePage, links: list[tuple[str, str]], extra_head: str = "") -> str:
    """The sample page with a list of links (href, label) in its navigation."""
    items = "".join(f'<li><a href="{html.escape(h)}">{html.escape(t)}</a></li>' for h, t in links)
    text = render_html(page).replace(
        "<aside><h3>More</h3>", f"<aside><h3>More</h3><ul>{items}</ul>"
    )
    return text.replace("<head>", f"<head>{extra_head}", 1)


def multilingual_sites(pages: list[SamplePage], hosts: int, robots: str = "") -> list[Site]:
    """The sample pages spread over `hosts` sites: each page links to the next pages of
    its site, each site's home page links to its pages and to the next site's home."""
    sites: list[Site] = [{} for _ in range(hosts)]
    by_site: list[list[SamplePage]] = [pages[i::hosts] for i in range(hosts)]
    for s, own in enumerate(by_site):
        paths = [page_path(p) for p in own]
        for i, page in enumerate(own):
            nxt = [(paths[j], own[j].title) for j in (i + 1, i + 2) if j < len(own)]
            sites[s][paths[i]] = html_reply(linked_page(page, nxt))
        home = [(p, pg.title) for p, pg in zip(paths, own, strict=True)]
        sites[s]["/"] = html_reply(_home(home, s, hosts))
        sites[s]["/robots.txt"] = Reply(200, robots.encode(), [("Content-Type", "text/plain")])
    return sites


def _home(links: list[tuple[str, str]], site: int, hosts: int) -> str:
    items = "".join(f'<li><a href="{html.escape(h)}">{html.escape(t)}</a></li>' for h, t in links)
    return (
        f"<!DOCTYPE html><html><head><title>Portal {site}</title></head><body>"
        f"<h1>Portal {site}</h1><ul>{items}</ul>"
        f'<a href="NEXT_SITE/">next portal</a></body></html>'
    )


def link_sites(sites: list[Site], server_hosts: list[str]) -> None:
    """Points each home page's `NEXT_SITE` link at the next host (ports are known only
    once the servers run)."""
    for s, site in enumerate(sites):
        home = site["/"]
        nxt = f"http://{server_hosts[(s + 1) % len(sites)]}"
        home.body = home.body.replace(b"NEXT_SITE", nxt.encode())
