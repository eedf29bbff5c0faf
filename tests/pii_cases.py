"""A labelled set for the PII filter, generated: valid identifiers of every rule of the
manifest and valid phone numbers of the 27 member states, each placed in prose of one of the
24 languages (half of the identifiers on a page in another language than their country's),
and look-alikes that must stay: the same identifiers with a wrong check digit, invalid phone
numbers, dates, times, prices, versions, section numbers, ISBNs, order numbers, product
codes, postcodes and private addresses.

    cases = labelled_cases(seed=0, per_rule=20, per_region=20)
    for c in cases: c.text, c.lang, c.value, c.kind, c.country, c.positive

The prose around each case is a sample page of the language (leam.pipelines.samples), cut
in two. Check digits are found by trying every value of the check positions until the rule's
own validator accepts (or, for a look-alike, refuses) the number: the generator knows the
layout (where the date and the check digits are), never the check-digit arithmetic.
"""

from __future__ import annotations

import datetime
import itertools
import random
import string
from collections.abc import Callable
from dataclasses import dataclass

import phonenumbers
from phonenumbers import PhoneNumberFormat, PhoneNumberType

from leam.corpus.languages import EU24
from leam.filters.manifest import load_set
from leam.filters.pii_ids import IdRule, validator
from leam.filters.pii_regions import EU27
from leam.pipelines.samples import sample_pages

DIGITS, LETTERS = string.digits, string.ascii_uppercase


@dataclass(frozen=True)
class Case:
    text: str
    lang: str
    value: str  # the identifier, phone number or look-alike, as it stands in the text
    kind: str  # rule id, "phone", or the look-alike's kind ("date", "isbn"...)
    country: str  # issuing country ("" for look-alikes that have none)
    positive: bool  # must be redacted (True) or must stay (False)
    category: str = "national_id"
    domain: str = ""  # the page's host: a .lu page makes Luxembourg a home region


def _date(rng: random.Random, start: int = 1940, end: int = 1999) -> datetime.date:
    return datetime.date(rng.randint(start, end), rng.randint(1, 12), rng.randint(1, 28))


def _d(rng: random.Random, n: int) -> str:
    return "".join(rng.choice(DIGITS) for _ in range(n))


def _de_body(rng: random.Random) -> str:
    """10 digits, first not 0, exactly one digit twice (the IdNr's repetition rule)."""
    while True:
        nine = rng.sample(DIGITS, 9)
        ten = [*nine, rng.choice(nine)]
        rng.shuffle(ten)
        if ten[0] != "0":
            return "".join(ten) + "0"


# rule id → (random layout with valid dates, check positions, their alphabet, display).
Layout = tuple[Callable[[random.Random], str], tuple[int, ...], str, Callable[[str], str]]


def _same(s: str) -> str:
    return s


