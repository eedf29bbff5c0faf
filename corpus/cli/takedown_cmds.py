"""`leam takedown apply RUN --url URL ...` and `leam takedown log RUN`: remove content named
by a takedown request from everything a run has published, and show what was removed."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from leam.corpus.cli import options
from leam.corpus.cli.errors import fail

out = Console()
app = typer.Typer(
    help="Takedown requests (copyright notices, GDPR erasure requests): remove the content "
    "from a run's shards and token files, and keep the record.",
    no_args_is_help=True,
)

REASONS = "copyright | personal_data | illegal_content | other"


@app.command()
def apply(
    run: options.Run,
    runs_dir: options.RunsDir = "runs",
    url: Annotated[str | None, typer.Option(help="A URL (scheme and host in any case).")] = None,
    host: Annotated[str | None, typer.Option(help="A host and all its subdomains.")] = None,
    pattern: Annotated[
        str | None, typer.Option(help="A shell-style glob over URLs: 'https://a.example/p/*'.")
    ] = None,
    doc_id: Annotated[str | None, typer.Option("--id", help="A document id.")] = None,
    reason: Annotated[str, typer.Option(help=f"Category: {REASONS}.")] = "other",
    reference: Annotated[
        str, typer.Option("--ref", help="The request's reference (notice number, ticket).")
    ] = "",
    export: Annotated[
        list[Path] | None,
        typer.Option(help="A Megatron export of the run's shards outside the run directory "
                     "(repeat the option for several); those inside it are found."),
    ] = None,
    manifest: Annotated[
        Path | None,
        typer.Option(
            help="A takedown manifest (takedown.yaml in the folder a pipeline's filter stage "
            "reads) to append the rule and the removed texts' sha256 to, so later runs drop "
            "them; created from the bundled one if absent."
        ),
    ] = None,
) -> None:
    """Remove the documents a request names from a run: its shards (MANIFEST.json rewritten),
    token files, lineage and blend of its Megatron exports, its stage parts and ledgers;
    recount its figures and write the datasheet and AI Act summary again. The request and
    what it matched are appended to the run's takedowns.jsonl, also when nothing matched.
    """
    from leam.corpus.publish.takedown import TakedownRequest, add_to_manifest, apply_takedown

    given = {"url": url, "host": host, "pattern": pattern, "id": doc_id}
    named = [(k, v) for k, v in given.items() if v is not None]
    if len(named) != 1:
        raise fail("give exactly one of --url, --host, --pattern, --id") from None
    try:
        request = TakedownRequest(named[0][0], named[0][1], reason, reference)  # type: ignore[arg-type]
    except ValueError as err:
        raise fail(err) from None
    run_dir = options.run_dir(run, runs_dir, everything=True)  # a run on a store: fetched
    before = run_dir.snapshot()
    try:
        entry = apply_takedown(run_dir, request, exports=export)
    except ValueError as err:
        raise fail(err) from None
    run_dir.upload_changed(before)  # rewritten files uploaded, purged ones removed there too
    files = len(entry["files"]) + sum(len(m["files"]) for m in entry["megatron"])
    out.print(
        f"{request.kind} {request.value}: {entry['documents']} document(s) removed, "
        f"{files} published file(s) rewritten, {len(entry['purged'])} run file(s) purged",
        highlight=False,
    )
    for m in entry["models"]:
        out.print(f"note: {m['kind']} {m['path']} was {m['note']}", highlight=False)
    if manifest is not None:
        add_to_manifest(manifest, entry)
        out.print(f"added to {manifest}", highlight=False)


@app.command()
def log(run: options.Run, runs_dir: options.RunsDir = "runs") -> None:
    """Print the run's takedowns.jsonl, one request per line (JSON)."""
    from leam.corpus.publish import takedown_log

    for entry in takedown_log.read(options.run_dir(run, runs_dir)):
        typer.echo(json.dumps(entry, ensure_ascii=False))
