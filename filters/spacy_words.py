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
MIT licence, Explosion AI), applied by the algorithm of spaCy's Tokenizer to each
whitespace-separated chunk, then its special-case matcher over the text. A chunk's tokens
are cached, so a word the process has seen costs one dict lookup: spaCy's own tokenizer
caches the same way.
"""

from __future__ import annotations

import functools
import json
import re
import unicodedata
from collections.abc import Callable
from importlib import resources
from itertools import chain, pairwise
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
        self.merge_firsts = frozenset(p[0] for p in self.merges)
        # consecutive tokens of some case: only these can join two chunks into one match
        self.pairs = frozenset(pair for p in self.merges for pair in pairwise(p))
        self.pair_firsts = frozenset(a for a, _ in self.pairs)
        self.pair_seconds = frozenset(b for _, b in self.pairs)
        self.sentence_end = frozenset(rules["sentence_end"])
        self._cache: dict[str, list[str]] = {}
        self._edges: dict[str, tuple[str, str]] = {}
        self._raw: dict[str, list[str]] = {}  # a chunk's tokens before merging, if they differ
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
            self._edges.clear()
            self._raw.clear()
        chunks = text.split()
        try:
            found = list(chain.from_iterable(map(cache.__getitem__, chunks)))
        except KeyError:
            for chunk in chunks:
                if chunk not in cache:
                    self._learn(chunk)
            found = list(chain.from_iterable(map(cache.__getitem__, chunks)))
        edges = self._edges
        if edges and not edges.keys().isdisjoint(chunks):
            for a, b in pairwise(chunks):
                if a in edges and b in edges and (edges[a][1], edges[b][0]) in self.pairs:
                    return self._merge_text(text)
        return found

    def _learn(self, chunk: str) -> None:
        """Cache a chunk's tokens, merged as if it stood alone; remember its first and last
        token where a special case could run across the space to a neighbour (rare: then the
        text is merged as a whole, `_merge_text`)."""
        raw = self._split(chunk)
        self._cache[chunk] = merged = self._merge(raw, set())
        if merged is not raw:
            self._raw[chunk] = raw
        if raw[0] in self.pair_seconds or raw[-1] in self.pair_firsts:
            self._edges[chunk] = (raw[0], raw[-1])

    def _merge_text(self, text: str) -> list[str]:
        """spaCy runs its special-case matcher over the whole text, not chunk by chunk: a
        match may run across a single space (":)" + ")" in ":) )" spells ":))"). Such a
        match changes nothing (its text, with the space, is no special case), but it takes
        part in choosing among overlapping matches. Other whitespace is a token of its own
        in spaCy's Doc, and no match runs across it. Chunks that no match can join are
        merged alone (their cached tokens); the others are merged as one run."""
        edges, pairs, cache, raw = self._edges, self.pairs, self._cache, self._raw
        out: list[str] = []
        run: list[str] = []
        starts: set[int] = set()  # where a chunk other than the run's first begins
        alone: str | None = None  # the run's chunk while it has only one
        prev, gap = "", ""
        for m in re.finditer(r"(\S+)(\s*)", text):
            chunk = m.group(1)
            if (gap == " " and prev in edges and chunk in edges
                    and (edges[prev][1], edges[chunk][0]) in pairs):  # fmt: skip
                starts.add(len(run))
                run += raw.get(chunk, cache[chunk])
                alone = None
            else:
                out += cache[alone] if alone is not None else self._merge(run, starts)
                run, starts, alone = list(raw.get(chunk, cache[chunk])), set(), chunk
            prev, gap = chunk, m.group(2)
        return out + (cache[alone] if alone is not None else self._merge(run, starts))

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
        """One whitespace-free chunk, as spaCy's Tokenizer splits it (_split_affixes, then
        _attach_tokens): prefixes and suffixes come off one of each per round, and a round
        stops early when what remains is a special case."""
        special = self.special if specials else {}
        prefixes: list[str] = []
        suffixes: list[str] = []
        sub, last = chunk, -1
        while sub and len(sub) != last:
            if sub in special:
                break
            last = len(sub)
            m = self.prefix(sub)
            pre = m.end() - m.start() if m else 0
            if pre and sub[pre:] in special:
                prefixes.append(sub[:pre])
                sub = sub[pre:]
                break
            m = self.suffix(sub[pre:])
            suf = m.end() - m.start() if m else 0
            if suf and sub[:-suf] in special:
                suffixes.append(sub[-suf:])
                sub = sub[:-suf]
                break
            if pre and suf and pre + suf <= len(sub):
                prefixes.append(sub[:pre])
                suffixes.append(sub[-suf:])
                sub = sub[pre:-suf]
            elif pre:
                prefixes.append(sub[:pre])
                sub = sub[pre:]
            elif suf:
                suffixes.append(sub[-suf:])
                sub = sub[:-suf]
        tokens = prefixes
        if sub in special:
            tokens += special[sub]
        elif sub and self.url(sub):
            tokens.append(sub)
        elif sub:
            tokens += _infix_split(sub, self.infixes)
        tokens.extend(reversed(suffixes))
        return tokens

    def _merge(self, tokens: list[str], starts: set[int]) -> list[str]:
        """spaCy's special-case matcher: the longest runs of tokens that spell a special
        case with affixes (":)", "z.", "''") become that case's tokens again, unless they
        run across one of the chunk `starts` (a space)."""
        if len(tokens) < 2 or self.merge_firsts.isdisjoint(tokens):
            return tokens
        found = []
        for i, token in enumerate(tokens):
            if token not in self.merge_firsts:
                continue
            for j in range(min(len(tokens), i + self.merge_len), i + 1, -1):
                if tuple(tokens[i:j]) in self.merges:
                    found.append((i, j))
        if not found:
            return tokens
        found.sort(key=lambda s: (s[0] - s[1], s[0]))
        # spaCy's _filter_special_spans: a span is taken unless its first or last token was
        # seen, and every span looked at, taken or not, marks its tokens seen (in "a:):)"
        # the rejected "):" keeps the second ":)" from being merged).
        seen: set[int] = set()
        spans: dict[int, int] = {}
        for i, j in found:
            if i not in seen and j - 1 not in seen and starts.isdisjoint(range(i + 1, j)):
                spans[i] = j
            seen.update(range(i, j))
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
