"""Turning a page's bytes into text: charset from the HTTP header, then the HTML meta tag,
then detection (charset-normalizer). A declared charset that Python does not know, or that
fails to decode the bytes, is not trusted: the next source is tried. `is_html` says whether
the bytes are a page at all; extract and the crawler both ask it.
"""

from __future__ import annotations

import codecs
import re

from charset_normalizer import from_bytes

_HEADER_CHARSET = re.compile(r"charset\s*=\s*[\"']?([\w.:-]+)", re.I)
_META_CHARSET = re.compile(rb"<meta[^>]+charset\s*=\s*[\"']?([\w.:-]+)", re.I)
_SNIFF_BYTES = 4096
HTML_TYPES = ("text/html", "application/xhtml+xml")
# Types that servers send for anything; the body's first bytes decide.
_VAGUE_TYPES = ("", "text/plain", "application/octet-stream")
# Above this share of replacement characters a decoding is treated as wrong.
MAX_REPLACEMENT_SHARE = 0.01


class UndecodableError(ValueError):
    pass


def is_html(content_type: str, body: bytes) -> bool:
    """An HTML type, or a vague one whose body starts like an HTML document."""
    mime = content_type.split(";", 1)[0].strip().lower()
    if mime in HTML_TYPES:
        return True
    head = body[:1024].lstrip().lower()
    return mime in _VAGUE_TYPES and head.startswith((b"<!doctype html", b"<html"))


def _known(charset: str | None) -> str | None:
    if not charset:
        return None
    try:
        return codecs.lookup(charset).name
    except LookupError:
        return None


def _strict(payload: bytes, charset: str) -> str | None:
    try:
        return payload.decode(charset)
    except (UnicodeDecodeError, LookupError):
        return None


def decode_html(payload: bytes, content_type: str) -> tuple[str, str]:
    """Returns (text, charset used). Raises UndecodableError when no charset fits."""
    header = _HEADER_CHARSET.search(content_type or "")
    meta = _META_CHARSET.search(payload[:_SNIFF_BYTES])
    declared = [header.group(1) if header else None, meta.group(1).decode() if meta else None]
    for charset in filter(None, map(_known, declared)):
        text = _strict(payload, charset)
        if text is not None:
            return text, charset
    if (text := _strict(payload, "utf-8")) is not None:
        return text, "utf-8"
    best = from_bytes(payload[: 1 << 18]).best()
    if best is not None:
        text = payload.decode(best.encoding, errors="replace")
        if text.count("\ufffd") <= MAX_REPLACEMENT_SHARE * max(len(text), 1):
            return text, best.encoding
    raise UndecodableError(f"no charset decodes it (declared: {declared})")
