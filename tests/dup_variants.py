"""Near-duplicate variants of real text, with known ground truth: for testing dedup.

Each variant changes a document the way copies on the web differ: other boilerplate lines,
a sentence added or dropped, whitespace and punctuation changed. The true Jaccard
similarity of any two texts is computed by brute force over the same shingles dedup uses,
so detection can be scored pair by pair.
"""

from __future__ import annotations

import random
import re
from itertools import combinations

from leam.pipelines.dedup.minhash import shingle_hashes

BOILERPLATE = [
    "Home | News | Contact | Imprint",
    "Share on social media. Print this page.",
    "© 2024 All rights reserved. Terms of use.",
    "Subscribe to our newsletter for weekly updates.",
]
_SENTENCE = re.compile(r"(?<=[.!?])\s+|(?<=[。！？])")


def variant(text: str, rng: random.Random) -> str:
    """One plausible copy of text: one to three small edits."""
    sentences = _SENTENCE.split(text)
    for _ in range(rng.randint(1, 3)):
        edit = rng.choice(("boilerplate", "insert", "drop", "spacing", "punctuation"))
        if edit == "boilerplate":
            sentences.insert(rng.choice((0, len(sentences))), rng.choice(BOILERPLATE))
        elif edit == "insert":
            sentences.insert(rng.randrange(len(sentences) + 1), rng.choice(sentences))
        elif edit == "drop" and len(sentences) > 8:
            sentences.pop(rng.randrange(len(sentences)))
        elif edit == "spacing":
            sentences = [re.sub(r" ", "  ", s, count=2) for s in sentences]
        elif edit == "punctuation":
            sentences = [s.replace(",", "") for s in sentences]
    return " ".join(sentences)


def jaccard(a: str, b: str, lang: str | None, ngram: int = 5) -> float:
    sa, sb = (
        set(shingle_hashes(a, lang, ngram).tolist()),
        set(shingle_hashes(b, lang, ngram).tolist()),
    )
    return len(sa & sb) / len(sa | sb) if sa or sb else 1.0


def true_pairs(texts: list[str], langs: list[str], minimum: float) -> dict[tuple[int, int], float]:
    """All pairs (i < j) of the same language with Jaccard ≥ minimum, by brute force."""
    out = {}
    for i, j in combinations(range(len(texts)), 2):
        if langs[i] == langs[j]:
            sim = jaccard(texts[i], texts[j], langs[i])
            if sim >= minimum:
                out[(i, j)] = sim
    return out
