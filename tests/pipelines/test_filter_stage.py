"""Stage `filter`: manifests resolved into the params (and so into run.json), drops in the
ledger with filter id, version, reason and signals, redactions counted, annotate-only mode."""

from __future__ import annotations

import pyarrow as pa
import pytest
from pydantic import ValidationError

from leam.corpus.config import ConfigError
from leam.corpus.schema import LEDGER_SCHEMA
from leam.corpus.stage import Context
from leam.pipelines.filter import FilterStage, FilterStageParams
from leam.pipelines.presets import load_pipeline, parse_pipeline
from tests.filters.docs import doc, link_list, prose

CHAIN = ["pii_redaction", "url_blocklist", "gopher_quality", "c4_quality", "fineweb_quality"]


def _run(params: FilterStageParams, docs: list[dict]) -> tuple[list[dict], Context]:
    stage = FilterStage(params)
    stage.setup()
    ctx = Context("filter")
    kept = list(stage.run(iter(docs), ctx))
    return kept, ctx


def _docs() -> list[dict]:
    return [
        doc(prose("de") + "\nSchreiben Sie an anna.muster@beispiel.de.", "de"),
        doc(prose("fi"), "fi"),
        doc(link_list(), "de", url="https://www.example.de/menu"),
        doc(prose("en"), "en", url="https://www.0-1sex.com/story"),
        doc("Zu kurz.", "pl"),
    ]


def test_params_carry_resolved_manifests_and_round_trip():
    params = FilterStageParams(filters=CHAIN)
    assert [r["id"] for r in params.resolved] == CHAIN
    assert all(len(r["sha256"]) == 64 and r["params"] and r["text"] for r in params.resolved)
    again = FilterStageParams.model_validate_json(params.model_dump_json())
    assert again == params
    tampered = params.model_dump()
    tampered["resolved"][2]["text"] = tampered["resolved"][2]["text"].replace("50", "5")
    with pytest.raises(ValidationError, match="does not match its text"):
        FilterStageParams.model_validate(tampered)


def test_pipeline_pins_versions_and_refuses_unknown_ids():
    yaml = "name: t\nstages:\n  - stage: filter\n    params:\n      filters: {}\n"
    ok = parse_pipeline(yaml.format("[{id: gopher_quality, version: 1}]"), "t.yaml")
    assert ok.stage("filter").params.resolved[0]["version"] == 1
    with pytest.raises(ConfigError, match="pins gopher_quality version 2"):
        parse_pipeline(yaml.format("[{id: gopher_quality, version: 2}]"), "t.yaml")
    with pytest.raises(ConfigError, match="no manifest with id 'gopher'"):
        parse_pipeline(yaml.format("[gopher]"), "t.yaml")


def test_eu24_runs_filters_after_langid():
    names = [s.name for s in load_pipeline("eu24").stages]
    assert names.index("filter") == names.index("langid") + 1
    assert load_pipeline("eu24").stage("filter").params.filters[0] == "pii_redaction"


def test_drops_go_to_the_ledger_with_filter_and_signals():
    kept, ctx = _run(FilterStageParams(filters=CHAIN), _docs())
    assert [d["lang"] for d in kept] == ["de", "fi"]
    assert "<EMAIL>" in kept[0]["text"] and "anna.muster" not in kept[0]["text"]
    assert kept[0]["quality"]["gopher_quality.stop_words"] >= 2
    rows = {row["reason"]: row for row in ctx.ledger}
    assert set(rows) == {"too_few_words", "blocklisted_domain", "too_few_sentences"}
    short = rows["too_few_words"]
    assert short["filter_id"] == "gopher_quality" and short["filter_version"] == 1
    assert short["signals"]["words"] == 2.0 and "words=2" in short["detail"]
    pa.Table.from_pylist(ctx.ledger, schema=LEDGER_SCHEMA)  # the rows fit the ledger schema
    assert ctx.counters["pii_redaction.redacted.email.de"] == 1
    assert ctx.counters["gopher_quality.in.pl"] == 1
    assert ctx.counters["gopher_quality.removed.pl"] == 1
    assert ctx.counters["url_blocklist.removed.en"] == 1
    assert ctx.docs_out == 2 and sum(ctx.rejected.values()) == 3


def test_annotate_only_records_decisions_and_changes_nothing():
    docs = _docs()
    texts = [d["text"] for d in docs]
    kept, ctx = _run(FilterStageParams(filters=CHAIN, annotate_only=True), docs)
    assert len(kept) == 5 and not ctx.ledger
    assert [d["text"] for d in kept] == texts  # no redaction, no line removal
    assert kept[4]["quality"]["gopher_quality.would_drop.too_few_words"] == 1.0
    assert kept[0]["quality"]["pii_redaction.email"] == 1.0
    assert ctx.counters["url_blocklist.would_remove.en"] == 1
