"""`leam run --ray-address` against real Ray clusters started with `ray start`.

Single node: a head on 127.0.0.1, the run directory on the local disk; the output must equal
the embedded local run's. Two nodes: two test hosts made as network namespaces joined by a
veth pair (root only), a head in one and a worker in the other, each with its own private
disk and the run directory on an S3-API server; the run must use both nodes and give the
local run's shards. All traffic stays on loopback or on the
namespaces' own addresses. Each cluster is stopped by its own process ids (never `ray stop`,
which would also stop other Ray instances on the machine).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from leam.corpus.cli.app import app
from tests.sample_warc import iter_chunks, sample_pages, write_sample_warc

BIN = Path(sys.executable).parent
NS_HEAD, NS_WORKER = "leamt-head", "leamt-wrk"
ADDR_HEAD, ADDR_WORKER = "10.213.7.1", "10.213.7.2"
pytestmark = [pytest.mark.slow, pytest.mark.cluster]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _pids_using(marker: str) -> list[int]:
    pids = []
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit():
            try:
                cmdline = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode()
            except OSError:
                continue
            if marker in cmdline:
                pids.append(int(proc.name))
    return pids


def _private(folders: list[str]) -> list[str]:
    """A command prefix: the command runs in a mount namespace of its own, with an empty
    private tmpfs over each folder (a node's own disk, seen by no other node)."""
    mounts = " && ".join(f'mount -t tmpfs leamt-private "${i + 1}"' for i in range(len(folders)))
    script = f'{mounts} && shift {len(folders)} && exec "$@"'
    return ["unshare", "--mount", "--propagation", "private", "sh", "-c", script, "sh", *folders]


@contextmanager
def _ray_node(
    args: list[str],
    netns: str | None = None,
    local_only: bool = False,
    private: list[str] | None = None,
    extra_env: dict[str, str] | None = None,
) -> Iterator[None]:
    """`ray start` with its own temp dir; on exit, kill exactly the processes using it."""
    temp = tempfile.mkdtemp(prefix="leamray-", dir="/tmp")  # short: Ray's socket paths
    env = {**os.environ, "RAY_USAGE_STATS_ENABLED": "0", **(extra_env or {})}
    env.pop("RAY_ADDRESS", None)
    if local_only:
        env["RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER"] = "0"
    else:
        env.pop("RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER", None)
    prefix = ["ip", "netns", "exec", netns] if netns else []
    prefix += _private(private) if private else []
    cmd = [*prefix, str(BIN / "ray"), "start", *args, f"--temp-dir={temp}", "--disable-usage-stats"]
    try:
        subprocess.run(cmd, env=env, check=True, capture_output=True, timeout=120)
        yield
    finally:
        for pid in _pids_using(temp):
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        time.sleep(0.5)
        shutil.rmtree(temp, ignore_errors=True)


def _leam(
    args: list[str],
    netns: str | None = None,
    private: list[str] | None = None,
    extra_env: dict[str, str] | None = None,
) -> subprocess.CompletedProcess:
    env = {**os.environ, "RAY_AUTH_MODE": "token", **(extra_env or {})}
    env.pop("RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER", None)
    prefix = ["ip", "netns", "exec", netns] if netns else []
    prefix += _private(private) if private else []
    return subprocess.run(
        [*prefix, str(BIN / "leam"), *args], env=env, capture_output=True, text=True, timeout=180
    )


def _docs(run_dir: Path) -> list[dict]:
    parts = sorted((run_dir / "langid").glob("part-*.parquet"))
    return pq.ParquetDataset([str(p) for p in parts]).read().sort_by("id").to_pylist()


@pytest.fixture(scope="module")
def inputs(tmp_path_factory) -> list[str]:
    root = tmp_path_factory.mktemp("cluster-in")
    paths = []
    for i, chunk in enumerate(iter_chunks(sample_pages(per_lang=3), 4)):
        paths.append(root / f"crawl-{i}.warc.gz")
        write_sample_warc(paths[-1], chunk)
    return [str(p) for p in paths]


@pytest.fixture(scope="module")
def local_run(ray_local, inputs, tmp_path_factory) -> Path:
    """The embedded local run of the inputs, which the cluster runs must equal."""
    runs = tmp_path_factory.mktemp("cluster-local")
    local = CliRunner().invoke(
        app, ["run", "eu24", *inputs, "--runs-dir", str(runs), "--run-id", "local", "-q"]
    )
    assert local.exit_code == 0, local.output
    return runs / "local"


def test_single_node_cluster_gives_the_local_result(local_run, inputs, tmp_path: Path):
    port = _free_port()
    head = [
        "--head",
        "--node-ip-address=127.0.0.1",
        f"--port={port}",
        "--num-cpus=2",
        "--include-dashboard=false",
    ]
    with _ray_node(head, local_only=True):
        proc = _leam(["run", "eu24", *inputs, "--runs-dir", str(tmp_path), "--run-id", "cluster",
                      "--ray-address", f"127.0.0.1:{port}", "-q"])  # fmt: skip
        assert proc.returncode == 0, proc.stderr
    record = json.loads((tmp_path / "cluster" / "run.json").read_text())
    assert record["runtime"]["address"] == f"127.0.0.1:{port}"
    assert set(record["stages"]["extract"]["nodes"]) == {"127.0.0.1"}
    assert _docs(tmp_path / "cluster") == _docs(local_run)


def _make_namespaces() -> str | None:
    """Two test hosts joined by a veth pair; returns why not, when they can't be made."""
    if os.geteuid() != 0 or shutil.which("ip") is None:
        return "network namespaces need root and iproute2"
    _drop_namespaces()
    steps = [
        ["ip", "netns", "add", NS_HEAD],
        ["ip", "netns", "add", NS_WORKER],
        ["ip", "link", "add", "leamt-a", "type", "veth", "peer", "name", "leamt-b"],
        ["ip", "link", "set", "leamt-a", "netns", NS_HEAD],
        ["ip", "link", "set", "leamt-b", "netns", NS_WORKER],
        ["ip", "-n", NS_HEAD, "addr", "add", f"{ADDR_HEAD}/24", "dev", "leamt-a"],
        ["ip", "-n", NS_WORKER, "addr", "add", f"{ADDR_WORKER}/24", "dev", "leamt-b"],
        ["ip", "-n", NS_HEAD, "link", "set", "leamt-a", "up"],
        ["ip", "-n", NS_WORKER, "link", "set", "leamt-b", "up"],
        ["ip", "-n", NS_HEAD, "link", "set", "lo", "up"],
        ["ip", "-n", NS_WORKER, "link", "set", "lo", "up"],
    ]
    for step in steps:
        proc = subprocess.run(step, capture_output=True, text=True)
        if proc.returncode != 0:
            _drop_namespaces()
            return f"cannot make test hosts ({' '.join(step)}: {proc.stderr.strip()})"
    return None


def _drop_namespaces() -> None:
    for ns in (NS_HEAD, NS_WORKER):
        subprocess.run(["ip", "netns", "del", ns], capture_output=True)


def _tasks_per_node(record: dict) -> dict[str, int]:
    total: dict[str, int] = {}
    for stage in record["stages"].values():
        for node, n in stage["nodes"].items():
            total[node] = total.get(node, 0) + n
    return total


S3_PORT = 9107
UPLOAD = """
import sys, fsspec
fs = fsspec.filesystem("s3", endpoint_url=sys.argv[1])
fs.mkdir(sys.argv[2])
for path in sys.argv[3:]:
    fs.put_file(path, f"{sys.argv[2]}/in/{path.rsplit('/', 1)[-1]}")
"""
DOWNLOAD = """
import sys, fsspec
fs = fsspec.filesystem("s3", endpoint_url=sys.argv[1])
fs.get(sys.argv[2], sys.argv[3], recursive=True)
"""


def test_two_nodes_without_a_shared_disk(inputs, local_run, tmp_path: Path):
    """Each node (the driver too) sees its own empty tmpfs over the scratch folder and over
    every folder of this test: inputs and run directory are on an S3-API server listening
    on the head namespace's address. Tasks run on both nodes; the shards equal a local run's."""
    pytest.importorskip("s3fs")
    pytest.importorskip("moto")
    from tests.s3server import BUCKET, CREDENTIALS, start_server

    why_not = _make_namespaces() or (None if shutil.which("unshare") else "no unshare(1)")
    if why_not:
        print(f"skipping the no-shared-disk test: {why_not}")
        pytest.skip(why_not)
    scratch = Path(tempfile.mkdtemp(prefix="leamt-scratch-", dir="/tmp"))
    hidden = [str(scratch), str(tmp_path.parent)]  # scratch, and every folder of the tests
    env = {**CREDENTIALS, "LEAM_SCRATCH": str(scratch)}
    endpoint = f"http://{ADDR_HEAD}:{S3_PORT}"
    in_head = ("ip", "netns", "exec", NS_HEAD)
    # What a node sees: not the test's files, and its writes stay on its own tmpfs.
    node = ["ip", "netns", "exec", NS_WORKER, *_private(hidden), "sh", "-c"]
    seen = subprocess.run([*node, f"! test -e {inputs[0]} && touch {scratch}/mine"], check=False)
    assert seen.returncode == 0 and not (scratch / "mine").exists()
    server, leaked = None, []
    try:
        server = start_server(tmp_path / "moto.log", ADDR_HEAD, S3_PORT, in_head)
        python = [*in_head, sys.executable, "-c"]
        subprocess.run([*python, UPLOAD, endpoint, BUCKET, *inputs], env={**os.environ, **env},
                       check=True, capture_output=True, timeout=60)  # fmt: skip
        port = 6379
        head = ["--head", f"--node-ip-address={ADDR_HEAD}", f"--port={port}", "--num-cpus=1",
                "--include-dashboard=false"]  # fmt: skip
        worker = [f"--address={ADDR_HEAD}:{port}", f"--node-ip-address={ADDR_WORKER}",
                  "--num-cpus=1"]  # fmt: skip
        with _ray_node(head, NS_HEAD, private=hidden, extra_env=env), \
             _ray_node(worker, NS_WORKER, private=hidden, extra_env=env):  # fmt: skip
            args = ["--storage-option", f"endpoint_url={endpoint}", "run", "eu24",
                    f"s3://{BUCKET}/in/*.warc.gz", "--runs-dir", f"s3://{BUCKET}/runs",
                    "--run-id", "two", "--ray-address", f"{ADDR_HEAD}:{port}", "--workers", "2",
                    "-q"]  # fmt: skip
            proc = _leam(args, NS_HEAD, private=hidden, extra_env=env)
            assert proc.returncode == 0, proc.stderr
        out = tmp_path / "out"
        subprocess.run([*python, DOWNLOAD, endpoint, f"{BUCKET}/runs/two", str(out)],
                       env={**os.environ, **env}, check=True, capture_output=True,
                       timeout=60)  # fmt: skip
    finally:
        if server is not None:
            server.stop()
        _drop_namespaces()
        leaked = list(scratch.rglob("*"))
        shutil.rmtree(scratch, ignore_errors=True)
    assert not leaked, leaked  # the nodes' scratch stayed on their private disks
    record = json.loads((out / "run.json").read_text())
    assert record["runtime"]["nodes"] == 2 and record["status"] == "complete"
    assert set(_tasks_per_node(record)) == {ADDR_HEAD, ADDR_WORKER}, _tasks_per_node(record)
    mine = json.loads((out / "shards" / "MANIFEST.json").read_text())["shards"]
    theirs = json.loads((local_run / "shards" / "MANIFEST.json").read_text())["shards"]
    assert [(e["path"], e["sha256"]) for e in mine] == [(e["path"], e["sha256"]) for e in theirs]
    for entry in mine:
        shard = (out / "shards" / entry["path"]).read_bytes()
        assert shard == (local_run / "shards" / entry["path"]).read_bytes()
