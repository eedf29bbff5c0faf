"""The tokenizer itself: a Hugging Face `tokenizers` pipeline, trained on a stream of texts.

Byte-level BPE by default: every one of the 256 bytes is in the initial alphabet, so any
text in any script encodes, and decodes back to itself, with no unknown token. Unigram
(Kudo 2018) is the option; it runs on the same byte-level alphabet for the same guarantee.
Text is NFC-normalised (so "é" typed as e + combining accent and as one code point are the
same tokens) or NFKC (which also folds ligatures and full-width forms, but changes text).
Digits can be split one by one (numbers then never become arbitrary multi-digit tokens).
The special tokens sit at fixed ids, PAD 0, BOS 1, EOS 2, then the user's, in order, so a
data loader can rely on them whatever the vocabulary learnt.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from tokenizers import Tokenizer, decoders, models, normalizers, pre_tokenizers, processors
from tokenizers import trainers as hf_trainers

PAD, BOS, EOS = "<pad>", "<s>", "</s>"
FIXED_SPECIALS = (PAD, BOS, EOS)  # ids 0, 1, 2 in every tokenizer we train


@dataclass(frozen=True)
class TrainSpec:
    model: Literal["bpe", "unigram"] = "bpe"
    vocab_size: int = 65_536  # 64k: the size the issue measures fairness at
    normalization: Literal["nfc", "nfkc"] = "nfc"
    split_digits: bool = True  # one token per digit, as Llama and Mistral do
    special_tokens: tuple[str, ...] = ()  # user tokens, ids 3, 4, ... in this order
    # In bytes (the byte-level alphabet's symbols): 24 holds a 24-letter Latin word or a
    # 12-letter Greek or Bulgarian one, and keeps runs of repeated characters ("=====...",
    # "-----...") from becoming single tokens.
    max_token_length: int = 24
    min_frequency: int = 2  # a pair seen once is noise, not vocabulary

    def __post_init__(self) -> None:
        if self.model not in ("bpe", "unigram"):
            raise ValueError(f"model must be bpe or unigram, got {self.model!r}")
        if self.normalization not in ("nfc", "nfkc"):
            raise ValueError(f"normalization must be nfc or nfkc, got {self.normalization!r}")
        clash = set(self.special_tokens) & set(FIXED_SPECIALS)
        if clash or len(set(self.special_tokens)) != len(self.special_tokens):
            raise ValueError(f"special tokens repeat or clash with {FIXED_SPECIALS}")
        if self.vocab_size < 256 + len(self.specials()):
            raise ValueError("vocab_size must hold the 256 bytes and the special tokens")

    def specials(self) -> list[str]:
        return [*FIXED_SPECIALS, *self.special_tokens]


def build(spec: TrainSpec) -> tuple[Tokenizer, hf_trainers.Trainer]:
    """An untrained tokenizer and the trainer that fills its vocabulary."""
    alphabet = pre_tokenizers.ByteLevel.alphabet()
    if spec.model == "bpe":
        tok = Tokenizer(models.BPE())
        trainer: hf_trainers.Trainer = hf_trainers.BpeTrainer(
            vocab_size=spec.vocab_size,
            min_frequency=spec.min_frequency,
            special_tokens=spec.specials(),
            initial_alphabet=alphabet,
            max_token_length=spec.max_token_length,
            show_progress=False,
        )
    else:
        tok = Tokenizer(models.Unigram())
        trainer = hf_trainers.UnigramTrainer(
            vocab_size=spec.vocab_size,
            special_tokens=spec.specials(),
            initial_alphabet=alphabet,
            max_piece_length=spec.max_token_length,
            show_progress=False,
        )
    tok.normalizer = normalizers.NFKC() if spec.normalization == "nfkc" else normalizers.NFC()
    steps = [pre_tokenizers.Digits(individual_digits=True)] if spec.split_digits else []
    # GPT-2's split (words with their leading space, digits, punctuation runs), then bytes.
    steps.append(pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True))
    tok.pre_tokenizer = pre_tokenizers.Sequence(steps)
    tok.decoder = decoders.ByteLevel()
    return tok, trainer


def train(texts: Iterable[str], spec: TrainSpec) -> Tokenizer:
    """Train on a stream of texts (read once) and return the tokenizer.

    The special ids are checked after training: the trainer puts special tokens first, in
    order, and a loader must be able to rely on that.
    """
    tok, trainer = build(spec)
    tok.train_from_iterator(texts, trainer=trainer)
    # `tokenizer("text")` starts with BOS, as Llama's does; the export adds EOS itself.
    tok.post_processor = processors.TemplateProcessing(
        single=f"{BOS} $A", pair=f"{BOS} $A {BOS} $B", special_tokens=[(BOS, 1)]
    )
    for i, token in enumerate(spec.specials()):
        if tok.token_to_id(token) != i:
            raise RuntimeError(f"special token {token} got id {tok.token_to_id(token)}, not {i}")
    return tok
