"""The audit report as a reviewer sees it: rendered by headless Chromium (tests/browser.py).

Asserts on the rendered page, not on the HTML: the overview fits the first screen at
1280 × 900, nothing scrolls sideways at 1280 px, no two text boxes overlap (with every
section open), chart text is 11 px or larger, the table of contents jumps to its
sections, the filter sections open and close, and the page logs no error. Skipped, with
the reason printed (`pytest -rs`), only where Chromium cannot be installed.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from leam.corpus.cli.app import app
from tests import browser

WIDTH, HEIGHT = 1280, 900


@pytest.fixture(scope="module")
def page(filter_run: Path, tmp_path_factory):
    if (why := browser.available()) is not None:
        pytest.skip(why)
    out = tmp_path_factory.mktemp("audit") / "audit.html"
    other = str(filter_run.parent / "f-v2")
    args = ["audit", str(filter_run), "--compare", other, "--out", str(out)]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    driver = browser.start(WIDTH, HEIGHT)
    browser.open_file(driver, out)
    yield driver
    driver.quit()


def _rect(driver, selector: str) -> dict:
    return driver.execute_script(
        "const r = document.querySelector(arguments[0]).getBoundingClientRect();"
        "return {top: r.top, bottom: r.bottom, left: r.left, right: r.right,"
        " width: r.width, height: r.height};",
        selector,
    )


def _open_all(driver, open_: bool) -> None:
    driver.execute_script(
        "document.querySelectorAll('details').forEach(d => d.open = arguments[0]);", open_
    )


def test_overview_is_the_first_screen(page):
    assert page.execute_script("return [innerWidth, innerHeight]") == [WIDTH, HEIGHT]
    page.execute_script("scrollTo(0, 0)")
    for selector in ("#overview h2", "ul.headline", "p.lost-most", "#flags"):
        r = _rect(page, selector)
        assert r["height"] > 0 and 0 <= r["top"] and r["bottom"] <= HEIGHT, selector
    funnel = _rect(page, "svg.funnel")
    assert funnel["width"] > 300 and funnel["top"] < HEIGHT * 0.75  # its rows start on screen


def test_no_horizontal_scroll_and_no_overlapping_text(page):
    for open_ in (False, True):
        _open_all(page, open_)
        width = page.execute_script("return document.documentElement.scrollWidth")
        assert width <= WIDTH, f"scrolls sideways ({width} px) with sections open={open_}"
    boxes = browser.text_boxes(page)
    assert len(boxes) > 300  # the whole report, every section open
    clashes = browser.overlaps(boxes)
    assert not clashes, [(a["text"], b["text"]) for a, b in clashes[:5]]
    _open_all(page, False)


def test_charts_render_with_readable_text(page):
    _open_all(page, True)
    charts = page.execute_script(
        "return [...document.querySelectorAll('svg.chart')].map(s => {"
        " const r = s.getBoundingClientRect(); return [s.classList[1], r.width, r.height]; })"
    )
    kinds = {k for k, w, h in charts if w > 100 and h > 50}
    assert kinds == {"funnel", "histogram"}
    sizes = page.execute_script(
        "return [...document.querySelectorAll('svg.chart text, table.heatmap td, "
        "table.heatmap small')].map(t => parseFloat(getComputedStyle(t).fontSize))"
    )
    assert sizes and min(sizes) >= 11
    bars = page.execute_script(
        "return [...document.querySelectorAll('svg.funnel rect')].filter("
        " r => r.getBoundingClientRect().width > 0).length"
    )
    assert bars >= 6  # at least a bar per language
    _open_all(page, False)


def test_sections_open_close_and_links_land(page):
    summary = page.find_element("css selector", "details#filter-gopher_quality > summary")
    table = page.find_element("css selector", "details#filter-gopher_quality table.by-language")
    assert not table.is_displayed()
    page.execute_script("arguments[0].scrollIntoView()", summary)
    summary.click()
    assert table.is_displayed()
    assert page.execute_script("return document.querySelector('#filter-gopher_quality').open")
    summary.click()
    assert not table.is_displayed()
    page.execute_script("scrollTo(0, 0)")
    page.find_element("css selector", "nav#toc a[href='#filters']").click()
    assert _landed(page, "#filters")
    # A flag leads to its filter's section, opened, with its summary in view.
    page.execute_script("scrollTo(0, 0)")
    page.find_element("css selector", "#flags a").click()
    target = page.execute_script("return location.hash")
    section = target.removesuffix("-open")
    assert target.endswith("-open") and _landed(page, target)
    assert page.execute_script(f"return document.querySelector('{section}').open")
    assert 0 <= _rect(page, f"{section} > summary")["top"] < HEIGHT
    _open_all(page, False)


def _landed(driver, target: str) -> bool:
    """The target is at the top of the window (within its scroll margin), or as near as
    the page's end allows."""
    top = _rect(driver, target)["top"]
    margin = driver.execute_script(
        "return parseFloat(getComputedStyle(document.querySelector(arguments[0]))"
        ".scrollMarginTop) || 0",
        target,
    )
    at_end = driver.execute_script(
        "return Math.ceil(scrollY + innerHeight) >= document.documentElement.scrollHeight"
    )
    return abs(top - margin) < 2 or (at_end and 0 <= top < HEIGHT)


def test_no_console_errors(page):
    errors = [e for e in page.get_log("browser") if e["level"] == "SEVERE"]
    assert not errors, errors
