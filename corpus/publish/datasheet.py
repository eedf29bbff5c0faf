"""shards/README.md: the dataset card, in the form the Hugging Face Hub reads.

YAML front matter (pretty_name, license, language, size_categories, and one config per
language whose data files are `<lang>/*.parquet`, so that `load_dataset(folder, "de")`
works on the folder as it is and on the Hub), then the card: what the corpus holds per
language, where it came from, what each stage removed, the filters in force, the schema,
and the known limitations. Generated from stats.json's figures; nothing is typed by hand.
"""

from __future__ import annotations

from typing import Any

import yaml

from leam.corpus.languages import EU24, language_name
from leam.corpus.markdown import size, table
from leam.corpus.schema import SHARD_SCHEMA
from leam.corpus.stage import NO_LANG

FEW_DOCS = 1000  # languages with fewer documents get a caveat
SIZE_CATEGORIES = ((1e3, "n<1K"), (1e4, "1K<n<10K"), (1e5, "10K<n<100K"), (1e6, "100K<n<1M"),
                   (1e7, "1M<n<10M"), (1e8, "10M<n<100M"), (1e9, "100M<n<1B"),
                   (1e10, "1B<n<10B"), (1e11, "10B<n<100B"), (1e12, "100B<n<1T"))  # fmt: skip


def size_category(docs: int) -> str:
    return next((label for bound, label in SIZE_CATEGORIES if docs < bound), "n>1T")


def front_matter(stats: dict[str, Any], license_id: str, pretty_name: str) -> dict[str, Any]:
    langs = list(stats["languages"])
    return {
        "pretty_name": pretty_name,
        "license": license_id,
        "language": [lang for lang in langs if lang != NO_LANG],
        "multilinguality": "multilingual" if len(langs) > 1 else "monolingual",
        "size_categories": [size_category(stats["total"]["docs"])],
        "source_datasets": ["original"],
        "task_categories": ["text-generation"],
        "configs": [
            {"config_name": lang, "data_files": [{"split": "train", "path": f"{lang}/*.parquet"}]}
            for lang in langs
        ],
    }


def _languages(stats: dict[str, Any]) -> str:
    columns = ["code", "language", "documents", "words", "characters", "text", "tokens",
               "shards", "files", "domains", "fetched"]  # fmt: skip
    rows = []
    for code, f in stats["languages"].items():
        dates = f["crawl_dates"]
        fetched = f"{(dates['first'] or '')[:10]} – {(dates['last'] or '')[:10]}"
        rows.append([
            code, language_name(code), f["docs"], f["words"], f["chars"], size(f["bytes"]),
            f["tokens"], f["shards"], size(f["file_bytes"]), f["domains"], fetched,
        ])  # fmt: skip
    t = stats["total"]
    rows.append(["**all**", "", t["docs"], t["words"], t["chars"], size(t["bytes"]), t["tokens"],
                 t["shards"], size(t["file_bytes"]), t["domains"], ""])  # fmt: skip
    return table(columns, rows)


def _tokenizer(stats: dict[str, Any]) -> list[str]:
    t = stats.get("tokenizer")
    if not t:
        return []
    sha = (t.get("tokenizer_sha256") or "")[:12]
    return [f"Tokens counted with `{t.get('tokenizer')}` (sha256 `{sha}`), no special tokens.", ""]


def _stages(stats: dict[str, Any]) -> str:
    rows = []
    for s in stats["stages"]:
        reasons = sorted(s["by_reason"].items(), key=lambda kv: -kv[1])[:4]
        top = ", ".join(f"{r} {n:,}" for r, n in reasons)
        rows.append([s["stage"], s["in"], s["out"], s["removed"], f"{s['removed_pct']:.1f}", top])
    return table(["stage", "in", "out", "removed", "removed %", "main reasons"], rows)


def _filters(stats: dict[str, Any]) -> str:
    if not stats["filters"]:
        return "No filter stage ran in this pipeline."
    rows = [
        [f["id"], f["version"], f["category"], f["action"], f["removed"],
         sum(f["redacted"].values()), f"`{f['sha256'][:12]}`"]
        for f in stats["filters"]
    ]  # fmt: skip
    columns = ["manifest", "version", "category", "action", "removed", "redacted", "sha256"]
    return "Filters run in this order; each is a governance manifest recorded in run.json.\n\n" + (
        table(columns, rows)
    )


def _dedup(stats: dict[str, Any]) -> str:
    d = stats.get("dedup")
    if not d:
        return "No deduplication stage ran in this pipeline."
    kinds = ", ".join(f"{k} {n:,}" for k, n in d.get("removed_by_kind", {}).items())
    return (
        f"{d.get('documents', 0):,} documents compared, {d.get('clusters', 0):,} clusters of "
        f"duplicates, {d.get('removed', 0):,} documents removed ({kinds}). Kept documents carry "
        "`dup_cluster` and `dup_cluster_size`."
    )


