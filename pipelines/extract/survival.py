"""Pages that cannot survive the filter stage, turned away before extraction.

trafilatura is most of a run's CPU, and in a pipeline whose filter stage drops what Gopher's
quality rules reject (the `fineweb` preset) most pages never reach the output: on 5,108
real documentation pages in 16 EU languages, 3,498 have fewer than two of Gopher's English
stop words, or fewer than 50 words, in their *whole* text. Two of Gopher's signals only
grow when text is added around a text's words: the word count and the set of stop words
present. The extracted text is made of the page's text nodes (trimmed, some left out,
joined), so the same two signals on all of the page's text bound what its extracted text
can reach; when even that bound is below gopher_quality's minimum, the filter stage would
certainly drop the page, and it is not extracted.

The page's text is taken twice, from the tree that trafilatura then extracts from (the page
is parsed once): every text node on a line of its own, and the nodes run together, since
extraction may keep inline nodes together (`<b>th</b>e` is one word) and put block nodes on
lines of their own. Characters are treated as trafilatura treats them (control and format
characters such as soft hyphens removed, NFC); script and style never reach its output.
The bound is the larger count and the union of the stop words of the two. On the 5,108
pages, every page's extracted text stays within it (tests/pipelines/test_survival.py
checks it on the committed real pages), and the kept set is the same with and without the
check (bench/RESULTS.md). The check costs under 1 ms a page: a page's words are its
chunks' words one after the other, so counts are cached per chunk; datatrove's word count
is at least the number of chunks that are not only punctuation, which settles most pages
without a word split; and only chunks that hold a stop word as written are split for the
stop-word rule.

    - stage: extract
      params:
        survival_precheck: {}   # gopher_quality's thresholds, from the filter stage below

The parameters are gopher_quality's, taken from the pipeline's filter stage (its manifest
folder, its version): the most lenient word minimum of all languages, and the stop-word
rule only where one list holds for every language (the fineweb preset's). A turned-away
page goes to the ledger as the filter would send it (`too_few_words` or
`too_few_stop_words`, filter id and version, the bounds as signals), under the stage
`extract`. The check is refused where it could be wrong: a filter that rewrites text
(pii_redaction's placeholders, C4's line removal) before gopher_quality, gopher_quality not
dropping, or a filter stage that only annotates.
"""

from __future__ import annotations

import re
from typing import Any

from datatrove.utils.text import PUNCTUATION_SET
from lxml import etree
from lxml.html import HtmlElement
from pydantic import Field, ValidationInfo, model_validator
from trafilatura.utils import normalize_unicode

from leam.corpus.stage import StageParams, sibling_params
from leam.filters.gopher_quality import GopherQuality, GopherQualityParams
from leam.filters.resolve import from_resolved
from leam.filters.text import WordSplit
from leam.pipelines.filter import FilterStageParams

FILTER_ID = "gopher_quality"
_TEXT_NODES = etree.XPath("//text()[not(parent::script or parent::style)]", smart_strings=False)
# Chunks (whitespace-free runs) remembered per process with their word count and stop words:
# gopher_quality's words of a text are its chunks' words one after the other, so a page costs
# one lookup per chunk once the process has seen its words.
CACHE_SIZE = 500_000
# Spacing entities left in text as written, which trafilatura's line processing turns into
# the characters they name (trafilatura/utils.py, line_processing).
_ENTITIES = (("&#13;", "\r"), ("&#10;", "\n"), ("&nbsp;", "\u00a0"))


