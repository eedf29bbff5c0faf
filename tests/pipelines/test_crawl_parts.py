"""The crawler's parts, in-process: address safety, robots.txt and TDMRep semantics, content
decoding limits, URLs, the journal, pacing, resume after a kill, and dump ingestion."""

from __future__ import annotations

import asyncio
import gzip
import itertools
import time
import zlib
from pathlib import Path

import brotli
import pytest
from warcio.archiveiterator import ArchiveIterator

from leam.pipelines.crawl.content import BodyDecoder
from leam.pipelines.crawl.driver import CrawlDriver, journal_rows
from leam.pipelines.crawl.fetch import retry_after
from leam.pipelines.crawl.ingest import resolve_dumps
from leam.pipelines.crawl.journal import CrawlDir, Entry, Journal
from leam.pipelines.crawl.localsite import Reply, SiteServer, multilingual_sites
from leam.pipelines.crawl.options import CrawlOptions
from leam.pipelines.crawl.pacing import HostPacer
from leam.pipelines.crawl.page import read_sitemap
from leam.pipelines.crawl.policyfile import ROBOTS_TXT, TDMREP_JSON, PolicyFile
from leam.pipelines.crawl.robots import RobotsRules
from leam.pipelines.crawl.safety import RefusedAddress, check_host, refusal
from leam.pipelines.crawl.tdm import TdmRepFile, response_reservation, x_robots_directives
from leam.pipelines.crawl.urls import Scope, host_key, normalise, partition_of
from leam.pipelines.crawl.worker import PartitionTask, crawl_partition
from tests.sample_warc import sample_pages, write_sample_warc


@pytest.mark.parametrize(
    ("address", "strict", "with_flag"),
    [
        ("93.184.216.34", None, None),
        ("2a00:1450:4001:80b::200e", None, None),
        ("127.0.0.1", "loopback", None),
        ("::1", "loopback", None),
        ("10.1.2.3", "private", None),
        ("192.168.0.10", "private", None),
        ("fd00::1", "private", None),
        ("100.64.0.1", "private", None),  # carrier-grade NAT: not global
        ("169.254.169.254", "link_local", "link_local"),  # cloud metadata: never
        ("fe80::1", "link_local", "link_local"),
        ("224.0.0.1", "multicast", "multicast"),
        ("0.0.0.0", "reserved", "reserved"),
        ("::ffff:10.0.0.1", "private", None),  # IPv4-mapped
    ],
)
def test_address_classes(address, strict, with_flag):
    assert refusal(address, allow_private=False) == strict
    assert refusal(address, allow_private=True) == with_flag


def test_refused_before_connecting():
    """Literal addresses are classified without DNS and without a connection."""
    for host in ("10.0.0.7", "169.254.169.254"):
        with pytest.raises(RefusedAddress) as err:
            asyncio.run(check_host(host, 80, allow_private=False))
        assert err.value.signal.endswith("_address")
    assert asyncio.run(check_host("127.0.0.1", 80, allow_private=True)) == ["127.0.0.1"]


def _file(path, status, body="", ctype="text/plain"):
    return PolicyFile(path, status, body, ctype, None if status else "refused", time.time())


def test_robots_status_semantics_rfc9309():
    url = "http://h/any"
    assert RobotsRules(_file(ROBOTS_TXT, 404), "LEAMbot", True).check(url).allowed
    assert RobotsRules(_file(ROBOTS_TXT, 403), "LEAMbot", True).check(url).allowed
    for status in (500, 503, 429, None):
        assert not RobotsRules(_file(ROBOTS_TXT, status), "LEAMbot", True).check(url).allowed
    body = "User-agent: *\nDisallow: /a/\nAllow: /a/b$\n\nUser-agent: leambot\nDisallow: /x\n"
    rules = RobotsRules(_file(ROBOTS_TXT, 200, body), "LEAMbot", True)
    # Our group replaces the * group (RFC 9309 §2.2.1): /a/ is allowed for us, /x is not.
    assert rules.check("http://h/a/c").allowed and not rules.check("http://h/x/y").allowed
    star = RobotsRules(_file(ROBOTS_TXT, 200, body), "OtherBot", True)
    assert not star.check("http://h/a/c").allowed and star.check("http://h/a/b").allowed
    assert not star.check("http://h/a/b/c").allowed  # `$` anchors the end


def test_tdmrep_rules_and_failure_modes():
    rules = (
        '[{"location": "/news/*.html", "tdm-reservation": 1, "tdm-policy": "https://p"},'
        '{"location": "/", "tdm-reservation": 0}]'
    )
    tdm = TdmRepFile(_file(TDMREP_JSON, 200, rules, "application/json"))
    hit = tdm.check("http://h/news/a.html")
    assert hit.reserved and hit.policy == "https://p"
    assert not tdm.check("http://h/about").reserved
    assert TdmRepFile(_file(TDMREP_JSON, 404)).check("http://h/x") is None
    for broken in ("{not json", '{"location": "/"}', '[{"location": "/", "tdm-reservation": 2}]'):
        verdict = TdmRepFile(_file(TDMREP_JSON, 200, broken, "application/json")).check("http://h/")
        assert verdict.reserved and "fail closed" in verdict.detail  # fail closed
    assert TdmRepFile(_file(TDMREP_JSON, 503)).check("http://h/").reserved
    soft404 = TdmRepFile(_file(TDMREP_JSON, 200, "<html>Not found</html>", "text/html"))
    assert soft404.check("http://h/") is None


