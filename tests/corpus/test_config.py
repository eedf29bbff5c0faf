import subprocess
import sys
from pathlib import Path

import pytest

from corpus.config import ConfigError, load_pipeline, parse_pipeline, preset_names, with_params

GOOD = """
name: t
stages:
  - stage: extract
  - stage: langid
    params: {default_threshold: 0.4, thresholds: {sl: 0.3}}
"""


def test_presets_load_and_resolve_every_parameter():
    assert "eu24" in preset_names()
    pipeline = load_pipeline("eu24")
    resolved = pipeline.resolved()
    stages = [s["stage"] for s in resolved["stages"]]
    assert stages[:2] == ["extract", "langid"] and stages[-2:] == ["dedup", "shard"]
    assert resolved["stages"][0]["params"]["timeout_s"] == 5.0  # defaults are recorded
    assert len(pipeline.sha256()) == 64


def test_good_file_parses():
    pipeline = parse_pipeline(GOOD, "t.yaml")
    assert pipeline.stage("langid").params.threshold("sl") == 0.3


@pytest.mark.parametrize(
    ("text", "where"),
    [
        (GOOD.replace("default_threshold", "default_treshold"), "stages.1.params.default_treshold"),
        (GOOD.replace("0.4", "high"), "stages.1.params.default_threshold"),
        (GOOD.replace("stage: extract", "stage: extrakt"), "stages.0.stage: unknown stage"),
        (GOOD.replace("name: t", "nom: t"), "nom"),
        (GOOD + "  - stage: extract\n", "a stage appears twice"),
        ("name: t\nstages: []\n", "stages"),
        ("name: t\nstages: [unclosed\n", "not valid YAML"),
    ],
)
def test_bad_files_name_the_key(text: str, where: str):
    with pytest.raises(ConfigError) as err:
        parse_pipeline(text, "bad.yaml")
    assert str(err.value).startswith("bad.yaml: ") and where in str(err.value)


def test_overrides_are_validated():
    pipeline = load_pipeline("eu24")
    with pytest.raises(ValueError):
        with_params(pipeline, "langid", top_k=0)
    assert with_params(pipeline, "langid", top_k=3).stage("langid").params.top_k == 3


def test_cli_prints_one_line_for_a_bad_file(tmp_path: Path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(GOOD.replace("0.4", "high"))
    leam = Path(sys.executable).parent / "leam"
    proc = subprocess.run([leam, "run", str(bad), str(tmp_path)], capture_output=True, text=True)
    assert proc.returncode == 2
    assert "stages.1.params.default_threshold" in proc.stderr
    assert "Traceback" not in proc.stderr
