"""PII redaction: true positives in several languages and formats, and look-alikes that must
stay (invalid check digits, dates, order numbers, private addresses, prices)."""

from __future__ import annotations

import pytest

from leam.filters.manifest import load_set
from leam.filters.pii import redact
from leam.filters.privacy import PiiRedaction, PiiRedactionParams

MANIFEST = load_set()["pii_redaction"]


def found(text: str, lang: str = "en") -> list[tuple[str, str]]:
    f = PiiRedaction(MANIFEST.params_for(lang), lang)  # type: ignore[arg-type]
    return [(s.category, text[s.start : s.end]) for s in f.spans({"text": text})]


@pytest.mark.parametrize(
    ("text", "lang", "category", "value"),
    [
        ("Schreiben Sie an anna.muster@beispiel.de bei Fragen.", "de", "email",
         "anna.muster@beispiel.de"),
        ("Le serveur 8.8.8.8 répond.", "fr", "ip", "8.8.8.8"),
        ("Adres 2001:4860:4860::8888 is publiek.", "nl", "ip", "2001:4860:4860::8888"),
        ("IBAN: DE89 3704 0044 0532 0130 00 BIC COBADEFFXXX", "de", "iban",
         "DE89 3704 0044 0532 0130 00"),
        ("Rekening NL91ABNA0417164300 op naam van", "nl", "iban", "NL91ABNA0417164300"),
        ("Karte 4111 1111 1111 1111 gültig bis 12/27", "de", "card", "4111 1111 1111 1111"),
        ("Meine Steuer-ID lautet 36574261809.", "de", "national_id", "36574261809"),
        ("Mijn BSN is 111222333.", "nl", "national_id", "111222333"),
        ("Numer PESEL: 44051401359", "pl", "national_id", "44051401359"),
        ("DNI 54362315K, Madrid", "es", "national_id", "54362315K"),
        ("NIE X2482300W", "es", "national_id", "X2482300W"),
        ("Codice fiscale RCCMNL83S18D969H per la pratica.", "it", "national_id",
         "RCCMNL83S18D969H"),
        ("Rufen Sie uns an: +49 30 901820.", "de", "phone", "+49 30 901820"),
        ("Appelez le 01 42 68 53 00 du lundi au vendredi.", "fr", "phone", "01 42 68 53 00"),
        ("Chiamate lo 0039 06 6982 per informazioni.", "it", "phone", "0039 06 6982"),
        ("Puhelin 09 3104 2000 arkisin.", "fi", "phone", "09 3104 2000"),
        ("Llámenos al teléfono 912 345 678 hoy.", "es", "phone", "912 345 678"),
    ],
)  # fmt: skip
def test_true_positives(text, lang, category, value):
    assert (category, value) in found(text, lang)


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("IBAN: DE89 3704 0044 0532 0130 01 (ein Tippfehler)", "de"),  # mod-97 fails
        ("Das Treffen ist am 01.03.2024 um 10:30 Uhr.", "de"),  # a date and a time
        ("Bestellnummer 0012345678 vom 12.03.2024", "de"),  # an order number
        ("Ordernummer 123456789 is verzonden.", "nl"),  # 9 digits, no BSN nearby
        ("Der Router hat die Adresse 192.168.1.1 im Heimnetz.", "de"),  # private address
        ("Version 10.0.0.1 des Programms", "en"),  # private range
        ("Kartennummer 4111 1111 1111 1112 ist ungültig.", "de"),  # Luhn fails
        ("Populacja: 912 345 678 osób w regionie", "pl"),  # a number, no phone word
        ("Il prezzo è di 1.234.567 euro.", "it"),
        ("Sesja trwała od 10:30:45 do 12:00:00.", "pl"),  # times, not IPv6
        ("Steuer-ID 36574261808 (Prüfziffer falsch)", "de"),
        ("Codice fiscale RCCMNL83S18D969A errato", "it"),
    ],
)
def test_look_alikes_stay(text, lang):
    assert found(text, lang) == []


