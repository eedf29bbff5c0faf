"""Documents per second of each filter, ours and (where importable) datatrove's, on the
bundled sample; and how much of each language datatrove's English-default Gopher quality
filter keeps next to ours.

    python bench/filters_throughput.py [--repeat 5] [--only pii_redaction] [--docs pages.jsonl]

datatrove's Gopher, C4 and FineWeb filters tokenise with spaCy; they run here only if spaCy is
installed (it is not a project dependency: `pip install spacy` to compare). The sample texts
are pipelines/samples/texts (20 pages per EU language); the timings are per filter with the
parameters of manifests/, one process, no I/O. `--docs` reads other pages instead (JSON
lines with text, lang and url: `bench/pii_recall.py --dump` writes PII-dense ones), `--only`
times the filters named and skips the rest; run from an older checkout, the same command
gives the "before" figures.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import time
from collections import Counter

from leam.corpus.languages import EU24
from leam.corpus.stage import Context
from leam.filters.manifest import load_set
from leam.pipelines.filter import FilterStage, FilterStageParams
from tests.sample_warc import sample_pages

CHAIN = [
    "pii_redaction", "tdm_reservation", "url_blocklist", "gopher_quality", "gopher_repetition",
    "c4_quality", "fineweb_quality", "banned_words",
]  # fmt: skip


def _docs(path: str | None = None) -> list[dict]:
    if path:
        with open(path, encoding="utf-8") as f:
            rows = [json.loads(line) for line in f if line.strip()]
        return [{**r, "domain": r["url"].split("/")[2]} for r in rows]
    return [
        {"text": p.text, "lang": p.lang, "url": p.url, "domain": p.url.split("/")[2]}
        for p in sample_pages([lang for lang in EU24])
        if p.lang in EU24
    ]


def ours(docs: list[dict], repeat: int, only: list[str] | None = None) -> dict[str, float]:
    manifests = load_set()
    rates = {}
    for fid in only or CHAIN:
        m = manifests[fid]
        by_lang = {lang: m.filter(m.params_for(lang), lang) for lang in EU24}
        start = time.perf_counter()
        for _ in range(repeat):
            for d in docs:
                f = by_lang[d["lang"]]
                if m.action == "redact":
                    f.rewrite(d)
                else:
                    f.decide(f.score(d))
        rates[fid] = repeat * len(docs) / (time.perf_counter() - start)
    if only:
        return rates
    stage = FilterStage(FilterStageParams(filters=CHAIN))
    stage.setup()
    start = time.perf_counter()
    for _ in range(repeat):
        list(stage.run(iter([dict(d) for d in docs]), Context("filter")))
    rates["filter stage (all 8)"] = repeat * len(docs) / (time.perf_counter() - start)
    return rates


def theirs(docs: list[dict], repeat: int) -> dict[str, float]:
    if importlib.util.find_spec("datatrove") is None or importlib.util.find_spec("spacy") is None:
        return {}
    from datatrove.data import Document
    from datatrove.pipeline.filters import (
        C4QualityFilter,
        FineWebQualityFilter,
        GopherQualityFilter,
        GopherRepetitionFilter,
    )

    filters = {
        "gopher_quality": GopherQualityFilter(),
        "gopher_repetition": GopherRepetitionFilter(),
        "c4_quality": C4QualityFilter(),
        "fineweb_quality": FineWebQualityFilter(),
    }
    rates = {}
    for name, f in filters.items():
        f.filter(Document(text=docs[0]["text"], id="warm-up"))  # loads the tokenizer
        start = time.perf_counter()
        for _ in range(repeat):
            for i, d in enumerate(docs):
                f.filter(Document(text=d["text"], id=str(i)))
        rates[name] = repeat * len(docs) / (time.perf_counter() - start)
    return rates


def kept_by_language(docs: list[dict]) -> tuple[Counter, Counter, Counter]:
    """(documents, kept by our gopher_quality, kept by datatrove's English defaults)."""
    m = load_set()["gopher_quality"]
    total, ours_kept, theirs_kept = Counter(), Counter(), Counter()
    dt = None
    if importlib.util.find_spec("datatrove") and importlib.util.find_spec("spacy"):
        from datatrove.data import Document
        from datatrove.pipeline.filters import GopherQualityFilter

        dt = GopherQualityFilter()
    for i, d in enumerate(docs):
        f = m.filter(m.params_for(d["lang"]), d["lang"])
        total[d["lang"]] += 1
        ours_kept[d["lang"]] += f.decide(f.score(d)).keep
        if dt is not None:
            theirs_kept[d["lang"]] += dt.filter(Document(text=d["text"], id=str(i))) is True
    return total, ours_kept, theirs_kept


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--only", nargs="*", help="time these filters only")
    parser.add_argument("--docs", help="JSON lines of pages (text, lang, url) to time on")
    args = parser.parse_args()
    docs = _docs(args.docs)
    print(f"{len(docs)} documents, {sum(len(d['text']) for d in docs) / len(docs):.0f} chars avg")
    mine = ours(docs, args.repeat, args.only)
    if args.only:
        for name, rate in mine.items():
            print(f"| {name} | {rate:,.0f} docs/s | {1e6 / rate:,.1f} µs/doc |")
        return
    other = theirs(docs, max(1, args.repeat // 5))
    print("| filter | ours docs/s | ours µs/doc | datatrove docs/s | datatrove µs/doc |")
    print("|---|---|---|---|---|")
    for name, rate in mine.items():
        dt = other.get(name)
        dt_cells = f"{dt:,.0f} | {1e6 / dt:,.0f}" if dt else "- | -"
        print(f"| {name} | {rate:,.0f} | {1e6 / rate:,.1f} | {dt_cells} |")
    total, kept, dt_kept = kept_by_language(docs)
    print("\n| lang | docs | kept by ours (gopher_quality) | kept by datatrove, English defaults |")
    print("|---|---|---|---|")
    for lang in sorted(total):
        theirs_cell = f"{dt_kept[lang]}" if dt_kept else "-"
        print(f"| {lang} | {total[lang]} | {kept[lang]} | {theirs_cell} |")


if __name__ == "__main__":
    main()
