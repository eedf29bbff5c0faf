"""What a takedown changes besides the shards: files derived from them, files the stages
left in the run directory, and models that cannot unlearn (corpus.publish.takedown).

    recount_tokens     shards/tokens.json, recounted for the affected languages
    rebuild_exports    every Megatron export of the run's shards: token files, lineage and
                       blend.json rebuilt through the export's own resume (only parts whose
                       shard changed are tokenized again, only their languages merged)
    purge_run_files    stage parts and rejected ledgers of the run: rows of the removed
                       documents dropped (they hold the text)
    trained_models     the tokenizer and checkpoints trained before the takedown: recorded
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from leam.corpus.rundir import RunDir, file_sha256, read_json, write_row_groups_atomic
from leam.filters.takedown import TakedownMatcher
from leam.pipelines.megatron.blend import DEFAULT_ALPHA
from leam.pipelines.megatron.export import FILE_KINDS, ExportSpec, export_megatron
from leam.trainer.data import BLEND, EXPORT

TRAINER_CACHE = "_cache"  # the trainer's index cache in an export folder (trainer.data)
WORK = "_work"
MODEL_NOTE = (
    "trained before this takedown on a sample that may have held the removed documents; a "
    "trained model cannot unlearn them: it is kept, and recorded here and in the datasheet"
)


def _serial_map(fn: Callable[[Any], Any], items: list[Any]) -> list[Any]:
    """The export's pmap, in this process: a takedown touches a few shards."""
    return [fn(item) for item in items]


def recount_tokens(shards_dir: Path, languages: list[str]) -> None:
    """shards/tokens.json with the affected languages counted again by the same tokenizer
    (left alone when absent, or when its tokenizer is gone: stats then show no tokens)."""
    from tokenizers import Tokenizer  # the Rust library: only when there is something to count

    from leam.corpus.rundir import write_json_atomic
    from leam.tokenizer.counts import NAME, count_language
    from leam.tokenizer.shards import shard_files

    path = shards_dir / NAME
    if not path.is_file():
        return
    counts = read_json(path)
    tokenizer = (shards_dir / counts["tokenizer"]).resolve()
    if not tokenizer.is_file() or file_sha256(tokenizer) != counts["tokenizer_sha256"]:
        return
    tok = Tokenizer.from_file(str(tokenizer))
    files = shard_files(shards_dir, languages)
    for lang in languages:
        if lang in counts["languages"]:
            counts["languages"][lang] = count_language(tok, files.get(lang, []))
    keys = ("docs", "bytes", "tokens")
    counts["total"] = {k: sum(v[k] for v in counts["languages"].values()) for k in keys}
    write_json_atomic(counts, path)


def _exports_these(folder: Path, shards: Path) -> bool:
    """Whether export.json names these shards: the same folder, or one with the same run
    name and folder name (a run directory moved or copied since its export)."""
    named = Path(read_json(folder / EXPORT)["shards"])
    return named.resolve() == shards.resolve() or named.parts[-2:] == shards.parts[-2:]


def export_dirs(run_dir: RunDir, extra: list[Path] | None = None) -> list[Path]:
    """Export folders of the run's shards: any folder of the run whose export.json names
    them, and those given (an export written elsewhere with `leam export megatron`); a given
    folder that is no export of these shards is an error."""
    found = [p.parent for p in sorted(run_dir.root.glob(f"*/{EXPORT}"))
             if _exports_these(p.parent, run_dir.shards)]  # fmt: skip
    for folder in extra or []:
        if not (folder / EXPORT).is_file() or not _exports_these(folder, run_dir.shards):
            raise ValueError(f"{folder}: not a Megatron export of {run_dir.shards}")
        if folder.resolve() not in {f.resolve() for f in found}:
            found.append(folder)
    return found


def _token_files(out_dir: Path) -> dict[str, str]:
    return {
        p.name: file_sha256(p)
        for p in sorted(out_dir.iterdir())
        if p.is_file() and any(p.name.endswith(k) for k in FILE_KINDS)
    }


