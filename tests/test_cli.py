"""The single-stage commands, --help, fsspec inputs, and a task that fails for good."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import click
import pyarrow.parquet as pq
import pytest
import typer
from typer.testing import CliRunner

from leam.corpus.cli.app import app
from leam.pipelines.lid.model import default_model_path

runner = CliRunner()


def _commands(command: click.Command, path: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    """Every command of `leam`, groups' sub-commands included, read from the app itself."""
    subs = getattr(command, "commands", {})
    if not subs:
        return [path]
    return [p for name, sub in sorted(subs.items()) for p in _commands(sub, (*path, name))]


COMMANDS = _commands(typer.main.get_command(app))


def test_the_command_list_is_complete():
    assert {"run", "crawl", "audit", "verify", "train"} <= {c[0] for c in COMMANDS}
    assert ("manifests", "diff") in COMMANDS and ("tokenizer", "eval") in COMMANDS


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_every_command_explains_itself(command: tuple[str, ...]):
    result = runner.invoke(app, [*command, "--help"])
    assert result.exit_code == 0, result.output
    assert "Usage" in result.output and len(result.output) > 300


def test_root_help_groups_commands_by_user():
    result = runner.invoke(app, ["--help"])
    assert "Data engineer" in result.output and "Runs" in result.output


def test_presets_lists_and_shows():
    assert "eu24" in runner.invoke(app, ["presets"]).output
    shown = runner.invoke(app, ["presets", "eu24"]).output
    assert "default_threshold" in shown and "max_payload_bytes" in shown


@pytest.fixture(scope="module")
def extracted(ray_local, warc_dir: Path, tmp_path_factory) -> Path:
    """`leam extract` on a file:// glob (fsspec), as a user with remote inputs would."""
    runs = tmp_path_factory.mktemp("runs")
    url = f"file://{warc_dir}/a-*.warc.gz"
    result = runner.invoke(app, ["extract", url, "--runs-dir", str(runs), "--run-id", "x", "-q"])
    assert result.exit_code == 0, result.output
    return runs / "x"


def test_extract_command_reads_fsspec_urls(extracted: Path):
    record = json.loads((extracted / "run.json").read_text())
    assert record["inputs"][0]["path"].startswith("file://")
    assert list(record["stages"]) == ["extract"]
    assert record["stages"]["extract"]["docs_out"] > 10


def test_langid_command_with_another_model_file(extracted: Path, tmp_path: Path):
    model = tmp_path / "my-lid.ftz"
    shutil.copy(default_model_path(), model)
    result = runner.invoke(
        app,
        ["langid", str(extracted / "extract"), "--lid-model", str(model),
         "--runs-dir", str(tmp_path), "--run-id", "l", "-q"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    record = json.loads((tmp_path / "l" / "run.json").read_text())
    assert record["pipeline"]["stages"][0]["params"]["model"] == str(model)
    assert record["stages"]["langid"]["out_by_lang"]["de"] >= 1


def test_a_task_that_fails_for_good_is_reported_and_the_rest_kept(extracted: Path, tmp_path: Path):
    good = extracted / "extract" / "part-00000.parquet"
    bad = tmp_path / "in" / "zz-corrupt.parquet"
    bad.parent.mkdir()
    bad.write_bytes(b"PAR1 this is not a parquet file")
    args = ["langid", str(good), str(bad), "--runs-dir", str(tmp_path), "--run-id", "f", "-q"]
    result = runner.invoke(app, args)
    assert result.exit_code == 1
    record = json.loads((tmp_path / "f" / "run.json").read_text())
    assert record["status"] == "incomplete"
    [failed] = record["stages"]["langid"]["tasks_failed"]
    assert failed["input"].endswith("zz-corrupt.parquet") and failed["error"]
    assert pq.read_table(tmp_path / "f" / "langid" / "part-00000.parquet").num_rows > 0
    assert "zz-corrupt.parquet" in result.output


def test_filter_command_with_a_pinned_manifest(extracted: Path, tmp_path: Path):
    """langid first (filters need `lang`), then one filter pinned to its version."""
    lid = runner.invoke(
        app,
        ["langid", str(extracted / "extract"), "--runs-dir", str(tmp_path), "--run-id", "l", "-q"],
    )
    assert lid.exit_code == 0, lid.output
    args = ["filter", str(tmp_path / "l" / "langid"), "-f", "gopher_quality@1",
            "--runs-dir", str(tmp_path), "--run-id", "f", "-q"]  # fmt: skip
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    record = json.loads((tmp_path / "f" / "run.json").read_text())
    [resolved] = record["pipeline"]["stages"][0]["params"]["resolved"]
    assert resolved["id"] == "gopher_quality" and len(resolved["sha256"]) == 64
    stage = record["stages"]["filter"]
    assert stage["reconciled"] and stage["docs_in"] > 0


def test_error_messages_are_printed_as_written(capsys):
    from leam.corpus.cli import errors

    exit_ = errors.fail("weights [de=2, fr] need LANG=W")
    assert exit_.exit_code == 2
    assert "error: weights [de=2, fr] need LANG=W" in capsys.readouterr().err
