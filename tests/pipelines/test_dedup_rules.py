"""Dedup's decisions at their boundaries, in-process (no Ray): LSH candidates verified at
exactly the similarity threshold, the kept document of a cluster (previous run, then longest,
then earliest, then smallest id), the kind of each match, and the keys (URL, text, language)
that make two documents candidates at all."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import xxhash

from leam.corpus.rundir import RunDir
from leam.corpus.stage import Context
from leam.pipelines.dedup import minhash
from leam.pipelines.dedup.cluster import DECISION_SCHEMA, cluster, cluster_id
from leam.pipelines.dedup.components import components
from leam.pipelines.dedup.index import (
    BUCKET_SCHEMA,
    EXACT,
    MAX_PAIRWISE_GROUP,
    NEAR,
    URL,
    IndexConfig,
    PartRef,
    _candidate_pairs,
    _norm_text,
    _norm_url,
    bucket_edges,
    signature_part,
)
from leam.pipelines.dedup.minhash import MinHasher, shingle_hashes
from leam.pipelines.dedup.stage import DedupParams, DedupStage
from leam.pipelines.samples import sample_pages


def _serial(fn, items):
    return [fn(x) for x in items]


# -- verification of LSH candidates -------------------------------------------------------


def _part(folder: Path, sig: np.ndarray, groups: list[tuple[int, int, list[int]]]) -> PartRef:
    """A hand-made index part: signatures, and bucket 0 holding (key, kind, rows) groups."""
    folder.mkdir(parents=True)
    np.save(folder / "sig.npy", sig.astype(np.uint32))
    keys, kinds, rows = [], [], []
    for key, kind, members in groups:
        keys += [key] * len(members)
        kinds += [kind] * len(members)
        rows += members
    table = pa.table({"key": pa.array(keys, pa.uint64()), "kind": pa.array(kinds, pa.uint8()),
                      "row": pa.array(rows, pa.int32())})
    pq.write_table(table.cast(BUCKET_SCHEMA), folder / "b-0000.parquet")
    return PartRef(folder, 0, len(sig))


def _edges(workdir: Path) -> set[tuple[int, int, int]]:
    data = np.load(workdir / "edges" / "b-0000.npz")
    return set(zip(data["a"].tolist(), data["b"].tolist(), data["kind"].tolist(), strict=True))


def test_a_candidate_pair_exactly_at_the_threshold_is_a_duplicate(tmp_path: Path):
    base = np.arange(10)
    sig = np.stack([
        base,
        np.r_[base[:8], 100, 101],  # agrees with row 0 on 8 of 10 values: 0.8
        np.r_[base[:7], 200, 201, 202],  # 7 of 10 with row 0: 0.7
    ])  # fmt: skip
    part = _part(tmp_path / "p", sig, [(5, NEAR, [0, 1, 2])])
    assert bucket_edges(0, [part], tmp_path, threshold=0.8) == 1
    assert _edges(tmp_path) == {(0, 1, NEAR)}  # 0-2 (0.7) and 1-2 (0.7) are not verified


def test_just_above_the_similarity_finds_no_edge(tmp_path: Path):
    sig = np.stack([np.arange(10), np.r_[np.arange(8), 100, 101]])
    part = _part(tmp_path / "p", sig, [(5, NEAR, [0, 1])])
    assert bucket_edges(0, [part], tmp_path, threshold=np.nextafter(0.8, 1.0)) == 0


def test_url_and_exact_groups_link_every_member_to_the_first(tmp_path: Path):
    sig = np.stack([np.arange(4) + 10 * i for i in range(6)] + [np.arange(4) + 20])
    groups = [(0, URL, [6]), (1, URL, [3, 1, 4]), (2, EXACT, [5, 0]), (3, NEAR, [2, 6]),
              (4, EXACT, [2])]  # keys 0 and 4: groups of one, no pair
    part = _part(tmp_path / "p", sig, groups)
    work = tmp_path / "new" / "work"  # created with its parents
    assert bucket_edges(0, [part], work, threshold=0.8) == 4
    assert _edges(work) == {(1, 3, URL), (1, 4, URL), (0, 5, EXACT), (2, 6, NEAR)}
    # a second call reads the finished bucket instead of recomputing it
    assert bucket_edges(0, [part], work, threshold=0.99) == 4


def test_a_bucket_without_pairs_or_parts_writes_typed_empty_edges(tmp_path: Path):
    part = _part(tmp_path / "p", np.stack([np.arange(4)]), [(1, URL, [0])])
    for parts, work in (([part], tmp_path / "w1"), ([], tmp_path / "w2")):
        assert bucket_edges(0, parts, work, threshold=0.8) == 0
        data = np.load(work / "edges" / "b-0000.npz")
        assert data["a"].dtype == np.int64 and data["b"].dtype == np.int64
        assert data["kind"].dtype == np.uint8 and data["a"].size == 0


def test_signatures_are_read_across_parts_by_global_row(tmp_path: Path):
    first = _part(tmp_path / "a", np.stack([np.arange(8), np.arange(8) + 50]), [(9, NEAR, [1])])
    second_sig = np.stack([np.arange(8) + 50, np.arange(8)])
    second = _part(tmp_path / "b", second_sig, [(9, NEAR, [0, 1])])
    second = PartRef(second.folder, 2, 2)
    assert bucket_edges(0, [first, second], tmp_path, threshold=1.0) == 1
    assert _edges(tmp_path) == {(1, 2, NEAR)}  # global rows: part a's 1, part b's 0


def test_large_candidate_groups_are_checked_against_their_first_member():
    small = _candidate_pairs(np.arange(MAX_PAIRWISE_GROUP))
    assert len(small) == MAX_PAIRWISE_GROUP * (MAX_PAIRWISE_GROUP - 1) // 2
    large = _candidate_pairs(np.arange(MAX_PAIRWISE_GROUP + 1) + 7)
    assert large.tolist() == [[7, 7 + i] for i in range(1, MAX_PAIRWISE_GROUP + 1)]


# -- which document a cluster keeps --------------------------------------------------------


def _meta_part(folder: Path, rows: list[dict], offset: int) -> PartRef:
    folder.mkdir(parents=True)
    table = pa.table({
        "row": pa.array(range(len(rows)), pa.int32()),
        "id": [r["id"] for r in rows],
        "text_len": pa.array([r["len"] for r in rows], pa.int32()),
        "warc_date": [r.get("date") for r in rows],
        "url_key": pa.array([r.get("url", offset + i) for i, r in enumerate(rows)], pa.uint64()),
        "text_key": pa.array([r.get("text", 1000 + offset + i) for i, r in enumerate(rows)],
                             pa.uint64()),
    })  # fmt: skip
    pq.write_table(table, folder / "meta.parquet")
    return PartRef(folder, offset, len(rows))


def _write_edges(workdir: Path, pairs: list[tuple[int, int]]) -> None:
    (workdir / "edges").mkdir(parents=True, exist_ok=True)
    a = np.array([p[0] for p in pairs], np.int64)
    b = np.array([p[1] for p in pairs], np.int64)
    np.savez(workdir / "edges" / "b-0000.npz", a=a, b=b, kind=np.zeros(len(a), np.uint8))


def _decisions(workdir: Path, task: str) -> list[dict]:
    table = pq.read_table(workdir / "decisions" / f"{task}.parquet")
    assert table.schema.equals(DECISION_SCHEMA)
    return table.to_pylist()


def test_kept_document_previous_then_longest_then_earliest_then_smallest_id(tmp_path: Path):
    previous = _meta_part(tmp_path / "prev", [{"id": "p0", "len": 5, "date": "2024-01-01"}], 0)
    rows = [
        {"id": "c0", "len": 50, "date": "2023-01-01"},  # longer and older than p0: p0 wins
        {"id": "c1", "len": 10, "date": "2024-03-01"},
        {"id": "c2", "len": 12, "date": "2024-04-01"},  # longest of c1-c3: wins
        {"id": "c3", "len": 12, "date": "2024-05-01"},
        {"id": "c4", "len": 7, "date": "2024-02-01"},
        {"id": "c5", "len": 7, "date": "2024-01-01"},  # same length, earlier: wins
        {"id": "c7", "len": 3, "date": "2024-01-01"},
        {"id": "c6", "len": 3, "date": "2024-01-01"},  # all equal: smallest id wins
        {"id": "c8", "len": 3, "date": None},  # alone
    ]
    current = {"part-00000": _meta_part(tmp_path / "cur", rows, 1)}
    _write_edges(tmp_path, [(0, 1), (2, 3), (4, 3), (5, 6), (7, 8)])
    figures = cluster(tmp_path, current, [previous], buckets=1)
    by_row = {d["row"]: d for d in _decisions(tmp_path, "part-00000")}
    assert set(by_row) == {0, 1, 2, 3, 4, 5, 6, 7}  # row 8 (c8) has no edge: no decision
    kept = {rows[r]["id"]: d["kept_id"] for r, d in by_row.items()}
    assert kept == {"c0": "p0", "c1": "c2", "c2": "c2", "c3": "c2", "c4": "c5", "c5": "c5",
                    "c7": "c6", "c6": "c6"}
    assert [by_row[r]["keep"] for r in range(8)] == [False, False, True, False, False, True,
                                                      False, True]
    assert by_row[1]["size"] == 3 and by_row[0]["size"] == 2 and by_row[6]["size"] == 2
    assert by_row[1]["cluster"] == cluster_id("c2") == by_row[3]["cluster"]
    assert figures["documents"] == 9 and figures["previous_documents"] == 1
    assert figures["edges"] == 5 and figures["documents_with_duplicates"] == 9
    assert figures["clusters"] == 4 and figures["removed"] == 5
    assert figures["removed_by_kind"] == {"url": 0, "exact": 0, "near": 5}
    # the edge arrays (int64 a and b), an int64 label per node and 64 bytes of metadata
    assert figures["clustering_memory_bytes"] == 16 * 5 + (8 + 64) * 9
    assert json.loads((tmp_path / "clusters.json").read_text()) == figures


def test_cluster_ids_are_the_kept_documents_hash_within_int64():
    assert cluster_id("c2") == xxhash.xxh3_64_intdigest(b"c2") >> 1
    assert all(0 <= cluster_id(str(i)) < 2**63 for i in range(200))


def test_parts_without_duplicates_and_empty_texts(tmp_path: Path):
    """A part with no duplicated row is skipped, not the end of the reading; two empty texts
    are duplicates (their length is 0); a document without a date sorts as the earliest."""
    first = _meta_part(tmp_path / "p0", [{"id": "a", "len": 4, "date": "2024-01-01"}], 0)
    rows = [
        {"id": "e1", "len": 0, "date": "2024-02-01", "text": 5},
        {"id": "e2", "len": 0, "date": None, "text": 5},
        {"id": "f1", "len": 9, "date": "2024-01-01"},
        {"id": "f2", "len": 9, "date": None},
    ]
    second = _meta_part(tmp_path / "p1", rows, 1)
    _write_edges(tmp_path, [(1, 2), (3, 4)])
    figures = cluster(tmp_path, {"part-00000": first, "part-00001": second}, [], buckets=1)
    assert _decisions(tmp_path, "part-00000") == []
    kept = {rows[d["row"]]["id"]: d["kept_id"] for d in _decisions(tmp_path, "part-00001")}
    assert kept == {"e1": "e2", "e2": "e2", "f1": "f2", "f2": "f2"}
    assert figures["removed_by_kind"] == {"url": 0, "exact": 1, "near": 1}


def test_a_run_without_current_parts_removes_nothing(tmp_path: Path):
    previous = _meta_part(tmp_path / "prev", [{"id": "a", "len": 3}, {"id": "b", "len": 2}], 0)
    _write_edges(tmp_path, [(0, 1)])
    figures = cluster(tmp_path, {}, [previous], buckets=1)
    assert figures["documents"] == 0 and figures["removed"] == 0 and figures["clusters"] == 1


def test_the_kind_of_a_removed_document_exact_before_url(tmp_path: Path):
    rows = [
        {"id": "a", "len": 9, "url": 1, "text": 7},
        {"id": "b", "len": 8, "url": 1, "text": 7},  # same text and URL: exact
        {"id": "c", "len": 7, "url": 1, "text": 8},  # same URL only: url
        {"id": "d", "len": 6, "url": 2, "text": 9},  # neither: near
    ]
    current = {"part-00003": _meta_part(tmp_path / "cur", rows, 0)}
    _write_edges(tmp_path, [(0, 1), (0, 2), (2, 3)])
    figures = cluster(tmp_path, current, [], buckets=1)
    kinds = [d["kind"] for d in _decisions(tmp_path, "part-00003")]
    assert kinds == ["", "exact", "url", "near"]
    assert figures["removed_by_kind"] == {"url": 1, "exact": 1, "near": 1}


def test_components_follow_long_chains_and_keep_isolated_nodes():
    n = 40
    a, b = np.arange(n - 2, 0, -1), np.arange(n - 1, 1, -1)  # a chain 1-2-...-39, reversed
    labels = components(n + 1, a, b)
    assert labels[0] == 0 and labels[n] == n  # isolated nodes
    assert set(labels[1:n].tolist()) == {1}
    assert components(3, np.array([], np.int64), np.array([], np.int64)).tolist() == [0, 1, 2]
    assert components(4, np.array([3, 1]), np.array([2, 0])).tolist() == [0, 0, 2, 2]
    assert components(2, np.array([1]), np.array([0])).tolist() == [0, 0]  # a single edge


# -- keys: what makes documents candidates -------------------------------------------------


def test_url_and_text_normalisation():
    assert _norm_url("HTTP://Example.COM:80/a?b=2&a=1#top") == _norm_url("http://example.com/a?a=1&b=2")
    assert _norm_url(" http://[::1/a#frag ") == "http://[::1/a"  # unparsable: kept, trimmed
    assert _norm_text("Ｆｏｏ  BAR\n baz") == "foo bar baz"


def _docs_file(path: Path, docs: list[dict]) -> str:
    table = pa.table({
        "id": [d["id"] for d in docs], "url": [d.get("url") for d in docs],
        "text": [d.get("text") for d in docs], "lang": [d.get("lang") for d in docs],
        "source": [{"warc_date": d.get("date")} if d.get("date") else None for d in docs],
    })  # fmt: skip
    pq.write_table(table, path)
    return str(path)


def _config(**kw) -> IndexConfig:
    args = {"threshold": 0.8, "num_perm": 32, "ngram": 3, "seed": 1, "per_language": True,
            "buckets": 2, "kinds": (URL, EXACT, NEAR)}
    args.update(kw)
    return IndexConfig(**args)


def test_signature_part_keys_by_kind_and_language(tmp_path: Path):
    text = sample_pages(["fr"], per_lang=1)[0].text
    docs = [
        {"id": "a", "url": "http://h/x#1", "text": text, "lang": "fr", "date": "2024-01-01"},
        {"id": "b", "url": "http://h/x#2", "text": text.upper(), "lang": "fr"},
        {"id": "c", "url": "http://h/y", "text": text, "lang": "de"},
        {"id": "d", "url": None, "text": None, "lang": None},
    ]
    path = _docs_file(tmp_path / "in.parquet", docs)
    config = _config()
    assert signature_part("part-00000", path, tmp_path, config) == 4
    out = tmp_path / "parts" / "part-00000"
    meta = pq.read_table(out / "meta.parquet").to_pylist()
    assert [m["text_len"] for m in meta] == [len(text), len(text), len(text), 0]
    assert [m["warc_date"] for m in meta] == ["2024-01-01", None, None, None]
    assert meta[0]["url_key"] == meta[1]["url_key"] != meta[2]["url_key"]
    assert meta[0]["text_key"] == meta[1]["text_key"] != meta[2]["text_key"]  # other language
    sig = np.load(out / "sig.npy")
    assert sig.shape == (4, 32) and (sig[0] == sig[1]).all()
    buckets = [pq.read_table(out / f"b-{i:04d}.parquet") for i in range(2)]
    assert all(t.schema.equals(BUCKET_SCHEMA) for t in buckets)
    rows = pa.concat_tables(buckets).to_pylist()
    n_bands = config.hasher().bands[0]
    assert len(rows) == 4 * (2 + n_bands)
    for t, bucket in zip(buckets, range(2), strict=True):
        assert all(k % 2 == bucket for k in t["key"].to_pylist())
    assert (out / "_DONE").read_text() == "4"
    # finished parts are not redone
    assert signature_part("part-00000", "/nowhere.parquet", tmp_path, config) == 4
    # per_language off: the German copy shares the French copy's text key
    exact_only = _config(per_language=False, kinds=(EXACT,))
    signature_part("part-00000", path, tmp_path / "all", exact_only)
    meta = pq.read_table(tmp_path / "all" / "parts" / "part-00000" / "meta.parquet").to_pylist()
    assert meta[0]["text_key"] == meta[2]["text_key"]
    only_exact = pa.concat_tables(
        [pq.read_table(tmp_path / "all" / "parts" / "part-00000" / f"b-{i:04d}.parquet")
         for i in range(2)]).to_pylist()
    assert len(only_exact) == 4 and {r["kind"] for r in only_exact} == {EXACT}


def test_the_stage_in_process_keeps_one_of_each_duplicate_set(tmp_path: Path):
    pages = sample_pages(["de", "fr"], per_lang=2)
    docs = [{"id": f"{p.lang}{i}", "url": p.url, "text": p.text, "lang": p.lang}
            for i, p in enumerate(pages)]
    docs.append({"id": "zz-copy", "url": "http://other/copy", "text": pages[0].text.upper(),
                 "lang": pages[0].lang})  # an exact copy once normalised, as long: id decides
    path = _docs_file(tmp_path / "in.parquet", docs)
    stage = DedupStage(DedupParams(num_perm=32, buckets=2))
    run_dir = RunDir(tmp_path / "run")
    figures = stage.prepare([("part-00000", path)], run_dir, _serial)
    index = json.loads((run_dir.workdir("dedup") / "index.json").read_text())
    assert index["bands"] == list(stage.params.index_config().hasher().bands)
    assert index["num_perm"] == 32 and index["kinds"] == [URL, EXACT, NEAR]
    assert figures["documents"] == 5 and figures["removed"] == 1
    assert figures["removed_by_kind"]["exact"] == 1 and figures["edges_per_bucket_max"] >= 1
    assert {"signatures_s", "buckets_s", "clustering_s"} <= set(figures)
    ctx = Context("dedup", task="part-00000", workdir=run_dir.workdir("dedup"))
    kept = list(stage.run(iter([dict(d) for d in docs]), ctx))
    assert [d["id"] for d in kept] == [d["id"] for d in docs[:4]]
    assert kept[1]["dup_cluster"] is None and kept[1]["dup_cluster_size"] == 1
    assert kept[0]["dup_cluster"] == cluster_id(docs[0]["id"]) and kept[0]["dup_cluster_size"] == 2
    (row,) = ctx.ledger
    assert row["reason"] == "duplicate" and row["dup_of"] == docs[0]["id"]
    assert row["detail"] == f"exact duplicate of {docs[0]['id']} (2 in cluster)"
    assert row["dup_cluster"] == cluster_id(docs[0]["id"])


def test_a_previous_index_must_match(tmp_path: Path):
    docs = [{"id": "a", "url": "http://h/a", "text": "one two three four", "lang": "fr"}]
    path = _docs_file(tmp_path / "in.parquet", docs)
    first = RunDir(tmp_path / "r1")
    DedupStage(DedupParams(num_perm=32, buckets=2)).prepare([("part-00000", path)], first, _serial)
    work = first.workdir("dedup")
    again = DedupStage(DedupParams(num_perm=32, buckets=2, previous=[work]))
    figures = again.prepare([("part-00000", path)], RunDir(tmp_path / "r2"), _serial)
    assert figures["previous_documents"] == 1 and figures["removed"] == 1  # the old one stays
    for key, value in (("num_perm", 64), ("seed", 2), ("ngram", 4), ("threshold", 0.7),
                       ("per_language", False), ("buckets", 3)):
        params = {"num_perm": 32, "buckets": 2, key: value, "previous": [work]}
        with pytest.raises(ValueError, match=f"index built with {key}="):
            DedupStage(DedupParams(**params)).prepare([("part-00000", path)],
                                                       RunDir(tmp_path / f"x{key}"), _serial)
    narrow = RunDir(tmp_path / "r3")
    DedupStage(DedupParams(num_perm=32, buckets=2, near=False, url=False)).prepare(
        [("part-00000", path)], narrow, _serial)
    with pytest.raises(ValueError, match="index built without url, near keys"):
        DedupStage(DedupParams(num_perm=32, buckets=2, previous=[narrow.workdir("dedup")])
                   ).prepare([("part-00000", path)], RunDir(tmp_path / "r4"), _serial)
    with pytest.raises(ValueError, match="at least one of url, exact, near"):
        DedupParams(url=False, exact=False, near=False)


# -- keys: their exact form is what an earlier run's index is matched with -----------------


def _xxh(*parts: str) -> int:
    return xxhash.xxh3_64_intdigest("\x00".join(parts).encode())


def test_keys_are_stable_across_versions(tmp_path: Path):
    """A previous run's index is matched by key: a change of form would match nothing."""
    docs = [{"id": "a", "url": "http://h/x", "text": "Some  Text", "lang": "fr", "date": "d"},
            {"id": "b", "url": None, "text": None, "lang": "fr"}]
    path = _docs_file(tmp_path / "in.parquet", docs)
    for per_language, salt in ((True, "fr"), (False, "")):
        work = tmp_path / str(per_language)
        signature_part("part-00000", path, work, _config(per_language=per_language))
        meta = pq.read_table(work / "parts" / "part-00000" / "meta.parquet")
        assert meta.column_names == ["row", "id", "text_len", "warc_date", "url_key",
                                     "text_key"]
        assert [str(t) for t in meta.schema.types] == ["int32", "string", "int32", "string",
                                                      "uint64", "uint64"]
        rows = meta.to_pylist()
        assert rows[0]["url_key"] == _xxh("url", salt, "http://h/x")
        assert rows[0]["text_key"] == _xxh("text", salt, "some text")
        assert rows[1]["url_key"] == _xxh("url", salt, "")
        assert rows[1]["text_key"] == _xxh("text", salt, "")
        near = pa.concat_tables(
            [pq.read_table(work / "parts" / "part-00000" / f"b-{i:04d}.parquet")
             for i in range(2)]).to_pylist()
        config = _config(per_language=per_language)
        sig = np.load(work / "parts" / "part-00000" / "sig.npy")
        salts = np.array([_xxh("near", salt)] * 2, dtype=np.uint64)
        expected = config.hasher().band_keys(sig, salts)
        got = sorted((r["row"], r["key"]) for r in near if r["kind"] == NEAR)
        assert got == sorted((row, int(k)) for row in range(2) for k in expected[row])


