"""PII detectors at their rule boundaries: the first wrong check digit, a number one digit
short, a region map entry. Fast unit tests of the helpers that decide, one rule each, so
that a changed comparison or constant shows (bench/mutation.py, group `pii`)."""

from __future__ import annotations

import pytest

from leam.filters import pii, pii_phones
from leam.filters.manifest import load_set
from leam.filters.pii_ids import (
    IdRule,
    Names,
    _isbn13,
    find_ids,
    hu_tax_id,
    lu_matricule,
    mt_id_card,
    validator,
    words_regex,
)
from leam.filters.pii_phones import _priced
from leam.filters.pii_regions import EU27, _by_language, is_foreign, region_for_domain
from leam.filters.privacy import PiiRedaction


def test_languages_map_to_their_countries_home_first():
    regions = _by_language()
    assert len(regions) == 24
    assert regions["de"] == ("DE", "AT", "BE", "LU", "CH")
    assert regions["fr"] == ("FR", "BE", "LU", "CH")
    assert regions["en"] == ("IE", "MT", "GB")
    assert regions["el"] == ("GR", "CY")
    assert regions["sv"] == ("SE", "FI")
    assert regions["nl"] == ("NL", "BE")
    assert regions["es"] == ("ES",)
    assert regions["ga"] == ("IE",)
    assert all(isinstance(v, tuple) for v in regions.values())


@pytest.mark.parametrize(
    ("domain", "region"),
    [
        (None, None), ("", None), ("www.example.pt", "PT"), ("example.PT.", "PT"),
        ("news.bbc.co.uk", "GB"), ("example.ch", "CH"), ("example.com", None),
        ("example.us", None), ("de", "DE"), ("example.gr", "GR"), ("example.el", None),
        ("EXAMPLE.LUX", None),
    ],
)  # fmt: skip
def test_region_for_domain(domain, region):
    assert region_for_domain(domain) == region


@pytest.mark.parametrize(
    ("country", "lang", "foreign"),
    [
        ("DE", "de", False), ("DE", "fr", True), ("BE", "de", False), ("LU", "fr", False),
        ("GB", "en", False), ("CH", "de", False), ("CH", "fr", False), ("CH", "en", True),
        ("GB", "de", True), ("FI", "sv", False), ("SE", "fi", True),
    ],
)  # fmt: skip
def test_is_foreign(country, lang, foreign):
    assert is_foreign(country, lang) is foreign
    assert set(EU27) >= {"DE", "BE", "LU", "FI", "SE"}


MANIFEST = load_set()["pii_redaction"]
DETECTORS = PiiRedaction(MANIFEST.params_for("en"), "en").detectors  # type: ignore[arg-type]


def ids(text: str, windows: list[tuple[int, int]] | None = None) -> list[tuple[str, str]]:
    windows = [(0, len(text))] if windows is None else windows
    d = PiiRedaction(MANIFEST.params_for("en"), "en").detectors  # type: ignore[arg-type]  # compiled here, in the test
    return [(rid, text[a:b]) for a, b, rid in find_ids(text, windows, d.rules, d.names, d.reach)]


@pytest.mark.parametrize(
    ("number", "valid"),
    [
        ("8123456786", True), ("8123 456 786", True), ("8000000016", True),
        ("8123456787", False), ("8123456785", False),  # the check digit one off
        ("7123456785", False),  # the check passes, but the first digit is not 8
        ("812345678", False), ("81234567860", False),  # one digit short, one too many
        ("8765432100", False), ("876543210", False),  # Σ mod 11 = 10: no valid number
    ],
)  # fmt: skip
def test_hungarian_tax_id(number, valid):
    assert hu_tax_id(number) is valid


@pytest.mark.parametrize(
    ("number", "valid"),
    [
        ("1983031500170", True), ("1983 0315 00170", True), ("1983033000184", True),
        ("1983031500180", False),  # Luhn digit off
        ("1983031500171", False),  # Verhoeff digit off
        ("1983131500155", False),  # both digits right, month 13
        ("198303150017", False), ("19830315001700", False),
    ],
)  # fmt: skip
def test_luxembourg_matricule(number, valid):
    assert lu_matricule(number) is valid


@pytest.mark.parametrize(
    ("number", "valid"),
    [("1234567M", True), ("1234567m", True), ("123 4567 M", True), ("1M", True),
     ("12345678M", False), ("1234567X", False), ("M", False), ("1234567", False)],
)  # fmt: skip
def test_maltese_id_card(number, valid):
    assert mt_id_card(number) is valid


