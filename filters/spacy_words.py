"""datatrove's word split without spaCy: spaCy 3.8's English tokenizer rules, replayed.

datatrove's Gopher, C4 and FineWeb filters split words (and C4 counts sentences) with
`spacy.blank("en")` plus its sentencizer, for every language by default. Its tokens are not
ours (filters/text.py): punctuation marks are words ("(", ":", "..."), "don't" is "do" +
"n't", "/etc/apt" is "/etc", "/", "apt", "e-mail" is "e", "-", "mail". Those tokens decide
Gopher's share of alphabetic words and every n-gram of its repetition rules, so the
`fineweb` preset must split words the same way to reproduce datatrove's decisions.

Three ways to get those words (measured in bench/RESULTS.md, "Word split"):
datatrove's own (spaCy's Doc with the sentencizer), spaCy's tokenizer alone, and this
module: spaCy's prefix, suffix, infix and URL expressions and its English special cases
(exported to filters/data/spacy_en/rules.json by `python -m tests.filters.spacy_rules`,
MIT licence, Explosion AI), applied by the algorithm of spaCy's `Tokenizer.explain` to each
whitespace-separated chunk. A chunk's tokens are cached, so a word the process has seen
costs one dict lookup: spaCy's own tokenizer caches the same way.
"""

from __future__ import annotations

import functools
import json
import re
import unicodedata
from collections.abc import Callable
from importlib import resources
from itertools import chain
from typing import Any

# Chunks remembered per process before the cache starts again (about 100 MB at most).
CACHE_SIZE = 500_000


def _never(_: str) -> None:
    return None


class SpacyEnglishWords:
    """`words(text)` and `sentences(line)` as datatrove 0.10.1 gets them from spaCy."""

    def __init__(self, rules: dict[str, Any]) -> None:
        self.prefix: Callable[[str], re.Match[str] | None] = re.compile(rules["prefix"]).search
        self.suffix: Callable[[str], re.Match[str] | None] = re.compile(rules["suffix"]).search
        self.infixes = re.compile(rules["infix"]).finditer
        self.url: Callable[[str], re.Match[str] | None] = (
            re.compile(rules["url"]).match if rules["url"] else _never
        )
        self.special: dict[str, list[str]] = rules["special"]
        # token sequences that spaCy's special-case matcher merges back into one case
        self.merges: dict[tuple[str, ...], list[str]] = {
            tuple(pattern): self.special[key] for key, pattern in rules["merge"]
        }
        self.merge_len = max((len(p) for p in self.merges), default=0)
        self.sentence_end = frozenset(rules["sentence_end"])
        self._cache: dict[str, list[str]] = {}
        self._last: tuple[str, list[str]] = ("", [])

    def words(self, text: str) -> list[str]:
        """The non-whitespace tokens of spaCy's English tokenizer, in order. The filters of
        a chain ask for the same text one after the other: the last answer is kept."""
        last_text, last_words = self._last
        if text is last_text:
            return list(last_words)
        found = self._words(text)
        self._last = (text, found)
        return list(found)

    def _words(self, text: str) -> list[str]:
        cache = self._cache
        if len(cache) > CACHE_SIZE:
            cache.clear()
        chunks = text.split()
        try:
            return list(chain.from_iterable(map(cache.__getitem__, chunks)))
        except KeyError:
            for chunk in chunks:
                if chunk not in cache:
                    cache[chunk] = self._split(chunk)
            return list(chain.from_iterable(map(cache.__getitem__, chunks)))

    def sentences(self, line: str) -> int:
        """Sentences spaCy's sentencizer finds: a new one starts at the first token after a
        sentence-final mark that is neither such a mark nor punctuation."""
        count, seen_end = 1, False
        for token in self.words(line):
            if token in self.sentence_end:
                seen_end = True
            elif seen_end and not _is_punct(token):
                count += 1
                seen_end = False
        return count

    def _split(self, chunk: str, specials: bool = True) -> list[str]:
        """One whitespace-free chunk, as Tokenizer.explain splits it."""
        special = self.special if specials else {}
        tokens: list[str] = []
        suffixes: list[str] = []
        sub = chunk
        while sub:
            if sub in special:
                tokens += special[sub]
                break
            while self.prefix(sub) or self.suffix(sub):
                if sub in special:
                    tokens += special[sub]
                    sub = ""
                    break
                m = self.prefix(sub)
                if m:
                    if m.end() == 0:
                        break
                    tokens.append(sub[: m.end()])
                    sub = sub[m.end() :]
                    if sub in special:
                        continue
                m = self.suffix(sub)
                if m:
                    if m.start() == len(sub):
                        break
                    suffixes.append(sub[m.start() :])
                    sub = sub[: m.start()]
            if not sub:
                continue
            if self.url(sub):
                tokens.append(sub)
            elif sub in special:
                tokens += special[sub]
            else:
                tokens += _infix_split(sub, self.infixes)
            sub = ""
        tokens.extend(reversed(suffixes))
        return self._merge(tokens) if specials and len(tokens) > 1 else tokens

    def _merge(self, tokens: list[str]) -> list[str]:
        """spaCy's special-case matcher: the longest runs of tokens that spell a special
        case with affixes (":)", "z.", "''") become that case's tokens again."""
        found = []
        for i in range(len(tokens)):
            for j in range(min(len(tokens), i + self.merge_len), i + 1, -1):
                if tuple(tokens[i:j]) in self.merges:
                    found.append((i, j))
        if not found:
            return tokens
        found.sort(key=lambda s: (s[0] - s[1], s[0]))
        taken: set[int] = set()
        spans: dict[int, int] = {}
        for i, j in found:
            if not taken.intersection(range(i, j)):
                spans[i] = j
                taken.update(range(i, j))
        out: list[str] = []
        i = 0
        while i < len(tokens):
            if i in spans:
                out += self.merges[tuple(tokens[i : spans[i]])]
                i = spans[i]
            else:
                out.append(tokens[i])
                i += 1
        return out


def _infix_split(sub: str, finditer: Callable[[str], Any]) -> list[str]:
    tokens: list[str] = []
    offset = 0
    for m in finditer(sub):
        if offset == 0 and m.start() == 0:
            continue
        if sub[offset : m.start()]:
            tokens.append(sub[offset : m.start()])
        if m.group():
            tokens.append(m.group())
        offset = m.end()
    if sub[offset:]:
        tokens.append(sub[offset:])
    return tokens


@functools.lru_cache(maxsize=4096)
def _is_punct(token: str) -> bool:
    """spaCy's `is_punct`: every character is Unicode punctuation (P*)."""
    return all(unicodedata.category(ch).startswith("P") for ch in token)


@functools.lru_cache(maxsize=1)
def spacy_english() -> SpacyEnglishWords:
    path = resources.files("leam.filters") / "data" / "spacy_en" / "rules.json"
    return SpacyEnglishWords(json.loads(path.read_text(encoding="utf-8")))
