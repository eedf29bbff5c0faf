"""The shard stage through `leam run` on Parquet documents with known languages and domains:
every document once, in its language's shards, shuffled the same way whatever the workers
and the input split; the manifest, `leam verify`, and the AI Act summary's domain ranking."""

from __future__ import annotations

import json
import math
import shutil
from collections import Counter, defaultdict
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from leam.corpus.cli.app import app
from leam.corpus.config import ConfigError
from leam.corpus.publish import ai_act
from leam.corpus.rundir import file_sha256
from leam.corpus.schema import CRAWL_LOG_SCHEMA, SHARD_SCHEMA, doc_id, empty_doc
from leam.pipelines.presets import parse_pipeline
from tests.parts import run_stage, write_parts
from tests.sample_warc import sample_pages

runner = CliRunner()
LANGS = ["de", "fr", "pl", "el", "fi"]
PER_LANG = 20
TARGET_ROWS = 6  # 20 documents → 4 shards per language
DOMAINS = 40  # the AI Act summary lists the top 10 % (4), or 5 % (2) for SMEs


def _docs() -> list[dict]:
    docs = []
    for i, page in enumerate(sample_pages(LANGS, per_lang=PER_LANG)):
        domain = f"site-{i % DOMAINS:02d}.eu"
        url = f"https://{domain}/{page.lang}/{i}"
        source = {
            "warc_file": "t.warc.gz",
            "offset": i,
            "record_id": url,
            "warc_date": f"2024-0{1 + i % 3}-1{i % 10}T08:00:00Z",
        }
        quality = {"gopher_quality.n_words": float(len(page.text.split()))}
        docs.append(
            empty_doc(
                id=doc_id(url, url), url=url, domain=domain, text=page.text, title=page.title,
                source=source, lang=page.lang, lang_score=0.9, quality=quality,
                dup_cluster_size=1,
            )
        )  # fmt: skip
    return docs


def _shard(inputs: list[str], runs: Path, run_id: str, workers: int = 2, **params) -> Path:
    return run_stage("shard", {"target_rows": TARGET_ROWS, **params}, inputs, runs, run_id, workers)


def _manifest(run: Path) -> dict:
    return json.loads((run / "shards" / "MANIFEST.json").read_text())


@pytest.fixture(scope="module")
def docs() -> list[dict]:
    return _docs()


