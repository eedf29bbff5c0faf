"""Export spaCy's English tokenizer rules to filters/data/spacy_en/rules.json.

    python -m tests.filters.spacy_rules     # after a spaCy upgrade; needs spaCy installed

leam.filters.spacy_words replays these rules without spaCy (see its docstring); the test
in tests/filters/test_spacy_words.py checks that the shipped file is what the installed
spaCy gives, so that a spaCy upgrade that changes them fails in CI instead of drifting.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

RULES = Path(__file__).resolve().parents[2] / "filters" / "data" / "spacy_en" / "rules.json"


def export() -> dict[str, Any]:
    import spacy
    from spacy.pipeline import Sentencizer

    from leam.filters.spacy_words import SpacyEnglishWords

    tokenizer = spacy.blank("en").tokenizer
    special = {key: [t[65] for t in tokens] for key, tokens in sorted(tokenizer.rules.items())}
    special = {k: v for k, v in special.items() if not k.isspace()}
    rules: dict[str, Any] = {
        "spacy": spacy.__version__,
        "prefix": tokenizer.prefix_search.__self__.pattern,
        "suffix": tokenizer.suffix_search.__self__.pattern,
        "infix": tokenizer.infix_finditer.__self__.pattern,
        "url": tokenizer.url_match.__self__.pattern if tokenizer.url_match else "",
        "special": special,
        "merge": [],
        "sentence_end": sorted(Sentencizer.default_punct_chars),
    }
    # spaCy's special-case matcher holds the cases that its affix rules would split
    # (faster_heuristics), as the affix rules split them.
    bare = SpacyEnglishWords(rules)
    for key in special:
        if " " in key:
            continue
        if bare.prefix(key) or bare.suffix(key) or any(True for _ in bare.infixes(key)):
            pattern = bare._split(key, specials=False)
            if len(pattern) > 1:
                rules["merge"].append([key, pattern])
    return rules


def main() -> None:
    RULES.parent.mkdir(parents=True, exist_ok=True)
    RULES.write_text(json.dumps(export(), ensure_ascii=False, indent=0) + "\n", encoding="utf-8")
    print(RULES)


if __name__ == "__main__":
    main()
