"""Training tokens/s of the bundled trainer on this machine's CPU, tiny and ~10M presets.

    python bench/train_throughput.py [--iters 20] [--threads 2]

Builds a small real export (the bundled sample pages of four languages, a 400-token
byte-level BPE, `leam export megatron`'s code run serially), then trains each preset for
`--iters` iterations with `--threads` intra-op threads, in this process, and prints the
median tokens/s of the iterations after the first (which pays for warm-up), the loss before
and after, and the parameters. No GPU: tests/trainer covers correctness, this only speed.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import torch

from leam.pipelines.megatron.export import ExportSpec, export_megatron
from leam.trainer.config import load_config
from leam.trainer.train import train
from tests.megatron_data import train_tiny_tokenizer, write_sample_shards

LANGS = ["de", "el", "en", "fr"]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--iters", type=int, default=20)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        write_sample_shards(root / "shards", LANGS)
        tok = train_tiny_tokenizer(root / "tok")
        export_megatron(root / "shards", root / "megatron", ExportSpec(tok),
                        lambda fn, items: [fn(i) for i in items])  # fmt: skip
        print("| preset | parameters | seq × global batch | iterations | tokens/s | loss |")
        print("|---|---|---|---|---|---|")
        for preset in ("tiny", "10M"):
            overrides = {"train_iters": args.iters, "eval_interval": 10**9,
                         "save": str(root / preset), "vocab_size": 32_000}  # fmt: skip
            cfg = load_config(preset, overrides=overrides)
            s = train(cfg, root / "megatron", quiet=True)
            print(f"| {preset} | {s['parameters'] / 1e6:.2f}M | {cfg.seq_length} × "
                  f"{cfg.global_batch_size} | {s['iterations']} | {s['tokens_per_s']:,.0f} | "
                  f"{s['first_loss']:.2f} → {s['last_loss']:.2f} |")  # fmt: skip


if __name__ == "__main__":
    main()
