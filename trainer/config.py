"""The trainer's configuration: one dataclass whose field names are Megatron-LM's arguments.

    leam train runs/x/megatron --preset tiny --train-iters 50 --lr 3e-3
    leam train runs/x/megatron --config my.yaml        # a flat YAML mapping of these fields

Values come in this order, later ones winning: the defaults below, the preset, the YAML
file, then `--field-name VALUE` on the command line (Megatron-LM's spelling: dashes). An
unknown name is an error that lists the known ones. No torch here: the CLI imports this
module to validate a configuration before torch is loaded.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

import yaml


class TrainConfigError(ValueError):
    """A configuration problem, said in one line (the CLI prints it as is)."""


@dataclass
class TrainConfig:
    # model
    num_layers: int = 2
    hidden_size: int = 64
    num_attention_heads: int = 4
    ffn_hidden_size: int | None = None  # default: SwiGLU's 2/3 · 4h, a multiple of 64
    normalization: str = "RMSNorm"  # or "LayerNorm"; pre-norm either way
    norm_epsilon: float = 1e-5
    rotary_base: int = 10_000
    untie_embeddings_and_output_weights: bool = False  # Megatron-LM ties them by default
    init_method_std: float = 0.02
    hidden_dropout: float = 0.0
    attention_dropout: float = 0.0
    vocab_size: int | None = None  # default: the export's tokenizer (export.json)
    # data
    seq_length: int = 64
    split: str | None = None  # train,valid,test by documents; default: blend.json's
    data_cache_path: str | None = None  # default: <export>/_cache
    # batch: global = micro × data-parallel ranks × accumulation steps
    micro_batch_size: int = 4
    global_batch_size: int = 8
    # optimiser and schedule
    lr: float = 3e-3
    min_lr: float = 3e-4
    lr_warmup_iters: int = 5
    lr_decay_style: str = "cosine"  # cosine | linear | constant
    lr_decay_iters: int | None = None  # default: train_iters
    weight_decay: float = 0.1
    adam_beta1: float = 0.9
    adam_beta2: float = 0.95
    adam_eps: float = 1e-8
    clip_grad: float = 1.0
    train_iters: int = 50
    # precision and speed
    bf16: bool | None = None  # default: on with CUDA, off on CPU (autocast)
    torch_compile: bool = False
    # logging, evaluation, checkpoints
    log_interval: int = 1
    eval_interval: int = 25
    eval_iters: int = 2  # micro-batches per language per evaluation
    save: str | None = None  # default: <export>/train
    save_interval: int = 25
    exit_interval: int | None = None  # stop (after saving) when iteration % this == 0
    seed: int = 1234
    peak_flops: float | None = None  # per GPU, for MFU; default: known GPUs' bf16 peak

    def check(self) -> TrainConfig:
        """Raise TrainConfigError on values that would fail later, far from their cause."""
        if self.hidden_size % self.num_attention_heads:
            raise TrainConfigError("hidden_size must be a multiple of num_attention_heads")
        if (self.hidden_size // self.num_attention_heads) % 2:
            raise TrainConfigError("the head size (hidden/heads) must be even for rotary")
        if self.global_batch_size % self.micro_batch_size:
            raise TrainConfigError("global_batch_size must be a multiple of micro_batch_size")
        if self.normalization not in ("RMSNorm", "LayerNorm"):
            raise TrainConfigError(f"normalization: RMSNorm or LayerNorm, not {self.normalization}")
        if self.lr_decay_style not in ("cosine", "linear", "constant"):
            raise TrainConfigError("lr_decay_style: cosine, linear or constant")
        if min(self.train_iters, self.seq_length, self.log_interval) < 1:
            raise TrainConfigError("train_iters, seq_length and log_interval must be >= 1")
        return self

    @property
    def ffn_size(self) -> int:
        if self.ffn_hidden_size:
            return self.ffn_hidden_size
        return max(64, int(4 * self.hidden_size * 2 / 3) // 64 * 64)


# Presets: tiny for CPU tests and the demo; 125M and 350M are GPT-3's small and medium
# shapes (Brown et al. 2020, table 2.1) for one GPU or a node.
PRESETS: dict[str, dict[str, Any]] = {
    "tiny": {"split": "90,10,0"},  # small exports: a validation document per language
    "10M": {"num_layers": 4, "hidden_size": 256, "num_attention_heads": 4, "seq_length": 256,
            "micro_batch_size": 8, "global_batch_size": 16, "lr": 1e-3, "min_lr": 1e-4},
    "125M": {"num_layers": 12, "hidden_size": 768, "num_attention_heads": 12,
             "seq_length": 2048, "micro_batch_size": 8, "global_batch_size": 256,
             "lr": 6e-4, "min_lr": 6e-5, "lr_warmup_iters": 200, "train_iters": 20_000,
             "eval_interval": 500, "eval_iters": 10, "save_interval": 1000,
             "log_interval": 10},
    "350M": {"num_layers": 24, "hidden_size": 1024, "num_attention_heads": 16,
             "seq_length": 2048, "micro_batch_size": 4, "global_batch_size": 256,
             "lr": 3e-4, "min_lr": 3e-5, "lr_warmup_iters": 200, "train_iters": 40_000,
             "eval_interval": 500, "eval_iters": 10, "save_interval": 1000,
             "log_interval": 10},
}  # fmt: skip
FIELDS = {f.name: f for f in fields(TrainConfig)}


def load_config(
    preset: str | None = None,
    yaml_file: Path | None = None,
    overrides: dict[str, Any] | None = None,
) -> TrainConfig:
    """Defaults ← preset ← YAML ← overrides, each value converted to its field's type."""
    values: dict[str, Any] = {}
    if preset is not None:
        if preset not in PRESETS:
            raise TrainConfigError(f"unknown preset {preset!r}; known: {', '.join(PRESETS)}")
        values.update(PRESETS[preset])
    if yaml_file is not None:
        loaded = yaml.safe_load(Path(yaml_file).read_text()) or {}
        if not isinstance(loaded, dict):
            raise TrainConfigError(f"{yaml_file}: expected a mapping of config fields")
        values.update({str(k).replace("-", "_"): v for k, v in loaded.items()})
    values.update(overrides or {})
    unknown = sorted(set(values) - set(FIELDS))
    if unknown:
        raise TrainConfigError(
            f"unknown config field(s) {', '.join(unknown)}; known: {', '.join(FIELDS)}"
        )
    return TrainConfig(**{k: convert(k, v) for k, v in values.items()}).check()