def test_validator_names():
    assert validator("hu.tax_id") is hu_tax_id
    assert validator("es.dni")("54362315k")  # stdnum's check, upper-cased first
    assert not validator("es.dni")("54362315j")
    with pytest.raises(ValueError, match=r"unknown validator 'xx\.nope'; known: at\.vnr, "):
        validator("xx.nope")


@pytest.mark.parametrize(
    ("number", "isbn"),
    [
        ("9781017230871", True), ("978-3-16-148410-0", True), ("9791000000008", True),
        ("9781017230872", False),  # EAN digit off
        ("1800101221064", False),  # a valid EAN, not a book's prefix
        ("978316148410", False), ("97831614841004", False),  # 12 and 14 digits
    ],
)  # fmt: skip
def test_isbn13(number, isbn):
    assert _isbn13(number) is isbn


def test_identifiers_in_context():
    # anywhere: found without a name; the same digits as a book number are not
    assert ids("Cartea 1800101221064 si 9781017230871.") == [("ro_cnp", "1800101221064")]
    # boundaries: no word character, dot-digit or "digit space" beside the number
    for text in ("x36574261809", "36574261809x", "1 36574261809", "36574261809.5",
                 "36574261809-1", "/36574261809"):  # fmt: skip
        assert ids(text) == [], text
    assert ids("(36574261809).") == [("de_idnr", "36574261809")]
    # the search stays inside the windows; a window-free rule (letters first) does not need one
    text = "abc 36574261809 and RCCMNL83S18D969H"
    assert ids(text, [(0, 3)]) == [("it_codice_fiscale", "RCCMNL83S18D969H")]
    assert ids(text, []) == [("it_codice_fiscale", "RCCMNL83S18D969H")]
    assert ids(text, [(0, 20)]) == [
        ("de_idnr", "36574261809"),
        ("it_codice_fiscale", "RCCMNL83S18D969H"),
    ]


def test_an_invalid_or_unnamed_number_does_not_stop_the_next():
    # a failing check digit, then a valid one: the second is still found
    assert ids("36574261808 and 36574261809") == [("de_idnr", "36574261809")]
    # near_words: the first 9-digit number has no name within reach, the second has
    far = "111222333" + " filler" * 8 + " BSN 111222333"
    assert ids(far) == [("nl_bsn", "111222333")]
    # near_own_words: a general word ("ID number") is not enough for a Maltese card
    text = "ID number 1234567M, identity card 7654321M"
    assert ids(text) == [("mt_id_card", "7654321M")]
    # named as another identifier: not taken for this one, then a later one is
    text = "PESEL 36574261809" + " filler" * 8 + " and 36574261809"
    assert ids(text) == [("de_idnr", "36574261809")]


def test_names_before_a_number():
    names = DETECTORS.names
    assert names.last_before("BSN 111222333", 4, 40) == "bsn"
    assert names.last_before("111222333 BSN", 0, 40) is None  # after, not before
    assert names.last_before("BSN x 111222333", 6, 6) == "bsn"  # exactly at reach
    assert names.last_before("BSN x 111222333", 6, 5) is None
    assert names.last_before("PESEL, BSN: 1", 12, 40) == "bsn"  # the nearest
    assert Names.build((), []).last_before("BSN 1", 4, 40) is None
    rule = IdRule.model_validate({
        "id": "xx_a", "country": "DE", "pattern": r"\d{11}", "validator": "de.idnr",
        "context": "anywhere", "words": ["Alpha", "tax id"], "rationale": "a test"})  # fmt: skip
    built = Names.build((rule,), ["Tax ID"])
    assert built.owners == {"alpha": frozenset({"xx_a"})}  # general words name no rule
    assert built.own == {"xx_a": frozenset({"alpha", "tax id"})}


def test_words_regex():
    assert words_regex([]) is None
    regex = words_regex(["TIN", "NIE", "isikukood", "hetu"])
    assert regex is not None
    assert [m.group() for m in regex.finditer("TIN Tinte NIE nie Nie isikukoodi hetu hetux")] == [
        "TIN",
        "NIE",
        "isikukood",
        "hetu",
    ]
    assert regex.search("xTIN") is None
    assert words_regex(["Abcde"]).search("abcdef")  # type: ignore[union-attr]
    # the longest name first, whatever the alphabet says
    assert words_regex(["tax", "Tax number"]).search("tax number 1").group() == "tax number"  # type: ignore[union-attr]


def test_priced_numbers():
    assert _priced("€622312243", 1, 10)  # the currency at the very start of the text
    assert _priced("€ 622312243 and more", 2, 11)  # before, with text after
    assert _priced("Tel 622312243 € and more", 4, 13)  # after
    assert not _priced("€ x 622312243", 4, 13)
    assert not _priced("Tel 622312243 tel", 4, 13)