@pytest.fixture(scope="module")
def sharded(ray_local, docs, tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("shard-in")
    return _shard(write_parts(docs, folder, parts=4), tmp_path_factory.mktemp("runs"), "r")


def test_every_document_once_in_its_language(docs, sharded: Path):
    manifest = _manifest(sharded)
    seen: Counter[str] = Counter()
    for entry in manifest["shards"]:
        path = sharded / "shards" / entry["path"]
        table = pq.read_table(path)
        assert table.schema.equals(SHARD_SCHEMA)
        assert set(table.column("lang").to_pylist()) == {entry["language"]}
        assert entry["path"].startswith(f"{entry['language']}/part-")
        assert table.num_rows == entry["rows"] and entry["run_id"] == "r"
        assert path.stat().st_size == entry["bytes"] and file_sha256(path) == entry["sha256"]
        meta = pq.ParquetFile(path).metadata
        assert meta.row_group(0).column(0).compression == "ZSTD"
        seen.update(table.column("id").to_pylist())
    assert seen == Counter(d["id"] for d in docs)
    assert {lang: v["shards"] for lang, v in manifest["languages"].items()} == {
        lang: math.ceil(PER_LANG / TARGET_ROWS) for lang in LANGS
    }
    record = json.loads((sharded / "run.json").read_text())
    stage = record["stages"]["shard"]
    assert stage["docs_out"] == stage["docs_in"] == len(docs) and stage["reconciled"]
    assert stage["out_by_lang"] == dict.fromkeys(LANGS, PER_LANG)
    assert not list((sharded / "shard").glob("part-*.parquet"))  # no second copy as parts
    assert not (sharded / "shard" / "_work" / "scatter").exists()


def test_documents_keep_their_values(docs, sharded: Path):
    by_id = {d["id"]: d for d in docs}
    table = pq.ParquetDataset(sorted(map(str, (sharded / "shards").glob("*/*.parquet")))).read()
    for row in table.to_pylist():
        doc = by_id[row["id"]]
        assert row["text"] == doc["text"] and row["source"] == doc["source"]
        assert {q["key"]: q["value"] for q in row["quality"]} == doc["quality"]


def test_shards_are_shuffled_within_a_language(docs, sharded: Path):
    order = {d["id"]: i for i, d in enumerate(docs)}
    de = sorted(e["path"] for e in _manifest(sharded)["shards"] if e["language"] == "de")
    ids = [i for p in de for i in pq.read_table(sharded / "shards" / p).column("id").to_pylist()]
    positions = [order[i] for i in ids]
    assert sorted(positions) == list(range(PER_LANG))  # German comes first in the input
    assert positions != sorted(positions) and positions != sorted(positions, reverse=True)


def test_row_groups_follow_row_group_bytes(ray_local, docs, tmp_path: Path):
    inputs = write_parts(docs[:PER_LANG], tmp_path / "in", parts=1)
    run = _shard(inputs, tmp_path / "runs", "rg", target_rows=None, row_group_bytes=4000)
    [entry] = _manifest(run)["shards"]
    meta = pq.ParquetFile(run / "shards" / entry["path"]).metadata
    text = sum(len(d["text"].encode()) for d in docs[:PER_LANG])
    assert entry["row_groups"] == meta.num_row_groups >= text // 4000 - 1
    assert meta.num_row_groups > 1


def test_same_seed_same_shards_whatever_the_workers_and_split(ray_local, docs, sharded, tmp_path):
    other = _shard(write_parts(docs, tmp_path / "in3", parts=3), tmp_path / "runs", "w1", workers=1)

    def files(run: Path) -> list[tuple[str, int, str]]:
        return [(e["path"], e["rows"], e["sha256"]) for e in _manifest(run)["shards"]]

    assert files(other) == files(sharded)
    reseeded = _shard(write_parts(docs, tmp_path / "in4", parts=4), tmp_path / "runs", "s1", seed=1)
    assert [f[2] for f in files(reseeded)] != [f[2] for f in files(sharded)]


def test_verify_passes_then_finds_a_flipped_byte_and_a_missing_shard(sharded, tmp_path: Path):
    copy = tmp_path / "shards"
    shutil.copytree(sharded / "shards", copy)
    ok = runner.invoke(app, ["verify", str(copy)])
    assert ok.exit_code == 0, ok.output
    assert f"{len(_manifest(sharded)['shards'])} shards" in ok.output

    entries = _manifest(sharded)["shards"]
    flipped, missing = copy / entries[0]["path"], copy / entries[-1]["path"]
    data = bytearray(flipped.read_bytes())
    data[len(data) // 2] ^= 0x01
    flipped.write_bytes(bytes(data))
    missing.unlink()
    stray = copy / "de" / "part-00099.parquet"
    pq.write_table(pa.Table.from_pylist([], schema=SHARD_SCHEMA), stray)
    bad = runner.invoke(app, ["verify", str(copy)])
    assert bad.exit_code == 1
    text = " ".join(bad.output.split())
    assert "sha256" in text and entries[0]["path"] in text
    assert "missing" in text and entries[-1]["path"] in text
    assert "unlisted" in text and "part-00099" in text


def test_ai_act_domain_ranking_and_token_band(docs, sharded: Path):
    size: dict[str, int] = defaultdict(int)
    for d in docs:
        size[d["domain"]] += len(d["text"].encode())
    ranked = sorted(size, key=lambda dom: (-size[dom], dom))
    summary = json.loads((sharded / "reports" / "ai-act.json").read_text())
    domains = summary["figures"]["domains"]
    assert domains["domains_total"] == DOMAINS and domains["listed"] == 4
    assert [d["domain"] for d in domains["domains"]] == ranked[:4]
    assert [d["bytes"] for d in domains["domains"]] == [size[d] for d in ranked[:4]]
    assert summary["figures"]["size"]["band"] == "Less than 1 billion tokens"
    assert summary["figures"]["size"]["tokens"] == round(sum(size.values()) / 4)
    assert summary["figures"]["languages"] == sorted(LANGS)
    markdown = (sharded / "reports" / "ai-act.md").read_text()
    assert ranked[0] in markdown and "TO BE FILLED IN BY THE PROVIDER" in markdown

    sme = runner.invoke(app, ["report", "ai-act", str(sharded), "--sme"])
    assert sme.exit_code == 0, sme.output
    domains = json.loads((sharded / "reports" / "ai-act.json").read_text())["figures"]["domains"]
    assert [d["domain"] for d in domains["domains"]] == ranked[:2]


def test_ai_act_reads_the_crawl_log(sharded: Path, tmp_path: Path):
    run = tmp_path / "run"
    shutil.copytree(sharded, run)
    log = [
        {"url": "https://a.eu/1", "host": "a.eu", "decision": "allowed", "signal": None,
         "fetched_at": "2024-01-02T10:00:00Z"},
        {"url": "https://a.eu/2", "host": "a.eu", "decision": "disallowed", "signal": "robots_txt"},
        {"url": "https://b.eu/1", "host": "b.eu", "decision": "reserved", "signal": "tdm_header",
         "fetched_at": "2024-02-03T11:00:00Z"},
        {"url": "https://b.eu/2", "host": "b.eu", "decision": "reserved", "signal": "tdm_header",
         "fetched_at": "2024-02-03T11:00:01Z"},
        {"url": "http://10.0.0.1/", "host": "10.0.0.1", "decision": "refused",
         "signal": "private_address"},
    ]  # fmt: skip
    folder = run / "crawl" / "log"
    folder.mkdir(parents=True)
    pq.write_table(pa.Table.from_pylist(log, schema=CRAWL_LOG_SCHEMA), folder / "part-0.parquet")
    result = runner.invoke(app, ["report", "ai-act", str(run)])
    assert result.exit_code == 0, result.output
    summary = json.loads((run / "reports" / "ai-act.json").read_text())
    crawl = summary["figures"]["crawl_log"]
    assert crawl["opt_outs"] == {"tdm_header": 2, "robots_txt": 1}
    assert crawl["refused"] == {"private_address": 1} and crawl["hosts"] == 3
    assert summary["figures"]["collection_period"] == {
        "first": "2024-01-02T10:00:00Z",
        "last": "2024-02-03T11:00:01Z",
    }
    assert "02/2024" in (run / "reports" / "ai-act.md").read_text()


@pytest.mark.parametrize(
    ("tokens", "band"),
    [
        (999_999_999, "Less than 1 billion tokens"),
        (1_000_000_000, "1 billion to 10 trillion tokens"),
        (10**13, "1 billion to 10 trillion tokens"),
        (10**13 + 1, "More than 10 trillion tokens"),
    ],
)
def test_token_bands_of_the_template(tokens: int, band: str):
    assert ai_act.text_band(tokens) == band


def test_token_estimate_says_when_the_band_is_uncertain():
    assert ai_act.token_size({"bytes": 10**6, "tokens": None})["certain"]
    near = ai_act.token_size({"bytes": 5 * 10**9, "tokens": None})  # 1.25 billion tokens
    assert near["band"] == "1 billion to 10 trillion tokens" and not near["certain"]
    counted = ai_act.token_size({"bytes": 10**12, "tokens": 42})
    assert counted == {"tokens": 42, "method": "counted", "band": ai_act.TEXT_BANDS[0][1],
                       "certain": True}  # fmt: skip


def test_listed_domains_for_providers_and_smes():
    assert ai_act.listed_domains(40, sme=False) == 4
    assert ai_act.listed_domains(41, sme=False) == 5
    assert ai_act.listed_domains(40, sme=True) == 2
    assert ai_act.listed_domains(100_000, sme=True) == 1000
    assert ai_act.listed_domains(0, sme=False) == 0


def test_token_counts_of_a_tokenizer_reach_the_datasheet_and_summary(sharded, tmp_path: Path):
    run = tmp_path / "run"
    shutil.copytree(sharded, run)
    counts = {lang: {"docs": PER_LANG, "bytes": 1, "tokens": 600_000_000} for lang in LANGS}
    tokens = {"tokenizer": "../tokenizer/tokenizer.json", "tokenizer_sha256": "ab" * 32,
              "languages": counts}  # fmt: skip
    (run / "shards" / "tokens.json").write_text(json.dumps(tokens))
    for command in ("datasheet", "ai-act"):
        result = runner.invoke(app, ["report", command, str(run)])
        assert result.exit_code == 0, result.output
    stats = json.loads((run / "shards" / "stats.json").read_text())
    assert stats["total"]["tokens"] == 5 * 600_000_000
    assert stats["languages"]["de"]["tokens"] == 600_000_000
    size = json.loads((run / "reports" / "ai-act.json").read_text())["figures"]["size"]
    assert size == {"tokens": 3 * 10**9, "method": "counted",
                    "band": "1 billion to 10 trillion tokens", "certain": True}  # fmt: skip
    assert "600,000,000" in (run / "shards" / "README.md").read_text()

    counts["de"]["docs"] = PER_LANG + 1  # counted on other shards than these: not used
    (run / "shards" / "tokens.json").write_text(json.dumps(tokens))
    assert runner.invoke(app, ["report", "datasheet", str(run)]).exit_code == 0
    assert json.loads((run / "shards" / "stats.json").read_text())["total"]["tokens"] is None


def test_only_a_reader_of_shards_may_follow_shard():
    text = "name: x\nstages:\n  - stage: shard\n  - stage: dedup\n"
    with pytest.raises(ConfigError, match=r"stages\.0: shard writes no parts"):
        parse_pipeline(text, "x.yaml")


@pytest.mark.parametrize("command", [["shard"], ["verify"], ["report", "ai-act"], ["report"]])
def test_new_commands_explain_themselves(command: list[str]):
    result = runner.invoke(app, [*command, "--help"])
    assert result.exit_code == 0 and "Usage" in result.output
