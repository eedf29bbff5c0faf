"""Phone numbers in the formats of the 27 member states, validated by libphonenumber.

A number with a country code (`+34 622 312 243`, `0049 30 901820`) is valid or not on its
own. One written nationally is tried against the regions the page most likely uses
(`pii_regions.phone_regions`: its language, its domain, the countries of the international
numbers it quotes) and must be valid in one of them. Validity alone does not make a phone
number: "912 345 678 inhabitants" is a valid Polish landline. So a national number also
needs one of these signs that it is written as a phone number:

- it starts with the region's trunk prefix (`030 901820`, `06 1 234 5678`); or
- the region has no trunk prefix (Spain, Italy, Denmark, Poland...) and the number is a
  mobile one, or an Italian landline with its leading 0, written in groups; or
- a word for phone ("Tel.", "teléfono", "puhelin") stands just before it.

Dates, times, prices (a currency next to the number), section and version numbers are
refused before libphonenumber is asked.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterator

import phonenumbers
from phonenumbers import PhoneMetadata, PhoneNumberType

INTL_RE = re.compile(r"(?<![\w+])(?<!\d[.,])(?:\+|00)[1-9][\d ()./-]{6,20}\d(?!\w)")
NATIONAL_RE = re.compile(
    r"(?<![\w+.,/:-])(?<!\d )"
    r"(?:\(\d{1,5}(?:[ -]\d{1,4})?\)|\d{1,5})"  # area code, maybe in parentheses: (06 1)
    r"(?:(?: ?[/-] ?|[ .])\d{2,10}){1,4}"  # up to 4 more groups: 030 / 901820, 01.42.68.53
    r"(?![\w.,-]\d|\w|-\w| \d)"
    r"|(?<![\w+.,/-])\d{8,12}(?![\w.,-]\d|\w|-\w| \d)"
)
DATE_RE = re.compile(r"\d{1,4}[./-] ?\d{1,2}[./-] ?\d{1,4}")  # 12.03.2024, 08. 12. 1990
GROUPS_RE = re.compile(r"\d+")
YEAR = r"(?:19|20)\d\d"
# Year ranges (2018-2022, 2012/2013) and compact dates (20190706) are not phone numbers.
DATED_RE = re.compile(rf"{YEAR}\s?[-/–]\s?{YEAR}|{YEAR}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])")
ZIP4_BEFORE_RE = re.compile(r"\b[A-Z]{2}\s+$")
DATE_START_RE = re.compile(rf"{YEAR}-\d\d-\d\d|\d\d?[./]\d\d?[./]{YEAR}")
CURRENCY_RE = re.compile(
    r"\s?(?:€|\$|£|eur|euro|kr|kč|czk|zł|pln|ft|huf|lei|ron|лв|bgn|sek|dkk|%)(?!\w)",
    re.IGNORECASE,
)
CURRENCY_BEFORE_RE = re.compile(r"(?:€|\$|£|eur|euro)\s?$", re.IGNORECASE)
MOBILE = (PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE_OR_MOBILE)


@functools.lru_cache(maxsize=64)
def trunk_prefixes(region: str) -> tuple[str, ...]:
    """The trunk prefixes dialled before a national number ('0' in Germany, '06' in
    Hungary, '8' or '0' in Lithuania); empty where there is none (Spain, Italy...)."""
    md = PhoneMetadata.metadata_for_region(region)
    if md is None or not md.national_prefix:
        return ()
    return ("8", "0") if region == "LT" else (md.national_prefix,)


def _parse(candidate: str, region: str | None) -> phonenumbers.PhoneNumber | None:
    try:
        number = phonenumbers.parse(candidate, region)
    except phonenumbers.NumberParseException:
        return None
    return number if phonenumbers.is_valid_number(number) else None


def _dated(candidate: str) -> bool:
    return DATED_RE.fullmatch(candidate) is not None


def _priced(text: str, start: int, end: int) -> bool:
    """A currency or percent sign beside the number: an amount, not a phone number."""
    return bool(
        CURRENCY_RE.match(text, end, min(len(text), end + 6))
        or CURRENCY_BEFORE_RE.search(text, max(0, start - 6), start)
    )


def international(
    text: str, windows: list[tuple[int, int]], claimed: list[tuple[int, int]]
) -> Iterator[tuple[int, int, str]]:
    """(start, end, region) of numbers written with their country code. Every candidate,
    valid or not, goes into `claimed`: a "+33 6 12 34 69 5" that fails is not read again
    as a national number without its country code."""
    for a, b in windows:
        for m in INTL_RE.finditer(text, a, b):
            claimed.append(m.span())
            candidate = m.group()
            # The pattern may take what follows ("+30 21 2345 7194. 8"): shorten group by group.
            while sum(c.isdigit() for c in candidate) >= 8:
                full = "+" + candidate[2:] if candidate.startswith("00") else candidate
                number = _parse(full, None)
                if number is not None:
                    region = phonenumbers.region_code_for_number(number) or "ZZ"
                    yield m.start(), m.start() + len(candidate), region
                    break
                cut = max(candidate.rfind(c) for c in " ./-")
                if cut <= 0:
                    break
                candidate = candidate[:cut].rstrip(" ./-(")


def _groups(s: str) -> list[int]:
    return [len(g) for g in GROUPS_RE.findall(s)]


def _written_as_phone(
    candidate: str, region: str, number: phonenumbers.PhoneNumber, home: bool
) -> bool:
    """Whether the way the number is written says "phone number". Any region accepts its
    own national grouping ("912 34 56 78" in Spain); the page's home regions also accept
    a trunk prefix with any grouping, and, where there is no trunk prefix, mobile numbers
    in any grouping ("622 312 243")."""
    if candidate.isdigit():
        return False
    national_format = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
    if _groups(candidate) == _groups(national_format):
        return True
    if not home:
        return False
    bare = candidate.lstrip("(")
    trunks = trunk_prefixes(region)
    if trunks:
        return bare.startswith(trunks)
    if region == "IT" and bare.startswith("0"):
        return True
    return phonenumbers.number_type(number) in MOBILE


def national(
    text: str,
    windows: list[tuple[int, int]],
    regions: tuple[str, ...],
    home: int,
    phone_words: re.Pattern[str] | None,
    reach: int,
    claimed: list[tuple[int, int]],
    not_personal: Callable[[int, int], bool],
    id_named: Callable[[int], bool],
) -> Iterator[tuple[int, int, str]]:
    """(start, end, region) of numbers written without a country code. The first `home`
    regions are the page's own (its language's main country, its domain's); the others
    must see their exact national grouping. `not_personal(start, end)` refuses section
    and version numbers; `id_named(start)` says that an identifier's name stands before."""
    for a, b in windows:
        pos = a
        while m := NATIONAL_RE.search(text, pos, b):
            pos = m.start() + 1  # on failure, try again from the next group
            candidate = m.group()
            digits = sum(c.isdigit() for c in candidate)
            if not 7 <= digits <= 13 or DATE_RE.fullmatch(candidate) or _dated(candidate):
                continue
            if DATE_START_RE.match(candidate):  # "2013-09-19 23:50": a date, then a time
                continue
            if ZIP4_BEFORE_RE.search(text, max(0, m.start() - 6), m.start()):
                continue  # "Boston, MA 02111-1307": a US ZIP+4 code
            if any(m.start() < y and m.end() > x for x, y in claimed):
                continue
            if _priced(text, m.start(), m.end()):
                continue
            if "." in candidate and not_personal(m.start(), m.end()):
                continue  # "Abschnitt 4.12.30.18", "version 2.13.11.166"
            if "." in candidate and re.match(r"\d\.", candidate):
                continue  # 7.14.10.194: a version, not a number written with dots
            named = phone_words is not None and bool(
                phone_words.search(text, max(0, m.start() - reach), m.start())
            )
            if not named and id_named(m.start()):
                continue  # "número de contribuinte: 278 731 183" is an identifier
            for i, region in enumerate(regions):
                number = _parse(candidate, region)
                if number is None:
                    continue
                if named or _written_as_phone(candidate, region, number, i < home):
                    yield m.start(), m.end(), region
                    pos = m.end()
                    break
