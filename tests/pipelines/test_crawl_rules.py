"""The crawler's opt-out and safety decisions at their boundaries: header values TDMRep does
not list, repeated headers, the status codes where robots.txt and tdmrep.json switch from
"no file" to "fail closed", robots-style location patterns, and address classes."""

from __future__ import annotations

import asyncio
import socket
import time

import pytest
from aiohttp.resolver import ThreadedResolver

from leam.pipelines.crawl.policyfile import AI_TXT, ROBOTS_TXT, TDMREP_JSON, PolicyFile
from leam.pipelines.crawl.robots import RobotsRules
from leam.pipelines.crawl.safety import (
    GuardedResolver,
    RefusedAddress,
    address_class,
    check_host,
    refusal,
)
from leam.pipelines.crawl.tdm import (
    Reservation,
    TdmRepFile,
    header_reservation,
    meta_reservation,
    meta_robots_directives,
    noai_reservation,
    response_reservation,
    x_robots_directives,
)


def _file(path: str, status: int | None, body: str | None = "", ctype: str = "text/plain"):
    return PolicyFile(path, status, body, ctype, None if status else "refused", time.time())


# -- tdm-reservation: 0 frees, 1 reserves, anything else reserves (fail closed) -------------


@pytest.mark.parametrize("value", ["1", "yes", "true", "2", "", "01", "0, 1", "1 ", "no"])
def test_a_header_value_other_than_0_reserves(value: str):
    r = header_reservation([("tdm-reservation", value)])
    assert r == Reservation(True, "tdm_header", f"tdm-reservation: {value.strip()}", None)
    meta = meta_reservation({"tdm-reservation": value})
    assert meta is not None and meta.reserved and meta.signal == "tdm_meta"
    assert meta.detail == f'<meta name="tdm-reservation" content="{value.strip()}">'


@pytest.mark.parametrize("value", ["0", " 0", "0\t"])
def test_only_0_frees(value: str):
    r = header_reservation({"TDM-Reservation": value, "TDM-Policy": "https://p"})
    assert r == Reservation(False, "tdm_header", "tdm-reservation: 0", "https://p")
    meta = meta_reservation({"tdm-reservation": value, "tdm-policy": "https://m"})
    assert meta == Reservation(False, "tdm_meta", '<meta name="tdm-reservation" content="0">',
                               "https://m")


def test_a_repeated_header_reserves_if_any_line_does():
    """A dict of the response headers would keep one line: the last, here a 0."""
    headers = [("tdm-reservation", "1"), ("Content-Type", "text/html"),
               ("TDM-Reservation", "0"), ("tdm-policy", "https://first"),
               ("tdm-policy", "https://second")]
    r = header_reservation(headers)
    assert r == Reservation(True, "tdm_header", "tdm-reservation: 1, 0", "https://first")
    reserving, policy, notes = response_reservation(headers, {}, "LEAMbot")
    assert reserving == r and policy == "https://first" and notes == []
    assert header_reservation([("tdm-reservation", "0"), ("tdm-reservation", "0")]).reserved \
        is False


def test_no_header_and_no_meta_say_nothing():
    assert header_reservation([("Content-Type", "text/html")]) is None
    assert header_reservation({}) is None
    assert meta_reservation({"robots": "noai"}) is None
    assert response_reservation({}, {}, "LEAMbot") == (None, None, [])


def test_response_signals_order_policy_and_notes():
    # header frees, meta reserves: the page is reserved by the meta tag, and the free header
    # is noted; the policy offered first (header) is kept
    r, policy, notes = response_reservation(
        [("tdm-reservation", "0"), ("tdm-policy", "https://h")],
        {"tdm-reservation": "1", "tdm-policy": "https://m"}, "LEAMbot")
    assert r is not None and r.signal == "tdm_meta" and policy == "https://h"
    assert notes == ["tdm-reservation: 0 (not reserved)"]
    # both reserve: the header comes first
    r, _, notes = response_reservation([("tdm-reservation", "1")], {"tdm-reservation": "1"}, "b")
    assert r.signal == "tdm_header" and notes == []
    # a policy offered only by the meta tag is still reported
    r, policy, _ = response_reservation({}, {"tdm-reservation": "0", "tdm-policy": "https://m"},
                                        "b")
    assert r is None and policy == "https://m"
    # noai (headers before meta) reserves; noimageai is only noted
    r, _, notes = response_reservation([("X-Robots-Tag", "noai, noimageai")], {}, "LEAMbot")
    assert r == Reservation(True, "x_robots_noai", "X-Robots-Tag: noai")
    assert notes == ["noimageai: images reserved; no images are collected"]
    r, _, _ = response_reservation({}, {"leambot": "NoAI"}, "LEAMbot")
    assert r == Reservation(True, "meta_robots_noai", '<meta name="robots" content="noai">')
    assert noai_reservation({"noai"}, {"noai"}).signal == "x_robots_noai"
    assert noai_reservation({"noimageai"}, {"index"}) is None


