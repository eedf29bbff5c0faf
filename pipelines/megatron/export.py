"""Megatron export: a run's shards → token files per language, blend weights and lineage.

    <out>/<lang>_text_document.bin|.idx    Megatron-LM's indexed dataset (trainer.indexed)
    <out>/<lang>_text_document.lineage.parquet   row i: document i's id, URL, shard, row, WARC
    <out>/blend.json        tokens, share, weight per language; --data-path and --split
    <out>/data-args.txt     the weight/prefix pairs, for Megatron-LM's --data-args-path
    <out>/export.json       tokenizer (sha256, EOS, dtype), per-language figures, timings
    <out>/_work/<key>/<lang>/part-NNNNN.*  one part per shard, with its _DONE marker

Two parallel passes through `pmap` (Ray, through corpus.runtime): every shard is tokenized
into its part; then each language's parts are merged into one file, a copy in chunks. Both
resume: a part whose marker matches its shard's sha256 is not tokenized again, and a language
whose parts are unchanged is not merged again. The work folder's key is a hash of the
tokenizer file, EOS and dtype, so another tokenizer never reuses stale parts.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from leam.corpus.rundir import file_sha256, read_json, write_json_atomic, write_text_atomic
from leam.corpus.stage import ParallelMap
from leam.pipelines.megatron.blend import DEFAULT_ALPHA, blend, data_args
from leam.pipelines.megatron.parts import (
    LINEAGE_SUFFIX,
    MergeJob,
    PartJob,
    TokenizerInfo,
    merge_language,
    resolve_tokenizer,
    tokenize_shard,
)
from leam.pipelines.shard.manifest import NAME as MANIFEST_NAME
from leam.tokenizer.shards import shard_files
from leam.trainer.data import BLEND, EXPORT

FORMAT = "leam-megatron/1"
DATA_ARGS = "data-args.txt"
SUFFIX = "_text_document"  # Megatron-LM's preprocess_data.py names prefixes so
FILE_KINDS = (".bin", ".idx", LINEAGE_SUFFIX)


@dataclass(frozen=True)
class ExportSpec:
    tokenizer: Path  # tokenizer.json or its folder
    eos_token: str | None = None  # default: from tokenizer_config.json, else a usual name
    alpha: float = DEFAULT_ALPHA  # blend: q ∝ p^alpha
    weights: dict[str, float] | None = None  # blend: explicit weights instead
    languages: tuple[str, ...] | None = None  # default: every language folder of the shards
    batch_docs: int = 1000  # documents encoded at once (the Rust encoder batches in parallel)


def prefix_name(lang: str) -> str:
    return f"{lang}{SUFFIX}"


def export_megatron(
    shards_dir: Path, out_dir: Path, spec: ExportSpec, pmap: ParallelMap
) -> dict[str, Any]:
    """Export (or resume exporting) the shards; returns the record written to export.json."""
    info = resolve_tokenizer(spec.tokenizer, spec.eos_token)
    files = shard_files(shards_dir, list(spec.languages) if spec.languages else None)
    out_dir.mkdir(parents=True, exist_ok=True)
    work = out_dir / "_work" / _work_key(info)
    jobs = _part_jobs(shards_dir, files, work, info, spec.batch_docs)

    start = time.perf_counter()
    parts = pmap(tokenize_shard, jobs)
    tokenize_s = time.perf_counter() - start
    languages = _per_language(files, jobs, parts)

    previous = _previous(out_dir)
    merges = [
        MergeJob(lang, tuple(j.prefix for j in jobs if j.lang == lang),
                 str(out_dir / prefix_name(lang)), info.dtype)
        for lang, figures in languages.items()
        if figures["tokens"] and not _merged(out_dir, lang, figures, previous, info)
    ]  # fmt: skip
    start = time.perf_counter()
    merged = dict(zip((m.lang for m in merges), pmap(merge_language, merges), strict=True))
    merge_s = time.perf_counter() - start
    for lang, figures in merged.items():
        if figures["tokens"] != languages[lang]["tokens"]:
            raise RuntimeError(f"{lang}: merged {figures['tokens']} tokens of {languages[lang]}")
    _remove_stale(out_dir, {lang for lang, f in languages.items() if f["tokens"]})

    tokens = {lang: f["tokens"] for lang, f in languages.items() if f["tokens"]}
    if not tokens:
        raise ValueError(f"{shards_dir}: the shards hold no text to export")
    prefixes = {lang: str((out_dir / prefix_name(lang)).resolve()) for lang in tokens}
    weights = blend(tokens, prefixes, spec.alpha, spec.weights)
    write_json_atomic(weights, out_dir / BLEND)
    chosen = {lang: w["weight"] for lang, w in weights["languages"].items()}
    write_text_atomic("\n".join(data_args(chosen, prefixes)) + "\n", out_dir / DATA_ARGS)

    new_tokens = sum(p["tokens"] for p in parts if not p["skipped"])
    record = {
        "format": FORMAT,
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "shards": str(shards_dir),
        "tokenizer": info.record(),
        "dtype": info.dtype,
        "work_key": work.name,
        "languages": languages,
        "empty_languages": sorted(lang for lang, f in languages.items() if not f["tokens"]),
        "documents": sum(f["documents"] for f in languages.values()),
        "empty_documents": sum(f["empty_documents"] for f in languages.values()),
        "tokens": sum(tokens.values()),
        "shards_tokenized": sum(not p["skipped"] for p in parts),
        "shards_skipped": sum(p["skipped"] for p in parts),
        "languages_merged": sorted(merged),
        "tokenize_s": round(tokenize_s, 3),
        "merge_s": round(merge_s, 3),
        "tokens_per_s": round(new_tokens / tokenize_s) if new_tokens and tokenize_s else None,
        "data_path": weights["data_path"],
        "split": weights["split"],
    }
    write_json_atomic(record, out_dir / EXPORT)
    return record


def _work_key(info: TokenizerInfo) -> str:
    blob = f"{info.sha256}:{info.eos_id}:{info.dtype}".encode()
    return hashlib.sha256(blob).hexdigest()[:16]


def _fingerprints(shards_dir: Path) -> dict[str, tuple[int, str]]:
    """(bytes, sha256) per shard from MANIFEST.json, when the shard stage wrote one."""
    if not (shards_dir / MANIFEST_NAME).is_file():
        return {}
    return {
        e["path"]: (e["bytes"], e["sha256"])
        for e in read_json(shards_dir / MANIFEST_NAME)["shards"]
    }


def _part_jobs(
    shards_dir: Path,
    files: dict[str, list[Path]],
    work: Path,
    info: TokenizerInfo,
    batch_docs: int,
) -> list[PartJob]:
    known = _fingerprints(shards_dir)
    jobs = []
    for lang, paths in files.items():
        for path in paths:
            name = path.relative_to(shards_dir).as_posix()
            size, sha = known.get(name, (-1, ""))
            fingerprint = sha if size == path.stat().st_size else file_sha256(path)
            prefix = work / lang / path.name.removesuffix(".parquet")
            jobs.append(PartJob(lang, str(path), name, fingerprint, str(prefix), info, batch_docs))
    return jobs


def _per_language(
    files: dict[str, list[Path]], jobs: list[PartJob], parts: list[dict[str, Any]]
) -> dict[str, dict[str, Any]]:
    languages: dict[str, dict[str, Any]] = {}
    for lang in files:
        mine = [p for j, p in zip(jobs, parts, strict=True) if j.lang == lang]
        languages[lang] = {
            "prefix": prefix_name(lang),
            "shards": len(mine),
            "documents": sum(p["documents"] for p in mine),
            "empty_documents": sum(p["empty_documents"] for p in mine),
            "tokens": sum(p["tokens"] for p in mine),
            "parts": [p["fingerprint"] for p in mine],
        }
    return languages


def _previous(out_dir: Path) -> dict[str, Any]:
    path = out_dir / EXPORT
    return read_json(path) if path.is_file() else {}


def _merged(
    out_dir: Path, lang: str, figures: dict[str, Any], previous: dict[str, Any], info: TokenizerInfo
) -> bool:
    """Whether the language's file already holds exactly these parts."""
    before = previous.get("languages", {}).get(lang, {})
    return (
        previous.get("tokenizer", {}).get("sha256") == info.sha256
        and previous.get("tokenizer", {}).get("eos_id") == info.eos_id
        and before.get("parts") == figures["parts"]
        and all((out_dir / f"{prefix_name(lang)}{kind}").is_file() for kind in FILE_KINDS)
    )


def _remove_stale(out_dir: Path, keep: set[str]) -> None:
    """Token files of languages no longer exported (their shards are gone or empty)."""
    for path in out_dir.glob(f"*{SUFFIX}.*"):
        lang = path.name.split(SUFFIX)[0]
        if lang not in keep:
            path.unlink()
