"""The tokenizer folder, as `tokenizers` and `transformers` load it without our code.

    <out>/tokenizer.json            the whole pipeline (Tokenizer.from_file)
    <out>/tokenizer_config.json     PreTrainedTokenizerFast.from_pretrained(<out>)
    <out>/special_tokens_map.json   which token is BOS, EOS, PAD (older loaders read it)

No class of ours is named in these files: a trainer with only `transformers` installed
loads the folder as it is.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tokenizers import Tokenizer

from leam.corpus.rundir import write_json_atomic, write_text_atomic
from leam.tokenizer.train import BOS, EOS, PAD

TOKENIZER_JSON = "tokenizer.json"
CONFIG_JSON = "tokenizer_config.json"
SPECIAL_MAP_JSON = "special_tokens_map.json"


def special_tokens_map(extra: list[str]) -> dict[str, Any]:
    out: dict[str, Any] = {"bos_token": BOS, "eos_token": EOS, "pad_token": PAD}
    if extra:
        out["additional_special_tokens"] = extra
    return out


def tokenizer_config(extra: list[str], model_max_length: int) -> dict[str, Any]:
    return {
        "tokenizer_class": "PreTrainedTokenizerFast",
        **special_tokens_map(extra),
        "model_max_length": model_max_length,
        # Byte-level decoding is exact; the "clean-up" would remove spaces before punctuation.
        "clean_up_tokenization_spaces": False,
        "padding_side": "right",
    }


def save_folder(
    tok: Tokenizer, out_dir: Path, extra_specials: list[str], model_max_length: int = 4096
) -> Path:
    """Write the three files (each atomically); returns the tokenizer.json path."""
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / TOKENIZER_JSON
    write_text_atomic(tok.to_str(pretty=True), path)
    write_json_atomic(tokenizer_config(extra_specials, model_max_length), out_dir / CONFIG_JSON)
    write_json_atomic(special_tokens_map(extra_specials), out_dir / SPECIAL_MAP_JSON)
    return path


def load(path: Path) -> Tokenizer:
    """A tokenizer.json file, or a folder holding one."""
    file = path / TOKENIZER_JSON if path.is_dir() else path
    if not file.is_file():
        raise FileNotFoundError(f"{path}: no {TOKENIZER_JSON}")
    return Tokenizer.from_file(str(file))
