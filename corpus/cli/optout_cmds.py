"""`leam optouts fetch | show | diff`: dated snapshots of hosts' opt-out policy files
(robots.txt, ai.txt, tdmrep.json), which the stage `optouts` uses instead of the network."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from leam.corpus.cli.errors import fail

out = Console()
app = typer.Typer(
    help="Opt-outs of hosts we did not crawl: fetch a dated snapshot of their policy files, "
    "show it, compare two.",
    no_args_is_help=True,
)


def _origins(inputs: list[Path]) -> list[str]:
    """Origins named by the inputs: Parquet documents (url column), WARC files (target
    URIs), or text files with one URL or origin a line."""
    from leam.pipelines.extract.warc import WARC_SUFFIXES, Record, iter_records
    from leam.pipelines.optouts.hosts import origin_of, origins_of_part

    found: set[str] = set()
    for path in inputs:
        if path.suffix == ".parquet":
            found.update(origins_of_part(str(path)))
        elif path.name.endswith(WARC_SUFFIXES):
            for rec in iter_records(str(path), 1):
                if isinstance(rec, Record) and (o := origin_of(rec.url)):
                    found.add(o)
        else:
            for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                line = line.strip()
                if not line or line.startswith("#"):
                    continue
                o = origin_of(line)
                if o is None:
                    raise fail(f"{path}: line {n}: not an http(s) URL: {line!r}")
                found.add(o)
    return sorted(found)


@app.command()
def fetch(
    inputs: Annotated[list[Path], typer.Argument(exists=True, dir_okay=False,
                                                  help="Parquet, WARC or URL-list files.")],
    output: Annotated[Path, typer.Option("--output", "-o", help="The snapshot to write.")],
    manifest: Annotated[Path | None, typer.Option(help="Opt-out manifest (AI tokens).")] = None,
    allow_private: Annotated[
        bool, typer.Option(help="Allow loopback and private addresses (local test sites).")
    ] = False,
    delay: Annotated[float, typer.Option(help="Seconds between requests to one host.")] = 1.0,
    cache: Annotated[bool, typer.Option(help="Use the policy cache shared by runs.")] = True,
) -> None:
    """Fetch robots.txt, ai.txt and tdmrep.json of every host the inputs name (once per host,
    with the crawler's rules) into a dated snapshot file."""
    from leam.pipelines.optouts import snapshot
    from leam.pipelines.optouts.agents import load_policy
    from leam.pipelines.optouts.live import LiveOptions, PolicyCache, fetch_policies

    try:
        policy = load_policy(manifest)
    except ValueError as err:
        raise fail(err) from None
    origins = _origins(inputs)
    options = LiveOptions(delay_s=delay, allow_private=allow_private)
    store = PolicyCache(ttl_s=policy.cache_ttl_s) if cache else None
    hosts, fetched = fetch_policies(origins, options, store)
    snapshot.write(snapshot.build(hosts, policy), output)
    out.print(f"{len(hosts)} host(s), {fetched} fetched, {len(hosts) - fetched} from the "
              f"cache: wrote {output}", highlight=False)  # fmt: skip


@app.command()
def show(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False)],
    as_json: Annotated[bool, typer.Option("--json", help="The hosts' summaries as JSON.")] = False,
) -> None:
    """What a snapshot says per host: each file's status and what it reserves at the root."""
    from leam.pipelines.optouts import snapshot

    data = snapshot.read(file)
    if as_json:
        summary = {o: {"fetched": h["fetched"], **h["summary"]} for o, h in data["hosts"].items()}
        typer.echo(json.dumps(summary, indent=2, ensure_ascii=False))
        return
    table = Table("host", "fetched", "robots.txt", "ai.txt", "tdmrep.json",
                  title=f"{file} ({data['created']}, manifest v{data['manifest']['version']})")
    for origin, host in data["hosts"].items():
        s = host["summary"]
        table.add_row(origin, host["fetched"], s.get("robots_txt", ""), s.get("ai_txt", ""),
                      s.get("tdmrep_json", ""))  # fmt: skip
    out.print(table)


@app.command()
def diff(
    old: Annotated[Path, typer.Argument(exists=True, dir_okay=False)],
    new: Annotated[Path, typer.Argument(exists=True, dir_okay=False)],
) -> None:
    """Hosts added or removed, and policy files that changed, between two snapshots."""
    from leam.pipelines.optouts import snapshot

    changes = snapshot.diff(snapshot.read(old), snapshot.read(new))
    if not changes:
        out.print("no change", highlight=False)
        return
    for c in changes:
        what = f"{c['host']} {c['file'] or ''}".strip()
        out.print(f"{c['change']}: {what}: {c['before']} -> {c['after']}", highlight=False)