def intl(text: str, windows: list[tuple[int, int]] | None = None) -> list[tuple[str, str]]:
    windows = [(0, len(text))] if windows is None else windows
    return [(text[a:b], r) for a, b, r in pii_phones.international(text, windows, [])]


def test_international_numbers():
    assert intl("Tel 0049 30 901820") == [("0049 30 901820", "DE")]
    assert intl("Tel: +34 622 312 243", [(0, 5)]) == []  # outside the window
    # shortened group by group from the end, trailing separators dropped
    assert intl("Tel +30 21 2345 7194. 8 x") == [("+30 21 2345 7194", "GR")]
    # an invalid number without separators, then two valid ones: all of them are read
    text = "+999999999 and +49 30 901820 or +34 622 312 243"
    assert intl(text) == [("+49 30 901820", "DE"), ("+34 622 312 243", "ES")]
    claimed: list[tuple[int, int]] = []
    list(pii_phones.international(text, [(0, len(text))], claimed))
    assert claimed == [(0, 10), (15, 28), (32, 47)]  # the invalid one is claimed too


@pytest.mark.parametrize(
    ("candidate", "region", "home", "phone"),
    [
        ("030901820", "DE", True, False),  # digits only: no sign of a phone number
        ("030 901820", "DE", True, True),  # trunk prefix
        ("912 34 56 78", "ES", False, True),  # not home, but Spain's own grouping
        ("912 345 678", "ES", False, False),
        ("(06 1) 2345 678", "HU", True, True),  # trunk in parentheses, another grouping
        ("0669 821 234", "IT", True, True),  # an Italian landline with its leading 0
        ("0669 821 234", "IT", False, False),
        ("338 783 3724", "IT", True, True),  # an Italian mobile
    ],
)  # fmt: skip
def test_written_as_phone(candidate, region, home, phone):
    number = pii_phones._parse(candidate, region)
    assert number is not None
    assert pii_phones._written_as_phone(candidate, region, number, home) is phone


PHONE_WORDS = words_regex(["Tel", "Telefon"])


def national(text: str, regions=("DE",), claimed=None) -> list[str]:
    spans = pii_phones.national(
        text, [(0, len(text))], regions, 1, PHONE_WORDS, 40, claimed or [],
        lambda a, b: False, lambda a: False,
    )  # fmt: skip
    return [text[a:b] for a, b, _ in spans]


def test_national_numbers_at_the_length_limits():
    assert national("Telefon 321 2345", ("EE",)) == ["321 2345"]  # 7 digits
    assert national("Tel. 0800 123456789") == ["0800 123456789"]  # 13 digits
    assert national("Tel. 0800 1234567890") == []  # 14 digits: longer than any


@pytest.mark.parametrize(
    "before",
    ["am 12.03.2024", "2013-09-19 23:50", "Boston, MA 02111-1307", "Preis 030 901821 €"],
)
def test_a_refused_candidate_does_not_stop_the_next(before):
    assert national(before + " und 030 901820") == ["030 901820"]


def test_national_numbers_beside_claimed_spans_and_zip_codes():
    assert national("MA 02111-1307") == []  # a ZIP+4 code at the start of the text
    assert national("abcd 030 901820", claimed=[(0, 5)]) == ["030 901820"]  # touching
    assert national("030 901820 abcd", claimed=[(10, 15)]) == ["030 901820"]
    assert national("030 901820 abcd", claimed=[(9, 15)]) == []  # overlapping
    assert national("Ruf 030 901821 und 030 901820", claimed=[(4, 14)]) == ["030 901820"]
    assert national("030 901821 und 030 901820") == ["030 901821", "030 901820"]
    assert national("7.14.10.194 und 030 901820") == ["030 901820"]  # a version first
    # a foreign region that is not the page's home needs its exact grouping
    assert national("Llame 622 312 243", ("DE", "ES")) == []
    assert national("Llame 622 31 22 43", ("DE", "ES")) == ["622 31 22 43"]


def spans_of(text: str, lang: str) -> list[tuple[str, str, str]]:
    f = PiiRedaction(load_set()["pii_redaction"].params_for(lang), lang)  # type: ignore[arg-type]
    return [(s.category, text[s.start : s.end], s.country) for s in f.spans({"text": text})]


def test_identifier_and_phone_countries():
    text = "Rodné číslo 710319/2745, Steuer-ID 36574261809"
    for lang, country in (("sk", "SK"), ("cs", "CZ"), ("en", "CZ")):
        assert spans_of(text, lang)[0] == ("national_id", "710319/2745", country)
    assert spans_of(text, "sk")[1] == ("national_id", "36574261809", "DE")


