"""Finding personal data in text: e-mail and IP addresses, phone numbers, IBANs, payment cards
and national identity numbers, each candidate validated before it counts.

Validation is what keeps random digit runs, dates and order numbers in the text: an IBAN must
pass its mod-97 check, a card number the Luhn check and a card prefix, a phone number
libphonenumber's rules for its region, an IP address must be public, and a national number
its own check digits (python-stdnum). Numbers whose check digit alone is weak (a 9-digit
Dutch BSN passes its 11-test one time in eleven) also need their name nearby ("BSN",
"PESEL", "Steuer-ID"), as do phone numbers written without a trunk prefix or country code.
"""

from __future__ import annotations

import functools
import ipaddress
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Literal, get_args

import phonenumbers
from stdnum import iban, luhn
from stdnum.de import idnr
from stdnum.es import dni, nie
from stdnum.it import codicefiscale
from stdnum.nl import bsn
from stdnum.pl import pesel

Category = Literal["email", "ip", "iban", "card", "national_id", "phone"]  # detection order
NationalId = Literal["de_idnr", "nl_bsn", "pl_pesel", "es_dni", "es_nie", "it_codice_fiscale"]
CATEGORIES: tuple[str, ...] = get_args(Category)
NATIONAL_IDS: tuple[str, ...] = get_args(NationalId)

# Regions whose phone formats a document in this language most likely uses.
PHONE_REGIONS: dict[str, tuple[str, ...]] = {
    "bg": ("BG",), "cs": ("CZ",), "da": ("DK",), "de": ("DE", "AT", "CH", "LU"),
    "el": ("GR", "CY"), "en": ("GB", "IE", "MT"), "es": ("ES",), "et": ("EE",), "fi": ("FI",),
    "fr": ("FR", "BE", "LU"), "ga": ("IE",), "hr": ("HR",), "hu": ("HU",), "it": ("IT",),
    "lt": ("LT",), "lv": ("LV",), "mt": ("MT",), "nl": ("NL", "BE"), "pl": ("PL",),
    "pt": ("PT",), "ro": ("RO",), "sk": ("SK",), "sl": ("SI",), "sv": ("SE", "FI"),
}  # fmt: skip

PHONE_WORDS = (
    "tel", "phone", "mobile", "call", "fax", "telefon", "handy", "téléphone", "portable",
    "teléfono", "móvil", "telefono", "cellulare", "telefone", "telemóvel", "telefoon",
    "mobiel", "puhelin", "gsm", "tlf", "τηλ", "κιν", "тел", "puh", "mob", "numer", "číslo",
)  # fmt: skip
ID_WORDS = {
    "de_idnr": ("steuer", "identifikationsnummer", "idnr", "tax id"),
    "nl_bsn": ("bsn", "burgerservicenummer", "sofinummer", "sofi"),
    "pl_pesel": ("pesel",),
}

EMAIL_RE = re.compile(r"(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)*\.[^\W\d_]{2,}(?![\w-])")
IPV4_RE = re.compile(r"(?<![\w.])(?:\d{1,3}\.){3}\d{1,3}(?![\w]|\.\d)")
IPV6_RE = re.compile(r"(?<![\w:.])(?:[0-9A-Fa-f]{0,4}:){2,7}[0-9A-Fa-f]{0,4}(?![\w:])")
IBAN_RE = re.compile(r"[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,3})?\b")
CARD_RE = re.compile(r"(?<![\d-])\d(?:[ -]?\d){12,18}(?![\d-])")
INTL_PHONE_RE = re.compile(r"(?<![\w+])(?:\+|00)[1-9][\d ()./-]{6,20}\d(?!\w)")
NATIONAL_PHONE_RE = re.compile(
    r"(?<![\w+.,/])\(?[0-9]\d{0,4}\)?(?:[ ./-]{1,2}\d{2,8}){1,4}(?![\w.,]\d|\w)"
)
DIGITS11_RE = re.compile(r"(?<![\w.-])\d{2}[ .]?\d{3}[ .]?\d{3}[ .]?\d{3}(?![\w-]|[.,]\d)")
DIGITS9_RE = re.compile(
    r"(?<![\w.-])\d{4}[ .]?\d{2}[ .]?\d{3}(?![\w-]|[.,]\d)|(?<![\w.-])\d{9}(?![\w-]|[.,]\d)"
)
DNI_RE = re.compile(r"(?<![\w-])\d{8}-?[A-Za-z](?![\w-])")
NIE_RE = re.compile(r"(?<![\w-])[XYZxyz]-?\d{7}-?[A-Za-z](?![\w-])")
CF_RE = re.compile(
    r"\b[A-Z]{6}[0-9LMNPQRSTUV]{2}[A-Z][0-9LMNPQRSTUV]{2}[A-Z][0-9LMNPQRSTUV]{3}[A-Z]\b"
)

