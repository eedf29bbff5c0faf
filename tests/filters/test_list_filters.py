"""The list-based filters' decisions: the UT1 list as a hash set (built from a real tar
member), URL words and phrases with their switches, domains given by the manifest, and the
TDM filter's signal at its boundary."""

from __future__ import annotations

import hashlib
import io
import tarfile
from pathlib import Path

import numpy as np
import pytest
import xxhash

from leam.filters import blocklist
from leam.filters.banned_words import BannedWords, BannedWordsParams
from leam.filters.base import Drop, Keep
from leam.filters.blocklist import (
    HashSet,
    _build,
    cache_dir,
    datatrove_asset,
    host_and_parents,
    normalize_url,
    url_words,
    ut1_urls,
)
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


def test_cache_dir_follows_the_environment(monkeypatch, tmp_path: Path):
    monkeypatch.setenv("LEAM_CACHE_DIR", str(tmp_path / "c"))
    assert cache_dir() == tmp_path / "c"
    monkeypatch.delenv("LEAM_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "x"))
    assert cache_dir() == tmp_path / "x" / "leam-corpus"
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "h"))
    assert cache_dir() == tmp_path / "h" / ".cache" / "leam-corpus"


def test_datatrove_assets_are_found_or_named_missing():
    path = datatrove_asset("banned_words.txt")
    assert isinstance(path, Path) and path.is_file()
    assert (path.parent.name, path.parent.parent.name) == ("assets", "datatrove")
    with pytest.raises(FileNotFoundError, match=r"nope\.txt: missing from the installed "
                                                r"datatrove; the UT1 list ships"):
        datatrove_asset("nope.txt")


def _cache(tmp_path: Path, monkeypatch) -> tuple[Path, Path, Path]:
    monkeypatch.setenv("LEAM_CACHE_DIR", str(tmp_path / "cache"))
    tar = _tar(tmp_path / "l.tar.gz", "domains", b"a.example\nb.example\n")
    digest = hashlib.sha256(tar.read_bytes()).hexdigest()[:16]
    cached = tmp_path / "cache" / f"ut1-domains-{digest}.npy"
    return tar, cached, cached.with_suffix(".lock")


def test_the_list_is_built_once_into_the_cache(tmp_path: Path, monkeypatch):
    tar, cached, _ = _cache(tmp_path, monkeypatch)
    first = blocklist._cached_array(tar, "domains")
    assert list(cached.parent.iterdir()) == [cached]  # no lock or temporary file left
    assert first.tolist() == _build(tar, "domains").tolist() and isinstance(first, np.memmap)
    np.save(cached, np.array([7], np.uint64))  # what the cache holds is what is read
    assert blocklist._cached_array(tar, "domains").tolist() == [7]


def test_another_builder_is_waited_for(tmp_path: Path, monkeypatch):
    tar, cached, lock = _cache(tmp_path, monkeypatch)
    cached.parent.mkdir(parents=True)
    lock.touch()

    def finish(_seconds):
        np.save(cached, np.array([1, 2], np.uint64))
        lock.unlink()

    monkeypatch.setattr(blocklist.time, "sleep", finish)
    assert blocklist._cached_array(tar, "domains").tolist() == [1, 2]


def test_a_builder_that_died_leaves_the_list_built_here(tmp_path: Path, monkeypatch):
    tar, cached, lock = _cache(tmp_path, monkeypatch)
    cached.parent.mkdir(parents=True)
    lock.touch()
    monkeypatch.setattr(blocklist.time, "sleep", lambda _seconds: lock.unlink())
    got = blocklist._cached_array(tar, "domains")
    assert got.tolist() == _build(tar, "domains").tolist() and not cached.exists()


def test_url_and_host_forms():
    assert normalize_url("http://a.example/r?u=http://b.example/") == "a.example/r?u=http://b.example"
    assert host_and_parents("www.a.example.com.") == ["www.a.example.com", "a.example.com",
                                                     "example.com"]
    assert host_and_parents("localhost") == ["localhost"]