def test_x_robots_tag_agents_and_valued_directives():
    assert x_robots_directives(["LEAMbot: noai", "*: noindex"], "leambot") == {"noai", "noindex"}
    assert x_robots_directives(["googlebot: noai"], "LEAMbot") == set()
    assert x_robots_directives(["unavailable_after: 25 Jun 2030"], "LEAMbot") == {
        "unavailable_after: 25 jun 2030"}
    for valued in ("max-image-preview: large", "max-video-preview: 5", "max-snippet: 3"):
        assert x_robots_directives([valued], "LEAMbot") == {valued}
    # "a b: c" has a space before the colon: not an agent, the whole value is directives
    assert x_robots_directives(["no ai: x, noai"], "LEAMbot") == {"no ai: x", "noai"}
    assert x_robots_directives([" , ,NOAI , "], "LEAMbot") == {"noai"}
    # another agent's line is skipped, the lines after it are still read
    assert x_robots_directives(["googlebot: nofollow", "noai"], "LEAMbot") == {"noai"}
    # the agent is what comes before the first colon
    assert x_robots_directives(["LEAMbot: max-snippet: 20, noai"], "LEAMbot") == {
        "max-snippet: 20", "noai"}
    assert meta_robots_directives({}, "LEAMbot") == set()
    assert meta_robots_directives({"robots": "NoIndex", "leambot": "noai"}, "LEAMbot") == {
        "noindex", "noai"}


# -- tdmrep.json ---------------------------------------------------------------------------


def _tdmrep(body: str, status: int | None = 200, ctype: str = "application/json") -> TdmRepFile:
    return TdmRepFile(_file(TDMREP_JSON, status, body, ctype))


@pytest.mark.parametrize("status", [None, 429, 500, 599])
def test_tdmrep_the_server_cannot_deliver_reserves_the_host(status):
    verdict = _tdmrep("", status).check("http://h/any")
    assert verdict.reserved and verdict.signal == "tdmrep_json"
    assert verdict.detail.endswith(": fail closed")


@pytest.mark.parametrize("status", [199, 300, 304, 403, 404, 410, 428, 499])
def test_tdmrep_absent_decides_nothing(status):
    assert _tdmrep('[{"location": "/", "tdm-reservation": 1}]', status).check("http://h/") is None


@pytest.mark.parametrize(
    ("body", "why"),
    [
        ("{not json", "not JSON: Expecting property name enclosed in double quotes"),
        ('{"location": "/"}', "not a JSON array of rules"),
        ('[{"tdm-reservation": 1}]', "a rule without a location"),
        ('[{"location": 3, "tdm-reservation": 1}]', "a rule without a location"),
        ('["/"]', "a rule without a location"),
        ('[{"location": "/", "tdm-reservation": 2}]', "tdm-reservation must be 0 or 1, not 2"),
        ('[{"location": "/", "tdm-reservation": true}]',
         "tdm-reservation must be 0 or 1, not True"),
        ('[{"location": "/", "tdm-reservation": "1"}]',
         "tdm-reservation must be 0 or 1, not '1'"),
        ('[{"location": "/"}]', "tdm-reservation must be 0 or 1, not None"),
    ],
)
def test_tdmrep_unreadable_reserves_the_host(body: str, why: str):
    source = _file(TDMREP_JSON, 200, body, "application/json")
    tdm = TdmRepFile(source)
    verdict = tdm.check("http://h/free")
    assert tdm.source is source and tdm.rules == []
    detail = f"tdmrep.json unreadable ({why}): fail closed"
    assert verdict == Reservation(True, "tdmrep_json", detail)


