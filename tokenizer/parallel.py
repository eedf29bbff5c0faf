"""Parallel text for the premium: JSONL lines {"group": id, "lang": code, "text": ...}.

A group holds one sentence (or passage) in every language it was translated into. The
bundled set (data/parallel_eu24.jsonl) is small and was written for this project: 20
everyday sentences (shops, weather, travel, health) in English, translated into the other
23 EU languages, so the same content can be tokenised in all 24. It measures everyday
prose; pass a larger parallel corpus in the same format (FLORES-200 converted, say) with
`--parallel` for a figure on more text.
"""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path

Groups = dict[str, dict[str, str]]  # group id → language → text


def bundled_path() -> Path:
    return Path(str(resources.files("leam.tokenizer") / "data" / "parallel_eu24.jsonl"))


def load_parallel(path: Path | None = None) -> Groups:
    """The groups of a JSONL file (the bundled set by default); errors name file and line."""
    path = path or bundled_path()
    groups: Groups = {}
    with path.open(encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                item = json.loads(line)
                group, lang, text = str(item["group"]), str(item["lang"]), item["text"]
            except (ValueError, KeyError, TypeError) as err:
                raise ValueError(
                    f"{path}:{n}: expected {{group, lang, text}} JSON ({err})"
                ) from None
            if not isinstance(text, str) or not text.strip():
                raise ValueError(f"{path}:{n}: empty text")
            if lang in groups.setdefault(group, {}):
                raise ValueError(f"{path}:{n}: group {group} has {lang} twice")
            groups[group][lang] = text
    if not groups:
        raise ValueError(f"{path}: no parallel text")
    return groups


def by_language(groups: Groups) -> dict[str, list[str]]:
    """The texts of each language, in group order (for fertility on the parallel text)."""
    out: dict[str, list[str]] = {}
    for group in groups.values():
        for lang, text in group.items():
            out.setdefault(lang, []).append(text)
    return dict(sorted(out.items()))
