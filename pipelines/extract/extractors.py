"""Main text, title and date of an HTML page: trafilatura (the default) or resiliparse.

trafilatura is what FineWeb and most corpora use, and the best-measured extractor; it is also
most of a pipeline's CPU (about 13 ms a page of 50 KB). Its `fallback` (on by default, as in
datatrove) runs readability and jusText on every page and keeps their text when trafilatura's
own looks deficient; without it extraction costs half. `fallback: auto` runs it only where
it can change the text (lazy_fallback.py): the same text, for 11-24 % more than without
it. resiliparse (Chatnoir's extractor, a C++ DOM with main-content rules) is about 20 times
faster than trafilatura; `bench/extractor_quality.py` and `bench/extractor_eval.py` measure
how its text and the kept set differ, so that users choose knowingly. It finds no dates:
htmldate would need an lxml parse that costs more than the whole extraction. With
trafilatura, htmldate's date search costs about 1 ms a page (it looks at every element, so
more on pages with large menus); `dates: false` skips it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Protocol

import trafilatura
from htmldate import find_date
from lxml.html import HtmlElement
from trafilatura.metadata import extract_title
from trafilatura.utils import normalize_unicode

from leam.pipelines.extract import lazy_fallback
from leam.pipelines.extract.parse import parse_html

ExtractorName = Literal["trafilatura", "resiliparse"]
# trafilatura's readability/jusText fallback: on, off, or "auto": run only where it can
# change the text (pipelines/extract/lazy_fallback.py); "auto" gives the text of `True`.
Fallback = bool | Literal["auto"]


@dataclass(frozen=True)
class Extracted:
    text: str  # stripped; empty when the page has no main text
    title: str | None
    date: str | None  # ISO date


class Extractor(Protocol):
    def __call__(self, html: str, url: str, tree: HtmlElement | None = None) -> Extracted | None:
        """None when the HTML cannot be parsed at all. `tree`: the page already parsed by
        `parse.parse_html` (a check before extraction did), so it is not parsed again."""
        ...


class Trafilatura:
    def __init__(
        self,
        *,
        favor_precision: bool,
        include_comments: bool,
        include_tables: bool,
        deduplicate: bool,
        fallback: Fallback,
        dates: bool,
    ) -> None:
        self.dates = dates
        self.lazy_fallback = _check_auto(fallback, favor_precision, include_comments, deduplicate)
        self.options = {
            "favor_precision": favor_precision,
            "include_comments": include_comments,
            "include_tables": include_tables,
            "deduplicate": deduplicate,
            "fast": fallback is False,
        }

    def __call__(self, html: str, url: str, tree: HtmlElement | None = None) -> Extracted | None:
        tree = parse_html(html) if tree is None else tree
        if tree is None:
            return None
        # Title and date only, not trafilatura's full metadata pass (author, site name,
        # categories...): that pass cost as much as the text extraction.
        title = extract_title(tree)
        date = find_date(tree, url=url, extensive_search=False) if self.dates else None
        # NFC, as trafilatura's extract() returns it (bare_extraction leaves that to callers):
        # the same text as datatrove's Trafilatura block, which calls extract().
        text = normalize_unicode(self._text(tree, url)).strip()
        return Extracted(text, title, date)

    def _text(self, tree, url: str) -> str:
        """trafilatura's text; with `fallback: auto`, the same text from the lazy fallback."""
        if self.lazy_fallback:
            tables = self.options["include_tables"]
            return lazy_fallback.extract_text(tree, url, include_tables=tables)
        result = trafilatura.bare_extraction(tree, url=url, with_metadata=False, **self.options)
        return (result.text or "") if result is not None else ""


def _check_auto(fallback: Fallback, precision: bool, comments: bool, deduplicate: bool) -> bool:
    """True for `fallback: auto`, which replays trafilatura's precision mode without comments."""
    if fallback != "auto":
        return False
    if not precision or comments or deduplicate:
        raise ValueError(
            "fallback: auto needs favor_precision: true, include_comments: false and "
            "deduplicate: false (the only trafilatura sequence it replays)"
        )
    return True


class Resiliparse:
    def __init__(self, *, include_comments: bool, include_tables: bool) -> None:
        self.include_comments = include_comments
        self.include_tables = include_tables

    def __call__(self, html: str, url: str, tree: HtmlElement | None = None) -> Extracted | None:
        # Imported here: resiliparse is an optional dependency (the `fast` extra).
        from resiliparse.extract.html2text import extract_plain_text
        from resiliparse.parse.html import HTMLTree

        tree = HTMLTree.parse(html)
        if tree.body is None:
            return None
        skip = None if self.include_tables else ["table"]
        text = extract_plain_text(
            tree,
            main_content=True,
            alt_texts=False,
            links=False,
            form_fields=False,
            noscript=False,
            comments=self.include_comments,
            list_bullets=False,
            skip_elements=skip,
        )
        return Extracted(text.strip(), (tree.title or "").strip() or None, None)
