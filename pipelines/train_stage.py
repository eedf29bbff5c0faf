"""Stage `train`: a pipeline that ends with a trained GPT, so one `leam run` goes from WARC
files (or a crawl's) to a model whose loss curve says whether the corpus is any good.

    stages: [..., {stage: shard}, {stage: tokenizer}, {stage: megatron},
             {stage: train, params: {preset: tiny, config: {train_iters: 50}}}]

It follows `megatron` and reads its export folder: `prepare`, run once in the driver after
the export is complete, is `leam train` (trainer.train) with the checkpoints, log, loss
curve and summary in runs/<id>/train/. A rerun resumes from the latest checkpoint (the
trainer's own resume). torch is imported only here, when the stage runs.
"""

from __future__ import annotations

from typing import Any, ClassVar

from pydantic import Field, model_validator

from leam.corpus.rundir import RunDir
from leam.corpus.stage import ParallelMap, PublishedInputStage, StageInput, StageParams
from leam.trainer.config import PRESETS, as_dict, load_config


class TrainStageParams(StageParams):
    export: str = Field("megatron", description="the megatron stage's folder in the run")
    preset: str = Field("tiny", description=f"starting values: {', '.join(PRESETS)}")
    config: dict[str, Any] = Field(
        default_factory=dict, description="trainer fields in Megatron-LM's names (num_layers...)"
    )
    output: str = Field("train", description="folder in the run directory (checkpoints, log)")

    @model_validator(mode="after")
    def _valid_config(self) -> TrainStageParams:
        if "save" in self.config:
            raise ValueError("config.save: the stage saves into `output` in the run directory")
        load_config(self.preset, overrides=self.config)  # unknown fields and bad values fail here
        return self


class TrainStage(PublishedInputStage):
    params: TrainStageParams
    name: ClassVar[str] = "train"
    Params: ClassVar[type[StageParams]] = TrainStageParams
    reads: ClassVar[StageInput] = "export"  # follows `megatron`

    def prepare(
        self, parts: list[tuple[str, str]], run_dir: RunDir, pmap: ParallelMap
    ) -> dict[str, Any]:
        from leam.trainer.train import train  # torch: only when a run trains

        out = run_dir.root / self.params.output
        cfg = load_config(self.params.preset, overrides={**self.params.config, "save": str(out)})
        summary = train(cfg, run_dir.root / self.params.export, quiet=True)
        keep = ("iterations", "first_loss", "last_loss", "tokens_per_s", "valid_loss")
        return {"output": self.params.output, "config": as_dict(cfg), **{
            k: summary[k] for k in keep if k in summary
        }}  # fmt: skip
