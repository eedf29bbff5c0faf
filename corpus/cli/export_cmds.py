"""`leam export megatron` (a run's shards as Megatron-LM token files) and `leam lineage`
(where a document went: token files, shards, rejected ledger)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from leam.corpus.cli import consoles, options, plain, plans
from leam.corpus.cli.errors import fail
from leam.corpus.languages import language_name
from leam.corpus.rundir import read_json
from leam.corpus.runner import parallel_map
from leam.corpus.runtime import Runtime, RuntimeOptions
from leam.pipelines.lineage import find
from leam.pipelines.megatron.blend import DEFAULT_ALPHA
from leam.pipelines.megatron.export import BLEND, DATA_ARGS, ExportSpec, export_megatron
from leam.tokenizer.shards import resolve_shards_dir, shard_files

console = consoles.stderr()
out = consoles.stdout()

app = typer.Typer(
    help="Export a run's shards in the formats trainers load as they are.",
    no_args_is_help=True,
)


def _bars(progress: Progress) -> Callable[[int], Callable[[], None]]:
    """A bar per pass of the export (tokenize, then merge)."""
    names = iter(("tokenize", "merge"))

    def start_pass(total: int) -> Callable[[], None]:
        bar = progress.add_task(next(names, "work"), total=total)
        return lambda: progress.advance(bar)

    return start_pass


@app.command()
def megatron(
    source: Annotated[
        str,
        typer.Argument(
            help="A run directory (runs/<id>) or its shards folder, or a run's fsspec URL "
            "(s3://bucket/runs/<id>: its shards and tokenizer are fetched, the files "
            "written are uploaded into it).",
        ),
    ],
    tokenizer: Annotated[
        Path | None,
        typer.Option(
            "--tokenizer",
            "-t",
            exists=True,
            help="tokenizer.json or its folder. Default: the run's tokenizer/ folder.",
        ),
    ] = None,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Default: <run>/megatron.")
    ] = None,
    alpha: Annotated[
        float, typer.Option(min=0.0, max=1.0, help="Blend: weight ∝ (token share)^alpha.")
    ] = DEFAULT_ALPHA,
    weight: Annotated[
        list[str] | None,
        typer.Option(
            "--weight",
            help="Explicit blend weight, LANG=W (repeatable); "
            "languages not named are left out of the blend.",
        ),
    ] = None,
    language: Annotated[
        list[str] | None, typer.Option("--language", "-l", help="Only these (repeatable).")
    ] = None,
    eos_token: Annotated[
        str | None,
        typer.Option(help="Token appended to every document. Default: tokenizer_config.json's."),
    ] = None,
    workers: options.Workers = 2,
    ray_address: options.RayAddress = None,
    quiet: options.Quiet = False,
    dry_run: options.DryRun = False,
) -> None:
    """Tokenize the shards into Megatron-LM files per language, with blend and lineage.

    Writes <out>/<lang>_text_document.bin/.idx (Megatron-LM's MMIDIDX indexed dataset, EOS
    after every document, uint16 below 65,500 tokens of vocabulary, else int32),
    <lang>_text_document.lineage.parquet (document index → id, URL, shard, WARC record),
    blend.json and data-args.txt (weights for --data-path / --data-args-path, a --split),
    export.json. Run it again to resume; unchanged shards are not tokenized again.
    """
    # Absolute paths: the workers (on a cluster, or a runtime started elsewhere) do not
    # share this process's working directory.
    remote = options.fetched_run(source, *(["tokenizer"] if tokenizer is None else []),
                                 *(["megatron"] if output is None else []))  # fmt: skip
    if remote is None and not Path(source).is_dir():
        raise typer.BadParameter(f"{source}: no such folder", param_hint="SOURCE")
    shards_dir = resolve_shards_dir(remote.root if remote else Path(source).resolve())
    run_root = shards_dir.parent
    tokenizer = (tokenizer or run_root / "tokenizer").resolve()
    out_dir = (output or run_root / "megatron").resolve()
    if dry_run:
        files = shard_files(shards_dir, list(language) if language else None)
        rows: list[tuple[str, Path | str]] = [("shards", shards_dir)]
        rows += [(f"  {lang}", f"{len(f)} shard file(s)") for lang, f in files.items()]
        rows += [("tokenizer", tokenizer), ("output", out_dir)]
        rows += [(f"  {lang}", out_dir / f"{lang}_text_document.bin/.idx") for lang in files]
        plans.print_paths_plan("export megatron (dry run: nothing is written)", rows)
        return
    spec = ExportSpec(tokenizer, eos_token, alpha, options.lang_weights(weight or []),
                      tuple(language) if language else None)  # fmt: skip
    runtime = Runtime(RuntimeOptions(address=ray_address, workers=workers))
    bars = Progress(TextColumn("[bold]{task.description:<10}"), BarColumn(),
                    MofNCompleteColumn(), TimeElapsedColumn(), console=console,
                    disable=quiet)  # fmt: skip
    try:
        with bars:
            record = export_megatron(
                shards_dir, out_dir, spec, parallel_map(runtime, "export", _bars(bars))
            )
    except ValueError as err:
        raise fail(err) from None
    finally:
        runtime.shutdown()
    if remote is not None and output is None:
        remote.upload(out_dir)
        console.print(f"uploaded to {remote.locate(out_dir)}", highlight=False)
    out.print(_table(record, read_json(out_dir / BLEND)))
    out.print(f"\n{record['tokens_per_s'] or 0:,} tokens/s; files in {out_dir}")
    out.print("Megatron-LM:", style="bold")
    out.print(f"  --data-args-path {out_dir.resolve() / DATA_ARGS} --split {record['split']}",
              soft_wrap=True, highlight=False)  # fmt: skip
    out.print(f"  or --data-path {record['data_path']}", soft_wrap=True, highlight=False)


def _table(record: dict[str, Any], blend: dict[str, Any]) -> Table:
    table = Table(
        title=f"Megatron export ({record['dtype']}, EOS {record['tokenizer']['eos_token']})"
    )
    for col in ("lang", "language", "documents", "empty", "tokens", "token share", "weight",
                "upsampling"):  # fmt: skip
        table.add_column(col, justify="left" if "lang" in col else "right")
    for lang, f in record["languages"].items():
        b = blend["languages"].get(lang, {})
        table.add_row(
            lang,
            language_name(lang),
            f"{f['documents']:,}",
            f"{f['empty_documents']:,}",
            f"{f['tokens']:,}",
            f"{b['token_share']:.1%}" if b else "-",
            f"{b['weight']:.3f}" if b else "left out",
            f"{b['upsampling']:.2f}×" if b else "-",
        )
    return table


def lineage(
    query: Annotated[str, typer.Argument(help="A document's URL or id.", show_default=False)],
    roots: Annotated[
        list[Path] | None,
        typer.Argument(
            help="Run directories, export folders or a runs folder to search. Default: runs/.",
            show_default=False,
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per place.")] = False,
) -> None:
    """Where a document went: the token files (document index, tokens, byte offset), the
    shards (file and row) and the rejected ledger (stage and reason) that hold it.

    For a takedown request: every Megatron file listed holds the document's tokens; rebuild
    those files after removing it from the shards. Exits 1 when nothing holds it.
    """
    places = roots or [Path("runs")]
    missing = [p for p in places if not p.exists()]
    if missing:
        raise FileNotFoundError(f"not found: {', '.join(map(str, missing))}")
    hits = find(query, places)
    if not hits:
        where = ", ".join(map(str, places))
        console.print(f"{query}: in no token file, shard or ledger under {where}")
        raise typer.Exit(1)
    for hit in hits:
        if as_json:
            plain.write_json(hit, indent=None)
        else:
            line = f"{hit['kind']:<8} {hit['file']}  {_where(hit)}  id {hit['id']}  {_warc(hit)}"
            out.print(line.rstrip(), soft_wrap=True, highlight=False)


def _where(hit: dict[str, Any]) -> str:
    if hit["kind"] == "tokens":
        offset = f", byte {hit['byte_offset']:,}" if "byte_offset" in hit else ""
        return (f"document {hit['index']:,} ({hit['tokens']:,} tokens{offset}); "
                f"from {hit['shard']} row {hit['row']:,}")  # fmt: skip
    if hit["kind"] == "shard":
        return f"row {hit['row']:,}"
    why = hit["filter_id"] or hit["detail"] or ""
    return f"removed by {hit['stage']}: {hit['reason']}" + (f" ({why})" if why else "")


def _warc(hit: dict[str, Any]) -> str:
    source = hit.get("source") or {}
    if not source.get("warc_file"):
        return ""
    record = source.get("record_id") or ""
    return f"WARC {source['warc_file']} @ {source['offset']} {record}".strip()
