"""Where a `leam run` spends its CPU, per stage and per library, from a py-spy profile of
the driver, every Ray worker and Ray's own processes.

    pip install py-spy
    python bench/profile_run.py pipeline.yaml WARC_DIR [--workers 2] [--rate 50]

py-spy samples each process's Python stacks `--rate` times a second while it runs (idle
threads are not sampled); a sample in a worker is given to the stage whose `run` or `read`
is on its stack, and within the stage to the first frame outside this project (trafilatura,
htmldate, lxml, warcio, fasttext, pyarrow...), or to the project's own function when there
is none. Samples / rate is CPU-seconds, to within the sampling error. Prints a table and
writes the raw profile (flamegraph.pl's input format) beside it with --keep.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path

LEAM = str(Path(sys.executable).parent / "leam")
PROJECT = ("corpus/", "pipelines/", "filters/", "tokenizer/", "trainer/")
_FRAME = re.compile(r"^(?P<func>\S+) \((?P<file>[^:)]+)")
_STAGE = re.compile(r"^(?P<cls>\w+)Stage\.(?:run|read)$")


def attribute(frames: list[str]) -> tuple[str, str]:
    """(where, what) of one sampled stack: where = a stage, `driver`, `ray worker` (Ray's own
    code in a worker) or a Ray process; what = the library or project function."""
    process = frames[0]
    if "default_worker.py" not in process:
        if "leam run" in process or "/leam " in process:
            return "driver", _component(frames[1:])
        name = process.split('"', 1)[-1].split()[0].rsplit("/", 1)[-1]
        return "ray: " + name, ""
    for i, frame in enumerate(frames):
        found = _FRAME.match(frame)
        if found and (stage := _STAGE.match(found["func"])):
            return stage["cls"].lower(), _component(frames[i + 1 :])
    return "ray worker", ""


def _component(frames: list[str]) -> str:
    """The first frame outside the project (its top-level module), else the deepest
    project function."""
    last_own = ""
    for frame in frames:
        found = _FRAME.match(frame)
        if not found or found["file"].startswith("<") or found["func"] == "<module>":
            continue  # not a file, or a script's top level (the `leam` entry point)
        if found["file"].startswith(PROJECT):
            last_own = f"{found['file']}:{found['func']}"
            continue
        return found["file"].split("/")[0].removesuffix(".py")
    return last_own or "(self)"


def summarize(raw: Path) -> Counter[tuple[str, str]]:
    """Samples by (where, what), from py-spy's raw output."""
    samples: Counter[tuple[str, str]] = Counter()
    for line in raw.read_text(errors="replace").splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        frames = [f for f in stack.split(";") if f]
        # py-spy prefixes the process chain (driver -> raylet -> worker): keep the last.
        processes = [i for i, f in enumerate(frames) if f.startswith("process ")]
        frames = frames[processes[-1] :] if processes else frames
        samples[attribute(frames)] += int(count)
    return samples


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("pipeline")
    parser.add_argument("inputs", nargs="+")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--rate", type=int, default=50, help="samples per second")
    parser.add_argument("--top", type=int, default=6, help="components shown per stage")
    parser.add_argument("--keep", type=Path, help="folder for the run and the raw profile")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = args.keep or Path(tmp)
        raw = work / "profile.txt"
        cmd = [
            "py-spy", "record", "--subprocesses", "--nonblocking", "-r", str(args.rate),
            "-f", "raw", "-o", str(raw), "--",
            LEAM, "run", args.pipeline, *args.inputs, "--runs-dir", str(work / "runs"),
            "--run-id", "profile", "--workers", str(args.workers), "--quiet",
        ]  # fmt: skip
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
        what = summarize(raw)
    where: Counter[str] = Counter()
    for (place, _), n in what.items():
        where[place] += n
    total = sum(where.values())
    print(f"{total / args.rate:.1f} CPU-s sampled")
    for place, n in where.most_common():
        print(f"{place:28s} {n / args.rate:7.1f} s  {100 * n / total:5.1f} %")
        for (p, component), m in what.most_common():
            if p == place and component and m / n >= 0.02:
                print(f"    {component:40s} {m / args.rate:7.1f} s  {100 * m / total:5.1f} %")


if __name__ == "__main__":
    main()