LAYOUTS: dict[str, Layout] = {
    "at_vnr": (lambda r: _d(r, 3) + "0" + _date(r).strftime("%d%m%y"), (3,), DIGITS,
               lambda s: f"{s[:4]} {s[4:]}"),
    "be_nn": (lambda r: _date(r).strftime("%y%m%d") + _d(r, 3) + "00", (9, 10), DIGITS,
              lambda s: f"{s[:2]}.{s[2:4]}.{s[4:6]}-{s[6:9]}.{s[9:]}"),
    "bg_egn": (lambda r: _date(r).strftime("%y%m%d") + _d(r, 4), (9,), DIGITS, _same),
    "cz_rc": (lambda r: _date(r, 1960).strftime("%y%m%d") + _d(r, 4), (9,), DIGITS,
              lambda s: f"{s[:6]}/{s[6:]}"),
    "de_idnr": (_de_body, (10,), DIGITS, lambda s: f"{s[:2]} {s[2:5]} {s[5:8]} {s[8:]}"),
    "dk_cpr": (lambda r: _date(r).strftime("%d%m%y") + _d(r, 4), (9,), DIGITS,
               lambda s: f"{s[:6]}-{s[6:]}"),
    "ee_ik": (lambda r: r.choice("34") + _date(r).strftime("%y%m%d") + _d(r, 4), (10,), DIGITS,
              _same),
    "es_dni": (lambda r: _d(r, 8) + "A", (8,), LETTERS, _same),
    "es_nie": (lambda r: r.choice("XYZ") + _d(r, 7) + "A", (8,), LETTERS, _same),
    "cy_tic": (lambda r: r.choice("03459") + _d(r, 7) + "A", (8,), LETTERS, _same),
    "fi_hetu": (lambda r: _date(r).strftime("%d%m%y") + "-" + _d(r, 3) + "0", (10,),
                DIGITS + "ABCDEFHJKLMNPRSTUVWXY", _same),
    "fr_nir": (lambda r: r.choice("12") + _date(r).strftime("%y%m") + f"{r.randint(1, 95):02d}"
               + _d(r, 6) + "00", (13, 14), DIGITS,
               lambda s: f"{s[0]} {s[1:3]} {s[3:5]} {s[5:7]} {s[7:10]} {s[10:13]} {s[13:]}"),
    "fr_nif": (lambda r: r.choice("0123") + _d(r, 9) + "000", (10, 11, 12), DIGITS,
               lambda s: f"{s[:2]} {s[2:4]} {s[4:7]} {s[7:10]} {s[10:]}"),
    "gr_amka": (lambda r: _date(r).strftime("%d%m%y") + _d(r, 5), (10,), DIGITS, _same),
    "hr_oib": (lambda r: _d(r, 11), (10,), DIGITS, _same),
    "hu_tax_id": (lambda r: "8" + _d(r, 9), (9,), DIGITS, _same),
    "mt_id_card": (lambda r: _d(r, 7) + r.choice("MGAPLHBZ"), (), "", _same),
    "ie_pps": (lambda r: _d(r, 7) + "A", (7,), "ABCDEFGHIJKLMNOPQRSTUVW", _same),
    "it_codice_fiscale": (
        lambda r: "".join(r.choice(LETTERS) for _ in range(6)) + _date(r).strftime("%y")
        + r.choice("ABCDEHLMPRST") + f"{r.randint(1, 28) + r.choice((0, 40)):02d}"
        + r.choice("ABCDEFGHILM") + _d(r, 3) + "A", (15,), LETTERS, _same),
    "lu_matricule": (lambda r: _date(r).strftime("%Y%m%d") + _d(r, 5), (11, 12), DIGITS,
                     lambda s: f"{s[:4]} {s[4:8]} {s[8:]}"),
    "lv_personas_kods": (lambda r: _date(r).strftime("%d%m%y") + "-1" + _d(r, 4), (11,),
                         DIGITS, _same),
    "nl_bsn": (lambda r: r.choice("123456789") + _d(r, 8), (8,), DIGITS, _same),
    "pl_pesel": (lambda r: _date(r).strftime("%y%m%d") + _d(r, 5), (10,), DIGITS, _same),
    "pt_cc": (lambda r: _d(r, 8) + "0ZZ0", (8, 11), DIGITS, lambda s: f"{s[:8]} {s[8]} {s[9:]}"),
    "pt_nif": (lambda r: r.choice("123") + _d(r, 8), (8,), DIGITS,
               lambda s: f"{s[:3]} {s[3:6]} {s[6:]}"),
    "ro_cnp": (lambda r: r.choice("12") + _date(r).strftime("%y%m%d")
               + f"{r.randint(1, 40):02d}" + _d(r, 4), (12,), DIGITS, _same),
    "se_personnummer": (lambda r: _date(r).strftime("%y%m%d") + "-" + _d(r, 4), (10,), DIGITS,
                        _same),
    "si_emso": (lambda r: _date(r).strftime("%d%m") + _date(r).strftime("%Y")[1:] + "50"
                + _d(r, 4), (12,), DIGITS, _same),
}  # fmt: skip


def _fill(body: str, positions: tuple[int, ...], alphabet: str, ok: Callable[[str], bool]) -> str:
    for values in itertools.product(alphabet, repeat=len(positions)):
        chars = list(body)
        for pos, value in zip(positions, values, strict=True):
            chars[pos] = value
        candidate = "".join(chars)
        if ok(candidate):
            return candidate
    return ""


def identifier(rule: IdRule, rng: random.Random, valid: bool = True) -> str:
    """A random identifier of the rule, displayed as people write it; with valid=False the
    same layout with check digits its validator refuses ("" when none could be made)."""
    make, positions, alphabet, show = LAYOUTS[rule.id]
    check = validator(rule.validator)
    for _ in range(50):
        good = _fill(make(rng), positions, alphabet, check)
        if not good:
            continue
        if valid:
            return show(good)
        if not positions:
            return ""  # no check digit: nothing can make it invalid
        bad = _fill(good, positions[-1:], rng.sample(alphabet, len(alphabet)),
                    lambda s: not check(s))  # fmt: skip
        if bad:
            return show(bad)
    return ""