class SurvivalParams(StageParams):
    """gopher_quality's word and stop-word rules; by default those of the pipeline's filter
    stage, which must drop with them."""

    filter_version: int = Field(ge=1, description="gopher_quality's manifest version")
    min_words: int | None = Field(None, ge=0, description="fewer words: dropped")
    stop_words: list[str] | None = Field(None, description="the one list of every language")
    min_stop_words: int | None = Field(None, ge=0, description="fewer distinct ones: dropped")
    stop_words_ignore_case: bool = True
    word_split: WordSplit = "unicode"

    @model_validator(mode="before")
    @classmethod
    def _from_filter_stage(cls, data: Any, info: ValidationInfo) -> Any:
        if not isinstance(data, dict) or "filter_version" in data:
            return data
        written = sibling_params(info, "filter")
        if written is None:
            raise ValueError("survival_precheck needs the pipeline's filter stage")
        return {**gopher_rules(written, info), **data}


def gopher_rules(filter_params: dict[str, Any], info: ValidationInfo) -> dict[str, Any]:
    """SurvivalParams' fields from the filter stage's parameters as written; ValueError
    where a check before extraction could turn away a page that the filter stage keeps."""
    stage = FilterStageParams.model_validate(filter_params, context=info.context)
    manifests = from_resolved(stage.resolved)
    ids = [m.id for m in manifests]
    if FILTER_ID not in ids:
        raise ValueError(f"survival_precheck: the filter stage has no {FILTER_ID}")
    gopher = manifests[ids.index(FILTER_ID)]
    if stage.annotate_only or gopher.action != "drop":
        raise ValueError(f"survival_precheck: {FILTER_ID} must drop (it annotates here)")
    before = manifests[: ids.index(FILTER_ID)]
    rewriting = [m.id for m in before if m.action == "redact" or hasattr(m.filter, "rewrite")]
    if rewriting:
        raise ValueError(
            f"survival_precheck: {', '.join(rewriting)} rewrites text before {FILTER_ID}"
        )
    every = [gopher.params, *(o.params for o in gopher.languages.values())]
    params: list[GopherQualityParams] = [p for p in every if isinstance(p, GopherQualityParams)]
    first = params[0]
    mins = [p.min_words for p in params]
    one_list = all(
        p.stop_words is not None
        and (p.stop_words, p.min_stop_words, p.stop_words_ignore_case)
        == (first.stop_words, first.min_stop_words, first.stop_words_ignore_case)
        for p in params
    )
    if len({p.word_split for p in params}) != 1:
        raise ValueError(f"survival_precheck: {FILTER_ID}'s word split differs by language")
    return {
        "filter_version": gopher.version,
        "min_words": None if None in mins else min(m for m in mins if m is not None),
        "stop_words": first.stop_words if one_list else None,
        "min_stop_words": first.min_stop_words if one_list else None,
        "stop_words_ignore_case": first.stop_words_ignore_case,
        "word_split": first.word_split,
    }


def page_texts(tree: HtmlElement) -> tuple[str, str]:
    """The page's text as trafilatura's output could hold it at most: every text node on a
    line of its own, and all of them run together."""
    nodes = _TEXT_NODES(tree)
    return _as_extracted("\n".join(nodes)), _as_extracted("".join(nodes))


def _as_extracted(text: str) -> str:
    """The characters trafilatura keeps (utils.line_processing and remove_control_characters:
    printable or space), in NFC as extract() returns them."""
    for entity, char in _ENTITIES:
        if entity in text:
            text = text.replace(entity, char)
    dropped = {c for c in set(text) if not (c.isprintable() or c.isspace())}
    if dropped:
        text = text.translate(dict.fromkeys(map(ord, dropped)))
    return normalize_unicode(text)


