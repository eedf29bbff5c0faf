"""Stage `tokenizer`: a pipeline that ends with a trained tokenizer and its evaluation.

    stages: [..., {stage: shard}, {stage: tokenizer, params: {vocab_size: 65536, alpha: 0.3}}]

It follows `shard` and reads the run's shards, not parts: `prepare` (run once in the driver,
after the shards are complete) trains on a balanced sample of them and writes
runs/<id>/tokenizer/ (tokenizer.json + the two config files, training.json, eval/) and
runs/<id>/shards/tokens.json, which the datasheet reads. The per-part tasks have nothing to
do; a resumed run whose tokenizer tasks are done does not train again. Same training as
`leam tokenizer train` (tokenizer.build), with the parameters in run.json.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar, Literal

from pydantic import Field

from leam.corpus.rundir import RunDir
from leam.corpus.stage import ParallelMap, PublishedInputStage, StageInput, StageParams
from leam.tokenizer.build import EvalOptions, build_tokenizer
from leam.tokenizer.sample import SampleSpec
from leam.tokenizer.train import TrainSpec


class TokenizerParams(StageParams):
    # Defaults are the specs' own (tokenizer/sample.py, tokenizer/train.py): one place.
    model: Literal["bpe", "unigram"] = TrainSpec.model
    vocab_size: int = Field(TrainSpec.vocab_size, ge=512)
    normalization: Literal["nfc", "nfkc"] = TrainSpec.normalization
    split_digits: bool = TrainSpec.split_digits
    special_tokens: list[str] = Field(default_factory=list, description="ids 3, 4, ... in order")
    max_token_length: int = Field(TrainSpec.max_token_length, ge=2)
    min_frequency: int = Field(TrainSpec.min_frequency, ge=1)
    alpha: float = Field(SampleSpec.alpha, ge=0.0, le=1.0, description="q ∝ p^alpha")
    weights: dict[str, float] | None = Field(None, description="explicit shares per language")
    max_chars: int | None = Field(None, ge=1, description="characters in the training sample")
    max_doc_chars: int = Field(SampleSpec.max_doc_chars, ge=1)
    heldout: float = Field(SampleSpec.heldout, ge=0.0, lt=1.0)
    max_repeat: int = Field(SampleSpec.max_repeat, ge=1)
    seed: int = Field(SampleSpec.seed, ge=0)
    languages: list[str] | None = None
    output: str = Field("tokenizer", description="folder in the run directory")
    parallel: str | None = Field(None, description="parallel JSONL; default: the bundled set")
    count_tokens: bool = True

    def specs(self) -> tuple[SampleSpec, TrainSpec]:
        sample = SampleSpec(
            alpha=self.alpha,
            weights=self.weights,
            max_chars=self.max_chars,
            max_doc_chars=self.max_doc_chars,
            heldout=self.heldout,
            max_repeat=self.max_repeat,
            seed=self.seed,
            languages=tuple(self.languages) if self.languages else None,
        )
        train = TrainSpec(
            model=self.model,
            vocab_size=self.vocab_size,
            normalization=self.normalization,
            split_digits=self.split_digits,
            special_tokens=tuple(self.special_tokens),
            max_token_length=self.max_token_length,
            min_frequency=self.min_frequency,
        )
        return sample, train


class TokenizerStage(PublishedInputStage):
    params: TokenizerParams
    name: ClassVar[str] = "tokenizer"
    Params: ClassVar[type[StageParams]] = TokenizerParams
    reads: ClassVar[StageInput] = "shards"  # the run's shards folder, so it may follow `shard`

    def prepare(
        self, parts: list[tuple[str, str]], run_dir: RunDir, pmap: ParallelMap
    ) -> dict[str, Any]:
        sample, train = self.params.specs()
        out_dir = run_dir.root / self.params.output
        parallel = Path(self.params.parallel) if self.params.parallel else None
        options = EvalOptions(parallel=parallel, count_tokens=self.params.count_tokens)
        record = build_tokenizer(run_dir.shards, out_dir, sample, train, options)
        ours = next(iter(record["evaluation"].values()))
        return {
            "output": self.params.output,
            "vocab_size": record["vocab_size"],
            "sample": record["sample"],
            "time_s": record["time_s"],
            "peak_rss_bytes": record["peak_rss_bytes"],
            "corpus_tokens": record.get("corpus_tokens"),
            "worst_premium": ours.get("worst_premium"),
            "worst_premium_lang": ours.get("worst_premium_lang"),
        }
