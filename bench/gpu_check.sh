#!/usr/bin/env bash
# The 125M preset on the GPUs of one machine for a few hundred steps: tokens/s and MFU.
#
#     bash bench/gpu_check.sh [STEPS] [GPUS]      # defaults: 300 steps, every visible GPU
#
# Needs a CUDA build of torch in .venv (or on PATH's python). Builds a small export from the
# bundled sample pages (a 400-token BPE, so the data repeats: this measures speed, not
# learning; the vocabulary is set to 50,304 so the output layer costs what a real one does),
# trains the 125M preset with bf16 for STEPS iterations (global batch 256 × 2048 tokens,
# micro-batch 8) on GPUS ranks through torchrun, and prints the last logged tokens/s and
# MFU (bf16 dense peak of the GPU) from log.jsonl.
set -euo pipefail
STEPS=${1:-300}
GPUS=${2:-$(python -c "import torch; print(torch.cuda.device_count())")}
PY=${PY:-$( [ -x .venv/bin/python ] && echo .venv/bin/python || echo python )}
WORK=$(mktemp -d)
export PYTHONPATH=.
$PY - "$WORK" <<'PYEOF'
import sys
from pathlib import Path
from pipelines.megatron_export import ExportSpec, export_megatron
from tests.megatron_data import train_tiny_tokenizer, write_sample_shards
root = Path(sys.argv[1])
langs = ["de", "el", "en", "fr", "it", "pl", "es", "nl"]
write_sample_shards(root / "shards", langs)
tok = train_tiny_tokenizer(root / "tok")
export_megatron(root / "shards", root / "megatron", ExportSpec(tok), lambda f, xs: [f(x) for x in xs])
PYEOF
$PY -m torch.distributed.run --standalone --nproc-per-node "$GPUS" -m trainer.train \
  "$WORK/megatron" --preset 125M --split 100,0,0 --vocab-size 50304 --train-iters "$STEPS" \
  --log-interval 10 --save-interval 1000000 --save "$WORK/train" -q
$PY - "$WORK/train/log.jsonl" <<'PYEOF'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if '"loss"' in l]
late = rows[len(rows) // 2:]  # after warm-up (and compilation, if any)
tps = statistics.median(r["tokens_per_s"] for r in late)
mfu = statistics.median(r.get("mfu", 0.0) for r in late)
print(f"125M preset, {rows[-1]['iteration']} steps: {tps:,.0f} tokens/s, MFU {mfu:.1%}, "
      f"loss {rows[0]['loss']:.2f} -> {rows[-1]['loss']:.2f}")
PYEOF