def _takedowns(stats: dict[str, Any]) -> list[str]:
    """The takedown section: requests honoured, and the models that could not unlearn."""
    t = stats.get("takedowns")
    if not t:
        return []
    reasons = ", ".join(
        f"{reason} {r['requests']:,} ({r['documents']:,} documents)"
        for reason, r in t["by_reason"].items()
    )
    out = [
        "## Takedowns",
        "",
        f"{t['requests']:,} takedown request(s) from {t['first'][:10]} to {t['last'][:10]} "
        f"removed {t['documents']:,} documents from the shards and every token file made from "
        f"them ({reasons}); the figures above are after removal. Each request, what it "
        "matched and the files it changed are in the run's `takedowns.jsonl`.",
        "",
    ]
    for m in t["models_trained_before"]:
        sha = f" (sha256 `{m['sha256'][:16]}…`)" if m.get("sha256") else ""
        out += [f"- The {m['kind']} `{m['path']}`{sha} was {m['note']}.", ""]
    return out


def _limitations(stats: dict[str, Any]) -> list[str]:
    items = [
        "Main text is extracted from HTML by trafilatura; unusual layouts can keep some "
        "boilerplate or lose part of the content.",
        "Language identification (fastText) decides one language per document; mixed-language "
        "pages and close languages (Bosnian/Croatian/Serbian, for instance) can be misassigned.",
        "Words are counted as runs of non-space characters.",
        "The corpus reflects the inputs of this run: which sites were crawled shapes its topics "
        "and registers (see the top domains per language in stats.json).",
    ]
    if stats["total"]["tokens"] is None:
        items.append("Tokens are not counted yet: no tokenizer has been trained for this run.")
    few = [c for c, f in stats["languages"].items() if f["docs"] < FEW_DOCS]
    if few:
        items.append(f"Fewer than {FEW_DOCS:,} documents in: {', '.join(few)}.")
    missing = [c for c in EU24 if c not in stats["languages"]]
    if missing:
        items.append(f"EU languages without documents: {', '.join(missing)}.")
    if not any(f["category"] == "legal" for f in stats["filters"]):
        items.append("No legal filter (text-and-data-mining reservations) ran in this pipeline.")
    bad = [s["stage"] for s in stats["stages"] if not s["reconciled"]]
    if bad:
        items.append(f"Counts do not reconcile (in ≠ out + removed) for: {', '.join(bad)}.")
    return items


def render(stats: dict[str, Any], record: dict[str, Any], license_id: str, pretty_name: str) -> str:
    t = stats["total"]
    code = record.get("code_version", {})
    inputs = record.get("inputs", [])
    dates = t["crawl_dates"]
    schema = table(["column", "type"], [[f"`{f.name}`", f"`{f.type}`"] for f in SHARD_SCHEMA])
    first = next(iter(stats["languages"]), "de")
    out = [
        "---",
        yaml.safe_dump(front_matter(stats, license_id, pretty_name), sort_keys=False).strip(),
        "---",
        "",
        f"# {pretty_name}",
        "",
        f"{t['docs']:,} web documents ({t['words']:,} words, {size(t['bytes'])} of text) in "
        f"{t['languages']} languages, one config per language. Built by LEAM Corpus "
        f"(leam {code.get('leam')}, commit {code.get('git_commit') or 'unknown'}) in run "
        f"`{record['run_id']}` with the pipeline `{record['pipeline']['name']}`; every figure "
        "below comes from that run's record.",
        "",
        "## Loading",
        "",
        "```python",
        "from datasets import load_dataset",
        f'docs = load_dataset("path/to/shards", "{first}", split="train")  # one language',
        "```",
        "",
        "Each language's shards are shuffled (seeded, deterministic), so reading any prefix of "
        "them gives a random sample. `MANIFEST.json` lists every shard's rows, bytes and sha256 "
        "(`leam verify` checks them); `stats.json` holds the figures of this card.",
        "",
        "## Languages",
        "",
        _languages(stats),
        "",
        *_tokenizer(stats),
        "## Sources",
        "",
        f"{len(inputs)} input file(s), {size(sum(i.get('bytes', 0) for i in inputs))} "
        f"(sha256 of each in run.json); pages fetched from {(dates['first'] or '?')[:10]} to "
        f"{(dates['last'] or '?')[:10]}, from {t['domains']:,} domains.",
        "",
        "## Processing",
        "",
        _stages(stats),
        "",
        "### Filters",
        "",
        _filters(stats),
        "",
        "### Deduplication",
        "",
        _dedup(stats),
        "",
        *_takedowns(stats),
        "## Schema",
        "",
        schema,
        "",
        "`quality` holds the filters' signals as `{key, value}` pairs; `source` points to the "
        "WARC record each document came from.",
        "",
        "## Known limitations",
        "",
        *[f"- {item}" for item in _limitations(stats)],
        "",
        "## License",
        "",
        f"`{license_id}` (set with the shard stage's `license`). The texts remain the work of "
        "their authors; the publisher of this dataset states the terms of its use here.",
    ]
    return "\n".join(out) + "\n"
