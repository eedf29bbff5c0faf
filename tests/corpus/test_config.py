import subprocess
import sys
from pathlib import Path

import pytest

from leam.corpus.config import ConfigError, with_params
from leam.corpus.languages import EU24
from leam.filters.manifest import bundled_dir, load_set
from leam.pipelines.lid.precheck import PrecheckParams
from leam.pipelines.presets import load_pipeline, parse_pipeline, preset_names, presets_dir

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


FILTER_ONLY = """
name: f
stages:
  - stage: filter
    params: {filters: [gopher_quality], manifests: mine}
"""


def test_relative_paths_start_at_the_pipeline_file(tmp_path: Path, monkeypatch):
    project = tmp_path / "project"
    (project / "mine").mkdir(parents=True)
    manifest = (bundled_dir() / "gopher_quality.yaml").read_text()
    (project / "mine" / "gopher_quality.yaml").write_text(
        manifest.replace("min_words: 50", "min_words: 40")
    )
    (project / "f.yaml").write_text(FILTER_ONLY)
    monkeypatch.chdir(tmp_path)  # not the pipeline's folder
    params = load_pipeline("project/f.yaml").stage("filter").params
    assert params.manifests == "mine"  # recorded as written: the run record does not move
    assert params.resolved[0]["params"]["min_words"] == 40
    with pytest.raises(FileNotFoundError, match="mine: no such manifest folder"):
        parse_pipeline(FILTER_ONLY, "no file")  # no file: relative to the working directory


def test_fineweb_preset_is_datatroves_setup_from_any_directory(tmp_path: Path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert "fineweb" in preset_names() and "gopher_quality" not in preset_names()  # its manifests
    pipeline = load_pipeline("fineweb")
    assert [s.name for s in pipeline.stages] == ["extract", "langid", "filter"]
    langid = pipeline.stage("langid").params
    assert (langid.default_threshold, langid.thresholds, langid.variants) == (0.65, {}, {})
    filters = pipeline.stage("filter").params
    order = ["url_blocklist", "gopher_repetition", "gopher_quality", "c4_quality",
             "fineweb_quality"]  # fmt: skip
    assert filters.filters == order
    shipped = load_set(presets_dir() / "fineweb" / "manifests")
    assert [r["sha256"] for r in filters.resolved] == [shipped[i].sha256 for i in order]
    bundled = {m.sha256 for m in load_set().values()}
    assert not bundled & {r["sha256"] for r in filters.resolved}  # not the bundled manifests


def test_every_registered_stage_loads_under_its_own_name():
    from leam.pipelines.registry import STAGE_NAMES, stage_class

    assert all(stage_class(name).name == name for name in STAGE_NAMES)
    with pytest.raises(KeyError, match="unknown stage 'nope'"):
        stage_class("nope")


def test_asking_a_pipeline_for_a_stage_it_lacks_names_what_it_has():
    pipeline = load_pipeline("fineweb")
    assert pipeline.stage("langid").params.default_threshold == 0.65
    with pytest.raises(KeyError, match=r"no stage 'dedup' \(it has extract, langid, filter\)"):
        pipeline.stage("dedup")


def test_the_language_precheck_takes_what_langid_keeps():
    def precheck(extract_params: str, langid: str = "") -> PrecheckParams:
        text = (
            "name: p\nstages:\n"
            f"  - {{stage: extract, params: {{language_precheck: {extract_params}}}}}\n"
            + (f"  - {{stage: langid, params: {langid}}}\n" if langid else "")
        )
        return parse_pipeline(text, "p.yaml").stage("extract").params.language_precheck

    langid = "{languages: [de, hr], variants: {hr: [sr, bs]}, model: m.ftz}"
    derived = precheck("{}", langid)
    assert (derived.languages, derived.variants, derived.model) == (["de", "hr"], ["bs", "sr"],
                                                                    Path("m.ftz"))  # fmt: skip
    assert precheck("{languages: [de]}", langid).languages == ["de"]  # given here: kept
    assert precheck("{}").languages == list(EU24)  # no langid stage: the EU languages