def parse_overrides(args: list[str]) -> dict[str, Any]:
    """`--num-layers 4 --bf16 --no-torch-compile` → {"num_layers": "4", "bf16": True, ...}.

    Values stay strings; load_config converts them by the field's type.
    """
    out: dict[str, Any] = {}
    i = 0
    while i < len(args):
        arg = args[i]
        if not arg.startswith("--"):
            raise TrainConfigError(f"unexpected argument {arg!r}; config fields are --name VALUE")
        name, eq, value = arg[2:].partition("=")
        name = name.replace("-", "_")
        if not eq and name.startswith("no_") and _is_bool(name[3:]):
            out[name[3:]] = False
        elif not eq and _is_bool(name) and (i + 1 == len(args) or args[i + 1].startswith("--")):
            out[name] = True
        elif eq:
            out[name] = value
        else:
            if i + 1 == len(args):
                raise TrainConfigError(f"--{arg[2:]} needs a value")
            out[name] = args[i + 1]
            i += 1
        i += 1
    return out


def _is_bool(name: str) -> bool:
    return name in FIELDS and bool in _types(name)


def _types(name: str) -> tuple[type, ...]:
    hint = typing.get_type_hints(TrainConfig)[name]
    if isinstance(hint, types.UnionType) or typing.get_origin(hint) is typing.Union:
        return tuple(t for t in typing.get_args(hint) if t is not type(None))
    return (hint,)


def convert(name: str, value: Any) -> Any:
    """A YAML or command-line value as the field's type; "none" clears an optional field."""
    if name not in FIELDS:
        raise TrainConfigError(f"unknown config field {name!r}")
    kind = _types(name)[0]
    if value is None or (isinstance(value, str) and value.lower() in ("none", "null")):
        if type(None) not in typing.get_args(typing.get_type_hints(TrainConfig)[name]):
            raise TrainConfigError(f"{name} cannot be empty")
        return None
    try:
        if kind is bool:
            if isinstance(value, str):
                if value.lower() not in ("true", "false", "1", "0", "yes", "no"):
                    raise ValueError(value)
                return value.lower() in ("true", "1", "yes")
            return bool(value)
        if kind is int and isinstance(value, str):
            return int(float(value)) if "e" in value.lower() else int(value)
        return kind(value)
    except (TypeError, ValueError):
        raise TrainConfigError(f"{name}: {value!r} is not a {kind.__name__}") from None


def as_dict(cfg: TrainConfig) -> dict[str, Any]:
    return dataclasses.asdict(cfg)
