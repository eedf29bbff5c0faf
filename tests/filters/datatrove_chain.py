"""The fineweb preset's quality filters against datatrove 0.10.1's, filter by filter.

Both chains see the same extracted texts (trafilatura as datatrove's extractor calls it:
favour precision, no comments; without its per-process paragraph deduplication, which would
make a page's text depend on the pages before it). Each filter of ours gets the text that
datatrove's filter gets (after the filters before it, C4's line removal included), so a
disagreement points at one filter. datatrove runs as bench/e2e.py runs it: its defaults,
so spaCy's English tokenizer and sentencizer for every language.

Used by tests/filters/test_fineweb_real_pages.py (the committed set) and
bench/fineweb_equivalence.py (the larger set, with timings).
"""

from __future__ import annotations

import time
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from leam.filters.manifest import load_set
from leam.pipelines.presets import presets_dir

CHAIN = ["gopher_repetition", "gopher_quality", "c4_quality", "fineweb_quality"]


def extract(html: str) -> str | None:
    """datatrove's Trafilatura block's call (deduplicate off, see above)."""
    from trafilatura import extract as trafilatura_extract

    return trafilatura_extract(html, favor_precision=True, include_comments=False,
                               deduplicate=False)  # fmt: skip


def datatrove_filters() -> dict[str, Any]:
    from datatrove.pipeline.filters import (
        C4QualityFilter,
        FineWebQualityFilter,
        GopherQualityFilter,
        GopherRepetitionFilter,
    )

    return dict(zip(CHAIN, [GopherRepetitionFilter(), GopherQualityFilter(), C4QualityFilter(),
                            FineWebQualityFilter()], strict=True))  # fmt: skip


def ours(word_split: str | None = None) -> dict[str, Any]:
    """The fineweb preset's filters, built for English (none of them has per-language
    parameters there); word_split replaces the manifests' (to measure what it changes)."""
    manifests = load_set(presets_dir() / "fineweb" / "manifests")
    out = {}
    for name in CHAIN:
        params = manifests[name].params_for("en")
        if word_split is not None:
            params = params.model_copy(update={"word_split": word_split})
        out[name] = manifests[name].filter(params, "en")
    return out


@dataclass
class Comparison:
    docs: int = 0
    # filter → [documents it saw, same decision, datatrove removed, we removed]
    per_filter: dict[str, list[int]] = field(default_factory=lambda: defaultdict(lambda: [0] * 4))
    # (url, filter, datatrove's reason, ours)
    disagreements: list[tuple[str, str, str, str]] = field(default_factory=list)
    kept: dict[str, dict[str, set[str]]] = field(
        default_factory=lambda: defaultdict(lambda: {"datatrove": set(), "leam": set()})
    )
    seconds: dict[str, float] = field(default_factory=lambda: defaultdict(float))
    text_differs: int = 0

    def jaccard(self, lang: str | None = None) -> float:
        langs = [lang] if lang else list(self.kept)
        a = set().union(*(self.kept[x]["datatrove"] for x in langs))
        b = set().union(*(self.kept[x]["leam"] for x in langs))
        return len(a & b) / len(a | b) if a | b else 1.0


def compare(docs: list[tuple[str, str, str]], word_split: str | None = None) -> Comparison:
    """docs: (url, lang, extracted text). Each side's chain runs to the end on its own
    texts for the kept sets; filter by filter, ours sees datatrove's input."""
    from datatrove.data import Document

    theirs, mine = datatrove_filters(), ours(word_split)
    result = Comparison()
    for url, lang, text in docs:
        result.docs += 1
        d_text: str | None = text
        o_text: str | None = text
        for name in CHAIN:
            if d_text is None and o_text is None:
                break
            if d_text is not None:
                document = Document(text=d_text, id=url)
                t = time.perf_counter()
                verdict = theirs[name].filter(document)
                result.seconds[f"datatrove {name}"] += time.perf_counter() - t
                d_keep = verdict is True
                d_reason = "keep" if d_keep else verdict[1]
                f = mine[name]
                row = result.per_filter[name]
                t = time.perf_counter()
                ours_verdict = f.decide(f.score({"text": d_text}))
                result.seconds[f"leam {name}"] += time.perf_counter() - t
                row[0] += 1
                row[1] += ours_verdict.keep == d_keep
                row[2] += not d_keep
                row[3] += not ours_verdict.keep
                if ours_verdict.keep != d_keep:
                    ours_reason = "keep" if ours_verdict.keep else ours_verdict.reason
                    result.disagreements.append((url, name, d_reason, ours_reason))
                d_text = document.text if d_keep else None
            if o_text is not None:  # our own chain, on our own texts
                f = mine[name]
                v = f.decide(f.score({"text": o_text}))
                if not v.keep:
                    o_text = None
                elif hasattr(f, "rewrite"):
                    o_text = f.rewrite({"text": o_text})[0]
        if d_text is not None:
            result.kept[lang]["datatrove"].add(url)
        if o_text is not None:
            result.kept[lang]["leam"].add(url)
        if d_text is not None and o_text is not None and d_text != o_text:
            result.text_differs += 1
        result.kept[lang]  # every language appears, kept or not
    return result