def test_a_text_equal_to_its_url_is_not_its_own_duplicate(tmp_path: Path):
    docs = [{"id": "a", "url": "http://h/x", "text": "http://h/x", "lang": "fr"}]
    path = _docs_file(tmp_path / "in.parquet", docs)
    config = _config(buckets=1)
    signature_part("part-00000", path, tmp_path, config)
    part = PartRef(tmp_path / "parts" / "part-00000", 0, 1)
    assert bucket_edges(0, [part], tmp_path, config.threshold) == 0


def test_an_interrupted_part_is_redone(tmp_path: Path):
    docs = [{"id": "a", "url": "http://h/x", "text": "one two", "lang": "fr"}]
    path = _docs_file(tmp_path / "in.parquet", docs)
    (tmp_path / "parts" / "part-00000").mkdir(parents=True)  # left without its _DONE
    assert signature_part("part-00000", path, tmp_path, _config()) == 1


def test_the_hasher_takes_every_index_setting():
    hasher = _config(seed=7, threshold=0.7, ngram=4, num_perm=48).hasher()
    assert (hasher.seed, hasher.threshold, hasher.ngram, hasher.num_perm) == (7, 0.7, 4, 48)


def test_fragments_are_dropped_whatever_they_hold():
    assert _norm_url("http://h/a#x#y") == _norm_url("http://h/a")
    assert _norm_url("http://[::1/a#x#y") == "http://[::1/a"


