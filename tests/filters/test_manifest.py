"""Manifests: the shipped set is valid; every kind of error names the file and the key; the
registry refuses unknown ids; `leam manifests` lists, shows, validates and diffs."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from leam.corpus.cli.app import app
from leam.corpus.languages import EU24
from leam.filters.manifest import (
    ManifestError,
    bundled_dir,
    load_manifest,
    load_set,
    parse_manifest,
)
from leam.filters.registry import FILTERS, UnknownFilterError, filter_class
from leam.filters.text import stop_words

runner = CliRunner()

GOOD = """\
id: gopher_quality
version: 1
category: quality
implementation: gopher_quality
action: drop
rationale: Removes what is not prose.
params: {min_words: 50}
languages:
  fi:
    reason: Finnish compounds make fewer, longer words.
    params: {min_words: 40}
"""


def test_shipped_manifests_cover_every_filter_and_language():
    manifests = load_set()
    assert {m.implementation for m in manifests.values()} == set(FILTERS)
    assert all(stop_words(lang) for lang in EU24)  # every EU language has its own list
    for m in manifests.values():
        assert m.rationale and m.references, m.id
        assert all(o.reason for o in m.languages.values()), m.id
    assert manifests["c4_quality"].params_for("el").end_punctuation[3] == ";"


def test_a_good_manifest_and_its_language_override():
    m = parse_manifest(GOOD, "gopher_quality.yaml", expected_id="gopher_quality")
    assert m.params_for("fi").min_words == 40 and m.params_for("de").min_words == 50
    assert m.resolved()["languages"] == {
        "fi": {"reason": "Finnish compounds make fewer, longer words.", "params": {"min_words": 40}}
    }
    assert len(m.sha256) == 64


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (("version: 1\n", ""), "g.yaml: version: Field required"),
        (("implementation: gopher_quality", "implementation: filters.gopher:Gopher"),
         "g.yaml: implementation: unknown filter 'filters.gopher:Gopher'; known filters: "),
        (("{min_words: 50}", "{min_wordz: 50}"), "g.yaml: params.min_wordz: Extra inputs"),
        (("{min_words: 50}", "{min_words: fifty}"), "g.yaml: params.min_words: Input should be"),
        (("{min_words: 40}", "{min_words: '40'}"), "g.yaml: languages.fi.params.min_words:"),
        (("  fi:\n", "  xx:\n"), "g.yaml: languages.xx: not one of the EU-24 codes"),
        (("    reason: Finnish compounds make fewer, longer words.\n", ""),
         "g.yaml: languages.fi.reason: Field required"),
        (("action: drop", "action: redact"), "g.yaml: action: 'redact' is not an action"),
        (("action: drop", "action: delete"), "g.yaml: action: Input should be 'drop'"),
        (("category: quality", "category: taste"), "g.yaml: category: Input should be"),
        (("rationale: Removes what is not prose.\n", ""), "g.yaml: rationale: Field required"),
        (("params: {min_words: 50}", "params: &p {min_words: 50}"), "anchors and aliases"),
        (("id: gopher_quality", "id: other"), "g.yaml: id: 'other' does not match the file name"),
        (("params: {", "params: {{"), "g.yaml: not valid YAML"),
        (("version: 1", "version: 1\nowner: me"), "g.yaml: owner: Extra inputs"),
    ],
)  # fmt: skip
def test_each_kind_of_error_names_file_and_key(change, message):
    text = GOOD.replace(*change)
    assert text != GOOD
    with pytest.raises(ManifestError) as err:
        parse_manifest(text, "g.yaml", expected_id="gopher_quality")
    assert message in str(err.value)


def test_registry_unknown_id_lists_known_ones():
    with pytest.raises(UnknownFilterError, match="known filters: banned_words, c4_quality"):
        filter_class("gopher")


def _copy_set(tmp_path: Path, name: str) -> Path:
    folder = tmp_path / name
    shutil.copytree(bundled_dir(), folder)
    return folder


def test_cli_list_show_validate(tmp_path):
    result = runner.invoke(app, ["manifests", "list"])
    assert result.exit_code == 0 and "gopher_quality" in result.output
    result = runner.invoke(app, ["manifests", "show", "pii_redaction"])
    assert result.exit_code == 0 and "sha256" in result.output and "identifiers:" in result.output
    assert runner.invoke(app, ["manifests", "validate"]).exit_code == 0
    broken = _copy_set(tmp_path, "broken")
    path = broken / "fineweb_quality.yaml"
    path.write_text(path.read_text().replace("short_line_length: 30", "short_line_length: 3.5"))
    result = runner.invoke(app, ["manifests", "validate", str(broken)])
    assert result.exit_code == 2
    assert "fineweb_quality.yaml: params.short_line_length" in result.output
    assert "(given: 3.5)" in result.output
    assert load_manifest(bundled_dir() / "gopher_quality.yaml").id == "gopher_quality"


def test_diff_says_what_changed_in_reviewer_terms(tmp_path):
    old, new = _copy_set(tmp_path, "old"), _copy_set(tmp_path, "new")
    (new / "banned_words.yaml").unlink()
    gq = new / "gopher_quality.yaml"
    text = (
        gq.read_text().replace("version: 1", "version: 2").replace("min_words: 50", "min_words: 40")
    )
    text += (
        "languages:\n  fi:\n    reason: Long compounds.\n    params: {max_mean_word_length: 12.0}\n"
    )
    gq.write_text(text)
    c4 = new / "c4_quality.yaml"
    c4.write_text(c4.read_text().replace("min_sentences: 5", "min_sentences: 3"))
    result = runner.invoke(app, ["manifests", "diff", str(old), str(new)])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert "- filter removed: banned_words v1 (only in old: banned_words.yaml)" in lines
    n = len(list(old.glob("*.yaml")))
    assert lines[:2] == [f"--- old: {old} ({n} manifests)", f"+++ new: {new} ({n - 1} manifests)"]
    assert "~ gopher_quality: version 1 → 2" in lines
    assert (
        "~ gopher_quality: min_words: 50 → 40 (default, all languages without their own value)"
        in lines
    )
    assert (
        "~ gopher_quality: max_mean_word_length for Finnish (fi): 10.0 → 12.0  "
        "(reason: Long compounds.)" in lines
    )
    assert "! c4_quality: changed but still version 1: bump the version" in lines
    same = runner.invoke(app, ["manifests", "diff", str(old), str(old)])
    assert same.output.splitlines()[-1] == "no changes"


def test_diff_compares_identifier_rules_entry_by_entry(tmp_path):
    old, new = _copy_set(tmp_path, "old"), _copy_set(tmp_path, "new")
    pii = new / "pii_redaction.yaml"
    text = pii.read_text().replace("version: 2", "version: 3", 1)
    text = text.replace(
        "      validator: pl.pesel\n      context: near_words",
        "      validator: pl.pesel\n      context: anywhere",
    )
    start, end = text.index("    - id: es_nie"), text.index("    - id: cy_tic")
    pii.write_text(text[:start] + text[end:])
    result = runner.invoke(app, ["manifests", "diff", str(old), str(new)])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[2:] == [
        "~ pii_redaction: version 2 → 3",
        "~ pii_redaction: identifiers: - es_nie",
        "~ pii_redaction: identifiers: pl_pesel context: 'near_words' → 'anywhere'",
    ]
