"""Which country writes in which language: the one map the PII detectors use to choose the
phone-number regions to try on a page, and to tell a foreign identifier from a local one.

A page's phone numbers written without a country code are tried against the regions of the
page's language (Spanish → ES; German → DE, AT, LU, BE), of its domain (`.pt` → PT) and of
the countries whose international numbers the same page already quotes. An identifier
found on a page whose language is not one of its country's official languages is
"cross-border": the audit counts those apart, by country and language.
"""

from __future__ import annotations

import functools

# The 27 member states (ISO 3166 alpha-2, as libphonenumber names their regions) and their
# official EU languages, by ISO 639-1 code.
EU27: dict[str, tuple[str, ...]] = {
    "AT": ("de",), "BE": ("nl", "fr", "de"), "BG": ("bg",), "CY": ("el",), "CZ": ("cs",),
    "DE": ("de",), "DK": ("da",), "EE": ("et",), "ES": ("es",), "FI": ("fi", "sv"),
    "FR": ("fr",), "GR": ("el",), "HR": ("hr",), "HU": ("hu",), "IE": ("en", "ga"),
    "IT": ("it",), "LT": ("lt",), "LU": ("fr", "de"), "LV": ("lv",), "MT": ("mt", "en"),
    "NL": ("nl",), "PL": ("pl",), "PT": ("pt",), "RO": ("ro",), "SE": ("sv",), "SI": ("sl",),
    "SK": ("sk",),
}  # fmt: skip

# Neighbours outside the Union whose numbers pages in these languages often quote.
EXTRA_REGIONS: dict[str, tuple[str, ...]] = {"en": ("GB",), "de": ("CH",), "fr": ("CH",)}

# Country-code top-level domains that are not the ISO code of their country.
TLD_REGIONS: dict[str, str] = {"uk": "GB"}


# Where a language is official in several states, the one most of its pages come from.
HOME: dict[str, str] = {"de": "DE", "fr": "FR", "nl": "NL", "el": "GR", "en": "IE", "sv": "SE"}


def _by_language() -> dict[str, tuple[str, ...]]:
    out: dict[str, list[str]] = {}
    for country, langs in EU27.items():
        for lang in langs:
            out.setdefault(lang, []).append(country)
    for lang, regions in out.items():
        regions.sort(key=lambda c: c != HOME.get(lang, c))  # the home country first
        regions.extend(EXTRA_REGIONS.get(lang, ()))
    return {lang: tuple(regions) for lang, regions in out.items()}


LANGUAGE_REGIONS: dict[str, tuple[str, ...]] = _by_language()


def region_for_domain(domain: str | None) -> str | None:
    """The region of a country-code domain (`www.example.pt` → PT), else None."""
    if not domain:
        return None
    tld = domain.rstrip(".").rsplit(".", 1)[-1].lower()
    region = TLD_REGIONS.get(tld, tld.upper())
    return region if region in EU27 or region in ("GB", "CH") else None


@functools.lru_cache(maxsize=4096)
def phone_regions(
    lang: str, domain: str | None = None, quoted: tuple[str, ...] = ()
) -> tuple[tuple[str, ...], int]:
    """The regions to try for numbers without a country code, and how many of them are the
    page's home regions: its language's main country and its domain's country come first,
    then the language's other countries and those of the international numbers the page
    quotes (which must then be written in their exact national grouping)."""
    langs = LANGUAGE_REGIONS.get(lang, ())
    home = [r for r in (*langs[:1], region_for_domain(domain)) if r]
    home = list(dict.fromkeys(home))
    rest = [r for r in (*langs[1:], *quoted) if r not in home]
    return tuple(home + list(dict.fromkeys(rest))), len(home)


def is_foreign(country: str, lang: str) -> bool:
    """True when a page in `lang` quotes an identifier or number of another country."""
    return lang not in EU27.get(country, ()) + tuple(
        k for k, v in EXTRA_REGIONS.items() if country in v
    )
