"""`leam manifests list | show ID | validate [PATH] | diff OLD NEW`: the governance manifests."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from leam.corpus.cli import consoles
from leam.filters.diff import diff_sets
from leam.filters.manifest import ManifestError, bundled_dir, load_manifest, load_set

out = consoles.stdout()
app = typer.Typer(
    help="Governance manifests: one YAML file per filter (rationale, params per language).",
    no_args_is_help=True,
)

Folder = Annotated[
    Path | None,
    typer.Option("--dir", help="Manifest folder. Default: the manifests shipped with leam."),
]


@app.command("list")
def list_(folder: Folder = None) -> None:
    """List the manifests: id, version, category, action, languages with their own values."""
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
) -> None:
    """Check manifests: fields, filter ids, parameter names and types, language codes.

    Every problem is printed with its file and key; the exit status is 2 if there is one.
    """
    target = path or bundled_dir()
    if target.is_file():
        m = load_manifest(target)
        out.print(f"ok {m.source}: {m.id} v{m.version}")
        return
    manifests = load_set(target)
    out.print(f"ok {len(manifests)} manifests in {target}")


@app.command()
def diff(
    old: Annotated[Path, typer.Argument(help="Folder of the old manifest set.")],
    new: Annotated[Path, typer.Argument(help="Folder of the new manifest set.")],
) -> None:
    """What changed between two manifest sets: filters added or removed, versions, actions,
    and every threshold that changed, for which language, from what to what."""
    lines = diff_sets(load_set(old), load_set(new))
    for line in lines or ["no changes"]:
        typer.echo(line)  # one change per line, unwrapped: easy to grep and to paste
