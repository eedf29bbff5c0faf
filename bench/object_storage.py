"""A run to object storage against the same run to local disk: CPU-seconds side by side, and
the object-store requests per stage and per 1,000 documents.

    python bench/object_storage.py [--pages 2000] [--files 4] [--workers 2] [--repeat 2]

Builds gzipped WARC files with bench/e2e.py's Common-Crawl-like mix of the bundled sample
pages, starts moto's standalone S3-API server on 127.0.0.1 (the server s3fs is tested
against), and runs the `eu24` preset over the same files alternately into a local folder and
into s3://bench/runs (`--repeat` times each, local first). Per run: the CPU-seconds of the
`leam` process tree (driver, Ray and its workers; sampled every 0.1 s; the S3 server's own
CPU is reported apart: a cloud store's servers are not the user's cores), wall time, and the
task CPU-seconds that run.json records. From the server's request log: requests by run area
(stage folder, its rejected/ ledger counted with it; run.json; shards; reports) and by
method, in total and per 1,000 input documents (the extract stage's documents in). The
shards of both sides are checked equal (sha256 in MANIFEST.json).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

import fsspec
import psutil

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from e2e import build_warcs

from tests.s3server import CREDENTIALS, per_area, start_server

LEAM = str(Path(sys.executable).parent / "leam")
BUCKET = "bench"


def measured(cmd: list[str], env: dict[str, str]) -> dict[str, float]:
    """Wall s and the CPU-seconds of the command's process tree (user + system of every
    descendant, sampled every 0.1 s, since Ray's workers are not reaped by the command)."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    seen: dict[int, float] = {}
    root = psutil.Process(proc.pid)

    def sample() -> None:
        while proc.poll() is None:
            try:
                procs = [root, *root.children(recursive=True)]
            except psutil.Error:
                break
            for p in procs:
                try:
                    t = p.cpu_times()
                    seen[p.pid] = max(seen.get(p.pid, 0.0), t.user + t.system)
                except psutil.Error:
                    pass
            time.sleep(0.1)

    thread = threading.Thread(target=sample, daemon=True)
    thread.start()
    _, err = proc.communicate()
    thread.join()
    if proc.returncode not in (0, 3):  # 3: complete, damaged input skipped
        raise SystemExit(f"{' '.join(cmd)} failed ({proc.returncode}):\n{err.decode()[-3000:]}")
    return {"wall_s": time.perf_counter() - start, "cpu_s": sum(seen.values())}


def server_cpu(pid: int) -> float:
    t = psutil.Process(pid).cpu_times()
    return t.user + t.system


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--pages", type=int, default=2000)
    ap.add_argument("--files", type=int, default=4)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--repeat", type=int, default=2)
    args = ap.parse_args()

    work = Path(tempfile.mkdtemp(prefix="leam-bench-s3-"))
    mix = build_warcs(work / "warcs", args.pages, args.files)
    server = start_server(work / "moto.log")
    env = {**os.environ, **CREDENTIALS}
    os.environ.update(CREDENTIALS)
    fs = fsspec.filesystem("s3", endpoint_url=server.endpoint)
    fs.mkdir(BUCKET)
    sides: dict[str, list[dict[str, Any]]] = {"local": [], "s3": []}
    requests: Counter[tuple[str, str]] = Counter()
    try:
        for i in range(args.repeat):
            for side in ("local", "s3"):
                run_id = f"{side}-{i}"
                runs = f"s3://{BUCKET}/runs" if side == "s3" else str(work / "runs")
                cmd = [LEAM, "--storage-option", f"endpoint_url={server.endpoint}", "run",
                       "eu24", str(work / "warcs"), "--runs-dir", runs, "--run-id", run_id,
                       "--workers", str(args.workers), "--quiet"]  # fmt: skip
                before_log, before_cpu = len(server.requests()), server_cpu(server.process.pid)
                figures = measured(cmd, env)
                figures["server_cpu_s"] = server_cpu(server.process.pid) - before_cpu
                if side == "s3":
                    record = json.loads(fs.cat(f"{BUCKET}/runs/{run_id}/run.json"))
                    manifest = json.loads(fs.cat(f"{BUCKET}/runs/{run_id}/shards/MANIFEST.json"))
                    if i == 0:
                        run_requests = server.requests()[before_log:]
                        requests = per_area(run_requests, f"runs/{run_id}")
                        figures["requests"] = len(run_requests)
                else:
                    run = work / "runs" / run_id
                    record = json.loads((run / "run.json").read_text())
                    manifest = json.loads((run / "shards" / "MANIFEST.json").read_text())
                figures["task_cpu_s"] = record["energy"]["cpu_s"]
                figures["docs"] = record["stages"]["extract"]["docs_in"]
                figures["shards"] = [(e["path"], e["sha256"]) for e in manifest["shards"]]
                sides[side].append(figures)
                print(f"{run_id}: wall {figures['wall_s']:.1f} s, process-tree CPU "
                      f"{figures['cpu_s']:.1f} s, task CPU {figures['task_cpu_s']:.1f} s, "
                      f"S3 server CPU {figures['server_cpu_s']:.1f} s", flush=True)  # fmt: skip
    finally:
        server.stop()

    same = all(f["shards"] == sides["local"][0]["shards"] for s in sides.values() for f in s)
    docs = sides["local"][0]["docs"]
    print(f"\n{mix['pages']} pages in {args.files} WARC files, {docs} documents into extract; "
          f"{args.workers} workers; shards equal on both sides: {same}\n")  # fmt: skip
    print("| run | wall s | CPU s (process tree) | task CPU s (run.json) | S3 server CPU s |")
    print("|---|---|---|---|---|")
    for side, runs in sides.items():
        for i, f in enumerate(runs):
            print(f"| {side} {i + 1} | {f['wall_s']:.1f} | {f['cpu_s']:.1f} | "
                  f"{f['task_cpu_s']:.1f} | {f['server_cpu_s']:.1f} |")  # fmt: skip
    best = {side: min(f["cpu_s"] for f in runs) for side, runs in sides.items()}
    mean = {side: sum(f["cpu_s"] for f in runs) / len(runs) for side, runs in sides.items()}
    print(f"\nCPU s, s3 / local: best {best['s3'] / best['local']:.2f}x, "
          f"mean {mean['s3'] / mean['local']:.2f}x\n")  # fmt: skip

    total = sum(requests.values())
    print(f"Requests of the first s3 run: {total} "
          f"({total * 1000 / docs:.0f} per 1,000 documents)\n")  # fmt: skip
    methods = sorted({m for _, m in requests})
    print("| area | " + " | ".join(methods) + " | total | per 1,000 docs |")
    print("|---|" + "---|" * (len(methods) + 2))
    for area in sorted({a for a, _ in requests}, key=lambda a: -sum(
            n for (b, _), n in requests.items() if b == a)):  # fmt: skip
        row = [requests.get((area, m), 0) for m in methods]
        print(f"| {area} | " + " | ".join(map(str, row)) +
              f" | {sum(row)} | {sum(row) * 1000 / docs:.1f} |")  # fmt: skip


if __name__ == "__main__":
    main()
