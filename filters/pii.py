"""Finding personal data in text: e-mail and IP addresses, phone numbers, IBANs, payment cards
and national identity numbers, each candidate validated before it counts.

Validation is what keeps random digit runs, dates and order numbers in the text: an IBAN must
pass its mod-97 check, a card number the Luhn check and a card prefix, a phone number
libphonenumber's rules for a region the page is likely to use (pii_phones), an IP address
must be public and not a section number, and a national number its own check digits
(pii_ids, 29 rules declared in the manifest). Each phone number and national identifier
carries its country, so that the audit can show foreign ones apart.
"""

from __future__ import annotations

import functools
import ipaddress
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal, get_args

from stdnum import iban, luhn

from leam.filters import pii_phones
from leam.filters.pii_ids import CompiledRule, IdRule, Names, compile_rules, find_ids, words_regex
from leam.filters.pii_regions import EU27, phone_regions

Category = Literal["email", "ip", "iban", "card", "national_id", "phone"]  # detection order
CATEGORIES: tuple[str, ...] = get_args(Category)

EMAIL_RE = re.compile(r"(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)*\.[^\W\d_]{2,}(?![\w-])")
IPV4_RE = re.compile(r"(?<![\w.])(?:\d{1,3}\.){3}\d{1,3}(?![\w]|\.\d)")
IPV6_RE = re.compile(r"(?<![\w:.])(?:[0-9A-Fa-f]{0,4}:){2,7}[0-9A-Fa-f]{0,4}(?![\w:])")
IBAN_RE = re.compile(r"[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,3})?\b")
CARD_RE = re.compile(r"(?<![\w+-])\d(?:[ -]?\d){12,18}(?![\w-])")
# What may stand between "section" and its number: punctuation, other numbers, short words
# ("Sections 3.2.1.4 and 3.2.1.5", "Abschnitt Nr. 6.3.4.2").
BETWEEN_RE = re.compile(r"(?:[\s\d.,:;()/–-]|\b[^\W\d_]{1,4}\b|n°|nº)*")
# A version comparison just before (`alsa-utils (<< 1.0.24.2`), a package revision just after.
VERSION_BEFORE_RE = re.compile(r"(?:<<|>>|[<>=]=|~>|[<>])\s*\(?$")
REVISION_AFTER_RE = re.compile(r"[-~+][0-9a-z]")
# Between "Bestellnummer" and its number: "Nr.", "n°", a colon; not a sentence end.
CODE_BETWEEN_RE = re.compile(r"(?:\s*(?:n[°º]|nr|no)\.?)?[\s:#-]*")
# A dotted number that opens a line and is followed by a title: a numbered heading.
HEADING_AFTER_RE = re.compile(r"\.?[ \t]+[^\W\d_]")

# A run of digits and separators: every numeric detector starts from one of these, so that
# the detailed patterns run on a few short windows instead of the whole text.
NUMBER_RUN_RE = re.compile(r"\d[\d ./()\-]*\d")
MIN_DIGITS = 7  # the shortest phone number or national id we look for (Maltese id: 7 digits)
SECTION_REACH = 30  # how far before a dotted quad a word such as "section" may stand

# Issuer prefixes by card length (ISO/IEC 7812 ranges of Visa, Mastercard, Amex, Diners,
# JCB, Discover, Maestro): a 13-digit number is a card only if it starts with 4.
CARD_PREFIXES: dict[int, re.Pattern[str]] = {
    13: re.compile("4"), 14: re.compile("3[068]"), 15: re.compile("3[47]"),
    16: re.compile("4|5[1-5]|2[2-7]|6|35"), 17: re.compile("4|6|35|5[06-9]"),
    18: re.compile("4|6|35|5[06-9]"), 19: re.compile("4|6|35|5[06-9]"),
}  # fmt: skip


Numbers = tuple[list[tuple[int, int]], list[tuple[int, int]]]


@dataclass(frozen=True)
class Span:
    start: int
    end: int
    category: str
    country: str = ""  # the issuing country of a national id or phone number


