"""National identifiers of the 27 member states: each rule a pattern, a check-digit validator
and whether it needs its name nearby, all declared in the pii_redaction manifest.

    - id: de_idnr
      country: DE
      pattern: '\\d{2} ?\\d{3} ?\\d{3} ?\\d{3}'
      validator: de.idnr            # python-stdnum's module, or one of ours (hu.tax_id...)
      context: near_words           # anywhere | near_words | near_own_words
      words: [Steuer-ID, IdNr]      # its own names; the id_words of every language also count
      rationale: 11 digits, ISO 7064 check digit; ...

An identifier whose check digits a random number rarely passes (a date inside, a mod-97 or
letter check) is found anywhere, whatever the page's language. One that a random digit run
passes often (a 9-digit number passes the Dutch 11-test one time in eleven) or that has no
check digit at all is found only after one of its names ("BSN", "Steuer-ID", "numéro
fiscal"), in any EU language: a page in French may quote a German tax id. One without any
check digit (a Danish CPR number is a date and four digits) needs one of its own names.
"""

from __future__ import annotations

import datetime
import importlib
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator
from stdnum import ean, luhn, verhoeff

from leam.filters.pii_regions import EU27

Validator = Callable[[str], bool]

# python-stdnum's validators by module name: they check length, dates and check digits.
STDNUM = (
    "at.vnr", "be.nn", "bg.egn", "cy.vat", "cz.rc", "de.idnr", "dk.cpr", "ee.ik", "es.dni",
    "es.nie", "fi.hetu", "fr.nif", "fr.nir", "gr.amka", "hr.oib", "ie.pps", "it.codicefiscale",
    "lt.asmens", "lv.pvn", "nl.bsn", "pl.pesel", "pt.cc", "pt.nif", "ro.cnp", "se.personnummer",
    "si.emso", "sk.rc",
)  # fmt: skip
OWN = ("hu.tax_id", "lu.matricule", "mt.id_card")


def _digits(s: str) -> str:
    return re.sub(r"\D", "", s)


def hu_tax_id(number: str) -> bool:
    """Hungarian adóazonosító jel: 10 digits, '8' first, digit 10 = Σ dᵢ·i (i = 1..9) mod 11
    (NAV's published rule; python-stdnum has only the VAT number)."""
    d = _digits(number)
    if len(d) != 10 or d[0] != "8":
        return False
    check = sum(int(c) * i for i, c in enumerate(d[:9], start=1)) % 11
    return check < 10 and check == int(d[9])


def lu_matricule(number: str) -> bool:
    """Luxembourg's national identification number: 13 digits, a birth date YYYYMMDD, three
    serial digits, then a Luhn and a Verhoeff check digit over the first 11 (CNS rule)."""
    d = _digits(number)
    if len(d) != 13:
        return False
    try:
        datetime.date(int(d[:4]), int(d[4:6]), int(d[6:8]))
    except ValueError:
        return False
    return luhn.calc_check_digit(d[:11]) == d[11] and verhoeff.calc_check_digit(d[:11]) == d[12]


def mt_id_card(number: str) -> bool:
    """Maltese identity card number: up to 7 digits and a letter; no check digit, so the
    pattern is the whole test and the rule needs its name nearby."""
    return re.fullmatch(r"\d{1,7}[MGAPLHBZ]", number.replace(" ", "").upper()) is not None


OWN_VALIDATORS: dict[str, Validator] = {
    "hu.tax_id": hu_tax_id, "lu.matricule": lu_matricule, "mt.id_card": mt_id_card,
}  # fmt: skip


def validator(name: str) -> Validator:
    """The check behind a manifest's `validator:` name."""
    if name in OWN_VALIDATORS:
        return OWN_VALIDATORS[name]
    if name not in STDNUM:
        raise ValueError(f"unknown validator {name!r}; known: {', '.join(STDNUM + OWN)}")
    module = importlib.import_module(f"stdnum.{name}")
    is_valid: Validator = module.is_valid
    return lambda s: is_valid(s.upper())