# -- MinHash: the documented constructions, computed here with Python integers -------------

M64 = (1 << 64) - 1


def _fmix64(h: int) -> int:
    """MurmurHash3's fmix64, as its reference code writes it."""
    h ^= h >> 33
    h = (h * 0xFF51AFD7ED558CCD) & M64
    h ^= h >> 33
    h = (h * 0xC4CEB9FE1A85EC53) & M64
    return h ^ (h >> 33)


def test_fmix64_is_murmurhash3s_finalizer():
    values = [0, 1, 2**33 + 5, 0xDEADBEEFCAFEBABE, M64]
    got = minhash.fmix64(np.array(values, dtype=np.uint64)).tolist()
    assert got == [_fmix64(v) for v in values]


def test_shingle_hash_combines_word_hashes_by_position():
    mult = [int(m) for m in minhash._POSITION_MULTIPLIERS]
    w = [xxhash.xxh3_64_intdigest(x.encode()) for x in ("alpha", "beta", "gamma")]
    expected = [(((w[0] * mult[0]) & M64) ^ ((w[1] * mult[1]) & M64)) >> 32,
                (((w[1] * mult[0]) & M64) ^ ((w[2] * mult[1]) & M64)) >> 32]
    assert shingle_hashes("Alpha, beta; GAMMA", None, 2).tolist() == expected
    short = ((w[0] * mult[0]) & M64) >> 32  # one shingle, the missing word is 0
    assert shingle_hashes("alpha", None, 2).tolist() == [short]
    # scripts without spaces are shingled by character
    assert shingle_hashes("日本語", "ja", 2).size == 2
    assert shingle_hashes("日本語", None, 2).size == 1


