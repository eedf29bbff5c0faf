"""The one list of languages the project targets.

The 24 official languages of the European Union, by ISO 639-1 code, in the order the EU's
own documents list them. Everything that needs a language list (presets, LID, reports)
imports it from here.
"""

EU24: dict[str, str] = {
    "bg": "Bulgarian",
    "es": "Spanish",
    "cs": "Czech",
    "da": "Danish",
    "de": "German",
    "et": "Estonian",
    "el": "Greek",
    "en": "English",
    "fr": "French",
    "ga": "Irish",
    "hr": "Croatian",
    "it": "Italian",
    "lv": "Latvian",
    "lt": "Lithuanian",
    "hu": "Hungarian",
    "mt": "Maltese",
    "nl": "Dutch",
    "pl": "Polish",
    "pt": "Portuguese",
    "ro": "Romanian",
    "sk": "Slovak",
    "sl": "Slovenian",
    "fi": "Finnish",
    "sv": "Swedish",
}


# ISO 639-3 → 639-1 for the EU languages, so that models labelled in 639-3 (GlotLID:
# `__label__slv_Latn`) map onto the same codes as lid.176 (`__label__sl`).
ISO639_3_TO_1: dict[str, str] = {
    "bul": "bg", "spa": "es", "ces": "cs", "dan": "da", "deu": "de", "est": "et", "ekk": "et",
    "ell": "el", "eng": "en", "fra": "fr", "gle": "ga", "hrv": "hr", "ita": "it", "lav": "lv",
    "lvs": "lv", "lit": "lt", "hun": "hu", "mlt": "mt", "nld": "nl", "pol": "pl", "por": "pt",
    "ron": "ro", "slk": "sk", "slv": "sl", "fin": "fi", "swe": "sv",
}  # fmt: skip


def language_name(code: str) -> str:
    """English name of a language code, or the code itself when we have no name for it."""
    return EU24.get(code, code)
