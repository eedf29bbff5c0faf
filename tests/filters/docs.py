"""Hand-made documents for filter tests: good prose per language, and the usual web junk."""

from __future__ import annotations

from tests.sample_warc import sample_pages


def doc(text: str, lang: str = "en", url: str = "https://www.example.org/a.html", **kw) -> dict:
    return {"text": text, "lang": lang, "url": url, "domain": url.split("/")[2], **kw}


def prose(lang: str, min_words: int = 120) -> str:
    """A real sample text of the language with at least min_words words."""
    for page in sample_pages([lang]):
        if len(page.text.split()) >= min_words:
            return page.text
    raise LookupError(lang)


def link_list(lang: str = "de") -> str:
    """A navigation block: short lines, no sentences."""
    items = ["Startseite", "Nachrichten", "Sport", "Wetter", "Kontakt", "Impressum", "Archiv"]
    more = ["heute", "aktuell", "Region", "Videos", "Bilder", "Themen", "Service", "Dossier"]
    return "\n".join(f"{item} für {m} und mehr" for m in more for item in items)


def repeated_lines(lang: str) -> str:
    base = prose(lang).split("\n")[0]
    return "\n".join([base] * 6 + ["Ende."])


def spam(word: str = "casino bonus free spins") -> str:
    return " ".join([word] * 80)
