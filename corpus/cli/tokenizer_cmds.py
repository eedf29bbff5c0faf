"""`leam tokenizer train | eval`: a balanced multilingual tokenizer from a run's shards, and
its fairness across languages (fertility, continued words, bytes per token, premium)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from leam.corpus.cli import consoles, options, plain
from leam.corpus.cli.errors import fail
from leam.corpus.languages import language_name
from leam.corpus.rundir import read_json
from leam.tokenizer import hf_files
from leam.tokenizer.build import RECORD, EvalOptions, build_tokenizer, default_name
from leam.tokenizer.evaluate import evaluate
from leam.tokenizer.parallel import load_parallel
from leam.tokenizer.report import write_report
from leam.tokenizer.sample import SampleSpec, heldout_texts
from leam.tokenizer.shards import resolve_shards_dir, shard_files
from leam.tokenizer.train import TrainSpec

console = consoles.stderr()
out = consoles.stdout()

app = typer.Typer(
    help="Train a multilingual tokenizer on a run's shards; compare tokenizers across languages.",
    no_args_is_help=True,
)

Parallel = Annotated[
    Path | None,
    typer.Option(
        exists=True,
        dir_okay=False,
        help="Parallel text, JSONL {group, lang, text}, for the premium against English. "
        "Default: the bundled set (20 everyday sentences in the 24 EU languages).",
    ),
]
Compare = Annotated[
    list[str] | None,
    typer.Option(
        "--compare",
        help="Another tokenizer to evaluate side by side: a tokenizer.json or its folder, "
        "optionally named (gpt2=path/tokenizer.json). Repeatable.",
    ),
]


def _named(specs: list[str]) -> dict[str, Path]:
    """`name=path` or `path` (named after its folder, or file stem) → {name: path}."""
    named: dict[str, Path] = {}
    for spec in specs:
        name, sep, path = spec.partition("=")
        if not sep or "/" in name:
            name, path = "", spec
        p = Path(path)
        if not p.exists():
            raise FileNotFoundError(f"tokenizer not found: {path}")
        name = name or (p.name if p.is_dir() else p.parent.name or p.stem)
        while name in named:
            name += "'"
        named[name] = p
    return named


def _print_report(report: dict[str, Any]) -> None:
    names = list(report["tokenizers"])
    table = Table(title="tokens per word (held-out) · premium against English (parallel)")
    table.add_column("language")
    for name in names:
        table.add_column(f"fertility\n{name}", justify="right")
        table.add_column(f"premium\n{name}", justify="right")
    langs = sorted(
        {lang for s in ("heldout", "parallel") for r in report[s].values() for lang in r}
    )
    for lang in langs:
        cells = [f"{lang} {language_name(lang)}"]
        for name in names:
            held = report["heldout"].get(name, {}).get(lang, {})
            par = report["parallel"].get(name, {}).get(lang, {})
            cells.append(f"{held['fertility']:.2f}" if held else "-")
            cells.append(f"{par['premium']:.2f}" if par.get("premium") is not None else "-")
        table.add_row(*cells)
    out.print(table)
    for line in _why_no_fertility(report, langs):
        out.print(line, style="dim", highlight=False)
    for name, t in report["tokenizers"].items():
        if "worst_premium" in t:
            out.print(
                f"{name}: vocabulary {t['vocab_size']}, worst premium {t['worst_premium']:.3f} "
                f"({language_name(t['worst_premium_lang'])}), spread {t['premium_spread']:.3f}"
            )


def _why_no_fertility(report: dict[str, Any], langs: list[str]) -> list[str]:
    """Why a fertility cell reads "-": fertility is measured on held-out shard documents
    only, and a language can have none (no --shards, or too few documents to hold any out)."""
    if not any(report["heldout"].values()):
        return ["fertility -: measured on held-out documents of a run's shards; give --shards RUN"]
    without = [lang for lang in langs
               if not any(lang in r for r in report["heldout"].values())]  # fmt: skip
    if not without:
        return []
    return [
        f"fertility -: no held-out document for {', '.join(without)} (about 1 % of a "
        f"language's documents are held out from training; a language with few documents "
        f"may have none); premium is measured on the bundled parallel text"
    ]


def train(
    source: Annotated[
        str,
        typer.Argument(
            help="A run directory or its shards/, or a run's fsspec URL (s3://bucket/runs/<id>: "
            "its shards are fetched, the tokenizer and shards/tokens.json uploaded into it).",
        ),
    ],
    output: Annotated[
        Path | None, typer.Option("--out", "-o", help="Output folder. Default: <run>/tokenizer.")
    ] = None,
    vocab_size: Annotated[
        int, typer.Option(min=512, help="Vocabulary size.")
    ] = TrainSpec.vocab_size,
    model: Annotated[str, typer.Option(help="bpe (byte-level) or unigram.")] = TrainSpec.model,
    alpha: Annotated[
        float,
        typer.Option(min=0.0, max=1.0, help="Temperature: q ∝ p^alpha (1 raw, 0 uniform)."),
    ] = SampleSpec.alpha,
    weight: Annotated[
        list[str] | None,
        typer.Option("--weight", help="Explicit share LANG=W instead of alpha. Repeatable."),
    ] = None,
    max_chars: Annotated[
        int | None, typer.Option(min=1, help="Characters in the sample. Default: the corpus size.")
    ] = None,
    max_doc_chars: Annotated[
        int, typer.Option(min=1, help="Characters kept per document.")
    ] = SampleSpec.max_doc_chars,
    heldout: Annotated[
        float, typer.Option(min=0.0, max=0.99, help="Fraction of documents kept for evaluation.")
    ] = SampleSpec.heldout,
    max_repeat: Annotated[
        int, typer.Option(min=1, help="Passes over a small language's documents at most.")
    ] = SampleSpec.max_repeat,
    seed: Annotated[int, typer.Option(min=0, help="Sampling seed.")] = SampleSpec.seed,
    lang: Annotated[
        list[str] | None, typer.Option("--lang", help="Train on these languages only.")
    ] = None,
    normalization: Annotated[str, typer.Option(help="nfc or nfkc.")] = TrainSpec.normalization,
    split_digits: Annotated[
        bool, typer.Option(help="One token per digit.")
    ] = TrainSpec.split_digits,
    special_token: Annotated[
        list[str] | None,
        typer.Option("--special-token", help="Extra special token (ids 3, 4, ...). Repeatable."),
    ] = None,
    max_token_length: Annotated[
        int, typer.Option(min=2, help="Longest token, in bytes.")
    ] = TrainSpec.max_token_length,
    parallel: Parallel = None,
    compare: Compare = None,
    count_tokens: Annotated[
        bool, typer.Option(help="Count tokens per language over every shard (tokens.json).")
    ] = True,
) -> None:
    """Train a tokenizer on a balanced sample of a run's shards, then evaluate it.

    Writes <out>/tokenizer.json, tokenizer_config.json and special_tokens_map.json (loadable
    by tokenizers and transformers as they are), training.json (composition per language,
    parameters, time, peak memory), eval/ (report.md, report.json, premium.svg,
    fertility.svg), and shards/tokens.json (tokens per language, for the datasheet).
    """
    remote = options.fetched_run(source)
    if remote is None and not Path(source).is_dir():
        raise typer.BadParameter(f"{source}: no such folder", param_hint="SOURCE")
    shards_dir = resolve_shards_dir(remote.root if remote else Path(source))
    output = output or shards_dir.parent / "tokenizer"
    before = remote.snapshot() if remote else {}
    try:
        sample = SampleSpec(
            alpha=alpha,
            weights=options.lang_weights(weight or []),
            max_chars=max_chars,
            max_doc_chars=max_doc_chars,
            heldout=heldout,
            max_repeat=max_repeat,
            seed=seed,
            languages=tuple(lang) if lang else None,
        )
        spec = TrainSpec(
            model=model,  # type: ignore[arg-type]
            vocab_size=vocab_size,
            normalization=normalization,  # type: ignore[arg-type]
            split_digits=split_digits,
            special_tokens=tuple(special_token or ()),
            max_token_length=max_token_length,
        )
        eval_options = EvalOptions(parallel, _named(compare or []), count_tokens=count_tokens)
        console.print(f"training {default_name(spec)} on {shards_dir} → {output}")
        record = build_tokenizer(shards_dir, output, sample, spec, eval_options)
    except ValueError as err:
        raise fail(err) from None
    if remote is not None:  # the tokenizer (when in the run) and shards/tokens.json
        remote.upload_changed(before)
    _print_report(read_json(output / "eval" / "report.json"))
    out.print(
        f"sample {record['sample']['bytes'] / 1e6:.1f} MB in {record['time_s']['train']:.1f} s "
        f"({record['throughput_mb_s']} MB/s), peak memory "
        f"{record['peak_rss_bytes'] / 2**20:.0f} MiB; report: {output / 'eval' / 'report.md'}"
    )
    if "note" in record:
        console.print(f"[yellow]note:[/] {record['note']}")


def eval_cmd(
    tokenizers: Annotated[
        list[str],
        typer.Argument(help="tokenizer.json files or folders, optionally NAME=PATH."),
    ],
    shards: Annotated[
        Path | None,
        typer.Option(
            exists=True,
            file_okay=False,
            help="A run directory or its shards/: evaluate on its held-out documents.",
        ),
    ] = None,
    parallel: Parallel = None,
    output: Annotated[Path, typer.Option("--out", "-o", help="Report folder.")] = Path(
        "tokenizer-eval"
    ),
    heldout_chars: Annotated[
        int, typer.Option(min=1, help="Held-out characters per language.")
    ] = 200_000,
    as_json: options.Json = False,
) -> None:
    """Compare tokenizers per language: fertility, continued words, bytes per token, and the
    premium against English on parallel text; writes report.md, report.json and two SVGs.

    The held-out split is the one the first tokenizer was trained with (its training.json),
    so its evaluation text was never in its sample.
    """
    try:
        named = _named(tokenizers)
        loaded = {name: hf_files.load(path) for name, path in named.items()}
        held = None
        if shards is not None:
            first = next(iter(named.values()))
            record = (first if first.is_dir() else first.parent) / RECORD
            sample = SampleSpec()
            if record.is_file():
                p = read_json(record)["params"]["sample"]
                sample = SampleSpec(
                    heldout=p["heldout"], seed=p["seed"], max_doc_chars=p["max_doc_chars"]
                )
            held = heldout_texts(shard_files(resolve_shards_dir(shards)), sample, heldout_chars)
        report = evaluate(loaded, heldout=held, parallel=load_parallel(parallel))
    except ValueError as err:
        raise fail(err) from None
    write_report(report, output)
    if as_json:
        plain.write_json(report)
        return
    _print_report(report)
    out.print(f"report: {output / 'report.md'}")


app.command("train")(train)
app.command("eval")(eval_cmd)