def test_dotted_phone_numbers_and_identifier_names():
    assert spans_of("Ruf 030.90.18.20 an", "de") == [("phone", "030.90.18.20", "DE")]
    assert spans_of("Siehe Abschnitt 030.90.18.20 unten", "de") == []  # a section number
    assert spans_of("Llame 622 312 243", "es") == [("phone", "622 312 243", "ES")]
    assert spans_of("PESEL: 622 312 243", "es") == []  # named as an identifier


def test_number_windows_and_word_starts():
    assert pii._number_windows("abc 1234567 wxyzv") == ([(2, 15)], [])
    assert pii._number_windows("1234567") == ([(0, 7)], [])
    assert pii._number_windows("1.2.3.4 and 123456") == ([], [(0, 7)])
    assert pii._starts_word("ba", 0)
    assert not pii._starts_word("ab", 1)
    assert pii._starts_word("a b", 2)


def test_section_numbers_and_versions():
    words = DETECTORS.section_words
    heading = "\n16.3.4.12 Title"
    assert pii.section_number(heading, 1, 10, None)  # opens a line, a title follows
    assert pii.section_number("x\n# 16.3.4.12 Title", 4, 13, None)
    assert not pii.section_number("\n16.3.4.12", 1, 10, None)  # no title after
    assert not pii.section_number("\nX 16.3.4.12 Title", 3, 12, None)
    assert not pii.section_number("\nz 16.3.4.12 Title", 3, 12, None)
    assert pii.section_number("a\nb\n16.3.4.12 Title", 4, 13, None)
    assert not pii.section_number("x 16.3.4.12 Title\nmore", 2, 11, None)
    assert pii.section_number("Section 16.3.4.12 x", 8, 17, words)
    assert pii._version_like("1.1.2.1")
    assert not pii._version_like("1.1.1.1")
    assert not pii._version_like("12.1.2.1")
    assert not pii._public_ip("not an address")
    assert pii._public_ip("8.8.8.8") and not pii._public_ip("10.0.0.1")


def test_named_codes():
    words = DETECTORS.code_words
    assert pii.named_code("order 123", 6, words)  # the name at the very start
    assert pii.named_code("Order nr. 123", 10, words)
    assert not pii.named_code("order. The 123", 11, words)
    assert not pii.named_code("order 123", 6, None)


def ips(text: str) -> list[str]:
    return [text[a:b] for a, b in pii._ips(text, DETECTORS, pii._number_windows(text))]


def test_ip_addresses():
    assert ips("8.8.8.8, 9.9.9.9 too") == ["8.8.8.8", "9.9.9.9"]
    assert ips("8.8.8.8 and more") == []  # opens the text, words follow: a heading
    assert ips("2001:4860:4860:0:0:0:0:8888 is full") == ["2001:4860:4860:0:0:0:0:8888"]
    assert ips("2001:4860::8888 is short") == ["2001:4860::8888"]
    assert ips("2001:2001::4860 x") == ["2001:2001::4860"]  # two distinct groups are enough
    assert ips("2001:4860:: and 1:1::1 and fe80::1:2") == []


def ibans(text: str) -> list[str]:
    return [text[a:b] for a, b in pii._ibans(text, DETECTORS, pii._number_windows(text))]


def test_ibans():
    assert ibans("NO9386011117947") == ["NO9386011117947"]  # the shortest: 15 characters
    assert ibans("xDE89370400440532013000 DE89370400440532013000") == ["DE89370400440532013000"]
    assert ibans("DE89 3704 0044 0532 0130 00 NO93 8601 1117 947") == [
        "DE89 3704 0044 0532 0130 00", "NO93 8601 1117 947"]  # fmt: skip
    assert ibans("DE89 3704 0044 0532 0130 00 ABCD") == ["DE89 3704 0044 0532 0130 00"]
    assert ibans("NO9386011117947AB") == ["NO9386011117947"]  # shortened letter by letter
    assert ibans("NO9386011117948") == []


def test_filter_counts_and_empty_text():
    f = PiiRedaction(load_set()["pii_redaction"].params_for("de"), "de")  # type: ignore[arg-type]
    doc = {"text": "a@b.de, c@d.de, +49 30 901820, +49 30 901821"}
    assert f.score(doc)["email"] == 2.0
    assert f.rewrite(doc)[1] == {"email": 2, "phone": 2, "phone.DE": 2}
    assert f.spans({"text": None}) == []
    assert f.rewrite({"text": None}) == ("", {})
