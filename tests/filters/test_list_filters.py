"""The list-based filters' decisions: the UT1 list as a hash set (built from a real tar
member), URL words and phrases with their switches, domains given by the manifest, and the
TDM filter's signal at its boundary."""

from __future__ import annotations

import io
import tarfile
from pathlib import Path

import numpy as np
import xxhash

from leam.filters.banned_words import BannedWords, BannedWordsParams
from leam.filters.base import Drop, Keep
from leam.filters.blocklist import HashSet, _build, normalize_url, url_words, ut1_urls
from leam.filters.tdm import SIGNAL, TdmReservation, TdmReservationParams
from leam.filters.url_blocklist import UrlBlocklist, UrlBlocklistParams


def _tar(path: Path, member: str, body: bytes) -> Path:
    with tarfile.open(path, "w:gz") as tar:
        info = tarfile.TarInfo(member)
        info.size = len(body)
        tar.addfile(info, io.BytesIO(body))
    return path


def test_build_hashes_every_listed_name_in_lower_case(tmp_path: Path):
    tar = _tar(tmp_path / "l.tar.gz", "domains",
               b"# a comment\nBad.Example\n\n  spaced.example  \nbad.example\n#x.example\n")
    keys = _build(tar, "domains")
    expected = sorted({xxhash.xxh3_64_intdigest(b"bad.example"),
                       xxhash.xxh3_64_intdigest(b"spaced.example")})
    assert keys.dtype == np.uint64 and keys.tolist() == expected
    names = HashSet(keys)
    assert "bad.example" in names and "spaced.example" in names
    assert "x.example" not in names and "# a comment" not in names and len(names) == 2


def test_hash_set_of_names():
    names = HashSet.of([" Shop.Example ", "a.example"])
    assert len(names) == 2 and names.hashes.dtype == np.uint64
    assert "shop.example" in names and "a.example" in names and "b.example" not in names
    assert "z" * 50 not in HashSet.of([])  # past the end of the array


def test_ut1_lists_are_switched_by_the_manifest():
    known = next(iter(ut1_urls()))
    on = UrlBlocklist(UrlBlocklistParams(), "en")
    off = UrlBlocklist(UrlBlocklistParams(use_ut1=False, banned_url_words=False,
                                          banned_subwords=False), "en")
    assert known in on.urls and known not in off.urls and len(off.domains) == 0
    assert on.hard == url_words("banned_words") and off.hard == frozenset()
    assert on.subwords is not None and off.subwords is None
    assert off.soft == url_words("soft_banned_words")  # soft words always count, by threshold
    url = "https://" + known
    assert on.score({"url": url})["blocked_url"] == 1.0
    assert off.score({"url": url})["blocked_url"] == 0.0


def test_url_words_phrases_and_the_domain_field():
    f = UrlBlocklist(UrlBlocklistParams(use_ut1=False), "en")
    hard = sorted(url_words("banned_words"))[0]
    phrase = max(url_words("banned_subwords"), key=len)
    clean = f.score({"url": "https://shop.example/garden/tools"})
    assert clean == {"blocked_domain": 0.0, "blocked_url": 0.0, "banned_url_words": 0.0,
                     "soft_banned_url_words": 0.0, "banned_url_subword": 0.0}
    assert f.score({"url": f"https://shop.example/{hard}/x"})["banned_url_words"] == 1.0
    assert f.score({"url": f"https://shop.example/a{phrase}b"})["banned_url_subword"] == 1.0
    alone = UrlBlocklist(UrlBlocklistParams(use_ut1=False, banned_subwords=True), "en")
    pattern = alone.subwords.pattern
    assert pattern.count("|") == len(url_words("banned_subwords")) - 1
    # without a URL, the document's domain field is checked
    listed = UrlBlocklist(UrlBlocklistParams(use_ut1=False, extra_domains=["Bad.Example"]), "en")
    assert listed.score({"url": None, "domain": "WWW.BAD.EXAMPLE"})["blocked_domain"] == 1.0
    assert listed.score({"url": None, "domain": None})["blocked_domain"] == 0.0
    assert listed.score({})["blocked_url"] == 0.0


def test_url_blocklist_drops_carry_their_signal():
    f = UrlBlocklist(UrlBlocklistParams(use_ut1=False), "en")
    quiet = {"blocked_domain": 0.0, "blocked_url": 0.0, "banned_url_words": 0.0,
             "soft_banned_url_words": 0.0, "banned_url_subword": 0.0}
    for signal, reason in (("blocked_domain", "blocklisted_domain"),
                           ("blocked_url", "blocklisted_url"),
                           ("banned_url_subword", "banned_phrase_in_url")):
        assert f.decide({**quiet, signal: 1.0}) == Drop(reason, {signal: 1.0})
    assert f.decide(quiet) == Keep()


def test_normalize_url_compares_without_scheme_www_or_slash():
    assert normalize_url(" HTTPS://www.Example.com/a/ ") == "example.com/a"
    assert normalize_url("example.com/a") == "example.com/a"


def test_tdm_filter_signal_at_its_boundary_and_listed_domains():
    f = TdmReservation(TdmReservationParams(reserved_domains=[" WWW.News.Example "]), "en")
    assert f.domains == {"news.example"}
    assert f.score({"quality": {SIGNAL: 1.0}, "domain": "other.example"}) == {
        "reserved": 1.0, "reserved_domain": 0.0}
    assert f.score({"quality": {SIGNAL: 0.999}})["reserved"] == 0.0
    assert f.score({"quality": {}})["reserved"] == 0.0  # no signal: not reserved by it
    assert f.score({"domain": "Live.NEWS.example"})["reserved_domain"] == 1.0
    assert f.score({"domain": None})["reserved_domain"] == 0.0
    assert TdmReservation(TdmReservationParams(), "en").score(
        {"domain": "news.example"})["reserved_domain"] == 0.0


def test_banned_words_of_an_empty_text():
    f = BannedWords(BannedWordsParams(), "en")
    assert f.score({"text": None}) == {"has_list": 1.0, "banned": 0.0, "banned_ratio": 0.0}
    word = sorted(f.words)[0]
    assert f.score({"text": word})["banned_ratio"] == 1.0  # one word of one