# A run of digits and separators: every numeric detector starts from one of these, so that
# the detailed patterns run on a few short windows instead of the whole text.
NUMBER_RUN_RE = re.compile(r"\d[\d ./()\-]*\d")
DATE_RE = re.compile(r"\d{1,4}[./-]\d{1,2}[./-]\d{1,4}")  # 12.03.2024, 2024-03-12
MIN_DIGITS = 7  # the shortest phone number or national id we look for (NIE: 7 digits)

CARD_PREFIX = re.compile(r"4|5[1-5]|2[2-7]|3[47]|3[068]|35|6")


Numbers = tuple[list[tuple[int, int]], list[tuple[int, int]]]


@dataclass(frozen=True)
class Span:
    start: int
    end: int
    category: str


def _digits(s: str) -> str:
    return re.sub(r"\D", "", s)


@functools.lru_cache(maxsize=16)
def _keyword_re(keywords: tuple[str, ...]) -> re.Pattern[str]:
    """Keywords at the start of a word ("Tel.", "Telefon"), not inside one ("Bestellnummer")."""
    return re.compile(r"(?<!\w)(?:" + "|".join(map(re.escape, keywords)) + ")", re.IGNORECASE)


def _near(text: str, start: int, keywords: tuple[str, ...], window: int) -> bool:
    return _keyword_re(keywords).search(text, max(0, start - window), start) is not None


def _starts_word(text: str, start: int) -> bool:
    return start == 0 or not text[start - 1].isalnum()


def _number_windows(text: str) -> Numbers:
    """(windows around runs of 7+ digits, runs with three dots: IPv4 candidates). A window
    reaches 2 characters before ('+', 'X-' of a NIE) and 2 after (the letter of a DNI)."""
    long_runs, dotted = [], []
    for m in NUMBER_RUN_RE.finditer(text):
        run = m.group()
        if run.count(".") == 3:
            dotted.append(m.span())
        if sum(c.isdigit() for c in run) >= MIN_DIGITS:
            long_runs.append((max(0, m.start() - 2), min(len(text), m.end() + 2)))
    return long_runs, dotted


def _emails(text: str, lang: str, window: int, numbers: Numbers) -> Iterator[tuple[int, int]]:
    if "@" in text:
        for m in EMAIL_RE.finditer(text):
            yield m.span()


def _public_ip(candidate: str) -> bool:
    try:
        return ipaddress.ip_address(candidate).is_global
    except ValueError:
        return False


def _ips(text: str, lang: str, window: int, numbers: Numbers) -> Iterator[tuple[int, int]]:
    for a, b in numbers[1]:
        for m in IPV4_RE.finditer(text, max(0, a - 1), min(len(text), b + 1)):
            if _public_ip(m.group()):
                yield m.span()
    if "::" in text or text.count(":") >= 7:
        for m in IPV6_RE.finditer(text):
            if m.group().count(":") >= 2 and _public_ip(m.group()):
                yield m.span()


def _ibans(text: str, lang: str, window: int, numbers: Numbers) -> Iterator[tuple[int, int]]:
    for m in IBAN_RE.finditer(text):
        if not _starts_word(text, m.start()):
            continue
        candidate = m.group()
        # The pattern may take a following code-like word: shorten group by group.
        while len(candidate.replace(" ", "")) >= 15:
            if iban.is_valid(candidate):
                yield m.start(), m.start() + len(candidate)
                break
            candidate = candidate.rsplit(" ", 1)[0] if " " in candidate else candidate[:-1]


