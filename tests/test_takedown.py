"""`leam takedown`: a run with shards and a Megatron export loses what a request names from
every file, byte for byte; checksums verify; megatron-core still reads the token files;
`leam verify` fails if a removed document is published again; later runs filter it."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from megatron.core.datasets.indexed_dataset import IndexedDataset
from tokenizers import Tokenizer
from typer.testing import CliRunner

from leam.corpus.cli.app import app
from leam.corpus.publish.takedown import TakedownRequest, add_to_manifest, apply_takedown
from leam.corpus.publish.verify import verify_shards
from leam.corpus.rundir import RunDir, file_sha256, write_parquet_atomic
from leam.corpus.schema import DOC_SCHEMA, doc_id, empty_doc
from leam.filters.manifest import load_manifest
from leam.filters.takedown import Takedown, TakedownParams, text_sha256
from leam.pipelines.samples import sample_pages
from tests.megatron_data import train_tiny_tokenizer

runner = CliRunner()
LANGS = ["en", "fr", "sl"]


@pytest.fixture(scope="module")
def built(ray_local, tmp_path_factory) -> tuple[Path, list[dict], Path]:
    """A run (shard → megatron) over 36 sample pages; each test works on a copy."""
    root = tmp_path_factory.mktemp("takedown")
    docs = []
    for i, page in enumerate(sample_pages(LANGS, 12)):
        source = {"warc_file": "c.warc.gz", "offset": 10 * i, "record_id": f"<urn:{i}>",
                  "warc_date": "2024-05-01T08:00:00Z"}  # fmt: skip
        host = page.url.split("/")[2]
        docs.append(empty_doc(id=doc_id(page.url, f"<urn:{i}>"), url=page.url, domain=host,
                              text=page.text, source=source, lang=page.lang,
                              lang_score=0.9))  # fmt: skip
    inputs = [root / "in-0.parquet", root / "in-1.parquet"]
    write_parquet_atomic(docs[::2], DOC_SCHEMA, inputs[0])
    write_parquet_atomic(docs[1::2], DOC_SCHEMA, inputs[1])
    tok = train_tiny_tokenizer(root / "tok")
    stages = [{"stage": "shard", "params": {"target_rows": 5}},
              {"stage": "megatron", "params": {"tokenizer": str(tok), "alpha": 0.5}}]  # fmt: skip
    (root / "p.yaml").write_text(json.dumps({"name": "p", "stages": stages}))
    args = ["run", str(root / "p.yaml"), *map(str, inputs), "--runs-dir", str(root / "runs"),
            "--run-id", "t", "-q"]  # fmt: skip
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    return root / "runs" / "t", docs, tok


@pytest.fixture
def run(built, tmp_path) -> tuple[Path, list[dict], Path]:
    source, docs, tok = built
    copy = tmp_path / "t"
    shutil.copytree(source, copy)
    return copy, docs, tok


def _traces(run_dir: Path, doc: dict, tok: Path) -> list[str]:
    """Every file under the run that still holds the document: its text (a 200-character
    piece) in any string column of any Parquet file or in the bytes of any other file, its
    id or URL anywhere but where takedown rules are listed, or its tokens in a .bin file."""
    piece = doc["text"][len(doc["text"]) // 3 :][:200]
    tokenizer = Tokenizer.from_file(str(tok / "tokenizer.json"))
    ids = tokenizer.encode(doc["text"], add_special_tokens=False).ids
    token_bytes = np.array(ids, dtype=np.uint16).tobytes()
    found = []
    for path in sorted(p for p in run_dir.rglob("*") if p.is_file()):
        raw = path.read_bytes()
        if path.name in ("takedowns.jsonl", "run.json"):
            # The log records ids, URLs and hashes, never text; run.json holds the resolved
            # takedown manifest of a later run, which names the URL.
            if piece.encode() in raw:
                found.append(str(path))
            continue
        if path.suffix == ".parquet":
            table = pq.read_table(path)
            strings = [str(v) for c in table.columns for v in c.to_pylist() if v is not None]
            if any(piece in s or doc["id"] == s or doc["url"] == s for s in strings):
                found.append(str(path))
        elif piece.encode() in raw or doc["id"].encode() in raw or doc["url"].encode() in raw:
            found.append(str(path))
        elif path.suffix == ".bin" and token_bytes in raw:
            found.append(str(path))
    return found


def _check_published(run_dir: Path, docs_left: int) -> None:
    manifest = json.loads((run_dir / "shards" / "MANIFEST.json").read_text())
    for entry in manifest["shards"]:
        assert file_sha256(run_dir / "shards" / entry["path"]) == entry["sha256"]
    assert sum(e["rows"] for e in manifest["shards"]) == docs_left
    stats = json.loads((run_dir / "shards" / "stats.json").read_text())
    assert stats["total"]["docs"] == docs_left
    lengths = 0
    for lang in LANGS:
        data = IndexedDataset(str(run_dir / "megatron" / f"{lang}_text_document"))
        lineage = pq.read_table(run_dir / "megatron" / f"{lang}_text_document.lineage.parquet")
        assert len(data) == lineage.num_rows
        lengths += len(data)
    assert lengths == docs_left
    result = runner.invoke(app, ["verify", str(run_dir)])
    assert result.exit_code == 0, result.output


def test_takedown_by_url_leaves_no_trace(run):
    run_dir, docs, tok = run
    doc = docs[13]  # fr
    assert _traces(run_dir, doc, tok)  # before: in the shards, the token file and the lineage
    args = ["takedown", "apply", str(run_dir), "--url", doc["url"].upper().replace("/FR/", "/fr/")
            .replace("/PAGE-", "/page-").replace(".HTML", ".html"), "--reason", "copyright",
            "--ref", "notice 17"]  # fmt: skip
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "1 document(s) removed" in result.output
    assert _traces(run_dir, doc, tok) == []
    _check_published(run_dir, len(docs) - 1)
    (entry,) = [json.loads(line) for line in (run_dir / "takedowns.jsonl").open()]
    assert entry["request"]["reason"] == "copyright"
    assert entry["request"]["reference"] == "notice 17"
    assert [m["id"] for m in entry["matched"]] == [doc["id"]]
    assert entry["matched"][0]["text_sha256"] == text_sha256(doc["text"])
    assert entry["removed"]["fr"]["docs"] == 1
    assert [f["languages"] for f in entry["megatron"]] == [["fr"]]
    changed = {f["path"] for f in entry["megatron"][0]["files"]}
    assert {"fr_text_document.bin", "fr_text_document.idx"} <= changed
    assert not any(name.startswith(("en_", "sl_")) for name in changed)  # only fr was rebuilt
    readme = (run_dir / "shards" / "README.md").read_text()
    assert "## Takedowns" in readme and "copyright 1 (1 documents)" in readme


def test_takedown_by_host_and_by_pattern(run):
    run_dir, docs, tok = run
    apply_takedown(RunDir(run_dir), TakedownRequest("host", "portal-1.fr", "personal_data", "a"))
    by_host = [d for d in docs if "portal-1.fr/" in d["url"]]
    assert len(by_host) == 3
    entry = apply_takedown(
        RunDir(run_dir), TakedownRequest("pattern", "https://*/sl/page-00[0-2].html", "other", "b")
    )
    by_pattern = [d for d in docs if d["lang"] == "sl" and d["url"].endswith(
        ("page-000.html", "page-001.html", "page-002.html"))]  # fmt: skip
    assert sorted(m["id"] for m in entry["matched"]) == sorted(d["id"] for d in by_pattern)
    for doc in by_host + by_pattern:
        assert _traces(run_dir, doc, tok) == [], doc["url"]
    _check_published(run_dir, len(docs) - 6)
    stats = json.loads((run_dir / "shards" / "stats.json").read_text())
    assert stats["takedowns"]["requests"] == 2 and stats["takedowns"]["documents"] == 6
    assert "portal-1.fr" not in {d["domain"] for d in stats["languages"]["fr"]["top_domains"]}


def test_takedown_matching_nothing_is_logged_and_changes_nothing(run):
    run_dir = run[0]

    def digests() -> dict[str, str]:
        return {str(p): file_sha256(p) for p in sorted(run_dir.rglob("*")) if p.is_file()}

    before = digests()
    args = ["takedown", "apply", str(run_dir), "--url", "https://nowhere.example/x",
            "--reason", "copyright", "--ref", "n-2"]  # fmt: skip
    result = runner.invoke(app, args)
    assert result.exit_code == 0 and "0 document(s) removed" in result.output
    after = digests()
    log = str(run_dir / "takedowns.jsonl")
    assert after.pop(log) and before == after
    entry = json.loads(Path(log).read_text())
    assert entry["documents"] == 0 and entry["matched"] == [] and entry["files"] == []


def test_same_takedown_same_bytes(built, tmp_path):
    source, docs, _ = built
    copies = [tmp_path / "a", tmp_path / "b"]
    for copy in copies:
        shutil.copytree(source, copy)
        apply_takedown(RunDir(copy), TakedownRequest("id", docs[5]["id"], "other", "x"))

    def shard_bytes(root: Path) -> dict[str, str]:
        files = [*sorted((root / "shards").glob("*/*.parquet")), root / "shards/MANIFEST.json"]
        return {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
                for p in files}  # fmt: skip

    assert shard_bytes(copies[0]) == shard_bytes(copies[1])


def test_verify_fails_when_a_removed_document_is_back(run, tmp_path):
    run_dir, docs, _ = run
    saved = tmp_path / "saved"
    shutil.copytree(run_dir / "shards", saved)
    apply_takedown(RunDir(run_dir), TakedownRequest("url", docs[2]["url"], "copyright", "n"))
    shutil.rmtree(run_dir / "shards")
    shutil.copytree(saved, run_dir / "shards")  # an old copy of the shards published again
    result = runner.invoke(app, ["verify", str(run_dir)])
    assert result.exit_code == 1 and "taken_down" in result.output
    problems = verify_shards(run_dir / "shards").problems
    assert [p.kind for p in problems] == ["taken_down"] and docs[2]["id"] in problems[0].detail


def test_bad_requests_are_one_line_errors(run):
    run_dir, _, _ = run
    result = runner.invoke(app, ["takedown", "apply", str(run_dir), "--reason", "copyright"])
    assert result.exit_code == 2 and "exactly one of" in result.output
    args = ["takedown", "apply", str(run_dir), "--host", "a.example", "--reason", "spite"]
    result = runner.invoke(app, args)
    assert result.exit_code == 2 and "reason 'spite'" in result.output


def test_tokenizer_trained_before_is_recorded(run):
    run_dir, docs, tok = run
    (run_dir / "tokenizer").mkdir()
    shutil.copy(tok / "tokenizer.json", run_dir / "tokenizer" / "tokenizer.json")
    entry = apply_takedown(RunDir(run_dir), TakedownRequest("id", docs[0]["id"], "other", "t"))
    (model,) = entry["models"]
    assert model["kind"] == "tokenizer" and "cannot unlearn" in model["note"]
    assert "cannot unlearn" in (run_dir / "shards" / "README.md").read_text()


def test_later_runs_filter_the_takedown_list(run, tmp_path):
    """The takedown manifest that `--manifest` writes drops the page crawled again, and the
    same text under another URL."""
    run_dir, docs, tok = run
    doc = docs[20]
    manifest = tmp_path / "manifests" / "takedown.yaml"
    manifest.parent.mkdir()
    args = ["takedown", "apply", str(run_dir), "--url", doc["url"], "--reason", "copyright",
            "--ref", "n", "--manifest", str(manifest)]  # fmt: skip
    assert runner.invoke(app, args).exit_code == 0
    loaded = load_manifest(manifest)
    assert loaded.params.urls == [doc["url"]]
    assert loaded.params.text_sha256 == [text_sha256(doc["text"])]
    f = Takedown(loaded.params, "fr")
    assert not f.decide(f.score(doc)).keep
    mirror = {**doc, "id": "other", "url": "https://mirror.example/copy.html"}
    verdict = f.decide(f.score(mirror))
    assert not verdict.keep and verdict.trigger == {"by_text_sha256": 1.0}
    assert f.decide(f.score(docs[21])).keep
    # A second request adds to the same list.
    entry = {"request": {"kind": "host", "value": "a.example"}, "matched": []}
    assert add_to_manifest(manifest, entry)["hosts"] == ["a.example"]

    # A later run: filter (with that manifest folder) → shard, over the page crawled again.
    again = [{**d, "id": d["id"] + "-2"} for d in docs[18:24]]
    inputs = tmp_path / "in.parquet"
    write_parquet_atomic(again, DOC_SCHEMA, inputs)
    stages = [{"stage": "filter", "params": {"filters": ["takedown"],
                                              "manifests": str(manifest.parent)}},
              {"stage": "shard", "params": {"target_rows": 50}}]  # fmt: skip
    (tmp_path / "p.yaml").write_text(json.dumps({"name": "p", "stages": stages}))
    args = ["run", str(tmp_path / "p.yaml"), str(inputs), "--runs-dir", str(tmp_path / "runs"),
            "--run-id", "r2", "-q"]  # fmt: skip
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    ledger = pa.concat_tables(
        [pq.read_table(p) for p in (tmp_path / "runs/r2/rejected/filter").glob("*.parquet")]
    )
    assert ledger.column("url").to_pylist() == [doc["url"]]
    assert ledger.column("reason").to_pylist() == ["taken_down"]

    # A takedown of a run with stage parts and ledgers purges them too (they hold the text).
    r2 = tmp_path / "runs" / "r2"
    assert _traces(r2, doc, tok)  # in the filter ledger
    request = TakedownRequest("pattern", "https://www.portal-[03].fr/*", "other", "p")
    entry = apply_takedown(RunDir(r2), request)
    assert [m["url"] for m in entry["matched"]] == [again[4]["url"]]  # portal-0, in a shard
    assert {p["path"] for p in entry["purged"]} >= {"rejected/filter/part-00000.parquet",
                                                   "filter/part-00000.parquet"}  # fmt: skip
    for gone in (doc, again[4]):
        assert _traces(r2, gone, tok) == []


def test_matcher_rules():
    f = Takedown(TakedownParams(hosts=["www.example.org"], patterns=["*/private/*"]), "en")
    assert not f.decide(f.score({"url": "https://news.example.org/a"})).keep
    assert not f.decide(f.score({"url": "https://b.example/private/x"})).keep
    assert f.decide(f.score({"url": "https://example.com/a"})).keep
    assert Takedown(TakedownParams(), "en").score({"url": "x"}) == {"taken_down": 0.0}


def _shard_urls(run: Path) -> set[str]:
    return {u for p in (run / "shards").glob("*/*.parquet")
            for u in pq.read_table(p, columns=["url"]).column("url").to_pylist()}  # fmt: skip


def test_incremental_dedup_does_not_bring_a_taken_down_document_back(ray_local, tmp_path):
    """Run A (dedup → shard) publishes a page; it is taken down (--manifest). Run B, whose
    dedup builds on run A's index, gets the page again and a near-copy under another URL:
    the filter removes the first, dedup the second (as a duplicate of a run-A document,
    which run B does not publish)."""
    docs = [empty_doc(id=doc_id(p.url, "r"), url=p.url, domain=p.url.split("/")[2],
                      text=p.text, lang=p.lang, lang_score=0.9)
            for p in sample_pages(["en", "fr"], 6)]  # fmt: skip
    gone = docs[3]

    def run(name: str, rows: list[dict], stages: list[dict]) -> Path:
        inputs = tmp_path / f"{name}.parquet"
        write_parquet_atomic(rows, DOC_SCHEMA, inputs)
        (tmp_path / f"{name}.yaml").write_text(json.dumps({"name": name, "stages": stages}))
        args = ["run", str(tmp_path / f"{name}.yaml"), str(inputs), "--runs-dir",
                str(tmp_path / "runs"), "--run-id", name, "-q"]  # fmt: skip
        result = runner.invoke(app, args)
        assert result.exit_code == 0, result.output
        return tmp_path / "runs" / name

    shard = {"stage": "shard", "params": {"target_rows": 50}}
    a = run("a", docs, [{"stage": "dedup"}, shard])
    assert gone["url"] in _shard_urls(a)
    manifest = tmp_path / "manifests" / "takedown.yaml"
    manifest.parent.mkdir()
    args = ["takedown", "apply", str(a), "--url", gone["url"], "--reason", "copyright",
            "--manifest", str(manifest)]  # fmt: skip
    assert runner.invoke(app, args).exit_code == 0
    assert gone["url"] not in _shard_urls(a)

    words = gone["text"].split(" ")
    near = " ".join([*words[:-3], "(copied", "from", "elsewhere)"])
    mirror = {**gone, "id": "mirror", "url": "https://mirror.example/copy.html", "text": near}
    again = {**gone, "id": "again"}
    fresh = {**docs[0], "id": "fresh", "url": "https://new.example/", "text": docs[0]["text"]
             + " A new paragraph makes this page differ from the first."}  # fmt: skip
    b = run("b", [again, mirror, fresh], [
        {"stage": "filter", "params": {"filters": ["takedown"],
                                       "manifests": str(manifest.parent)}},
        {"stage": "dedup", "params": {"previous": [str(a / "dedup" / "_work")]}},
        shard])  # fmt: skip
    published = _shard_urls(b)
    assert gone["url"] not in published and mirror["url"] not in published
    record = json.loads((b / "run.json").read_text())
    assert record["stages"]["filter"]["rejected_by_reason"] == {"taken_down": 1}
    assert record["stages"]["dedup"]["docs_rejected"] >= 1  # the mirror, as a duplicate
