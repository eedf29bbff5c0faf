"""Stage `megatron`: a pipeline that ends with Megatron-LM token files, blend and lineage.

    stages: [..., {stage: shard}, {stage: tokenizer}, {stage: megatron, params: {alpha: 0.3}}]

It reads the run's shards, not parts, so it may follow `shard` (with a tokenizer given) or
`tokenizer` (whose output folder is the default). `prepare`, run once in the driver after
the shards (and the tokenizer) are complete, is the export of `leam export megatron`
(pipelines.megatron_export) into runs/<id>/megatron/; its figures go to run.json. The
per-part tasks have nothing to do; a resumed run whose tasks are done does not export again,
and an interrupted export resumes from its markers.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar

from pydantic import Field

from leam.corpus.rundir import RunDir
from leam.corpus.stage import ParallelMap, PublishedInputStage, StageInput, StageParams
from leam.pipelines.megatron.blend import DEFAULT_ALPHA
from leam.pipelines.megatron.export import ExportSpec, export_megatron


class MegatronParams(StageParams):
    tokenizer: str = Field(
        "tokenizer",
        description="tokenizer.json or its folder; a relative path is looked up in the run "
        "directory first (the tokenizer stage's output)",
    )
    eos_token: str | None = Field(None, description="default: tokenizer_config.json's")
    alpha: float = Field(DEFAULT_ALPHA, ge=0.0, le=1.0, description="blend: q ∝ p^alpha")
    weights: dict[str, float] | None = Field(None, description="explicit blend weights")
    languages: list[str] | None = None
    output: str = Field("megatron", description="folder in the run directory")
    batch_docs: int = Field(1000, ge=1)

    def spec(self, run_dir: RunDir) -> ExportSpec:
        tokenizer = Path(self.tokenizer)
        if not tokenizer.is_absolute() and (run_dir.root / tokenizer).exists():
            tokenizer = run_dir.root / tokenizer
        return ExportSpec(
            tokenizer=tokenizer,
            eos_token=self.eos_token,
            alpha=self.alpha,
            weights=self.weights,
            languages=tuple(self.languages) if self.languages else None,
            batch_docs=self.batch_docs,
        )


class MegatronStage(PublishedInputStage):
    params: MegatronParams
    name: ClassVar[str] = "megatron"
    Params: ClassVar[type[StageParams]] = MegatronParams
    reads: ClassVar[StageInput] = "shards"  # may follow `shard` or `tokenizer`

    def prepare(
        self, parts: list[tuple[str, str]], run_dir: RunDir, pmap: ParallelMap
    ) -> dict[str, Any]:
        out_dir = run_dir.root / self.params.output
        record = export_megatron(run_dir.shards, out_dir, self.params.spec(run_dir), pmap)
        keep = ("dtype", "documents", "empty_documents", "tokens", "empty_languages",
                "tokenize_s", "merge_s", "tokens_per_s", "data_path", "split")  # fmt: skip
        return {
            "output": self.params.output,
            "tokenizer_sha256": record["tokenizer"]["sha256"],
            **{k: record[k] for k in keep},
            "tokens_by_lang": {lang: f["tokens"] for lang, f in record["languages"].items()},
        }
