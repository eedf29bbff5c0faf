"""The dedup stage through `leam run`, on Parquet documents with known duplicates."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from leam.corpus.cli.app import app
from leam.corpus.schema import doc_id, empty_doc
from tests.dup_variants import jaccard, true_pairs, variant
from tests.parts import run_stage, write_parts
from tests.sample_warc import sample_pages

runner = CliRunner()
LANGS = ["de", "fr", "pl", "sl", "el", "mt", "ga", "fi"]


def _doc(url: str, text: str, lang: str, date: str = "2024-05-01T00:00:00Z") -> dict:
    source = {"warc_file": "t.warc.gz", "offset": 0, "record_id": url, "warc_date": date}
    return empty_doc(id=doc_id(url, url), url=url, text=text, lang=lang, source=source)


def _dedup(inputs: list[str], runs: Path, run_id: str, workers: int = 2, **params) -> Path:
    return run_stage("dedup", params, inputs, runs, run_id, workers)


def _rows(run: Path, sub: str) -> list[dict]:
    return pq.ParquetDataset(str(run / sub)).read().to_pylist()


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> tuple[list[dict], list[str]]:
    """Real pages and 0-3 edited copies of each: the near-duplicate test set."""
    rng = random.Random(7)
    docs = []
    for page in sample_pages(LANGS, per_lang=12):
        copies = [page.text] + [variant(page.text, rng) for _ in range(rng.randint(0, 3))]
        for k, text in enumerate(copies):
            docs.append(
                _doc(f"{page.url}?copy={k}", text, page.lang, f"2024-05-0{k + 1}T00:00:00Z")
            )
    folder = tmp_path_factory.mktemp("dedup-in")
    return docs, write_parts(docs, folder, parts=4)


@pytest.fixture(scope="module")
def deduped(ray_local, corpus, tmp_path_factory) -> Path:
    return _dedup(corpus[1], tmp_path_factory.mktemp("runs"), "r")


def test_near_duplicates_found_against_brute_force_jaccard(corpus, deduped: Path):
    docs, _ = corpus
    cluster = {
        r["id"]: r["dup_cluster"]
        for r in _rows(deduped, "dedup") + _rows(deduped, "rejected/dedup")
    }
    texts, langs = [d["text"] for d in docs], [d["lang"] for d in docs]
    pairs = true_pairs(texts, langs, 0.85)
    assert len(pairs) > 100
    found = [
        cluster[docs[i]["id"]] is not None and cluster[docs[i]["id"]] == cluster[docs[j]["id"]]
        for i, j in pairs
    ]
    assert sum(found) / len(found) >= 0.95  # recall of pairs with Jaccard ≥ 0.85
    # precision: every removed document really is close to the one kept in its place
    by_id = {d["id"]: d for d in docs}
    removed = _rows(deduped, "rejected/dedup")
    close = [jaccard(r["text"], by_id[r["dup_of"]]["text"], r["lang"]) >= 0.7 for r in removed]
    assert sum(close) / len(close) >= 0.95


def test_counts_ledger_and_cluster_sizes(corpus, deduped: Path):
    record = json.loads((deduped / "run.json").read_text())
    stage = record["stages"]["dedup"]
    assert stage["reconciled"] and stage["docs_in"] == len(corpus[0])
    assert stage["rejected_by_reason"]["duplicate"] == stage["prepared"]["removed"] > 0
    kept = _rows(deduped, "dedup")
    assert all(r["dup_cluster_size"] >= 1 for r in kept)
    assert any(r["dup_cluster_size"] > 1 and r["dup_cluster"] is not None for r in kept)
    kept_ids = {r["id"] for r in kept}
    for row in _rows(deduped, "rejected/dedup"):
        assert row["reason"] == "duplicate" and row["dup_of"] in kept_ids
        assert row["dup_cluster"] is not None and "duplicate of" in row["detail"]
    # no two kept documents of one cluster
    clusters = [r["dup_cluster"] for r in kept if r["dup_cluster"] is not None]
    assert len(clusters) == len(set(clusters))


def test_same_kept_set_whatever_the_worker_count(ray_local, corpus, deduped: Path, tmp_path: Path):
    one = _dedup(corpus[1], tmp_path, "one-worker", workers=1)
    assert sorted(r["id"] for r in _rows(one, "dedup")) == sorted(
        r["id"] for r in _rows(deduped, "dedup")
    )


def test_exact_url_and_template_cases(ray_local, tmp_path: Path):
    a, b, c = (p.text for p in sample_pages(["de"], per_lang=3))
    template = "Startseite | Kontakt | Impressum. "
    docs = [
        _doc("https://a.de/1", a, "de", "2024-01-02T00:00:00Z"),
        _doc("https://mirror.de/1", a, "de", "2024-01-01T00:00:00Z"),  # exact copy, older
        _doc("https://a.de/2", b, "de"),
        _doc("https://a.de/2#top", b + " Mehr dazu bald.", "de"),  # same URL, longer text
        _doc("https://a.de/3", template + c, "de"),
        _doc("https://a.de/4", template + a[:200], "de"),  # shares only the template
    ]
    run = _dedup(write_parts(docs, tmp_path, parts=2), tmp_path / "runs", "x")
    kept = {r["url"]: r for r in _rows(run, "dedup")}
    removed = {r["url"]: r for r in _rows(run, "rejected/dedup")}
    assert set(removed) == {"https://a.de/1", "https://a.de/2"}
    assert removed["https://a.de/1"]["detail"].startswith("exact")  # tie on length: older kept
    assert removed["https://a.de/2"]["detail"].startswith("url")  # the longer text is kept
    assert {"https://a.de/3", "https://a.de/4", "https://mirror.de/1"} <= set(kept)


def test_incremental_against_a_previous_run(ray_local, corpus, tmp_path: Path):
    docs, _ = corpus
    first, second = docs[::2], docs[1::2]
    old = _dedup(write_parts(first, tmp_path / "old", 2), tmp_path / "runs", "old")
    new = _dedup(
        write_parts(second, tmp_path / "new", 2),
        tmp_path / "runs",
        "new",
        previous=[str(old / "dedup" / "_work")],
    )
    old_ids = {d["id"] for d in first}
    removed = _rows(new, "rejected/dedup")
    assert any(r["dup_of"] in old_ids for r in removed)  # new copies of old pages are removed
    alone = _dedup(write_parts(second, tmp_path / "alone", 2), tmp_path / "runs", "alone")
    assert len(_rows(new, "dedup")) < len(_rows(alone, "dedup"))


def test_previous_index_with_other_parameters_is_refused(
    ray_local, corpus, tmp_path: Path, deduped: Path
):
    pipeline = tmp_path / "p.yaml"
    previous = str(deduped / "dedup" / "_work")
    stage = {"stage": "dedup", "params": {"num_perm": 64, "previous": [previous]}}
    pipeline.write_text(json.dumps({"name": "d", "stages": [stage]}))
    result = runner.invoke(
        app, ["run", str(pipeline), corpus[1][0], "--runs-dir", str(tmp_path), "-q"]
    )
    assert result.exit_code != 0 and "num_perm" in str(result.exception)


def test_previous_index_without_a_kind_this_run_looks_for_is_refused(
    ray_local, corpus, tmp_path: Path
):
    old = _dedup(corpus[1][:1], tmp_path, "old", workers=1, url=False)
    pipeline = tmp_path / "p.yaml"
    stage = {"stage": "dedup", "params": {"previous": [str(old / "dedup" / "_work")]}}
    pipeline.write_text(json.dumps({"name": "d", "stages": [stage]}))
    result = runner.invoke(
        app, ["run", str(pipeline), corpus[1][1], "--runs-dir", str(tmp_path), "-q"]
    )
    assert result.exit_code != 0 and "built without url keys" in str(result.exception)
