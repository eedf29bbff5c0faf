"""Training loop: data-parallel GPT pre-training on an export folder, resumable exactly.

    leam train runs/x/megatron --preset tiny                            # CPU, one process
    torchrun --nproc-per-node 8 -m trainer.train runs/x/megatron --preset 125M   # one node

Each rank runs this file (torchrun sets RANK, WORLD_SIZE, LOCAL_RANK, MASTER_ADDR/PORT);
one process without torchrun is a world of one. Iteration i consumes global samples
[i·G, (i+1)·G) of the blend (G = global_batch_size); rank r takes its contiguous share
and walks it in micro-batches, accumulating gradients, which DDP averages across ranks on
the last micro-batch. So the data position is the iteration alone, and any world size with
the same G sees the same samples in the same step.

A checkpoint (<save>/iter_NNNNNNN.pt, then latest_checkpointed_iteration.txt, both renamed
into place) holds model, optimiser, scheduler, every rank's RNG states, the iteration and
the config; starting again with the same <save> resumes from it, and the log keeps only
lines up to that iteration, so the curves continue as if nothing had stopped.
"""

from __future__ import annotations

import json
import math
import os
import random
import sys
import time
from contextlib import nullcontext
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.distributed as dist
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from torch.nn.parallel import DistributedDataParallel

from leam.trainer.config import TrainConfig, as_dict
from leam.trainer.data import blended_train, open_export, validation_sets
from leam.trainer.model import GPT, flops_per_token, num_parameters
from leam.trainer.plot import write_loss_svg

LATEST = "latest_checkpointed_iteration.txt"  # Megatron-LM's name for the pointer
LOG = "log.jsonl"
# bf16 dense peak of one GPU, for MFU when peak_flops is not given (vendor data sheets)
PEAK_BF16 = {"H200": 989e12, "H100": 989e12, "A100": 312e12, "L40S": 362e12, "L4": 121e12,
             "A10": 125e12, "V100": 125e12}  # fmt: skip


def lr_at(cfg: TrainConfig, iteration: int) -> float:
    """Linear warm-up to lr over lr_warmup_iters, then decay to min_lr over lr_decay_iters."""
    if iteration < cfg.lr_warmup_iters:
        return cfg.lr * (iteration + 1) / cfg.lr_warmup_iters
    decay_iters = cfg.lr_decay_iters or cfg.train_iters
    span = max(1, decay_iters - cfg.lr_warmup_iters)
    ratio = min(1.0, (iteration - cfg.lr_warmup_iters) / span)
    if cfg.lr_decay_style == "constant":
        return cfg.lr
    coeff = 1.0 - ratio if cfg.lr_decay_style == "linear" else 0.5 * (1 + math.cos(math.pi * ratio))
    return cfg.min_lr + coeff * (cfg.lr - cfg.min_lr)


def setup_distributed() -> tuple[int, int, torch.device]:
    """(rank, world size, device); joins the process group when torchrun started us."""
    world = int(os.environ.get("WORLD_SIZE", "1"))
    local_rank = int(os.environ.get("LOCAL_RANK", "0"))
    device = torch.device(f"cuda:{local_rank}" if torch.cuda.is_available() else "cpu")
    if device.type == "cuda":
        torch.cuda.set_device(device)
    if world > 1 and not dist.is_initialized():
        dist.init_process_group("nccl" if device.type == "cuda" else "gloo")
    return int(os.environ.get("RANK", "0")), world, device


def _mean_across_ranks(value: torch.Tensor, world: int) -> float:
    if world > 1:
        value = value.clone()
        dist.all_reduce(value)
        value /= world
    return float(value)


def _rng_state() -> dict[str, Any]:
    state = {"python": random.getstate(), "numpy": np.random.get_state(),
             "torch": torch.get_rng_state()}  # fmt: skip
    if torch.cuda.is_available():
        state["cuda"] = torch.cuda.get_rng_state()
    return state