def test_response_signals():
    r, policy, notes = response_reservation(
        {"TDM-Reservation": "1", "tdm-policy": "https://pol"}, {}, "LEAMbot"
    )
    assert r.signal == "tdm_header" and policy == "https://pol"
    r, _, notes = response_reservation({"tdm-reservation": "0"}, {}, "LEAMbot")
    assert r is None and "not reserved" in notes[0]
    r, _, _ = response_reservation({}, {"tdm-reservation": "1"}, "LEAMbot")
    assert r.signal == "tdm_meta"
    r, _, _ = response_reservation([("X-Robots-Tag", "otherbot: noai")], {}, "LEAMbot")
    assert r is None  # another crawler's directive
    r, _, _ = response_reservation([("x-robots-tag", "leambot: noai")], {}, "LEAMbot")
    assert r.signal == "x_robots_noai"
    r, _, notes = response_reservation({}, {"robots": "index, noimageai"}, "LEAMbot")
    assert r is None and "noimageai" in notes[0]
    assert x_robots_directives(["max-snippet: 20, noai"], "LEAMbot") == {"max-snippet: 20", "noai"}


def test_decoders_cut_bombs_at_the_limit():
    zeros = b"\0" * 20_000_000
    for encoding, data in (
        ("gzip", gzip.compress(zeros)),
        ("br", brotli.compress(zeros)),
        ("deflate", zlib.compress(zeros)),
    ):
        decoder = BodyDecoder(encoding)
        out = decoder.feed(data, 100_000)
        assert len(out) == 100_000 and decoder.over, encoding
    raw = zlib.compressobj(wbits=-15)
    body = raw.compress(b"hello " * 100) + raw.flush()
    assert BodyDecoder("deflate").feed(body, 10_000) == b"hello " * 100  # raw deflate too


def test_urls_normalise_partition_and_scope():
    assert (
        normalise("HTTP://Example.COM:80/a/./b/?utm_source=x&b=1#top")
        == "http://example.com/a/b/?b=1"
    )
    assert normalise("/rel", "https://x.org/dir/page") == "https://x.org/rel"
    assert normalise("mailto:a@b.c") is None and normalise("javascript:void(0)") is None
    assert host_key("http://127.0.0.1:8080/x") == "127.0.0.1:8080"
    assert host_key("https://Example.com:443/") == "example.com"
    assert partition_of("example.com", 64) == partition_of("example.com", 64) < 64
    scope = Scope.build("domain", ["https://www.example.co.uk/"], [], [r"/private/"])
    assert scope.allows("https://shop.example.co.uk/x")
    assert not scope.allows("https://other.co.uk/") and not scope.allows(
        "https://www.example.co.uk/private/a"
    )


def test_sitemaps_and_retry_after():
    xml = (
        b'<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        b"<url><loc>http://h/a</loc></url><url><loc> http://h/b </loc></url></urlset>"
    )
    assert read_sitemap(gzip.compress(xml), 10_000) == (["http://h/a", "http://h/b"], [])
    index = b"<sitemapindex><sitemap><loc>http://h/s2.xml</loc></sitemap></sitemapindex>"
    assert read_sitemap(index, 10_000) == ([], ["http://h/s2.xml"])
    assert retry_after("7", 0) == 7.0 and retry_after("soon", 0) is None
    assert retry_after("Thu, 01 Jan 1970 00:01:00 GMT", 30.0) == 30.0


def test_journal_ignores_a_cut_last_line(tmp_path: Path):
    journal = Journal(tmp_path / "p-00000.jsonl")
    journal.append([Entry("http://h/", 0).event("q")])
    journal.close()
    with journal.path.open("a") as f:
        f.write('{"e": "done", "url": "http://h/", "ro')  # killed mid-write
    events, _ = journal.read()
    assert [e["e"] for e in events] == ["q"]
    journal.append([Entry("http://h/x", 1).event("q")])
    assert [e["url"] for e in journal.read()[0]] == ["http://h/", "http://h/x"]


def test_pacer_spaces_requests():
    async def go():
        pacer = HostPacer(0.05, 1)
        starts = []
        for _ in range(4):
            async with pacer.turn():
                starts.append(time.monotonic())
        pacer.slow_down(0.1)
        async with pacer.turn():
            starts.append(time.monotonic())
        return starts

    starts = asyncio.run(go())
    gaps = [b - a for a, b in itertools.pairwise(starts)]
    assert min(gaps[:3]) >= 0.049 and gaps[3] >= 0.099


