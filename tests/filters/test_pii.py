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
