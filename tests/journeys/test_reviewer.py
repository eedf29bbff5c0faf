"""The governance reviewer's journey (README: "For the governance reviewer"), through the
CLI: read and check the manifests, compare two sets, audit the run, and read the AI Act
summary, whose figures must be the run record's."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from tests.journeys.cli import leam
from tests.journeys.conftest import ALL_PAGES, CRAWL, RUN, Walk


def test_manifests_list_show_validate_every_problem_and_diff_sides(tmp_path: Path):
    listed = leam("manifests", "list", "--json")
    ids = [m["id"] for m in json.loads(listed.out)]
    assert "tdm_reservation" in ids and "pii_redaction" in ids
    shown = leam("manifests", "show", "gopher_quality")
    assert shown.code == 0 and "sha256" in shown.out
    assert leam("manifests", "validate").code == 0

    from leam.filters.manifest import bundled_dir

    old, new = tmp_path / "old", tmp_path / "new"
    shutil.copytree(bundled_dir(), old)
    shutil.copytree(bundled_dir(), new)
    gq = new / "gopher_quality.yaml"
    text = gq.read_text().replace("min_words: 50", 'min_words: "fifty"')
    gq.write_text(text.replace("category: quality", "category: qualty"))
    (new / "c4_quality.yaml").write_text(
        (new / "c4_quality.yaml").read_text().replace("min_sentences: 5", "min_sentences: -1")
    )
    checked = leam("manifests", "validate", new)
    assert checked.code == 2 and not checked.traceback
    # every problem of every file, with the value given; the good files are listed as ok
    assert "gopher_quality.yaml: category:" in checked.err and "(given: 'qualty')" in checked.err
    assert "gopher_quality.yaml: params.min_words:" in checked.err
    assert "(given: 'fifty')" in checked.err
    assert "c4_quality.yaml: params.min_sentences:" in checked.err and "(given: -1)" in checked.err
    assert "ok " in checked.out and "banned_words" in checked.out
    as_json = json.loads(leam("manifests", "validate", new, "--json").out)
    assert not as_json["ok"] and sum(bool(f["problems"]) for f in as_json["files"]) == 2

    gq.write_text(text.replace("version: 1", "version: 2").replace('"fifty"', "40"))
    (new / "c4_quality.yaml").unlink()
    diff = leam("manifests", "diff", old, new)
    assert diff.code == 0, str(diff)
    n = len(list(old.glob("*.yaml")))
    assert diff.lines[:2] == [
        f"--- old: {old} ({n} manifests)",
        f"+++ new: {new} ({n - 1} manifests)",
    ]
    assert "- filter removed: c4_quality v1 (only in old: c4_quality.yaml)" in diff.lines
    assert any(ln.startswith("~ gopher_quality: min_words: 50 → 40") for ln in diff.lines)


def test_audit_report(walk: Walk):
    audit = leam("audit", RUN, cwd=walk.root)
    assert audit.code == 0, str(audit)
    assert (walk.run_dir / "audit.html").is_file() and (walk.run_dir / "audit.md").is_file()


def _summary(walk: Walk, run_dir: Path) -> dict:
    report = leam("report", "ai-act", run_dir, cwd=walk.root)
    assert report.code == 0, str(report)
    return json.loads((run_dir / "reports" / "ai-act.json").read_text())


def _field(summary: dict, label: str) -> dict:
    return next(f for s in summary["sections"] for f in s["fields"] if f["label"] == label)


def test_the_ai_act_summary_says_what_run_json_says(walk: Walk):
    record = json.loads((walk.run_dir / "run.json").read_text())
    summary = _summary(walk, walk.run_dir)
    # pages extract left out for a TDM reservation (header, noai) are counted, from run.json
    reserved = record["stages"]["extract"]["rejected_by_reason"]["tdm_reservation"]
    assert reserved == 2
    opt_outs = _field(summary, "Opt-out statistics")["table"]["rows"]
    # the walk's site reserves two pages in their responses and disallows none: the rows of
    # the signals seen in responses (our crawl's, or archived by another) are those pages
    seen = sum(n for label, n in opt_outs if label.endswith(("(crawl)", "(archived)")))
    assert seen == reserved
    measures = _field(summary, "Measures to honour text-and-data-mining opt-outs")["text"]
    assert f"{reserved} fetched pages whose response reserved them" in measures
    # the filters' figures are run.json's counters, and all filters' removals its total
    filtered = record["stages"]["filter"]["counters"]
    for row in _field(summary, "Filters in force")["table"]["rows"]:
        removed = sum(n for k, n in filtered.items() if k.startswith(f"{row[0]}.removed."))
        assert row[4] == removed, row
    every_filter = sum(n for k, n in filtered.items() if ".removed." in k)
    assert every_filter == record["stages"]["filter"]["docs_rejected"]
    # documents in, out and removed at each stage are run.json's
    for name, n_in, n_out, removed, _ in _field(summary, "Processing steps")["table"]["rows"]:
        stage = record["stages"][name]
        assert (n_in, n_out, removed) == (stage["docs_in"], stage["docs_out"],
                                          stage["docs_rejected"]), name  # fmt: skip
    # the shards' size and languages are the run's
    assert summary["figures"]["languages"] == sorted(record["stages"]["shard"]["out_by_lang"])
    names = _field(summary, "Crawler name(s) / identifier(s)")
    assert names["text"].startswith(record["crawl"]["user_agent"]) and not names["to_fill"]


def test_a_crawl_resumed_after_the_run_does_not_change_the_summary(walk: Walk, tmp_path: Path):
    """Decisions of a crawl that went on after the run are not about the corpus's pages."""
    run_dir = tmp_path / "runs" / RUN
    shutil.copytree(walk.run_dir, run_dir)
    before = _summary(walk, run_dir)["figures"]["crawl_log"]
    more_pages = str(int(ALL_PAGES) + 20)
    more = leam("crawl", *walk.seeds, *CRAWL, "--max-pages", more_pages, cwd=tmp_path)
    assert more.code == 0, str(more)
    assert "20 pages fetched" in more.out or json.loads((run_dir / "run.json").read_text())[
        "crawl"
    ]["pages_fetched"] > int(ALL_PAGES)
    assert _summary(walk, run_dir)["figures"]["crawl_log"] == before
