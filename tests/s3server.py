"""A real S3-API server for the tests: moto's standalone server (the one s3fs itself is
tested against) as a subprocess on 127.0.0.1, and its request log."""

from __future__ import annotations

import re
import socket
import subprocess
import sys
import time
import urllib.request
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

BUCKET = "leam-test"
CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "leam-test-key",
    "AWS_SECRET_ACCESS_KEY": "leam-test-secret-not-for-run-json",
    "AWS_DEFAULT_REGION": "us-east-1",
}
# werkzeug's access log: 127.0.0.1 - - [date] "GET /bucket/key?query HTTP/1.1" 200 -
_REQUEST = re.compile(r'"(?:\x1b\[[0-9;]*m)*([A-Z]+) (\S+) HTTP/[0-9.]+(?:\x1b\[0m)*" (\d{3})')


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class S3Server:
    process: subprocess.Popen
    endpoint: str
    log: Path

    def requests(self) -> list[tuple[str, str]]:
        """(method, path with query) of every request the server answered so far."""
        text = self.log.read_text(errors="replace")
        return [(m.group(1), m.group(2)) for m in _REQUEST.finditer(text)]

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()


def start_server(
    log: Path, host: str = "127.0.0.1", port: int | None = None, prefix: tuple[str, ...] = ()
) -> S3Server:
    """The server on host:port (a free loopback port by default); `prefix` runs it inside
    something, e.g. `ip netns exec NS` (it is then known up from its log alone)."""
    port = port or free_port()
    binary = Path(sys.executable).parent / "moto_server"
    cmd = [str(binary)] if binary.exists() else [sys.executable, "-m", "moto.server"]
    with log.open("wb") as sink:
        process = subprocess.Popen(
            [*prefix, *cmd, "-H", host, "-p", str(port)], stdout=sink, stderr=subprocess.STDOUT
        )
    endpoint = f"http://{host}:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            if prefix:
                if "Running on" not in log.read_text(errors="replace"):
                    raise OSError("not yet")
            else:
                urllib.request.urlopen(f"{endpoint}/moto-api/", timeout=1).close()
            break
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"moto server did not start: {log.read_text()}") from None
            time.sleep(0.2)
    return S3Server(process, endpoint, log)


def per_area(requests: list[tuple[str, str]], run_prefix: str) -> Counter[tuple[str, str]]:
    """Requests by (area of the run, method): the stage folder (or run.json, shards,
    rejected/<stage> counted with its stage) a key or a listing prefix falls in.
    `run_prefix`: the run's key prefix in its bucket (runs/<run-id>)."""
    counts: Counter[tuple[str, str]] = Counter()
    for method, target in requests:
        path, _, query = target.partition("?")
        key = path.lstrip("/").partition("/")[2]
        if not key:  # a listing: its prefix names the folder
            match = re.search(r"prefix=([^&]*)", query)
            key = urllib.request.unquote(match.group(1)) if match else ""
        if not key.startswith(run_prefix):
            continue
        rest = key[len(run_prefix) :].lstrip("/").split("/")
        area = rest[1] if rest[0] == "rejected" and len(rest) > 1 else rest[0]
        counts[(area or "(run)", method)] += 1
    return counts
