"""The spaCy word split against spaCy itself, on many glued texts.

    python bench/spacy_words_fuzz.py --texts 20000 --seed 1

Texts are glued from the pieces of tests/filters/test_spacy_words.py (contractions,
abbreviations, emoticons, quotes, URLs, several scripts), with no space, a space or a newline
between them: where spaCy's affix, special-case and matcher rules meet. Prints the first
differences and their number; 0 is the goal. CI runs 300 such texts.
"""

from __future__ import annotations

import argparse
import random
import sys
from pathlib import Path

from datatrove.utils.text import split_into_words

from leam.filters.spacy_words import spacy_english

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the test's pieces, in tests/
from tests.filters.test_spacy_words import PIECES


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--texts", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    differ = 0
    for _ in range(args.texts):
        parts = rng.randint(1, 14)
        text = "".join(rng.choice(PIECES) + rng.choice(["", "", " ", "\n"]) for _ in range(parts))
        ours, spacys = spacy_english.__wrapped__().words(text), split_into_words(text, "en")
        if ours != spacys:
            differ += 1
            if differ <= 8:
                print(repr(text), ours, spacys)
    print(f"{args.texts} texts, {differ} differ from spaCy")


if __name__ == "__main__":
    main()