@dataclass(frozen=True)
class Detectors:
    """Everything the detectors need, compiled once per filter from the manifest's params."""

    categories: tuple[str, ...]
    rules: tuple[CompiledRule, ...]
    names: Names  # the words that name identifiers, in every language
    phone_words: re.Pattern[str] | None
    section_words: re.Pattern[str] | None
    code_words: re.Pattern[str] | None
    reach: int

    @functools.cached_property
    def by_id(self) -> dict[str, IdRule]:
        return {cr.rule.id: cr.rule for cr in self.rules}


def build_detectors(
    categories: Sequence[str],
    rules: Sequence[IdRule],
    id_words: Mapping[str, Sequence[str]],
    phone_words: Mapping[str, Sequence[str]],
    section_words: Mapping[str, Sequence[str]],
    code_words: Mapping[str, Sequence[str]],
    reach: int,
) -> Detectors:
    """The words of every language count on every page: a page in French may quote a German
    tax id after "numéro fiscal", or after "Steuer-ID"."""
    generic = [w for words in id_words.values() for w in words]
    return Detectors(
        tuple(categories),
        compile_rules(tuple(rules)),
        Names.build(tuple(rules), generic),
        words_regex([w for words in phone_words.values() for w in words]),
        words_regex([w for words in section_words.values() for w in words]),
        words_regex([w for words in code_words.values() for w in words]),
        reach,
    )


def _digits(s: str) -> str:
    return re.sub(r"\D", "", s)


def _starts_word(text: str, start: int) -> bool:
    return start == 0 or not text[start - 1].isalnum()


def _number_windows(text: str) -> Numbers:
    """(windows around runs of 7+ digits, runs with three dots: IPv4 candidates). A window
    reaches 2 characters before ('+', 'X-' of a NIE) and 4 after (' ZZ4' of a Cartão de
    Cidadão)."""
    long_runs, dotted = [], []
    for m in NUMBER_RUN_RE.finditer(text):
        run = m.group()
        if run.count(".") >= 3:
            dotted.append(m.span())
        if sum(c.isdigit() for c in run) >= MIN_DIGITS:
            long_runs.append((max(0, m.start() - 2), min(len(text), m.end() + 4)))
    return long_runs, dotted


def _emails(text: str, det: Detectors, numbers: Numbers) -> Iterator[tuple[int, int]]:
    if "@" in text:
        for m in EMAIL_RE.finditer(text):
            yield m.span()


def _public_ip(candidate: str) -> bool:
    try:
        return ipaddress.ip_address(candidate).is_global
    except ValueError:
        return False


def named_code(text: str, start: int, words: re.Pattern[str] | None) -> bool:
    """A number right after "SKU", "EAN", "art.", "Bestellnummer"... is a product or order
    code, whatever its digits happen to pass."""
    if words is None:
        return False
    before = text[max(0, start - SECTION_REACH) : start]
    named = list(words.finditer(before))
    return bool(named) and CODE_BETWEEN_RE.fullmatch(before, named[-1].end()) is not None


def section_number(text: str, start: int, end: int, words: re.Pattern[str] | None) -> bool:
    """A dotted quad that numbers a section or a version, not an address: after "section",
    "Abschnitt", "kapitola", "version", "§"... (any EU language) or a version comparison
    (`<< 1.0.24.2`), opening a line that a title follows, or followed by a package revision
    (`2.10.0.26-2`)."""
    before = text[max(0, start - SECTION_REACH) : start]
    if "§" in before or VERSION_BEFORE_RE.search(before):
        return True
    named = list(words.finditer(before)) if words is not None else []
    if named and BETWEEN_RE.fullmatch(before, named[-1].end()):
        return True
    if REVISION_AFTER_RE.match(text, end):
        return True
    line_start = text.rfind("\n", 0, start) + 1
    opens_line = not text[line_start:start].strip(" \t#*>-|")
    return opens_line and HEADING_AFTER_RE.match(text, end) is not None


