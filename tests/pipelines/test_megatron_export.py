"""`leam export megatron` on shards built here, read back with megatron-core's own
IndexedDataset and with ours (trainer.indexed), document by document against a direct
tokenization; edge cases; resuming; int32 for a vocabulary of 65,500 or more."""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import pytest
from tokenizers import Tokenizer
from typer.testing import CliRunner

from leam.corpus.cli.app import app
from leam.pipelines.megatron.export import ExportSpec, export_megatron
from leam.trainer.indexed import IndexedDataset
from tests.megatron_data import shard_row, train_tiny_tokenizer, write_sample_shards, write_shard

runner = CliRunner()
LANGS = ["en", "de", "el", "mt"]


def megatron_dataset(prefix: Path):
    """megatron-core's reader (imported once: it pulls in torch)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from megatron.core.datasets.indexed_dataset import IndexedDataset as McoreDataset
    return McoreDataset(str(prefix), mmap=True)


def expected_tokens(tok: Tokenizer, text: str) -> list[int]:
    return [*tok.encode(text, add_special_tokens=False).ids, tok.token_to_id("</s>")]


@pytest.fixture(scope="module")
def exported(ray_local, tmp_path_factory):
    """(shards, out, tokenizer, rows per language in shard order) after one CLI export."""
    root = tmp_path_factory.mktemp("megatron")
    shards = root / "shards"
    rows = write_sample_shards(shards, LANGS)
    long_text = " ".join(r["text"] for r in rows["en"]) * 12
    extra = [shard_row("en", 900, ""), shard_row("en", 901, long_text), shard_row("en", 902, None)]
    write_shard(shards / "en" / "part-00009.parquet", extra)
    rows["en"] += extra
    write_shard(shards / "ga" / "part-00000.parquet", [])  # a language with no documents
    write_shard(shards / "lv" / "part-00000.parquet", [shard_row("lv", 0, "")])
    tok_dir = train_tiny_tokenizer(root / "tok")
    out = root / "out"
    args = ["export", "megatron", str(shards), "-t", str(tok_dir), "-o", str(out), "-q"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "--data-args-path" in result.output and "--split" in result.output
    return shards, out, Tokenizer.from_file(str(tok_dir / "tokenizer.json")), rows, args


def test_every_document_reads_back_in_megatron_core_and_ours(exported):
    _, out, tok, rows, _ = exported
    for lang in LANGS:
        prefix = out / f"{lang}_text_document"
        theirs, ours = megatron_dataset(prefix), IndexedDataset(prefix)
        kept = [r for r in rows[lang] if r["text"]]
        lineage = pq.read_table(f"{prefix}.lineage.parquet").to_pylist()
        assert len(theirs) == len(ours) == len(lineage) == len(kept)
        assert theirs.index.dtype == np.uint16
        assert theirs.document_indices.tolist() == list(range(len(kept) + 1))
        for i, row in enumerate(kept):
            want = expected_tokens(tok, row["text"])
            assert theirs[i].tolist() == want, (lang, i)
            assert ours[i].tolist() == want, (lang, i)
            assert (lineage[i]["index"], lineage[i]["id"]) == (i, row["id"])
            assert lineage[i]["source"]["record_id"] == row["source"]["record_id"]
    en = pq.read_table(out / "en_text_document.lineage.parquet").to_pylist()
    longest = max(en, key=lambda r: r["tokens"])
    assert longest["tokens"] > 65_535 and longest["shard"] == "en/part-00009.parquet"
    assert longest["row"] == 1  # row 0 of that shard is the empty document


def test_record_blend_and_edge_cases(exported):
    out = exported[1]
    record = json.loads((out / "export.json").read_text())
    blend = json.loads((out / "blend.json").read_text())
    assert record["dtype"] == "uint16" and record["tokenizer"]["eos_id"] == 2
    assert record["empty_languages"] == ["ga", "lv"]
    assert record["languages"]["en"]["empty_documents"] == 2
    assert record["languages"]["lv"]["empty_documents"] == 1
    assert not list(out.glob("ga_*")) and not list(out.glob("lv_*"))
    tokens = {lang: IndexedDataset(out / f"{lang}_text_document").num_tokens for lang in LANGS}
    assert {lang: record["languages"][lang]["tokens"] for lang in LANGS} == tokens
    assert sorted(blend["languages"]) == sorted(LANGS) and blend["alpha"] == 0.3
    total = sum(tokens.values())
    q = {lang: (n / total) ** 0.3 for lang, n in tokens.items()}
    for lang in LANGS:
        assert blend["languages"][lang]["weight"] == pytest.approx(
            q[lang] / sum(q.values()), abs=1e-6
        )
    pairs = (out / "data-args.txt").read_text().split()
    assert pairs == blend["data_path"].split()
    assert pairs[1] == str((out / "de_text_document").resolve())


def test_rerun_resumes_and_redoes_a_changed_shard(exported):
    shards, out, tok, rows, args = exported
    before = {p.name: p.stat().st_mtime_ns for p in out.glob("*_text_document.*")}
    assert runner.invoke(app, args).exit_code == 0
    record = json.loads((out / "export.json").read_text())
    assert record["shards_tokenized"] == 0 and record["languages_merged"] == []
    assert {p.name: p.stat().st_mtime_ns for p in out.glob("*_text_document.*")} == before

    changed = rows["de"][:3]  # de's first shard now holds three documents
    write_shard(shards / "de" / "part-00000.parquet", changed)
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    record = json.loads((out / "export.json").read_text())
    assert record["shards_tokenized"] == 1 and record["languages_merged"] == ["de"]
    de = megatron_dataset(out / "de_text_document")
    rest = [r for r in rows["de"][7:] if r["text"]]
    assert len(de) == 3 + len(rest)
    assert de[2].tolist() == expected_tokens(tok, changed[2]["text"])
    assert de[3].tolist() == expected_tokens(tok, rest[0]["text"])
    write_shard(shards / "de" / "part-00000.parquet", rows["de"][:7])  # as the fixture had it


def test_large_vocabulary_switches_to_int32(tmp_path: Path):
    tok_dir = train_tiny_tokenizer(tmp_path / "tok")
    tok = Tokenizer.from_file(str(tok_dir / "tokenizer.json"))
    # ≥ 65,500 entries is int32 (Megatron-LM's rule); past 65,536 ids no longer fit uint16
    tok.add_tokens([f"<x{i}>" for i in range(66_000 - tok.get_vocab_size())])
    tok.save(str(tok_dir / "tokenizer.json"))
    assert tok.get_vocab_size() == 66_000
    texts = ["plain words", "a rare <x65500> token", "<x65599><x1>"]
    write_shard(tmp_path / "shards" / "fi" / "part-00000.parquet",
                [shard_row("fi", i, t) for i, t in enumerate(texts)])  # fmt: skip
    serial = lambda fn, items: [fn(item) for item in items]  # noqa: E731
    record = export_megatron(tmp_path / "shards", tmp_path / "out", ExportSpec(tok_dir), serial)
    assert record["dtype"] == "int32"
    data = megatron_dataset(tmp_path / "out" / "fi_text_document")
    assert data.index.dtype == np.int32
    got = [data[i].tolist() for i in range(len(data))]
    assert got == [expected_tokens(tok, t) for t in texts]
    assert max(max(g) for g in got) > 65_535