def test_redaction_replaces_and_counts_without_keeping_values():
    text = "Kontakt: anna@beispiel.de oder +49 30 901820, IBAN DE89370400440532013000."
    f = PiiRedaction(MANIFEST.params_for("de"), "de")  # type: ignore[arg-type]
    new, counts = f.rewrite({"text": text})
    assert new == "Kontakt: <EMAIL> oder <PHONE>, IBAN <IBAN>."
    assert counts == {"email": 1, "phone": 1, "phone.DE": 1, "iban": 1}
    assert f.score({"text": text}) == {
        "email": 1.0, "ip": 0.0, "iban": 1.0, "card": 0.0, "national_id": 0.0, "phone": 1.0
    }  # fmt: skip


def test_categories_can_be_switched_off():
    text = "anna@beispiel.de, 8.8.8.8"
    f = PiiRedaction(PiiRedactionParams(categories=["ip"]), "de")
    assert f.rewrite({"text": text})[0] == "anna@beispiel.de, <IP>"
    assert redact("ab", [], "<{category}>") == "ab"


@pytest.mark.parametrize(
    ("text", "lang", "value"),
    [
        ("Llame al 622 312 243 por la tarde.", "es", "622 312 243"),  # mobile, no trunk prefix
        ("Ring til os på 27 43 19 38 i dag.", "da", "27 43 19 38"),
        ("Il mio cellulare: 338 7833724.", "it", "338 7833724"),
        ("Ligue 912 345 678 ainda hoje.", "pt", "912 345 678"),
        ("Volejte 601 123 456 kdykoliv.", "cs", "601 123 456"),
        ("Contacto: +34 622 312 243.", "de", "+34 622 312 243"),  # international, any page
        ("Hívjon: (06 1) 234 5678.", "hu", "(06 1) 234 5678"),  # trunk 06, in parentheses
    ],
)  # fmt: skip
def test_national_phone_formats(text, lang, value):
    assert ("phone", value) in found(text, lang)


@pytest.mark.parametrize(
    ("text", "lang", "value"),
    [
        ("Mon numéro fiscal allemand est 36574261809.", "fr", "36574261809"),
        ("My Dutch BSN is 111222333.", "en", "111222333"),
        ("Il codice fiscale RCCMNL83S18D969H è italiano.", "pt", "RCCMNL83S18D969H"),
        ("Le NIR 2 95 10 99 126 111 93 figure sur la carte.", "de", "2 95 10 99 126 111 93"),
        ("Henkilötunnus 131052-308T.", "sv", "131052-308T"),
        ("Rodné číslo 710319/2745 je uvedeno.", "sk", "710319/2745"),
        ("CNP-ul 1800101221144 este valid.", "hu", "1800101221144"),
    ],
)  # fmt: skip
def test_identifiers_found_whatever_the_page_language(text, lang, value):
    assert ("national_id", value) in found(text, lang)


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("See Section 6.3.1.1 for the details.", "en"),
        ("Siehe Abschnitt 6.3.4.2 und 6.3.4.3.", "de"),
        ("Viz kapitola 12.4.1.7 níže.", "cs"),
        ("Secțiunea 8.2.1.5 descrie procedura.", "ro"),
        ("§ 14.2.3.1 gilt entsprechend.", "de"),
        ("intro\n6.3.4.2 Configuring the host\nThe host...", "en"),  # a numbered heading
        ("Requires version 8.15.20.46 or later.", "en"),
        ("sqlite (3.8.11.1) fixes a bug", "en"),  # one-digit first and last parts
        ("binutils (2.10.0.26-2) unstable", "en"),  # a package revision
        ("Breaks alsa-utils (<< 71.0.24.2)", "en"),  # a version comparison
        ("Copyright (C) 2018-2022 Tim", "en"),  # a year range, not a phone number
        ("Boston, MA 02110-1301 USA", "en"),  # a US ZIP+4 code
        ("Ordernummer 123456789 wurde versandt.", "de"),  # 9 digits, no BSN named
        ("PESEL: 44051401358 (błąd)", "pl"),  # named as PESEL, fails it: no other rule takes it
        ("Das Buch hat die ISBN 978-3-16-148410-0.", "de"),
        ("Preis: 622 312 243 €", "es"),  # an amount
        ("Artículo SKU 622-312-243 en stock.", "es"),  # a product code
        ("Bestellnummer: 0301234567", "de"),  # an order number, written like a phone number
        ("ISBN 9781017230871", "ro"),  # an ISBN-13 that passes the CNP check
    ],
)  # fmt: skip
def test_section_version_and_other_look_alikes_stay(text, lang):
    assert found(text, lang) == []