def _cards(text: str, lang: str, window: int, numbers: Numbers) -> Iterator[tuple[int, int]]:
    for a, b in numbers[0]:
        for m in CARD_RE.finditer(text, a, b):
            number = _digits(m.group())
            if 13 <= len(number) <= 19 and CARD_PREFIX.match(number) and luhn.is_valid(number):
                yield m.span()


def _national_ids(
    text: str, lang: str, window: int, numbers: Numbers, kinds: tuple[str, ...]
) -> Iterator[tuple[int, int]]:
    digit_checks = [
        (kind, pattern, check)
        for kind, pattern, check in (
            ("de_idnr", DIGITS11_RE, idnr.is_valid),
            ("pl_pesel", DIGITS11_RE, pesel.is_valid),
            ("nl_bsn", DIGITS9_RE, bsn.is_valid),
        )
        if kind in kinds
    ]
    for a, b in numbers[0]:
        for kind, pattern, check in digit_checks:
            for m in pattern.finditer(text, a, b):
                if check(_digits(m.group())) and _near(text, m.start(), ID_WORDS[kind], window):
                    yield m.span()
        if "es_dni" in kinds:
            for m in DNI_RE.finditer(text, a, b):
                if dni.is_valid(m.group().upper()):
                    yield m.span()
        if "es_nie" in kinds:
            for m in NIE_RE.finditer(text, a, b):
                if nie.is_valid(m.group().upper()):
                    yield m.span()
    if "it_codice_fiscale" in kinds:
        for m in CF_RE.finditer(text):
            if _starts_word(text, m.start()) and codicefiscale.is_valid(m.group()):
                yield m.span()


def _valid_phone(candidate: str, region: str | None) -> bool:
    try:
        number = phonenumbers.parse(candidate, region)
    except phonenumbers.NumberParseException:
        return False
    return phonenumbers.is_valid_number(number)


def _phones(text: str, lang: str, window: int, numbers: Numbers) -> Iterator[tuple[int, int]]:
    regions = PHONE_REGIONS.get(lang, ())
    for a, b in numbers[0]:
        for m in INTL_PHONE_RE.finditer(text, a, b):
            candidate = m.group()
            candidate = "+" + candidate[2:] if candidate.startswith("00") else candidate
            if _valid_phone(candidate, None):
                yield m.span()
        for m in NATIONAL_PHONE_RE.finditer(text, a, b):
            candidate = m.group()
            if not 7 <= len(_digits(candidate)) <= 13 or DATE_RE.fullmatch(candidate):
                continue
            # With a trunk 0 and separators the format itself says "phone number"; without
            # one (Spain, Poland, Denmark...) the word for phone must be close by.
            trunk = candidate.lstrip("(").startswith("0") and not candidate.isdigit()
            if not trunk and not _near(text, m.start(), PHONE_WORDS, window):
                continue
            if any(_valid_phone(candidate, r) for r in regions):
                yield m.span()


def find_pii(
    text: str,
    lang: str,
    categories: tuple[str, ...] = CATEGORIES,
    national_ids: tuple[str, ...] = NATIONAL_IDS,
    window: int = 40,
) -> list[Span]:
    """Validated spans, without overlaps (earlier categories win), in text order."""
    found: list[Span] = []
    taken: list[tuple[int, int]] = []
    numbers = _number_windows(text)
    for category in CATEGORIES:
        if category not in categories:
            continue
        if category == "national_id":
            spans = _national_ids(text, lang, window, numbers, national_ids)
        else:
            spans = DETECTORS[category](text, lang, window, numbers)
        for start, end in spans:
            if all(end <= a or start >= b for a, b in taken):
                taken.append((start, end))
                found.append(Span(start, end, category))
    return sorted(found, key=lambda s: s.start)


DETECTORS: dict[str, Callable[[str, str, int, Numbers], Iterator[tuple[int, int]]]] = {
    "email": _emails,
    "ip": _ips,
    "iban": _ibans,
    "card": _cards,
    "phone": _phones,
}


def redact(text: str, spans: list[Span], placeholder: str) -> str:
    """The text with every span replaced by its placeholder (`<EMAIL>`...)."""
    out, pos = [], 0
    for span in spans:
        out.append(text[pos : span.start])
        out.append(placeholder.format(category=span.category.upper()))
        pos = span.end
    out.append(text[pos:])
    return "".join(out)
