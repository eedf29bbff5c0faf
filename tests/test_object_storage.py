"""A run on object storage: eu24 end to end into s3:// on a real S3-API server (moto's
standalone server on 127.0.0.1), killed and resumed; its shards equal a local run's, load
with Hugging Face `datasets` through fsspec, and verify, status, audit and export megatron
work on the s3:// run."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import fsspec
import pytest
from typer.testing import CliRunner

from leam.corpus import storage
from leam.corpus.cli.app import app
from leam.corpus.cli.run_cmds import DAMAGED_INPUT_EXIT
from leam.corpus.rundir import RunDir
from tests.s3server import BUCKET, CREDENTIALS, start_server

pytest.importorskip("s3fs")
pytest.importorskip("moto")

LEAM = str(Path(sys.executable).parent / "leam")
RUNS = f"s3://{BUCKET}/runs"


@pytest.fixture(scope="module")
def s3(tmp_path_factory, ray_local):
    """The server, a bucket, and credentials in this process's environment (the workers of
    ray_local are not given them: the tests here that use workers read local mirrors)."""
    server = start_server(tmp_path_factory.mktemp("s3") / "moto.log")
    saved = {k: os.environ.get(k) for k in CREDENTIALS}
    os.environ.update(CREDENTIALS)
    fs = fsspec.filesystem("s3", endpoint_url=server.endpoint, skip_instance_cache=True)
    fs.mkdir(BUCKET)
    yield server, fs
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value
    storage.set_options({})
    server.stop()


def _leam(endpoint: str, *args: str) -> list[str]:
    return [LEAM, "--storage-option", f"endpoint_url={endpoint}", *args]


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@pytest.mark.slow
def test_eu24_into_s3_killed_resumed_and_read_back(
    s3, eu24_run: Path, warc_dir: Path, tmp_path, monkeypatch
):
    server, fs = s3
    # The killed run cannot remove its mirror: the resumed one does (same host, dead pid).
    scratch = tmp_path / "scratch"
    env = {**os.environ, **CREDENTIALS, storage.SCRATCH_ENV: str(scratch)}
    args = ["run", "eu24", str(warc_dir), "--runs-dir", RUNS, "--run-id", "s3run", "-q"]
    root = f"{BUCKET}/runs/s3run"

    # Killed (SIGKILL, no clean-up) once one extract task has committed its marker.
    proc = subprocess.Popen(_leam(server.endpoint, *args, "--workers", "1"), env=env,
                            start_new_session=True, stdout=subprocess.DEVNULL)  # fmt: skip
    deadline = time.monotonic() + 120
    while not fs.glob(f"{root}/extract/_DONE.*"):
        assert proc.poll() is None, "the run ended before it could be interrupted"
        assert time.monotonic() < deadline
        time.sleep(0.1)
        fs.invalidate_cache()
    _kill_session(proc)
    assert list(scratch.glob("leam-run-*")), "the killed run had a mirror"
    fs.invalidate_cache()
    markers = sorted(fs.glob(f"{root}/extract/_DONE.*"))
    assert markers
    # Extraction may outrun the kill (the tasks are small): the tasks after the first then
    # stand as killed after uploading their part, before their marker (which goes last).
    for marker in markers[1:]:
        fs.rm(marker)
    done = {markers[0]: fs.info(markers[0])["LastModified"]}
    # A part without its marker is garbage of a killed task: readers must not trust it.
    for i in range(3):
        if f"{root}/extract/_DONE.part-{i:05d}" not in done:
            fs.pipe(f"{root}/extract/part-{i:05d}.parquet", b"not parquet: a killed upload")

    resumed = subprocess.run(_leam(server.endpoint, *args), env=env, capture_output=True,
                             text=True)  # fmt: skip
    assert resumed.returncode == DAMAGED_INPUT_EXIT, resumed.stderr
    assert not list(scratch.iterdir()), "mirrors left behind"
    fs.invalidate_cache()
    for marker, modified in done.items():
        assert fs.info(marker)["LastModified"] == modified, f"{marker} was redone"
    record = json.loads(fs.cat(f"{root}/run.json"))
    assert record["status"] == "complete" and record["resumed"] == 1
    # Nothing secret in the run: neither the endpoint's credentials nor the options.
    for path in fs.find(root):
        if path.endswith((".json", ".md")):
            assert CREDENTIALS["AWS_SECRET_ACCESS_KEY"] not in fs.cat(path).decode()

    # The shards are the local run's, byte for byte.
    local = json.loads((eu24_run / "shards" / "MANIFEST.json").read_text())
    remote = json.loads(fs.cat(f"{root}/shards/MANIFEST.json"))
    assert [(e["path"], e["sha256"]) for e in remote["shards"]] == [
        (e["path"], e["sha256"]) for e in local["shards"]
    ]
    for entry in remote["shards"]:
        data = fs.cat(f"{root}/shards/{entry['path']}")
        assert _sha256(data) == entry["sha256"]
        assert data == (eu24_run / "shards" / entry["path"]).read_bytes()
    assert fs.exists(f"{root}/shards/README.md") and fs.exists(f"{root}/reports/ai-act.md")

    # Trainers load them from s3:// with Hugging Face datasets, through fsspec. Other test
    # modules turn datasets' offline mode on (no Hub): this server is on loopback.
    import datasets.config
    from datasets import load_dataset

    monkeypatch.setattr(datasets.config, "HF_HUB_OFFLINE", False)
    monkeypatch.setattr(datasets.config, "HF_DATASETS_OFFLINE", False, raising=False)

    options = {"endpoint_url": server.endpoint, **_keys()}
    loaded = load_dataset("parquet", data_files=f"s3://{root}/shards/*/part-*.parquet",
                          storage_options=options, cache_dir=str(tmp_path / "hf"),
                          split="train")  # fmt: skip
    assert loaded.num_rows == sum(e["rows"] for e in local["shards"]) > 0
    assert set(loaded["lang"]) == set(local["languages"])

    # The commands that read or extend a run work on the s3:// run.
    cli = CliRunner()
    opt = ["--storage-option", f"endpoint_url={server.endpoint}"]
    verify = cli.invoke(app, [*opt, "verify", f"s3://{root}"])
    assert verify.exit_code == 0, verify.output
    assert f"{len(local['shards'])} shards of run s3run" in verify.output
    status = cli.invoke(app, [*opt, "status", "s3run", "--runs-dir", RUNS])
    assert status.exit_code == 0, status.output
    assert "b-broken.warc.gz" in status.output  # the damaged input, from the ledgers
    audit = cli.invoke(app, [*opt, "audit", "s3run", "--runs-dir", RUNS])
    assert audit.exit_code == 0, audit.output
    fs.invalidate_cache()
    assert fs.exists(f"{root}/audit.html") and fs.exists(f"{root}/audit.md")
    train = cli.invoke(app, [*opt, "tokenizer", "train", f"s3://{root}", "--vocab-size", "512"])
    assert train.exit_code == 0, train.output
    fs.invalidate_cache()
    assert fs.exists(f"{root}/tokenizer/tokenizer.json") and fs.exists(f"{root}/shards/tokens.json")
    export = cli.invoke(app, [*opt, "export", "megatron", f"s3://{root}", "-q"])
    assert export.exit_code == 0, export.output
    fs.invalidate_cache()
    names = {Path(p).name for p in fs.find(f"{root}/megatron")}
    assert {"blend.json", "export.json"} <= names
    assert any(n.endswith("_text_document.bin") for n in names)

    # A takedown rewrites the shards (and the export) in the store; verify agrees.
    gone = loaded[0]["id"]
    takedown = cli.invoke(app, [*opt, "takedown", "apply", "s3run", "--runs-dir", RUNS,
                                "--id", gone])  # fmt: skip
    assert takedown.exit_code == 0, takedown.output
    assert "1 document(s) removed" in takedown.output
    fs.invalidate_cache()
    after = json.loads(fs.cat(f"{root}/shards/MANIFEST.json"))
    assert sum(e["rows"] for e in after["shards"]) == loaded.num_rows - 1
    verify = cli.invoke(app, [*opt, "verify", f"s3://{root}"])
    assert verify.exit_code == 0, verify.output
    assert "takedown" in verify.output


def _kill_session(proc: subprocess.Popen) -> None:
    """SIGKILL the run and every process of its session (its Ray workers too), and wait
    until none is left: a surviving worker could still upload after the test looked."""
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    deadline = time.monotonic() + 30
    while left := _session_pids(proc.pid):
        for pid in left:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        assert time.monotonic() < deadline, f"processes of the killed run remain: {left}"
        time.sleep(0.1)


def _session_pids(sid: int) -> list[int]:
    pids = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if int(fields[3]) == sid:  # state, ppid, pgrp, session
            pids.append(int(stat.parent.name))
    return pids


def _keys() -> dict[str, str]:
    return {"key": CREDENTIALS["AWS_ACCESS_KEY_ID"], "secret": CREDENTIALS["AWS_SECRET_ACCESS_KEY"]}


def test_run_dir_at_a_url_is_a_mirror_of_it(tmp_path, monkeypatch):
    """The one test of "is this remote", and where a run on a store keeps its files."""
    monkeypatch.setenv(storage.SCRATCH_ENV, str(tmp_path))
    assert not storage.is_remote("runs/x") and not storage.is_remote("file:///tmp/runs")
    assert storage.is_remote("s3://b/runs") and storage.is_remote("gs://b/runs")
    assert storage.join("s3://b/runs/", "r1") == "s3://b/runs/r1"
    assert storage.join("runs", "r1") == Path("runs/r1")
    run = RunDir.at("s3://b/runs/r1")
    assert run.remote and run.root.name == "r1" and run.root.is_relative_to(tmp_path)
    assert run.locate(run.part("extract", "part-00001")) == "s3://b/runs/r1/extract/part-00001.parquet"
    assert RunDir.at(tmp_path / "r2").store is None
    assert storage.parse_options(["endpoint_url=http://h:9000", "anon=true", "n=3"]) == {
        "endpoint_url": "http://h:9000", "anon": True, "n": 3,
    }  # fmt: skip
    with pytest.raises(ValueError, match="KEY=VALUE"):
        storage.parse_options(["endpoint_url"])


@pytest.mark.slow
def test_crawl_into_s3_then_run_on_its_warc_files(s3, tmp_path):
    """`leam crawl` into s3://: WARC files, crawl log and run.json land in the store, and
    `leam run` takes the WARC files from there (its workers read them through fsspec with
    the storage options the tasks carry)."""
    from leam.pipelines.crawl.localsite import SiteServer
    from tests import crawlsite
    from tests.crawlsite import MAX_BYTES, A, B

    server, fs = s3
    root = f"{BUCKET}/runs/c"
    # The workers of the test session's Ray were started without these variables: the
    # options carry them, as they would carry an endpoint to a cluster's workers.
    opt = [f"--storage-option=endpoint_url={server.endpoint}", *[
        f"--storage-option={k}={CREDENTIALS[v]}"
        for k, v in (("key", "AWS_ACCESS_KEY_ID"), ("secret", "AWS_SECRET_ACCESS_KEY"))
    ]]  # fmt: skip
    sites = crawlsite.build_sites()
    cli = CliRunner()
    with SiteServer(sites) as site:
        crawlsite.link(sites, site.hosts)
        args = ["crawl", "--url", site.url(A), "--url", site.url(B), "--runs-dir", RUNS,
                "--run-id", "c", "-q", "--allow-private", "--scope", "any", "--max-depth", "1",
                "--delay", "0.05", "--timeout", "1", "--retries", "1", "--backoff", "0.05",
                "--max-bytes", str(MAX_BYTES)]  # fmt: skip
        crawled = cli.invoke(app, [*opt, *args])
        assert crawled.exit_code == 0, crawled.output
    assert f"s3://{root}/crawl/warc/*.warc.gz" in crawled.output  # the next command
    fs.invalidate_cache()
    warcs = fs.glob(f"{root}/crawl/warc/*.warc.gz")
    assert warcs and fs.glob(f"{root}/crawl/log/*.parquet")
    assert fs.glob(f"{root}/crawl/frontier/*.jsonl")
    fetched = json.loads(fs.cat(f"{root}/run.json"))["crawl"]["pages_fetched"]
    assert fetched > 0

    pipeline = "name: crawl-test\nstages:\n  - stage: extract\n  - stage: langid\n"
    local = tmp_path / "crawl-test.yaml"
    local.write_text(pipeline)
    run = ["run", str(local), f"s3://{root}/crawl/warc/*.warc.gz", "--runs-dir", RUNS,
           "--run-id", "c", "-q"]  # fmt: skip
    result = cli.invoke(app, [*opt, *run])
    assert result.exit_code == 0, result.output
    record = json.loads(fs.cat(f"{root}/run.json"))
    assert "crawl" in record and record["status"] == "complete"
    assert [i["path"] for i in record["inputs"]] == [f"s3://{w}" for w in sorted(warcs)]
    extract = record["stages"]["extract"]
    assert extract["reconciled"] and extract["docs_out"] > 0
    assert record["stages"]["langid"]["docs_in"] == extract["docs_out"]
    storage.set_options({})


def test_markers_come_from_one_listing_and_parts_without_one_are_ignored(s3):
    """What the driver trusts: a stage's markers, from one listing request however many
    tasks; a part without its marker (a killed upload) is not a done task."""
    server, fs = s3
    storage.set_options({"endpoint_url": server.endpoint})
    try:
        run = RunDir.at(f"s3://{BUCKET}/runs/listing")
        for i in range(40):
            fs.pipe(f"{BUCKET}/runs/listing/langid/part-{i:05d}.parquet", b"x")
            if i % 4:  # every fourth task was killed before its marker
                fs.pipe(f"{BUCKET}/runs/listing/langid/_DONE.part-{i:05d}", b"{}")
        before = len(server.requests())
        done = run.done_tasks("langid")
        assert len(server.requests()) - before == 1
        assert done == [f"part-{i:05d}" for i in range(40) if i % 4]
        assert run.done_tasks("filter") == []  # a stage not started: no folder, no error
    finally:
        storage.set_options({})


def test_changes_in_the_mirror_reach_the_store(s3):
    """upload_changed: files written since a snapshot go up (those under `last` after the
    others), files removed since go from the store too; the others are not sent again."""
    server, fs = s3
    storage.set_options({"endpoint_url": server.endpoint})
    try:
        key = f"{BUCKET}/runs/sync"
        for name in ("keep.txt", "gone.txt", "changed.txt"):
            fs.pipe(f"{key}/a/{name}", b"old")
        run = RunDir.at(f"s3://{key}")
        run.pull()
        assert (run.root / "a" / "keep.txt").read_bytes() == b"old"
        before = run.snapshot()
        time.sleep(0.01)
        (run.root / "a" / "changed.txt").write_bytes(b"new")
        (run.root / "a" / "gone.txt").unlink()
        (run.root / "b").mkdir()
        (run.root / "b" / "journal.jsonl").write_bytes(b"{}")
        (run.root / "c.txt").write_bytes(b"added")
        start = len(server.requests())
        sent = run.upload_changed(before, last=run.root / "b")
        assert [p.relative_to(run.root).as_posix() for p in sent] == [
            "a/changed.txt", "c.txt", "b/journal.jsonl"
        ]  # fmt: skip
        puts = [p for m, p in server.requests()[start:] if m == "PUT"]
        assert [p.rsplit("/", 1)[-1] for p in puts] == ["changed.txt", "c.txt", "journal.jsonl"]
        fs.invalidate_cache()
        assert fs.cat(f"{key}/a/changed.txt") == b"new" and fs.cat(f"{key}/c.txt") == b"added"
        assert not fs.exists(f"{key}/a/gone.txt") and fs.exists(f"{key}/a/keep.txt")
    finally:
        storage.set_options({})
