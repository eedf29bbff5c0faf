"""`leam verify SHARDS`: do the shards on disk still match their MANIFEST.json?

For each listed shard: present, same size, same sha256 (any changed byte shows here), and
then, its bytes being the ones written, a Parquet file with the manifest's schema, row count
and language. Shard files the manifest does not list are reported too: a trainer globbing
`<lang>/*.parquet` would read them. In a run directory with a takedowns.jsonl, every shard
and every token file's lineage is searched for what a takedown removed (by id, or by the
request's own rule: a URL, host or pattern), and each one still there is a problem.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pyarrow.compute as pc
import pyarrow.parquet as pq

from leam.corpus import takedown_log
from leam.corpus.rundir import RunDir, file_sha256
from leam.corpus.stage import NO_LANG
from leam.filters.takedown import REQUEST_FIELDS, TakedownMatcher, TakedownParams
from leam.pipelines.megatron.parts import LINEAGE_SUFFIX
from leam.pipelines.shard.manifest import describe_schema, read_manifest


@dataclass(frozen=True)
class Problem:
    path: str  # relative to the shards folder
    # missing | size | sha256 | unreadable | schema | rows | language | unlisted | taken_down
    kind: str
    detail: str


@dataclass
class Verification:
    run_id: str
    shards: int = 0  # listed in the manifest
    takedowns: int = 0  # requests in the run's takedowns.jsonl
    taken_down: int = 0  # documents they removed
    rows: int = 0  # rows of the shards that passed
    bytes: int = 0
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def _check_content(path: Path, entry: dict, schema: list[list[str]]) -> list[Problem]:
    rel = entry["path"]
    try:
        parquet = pq.ParquetFile(path)
        found = describe_schema(parquet.schema_arrow)
        langs = pq.read_table(path, columns=["lang"]).column("lang")
    except Exception as err:  # whatever pyarrow raises on a file it cannot read
        return [Problem(rel, "unreadable", f"{type(err).__name__}: {err}")]
    problems = []
    if found != schema:
        differ = [f"{n}: {t}" for n, t in found if [n, t] not in schema]
        lacking = [n for n, _ in schema if n not in {m for m, _ in found}]
        detail = "; ".join(filter(None, [
            f"differs: {', '.join(differ)}" if differ else "",
            f"missing: {', '.join(lacking)}" if lacking else "",
        ])) or "column order differs"  # fmt: skip
        problems.append(Problem(rel, "schema", detail))
    if parquet.metadata.num_rows != entry["rows"]:
        detail = f"{parquet.metadata.num_rows:,} rows, the manifest says {entry['rows']:,}"
        problems.append(Problem(rel, "rows", detail))
    expected = None if entry["language"] == NO_LANG else entry["language"]
    others = [v for v in pc.unique(langs).to_pylist() if v != expected]
    if others:
        problems.append(Problem(rel, "language", f"rows in {others}, not {entry['language']}"))
    return problems


def verify_shards(shards_dir: Path) -> Verification:
    manifest = read_manifest(shards_dir)
    result = Verification(manifest["run_id"], shards=len(manifest["shards"]))
    listed = set()
    for entry in manifest["shards"]:
        rel = entry["path"]
        path = shards_dir / rel
        listed.add(path.resolve())
        if not path.is_file():
            result.problems.append(Problem(rel, "missing", "listed in the manifest, not on disk"))
            continue
        size = path.stat().st_size
        if size != entry["bytes"]:
            detail = f"{size:,} bytes, the manifest says {entry['bytes']:,}"
            result.problems.append(Problem(rel, "size", detail))
            continue
        digest = file_sha256(path)
        if digest != entry["sha256"]:
            detail = f"sha256 {digest[:16]}…, the manifest says {entry['sha256'][:16]}…"
            result.problems.append(Problem(rel, "sha256", detail))
            continue
        problems = _check_content(path, entry, manifest["schema"])
        result.problems += problems
        if not problems:
            result.rows += entry["rows"]
            result.bytes += size
    for path in sorted(shards_dir.glob("*/*.parquet")):
        if path.resolve() not in listed:
            rel = path.relative_to(shards_dir).as_posix()
            result.problems.append(Problem(rel, "unlisted", "on disk, not in the manifest"))
    check_takedowns(shards_dir, result)
    return result


def _takedown_rules(entries: list[dict]) -> tuple[set[str], TakedownMatcher]:
    """Ids of every removed document, and every request's own rule (a page published again
    under the same URL has another id)."""
    ids = {m["id"] for e in entries for m in e.get("matched", [])}
    rules: dict[str, list[str]] = {name: [] for name in REQUEST_FIELDS.values()}
    for e in entries:
        rules[REQUEST_FIELDS[e["request"]["kind"]]].append(e["request"]["value"])
    return ids, TakedownMatcher(TakedownParams(**rules))


def check_takedowns(shards_dir: Path, result: Verification) -> None:
    """Problems `taken_down` for removed documents found in the shards or the lineage of a
    Megatron export of the run (the folder above the shards, when it has a takedown log)."""
    run_dir = RunDir(shards_dir.parent)
    entries = takedown_log.read(run_dir)
    result.takedowns = len(entries)
    result.taken_down = takedown_log.removed_docs(entries)
    if not entries:
        return
    ids, matcher = _takedown_rules(entries)
    files = sorted(shards_dir.glob("*/*.parquet"))
    files += sorted(run_dir.root.glob(f"*/*{LINEAGE_SUFFIX}"))
    for path in files:
        table = pq.read_table(path, columns=["id", "url"])
        pairs = zip(table.column("id").to_pylist(), table.column("url").to_pylist(), strict=True)
        for row, (doc_id, url) in enumerate(pairs):
            if doc_id in ids or matcher.match(doc_id, url) is not None:
                rel = path.relative_to(run_dir.root).as_posix()
                detail = f"row {row}: {url} ({doc_id}) was taken down"
                result.problems.append(Problem(rel, "taken_down", detail))
