"""The evaluation metrics on an example counted by hand, with a WordPiece tokenizer whose
splits are known in advance."""

from __future__ import annotations

import pytest
from tokenizers import Tokenizer, models, pre_tokenizers

from leam.tokenizer.evaluate import evaluate
from leam.tokenizer.metrics import premiums, text_stats


@pytest.fixture(scope="module")
def wordpiece() -> Tokenizer:
    vocab = {"[UNK]": 0, "the": 1, "un": 2, "##break": 3, "##able": 4, "cat": 5, ",": 6, "a": 7}
    tok = Tokenizer(models.WordPiece(vocab, unk_token="[UNK]"))
    tok.pre_tokenizer = pre_tokenizers.Whitespace()
    return tok


def test_fertility_continued_words_bytes_per_token(wordpiece: Tokenizer):
    # words: "the" → the | "unbreakable" → un ##break ##able | "cat," → cat ,
    stats = text_stats(wordpiece, ["the unbreakable  cat,"])
    assert (stats.words, stats.tokens, stats.continued, stats.bytes) == (3, 6, 2, 21)
    summary = stats.summary()
    assert summary["fertility"] == 2.0
    assert summary["continued_words"] == pytest.approx(2 / 3, abs=1e-4)
    assert summary["bytes_per_token"] == 3.5
    two = text_stats(wordpiece, ["the cat", "a cat"])  # sums over texts
    assert (two.words, two.tokens, two.continued) == (4, 4, 0)


def test_premium_is_a_ratio_of_sums(wordpiece: Tokenizer):
    groups = {
        "1": {"en": "the cat", "xx": "unbreakable"},  # 2 tokens vs 3
        "2": {"en": "a", "xx": "the cat, a cat,"},  # 1 vs 6
        "3": {"xx": "cat"},  # no English: left out
    }
    assert premiums(wordpiece, groups) == {"en": 1.0, "xx": 3.0}  # (3 + 6) / (2 + 1)


def test_evaluate_side_by_side(wordpiece: Tokenizer):
    groups = {"1": {"en": "the cat", "xx": "unbreakable"}}
    report = evaluate(
        {"wp": wordpiece, "wp2": wordpiece}, heldout={"xx": ["the unbreakable"]}, parallel=groups
    )
    assert list(report["tokenizers"]) == ["wp", "wp2"]
    summary = report["tokenizers"]["wp"]
    assert summary["worst_premium"] == 1.5 and summary["worst_premium_lang"] == "xx"
    assert summary["reference_fertility_parallel"] == 1.0
    assert report["heldout"]["wp"]["xx"]["fertility"] == 2.0
    assert report["parallel"]["wp2"]["xx"]["continued_words"] == 1.0
    with pytest.raises(ValueError, match="nothing to evaluate"):
        evaluate({"wp": wordpiece})