def _partition_crawl(
    root: Path, seeds: list[str], options: CrawlOptions, budget: int, kind: str = "page"
) -> None:
    """The driver's round loop without Ray (a task per partition, one after another)."""
    scope = Scope.build("host", seeds, [], [])
    driver = CrawlDriver(CrawlDir(root), "t", options, scope)
    driver.queue([Entry(u, 0, kind=kind) for u in seeds])
    while budgets := driver._budgets():
        for p, b in budgets.items():
            task = PartitionTask(
                str(root), "t", p, min(b, budget), options.model_dump_json(), scope
            )
            crawl_partition(task, lambda n: None)
        if not driver.read_journals() + driver.route_outs():
            break
        if budget < 1000:  # one interrupted round only
            return


def test_loopback_is_refused_without_allow_private(tmp_path: Path):
    sites = multilingual_sites(sample_pages(["de"], per_lang=2), 1)
    with SiteServer(sites) as server:
        _partition_crawl(tmp_path, [server.url(0)], CrawlOptions(delay_s=0), 100)
        assert server.hits == []  # not even robots.txt
    [row] = journal_rows(tmp_path)
    assert (row["decision"], row["signal"], row["fetched"]) == (
        "refused",
        "loopback_address",
        False,
    )


def test_a_killed_crawl_resumes_without_refetching(tmp_path: Path):
    pages = sample_pages(["de", "fr"], per_lang=6)
    sites = multilingual_sites(pages, 1)
    options = CrawlOptions(allow_private=True, delay_s=0, max_depth=3, partitions=2)
    with SiteServer(sites) as server:
        seeds = [server.url(0)]
        _partition_crawl(tmp_path, seeds, options, budget=5)  # stops after 5 pages
        warcs = list((tmp_path / "warc").glob("*.warc.gz"))
        journals = CrawlDir(tmp_path).journals()
        with warcs[0].open("ab") as f:  # a record half-written when the worker was killed
            f.write(gzip.compress(b"WARC/1.1\r\nWARC-Type: response\r\n")[:20])
        with journals[0].open("a") as f:
            f.write('{"e": "done", "url": "http://cut')
        _partition_crawl(tmp_path, seeds, options, budget=1000)
        fetched = [h.path for h in server.hits if not h.path.startswith(("/robots", "/ai", "/."))]
    assert len(fetched) == len(set(fetched)), "a page was fetched twice"
    rows = journal_rows(tmp_path)
    assert len(rows) == len({r["url"] for r in rows}) and len(rows) == len(fetched)
    responses = []
    for path in sorted((tmp_path / "warc").glob("*.warc.gz")):
        with path.open("rb") as f:
            responses += [
                r.rec_headers.get_header("WARC-Target-URI")
                for r in ArchiveIterator(f, check_digests=True)
                if r.rec_type == "response"
            ]
    assert sorted(responses) == sorted(r["url"] for r in rows if r["warc_file"])
    assert all(server.url(0, "/" + p.url.split("/", 3)[3]) in responses for p in pages)


def test_ingest_resolves_folders_globs_and_paths_lists(tmp_path: Path):
    dump = tmp_path / "cc" / "crawl-data" / "seg-1"
    for i in range(3):
        write_sample_warc(dump / f"part-{i}.warc.gz", sample_pages(["de"], per_lang=1))
    (dump / "notes.txt").write_text("not a dump")
    found = resolve_dumps([str(tmp_path / "cc")], prefix="")
    assert [Path(p).name for p in found] == ["part-0.warc.gz", "part-1.warc.gz", "part-2.warc.gz"]
    assert resolve_dumps([str(dump / "part-[12].warc.gz")], prefix="") == found[1:]
    listing = tmp_path / "warc.paths.gz"
    listing.write_bytes(
        gzip.compress(b"crawl-data/seg-1/part-2.warc.gz\ncrawl-data/seg-1/part-0.warc.gz\n")
    )
    resolved = resolve_dumps([str(listing)], prefix=str(tmp_path / "cc"), limit=1)
    assert resolved == [str(dump / "part-2.warc.gz")]
    with pytest.raises(FileNotFoundError):
        resolve_dumps([str(tmp_path / "nothing-here")], prefix="")


def test_a_crawl_from_a_sitemap(tmp_path: Path):
    sites = multilingual_sites(sample_pages(["it", "sv"], per_lang=2), 1)
    with SiteServer(sites) as server:
        pages = [server.url(0, p) for p in sites[0] if p.endswith(".html")]
        locs = "".join(f"<url><loc>{u}</loc></url>" for u in pages[:3])
        sites[0]["/sitemap.xml"] = Reply(
            200, f"<urlset>{locs}</urlset>".encode(), [("Content-Type", "application/xml")]
        )
        options = CrawlOptions(allow_private=True, delay_s=0, max_depth=0)
        _partition_crawl(tmp_path, [server.url(0, "/sitemap.xml")], options, 100, "sitemap")
        fetched = {h.path for h in server.hits}
    assert {server.url(0, p) for p in fetched} >= set(pages[:3])
    assert {r["url"] for r in journal_rows(tmp_path)} == {server.url(0, "/sitemap.xml"), *pages[:3]}
