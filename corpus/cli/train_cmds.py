"""`leam train`: the bundled trainer on an export folder, through its own entry point
(leam.trainer.launch, which torchrun can also start with `-m`).

    leam train runs/x/megatron --preset tiny --train-iters 50
    torchrun --nproc-per-node 8 $(which leam) train runs/x/megatron --preset 125M
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from leam.corpus.cli import consoles, options
from leam.corpus.cli.errors import fail
from leam.trainer.config import PRESETS

console = consoles.stderr()


def train(
    ctx: typer.Context,
    export_dir: Annotated[
        Path,
        typer.Argument(
            exists=True, file_okay=False, help="An export folder (blend.json + token files)."
        ),
    ],
    config: Annotated[
        Path | None, typer.Option("--config", exists=True, dir_okay=False, help="A YAML file.")
    ] = None,
    preset: Annotated[str, typer.Option(help=f"Starting values: {', '.join(PRESETS)}.")] = "tiny",
    quiet: options.Quiet = False,
) -> None:
    """Train a GPT on Megatron token files: loss, lr, grad norm, tokens/s per iteration,
    validation loss per language, checkpoints that resume exactly.

    Any config field is an option in Megatron-LM's spelling, e.g. --num-layers 4
    --seq-length 256 --global-batch-size 32 --lr 1e-3 --save out/ (trainer/config.py lists
    them). Writes <save>/log.jsonl, loss.svg, summary.json and iter_NNNNNNN.pt (default
    <export>/train); run it again with the same --save to resume. Under torchrun every rank
    runs this command (data parallel; gloo on CPU, NCCL on GPUs).
    """
    from leam.trainer.launch import launch, summary_lines

    try:
        summary = launch(export_dir, preset, config, list(ctx.args), quiet)
    except ValueError as err:  # TrainConfigError included
        raise fail(err) from None
    for line in summary_lines(summary, quiet):
        console.print(line, highlight=False)


TRAIN_SETTINGS = {"allow_extra_args": True, "ignore_unknown_options": True}
