"""A balanced, seeded, streamed training sample drawn from the language shards.

Web crawls are mostly English and German; a tokenizer trained on raw proportions spends its
vocabulary on them and splits every other language into more tokens. So each language l
gets a share q_l ∝ p_l^α of the sample, where p_l is its share of the corpus's characters
(Conneau et al. 2020, XLM-R; Chung et al. 2023, UniMax): α = 1 keeps raw proportions, α = 0
gives every language the same share, the default 0.3 sits between. Explicit weights replace
the formula. A language whose share exceeds its data is read again (at most `max_repeat`
passes: repeating a document counts its words again, which is what upsampling means for a
tokenizer), and what is still missing is recorded, not hidden.

Every decision is a hash of the document id and the seed, never a random generator's state:
the same shards and seed give the same sample, in any process. A fixed fraction of each
language's documents (`heldout`) is never sampled, so the evaluation has unseen text.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path

import xxhash

from leam.tokenizer.shards import iter_docs

_SCALE = float(1 << 64)
SLACK = 1.25  # over-selection in a partial pass (see BalancedSample._language)


@dataclass(frozen=True)
class SampleSpec:
    alpha: float = 0.3  # temperature exponent: q ∝ p^α (1 = raw proportions, 0 = uniform)
    weights: Mapping[str, float] | None = None  # explicit shares instead of the formula
    max_chars: int | None = None  # characters in the sample; None: as many as the corpus has
    max_doc_chars: int = 20_000  # longer documents are cut (at a space) so none dominates
    heldout: float = 0.01  # fraction of each language's documents kept out of training
    max_repeat: int = 4  # passes over a small language's documents at most
    seed: int = 0
    languages: tuple[str, ...] | None = None  # None: every language folder in the shards

    def __post_init__(self) -> None:
        if not 0.0 <= self.alpha <= 1.0:
            raise ValueError(f"alpha must be in [0, 1], got {self.alpha}")
        if not 0.0 <= self.heldout < 1.0:
            raise ValueError(f"heldout must be in [0, 1), got {self.heldout}")
        if self.weights is not None and (
            not self.weights or any(w < 0 for w in self.weights.values())
        ):
            raise ValueError("weights must be non-negative, for at least one language")
        if self.max_repeat < 1 or self.max_doc_chars < 1:
            raise ValueError("max_repeat and max_doc_chars must be at least 1")


def doc_unit(doc_id: str, seed: int, salt: str) -> float:
    """A uniform number in [0, 1) fixed by (salt, seed, document id)."""
    return xxhash.xxh3_64_intdigest(f"{salt}:{seed}:{doc_id}".encode()) / _SCALE


def is_heldout(doc_id: str, spec: SampleSpec) -> bool:
    return doc_unit(doc_id, spec.seed, "heldout") < spec.heldout


def cap_text(text: str, max_chars: int) -> str:
    """The text cut to at most max_chars, at the last space when one is in the second half
    (so that the cut does not invent a word fragment)."""
    if len(text) <= max_chars:
        return text
    cut = text.rfind(" ", max_chars // 2, max_chars)
    return text[: cut if cut > 0 else max_chars]


def temperature_weights(sizes: Mapping[str, int], alpha: float) -> dict[str, float]:
    """q_l = p_l^α / Σ p^α, with p_l = size_l / Σ size; languages without data get 0."""
    total = sum(sizes.values())
    if total <= 0:
        raise ValueError("no training text in any language")
    powered = {lang: (n / total) ** alpha if n > 0 else 0.0 for lang, n in sizes.items()}
    norm = sum(powered.values())
    return {lang: v / norm for lang, v in powered.items()}


def sample_shares(sizes: Mapping[str, int], spec: SampleSpec) -> dict[str, float]:
    """Each language's share of the sample: explicit weights, or the temperature formula."""
    if spec.weights is None:
        return temperature_weights(sizes, spec.alpha)
    unknown = sorted(set(spec.weights) - set(sizes))
    if unknown:
        raise ValueError(f"weights for languages without shards: {', '.join(unknown)}")
    given = {lang: spec.weights.get(lang, 0.0) if sizes[lang] > 0 else 0.0 for lang in sizes}
    norm = sum(given.values())
    if norm <= 0:
        raise ValueError("the weighted languages have no training text")
    return {lang: w / norm for lang, w in given.items()}


