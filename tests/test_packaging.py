"""The distribution installs one import name, `leam`, and the layers cover every module.

The wheel is built from this checkout and installed into a fresh virtual environment (its
dependencies are borrowed from the running one through a path file, so nothing is
downloaded), where `import leam.filters` must work and `import filters` must not.
"""

from __future__ import annotations

import subprocess
import sys
import venv
import zipfile
from pathlib import Path

import pytest
import tomllib
import yaml

ROOT = Path(__file__).resolve().parents[1]
FOLDERS = ("corpus", "pipelines", "filters", "tokenizer", "trainer")


def _pyproject() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())


def test_the_package_list_is_the_tree():
    """setuptools does not rename what it finds, so the packages are listed by hand: the
    list must hold every folder with an __init__.py, and nothing else."""
    listed = set(_pyproject()["tool"]["setuptools"]["packages"]) - {"leam.manifests"}
    tree = {
        "leam." + ".".join(p.parent.relative_to(ROOT).parts)
        for folder in FOLDERS
        for p in (ROOT / folder).rglob("__init__.py")
    }
    assert listed == tree


def test_every_core_module_is_in_a_layer():
    """A new module of leam.corpus outside every layer would escape the contract."""
    contracts = _pyproject()["tool"]["importlinter"]["contracts"]
    layers = next(c for c in contracts if c["type"] == "layers")["layers"]
    named = {m.strip() for layer in layers for m in layer.replace(":", "|").split("|")}
    modules = {f"leam.corpus.{p.stem}" for p in (ROOT / "corpus").glob("*.py")}
    packages = {f"leam.corpus.{p.parent.name}" for p in (ROOT / "corpus").glob("*/__init__.py")}
    assert (modules | packages) - {"leam.corpus.__init__"} <= named


@pytest.mark.slow
def test_wheel_installs_only_leam(tmp_path):
    dist = tmp_path / "dist"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
         "-w", str(dist), str(ROOT)],
        check=True, capture_output=True, cwd=tmp_path,
    )  # fmt: skip
    (wheel,) = dist.glob("leam_corpus-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    tops = {n.split("/")[0] for n in names if not n.split("/")[0].endswith(".dist-info")}
    assert tops == {"leam"}
    assert "leam/manifests/gopher_quality.yaml" in names
    assert "leam/pipelines/presets/eu24.yaml" in names
    assert "leam/pipelines/samples/texts/de.jsonl" in names

    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=False)
    python = env_dir / "bin" / "python"
    site = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True, capture_output=True, text=True,
    ).stdout.strip()  # fmt: skip
    with zipfile.ZipFile(wheel) as z:
        z.extractall(site)
    # the dependencies of the running environment (the folder that holds one of them, so a
    # venv layered over another still points at the right one); its own path files (the
    # editable install's finder among them) are not processed from a directory added this way
    import yaml

    deps = str(Path(yaml.__file__).resolve().parent.parent)
    (Path(site) / "deps.pth").write_text(deps + "\n")
    check = (
        "import importlib.util as u, leam.filters, leam.pipelines.presets as p;"
        "assert 'eu24' in p.preset_names();"
        "assert all(u.find_spec(n) is None for n in "
        "('corpus', 'pipelines', 'filters', 'tokenizer', 'trainer', 'manifests'))"
    )
    subprocess.run([str(python), "-c", check], check=True, cwd=tmp_path)


def test_yaml_and_json_for_a_pipe_are_never_wrapped(tmp_path):
    """`leam presets eu24 > my.yaml` on a 30-column terminal gives a file that parses to
    the resolved preset, and that `leam run` takes."""
    from leam.pipelines.presets import load_pipeline

    leam = Path(sys.executable).parent / "leam"
    env = {"COLUMNS": "30", "TERM": "xterm-256color", "PATH": str(leam.parent)}
    result = subprocess.run(
        [str(leam), "presets", "eu24"], capture_output=True, text=True, check=True, env=env
    )
    assert "\x1b[" not in result.stdout  # no styling
    assert yaml.safe_load(result.stdout) == load_pipeline("eu24").resolved()
    mine = tmp_path / "my.yaml"
    mine.write_text(result.stdout)
    assert load_pipeline(str(mine)).sha256() == load_pipeline("eu24").sha256()
