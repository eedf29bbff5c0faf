"""`leam train`: the bundled trainer on an export folder (trainer/), torch loaded lazily.

    leam train runs/x/megatron --preset tiny --train-iters 50
    torchrun --nproc-per-node 8 $(which leam) train runs/x/megatron --preset 125M

torch is an optional extra (`pip install 'leam-corpus[train]'`): this module imports it
only when a run starts, so the rest of the CLI works without it.
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from leam.corpus.cli import options
from leam.corpus.cli.errors import fail
from leam.trainer.config import PRESETS, TrainConfigError, load_config, parse_overrides

console = Console(stderr=True)
TORCH_HINT = "the trainer needs torch: pip install 'leam-corpus[train]' (or a CUDA build of torch)"


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
    try:
        cfg = load_config(preset, config, parse_overrides(list(ctx.args)))
    except TrainConfigError as err:
        raise fail(err) from None
    if importlib.util.find_spec("torch") is None:
        raise fail(TORCH_HINT)
    from leam.trainer.train import train as run_training

    try:
        summary = run_training(cfg, export_dir, quiet=quiet)
    except ValueError as err:
        raise fail(err) from None
    if "first_loss" in summary:
        console.print(
            f"loss {summary['first_loss']} → {summary['last_loss']} after "
            f"{summary['iterations']} iterations; {summary['tokens_per_s']:,} tokens/s; "
            f"{summary['out']}",
            highlight=False,
        )
        if not quiet and summary.get("valid_loss"):
            console.print("validation loss: " + json.dumps(summary["valid_loss"]), highlight=False)


TRAIN_SETTINGS = {"allow_extra_args": True, "ignore_unknown_options": True}


def main() -> None:
    """`python -m trainer.train ...` (for torchrun -m): this command alone."""
    app = typer.Typer(add_completion=False, pretty_exceptions_enable=False)
    app.command(context_settings=TRAIN_SETTINGS)(train)
    app()