def _set_rng_state(state: dict[str, Any]) -> None:
    random.setstate(state["python"])
    np.random.set_state(state["numpy"])
    torch.set_rng_state(state["torch"])
    if "cuda" in state and torch.cuda.is_available():
        torch.cuda.set_rng_state(state["cuda"])


def save_checkpoint(out: Path, iteration: int, state: dict[str, Any]) -> Path:
    """iter_NNNNNNN.pt then the pointer, each through a temporary name: a kill at any moment
    leaves the previous checkpoint readable. Older checkpoints go once the pointer moved."""
    path = out / f"iter_{iteration:07d}.pt"
    tmp = path.with_suffix(".pt.tmp")
    torch.save(state, tmp)
    os.replace(tmp, path)
    pointer = out / (LATEST + ".tmp")
    pointer.write_text(f"{iteration}\n")
    os.replace(pointer, out / LATEST)
    for old in out.glob("iter_*.pt"):
        if old != path:
            old.unlink()
    return path


def checkpointed_iteration(out: Path) -> int | None:
    """The iteration of the latest checkpoint in `out`, None without one."""
    pointer = out / LATEST
    return int(pointer.read_text()) if pointer.is_file() else None


def finished_summary(out: Path, iteration: int) -> dict[str, Any]:
    """The summary of a training that already reached its last iteration, as it wrote it,
    marked `already_done`: a rerun of the same command reports it and trains nothing."""
    path = out / "summary.json"
    summary = json.loads(path.read_text()) if path.is_file() else {"iterations": iteration}
    return {**summary, "out": str(out), "already_done": True}


def load_checkpoint(out: Path) -> dict[str, Any] | None:
    if not (out / LATEST).is_file():
        return None
    iteration = int((out / LATEST).read_text())
    return torch.load(out / f"iter_{iteration:07d}.pt", map_location="cpu", weights_only=False)


def _keep_log_until(log_file: Path, iteration: int) -> None:
    """A resumed run rewrites what the stopped one logged after its checkpoint."""
    if log_file.is_file():
        lines = [ln for ln in log_file.read_text().splitlines()
                 if ln and json.loads(ln)["iteration"] <= iteration]  # fmt: skip
        log_file.write_text("".join(ln + "\n" for ln in lines))