class IdRule(BaseModel):
    """One national identifier, as the manifest declares it."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)
    id: str = Field(pattern=r"^[a-z]{2}_[a-z0-9_]+$")
    country: str = Field(description="ISO 3166 code of the issuing member state")
    also: list[str] = Field(
        default_factory=list, description="other states that issue the same format"
    )
    pattern: str = Field(min_length=1, description="a regular expression; boundaries added")
    validator: Literal[STDNUM + OWN]  # type: ignore[valid-type]
    context: Literal["anywhere", "near_words", "near_own_words"]
    words: list[str] = Field(default_factory=list)
    rationale: str = Field(min_length=1)

    @field_validator("country")
    @classmethod
    def _eu(cls, value: str) -> str:
        if value not in EU27:
            raise ValueError(f"{value!r} is not a member state ({', '.join(EU27)})")
        return value

    @field_validator("also")
    @classmethod
    def _all_eu(cls, values: list[str]) -> list[str]:
        for value in values:
            cls._eu(value)
        return values

    @field_validator("pattern")
    @classmethod
    def _compiles(cls, value: str) -> str:
        try:
            re.compile(value)
        except re.error as err:
            raise ValueError(f"not a regular expression: {err}") from None
        return value


@dataclass(frozen=True)
class CompiledRule:
    rule: IdRule
    regex: re.Pattern[str]
    check: Validator
    windowed: bool  # searched only around runs of 7+ digits, not in the whole text
    scan: re.Pattern[str]  # the bare pattern: a fast first pass over the whole text


def compile_rules(rules: tuple[IdRule, ...]) -> tuple[CompiledRule, ...]:
    out = []
    for r in rules:
        regex = re.compile(r"(?<![\w.,/+-])(?<!\d )(?:" + r.pattern + r")(?![\w-]|[.,/]\d)")
        # Every identifier holds a run of 7+ digits (a window reaches 2 characters before it:
        # the "X-" of a NIE) except those that open with a block of letters (the codice
        # fiscale), which are searched in the whole text.
        windowed = not r.pattern.startswith("[A-Z]{")
        out.append(CompiledRule(r, regex, validator(r.validator), windowed, re.compile(r.pattern)))
    return tuple(out)


def words_regex(words: tuple[str, ...] | list[str]) -> re.Pattern[str] | None:
    """Names at the start of a word. Short ones (BSN, NIF, CNP) must also end the word, so
    that "TIN" does not match inside "Tinte", and when written in capitals they match only
    in capitals: "NIE" is the Spanish foreigner's number, "nie" Polish for "not". Long ones
    are case-insensitive prefixes that also match their inflections (isikukood → isikukoodi)."""
    if not words:
        return None
    alts = []
    for w in sorted(set(words), key=len, reverse=True):
        if len(w) >= 5:
            alts.append(re.escape(w))
        elif w.isupper():
            alts.append(f"(?-i:{re.escape(w)})(?!\\w)")
        else:
            alts.append(f"{re.escape(w)}(?!\\w)")
    return re.compile(r"(?<!\w)(?:" + "|".join(alts) + ")", re.IGNORECASE)


def _isbn13(number: str) -> bool:
    """A book number (978/979 and a valid EAN digit) that a 13-digit identifier's check
    would also pass: one Romanian CNP in 30 or so starts with 97 and a valid date."""
    d = _digits(number)
    return len(d) == 13 and d.startswith(("978", "979")) and ean.is_valid(d)


@dataclass(frozen=True)
class Names:
    """The words that name identifiers: `regex` finds any of them (each rule's own words and
    the id words of every language), `owners` says which rules a word belongs to."""

    regex: re.Pattern[str] | None
    owners: dict[str, frozenset[str]]  # a rule's own words that name it only
    own: dict[str, frozenset[str]]  # rule id → all its own words, general ones included

    @classmethod
    def build(cls, rules: tuple[IdRule, ...], generic: list[str]) -> Names:
        shared = {w.lower() for w in generic}  # general words name no rule in particular
        owners: dict[str, set[str]] = {}
        for r in rules:
            for w in r.words:
                if w.lower() not in shared:
                    owners.setdefault(w.lower(), set()).add(r.id)
        words = [*generic, *(w for r in rules for w in r.words)]
        own = {r.id: frozenset(w.lower() for w in r.words) for r in rules}
        return cls(words_regex(words), {w: frozenset(i) for w, i in owners.items()}, own)

    def last_before(self, text: str, start: int, reach: int) -> str | None:
        """The name nearest before `start`, lower-cased, or None."""
        if self.regex is None:
            return None
        found = list(self.regex.finditer(text, max(0, start - reach), start))
        return found[-1].group().lower() if found else None


def find_ids(
    text: str,
    windows: list[tuple[int, int]],
    rules: tuple[CompiledRule, ...],
    names: Names,
    reach: int,
) -> Iterator[tuple[int, int, str]]:
    """(start, end, rule id) of every valid identifier. `windows` are the stretches around
    digit runs where digit-led patterns can match. A `near_words` rule needs a name within
    `reach` characters before the number; and a number named as another identifier ("PESEL:
    …" that fails the PESEL check) is not taken for this one, whatever its check digits."""
    for cr in rules:
        if cr.windowed and not windows:
            continue
        if cr.windowed:
            spans = (m for a, b in windows for m in cr.regex.finditer(text, a, b))
        else:  # the bare pattern finds candidates fast; the bounded one then checks each
            found = (cr.regex.match(text, m.start()) for m in cr.scan.finditer(text))
            spans = (m for m in found if m is not None)
        for m in spans:
            if not cr.check(m.group()) or _isbn13(m.group()):
                continue
            name = names.last_before(text, m.start(), reach)
            owners = names.owners.get(name or "", frozenset())
            if owners and cr.rule.id not in owners:
                continue
            if cr.rule.context == "near_words" and name is None:
                continue
            if cr.rule.context == "near_own_words" and name not in names.own[cr.rule.id]:
                continue
            yield m.start(), m.end(), cr.rule.id
