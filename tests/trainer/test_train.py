"""trainer.train on a real small export: the loss falls, a resumed run continues exactly,
two data-parallel processes (torchrun, gloo on loopback) match one; the `leam train` CLI."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from leam.corpus.cli.app import app
from leam.trainer import launch
from leam.trainer.config import TrainConfigError, load_config, parse_overrides

pytest.importorskip("torch")
from leam.trainer.train import lr_at, train

runner = CliRunner()


def _losses(out: Path) -> list[float]:
    lines = (out / "log.jsonl").read_text().splitlines()
    return [json.loads(ln)["loss"] for ln in lines if '"loss"' in ln]


def test_loss_falls_clearly_on_a_real_export(export_dir: Path, tmp_path: Path):
    cfg = load_config("tiny", overrides={"train_iters": 30, "eval_interval": 15,
                                         "save": str(tmp_path / "run")})  # fmt: skip
    summary = train(cfg, export_dir, quiet=True)
    assert summary["iterations"] == 30 and summary["first_loss"] > 5.5  # ln(400) ≈ 6.0
    assert summary["last_loss"] < summary["first_loss"] - 1.0, summary
    assert sorted(summary["valid_loss"]) == ["de", "el", "en", "fr"]
    assert all(v < summary["first_loss"] - 0.5 for v in summary["valid_loss"].values())
    out = tmp_path / "run"
    assert (out / "latest_checkpointed_iteration.txt").read_text().strip() == "30"
    assert [p.name for p in out.glob("iter_*.pt")] == ["iter_0000030.pt"]
    assert (out / "loss.svg").read_text().count("<path") >= 2


def test_resume_matches_an_uninterrupted_run(export_dir: Path, tmp_path: Path):
    common = {"train_iters": 8, "eval_interval": 100, "hidden_dropout": 0.1}
    straight = load_config("tiny", overrides={**common, "save": str(tmp_path / "a")})
    train(straight, export_dir, quiet=True)
    stopped = load_config("tiny", overrides={**common, "save": str(tmp_path / "b"),
                                             "exit_interval": 4})  # fmt: skip
    assert train(stopped, export_dir, quiet=True)["iterations"] == 4
    assert len(_losses(tmp_path / "b")) == 4
    resumed = load_config("tiny", overrides={**common, "save": str(tmp_path / "b")})
    assert train(resumed, export_dir, quiet=True)["iterations"] == 8
    assert _losses(tmp_path / "b") == _losses(tmp_path / "a")  # dropout RNG included


@pytest.mark.slow
def test_two_process_ddp_matches_one_process(export_dir: Path, tmp_path: Path):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**os.environ, "MASTER_ADDR": "127.0.0.1", "GLOO_SOCKET_IFNAME": "lo",
           "OMP_NUM_THREADS": "1"}  # fmt: skip
    args = [str(export_dir), "--preset", "tiny", "-q", "--train-iters", "4",
            "--eval-interval", "2"]  # fmt: skip
    launch = [sys.executable, "-m", "torch.distributed.run", "--nnodes", "1",
              "--nproc-per-node", "2", "--master-addr", "127.0.0.1", "--master-port", str(port),
              "-m", "leam.trainer.train"]  # fmt: skip
    two = subprocess.run([*launch, *args, "--save", str(tmp_path / "two")], env=env,
                         capture_output=True, text=True, timeout=120)  # fmt: skip
    assert two.returncode == 0, two.stderr[-3000:]
    one = load_config("tiny", overrides={"train_iters": 4, "eval_interval": 2,
                                         "save": str(tmp_path / "one")})  # fmt: skip
    train(one, export_dir, quiet=True)
    assert _losses(tmp_path / "two") == pytest.approx(_losses(tmp_path / "one"), abs=2e-5)
    valid = [json.loads(ln) for ln in (tmp_path / "two" / "log.jsonl").read_text().splitlines()]
    assert [r["iteration"] for r in valid if "valid_loss" in r] == [2, 4]
    summary = json.loads((tmp_path / "two" / "summary.json").read_text())
    assert summary["world_size"] == 2


def test_schedule_warms_up_then_decays_to_min_lr():
    cfg = load_config("tiny", overrides={"train_iters": 100, "lr_warmup_iters": 10})
    assert lr_at(cfg, 0) == pytest.approx(cfg.lr / 10) and lr_at(cfg, 9) == cfg.lr
    assert lr_at(cfg, 55) == pytest.approx((cfg.lr + cfg.min_lr) / 2)
    assert lr_at(cfg, 100) == pytest.approx(cfg.min_lr)


def test_config_layers_and_megatron_spelling(tmp_path: Path):
    (tmp_path / "c.yaml").write_text("num-layers: 3\nlr: 1.0e-3\n")
    overrides = parse_overrides(["--hidden-size", "384", "--untie-embeddings-and-output-weights",
                                 "--no-torch-compile", "--train-iters=7"])  # fmt: skip
    cfg = load_config("125M", tmp_path / "c.yaml", overrides)
    assert (cfg.num_layers, cfg.hidden_size, cfg.lr, cfg.train_iters) == (3, 384, 1e-3, 7)
    assert cfg.untie_embeddings_and_output_weights and not cfg.torch_compile
    assert cfg.seq_length == 2048  # from the preset
    with pytest.raises(TrainConfigError, match=r"unknown config field.*num_layer"):
        load_config("tiny", overrides={"num_layer": 2})
    with pytest.raises(TrainConfigError, match="micro_batch_size"):
        load_config("tiny", overrides={"global_batch_size": "6"})
    with pytest.raises(TrainConfigError, match="unknown preset"):
        load_config("1B")


def test_cli_trains_and_explains_a_missing_torch(export_dir, tmp_path, monkeypatch):
    assert "Trainer" in runner.invoke(app, ["--help"]).output
    out = tmp_path / "cli"
    args = ["train", str(export_dir), "--train-iters", "3", "--save", str(out), "-q"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "after 3 iterations" in result.output and len(_losses(out)) == 3
    bad = runner.invoke(app, ["train", str(export_dir), "--num-layer", "3"])
    assert bad.exit_code == 2 and "unknown config field" in bad.output
    monkeypatch.setattr(launch.importlib.util, "find_spec", lambda name: None)
    missing = runner.invoke(app, args)
    assert missing.exit_code == 2 and "pip install 'leam-corpus[train]'" in missing.output
