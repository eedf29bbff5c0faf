"""run.json's energy figures: CPU-seconds × watts per core, and RAPL counters where readable."""

from __future__ import annotations

from pathlib import Path

import pytest

from leam.corpus import runrecord


def _zone(root: Path, name: str, uj: int, max_uj: int = 10**9) -> None:
    zone = root / name
    zone.mkdir(parents=True)
    (zone / "energy_uj").write_text(f"{uj}\n")
    (zone / "max_energy_range_uj").write_text(f"{max_uj}\n")


def test_rapl_reads_packages_not_subdomains(tmp_path: Path):
    _zone(tmp_path, "intel-rapl:0", 5_000_000)
    _zone(tmp_path, "intel-rapl:1", 2_500_000)
    _zone(tmp_path, "intel-rapl:0:0", 1_000_000)  # the cores of package 0: inside its figure
    assert runrecord.rapl_joules(tmp_path) == {"intel-rapl:0": 5.0, "intel-rapl:1": 2.5}


def test_rapl_absent_or_unreadable_is_none(tmp_path: Path):
    assert runrecord.rapl_joules(tmp_path) is None
    (tmp_path / "intel-rapl:0").mkdir()  # energy_uj missing, as when it is root-only
    assert runrecord.rapl_joules(tmp_path) is None


def test_rapl_delta_unwraps_a_counter(tmp_path: Path):
    _zone(tmp_path, "intel-rapl:0", 0, max_uj=100_000_000)  # wraps at 100 J
    start = {"intel-rapl:0": 95.0}
    end = {"intel-rapl:0": 3.0}
    assert runrecord.rapl_delta(start, end, tmp_path) == pytest.approx(8.0)
    assert runrecord.rapl_delta(None, end, tmp_path) is None
    assert runrecord.rapl_delta(start, {"intel-rapl:1": 3.0}, tmp_path) is None


def test_energy_per_stage_and_total():
    record = {"stages": {"extract": {"cpu_s": 12.5}, "filter": {"cpu_s": 2.5}}}
    runrecord.add_energy(record, watts_per_core=8.0)
    assert record["stages"]["extract"]["energy_j"] == 100.0
    assert record["stages"]["filter"]["energy_j"] == 20.0
    energy = record["energy"]
    assert energy["cpu_s"] == 15.0 and energy["watts_per_core"] == 8.0
    assert energy["estimate_j"] == 120.0
    assert energy["estimate_kwh"] == pytest.approx(120.0 / 3.6e6, abs=1e-6)
    assert "rapl_j" not in energy


def test_rapl_joules_add_up_over_resumed_invocations():
    record = {"stages": {"extract": {"cpu_s": 1.0}}}
    runrecord.add_energy(record, 10.0, rapl_j=40.0)
    runrecord.add_energy(record, 10.0)  # a stage finished: the measurement is kept
    assert record["energy"]["rapl_j"] == 40.0
    runrecord.add_energy(record, 10.0, rapl_j=2.5)  # the resumed invocation's own joules
    assert record["energy"]["rapl_j"] == 42.5
