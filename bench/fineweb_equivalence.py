"""The fineweb preset against datatrove 0.10.1's quality filters, on real pages.

    python -m tests.realpages build /tmp/debian-docs.tar.xz --per-lang 300
    python bench/fineweb_equivalence.py /tmp/debian-docs.tar.xz
    python bench/fineweb_equivalence.py tests/data/realpages/pages.tar.xz   # the CI set
    python bench/fineweb_equivalence.py PAGES --texts texts.json   # extract once, then reuse

The pages are Debian's documentation packages (tests/realpages.py says which). Every page
is extracted once (trafilatura as datatrove's extractor calls it), and both chains (Gopher
repetition, Gopher quality, C4, FineWeb quality) judge the same texts
(tests/filters/datatrove_chain.py). Reported: per filter, the documents it saw and the
share with the same decision; the kept-URL Jaccard overall and per language; the same with
our own word split (`word_split: unicode`, what the preset did before); and what each way
to get datatrove's words costs, µs per document, side by side in one process:
datatrove's word_tokenize (spaCy's Doc and sentencizer), spaCy's tokenizer alone,
leam.filters.spacy_words (first sight of every word, then with its cache warm), and our
unicode regex. datatrove and spaCy must be installed (the dev extra has them).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.filters.datatrove_chain import compare, extract
from tests.realpages import read


def word_split_costs(texts: list[str]) -> dict[str, float]:
    """CPU µs per document of each way to the same words, one after the other in this
    process (and a check that they give datatrove's words)."""
    from datatrove.utils.word_tokenizers import load_word_tokenizer

    from leam.filters.spacy_words import SpacyEnglishWords, spacy_english
    from leam.filters.text import words

    datatrove = load_word_tokenizer("en")
    spacy_tokenizer = datatrove.tokenizer.tokenizer  # the Language's tokenizer
    fresh = SpacyEnglishWords.__new__(SpacyEnglishWords)
    fresh.__dict__.update(spacy_english().__dict__, _cache={}, _last=("", []))
    ways = {
        "datatrove word_tokenize (spaCy Doc + sentencizer)": datatrove.word_tokenize,
        "spaCy tokenizer alone": lambda t: [w.text for w in spacy_tokenizer(t) if w.text.strip()],
        "spacy_words, cold cache": fresh._words,
        "spacy_words, warm cache": fresh._words,
        "unicode regex (\\w+, not the same words)": words,
    }
    costs: dict[str, float] = {}
    datatrove.word_tokenize("Load spaCy first.")
    reference: list[list[str]] = []
    for name, split in ways.items():
        start = time.process_time()
        got = [split(t) for t in texts]
        costs[name] = round((time.process_time() - start) / len(texts) * 1e6, 1)
        reference = reference or got
        if "unicode" not in name:
            assert got == reference, name
    return costs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("pages", type=Path, help="an archive that tests/realpages.py built")
    parser.add_argument("--texts", type=Path, help="extracted texts: read if there, else written")
    parser.add_argument("--cost-docs", type=int, default=1000, help="documents timed per way")
    args = parser.parse_args()
    pages = read(args.pages)
    if args.texts and args.texts.exists():
        rows = json.loads(args.texts.read_text(encoding="utf-8"))
    else:
        rows = [{"url": p.url, "lang": p.lang, "text": extract(html)} for p, html in pages]
        if args.texts:
            args.texts.write_text(json.dumps(rows, ensure_ascii=False), encoding="utf-8")
    docs = [(r["url"], r["lang"], r["text"]) for r in rows if r["text"]]
    out: dict[str, object] = {"pages": len(pages), "extracted": len(docs)}
    for name, split in (("spacy_en (the preset)", None), ("unicode (before)", "unicode")):
        result = compare(docs, split)
        out[name] = {
            "kept": {"datatrove": sum(len(k["datatrove"]) for k in result.kept.values()),
                     "leam": sum(len(k["leam"]) for k in result.kept.values())},
            "kept_url_jaccard": round(result.jaccard(), 4),
            "per_lang": {lang: round(result.jaccard(lang), 4) for lang in sorted(result.kept)},
            "per_filter": {f: {"seen": r[0], "same": r[1], "datatrove_removed": r[2],
                               "leam_removed": r[3]} for f, r in result.per_filter.items()},
            "us_per_doc": {k: round(v / result.docs * 1e6) for k, v in result.seconds.items()},
            "disagreements": result.disagreements[:10],
        }  # fmt: skip
    step = max(1, len(docs) // args.cost_docs)
    out["word_split_us_per_doc"] = word_split_costs([text for _, _, text in docs][::step])
    print(json.dumps(out, indent=1, ensure_ascii=False))


if __name__ == "__main__":
    main()
