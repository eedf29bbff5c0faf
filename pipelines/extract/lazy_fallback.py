"""trafilatura's precision mode with its fallback run only where the fallback can change the text.

    Trafilatura(..., fallback="auto")     # the eu24 preset's extraction

With `fallback` on, trafilatura extracts the main text with its own rules, then always runs
readability on the page and sometimes jusText, and keeps their text where its own looks
deficient (`trafilatura.external.compare_extraction`). Readability is 40 % of the
extraction's CPU and changes the text of few pages: 5 of 81 of trafilatura's own
evaluation pages, all of them pages where its own text is short or badly built.

Reading `compare_extraction` (trafilatura 2.3, precision mode) gives the cases where the
fallback replaces or rewrites the text:
- jusText is examined only when the text is under `min_extracted_size` (250 characters) or
  holds elements of `SANITIZED_XPATH` (nav, footer, figure...);
- readability's text is taken when the own text is empty, when the own text has no
  paragraph text or more tables than paragraphs (and readability's exceeds twice
  `min_extracted_size`), or when readability's text is more than twice as long.
The first two are read off the own result. The last needs readability's length, which is
the cost to avoid. Readability's text is taken from the page; the gate measures the page by
the text of trafilatura's cleaned tree and assumes readability's is not longer. That is an
observation, not a bound: readability reads the page before trafilatura's cleaning and may
keep what the cleaning drops. `python bench/extractor_eval.py --warc debian-docs.warc.gz`
found it longer on 2 of 5,108 real pages, by 0.04 % and 0.6 %, with no text changed. Where
the own text is at least half of the page's, readability cannot double it.

`fallback_may_change` is that test; where it says no, `compare_extraction` would return the
own result unchanged (under that one assumption), so the output equals
`bare_extraction(fast=False)`'s. Where it says
yes, `compare_extraction` runs as trafilatura runs it. The rest of trafilatura's sequence
(`core.trafilatura_sequence`, comments off, precision on: no baseline rescue, no recall
escalation) is replayed step by step with trafilatura's own functions, without the copy of
the whole tree that `bare_extraction` makes of a tree it is handed. The replay leans on
trafilatura's internals; where they are missing (another trafilatura version), the full
`bare_extraction(fast=False)` runs instead: the same text, without the saving.
`tests/pipelines/test_lazy_fallback.py` holds both to the full run on real pages.
"""

from __future__ import annotations

import trafilatura
from lxml import etree
from lxml.html import HtmlElement

try:  # trafilatura's internals, as of 2.3
    from trafilatura.core import (
        RAW_TREE_PRUNE_XPATH,
        REMOVE_COMMENTS_AND_LISTS_XPATH,
        REMOVE_COMMENTS_XPATH,
        _forum_thread_page,
        _prepare_tree,
    )
    from trafilatura.external import SANITIZED_XPATH, compare_extraction
    from trafilatura.htmlprocessing import prune_unwanted_nodes
    from trafilatura.main_extractor import extract_content
    from trafilatura.settings import Extractor
    from trafilatura.utils import trim
    from trafilatura.xml import xmltotxt

    REPLAY_AVAILABLE = True
except ImportError:  # pragma: no cover - depends on the installed trafilatura
    REPLAY_AVAILABLE = False

# The own text must be at least this share of the page's text for readability to be unable
# to double it (its text is part of the page's). 0.5 is the bound itself, no margin taken.
MIN_PAGE_SHARE = 0.5
_STRING = etree.XPath("string()", smart_strings=False)


def fallback_may_change(body, text: str, page: HtmlElement, min_extracted_size: int) -> bool:
    """Whether trafilatura's `compare_extraction` (precision mode) could replace `text`.

    `body` and `text` are trafilatura's own extraction (`extract_content`), `page` the
    cleaned page it came from. False only where none of the fallback's conditions can hold,
    given that readability's text is not longer than the page's.
    """
    if len(text) < min_extracted_size:  # jusText is examined; readability takes empty text
        return True
    if body.xpath(SANITIZED_XPATH):  # "unclean": jusText is examined
        return True
    if not body.xpath(".//p//text()") or len(body.findall(".//table")) > len(body.findall(".//p")):
        return True  # structurally deficient: readability's text is preferred
    return len(text) < MIN_PAGE_SHARE * page_chars(page, len(text))  # readability could double it


def page_chars(page: HtmlElement, text_chars: int = 0) -> int:
    """Length of the page's text, trimmed as trafilatura measures its own.

    Trimming only shortens: where the untrimmed length already leaves `text_chars` its
    share, the trimmed one would too, and that costlier measure is skipped.
    """
    untrimmed = len(_STRING(page))  # one string built in C, not one per text node
    if text_chars >= MIN_PAGE_SHARE * untrimmed:
        return untrimmed
    return len(trim(" ".join(page.itertext())))


def extract_text(tree: HtmlElement, url: str | None, *, include_tables: bool) -> str:
    """The text `bare_extraction(tree, fast=False, favor_precision=True, include_comments=False)`
    returns, running the fallback only where `fallback_may_change`. Consumes `tree`.
    """
    if not REPLAY_AVAILABLE:
        result = trafilatura.bare_extraction(
            tree, url=url, with_metadata=False, favor_precision=True, include_comments=False,
            include_tables=include_tables, fast=False,
        )  # fmt: skip
        return (result.text or "") if result is not None else ""
    options = Extractor(
        output_format="python", fast=False, precision=True, comments=False, tables=include_tables,
        url=url,
    )  # fmt: skip
    # core.trafilatura_sequence, comments off and precision on, step by step
    is_forum = _forum_thread_page(tree)
    tree = prune_unwanted_nodes(tree, RAW_TREE_PRUNE_XPATH)
    tree = prune_unwanted_nodes(tree, REMOVE_COMMENTS_AND_LISTS_XPATH)
    cleaned, backup = _prepare_tree(tree, options, url)
    if not is_forum:
        cleaned = prune_unwanted_nodes(cleaned, REMOVE_COMMENTS_XPATH)
    body, text = extract_content(cleaned, options)
    if fallback_may_change(body, text, backup, options.min_extracted_size):
        # `tree` is not read again: readability may prune it in place (no copy needed)
        body, text = compare_extraction(backup, tree, body, text, options)
    # bare_extraction: too short an output is no document; the text is the body's
    if len(text) < options.min_output_size:
        return ""
    return xmltotxt(body, options.formatting)