def _version_like(quad: str) -> bool:
    """A quad whose first and last parts have one digit (3.8.11.1, 1.9.99.6, 4.4.1.1) is a
    version: one address in a thousand has that shape, and the best known of them are public
    resolvers written with one repeated digit (1.1.1.1, 8.8.8.8), which stay addresses."""
    parts = quad.split(".")
    return len(parts[0]) == 1 and len(parts[3]) == 1 and len(set(parts)) > 1


def _ips(text: str, det: Detectors, numbers: Numbers) -> Iterator[tuple[int, int]]:
    for a, b in numbers[1]:
        for m in IPV4_RE.finditer(text, max(0, a - 1), min(len(text), b + 1)):
            if (
                _public_ip(m.group())
                and not _version_like(m.group())
                and not section_number(text, m.start(), m.end(), det.section_words)
            ):
                yield m.span()
    if "::" in text or text.count(":") >= 7:
        for m in IPV6_RE.finditer(text):
            groups = [g for g in m.group().split(":") if g]
            if len(groups) >= 3 and len(set(groups)) > 1 and _public_ip(m.group()):
                yield m.span()


def _ibans(text: str, det: Detectors, numbers: Numbers) -> Iterator[tuple[int, int]]:
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


def _cards(text: str, det: Detectors, numbers: Numbers) -> Iterator[tuple[int, int]]:
    for a, b in numbers[0]:
        for m in CARD_RE.finditer(text, a, b):
            number = _digits(m.group())
            prefix = CARD_PREFIXES.get(len(number))
            if prefix is not None and prefix.match(number) and luhn.is_valid(number):
                yield m.span()


def _issuer(rule: IdRule, lang: str) -> str:
    """The country of an identifier that several states issue (Czech and Slovak birth
    numbers): the one whose language the page is in, else the first."""
    return next((c for c in rule.also if lang in EU27[c]), rule.country)


def find_pii(text: str, lang: str, det: Detectors, domain: str | None = None) -> list[Span]:
    """Validated spans, without overlaps (earlier categories win), in text order."""
    found: list[Span] = []
    taken: list[tuple[int, int]] = []
    numbers = _number_windows(text)

    def add(start: int, end: int, category: str, country: str = "") -> None:
        if country and named_code(text, start, det.code_words):
            return
        if all(end <= a or start >= b for a, b in taken):
            taken.append((start, end))
            found.append(Span(start, end, category, country))

    for category in CATEGORIES:
        if category not in det.categories:
            continue
        if category == "national_id":
            for start, end, rule_id in find_ids(text, numbers[0], det.rules, det.names, det.reach):
                add(start, end, category, _issuer(det.by_id[rule_id], lang))
        elif category == "phone":
            claimed: list[tuple[int, int]] = []
            quoted = []
            for start, end, region in pii_phones.international(text, numbers[0], claimed):
                add(start, end, category, region)
                quoted.append(region)
            regions, home = phone_regions(lang, domain, tuple(quoted))
            for start, end, region in pii_phones.national(
                text, numbers[0], regions, home, det.phone_words, det.reach, claimed,
                lambda a, b: section_number(text, a, b, det.section_words),
                lambda a: det.names.last_before(text, a, det.reach) is not None,
            ):  # fmt: skip
                add(start, end, category, region)
        else:
            for start, end in DETECTORS[category](text, det, numbers):
                add(start, end, category)
    return sorted(found, key=lambda s: s.start)


DETECTORS = {"email": _emails, "ip": _ips, "iban": _ibans, "card": _cards}


def redact(text: str, spans: list[Span], placeholder: str) -> str:
    """The text with every span replaced by its placeholder (`<EMAIL>`...)."""
    out, pos = [], 0
    for span in spans:
        out.append(text[pos : span.start])
        out.append(placeholder.format(category=span.category.upper()))
        pos = span.end
    out.append(text[pos:])
    return "".join(out)
