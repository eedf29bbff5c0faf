"""`leam manifests list | show ID | validate [PATH] | diff OLD NEW`: the governance manifests."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from leam.corpus.cli import consoles, options, plain
from leam.filters.diff import diff_sets
from leam.filters.manifest import (
    ManifestError,
    bundled_dir,
    load_manifest,
    load_set,
    manifest_paths,
)

out = consoles.stdout()
errs = consoles.stderr()
app = typer.Typer(
    help="Governance manifests: one YAML file per filter (rationale, params per language).",
    no_args_is_help=True,
)

Folder = Annotated[
    Path | None,
    typer.Option("--dir", help="Manifest folder. Default: the manifests shipped with leam."),
]


@app.command("list")
def list_(folder: Folder = None, as_json: options.Json = False) -> None:
    """List the manifests: id, version, category, action, languages with their own values."""
    if as_json:
        plain.write_json([{"id": m.id, "version": m.version, "category": m.category,
                           "action": m.action, "languages": list(m.languages),
                           "sha256": m.sha256, "file": m.source}
                          for m in load_set(folder).values()])  # fmt: skip
        return
    table = Table("id", "version", "category", "action", "own values for", "sha256")
    for m in load_set(folder).values():
        langs = ", ".join(m.languages) or "-"
        table.add_row(m.id, str(m.version), m.category, m.action, langs, m.sha256[:12])
    out.print(table)


@app.command()
def show(
    manifest_id: Annotated[str, typer.Argument(metavar="ID", help="A manifest id.")],
    folder: Folder = None,
) -> None:
    """Print one manifest as it is written, with its sha256."""
    manifests = load_set(folder)
    if manifest_id not in manifests:
        raise ManifestError(f"no manifest {manifest_id!r}; known: {', '.join(sorted(manifests))}")
    m = manifests[manifest_id]
    typer.echo(f"# {m.source}  sha256 {m.sha256}")
    typer.echo(m.text.rstrip("\n"))  # as written: no wrapping, no markup


@app.command()
def validate(
    path: Annotated[
        Path | None, typer.Argument(help="A manifest file or folder. Default: the shipped set.")
    ] = None,
    as_json: options.Json = False,
) -> None:
    """Check manifests: fields, filter ids, parameter names and types, language codes.

    Every problem of every file is printed with its file, key and the value given; the exit
    status is 2 if there is one.
    """
    target = path or bundled_dir()
    paths = [target] if target.is_file() else manifest_paths(target)
    results = []
    for file in paths:
        try:
            m = load_manifest(file)
            results.append({"file": str(file), "id": m.id, "version": m.version, "problems": []})
        except ManifestError as err:
            results.append({"file": str(file), "problems": str(err).splitlines()})
    problems = [p for r in results for p in r["problems"]]
    if as_json:
        plain.write_json({"ok": not problems, "files": results})
    else:
        for r in results:
            if not r["problems"]:
                out.print(f"ok {r['file']}: {r['id']} v{r['version']}", highlight=False)
        if not problems:
            out.print(f"ok {len(results)} manifest(s) in {target}", highlight=False)
        else:
            errs.print(f"{len(problems)} problem(s) in {target}:", highlight=False)
            for line in problems:
                errs.print(f"  {line}", highlight=False, markup=False)
    if problems:
        raise typer.Exit(2)


@app.command()
def diff(
    old: Annotated[Path, typer.Argument(help="Folder of the old manifest set.")],
    new: Annotated[Path, typer.Argument(help="Folder of the new manifest set.")],
) -> None:
    """What changed between two manifest sets: filters added or removed, versions, actions,
    and every threshold that changed, for which language, from what to what."""
    before, after = load_set(old), load_set(new)
    typer.echo(f"--- old: {old} ({len(before)} manifests)")
    typer.echo(f"+++ new: {new} ({len(after)} manifests)")
    for line in diff_sets(before, after) or ["no changes"]:
        typer.echo(line)  # one change per line, unwrapped: easy to grep and to paste
