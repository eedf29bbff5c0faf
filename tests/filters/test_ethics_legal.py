"""URL blocklist (UT1 via datatrove's assets), banned words, and the TDM reservation rule."""

from __future__ import annotations

import numpy as np
import pytest

from leam.filters.banned_words import BannedWords, BannedWordsParams
from leam.filters.blocklist import HashSet, host_and_parents, ut1_domains
from leam.filters.tdm import TdmReservation, TdmReservationParams
from leam.filters.url_blocklist import UrlBlocklist, UrlBlocklistParams
from tests.filters.docs import doc, prose


@pytest.fixture(scope="module")
def url_filter() -> UrlBlocklist:
    return UrlBlocklist(UrlBlocklistParams(extra_domains=["bad.example"]), "en")


def test_ut1_list_is_large_and_compact():
    domains = ut1_domains()
    assert len(domains) > 1_000_000
    assert domains.hashes.dtype == np.uint64 and bool(np.all(np.diff(domains.hashes) > 0))
    assert "0-1sex.com" in domains and "europa.eu" not in domains


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("https://www.0-1sex.com/index.html", "blocklisted_domain"),
        ("https://videos.0-1sex.com/x", "blocklisted_domain"),  # a subdomain of a listed one
        ("https://shop.bad.example/", "blocklisted_domain"),  # from the manifest's own list
        ("https://example.org/gallery/bukkake-pics", "banned_word_in_url"),
        ("https://example.org/hot-babes-boobs", "soft_banned_words_in_url"),
        ("https://example.org/cars/donkey-punch-review", "banned_phrase_in_url"),
    ],
)
def test_blocked_urls(url_filter, url, reason):
    v = url_filter.decide(url_filter.score(doc("text", url=url)))
    assert not v.keep and v.reason == reason, v


@pytest.mark.parametrize(
    "url",
    [
        "https://europa.eu/youreurope/citizens/index_en.htm",
        "https://www.tagesschau.de/inland/sussex-grafschaft.html",  # 'sex' inside a word
        "https://example.org/analysis/canal-essex",
        "https://www.lemonde.fr/culture/2024/03/15/babes-dans-les-bois.html",  # one soft word
    ],
)
def test_innocent_urls_pass(url_filter, url):
    assert url_filter.decide(url_filter.score(doc("text", url=url))).keep


def test_host_and_parents():
    assert host_and_parents("www.a.example.com") == ["www.a.example.com", "a.example.com",
                                                     "example.com"]  # fmt: skip
    assert "x.org" in HashSet.of(["X.org", "y.org"])


def test_banned_words_need_several_and_dense():
    f = BannedWords(BannedWordsParams(), "en")
    porn = " ".join(["free bukkake blowjob cumshot videos"] * 10)
    v = f.decide(f.score(doc(porn)))
    assert not v.keep and v.reason == "banned_words"
    medical = prose("en") + " The clinic treats anal fissures; see also anus and bdsm."
    assert f.decide(f.score(doc(medical))).keep  # one or two words: not spam
    other = BannedWords(BannedWordsParams(), "de")  # no German list: passes, says so
    assert other.score(doc(porn, "de")) == {"has_list": 0.0} and other.decide({"has_list": 0}).keep


def test_tdm_reservation_from_the_crawl_signal_or_the_manifest():
    f = TdmReservation(TdmReservationParams(reserved_domains=["news.example"]), "fr")
    reserved = doc("texte", "fr", quality=[("tdm.reserved", 1.0)])  # as Arrow maps read
    v = f.decide(f.score(reserved))
    assert not v.keep and v.reason == "tdm_reservation"
    listed = doc("texte", "fr", url="https://www.news.example/a")
    assert f.decide(f.score(listed)).reason == "tdm_reservation"
    assert f.decide(f.score(doc("texte", "fr", quality={"tdm.reserved": 0.0}))).keep