def test_tdmrep_soft_404_in_html_decides_nothing():
    assert _tdmrep("<html>gone</html>", 200, "Text/HTML; charset=utf-8").check("http://h/") is None
    assert _tdmrep("[]", 299).check("http://h/") is None  # an empty rule list
    empty = TdmRepFile(_file(TDMREP_JSON, 200, None, "application/json")).check("http://h/")
    assert empty.reserved  # a 200 without a body is not a readable file: fail closed


def test_tdmrep_locations_first_match_wins():
    tdm = _tdmrep(
        '[{"location": "/free/*.html$", "tdm-reservation": 0},'
        ' {"location": "/free/", "tdm-reservation": 1, "tdm-policy": "https://p"},'
        ' {"location": "/q?x=1", "tdm-reservation": 1}]'
    )
    free = tdm.check("http://h/free/a/b.html")
    assert free == Reservation(False, "tdmrep_json", "tdmrep.json location '/free/*.html$'")
    reserved = tdm.check("http://h/free/a/b.html?x=1")  # `$` ends the path: no match
    assert reserved == Reservation(True, "tdmrep_json", "tdmrep.json location '/free/'",
                                   "https://p")
    assert tdm.check("http://h/q?x=1&y=2").reserved  # the query is part of what is matched
    assert tdm.check("http://h/q") is None
    assert tdm.check("http://h/other/free/") is None  # a prefix, not a substring
    assert tdm.check("http://h") is None  # an empty path is "/"
    root = _tdmrep('[{"location": "/", "tdm-reservation": 1}]')
    assert root.check("http://h").reserved
    dotted = _tdmrep('[{"location": "/a.b", "tdm-reservation": 1}]')
    assert dotted.check("http://h/aXb") is None  # `.` is literal


# -- robots.txt and ai.txt: RFC 9309 status rules -----------------------------------------


@pytest.mark.parametrize("status", [None, 429, 500, 503, 599])
def test_robots_unavailable_disallows_and_ai_txt_does_not(status):
    closed = RobotsRules(_file(ROBOTS_TXT, status), "LEAMbot", fail_closed=True)
    verdict = closed.check("http://h/x")
    assert not verdict.allowed
    expected = "robots.txt unreachable (refused)" if status is None else f"robots.txt HTTP {status}"
    assert verdict.detail == f"{expected}: disallow all"
    ai = RobotsRules(_file(AI_TXT, status), "LEAMbot", fail_closed=False).check("http://h/x")
    assert ai.allowed and ai.detail.endswith(": allow all")


@pytest.mark.parametrize("status", [199, 300, 400, 404, 428, 499])
def test_robots_no_file_allows(status):
    rules = RobotsRules(_file(ROBOTS_TXT, status, "User-agent: *\nDisallow: /"), "b", True)
    assert rules.check("http://h/x").allowed
    assert rules.crawl_delay() is None and rules.sitemaps() == []


def test_robots_rules_delay_sitemaps_and_details():
    body = ("User-agent: *\nDisallow: /\n\nUser-agent: leambot\nDisallow: /private\n"
            "Crawl-delay: 2.5\nSitemap: http://h/sitemap.xml\n")
    rules = RobotsRules(_file(ROBOTS_TXT, 299, body), "LEAMbot", True)
    assert rules.check("http://h/a") == rules.check("http://h/a")
    ok, refused = rules.check("http://h/a"), rules.check("http://h/private/x")
    assert ok.allowed and ok.detail == "robots.txt allows it for LEAMbot"
    assert refused.allowed is False and refused.detail == "robots.txt disallows it for LEAMbot"
    assert rules.crawl_delay() == 2.5 and isinstance(rules.crawl_delay(), float)
    assert rules.sitemaps() == ["http://h/sitemap.xml"]
    other = RobotsRules(_file(ROBOTS_TXT, 200, body), "OtherBot", True)
    assert not other.check("http://h/a").allowed and other.crawl_delay() is None
    no_body = RobotsRules(_file(ROBOTS_TXT, 200, None), "LEAMbot", True)
    assert no_body.check("http://h/a").allowed  # a 200 without a body: no rules
    ai = RobotsRules(_file(AI_TXT, 200, "User-agent: *\nDisallow: /img"), "LEAMbot", False)
    assert ai.check("http://h/img/1").detail == "ai.txt disallows it for LEAMbot"


