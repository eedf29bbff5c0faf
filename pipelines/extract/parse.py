"""A page parsed as trafilatura's `load_html` parses it, with lxml's element lookup in C.

lxml.html's parser gives each element its Python class through a lookup written in Python
(`HtmlElementClassLookup.lookup`), called each time code first touches an element:
trafilatura, readability and jusText touch every element several times, about 2,000
calls a page. The parser here uses lxml's own C lookup instead, with the same classes for
everything trafilatura's tree holds but the form controls: `form`, `input`, `select`,
`textarea` and `label` are plain `HtmlElement`s, not lxml.html's form classes, whose
form-filling methods no extraction step calls. Everything else is `load_html`'s string
path, step for step, with its parser's options. Fast mode's extraction costs 3 % less
on trafilatura's evaluation pages and 6 % less on Debian documentation pages (`python
bench/extractor_eval.py`, its two fast-mode rows); tests/pipelines/test_parse.py holds
the trees and every extractor setting's texts to `load_html`'s on real pages.
"""

from __future__ import annotations

from lxml import etree
from lxml.html import (
    HtmlComment,
    HtmlElement,
    HtmlEntity,
    HTMLParser,
    HtmlProcessingInstruction,
    fromstring,
)
from trafilatura.utils import is_dubious_html, repair_faulty_html

# trafilatura.utils.HTML_PARSER's options
_PARSER = HTMLParser(
    collect_ids=False, default_doctype=False, encoding="utf-8", remove_comments=True,
    remove_pis=True,
)  # fmt: skip
_PARSER.set_element_class_lookup(
    etree.ElementDefaultClassLookup(
        element=HtmlElement, comment=HtmlComment, pi=HtmlProcessingInstruction, entity=HtmlEntity
    )
)


def parse_html(html: str) -> HtmlElement | None:
    """The tree of `trafilatura.utils.load_html(html)`; None where it gives None."""
    beginning = html[:50].lower()
    html = repair_faulty_html(html, beginning)
    retried = False
    try:
        tree = fromstring(html, parser=_PARSER)
    except ValueError:  # a string that declares its encoding: libxml2 wants bytes
        tree, retried = _from_bytes(html), True
    except Exception:
        tree = None
    if (tree is None or len(tree) < 1) and not retried:
        tree = _from_bytes(html)
    if tree is not None and is_dubious_html(beginning) and len(tree) < 2:
        return None  # not HTML at all, by load_html's test
    return tree


def _from_bytes(html: str) -> HtmlElement | None:
    try:
        return fromstring(html.encode("utf8", "surrogatepass"), parser=_PARSER)
    except Exception:
        return None
