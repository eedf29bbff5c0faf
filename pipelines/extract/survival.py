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
check (bench/RESULTS.md).

    - stage: extract
      params:
        survival_precheck: {}   # gopher_quality's thresholds, from the filter stage below

The parameters are gopher_quality's, taken from the pipeline's filter stage (its manifest
folder, its version): the most lenient word minimum of all languages, and the stop-word
rule only where one list holds for every language (the fineweb preset's). A turned-away
page goes to the ledger as the filter would send it (`too_few_words` or
`too_few_stop_words`, filter id and version, the bounds as signals), under the stage
`extract`. The check is refused where it could be wrong: a filter that rewrites text
(pii_redaction's placeholders) before gopher_quality, gopher_quality not dropping, or a
filter stage that only annotates.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

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
    rewriting = [m.id for m in manifests[: ids.index(FILTER_ID)] if m.action == "redact"]
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

    def _count(self, chunks: list[str]) -> int:
        try:
            return sum(map(self._words.__getitem__, chunks))
        except KeyError:
            if len(self._words) > CACHE_SIZE:
                self._words.clear()
                self._stops.clear()
            for chunk in chunks:
                if chunk not in self._words:
                    n, stop = self.gopher.counted_words(chunk)
                    self._words[chunk] = n
                    if stop:
                        self._stops[chunk] = stop
            return sum(map(self._words.__getitem__, chunks))

    def _stop_words(self, chunks: set[str]) -> frozenset[str]:
        """Stop words of chunks already counted."""
        return frozenset().union(*map(self._stops.__getitem__, chunks & self._stops.keys()))

    def bounds(self, tree: HtmlElement) -> tuple[int, frozenset[str]]:
        """The most words and the stop words the page's extracted text can have."""
        lines, run_together = page_texts(tree)
        return self._bounds(lines.split(), lambda: run_together)

    def _bounds(
        self, chunks: list[str], run_together: Callable[[], str], enough: bool = False
    ) -> tuple[int, frozenset[str]]:
        """(words, stop words): of the text node by node, joined with those of the nodes run
        together (the larger count, both sets). With `enough`, the second text is looked at
        only where the first falls short of the minimums."""
        p = self.params
        n, stop = self._count(chunks), self._stop_words(set(chunks))
        short_of_words = p.min_words is not None and n < p.min_words
        short_of_stops = bool(p.stop_words) and len(stop) < (p.min_stop_words or 0)
        if enough and not (short_of_words or short_of_stops):
            return n, stop
        joined = run_together().split()
        n = max(n, self._count(joined))
        return n, stop | self._stop_words(set(joined))

    def cannot_survive(self, tree: HtmlElement) -> tuple[str, dict[str, float]] | None:
        """(gopher_quality's reason, the bounds as signals) when the page cannot pass."""
        p = self.params
        nodes = _TEXT_NODES(tree)
        n, stop = self._bounds(
            _as_extracted("\n".join(nodes)).split(),
            lambda: _as_extracted("".join(nodes)),
            enough=True,
        )
        signals = {"words": float(n), "stop_words": float(len(stop))}
        if p.min_words is not None and n < p.min_words:
            return "too_few_words", signals
        if p.stop_words and p.min_stop_words is not None and len(stop) < p.min_stop_words:
            return "too_few_stop_words", signals
        return None