def _phone(region: str, rng: random.Random, kind: int) -> phonenumbers.PhoneNumber | None:
    """A valid number of the region: its example number with random last digits."""
    example = phonenumbers.example_number_for_type(region, kind)
    if example is None:
        return None
    digits = phonenumbers.national_significant_number(example)
    keep = max(2, len(digits) - 4)
    for _ in range(200):
        number = phonenumbers.parse(digits[:keep] + _d(rng, len(digits) - keep), region)
        if phonenumbers.is_valid_number(number):
            return number
    return None


def phone_shapes(number: phonenumbers.PhoneNumber, rng: random.Random) -> list[str]:
    """The number as people write it: international with + or 00, the national format
    (with its trunk prefix), and other national groupings (3-3-3, 2-2-2-2, 3-7)."""
    intl = phonenumbers.format_number(number, PhoneNumberFormat.INTERNATIONAL)
    national = phonenumbers.format_number(number, PhoneNumberFormat.NATIONAL)
    bare = "".join(c for c in national if c.isdigit())
    shapes = [intl, "00" + intl[1:], national]
    if len(bare) == 9:
        shapes.append(f"{bare[:3]} {bare[3:6]} {bare[6:]}")
    if len(bare) == 8:
        shapes.append(" ".join(bare[i : i + 2] for i in range(0, 8, 2)))
    if len(bare) == 10 and bare[0] == "3":
        shapes.append(f"{bare[:3]} {bare[3:]}")
    return shapes


PARAMS = load_set()["pii_redaction"].params
PHONE_WORDS = {lang: words[0] for lang, words in PARAMS.phone_words.items()}  # type: ignore[attr-defined]
_OWNED = {w.lower() for r in PARAMS.identifiers for w in r.words}  # type: ignore[attr-defined]
# Words for "identity / tax number" that name no particular identifier ("numéro fiscal"
# belongs to the French NIF): what a page says before a foreign identifier.
ID_WORDS = {
    lang: [w for w in words if w.lower() not in _OWNED] or words
    for lang, words in PARAMS.id_words.items()  # type: ignore[attr-defined]
}