# -- address safety ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("address", "kind"),
    [
        ("8.8.8.8", None),
        ("ff02::1", "multicast"),
        ("169.254.0.1", "link_local"),
        ("::ffff:169.254.169.254", "link_local"),  # mapped: judged as the IPv4 address
        ("::ffff:127.0.0.1", "loopback"),
        ("::", "reserved"),
        ("240.0.0.1", "reserved"),
        ("172.16.0.1", "private"),
        ("192.0.2.1", "private"),  # documentation range: not global
        ("fe80::1%eth0", "link_local"),  # with a zone id
    ],
)
def test_address_class_boundaries(address: str, kind: str | None):
    assert refusal(address, allow_private=False) == kind
    import ipaddress

    assert address_class(ipaddress.ip_address(address)) == kind


def test_refusal_names_host_address_and_class():
    with pytest.raises(RefusedAddress) as err:
        asyncio.run(check_host("[::1]", 80, allow_private=False))
    assert err.value.signal == "loopback_address" and err.value.address == "::1"
    assert str(err.value) == "[::1] resolves to ::1 (loopback address)"
    with pytest.raises(RefusedAddress, match=r"\(link-local address\)"):
        asyncio.run(check_host("169.254.169.254", 80, allow_private=True))
    assert asyncio.run(check_host("localhost", 80, allow_private=True))  # resolved by name
    with pytest.raises(RefusedAddress):
        asyncio.run(check_host("localhost", 80, allow_private=False))


def test_guarded_resolver_drops_refused_addresses_at_connect_time():
    async def resolve(allow_private: bool):
        return await GuardedResolver(allow_private).resolve("localhost", 80)

    kept = asyncio.run(resolve(True))
    assert kept and all(r["host"] in ("127.0.0.1", "::1") for r in kept)
    with pytest.raises(RefusedAddress) as err:
        asyncio.run(resolve(False))
    assert err.value.signal == "loopback_address"


def test_guarded_resolver_asks_for_the_host_and_names_what_it_refused(monkeypatch):
    asked = []

    async def fake(self, host, port=0, family=0):
        asked.append((host, port, family))
        return [{"host": "169.254.169.254", "port": port}, {"host": "10.0.0.1", "port": port}]

    async def resolve(allow_private: bool, *args):
        return await GuardedResolver(allow_private).resolve("h.example", *args)

    monkeypatch.setattr(ThreadedResolver, "resolve", fake)
    kept = asyncio.run(resolve(True, 8080, socket.AF_INET6))
    assert kept == [{"host": "10.0.0.1", "port": 8080}]  # private admitted, link-local not
    assert asked == [("h.example", 8080, socket.AF_INET6)]
    with pytest.raises(RefusedAddress) as err:
        asyncio.run(resolve(False))
    assert asked[-1] == ("h.example", 0, socket.AF_INET)
    assert str(err.value) == "h.example resolves to 169.254.169.254 (link-local address)"
    assert err.value.address == "169.254.169.254" and err.value.signal == "link_local_address"

    async def nothing(self, host, port=0, family=0):
        return []

    monkeypatch.setattr(ThreadedResolver, "resolve", nothing)
    with pytest.raises(OSError, match=r"^h\.example resolves to no address$") as err:
        asyncio.run(resolve(True))
    assert not isinstance(err.value, RefusedAddress)  # nothing refused: an ordinary failure


def test_check_host_resolves_names_for_tcp(monkeypatch):
    asked = []

    async def fake(self, host, port, *, type=0, **kw):
        asked.append((host, port, type))
        return [(socket.AF_INET, type, 6, "", ("93.184.216.34", port)),
                (socket.AF_INET, type, 6, "", ("93.184.216.34", port))]

    monkeypatch.setattr(asyncio.BaseEventLoop, "getaddrinfo", fake)
    assert asyncio.run(check_host("h.example", 443, allow_private=False)) == ["93.184.216.34"]
    assert asked == [("h.example", 443, socket.SOCK_STREAM)]
    # a name that only contains an address is resolved, not taken for that address
    assert asyncio.run(check_host("X10.0.0.1", 80, allow_private=False)) == ["93.184.216.34"]
    assert asked[-1] == ("X10.0.0.1", 80, socket.SOCK_STREAM)