def rebuild_exports(
    run_dir: RunDir, languages: list[str], extra: list[Path] | None = None
) -> list[dict[str, Any]]:
    """Each export again, with the tokenizer, EOS, languages and blend it was made with."""
    out = []
    for out_dir in export_dirs(run_dir, extra):
        record = read_json(out_dir / EXPORT)
        weights = read_json(out_dir / BLEND)
        explicit = weights.get("method") == "explicit"
        spec = ExportSpec(
            tokenizer=Path(record["tokenizer"]["path"]),
            eos_token=record["tokenizer"]["eos_token"],
            alpha=weights.get("alpha") or DEFAULT_ALPHA,
            weights={k: v["weight"] for k, v in weights["languages"].items()} if explicit else None,
            languages=tuple(record["languages"]),
        )
        before = _token_files(out_dir)
        export_megatron(run_dir.shards, out_dir, spec, _serial_map)
        # Indices the trainer built over the old files, and parts of other tokenizers.
        shutil.rmtree(out_dir / TRAINER_CACHE, ignore_errors=True)
        current = read_json(out_dir / EXPORT)["work_key"]
        for work in (out_dir / WORK).glob("*"):
            if work.name != current:
                shutil.rmtree(work, ignore_errors=True)
        after = _token_files(out_dir)
        changed = sorted(n for n in after if before.get(n) != after[n])
        out.append({
            "export": _relative(out_dir, run_dir),
            "languages": [lang for lang in languages if lang in record["languages"]],
            "files": [{"path": n, "sha256_before": before.get(n), "sha256_after": after[n]}
                      for n in changed],
        })  # fmt: skip
    return out


def _relative(path: Path, run_dir: RunDir) -> str:
    try:
        return path.resolve().relative_to(run_dir.root.resolve()).as_posix()
    except ValueError:
        return str(path)


def _candidates(run_dir: RunDir) -> list[Path]:
    """Stage parts and ledgers: Parquet files of the run outside the shards and exports."""
    root = run_dir.root
    skip = {run_dir.shards.resolve(), *(d.resolve() for d in export_dirs(run_dir))}
    paths = []
    for path in sorted(root.rglob("*.parquet")):
        if WORK in path.parts or any(parent.resolve() in skip for parent in path.parents):
            continue
        if path.name.startswith("part-") or path.parent.parent.name == "rejected":
            paths.append(path)
    return paths


def purge_run_files(
    run_dir: RunDir, ids: set[str], matcher: TakedownMatcher
) -> list[dict[str, Any]]:
    """Drops the removed documents' rows from every stage part and ledger part of the run
    (rows named by id, or by the request's URL rule: a page rejected before it had a shard
    row); returns the files changed and the rows each lost."""
    purged = []
    for path in _candidates(run_dir):
        names = pq.ParquetFile(path).schema_arrow.names
        if "id" not in names or "url" not in names:
            continue
        keys = pq.read_table(path, columns=["id", "url"])
        pairs = zip(keys.column("id").to_pylist(), keys.column("url").to_pylist(), strict=True)
        mask = [(i in ids) or (matcher.match(None, u) is not None) for i, u in pairs]
        if not any(mask):
            continue
        table = pq.read_table(path)
        kept = table.filter(pa.array([not m for m in mask]))
        write_row_groups_atomic([kept], table.schema, path, compression="zstd")
        purged.append({"path": _relative(path, run_dir), "rows": sum(mask)})
    return purged


def trained_models(run_dir: RunDir) -> list[dict[str, Any]]:
    """The run's tokenizer and training checkpoints, as they are: they stay, on record."""
    models = []
    tokenizer = run_dir.root / "tokenizer" / "tokenizer.json"
    if tokenizer.is_file():
        models.append({"kind": "tokenizer", "path": _relative(tokenizer, run_dir),
                       "sha256": file_sha256(tokenizer), "note": MODEL_NOTE})  # fmt: skip
    for latest in sorted(run_dir.root.glob("*/latest_checkpointed_iteration.txt")):
        models.append({"kind": "checkpoints", "path": _relative(latest.parent, run_dir),
                       "sha256": None, "note": MODEL_NOTE})  # fmt: skip
    return models