def test_dotted_quad_is_still_an_address_in_prose():
    assert found("The server 74.125.127.100 answered, see section 3.", "en") == [
        ("ip", "74.125.127.100")
    ]


def test_phone_regions_from_language_domain_and_quoted_numbers():
    f = PiiRedaction(MANIFEST.params_for("fr"), "fr")  # type: ignore[arg-type]
    text = "Notre bureau : 622 312 243."  # a Spanish mobile, no country code, no "tél."
    assert f.spans({"text": text}) == []
    spans = f.spans({"text": text, "domain": "www.example.es"})  # the domain's country
    assert [(s.category, s.country) for s in spans] == [("phone", "ES")]
    # a page quoting a Spanish number with its code: Spain's exact grouping is tried too
    text = "Madrid : +34 912 34 56 78, bureau : 622 31 22 43."
    assert [s.country for s in f.spans({"text": text})] == ["ES", "ES"]


def test_every_anywhere_rule_is_rarely_passed_by_random_digits():
    """The manifest's promise: a rule found without its name is passed by fewer than 1 in
    200 random digit strings of its length."""
    import random
    import re

    from leam.filters.pii_ids import validator
    from tests.pii_cases import identifier

    rng = random.Random(1)
    for rule in MANIFEST.params.identifiers:  # type: ignore[attr-defined]
        example = identifier(rule, rng)
        digits = re.sub(r"\D", "", example)
        if rule.context != "anywhere" or len(digits) != len(example.replace(" ", "")):
            continue  # letters or a slash in the shape: no random digit string matches it
        pattern, check = re.compile(rule.pattern), validator(rule.validator)
        strings = ["".join(rng.choice("0123456789") for _ in digits) for _ in range(4000)]
        rate = sum(bool(pattern.fullmatch(s)) and check(s) for s in strings) / len(strings)
        assert rate < 1 / 200, (rule.id, rate)


def test_labelled_set_recall_and_look_alikes():
    """A small draw of the generated labelled set (bench/pii_recall.py runs the large one)."""
    from tests.pii_cases import evaluate, labelled_cases

    filters: dict[str, PiiRedaction] = {}

    def spans_of(case):
        if case.lang not in filters:
            filters[case.lang] = PiiRedaction(MANIFEST.params_for(case.lang), case.lang)  # type: ignore[arg-type]
        doc = {"text": case.text, "domain": case.domain}
        return [(s.start, s.end) for s in filters[case.lang].spans(doc)]

    tallies = evaluate(labelled_cases(seed=3, per_rule=6, per_region=6), spans_of)

    def rate(keep) -> float:
        chosen = [t for k, t in tallies.items() if keep(k)]
        return sum(t.right for t in chosen) / sum(t.total for t in chosen)

    assert rate(lambda k: k[0] and k[1] == "phone") >= 0.98
    assert rate(lambda k: k[0] and k[1] != "phone") >= 0.98
    assert rate(lambda k: not k[0]) >= 0.98
    countries = {k[2] for k in tallies if k[0] and k[1] == "phone"}
    assert len(countries) == 27


def test_identifier_rules_are_validated_strictly():
    from pydantic import ValidationError

    from leam.filters.pii_ids import IdRule

    good = {"id": "xx_test", "country": "DE", "pattern": r"\d{11}", "validator": "de.idnr",
            "context": "anywhere", "rationale": "a test"}  # fmt: skip
    assert IdRule.model_validate(good).country == "DE"
    for bad in ({"country": "GB"}, {"also": ["NO"]}, {"pattern": "(["}, {"validator": "xx.nope"},
                {"context": "sometimes"}, {"extra": 1}):  # fmt: skip
        with pytest.raises(ValidationError):
            IdRule.model_validate({**good, **bad})
