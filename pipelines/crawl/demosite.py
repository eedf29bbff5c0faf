"""The demo's web: the bundled sample pages served on 127.0.0.1 by eight virtual hosts,
with a few pages that rights holders reserved, so `leam demo` shows every kind of decision.

    site 0: robots.txt disallows /members/          → not fetched (robots_txt)
    site 1: tdmrep.json reserves /archive/*         → not fetched (tdmrep_json)
    site 2: a page sent with `tdm-reservation: 1`   → fetched, reserved (tdm_header)
    site 3: a page with <meta name="robots" content="noai"> → fetched, reserved
    site 4: ai.txt disallows /gallery/              → not fetched (ai_txt)
    site 5: /mirror/ copies pages of other sites, some word for word, some with a line
            added                                     → fetched, removed by dedup
"""

from __future__ import annotations

import json

from leam.corpus.languages import EU24
from leam.pipelines.crawl.localsite import (
    Reply,
    SiteServer,
    html_reply,
    link_sites,
    linked_page,
    multilingual_sites,
)
from leam.pipelines.crawl.options import CrawlOptions
from leam.pipelines.samples import SamplePage, sample_pages

HOSTS = 8
MIRRORS = 6  # pages copied onto site 5: even ones word for word, odd ones with a line added
RESERVED_PAGES = {  # site → (path, how it is reserved)
    0: "/members/area.html",
    1: "/archive/2019.html",
    2: "/press/embargo.html",
    3: "/blog/noai.html",
    4: "/gallery/photos.html",
}


def demo_options() -> CrawlOptions:
    """Home pages and the pages they link to; polite, but quick on a local server."""
    return CrawlOptions(
        allow_private=True, delay_s=0.01, max_depth=1, max_pages=2000, timeout_s=10.0, partitions=4
    )


def _mirrored(pages: list[SamplePage]) -> list[SamplePage]:
    """Long EU-language pages of sites other than 5, as a mirror site republishes them."""
    chosen = [
        p
        for i, p in enumerate(pages)
        if i % HOSTS != 5 and p.lang in EU24 and len(p.text.split()) > 150
    ]
    copies = []
    for i, page in enumerate(chosen[:: max(len(chosen) // MIRRORS, 1)][:MIRRORS]):
        text = page.text if i % 2 == 0 else f"{page.text}\n\nRepublished with permission."
        copies.append(SamplePage(page.lang, page.title, text, page.url))
    return copies


class DemoSite:
    """Serves the demo web while in a `with` block; `seeds` are the eight home pages."""

    def __init__(self) -> None:
        pages = sample_pages()
        sites = multilingual_sites(pages, HOSTS, robots="User-agent: *\nDisallow: /members/\n")
        sites[1]["/.well-known/tdmrep.json"] = Reply(
            200,
            json.dumps(
                [
                    {
                        "location": "/archive/*",
                        "tdm-reservation": 1,
                        "tdm-policy": "https://publisher.example/tdm-licence.json",
                    }
                ]
            ).encode(),
            [("Content-Type", "application/json")],
        )
        sites[4]["/ai.txt"] = Reply(
            200, b"User-Agent: *\nDisallow: /gallery/\n", [("Content-Type", "text/plain")]
        )
        for site, path in RESERVED_PAGES.items():
            page = pages[site]
            head = '<meta name="robots" content="noai">' if site == 3 else ""
            headers = [("tdm-reservation", "1")] if site == 2 else []
            sites[site][path] = html_reply(linked_page(page, [], head), headers=headers)
            home = sites[site]["/"]
            link = f'<a href="{path}">reserved</a></body>'.encode()
            home.body = home.body.replace(b"</body>", link)
        for i, page in enumerate(_mirrored(pages)):
            path = f"/mirror/{i}.html"
            sites[5][path] = html_reply(linked_page(page, []))
            home = sites[5]["/"]
            home.body = home.body.replace(
                b"</body>", f'<a href="{path}">mirror</a></body>'.encode()
            )
        self.server = SiteServer(sites)
        self.pages = len(pages)

    def __enter__(self) -> DemoSite:
        self.server.__enter__()
        link_sites(self.server.sites, self.server.hosts)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.__exit__(*exc)

    @property
    def seeds(self) -> list[str]:
        return [self.server.url(i) for i in range(HOSTS)]
