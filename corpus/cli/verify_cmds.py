"""`leam verify SHARDS`: check published shards against their MANIFEST.json."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from leam.corpus.cli import consoles, options, plain
from leam.corpus.publish.verify import verify_shards
from leam.corpus.rundir import RunDir
from leam.corpus.storage import is_remote
from leam.pipelines.shard.manifest import NAME

out = consoles.stdout()


def verify(
    shards: Annotated[
        str,
        typer.Argument(
            help="A shards folder (holding MANIFEST.json), or a run directory that has one; "
            "a folder or an fsspec URL (s3://bucket/runs/<id>).",
        ),
    ],
    as_json: options.Json = False,
) -> None:
    """Check shards against their MANIFEST.json: size, sha256, schema, rows, language.

    Recomputes every listed shard's size and sha256, then reads its schema, row count and
    languages; shard files the manifest does not list are reported too. Prints one line per
    problem (missing, size, sha256, unreadable, schema, rows, language, unlisted, and
    taken_down: a document a takedown removed, found in a shard or a token file's lineage)
    and exits with status 1 if there is any, 0 when everything matches.
    """
    folder, shown = _local_shards(shards)
    result = verify_shards(folder)
    if as_json:
        plain.write_json({"ok": result.ok, "folder": shown, "run_id": result.run_id,
                          "shards": result.shards, "rows": result.rows, "bytes": result.bytes,
                          "problems": [vars(p) for p in result.problems]})  # fmt: skip
        if not result.ok:
            raise typer.Exit(1)
        return
    if result.ok:
        out.print(
            f"ok: {result.shards} shards of run {result.run_id}, {result.rows:,} rows, "
            f"{result.bytes:,} bytes match {shown}/{NAME}"
            + (f"; {result.takedowns} takedown(s), none of the {result.taken_down:,} "
               "documents removed is published" if result.takedowns else ""),
            highlight=False,
        )
        return
    table = Table(
        "shard", "problem", "detail", title=f"{len(result.problems)} problem(s) in {shown}"
    )
    for p in result.problems:
        table.add_row(p.path, p.kind, p.detail)
    out.print(table)
    raise typer.Exit(1)


def _local_shards(location: str) -> tuple[Path, str]:
    """The shards folder to check, and its name to show: as given, or fetched whole from
    object storage (the sha256 of every byte is checked, so every byte is read anyway),
    with the run's small files (its takedown log)."""
    if is_remote(location):
        found = RunDir.at(location.rstrip("/"))
        if found.store is not None and found.store.exists(found.root / NAME):  # a shards URL
            found.pull(found.root)
            return found.root, found.location
        found.pull()
        found.pull(found.shards)
        return found.shards, found.locate(found.shards)
    path = Path(location)
    if not path.is_dir():
        raise typer.BadParameter(f"{location}: no such folder", param_hint="SHARDS")
    folder = path / "shards" if not (path / NAME).exists() else path
    return folder, str(folder)
