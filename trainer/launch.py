"""The trainer's own entry point: configuration, the torch check, a run, its summary.

    python -m leam.trainer.launch runs/x/megatron --preset tiny --train-iters 50
    torchrun --nproc-per-node 8 -m leam.trainer.launch runs/x/megatron --preset 125M --save ckpt

`leam train` calls `launch` too; the trainer imports nothing of the CLI. torch is an
optional extra (`pip install 'leam-corpus[train]'`): it is imported only when a run starts.
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
from pathlib import Path
from typing import Any

from leam.trainer.config import PRESETS, TrainConfigError, load_config, parse_overrides

TORCH_HINT = "the trainer needs torch: pip install 'leam-corpus[train]' (or a CUDA build of torch)"


def launch(
    export_dir: Path,
    preset: str = "tiny",
    config: Path | None = None,
    overrides: list[str] | tuple[str, ...] = (),
    quiet: bool = False,
) -> dict[str, Any]:
    """Runs (or resumes) a training; TrainConfigError or ValueError say in one line what is
    wrong with the configuration, the export or the environment."""
    cfg = load_config(preset, config, parse_overrides(list(overrides)))
    if importlib.util.find_spec("torch") is None:
        raise TrainConfigError(TORCH_HINT)
    from leam.trainer.train import train

    return train(cfg, export_dir, quiet=quiet)


def summary_lines(summary: dict[str, Any], quiet: bool = False) -> list[str]:
    """What a finished run prints: the loss from first to last iteration, speed, folder."""
    if summary.get("already_done"):
        lines = [
            f"already trained to iteration {summary['iterations']} in {summary['out']}; "
            f"nothing to do (a larger --train-iters goes on from there)"
        ]
    elif "first_loss" not in summary:
        return []
    else:
        speed = summary.get("tokens_per_s")
        lines = [
            f"loss {_loss(summary['first_loss'])} → {_loss(summary['last_loss'])} after "
            f"{summary['iterations']} iterations; "
            f"{f'{speed:,} tokens/s' if speed is not None else 'no iteration timed'}; "
            f"{summary['out']}"
        ]
    if not quiet and summary.get("valid_loss"):
        losses = ", ".join(f"{lang} {_loss(v)}" for lang, v in summary["valid_loss"].items())
        lines.append(f"validation loss: {losses}")
    return lines


def _loss(value: float | None) -> str:
    return "-" if value is None else f"{value:.4f}"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m leam.trainer.launch",
        description="Train a GPT on a Megatron export folder. Any TrainConfig field is an "
        "option in Megatron-LM's spelling (--num-layers 4, --lr 3e-4, --save DIR).",
    )
    parser.add_argument("export_dir", type=Path, help="an export folder (blend.json + tokens)")
    parser.add_argument("--config", type=Path, help="a YAML file of TrainConfig fields")
    parser.add_argument("--preset", default="tiny", help=f"starting values: {', '.join(PRESETS)}")
    parser.add_argument("--quiet", "-q", action="store_true", help="no progress bar")
    args, rest = parser.parse_known_args(argv)
    try:
        summary = launch(args.export_dir, args.preset, args.config, rest, args.quiet)
    except ValueError as err:  # TrainConfigError included
        print(f"error: {err}", file=sys.stderr)
        sys.exit(2)
    for line in summary_lines(summary, args.quiet):
        print(line)


if __name__ == "__main__":
    main()
