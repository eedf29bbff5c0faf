"""`parse_html` builds the tree trafilatura's `load_html` builds, with lxml's C element lookup.

Real pages: the 196 Debian documentation pages of tests/data/realpages and the 16 of
trafilatura's evaluation pages of tests/data/trafilatura_eval.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from lxml import etree
from lxml.html import HtmlElement
from trafilatura.utils import load_html

from leam.pipelines.extract.decode import decode_html
from leam.pipelines.extract.parse import parse_html
from leam.pipelines.extract.stage import ExtractParams, build_extractor
from tests.realpages import read as read_debian
from tests.snippet_eval import read_pages

DATA = Path(__file__).resolve().parent.parent / "data"


@pytest.fixture(scope="module")
def pages() -> list[str]:
    debian = [html for _, html in read_debian(DATA / "realpages" / "pages.tar.xz")]
    evaluation = read_pages(DATA / "trafilatura_eval" / "pages.tar.xz")
    return debian + [decode_html(data, "")[0] for _, data in sorted(evaluation.items())]


def _same_tree(a: HtmlElement | None, b: HtmlElement | None) -> bool:
    if a is None or b is None:
        return a is b
    return etree.tostring(a, encoding=str) == etree.tostring(b, encoding=str)


def test_the_trees_of_real_pages_are_load_htmls(pages):
    assert len(pages) == 212
    for html in pages:
        assert _same_tree(parse_html(html), load_html(html))


@pytest.mark.parametrize(
    "html",
    [
        "",
        "plain text, no markup at all",
        "<p>one fragment</p>",
        '<?xml version="1.0" encoding="utf-8"?><html><body><p>declared</p></body></html>',
        "<!DOCTYPE html>\n<html/>\n<body><p>self-closed html</p></body>",
        "<html><body><form><input value='x'><textarea>t</textarea></form><p>a</p></body></html>",
        "<html><body><p>control \x01 characters \x0b</p></body></html>",
    ],
)
def test_odd_inputs_parse_as_load_html_parses_them(html):
    assert _same_tree(parse_html(html), load_html(html))


def test_every_element_is_an_html_element_with_its_methods():
    tree = parse_html("<html><body><form><p>Kept <b>text</b></p></form></body></html>")
    assert tree is not None
    assert {type(e) for e in tree.iter()} == {HtmlElement}  # the form too: no form class
    assert tree.find(".//p").text_content() == "Kept text"


def test_extraction_from_either_tree_gives_the_same_text(pages):
    # precision mode with its fallback: trafilatura's own rules, readability and jusText
    extract = build_extractor(ExtractParams(fallback=True))
    for html in pages[-16:]:  # the evaluation pages: news and shop pages with forms
        mine, theirs = extract(html, "", parse_html(html)), extract(html, "", load_html(html))
        assert (mine.text, mine.title, mine.date) == (theirs.text, theirs.title, theirs.date)
