"""The shard and Megatron writers in-process (no Ray; the parallel map is a loop): shard
boundaries in the key space, shard counts at their targets, row groups at their byte size,
every document once and in key order, and the Megatron export's figures and resume."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import xxhash
from tokenizers import Tokenizer

from leam.corpus.rundir import file_sha256, write_parquet_atomic
from leam.corpus.schema import DOC_SCHEMA, SHARD_SCHEMA, empty_doc
from leam.pipelines.megatron.export import ExportSpec, export_megatron, prefix_name
from leam.pipelines.megatron.parts import resolve_tokenizer
from leam.pipelines.shard.write import (
    KEY_SPACE,
    _row_groups,
    _runs,
    gather_shard,
    scatter_part,
    shard_count,
    shard_jobs,
    shard_of,
    shard_path,
    shuffle_keys,
)
from leam.trainer.indexed import IndexedDataset
from tests.megatron_data import shard_row, train_tiny_tokenizer, write_sample_shards, write_shard


def _serial(fn, items):
    return [fn(x) for x in items]


# -- the shard stage's arithmetic ----------------------------------------------------------


def test_shard_boundaries_split_the_key_space_evenly():
    width = -(-KEY_SPACE // 3)
    keys = np.array([0, width - 1, width, 2 * width - 1, 2 * width, KEY_SPACE - 1], np.uint64)
    assert shard_of(keys, 3).tolist() == [0, 0, 1, 1, 2, 2]
    assert shard_of(keys, 1).tolist() == [0] * 6
    assert shard_of(keys, 1).dtype == np.int64 and shard_of(keys, 3).dtype == np.int64
    assert shard_of(np.array([KEY_SPACE // 2 - 1, KEY_SPACE // 2], np.uint64), 2).tolist() == [0, 1]


def test_shard_count_is_the_smallest_that_meets_both_targets():
    assert shard_count(12, 100, target_rows=6, target_bytes=None) == 2
    assert shard_count(13, 100, target_rows=6, target_bytes=None) == 3
    assert shard_count(1, 100, target_rows=None, target_bytes=50) == 2
    assert shard_count(1, 101, target_rows=None, target_bytes=50) == 3
    assert shard_count(13, 101, target_rows=6, target_bytes=20) == 6  # bytes decide
    assert shard_count(13, 10, target_rows=6, target_bytes=20) == 3  # rows decide
    assert shard_count(0, 0, target_rows=6, target_bytes=20) == 1
    assert shard_count(5, 5, None, None) == 1


def test_shuffle_key_is_the_seeded_hash_of_the_id_or_else_the_text():
    texts = pa.chunked_array([["a", "body", None]])
    keys = shuffle_keys(["x", None, None], texts, seed=7)
    assert keys.dtype == np.uint64
    assert keys.tolist() == [xxhash.xxh3_64_intdigest(b"x", 7),
                             xxhash.xxh3_64_intdigest(b"body", 7),
                             xxhash.xxh3_64_intdigest(b"", 7)]
    assert shuffle_keys(["x"], texts, seed=8)[0] != keys[0]


def test_runs_and_row_groups_cut_where_a_document_starts_past_the_size():
    assert _runs(np.array([False, True, False, True])) == [(0, 2), (2, 2), (4, 1)]
    assert _runs(np.array([], bool)) == [(0, 1)]
    rows = [shard_row("fr", i, "x" * 3) for i in range(5)]
    table = pa.Table.from_pylist(rows, schema=SHARD_SCHEMA)
    # starts at 0, 3, 6, 9, 12 bytes: groups of 6 bytes cut at 6 and 12
    assert [t.num_rows for t in _row_groups(table, 6)] == [2, 2, 1]
    assert [t.num_rows for t in _row_groups(table, 7)] == [3, 2]
    assert [t.num_rows for t in _row_groups(table, 1000)] == [5]
    assert _row_groups(table.slice(0, 0), 6) == []
    assert shard_path("fr", 3) == "fr/part-00003.parquet"


def test_scatter_and_gather_write_every_document_once_in_key_order(tmp_path: Path):
    docs = {lang: [shard_row(lang, i, f"{lang} text {i} " * (i + 1)) for i in range(9)]
            for lang in ("fr", "de")}
    docs["fr"].append({**shard_row("fr", 99, "no language"), "lang": None})
    docs["de"].append({**shard_row("de", 98, "ohne Kennung"), "id": None})  # keyed by text
    inputs = []
    for n, chunk in enumerate((docs["fr"][:5] + docs["de"][:4], docs["fr"][5:] + docs["de"][4:])):
        path = tmp_path / f"in-{n}.parquet"
        write_parquet_atomic([empty_doc(**d) for d in chunk], DOC_SCHEMA, path)
        inputs.append((f"part-{n:05d}", str(path)))
    plan = {"fr": 3, "de": 1, "und": 1}
    work, out = tmp_path / "work", tmp_path / "shards"
    rows = [scatter_part(task, path, work, plan, seed=5) for task, path in inputs]
    assert rows == [9, 11]
    for task, _ in inputs:  # one row group per (language, shard), its rows counted
        index = json.loads((work / "scatter" / f"{task}.json").read_text())
        scattered = pq.ParquetFile(work / "scatter" / f"{task}.parquet")
        assert [g["row_group"] for g in index["groups"]] == list(range(len(index["groups"])))
        assert sum(g["rows"] for g in index["groups"]) == index["rows"]
        for g in index["groups"]:
            group = scattered.read_row_group(g["row_group"])
            assert group.num_rows == g["rows"]
            langs = set(group["lang"].to_pylist())
            assert langs == ({None} if g["lang"] == "und" else {g["lang"]})
    assert scatter_part("part-00000", "/nowhere", work, plan, seed=5) == 9  # done: not redone
    jobs = shard_jobs(work, [t for t, _ in inputs], plan)
    assert [(j.lang, j.shard) for j in jobs] == [("de", 0), ("fr", 0), ("fr", 1), ("fr", 2),
                                                 ("und", 0)]
    entries = [gather_shard(j, work, out, row_group_bytes=60, level=3) for j in jobs]
    seen = []
    for job, entry in zip(jobs, entries, strict=True):
        path = out / entry["path"]
        assert entry["path"] == shard_path(job.lang, job.shard) and entry["language"] == job.lang
        assert entry["bytes"] == path.stat().st_size and entry["sha256"] == file_sha256(path)
        table = pq.read_table(path)
        assert table.schema.equals(SHARD_SCHEMA) and entry["rows"] == table.num_rows
        assert entry["row_groups"] == pq.ParquetFile(path).metadata.num_row_groups
        assert entry["text_bytes"] == sum(len(t.encode()) for t in table["text"].to_pylist())
        ids = table["id"].to_pylist()
        keys = shuffle_keys(ids, table["text"], 5)
        assert keys.tolist() == sorted(keys.tolist())  # the shuffle order within a shard
        if job.lang != "und":
            assert all(shard_of(keys, plan[job.lang]) == job.shard)
            assert set(table["lang"].to_pylist()) <= {job.lang}
        assert (work / "gathered" / f"{job.lang}-{job.shard:05d}.json").is_file()
        seen += ids
    everything = [d["id"] for lang in docs for d in docs[lang]]
    assert sorted(seen, key=str) == sorted(everything, key=str)
    assert entries[-1]["rows"] == 1  # the document without a language
    # a finished shard's entry is read back, not rewritten
    (out / entries[0]["path"]).unlink()
    assert gather_shard(jobs[0], work, out, row_group_bytes=60, level=3) == entries[0]
    # the shard's compression level is the stage's: another level, another file
    biggest = max(range(len(jobs)), key=lambda i: entries[i]["rows"])
    (work / "gathered" / f"{jobs[biggest].lang}-{jobs[biggest].shard:05d}.json").unlink()
    again = gather_shard(jobs[biggest], work, tmp_path / "s1", row_group_bytes=10**6, level=1)
    (work / "gathered" / f"{jobs[biggest].lang}-{jobs[biggest].shard:05d}.json").unlink()
    best = gather_shard(jobs[biggest], work, tmp_path / "s22", row_group_bytes=10**6, level=22)
    assert again["rows"] == best["rows"] and again["sha256"] != best["sha256"]


def test_a_planned_shard_without_documents_is_written_empty(tmp_path: Path):
    path = tmp_path / "in.parquet"
    write_parquet_atomic([empty_doc(**shard_row("fi", 0, "yksi"))], DOC_SCHEMA, path)
    scatter_part("part-00000", str(path), tmp_path / "w", {"fi": 1, "sv": 2}, seed=1)
    jobs = shard_jobs(tmp_path / "w", ["part-00000"], {"fi": 1, "sv": 2})
    assert [(j.lang, j.shard, len(j.pieces)) for j in jobs] == [("fi", 0, 1), ("sv", 0, 0),
                                                                ("sv", 1, 0)]
    empty = gather_shard(jobs[1], tmp_path / "w", tmp_path / "s", 1000, 3)
    assert empty["rows"] == 0 and empty["text_bytes"] == 0 and empty["row_groups"] == 0


# -- the Megatron export, in-process -------------------------------------------------------


@pytest.fixture(scope="module")
def tokenizer_dir(tmp_path_factory) -> Path:
    return train_tiny_tokenizer(tmp_path_factory.mktemp("tok"))


def test_export_figures_tokens_and_resume(tmp_path: Path, tokenizer_dir: Path):
    shards, out = tmp_path / "shards", tmp_path / "out"
    rows = write_sample_shards(shards, ["en", "el"], per_file=4)
    write_shard(shards / "en" / "part-00009.parquet", [shard_row("en", 900, ""),
                                                       shard_row("en", 901, None)])
    write_shard(shards / "lv" / "part-00000.parquet", [shard_row("lv", 0, "")])
    tok = Tokenizer.from_file(str(tokenizer_dir / "tokenizer.json"))
    eos = tok.token_to_id("</s>")
    spec = ExportSpec(tokenizer_dir, batch_docs=3)
    record = export_megatron(shards, out, spec, _serial)
    for lang in ("en", "el"):
        texts = [r["text"] for r in rows[lang]]
        expected = [[*tok.encode(t, add_special_tokens=False).ids, eos] for t in texts]
        data = IndexedDataset(out / prefix_name(lang))
        assert [list(data[i]) for i in range(len(data))] == expected
        figures = record["languages"][lang]
        assert figures["tokens"] == sum(map(len, expected))
        assert figures["prefix"] == prefix_name(lang) == f"{lang}_text_document"
        lineage = pq.read_table(out / f"{prefix_name(lang)}.lineage.parquet")
        assert lineage["id"].to_pylist() == [r["id"] for r in rows[lang]]
        assert lineage["index"].to_pylist() == list(range(len(rows[lang])))  # across parts
    en = record["languages"]["en"]
    assert en["documents"] == len(rows["en"]) and en["empty_documents"] == 2
    assert en["shards"] == len(list((shards / "en").glob("*.parquet")))
    assert record["empty_languages"] == ["lv"] and not (out / "lv_text_document.bin").exists()
    assert record["tokens"] == en["tokens"] + record["languages"]["el"]["tokens"]
    assert record["documents"] == sum(f["documents"] for f in record["languages"].values())
    assert record["empty_documents"] == 3
    assert record["shards_tokenized"] == en["shards"] + record["languages"]["el"]["shards"] + 1
    assert record["shards_skipped"] == 0 and record["languages_merged"] == ["el", "en"]
    assert record["format"] == "leam-megatron/1" and record["dtype"] == "uint16"
    assert record["tokens_per_s"] > 0
    assert [p.name for p in (out / "_work").iterdir()] == [record["work_key"]]
    assert json.loads((out / "export.json").read_text()) == record
    blend = json.loads((out / "blend.json").read_text())
    assert set(blend["languages"]) == {"el", "en"}
    args = (out / "data-args.txt").read_text().split()
    assert len(args) == 4 and str((out / "en_text_document").resolve()) in args

    again = export_megatron(shards, out, spec, _serial)
    assert again["shards_skipped"] == record["shards_tokenized"] and again["shards_tokenized"] == 0
    assert again["languages_merged"] == [] and again["tokens_per_s"] is None
    assert again["tokens"] == record["tokens"]

    for path in (shards / "el").glob("*.parquet"):
        path.unlink()
    third = export_megatron(shards, out, spec, _serial)
    assert "el" not in third["languages"] and not list(out.glob("el_text_document*"))
    assert third["languages_merged"] == []  # en's parts are unchanged


def test_export_of_shards_without_text_is_refused(tmp_path: Path, tokenizer_dir: Path):
    write_shard(tmp_path / "s" / "fi" / "part-00000.parquet", [shard_row("fi", 0, "")])
    with pytest.raises(ValueError, match="hold no text to export"):
        export_megatron(tmp_path / "s", tmp_path / "o", ExportSpec(tokenizer_dir), _serial)


def test_export_merges_again_for_changed_parts_a_new_language_or_another_tokenizer(
    tmp_path: Path, tokenizer_dir: Path
):
    shards, out = tmp_path / "shards", tmp_path / "out"
    write_sample_shards(shards, ["en", "el"], per_file=4)
    spec = ExportSpec(tokenizer_dir)
    first = export_megatron(shards, out, ExportSpec(tokenizer_dir, languages=("en",)), _serial)
    assert first["languages_merged"] == ["en"]
    both = export_megatron(shards, out, spec, _serial)  # el is new: merged, en is not
    assert both["languages_merged"] == ["el"]
    write_shard(shards / "en" / "part-00000.parquet", [shard_row("en", 0, "Changed text.")])
    changed = export_megatron(shards, out, spec, _serial)
    assert changed["languages_merged"] == ["en"]
    assert changed["languages"]["en"]["tokens"] != both["languages"]["en"]["tokens"]
    other = train_tiny_tokenizer(tmp_path / "tok2", vocab_size=300)
    retok = export_megatron(shards, out, ExportSpec(other), _serial)
    assert retok["languages_merged"] == ["el", "en"]  # same parts, another tokenizer


def test_eos_token_given_configured_or_found(tmp_path: Path, tokenizer_dir: Path):
    folder = tmp_path / "tok"
    shutil.copytree(tokenizer_dir, folder)
    tok = Tokenizer.from_file(str(folder / "tokenizer.json"))
    info = resolve_tokenizer(folder)  # tokenizer_config.json names </s>
    assert (info.eos_token, info.eos_id) == ("</s>", tok.token_to_id("</s>"))
    assert info.path == str((folder / "tokenizer.json").resolve())
    assert info.vocab_size == tok.get_vocab_size(with_added_tokens=True)
    assert info.sha256 == file_sha256(folder / "tokenizer.json") and info.dtype == "uint16"
    assert resolve_tokenizer(folder / "tokenizer.json", "<s>").eos_token == "<s>"  # given
    (folder / "tokenizer_config.json").write_text(json.dumps({"eos_token": {"content": "<s>"}}))
    assert resolve_tokenizer(folder).eos_token == "<s>"  # transformers' AddedToken form
    (folder / "tokenizer_config.json").unlink()
    assert resolve_tokenizer(folder).eos_token == "</s>"  # the first known name found
    with pytest.raises(ValueError, match=r"no EOS token <nope> in the vocabulary; give"):
        resolve_tokenizer(folder, "<nope>")
    with pytest.raises(FileNotFoundError, match=r"no tokenizer\.json \(train one"):
        resolve_tokenizer(tmp_path / "empty")


def test_export_writes_nothing_outside_its_folder(tmp_path: Path, tokenizer_dir: Path,
                                                  monkeypatch):
    shards = tmp_path / "shards"
    write_sample_shards(shards, ["en"], per_file=4)
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    monkeypatch.chdir(cwd)
    export_megatron(shards, tmp_path / "out", ExportSpec(tokenizer_dir), _serial)
    assert list(cwd.iterdir()) == []
    lineage = pq.read_table(tmp_path / "out" / "en_text_document.lineage.parquet")
    assert set(lineage["shard"].to_pylist()) == {f"en/part-{i:05d}.parquet" for i in range(5)}
    assert lineage["row"].to_pylist()[:5] == [0, 1, 2, 3, 0]  # rows within each shard


def test_export_record_fields_and_shard_fingerprints(tmp_path: Path, tokenizer_dir: Path):
    shards, out = tmp_path / "shards", tmp_path / "out"
    write_sample_shards(shards, ["en"], per_file=10)
    first = shards / "en" / "part-00000.parquet"
    manifest = {"shards": [{"path": "en/part-00000.parquet", "bytes": first.stat().st_size,
                            "sha256": "from-the-manifest"},
                           {"path": "en/part-00001.parquet", "bytes": 1, "sha256": "stale"}]}
    (shards / "MANIFEST.json").write_text(json.dumps(manifest))
    record = export_megatron(shards, out, ExportSpec(tokenizer_dir), _serial)
    parts = record["languages"]["en"]["parts"]
    assert parts[0] == "from-the-manifest"  # the shard stage's checksum, size matching
    assert parts[1] == file_sha256(shards / "en" / "part-00001.parquet")  # size differs
    work = out / "_work" / record["work_key"] / "en"
    assert sorted(p.name for p in work.glob("*.bin")) == ["part-00000.bin", "part-00001.bin"]
    assert record["shards"] == str(shards) and record["created"].endswith("+00:00")
    blend = json.loads((out / "blend.json").read_text())
    assert record["data_path"] == blend["data_path"] and record["split"] == blend["split"]
    for key in ("tokenize_s", "merge_s"):
        assert record[key] == round(record[key], 3) and record[key] >= 0
    rate = record["tokens"] / record["tokenize_s"]  # the timing is rounded in the record
    assert record["tokens_per_s"] == pytest.approx(rate, rel=0.1)