def test_word_hashes_are_xxh3_and_the_table_starts_over_above_its_limit(monkeypatch):
    monkeypatch.setattr(minhash, "_WORD_HASH", {})  # not what earlier tests cached
    table = minhash._word_hashes(["zq-unseen-word"])
    assert table["zq-unseen-word"] == xxhash.xxh3_64_intdigest(b"zq-unseen-word")
    monkeypatch.setattr(minhash, "_WORD_HASH", {str(i): i for i in range(3)})
    monkeypatch.setattr(minhash, "_WORD_HASH_LIMIT", 3)
    assert len(minhash._word_hashes(["x"])) == 4  # at the limit: kept
    assert len(minhash._word_hashes(["y"])) == 1  # above it: started over


def test_band_keys_mix_rows_band_and_salt():
    hasher = MinHasher(num_perm=16, threshold=0.5)
    n_bands, rows = hasher.bands
    sig = np.arange(32, dtype=np.uint32).reshape(2, 16) * np.uint32(2654435761)
    salts = np.array([3, 2**63 + 9], dtype=np.uint64)
    keys = hasher.band_keys(sig, salts)
    assert keys.dtype == np.uint64 and keys.shape == (2, n_bands)
    rowm = [int(m) for m in minhash._ROW_MULTIPLIERS]
    bandc = [int(c) for c in minhash._BAND_CONSTANTS]
    for d in range(2):
        for band in range(n_bands):
            acc = int(salts[d]) ^ bandc[band]
            for pos in range(rows):
                value = int(sig[d, band * rows + pos])
                acc = _fmix64(acc ^ ((value * rowm[pos]) & M64))
            assert int(keys[d, band]) == acc


def test_batched_signatures_equal_one_document_at_a_time():
    hasher = MinHasher(num_perm=16, ngram=1)
    sizes = [1500, 600, 10, 2100, 1, 700]  # 2100 shingles: more than one batch holds
    texts = [" ".join(f"w{i}x{j}" for j in range(n)) for i, n in enumerate(sizes)]
    together = hasher.signatures(texts, [None] * len(texts))
    assert together.dtype == np.uint32 and together.shape == (6, 16)
    alone = np.vstack([hasher.signatures([t], [None]) for t in texts])
    assert np.array_equal(together, alone)
    with pytest.raises(ValueError):
        hasher.signatures(texts, [None])  # one language per text
