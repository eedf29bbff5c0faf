"""MinHash signatures over word n-gram shingles, vectorised with numpy over a batch.

The hash family is datasketch's default ("affine32": the MurmurHash3 finalizer, then
seeded affine maps `a*h + b mod 2^32`, on 32-bit shingle hashes), so a signature equals
`datasketch.MinHash(num_perm, seed, hashfunc=shingle_hash32)` over the same shingles; the
difference is speed: one numpy pass over all shingles of many documents instead of a
Python call per document. The LSH banding (bands × rows for a Jaccard threshold) comes from
datasketch's optimal-parameter search.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import xxhash
from datasketch import MinHash, MinHashLSH

from leam.filters.text import words as split_words

# MurmurHash3's 32-bit finalizer (shifts and multipliers), as datasketch applies it.
FMIX32 = (16, 0x85EBCA6B, 13, 0xC2B2AE35, 16)
# Scripts written without spaces between words: shingles are character n-grams there.
NO_SPACE_LANGS = frozenset({"zh", "ja", "th", "lo", "km", "my", "bo"})
_BATCH_SHINGLES = 2048  # rows of the (shingles × permutations) matrix per numpy pass


def words(text: str, lang: str | None) -> list[str]:
    """Lower-cased NFKC words without punctuation; characters for scripts without spaces."""
    text = unicodedata.normalize("NFKC", text).lower()
    if lang in NO_SPACE_LANGS:
        return [ch for ch in text if ch.isalnum()]
    return split_words(text)


# Odd 64-bit multipliers, one per position in the n-gram (n ≤ 8).
_POSITION_MULTIPLIERS = np.array(
    [0x9E3779B97F4A7C15, 0xC2B2AE3D27D4EB4F, 0x165667B19E3779F9, 0x85EBCA77C2B2AE63,
     0x27D4EB2F165667C5, 0xFF51AFD7ED558CCD, 0xC4CEB9FE1A85EC53, 0xD6E8FEB86659FD93],
    dtype=np.uint64,
)  # fmt: skip
MAX_NGRAM = len(_POSITION_MULTIPLIERS)


_WORD_HASH: dict[str, int] = {}
_WORD_HASH_LIMIT = 2_000_000  # words; about 200 MB, then start over


def _word_hashes(tokens: list[str]) -> dict[str, int]:
    """The word → xxh3 table, completed with the given words.

    Words follow Zipf's law, so most of a document's words were hashed before: set
    operations and dict lookups in C replace a Python-level hash call per word. Values do
    not depend on what was cached, so results are the same in every worker.
    """
    if len(_WORD_HASH) > _WORD_HASH_LIMIT:
        _WORD_HASH.clear()
    for word in set(tokens).difference(_WORD_HASH):
        _WORD_HASH[word] = xxhash.xxh3_64_intdigest(word.encode())
    return _WORD_HASH


def shingle_hashes(text: str, lang: str | None, n: int) -> np.ndarray:
    """32-bit hashes of the word n-grams (one shingle for texts shorter than n). A repeated
    n-gram repeats its hash, which leaves the minimum, and so the signature, unchanged.

    Words are hashed once (xxh3) and each n-gram's hash combines its words' hashes by
    position in numpy, instead of joining and hashing every n-gram string.
    """
    tokens = words(text, lang)
    w = np.fromiter(
        map(_word_hashes(tokens).__getitem__, tokens), dtype=np.uint64, count=len(tokens)
    )
    if len(w) < n:
        w = np.concatenate([w, np.zeros(n - len(w), dtype=np.uint64)])
    m = len(w) - n + 1
    acc = np.zeros(m, dtype=np.uint64)
    for j in range(n):
        acc ^= w[j : j + m] * _POSITION_MULTIPLIERS[j]
    return (acc >> np.uint64(32)).astype(np.uint32)


def fmix32(h: np.ndarray) -> np.ndarray:
    s1, m1, s2, m2, s3 = FMIX32
    h = h ^ (h >> np.uint32(s1))
    h = h * np.uint32(m1)
    h = h ^ (h >> np.uint32(s2))
    h = h * np.uint32(m2)
    return h ^ (h >> np.uint32(s3))


@dataclass(frozen=True)
class MinHasher:
    num_perm: int = 128
    seed: int = 1
    ngram: int = 5  # at most MAX_NGRAM
    threshold: float = 0.8

    @cached_property
    def permutations(self) -> tuple[np.ndarray, np.ndarray]:
        a, b = MinHash(num_perm=self.num_perm, seed=self.seed, scheme="affine32").permutations
        return a.astype(np.uint32), b.astype(np.uint32)

    @cached_property
    def bands(self) -> tuple[int, int]:
        """(bands, rows) that datasketch finds best for the threshold (equal FP/FN weights)."""
        lsh = MinHashLSH(threshold=self.threshold, num_perm=self.num_perm)
        return lsh.b, lsh.r

    def signatures(self, texts: list[str], langs: list[str | None]) -> np.ndarray:
        """(documents, num_perm) uint32 signatures."""
        hashes = [shingle_hashes(t, lang, self.ngram) for t, lang in zip(texts, langs, strict=True)]
        out = np.empty((len(hashes), self.num_perm), dtype=np.uint32)
        start = 0
        while start < len(hashes):  # batches of documents with a bounded shingle count
            end, total = start, 0
            while end < len(hashes) and (
                end == start or total + len(hashes[end]) <= _BATCH_SHINGLES
            ):
                total += len(hashes[end])
                end += 1
            out[start:end] = self._batch(hashes[start:end])
            start = end
        return out

    def _batch(self, hashes: list[np.ndarray]) -> np.ndarray:
        a, b = self.permutations
        flat = fmix32(np.concatenate(hashes))[:, None]  # (S, 1)
        permuted = np.multiply(flat, a)  # (S, K) uint32; wrapping is the family's mod 2^32
        permuted += b
        offsets = np.cumsum([0] + [len(h) for h in hashes[:-1]])
        return np.minimum.reduceat(permuted, offsets, axis=0)  # (D, K)

    def band_keys(self, signatures: np.ndarray, salts: np.ndarray) -> np.ndarray:
        """(documents, bands) uint64 bucket keys, computed in numpy.

        A band's key mixes its rows' values by position, the band number and the document's
        salt (a uint64 per document, e.g. a hash of its language, so that documents of two
        languages never share a bucket).
        """
        n_bands, rows = self.bands
        values = signatures.astype(np.uint64)
        keys = np.empty((len(signatures), n_bands), dtype=np.uint64)
        for band in range(n_bands):
            chunk = values[:, band * rows : (band + 1) * rows]
            acc = salts.astype(np.uint64) ^ _BAND_CONSTANTS[band % len(_BAND_CONSTANTS)]
            for pos in range(rows):
                acc = fmix64(acc ^ (chunk[:, pos] * _ROW_MULTIPLIERS[pos % len(_ROW_MULTIPLIERS)]))
            keys[:, band] = acc
        return keys


_CONSTANTS = np.random.default_rng(0x1EA4).integers(
    1, 1 << 63, size=128, dtype=np.uint64
) | np.uint64(1)
_ROW_MULTIPLIERS, _BAND_CONSTANTS = _CONSTANTS[:64], _CONSTANTS[64:]


def fmix64(h: np.ndarray) -> np.ndarray:
    """MurmurHash3's 64-bit finalizer: every input bit affects every output bit."""
    h = h ^ (h >> np.uint64(33))
    h = h * np.uint64(0xFF51AFD7ED558CCD)
    h = h ^ (h >> np.uint64(33))
    h = h * np.uint64(0xC4CEB9FE1A85EC53)
    return h ^ (h >> np.uint64(33))
