"""What the PII filter redacts in real text nobody in the project wrote: the HTML manuals and
plain-text documents (README, NEWS, changelogs) that Debian packages install under
/usr/share/doc. Counts redactions per category and prints a random sample of each, with
context, for a reader to judge (precision is counted by hand from that sample).

    PYTHONPATH=. python bench/pii_real_text.py [--root /usr/share/doc] [--max-files 600]
        [--sample 40] [--seed 0] [--lang en]

Manuals are full of section numbers ("6.3.4.2 Configuring"), versions, dates, sizes and
addresses of example hosts: the look-alikes a PII filter must leave alone. HTML goes through
the extract stage's trafilatura extractor; .gz files are read decompressed. Every document
is treated as written in --lang (they are almost all English).
"""

from __future__ import annotations

import argparse
import gzip
import random
import time
from collections import Counter
from pathlib import Path

from leam.filters.manifest import load_set
from leam.pipelines.extract.stage import ExtractParams, build_extractor

TEXT_NAMES = ("README", "NEWS", "changelog", "TODO", "AUTHORS", "THANKS")


def _read(path: Path) -> str:
    data = gzip.decompress(path.read_bytes()) if path.suffix == ".gz" else path.read_bytes()
    return data.decode("utf-8", errors="replace")


def documents(root: Path, max_files: int, seed: int) -> list[tuple[str, str]]:
    """(path, text) of up to max_files documents, HTML manuals first, in a seeded order."""
    html = sorted(p for p in root.rglob("*.htm*") if p.is_file())
    text = sorted(p for p in root.rglob("*") if p.is_file() and p.name.startswith(TEXT_NAMES))
    rng = random.Random(seed)
    rng.shuffle(html)
    rng.shuffle(text)
    extract = build_extractor(ExtractParams())  # the extract stage's defaults
    out: list[tuple[str, str]] = []
    for path in html[: max_files // 2]:
        got = extract(_read(path), f"file://{path}")
        if got is not None and got.text.strip():
            out.append((str(path.relative_to(root)), got.text))
    for path in text[: max_files - len(out)]:
        out.append((str(path.relative_to(root)), _read(path)))
    return out


def spans_of(f, text: str, lang: str) -> list[tuple[int, int, str]]:
    """The filter's spans, through its own API (this bench also runs older versions, whose
    filter had no `spans`: pass PYTHONPATH pointing at an older tree to compare)."""
    if hasattr(f, "spans"):
        return [(s.start, s.end, s.category) for s in f.spans({"text": text})]
    from leam.filters.pii import find_pii

    p = f.params
    found = find_pii(text, lang, tuple(p.categories), tuple(p.national_ids), p.context_chars)
    return [(s.start, s.end, s.category) for s in found]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--root", type=Path, default=Path("/usr/share/doc"))
    parser.add_argument("--max-files", type=int, default=600)
    parser.add_argument("--sample", type=int, default=40)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--lang", default="en")
    args = parser.parse_args()
    docs = documents(args.root, args.max_files, args.seed)
    m = load_set()["pii_redaction"]
    f = m.filter(m.params_for(args.lang), args.lang)
    found: list[tuple[str, str, str]] = []  # category, document, context
    start = time.perf_counter()
    all_spans = [spans_of(f, text, args.lang) for _, text in docs]
    elapsed = time.perf_counter() - start
    for (name, text), spans in zip(docs, all_spans, strict=True):
        for a, b, category in spans:
            context = text[max(0, a - 50) : a] + "[[" + text[a:b] + "]]" + text[b : b + 30]
            found.append((category, name, " ".join(context.split())))
    chars = sum(len(t) for _, t in docs)
    print(f"pii_redaction v{m.version}: {len(docs)} documents, {chars:,} characters, "
          f"{1e6 * elapsed / len(docs):,.0f} µs per document")  # fmt: skip
    counts = Counter(c for c, _, _ in found)
    print("| category | redactions |\n|---|---|")
    for category, n in sorted(counts.items()):
        print(f"| {category} | {n} |")
    rng = random.Random(args.seed)
    for category in sorted(counts):
        rows = [r for r in found if r[0] == category]
        print(f"\n## {category}: random sample of {min(args.sample, len(rows))}")
        for _, name, context in rng.sample(rows, min(args.sample, len(rows))):
            print(f"- {name}: {context}")


if __name__ == "__main__":
    main()