def train(cfg: TrainConfig, export_dir: Path, quiet: bool = False) -> dict[str, Any]:
    """Train (or resume) on `export_dir`; returns a summary (rank 0's view)."""
    rank, world, device = setup_distributed()
    micro, G = cfg.micro_batch_size, cfg.global_batch_size
    if G % (micro * world):
        raise ValueError(
            f"global_batch_size {G} is not micro_batch_size {micro} × {world} ranks × n"
        )
    accum = G // (micro * world)  # micro-batches per rank per iteration
    export = open_export(export_dir)
    vocab_size = cfg.vocab_size or export.vocab_size
    if not vocab_size:
        raise ValueError(f"{export_dir}: no vocabulary size in export.json; set --vocab-size")
    split = cfg.split or export.split
    cache = Path(cfg.data_cache_path or export.root / "_cache")
    T = cfg.seq_length
    train_data = blended_train(export, split, T, cfg.train_iters * G, cfg.seed, cache)
    valid = validation_sets(export, split, T, cfg.eval_iters * micro * world, cfg.seed, cache)

    torch.manual_seed(cfg.seed)
    model = GPT(cfg, vocab_size).to(device)
    params = [p for p in model.parameters() if p.requires_grad]
    groups = [{"params": [p for p in params if p.dim() >= 2], "weight_decay": cfg.weight_decay},
              {"params": [p for p in params if p.dim() < 2], "weight_decay": 0.0}]  # fmt: skip
    optimizer = torch.optim.AdamW(
        groups, lr=cfg.lr, betas=(cfg.adam_beta1, cfg.adam_beta2), eps=cfg.adam_eps,
        fused=device.type == "cuda",
    )  # fmt: skip
    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda it: lr_at(cfg, it) / cfg.lr)

    out = Path(cfg.save or export.root / "train")
    out.mkdir(parents=True, exist_ok=True)
    done_before = checkpointed_iteration(out)
    if done_before is not None and done_before > cfg.train_iters:
        raise ValueError(
            f"{out}: its checkpoint is at iteration {done_before}, past --train-iters "
            f"{cfg.train_iters}; give --train-iters {done_before} or more to go on from it, "
            f"or another --save"
        )
    if done_before == cfg.train_iters:  # finished before: nothing to train, nothing rewritten
        return finished_summary(out, done_before)
    start = 0
    checkpoint = load_checkpoint(out)
    if checkpoint is not None:
        for name in ("global_batch_size", "seq_length", "seed"):
            if checkpoint["config"][name] != getattr(cfg, name):
                raise ValueError(f"{out}: the checkpoint has {name}={checkpoint['config'][name]}")
        model.load_state_dict(checkpoint["model"])
        optimizer.load_state_dict(checkpoint["optimizer"])
        scheduler.load_state_dict(checkpoint["scheduler"])
        rng = checkpoint["rng"]
        _set_rng_state(rng[rank] if len(rng) == world else rng[0])
        start = checkpoint["iteration"]
        del checkpoint
    log_file = out / LOG
    if rank == 0:
        _keep_log_until(log_file, start)
        (out / "config.json").write_text(json.dumps(as_dict(cfg), indent=2) + "\n")

    raw_model = model
    if world > 1:
        model = DistributedDataParallel(
            model, device_ids=[device.index] if device.type == "cuda" else None
        )
    step_model = torch.compile(model) if cfg.torch_compile else model
    bf16 = cfg.bf16 if cfg.bf16 is not None else device.type == "cuda"
    autocast = (torch.autocast(device.type, dtype=torch.bfloat16) if bf16 and device.type == "cuda"
                else nullcontext())  # fmt: skip
    fpt = flops_per_token(cfg, vocab_size)
    peak = cfg.peak_flops or (
        next((v for k, v in PEAK_BF16.items() if k in torch.cuda.get_device_name(device)), None)
        if device.type == "cuda" else None
    )  # fmt: skip

    def batch(indices: range) -> tuple[torch.Tensor, torch.Tensor]:
        rows = torch.from_numpy(np.stack([train_data[i] for i in indices]))  # (B, T + 1)
        rows = rows.to(device, non_blocking=True)
        return rows[:, :-1], rows[:, 1:]  # inputs (B, T), targets (B, T)

    def evaluate() -> dict[str, float]:
        model.eval()
        losses = {}
        with torch.no_grad(), autocast:
            for lang, data in valid.items():
                total = torch.zeros((), device=device)
                for k in range(cfg.eval_iters):
                    first = (k * world + rank) * micro
                    rows = torch.from_numpy(
                        np.stack([data[i] for i in range(first, first + micro)])
                    )
                    rows = rows.to(device)
                    total += raw_model(rows[:, :-1], rows[:, 1:]).float()
                losses[lang] = _mean_across_ranks(total / cfg.eval_iters, world)
        model.train()
        return losses

    def log(record: dict[str, Any]) -> None:
        if rank == 0:
            with log_file.open("a") as f:
                f.write(json.dumps(record) + "\n")

    if rank == 0 and not quiet:
        print(f"GPT {num_parameters(raw_model) / 1e6:.2f}M parameters, vocabulary {vocab_size}, "
              f"{world} rank(s) on {device.type}, {accum} micro-batch(es) of {micro} per rank, "
              f"global batch {G} × {T} tokens; iterations {start}..{cfg.train_iters}; {out}",
              file=sys.stderr)  # fmt: skip
    bar = Progress(TextColumn("[bold]train"), BarColumn(), MofNCompleteColumn(),
                   TextColumn("{task.fields[info]}"), TimeElapsedColumn(),
                   disable=quiet or rank != 0)  # fmt: skip
    task = bar.add_task("train", total=cfg.train_iters, completed=start, info="")
    model.train()
    last: dict[str, Any] = {}
    tokens_per_s: list[float] = []
    with bar:
        for iteration in range(start, cfg.train_iters):
            tick = time.perf_counter()
            loss_sum = torch.zeros((), device=device)
            base = iteration * G + rank * accum * micro
            for a in range(accum):
                inputs, targets = batch(range(base + a * micro, base + (a + 1) * micro))
                sync = a == accum - 1 or world == 1
                with nullcontext() if sync else model.no_sync(), autocast:
                    loss = step_model(inputs, targets) / accum
                loss.backward()
                loss_sum += loss.detach().float()
            grad_norm = torch.nn.utils.clip_grad_norm_(raw_model.parameters(), cfg.clip_grad)
            lr = optimizer.param_groups[0]["lr"]
            optimizer.step()
            scheduler.step()
            optimizer.zero_grad(set_to_none=True)
            loss_value = _mean_across_ranks(loss_sum, world)
            if device.type == "cuda":
                torch.cuda.synchronize()
            elapsed = time.perf_counter() - tick
            done = iteration + 1
            speed = G * T / elapsed
            tokens_per_s.append(speed)
            last = {"iteration": done, "loss": round(loss_value, 6), "lr": lr,
                    "grad_norm": round(float(grad_norm), 6), "tokens_per_s": round(speed, 1),
                    "consumed_samples": done * G}  # fmt: skip
            if peak:
                last["mfu"] = round(fpt * speed / world / peak, 4)
            if done % cfg.log_interval == 0 or done == cfg.train_iters:
                log(last)
            mfu = f" MFU {last['mfu']:.1%}" if peak else ""
            info = f"loss {loss_value:.3f} lr {lr:.2e} {speed:,.0f} tok/s{mfu}"
            bar.update(task, completed=done, info=info)
            final = done == cfg.train_iters
            stop = bool(cfg.exit_interval) and done % cfg.exit_interval == 0
            if valid and (done % cfg.eval_interval == 0 or final):
                log({"iteration": done, "valid_loss": evaluate()})
            if done % cfg.save_interval == 0 or final or stop:
                rngs = [None] * world
                if world > 1:
                    dist.all_gather_object(rngs, _rng_state())
                else:
                    rngs = [_rng_state()]
                if rank == 0:
                    save_checkpoint(out, done, {
                        "iteration": done, "model": raw_model.state_dict(),
                        "optimizer": optimizer.state_dict(), "scheduler": scheduler.state_dict(),
                        "rng": rngs, "config": as_dict(cfg)})  # fmt: skip
                if world > 1:
                    dist.barrier()
            if stop and not final:
                break
    median_speed = round(float(np.median(tokens_per_s)), 1) if tokens_per_s else None
    summary = {"iterations": last.get("iteration", start), "world_size": world,
               "parameters": num_parameters(raw_model), "out": str(out),
               "tokens_per_s": median_speed}  # fmt: skip
    if rank == 0:
        records = [json.loads(ln) for ln in log_file.read_text().splitlines() if ln]
        losses = [r["loss"] for r in records if "loss" in r]
        summary |= {"first_loss": losses[0] if losses else None,
                    "last_loss": losses[-1] if losses else None,
                    "valid_loss": next((r["valid_loss"] for r in reversed(records)
                                        if "valid_loss" in r), None)}  # fmt: skip
        write_loss_svg(records, out / "loss.svg")
        (out / "summary.json").write_text(json.dumps(summary, indent=2) + "\n")
    if world > 1:
        dist.barrier()
        dist.destroy_process_group()
    return summary


if __name__ == "__main__":  # torchrun -m leam.trainer.train: the same as leam.trainer.launch
    from leam.trainer.launch import main

    main()