@dataclass
class LanguageSize:
    docs: int = 0  # training documents (held-out ones excluded)
    chars: int = 0  # their characters, after the per-document cap
    heldout_docs: int = 0


def measure(files: Mapping[str, list[Path]], spec: SampleSpec) -> dict[str, LanguageSize]:
    """One streamed pass: what each language offers for training (the p of the formula)."""
    sizes: dict[str, LanguageSize] = {}
    for lang, paths in files.items():
        size = sizes[lang] = LanguageSize()
        for doc_id, text in iter_docs(paths):
            if is_heldout(doc_id, spec):
                size.heldout_docs += 1
            else:
                size.docs += 1
                size.chars += len(cap_text(text, spec.max_doc_chars))
    return sizes


@dataclass
class LanguageDraw:
    available_chars: int
    raw_share: float  # p: the language's share of the training split
    share: float  # q: its share of the sample
    target_chars: int
    sampled_chars: int = 0
    sampled_bytes: int = 0  # UTF-8: what training throughput is measured in
    sampled_docs: int = 0
    passes: int = 0


@dataclass
class BalancedSample:
    """Iterate it to stream the sample's texts; `composition()` says what was drawn."""

    files: Mapping[str, list[Path]]
    spec: SampleSpec
    sizes: dict[str, LanguageSize] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.sizes = self.sizes or measure(self.files, self.spec)
        chars = {lang: s.chars for lang, s in self.sizes.items()}
        total = sum(chars.values())
        shares = sample_shares(chars, self.spec)
        budget = self.spec.max_chars if self.spec.max_chars is not None else total
        self.draws = {
            lang: LanguageDraw(
                available_chars=chars[lang],
                raw_share=chars[lang] / total,
                share=shares[lang],
                target_chars=round(budget * shares[lang]),
            )
            for lang in chars
        }

    def __iter__(self) -> Iterator[str]:
        for lang, draw in self.draws.items():
            draw.sampled_chars = draw.sampled_bytes = draw.sampled_docs = draw.passes = 0
            yield from self._language(self.files[lang], draw)

    def _language(self, paths: list[Path], draw: LanguageDraw) -> Iterator[str]:
        if draw.target_chars <= 0 or draw.available_chars <= 0:
            return
        rate = draw.target_chars / draw.available_chars
        for k in range(min(self.spec.max_repeat, math.ceil(rate))):
            # Whole passes, then a seeded fraction of the documents, a quarter more than the
            # rate, so that the target is reached before the language's documents run out.
            keep = min(1.0, SLACK * (rate - k))
            draw.passes += 1
            for doc_id, text in iter_docs(paths):
                if is_heldout(doc_id, self.spec):
                    continue
                if keep < 1.0 and doc_unit(doc_id, self.spec.seed, f"pass{k}") >= keep:
                    continue
                text = cap_text(text, self.spec.max_doc_chars)
                draw.sampled_chars += len(text)
                draw.sampled_bytes += len(text.encode("utf-8"))
                draw.sampled_docs += 1
                yield text
                if draw.sampled_chars >= draw.target_chars:
                    return

    def composition(self) -> dict[str, dict[str, float | int]]:
        """Per language: what it offered, the share it was given and what was drawn."""
        drawn = sum(d.sampled_chars for d in self.draws.values()) or 1
        out = {}
        for lang, d in self.draws.items():
            row = asdict(d)
            row["raw_share"] = round(d.raw_share, 6)
            row["share"] = round(d.share, 6)
            row["sampled_share"] = round(d.sampled_chars / drawn, 6)
            row["training_docs"] = self.sizes[lang].docs
            row["heldout_docs"] = self.sizes[lang].heldout_docs
            out[lang] = row
        return out


def heldout_texts(
    files: Mapping[str, list[Path]], spec: SampleSpec, max_chars: int = 200_000
) -> dict[str, list[str]]:
    """The held-out documents of each language (never in a sample), up to max_chars each."""
    out: dict[str, list[str]] = {}
    for lang, paths in files.items():
        texts, n = [], 0
        for doc_id, text in iter_docs(paths):
            if n >= max_chars:
                break
            if is_heldout(doc_id, spec):
                text = cap_text(text, spec.max_doc_chars)
                texts.append(text)
                n += len(text)
        if texts:
            out[lang] = texts
    return out