def _prose(lang: str, rng: random.Random) -> tuple[str, str]:
    pages = [p.text for p in sample_pages([lang]) if p.lang == lang]
    text = rng.choice(pages)
    cut = text.find(". ", len(text) // 3)
    cut = cut + 2 if cut > 0 else len(text)
    return text[:cut], text[cut:]


def _page(lang: str, middle: str, rng: random.Random) -> str:
    before, after = _prose(lang, rng)
    return f"{before.rstrip()} {middle} {after}".strip()


def look_alikes(rng: random.Random, lang: str) -> list[tuple[str, str]]:
    """(kind, value) of text that looks like personal data and is not."""
    d = _date(rng, 1990, 2030)
    n = rng.randint(2, 9)
    return [
        ("date", d.strftime(rng.choice(["%d.%m.%Y", "%Y-%m-%d", "%d/%m/%Y", "%d. %m. %Y"]))),
        ("time", f"{rng.randint(0, 23):02d}:{rng.randint(0, 59):02d}:{rng.randint(0, 59):02d}"),
        ("price", rng.choice([f"{rng.randint(100, 999)} {rng.randint(100, 999)} {_d(rng, 3)} €",
                              f"{rng.randint(1, 99)}.{_d(rng, 3)}.{_d(rng, 3)},00 EUR",
                              f"€ {rng.randint(1, 99)} {_d(rng, 3)} {_d(rng, 3)}"])),
        ("version", f"version {n}.{rng.randint(0, 20)}.{rng.randint(0, 20)}.{rng.randint(1, 200)}"),
        ("section", rng.choice(["Section", "Abschnitt", "kapitola", "Sección", "§"])
         + f" {n}.{rng.randint(1, 9)}.{rng.randint(1, 9)}.{rng.randint(1, 9)}"),
        ("isbn", _isbn(rng)),
        ("order_number", rng.choice(["Order no.", "Bestellnummer", "n° de commande", "ref."])
         + " " + _d(rng, rng.randint(8, 12))),
        ("product_code", rng.choice([f"SKU {_d(rng, 3)}-{_d(rng, 3)}-{_d(rng, 4)}",
                                     f"EAN {_ean(rng)}",
                                     f"art. {_d(rng, 4)}.{_d(rng, 3)}.{_d(rng, 2)}"])),
        ("postcode", rng.choice([f"{_d(rng, 5)} Paris", f"D-{_d(rng, 5)} Berlin",
                                 f"{_d(rng, 2)}-{_d(rng, 3)} Kraków", f"{_d(rng, 4)} AB Utrecht"])),
        ("private_ip", rng.choice([f"192.168.{rng.randint(0, 255)}.{rng.randint(1, 254)}",
                                   f"10.{rng.randint(0, 255)}.{rng.randint(0, 99)}.{n}",
                                   f"172.16.{rng.randint(0, 255)}.{rng.randint(1, 254)}"])),
    ]  # fmt: skip


def _ean(rng: random.Random, prefix: str = "") -> str:
    body = prefix + _d(rng, 12 - len(prefix))
    total = sum(int(c) * (3 if i % 2 else 1) for i, c in enumerate(body))
    return body + str((10 - total % 10) % 10)


def _isbn(rng: random.Random) -> str:
    number = _ean(rng, "978" + rng.choice("0123"))
    return rng.choice([f"ISBN {number[:3]}-{number[3]}-{number[4:8]}-{number[8:12]}-{number[12]}",
                       f"ISBN {number}", number])  # fmt: skip


def labelled_cases(seed: int = 0, per_rule: int = 20, per_region: int = 12) -> list[Case]:
    """Positives and look-alikes, each in its own page (so that one cannot hide another)."""
    rng = random.Random(seed)
    rules: list[IdRule] = list(load_set()["pii_redaction"].params.identifiers)  # type: ignore[attr-defined]
    langs = list(EU24)
    cases: list[Case] = []
    for rule in rules:
        home = EU27[rule.country][0]
        for i in range(per_rule):
            lang = home if i % 2 == 0 else rng.choice([g for g in langs if g != home])
            named = rule.context != "anywhere" or i % 4 < 2
            names = (
                rule.words if rule.context == "near_own_words" else [*ID_WORDS[lang], *rule.words]
            )
            word = rng.choice(names) if named else ""
            for valid in (True, False):
                value = identifier(rule, rng, valid)
                if value:
                    middle = f"{word}: {value}." if word else f"({value})."
                    cases.append(Case(_page(lang, middle, rng), lang, value, rule.id,
                                      rule.country, valid))  # fmt: skip
    for region, region_langs in EU27.items():
        for i in range(per_region):
            kind = PhoneNumberType.MOBILE if i % 2 else PhoneNumberType.FIXED_LINE
            number = _phone(region, rng, kind)
            if number is None:
                continue
            shapes = phone_shapes(number, rng)
            shape = shapes[i % len(shapes)]
            intl = shape.startswith(("+", "00"))
            lang = rng.choice(langs) if intl else region_langs[0]
            word = PHONE_WORDS[lang] + ". " if i % 3 == 0 else ""
            host = "" if intl else f"www.example.{region.lower()}"
            cases.append(Case(_page(lang, f"{word}{shape}.", rng), lang, shape, "phone",
                              region, True, "phone", host))  # fmt: skip
            wrong = shape[:-1]  # one digit short: no longer a number of the region
            if not phonenumbers.is_valid_number(phonenumbers.parse(wrong, region)):
                cases.append(Case(_page(lang, f"{word}{wrong}.", rng), lang, wrong,
                                  "invalid_phone", region, False, "", host))  # fmt: skip
    for i in range(per_rule * len(rules) // 10):
        lang = langs[i % len(langs)]
        for kind, value in look_alikes(rng, lang):
            cases.append(Case(_page(lang, f"{value}.", rng), lang, value, kind, "", False, ""))
    return cases


@dataclass
class Tally:
    total: int = 0
    right: int = 0  # positives redacted, look-alikes kept

    @property
    def rate(self) -> float:
        return self.right / self.total if self.total else 1.0


def evaluate(
    cases: list[Case], spans_of: Callable[[str, str], list[tuple[int, int]]]
) -> dict[tuple[bool, str, str], Tally]:
    """Tallies by (positive, kind, country): a positive counts when a redacted span covers
    its value, a look-alike when no span touches it. `spans_of(case)` runs the filter."""
    out: dict[tuple[bool, str, str], Tally] = {}
    for c in cases:
        start = c.text.index(c.value)
        end = start + len(c.value)
        spans = spans_of(c)
        if c.positive:
            ok = any(a <= start and b >= end for a, b in spans)
        else:
            ok = not any(a < end and b > start for a, b in spans)
        t = out.setdefault((c.positive, c.kind, c.country), Tally())
        t.total += 1
        t.right += ok
    return out