class SurvivalPrecheck:
    def __init__(self, params: SurvivalParams) -> None:
        self.params = params
        self.gopher = GopherQuality(
            GopherQualityParams(
                min_words=params.min_words,
                stop_words=params.stop_words or [],
                min_stop_words=params.min_stop_words,
                stop_words_ignore_case=params.stop_words_ignore_case,
                word_split=params.word_split,
            ),
            lang="und",
        )
        self._words: dict[str, int] = {}  # chunk -> its words
        self._stops: dict[str, frozenset[str]] = {}  # chunk -> its stop words, when any
        self._stops_of: dict[str, frozenset[str]] = {}  # chunk -> its stop words (maybe none)
        # A word is a piece of its chunk, so only a chunk that holds a stop word as it is
        # written can have it among its words: the others need no word split. (Where case is
        # ignored, every chunk is split: lowercasing may change a chunk's words.)
        stop = sorted(params.stop_words or [], key=len, reverse=True)
        self._may_hold = (
            re.compile(r"(?<!\S)\S*?(?:" + "|".join(map(re.escape, stop)) + r")\S*")
            if stop and not params.stop_words_ignore_case
            else None
        )

    def _count(self, chunks: list[str]) -> int:
        try:
            return sum(map(self._words.__getitem__, chunks))
        except KeyError:
            self._trim()
            for chunk in chunks:
                if chunk not in self._words:
                    n, stop = self.gopher.counted_words(chunk)
                    self._words[chunk] = n
                    if stop:
                        self._stops[chunk] = stop
            return sum(map(self._words.__getitem__, chunks))

    def _trim(self) -> None:
        if len(self._words) + len(self._stops_of) > CACHE_SIZE:
            self._words.clear()
            self._stops.clear()
            self._stops_of.clear()

    def _stop_words(self, chunks: set[str]) -> frozenset[str]:
        """Stop words of chunks already counted."""
        return frozenset().union(*map(self._stops.__getitem__, chunks & self._stops.keys()))

    def _stop_words_in(self, text: str) -> frozenset[str]:
        """The stop words among a text's words, splitting only chunks that may hold one."""
        if self._may_hold is None:
            chunks = text.split()
            self._count(chunks)
            return self._stop_words(set(chunks))
        found: set[str] = set()
        for chunk in set(self._may_hold.findall(text)):
            stop = self._stops_of.get(chunk)
            if stop is None:
                self._trim()
                stop = self._stops_of[chunk] = self.gopher.counted_words(chunk)[1]
            found |= stop
        return frozenset(found)

    def _surely_enough_words(self, chunks: list[str]) -> bool:
        """datatrove's words: a chunk with a character that is not punctuation has at least
        one word that is not only punctuation (the words of a chunk are its pieces)."""
        p = self.params
        if p.min_words is None:
            return True
        if p.word_split != "spacy_en":
            return False
        return len(chunks) - sum(map(PUNCTUATION_SET.issuperset, chunks)) >= p.min_words

    def bounds(self, tree: HtmlElement) -> tuple[int, frozenset[str]]:
        """The most words and the stop words the page's extracted text can have: the larger
        word count and both sets of stop words, of the text node by node and run together."""
        lines, run_together = page_texts(tree)
        by_line, joined = lines.split(), run_together.split()
        n = max(self._count(by_line), self._count(joined))
        return n, self._stop_words(set(by_line)) | self._stop_words(set(joined))

    def cannot_survive(self, tree: HtmlElement) -> tuple[str, dict[str, float]] | None:
        """(gopher_quality's reason, the bound that fails, as a signal) when the page cannot
        pass; the rules in gopher_quality's order. The text run together is looked at only
        where the text node by node falls short."""
        p = self.params
        nodes = _TEXT_NODES(tree)
        lines = _as_extracted("\n".join(nodes))
        chunks = lines.split()
        joined: str | None = None
        if not self._surely_enough_words(chunks):
            joined = _as_extracted("".join(nodes))
            n = max(self._count(chunks), self._count(joined.split()))
            if p.min_words is not None and n < p.min_words:
                return "too_few_words", {"words": float(n)}
        if p.stop_words and p.min_stop_words:
            stop = self._stop_words_in(lines)
            if len(stop) < p.min_stop_words:
                joined = _as_extracted("".join(nodes)) if joined is None else joined
                stop |= self._stop_words_in(joined)
            if len(stop) < p.min_stop_words:
                return "too_few_stop_words", {"stop_words": float(len(stop))}
        return None
