"""The cost curve: the eu24 preset end to end (extract through shards, then the tokenizer and
the Megatron export) on N distinct real pages, for several N.

    python bench/cost_curve.py --pages 3000 10000 30000 --debs DEBS_DIR --workers 2
    python bench/cost_curve.py --pages 10000 --keep /tmp/curve     # keep runs and WARC files
    python bench/cost_curve.py --report run1.out run2.out   # growth of runs printed before

The pages are real HTML that nobody in the project wrote: every page of Debian 12's
documentation packages that tests/realpages.py names (LibreOffice help in 16 EU languages,
about 2,560 pages each, and the Debian manuals; `--debs` is a folder of their .deb files,
else they are fetched with `apt-get download`), then, with `--rust-docs` (default: the Rust
toolchain's own documentation, `$(rustc --print sysroot)/share/doc/rust/html`, when it is
installed), the English pages of the Rust documentation. Pages are taken in the order of
the SHA-1 of their URL, so that every N mixes languages and sources alike. Beyond the pool,
page k is recombined: a real page's markup whose every <p> holds a paragraph of another
real page of the same language, drawn with seed k, and kept only when its payload is new;
the output says how many pages are recombined. Scaling is by distinct pages, never by
copies: dedup would remove copies.

Each N is one `leam run` of eu24 + tokenizer + megatron (the tokenizer at its defaults, a
64k vocabulary; the export with the trained tokenizer), --workers Ray workers, one WARC
file per 2,500 pages (at least 4). While it runs, every process of its tree (the driver,
Ray's workers, Ray's own processes) is sampled every 0.25 s: CPU-seconds are attributed
to the stage then running (the first stage of the pipeline that run.json does not list yet:
run.json is saved after each stage), peak RSS is kept per stage and per role (driver, one
worker, Ray's own processes, the whole tree). Reported per N and stage: wall s (run.json),
CPU-s (sampled: workers, driver and Ray's processes; and the tasks' own CPU from run.json),
peak MB per role, bytes written (the stage's parts and markers, its ledger, what it
publishes: shards, tokenizer, Megatron files), documents in and out; then what writing the
parts costs: every part of the per-file stages written again with the run's own Parquet
writer and read back, CPU-s per stage. Last, each figure's growth per 1,000 pages between
consecutive N, and where more than one N ran, the straight-line extrapolation to 1M pages
from the last two points, labelled as such (CPU, bytes and peak memory; not wall time, which
on a shared machine follows the load more than the input).
"""

from __future__ import annotations

import argparse
import hashlib
import itertools
import json
import math
import random
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psutil
import pyarrow.parquet as pq
import yaml
from warcio.warcwriter import WARCWriter

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from leam.corpus.rundir import AtomicParquetWriter
from leam.corpus.schema import DOC_SCHEMA
from leam.pipelines.presets import presets_dir
from tests.realpages import LICENCES, _lang_of, download, packages
from tests.sample_warc import write_response

LEAM = str(Path(sys.executable).parent / "leam")
PAGES_PER_FILE = 2500
STAGES = ["extract", "langid", "filter", "dedup", "shard", "tokenizer", "megatron"]
PER_FILE = ["extract", "langid", "filter", "dedup"]  # stages that write parts
_PARAGRAPH = re.compile(rb"(<p\b[^>]*>)(.*?)(</p>)", re.S | re.I)

Page = tuple[str, str, Path]  # url, lang, the HTML file


def debian_pages(debs: Path, into: Path) -> Iterator[Page]:
    """Every HTML page of the documentation packages (tests/realpages.py's), in its
    language; the packages are unpacked into `into` once."""
    for deb in sorted(debs.glob("*.deb")):
        package = deb.name.split("_")[0]
        if package not in packages():
            continue
        family = next(f for f in LICENCES if package.startswith(f))
        manual = family != "libreoffice-help"
        root = into / package
        if not root.exists():  # unpacked beside it, then renamed: never half a package
            partial = into / f"{package}.partial"
            shutil.rmtree(partial, ignore_errors=True)
            partial.mkdir(parents=True)
            subprocess.run(["dpkg-deb", "-x", str(deb), str(partial)], check=True)
            partial.rename(root)
        for file in sorted(root.rglob("*.html")):
            rel = str(file.relative_to(root))
            lang = _lang_of(package, rel)
            own = not manual or package.endswith(f"-{lang}") or package == family
            if lang is not None and own:
                yield f"https://{package}.debian-doc.invalid/{rel}", lang, file


def rust_pages(root: Path) -> Iterator[Page]:
    for file in sorted(root.rglob("*.html")):
        yield f"https://rust-docs.invalid/{file.relative_to(root)}", "en", file


def default_rust_docs() -> Path | None:
    try:
        sysroot = subprocess.run(["rustc", "--print", "sysroot"], capture_output=True,
                                 text=True, check=True).stdout.strip()  # fmt: skip
    except (OSError, subprocess.CalledProcessError):
        return None
    root = Path(sysroot) / "share" / "doc" / "rust" / "html"
    return root if root.is_dir() else None


def pool(debs: Path, into: Path, rust_docs: Path | None) -> list[Page]:
    pages = list(debian_pages(debs, into))
    if rust_docs is not None:
        pages += rust_pages(rust_docs)
    unique: dict[bytes, Page] = {}
    for page in pages:  # a payload once: the same page under two paths is one page
        unique.setdefault(hashlib.sha1(page[2].read_bytes()).digest(), page)
    return sorted(unique.values(), key=lambda p: hashlib.sha1(p[0].encode()).hexdigest())


def recombined(pages: list[Page], n: int) -> Iterator[tuple[str, bytes]]:
    """n distinct pages (url, HTML): the pool's, then recombined ones (module docstring).
    A generator: a million pages of HTML do not fit in memory, so each is made as it is
    written; only the pool's paragraphs and the digests of the pages made are kept."""
    for url, _, path in pages[:n]:
        yield url, path.read_bytes()
    if n <= len(pages):
        return
    by_lang: dict[str, list[bytes]] = defaultdict(list)
    seen: set[bytes] = set()
    for _, lang, path in pages:
        html = path.read_bytes()
        seen.add(hashlib.sha1(html).digest())
        by_lang[lang].extend(m.group(2) for m in _PARAGRAPH.finditer(html) if m.group(2).strip())
    made, k = len(pages), 0
    while made < n:
        url, lang, path = pages[k % len(pages)]
        rng = random.Random(k)
        k += 1
        paragraphs, html = by_lang[lang], path.read_bytes()
        if not paragraphs or not _PARAGRAPH.search(html):
            continue
        body = _PARAGRAPH.sub(
            lambda m, r=rng, ps=paragraphs: m.group(1) + r.choice(ps) + m.group(3), html
        )
        digest = hashlib.sha1(body).digest()
        if digest not in seen:
            seen.add(digest)
            made += 1
            yield f"{url}?recombined={k}", body


def write_warcs(pages: Iterator[tuple[str, bytes]], n: int, folder: Path) -> int:
    n_files = max(4, math.ceil(n / PAGES_PER_FILE))
    folder.mkdir(parents=True, exist_ok=True)
    outs = [(folder / f"pages-{i:04d}.warc.gz").open("wb") for i in range(n_files)]
    writers = [WARCWriter(f, gzip=True) for f in outs]
    for i, (url, html) in enumerate(pages):
        write_response(writers[i % n_files], url, html, "text/html; charset=utf-8")
    for f in outs:
        f.close()
    return n_files


# --- one run, sampled ---------------------------------------------------------------------


def pipeline() -> dict[str, Any]:
    """eu24 (its manifests the bundled ones), then the tokenizer and the Megatron export."""
    spec = yaml.safe_load((presets_dir() / "eu24.yaml").read_text())
    spec["name"] = "eu24-cost-curve"
    spec["stages"] += [{"stage": "tokenizer"}, {"stage": "megatron"}]
    return spec


def _role(proc: psutil.Process, driver: int) -> str:
    if proc.pid == driver:
        return "driver"
    try:
        name = " ".join(proc.cmdline()[:3])
    except psutil.Error:
        return "ray"
    return "worker" if "default_worker.py" in name or name.startswith("ray::") else "ray"


class Sampler:
    """CPU-seconds and peak RSS of a process tree, by the stage run.json says is running."""

    def __init__(self, root: int, record: Path, stages: list[str]) -> None:
        self.root, self.record, self.stages = root, record, stages
        self.cpu: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
        self.peak: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
        self._seen: dict[int, float] = {}
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)

    def __enter__(self) -> Sampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._done.set()
        self._thread.join()

    def _stage(self) -> str:
        try:
            done = json.loads(self.record.read_text())["stages"]
        except (OSError, ValueError, KeyError):
            return "start"
        return next((s for s in self.stages if s not in done), "publish")

    def _loop(self) -> None:
        while not self._done.is_set():
            self.sample()
            time.sleep(0.25)

    def sample(self) -> None:
        stage = self._stage()
        try:
            root = psutil.Process(self.root)
            procs = [root, *root.children(recursive=True)]
        except psutil.Error:
            return
        tree_mb = 0.0
        for proc in procs:
            try:
                times, rss = proc.cpu_times(), proc.memory_info().rss / 1e6
                role = _role(proc, self.root)
            except psutil.Error:
                continue
            total = times.user + times.system
            self.cpu[stage][role] += max(0.0, total - self._seen.get(proc.pid, 0.0))
            self._seen[proc.pid] = max(total, self._seen.get(proc.pid, 0.0))
            self.peak[stage][role] = max(self.peak[stage][role], rss)
            tree_mb += rss
        self.peak[stage]["tree"] = max(self.peak[stage]["tree"], tree_mb)


def _du(path: Path) -> int:
    if path.is_file():
        return path.stat().st_size
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) if path.exists() else 0


def bytes_written(run: Path) -> dict[str, dict[str, int]]:
    """Per stage: its parts and markers (its folder), its ledger, what it publishes (the
    shards; the tokenizer's and the export's folders are what they publish)."""
    out = {}
    for stage in STAGES:
        own = _du(run / stage)
        publishes_own = stage in ("tokenizer", "megatron")
        out[stage] = {
            "parts": 0 if publishes_own else own,
            "ledger": _du(run / "rejected" / stage),
            "published": own if publishes_own else _du(run / "shards") if stage == "shard" else 0,
        }
    out["reports"] = {"parts": 0, "ledger": 0, "published": _du(run / "reports")}
    return out


def write_costs(run: Path, scratch: Path) -> dict[str, dict[str, float]]:
    """CPU-s to write every part of a per-file stage again with the run's own writer, and
    to read it back (what the next stage pays)."""
    out = {}
    for stage in PER_FILE:
        parts = sorted((run / stage).glob("part-*.parquet"))
        write = read = 0.0
        for part in parts:
            start = time.process_time()
            rows = pq.read_table(part).to_pylist()
            read += time.process_time() - start
            start = time.process_time()
            writer = AtomicParquetWriter(scratch / part.name, DOC_SCHEMA)
            for row in rows:
                writer.write(row)
            writer.commit()
            write += time.process_time() - start
        out[stage] = {"write_cpu_s": round(write, 2), "read_cpu_s": round(read, 2)}
    return out


def run_once(pages: list[Page], n: int, work: Path, workers: int) -> dict[str, Any]:
    warcs = work / "warc"
    made = time.perf_counter()
    n_files = write_warcs(recombined(pages, n), n, warcs)
    print(json.dumps({"pages": n, "warc_written_s": round(time.perf_counter() - made)}),
          file=sys.stderr, flush=True)  # fmt: skip
    spec = work / "pipeline.yaml"
    spec.write_text(yaml.safe_dump(pipeline(), sort_keys=False, allow_unicode=True))
    run = work / "runs" / "curve"
    cmd = ["nice", "-n", "10", LEAM, "run", str(spec), str(warcs), "--runs-dir",
           str(work / "runs"), "--run-id", "curve", "--workers", str(workers),
           "--quiet"]  # fmt: skip
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    with Sampler(proc.pid, run / "run.json", STAGES) as sampler:
        _, err = proc.communicate()
    wall = time.perf_counter() - start
    if proc.returncode:
        raise RuntimeError(err.decode()[-3000:])
    record = json.loads((run / "run.json").read_text())
    written = bytes_written(run)
    with tempfile.TemporaryDirectory() as scratch:
        writes = write_costs(run, Path(scratch))
    stages: dict[str, Any] = {}
    for name in [*STAGES, "start", "publish"]:
        rec = record["stages"].get(name, {})
        cpu = sampler.cpu.get(name, {})
        stages[name] = {
            "wall_s": rec.get("wall_s"),
            "cpu_s": round(sum(cpu.values()), 1),
            "cpu_s_by_role": {k: round(v, 1) for k, v in sorted(cpu.items())},
            "task_cpu_s": rec.get("cpu_s"),
            "peak_mb": {k: round(v) for k, v in sorted(sampler.peak.get(name, {}).items())},
            "docs_in": rec.get("docs_in"),
            "docs_out": rec.get("docs_out"),
            "bytes_written": written.get(name),
            **({"parts_io": writes[name]} if name in writes else {}),
        }
    return {
        "pages": n,
        "recombined_pages": max(0, n - len(pages)),
        "warc_files": n_files,
        "warc_bytes": sum(p.stat().st_size for p in warcs.glob("*.warc.gz")),
        "wall_s": round(wall, 1),
        "cpu_s": round(sum(sum(c.values()) for c in sampler.cpu.values()), 1),
        "peak_mb": {
            role: round(max(p.get(role, 0.0) for p in sampler.peak.values()))
            for role in ("driver", "worker", "ray", "tree")
        },
        "bytes_written": sum(sum(v.values()) for v in written.values()),
        "stages": stages,
    }


# --- growth -------------------------------------------------------------------------------


def _figures(result: dict[str, Any]) -> dict[str, float]:
    """The figures whose growth is reported, flat: name -> value."""
    flat = {"wall_s": result["wall_s"], "cpu_s": result["cpu_s"],
            "bytes_written": result["bytes_written"]}  # fmt: skip
    flat.update({f"peak_mb.{k}": v for k, v in result["peak_mb"].items()})
    for name, stage in result["stages"].items():
        flat[f"{name}.cpu_s"] = stage["cpu_s"]
        if stage["wall_s"] is not None:
            flat[f"{name}.wall_s"] = stage["wall_s"]
        if stage["bytes_written"]:
            flat[f"{name}.bytes_written"] = sum(stage["bytes_written"].values())
    return flat


def growth(results: list[dict[str, Any]]) -> dict[str, Any]:
    """Per 1,000 pages between consecutive runs, and (extrapolation, not measured) the
    straight line through the last two runs at 1,000,000 pages."""
    steps = []
    for a, b in itertools.pairwise(results):
        fa, fb = _figures(a), _figures(b)
        k = (b["pages"] - a["pages"]) / 1000
        steps.append({
            "from_pages": a["pages"], "to_pages": b["pages"],
            "per_1000_pages": {n: round((fb[n] - fa.get(n, 0.0)) / k, 3) for n in fb},
        })  # fmt: skip
    out: dict[str, Any] = {"per_1000_pages": steps}
    if steps:
        last, slope = _figures(results[-1]), steps[-1]["per_1000_pages"]
        more = (1_000_000 - results[-1]["pages"]) / 1000
        out["extrapolated_to_1M_pages (not measured)"] = {
            n: round(last[n] + slope[n] * more, 1)
            for n in ("cpu_s", "bytes_written", "peak_mb.driver", "peak_mb.worker")
        }
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", type=int, nargs="+", default=[10_000])
    parser.add_argument("--debs", type=Path, help="the .deb files (default: apt-get download)")
    parser.add_argument("--rust-docs", type=Path, default=default_rust_docs())
    parser.add_argument("--no-rust-docs", action="store_true")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--keep", type=Path, help="work folder to keep (default: temporary)")
    parser.add_argument(
        "--report", type=Path, nargs="+", help="only the growth of results printed before"
    )
    args = parser.parse_args()
    if args.report:
        lines = [line for f in args.report for line in f.read_text().splitlines()]
        done = [json.loads(line) for line in lines if line.startswith('{"pages"')]
        print(json.dumps(growth(sorted(done, key=lambda r: r["pages"])), indent=1))
        return
    with tempfile.TemporaryDirectory() as tmp:
        work = args.keep or Path(tmp)
        debs = args.debs
        if debs is None:
            debs = work / "debs"
            debs.mkdir(parents=True, exist_ok=True)
            download(debs)
        rust = None if args.no_rust_docs else args.rust_docs
        real = pool(debs, work / "pool", rust)
        langs: dict[str, int] = defaultdict(int)
        for _, lang, _ in real:
            langs[lang] += 1
        print(json.dumps({"pool": len(real), "langs": dict(sorted(langs.items())),
                          "rust_docs": bool(rust)}), flush=True)  # fmt: skip
        results = []
        for n in sorted(args.pages):
            folder = work / f"n{n}"
            shutil.rmtree(folder, ignore_errors=True)
            result = run_once(real, n, folder, args.workers)
            results.append(result)
            print(json.dumps(result), flush=True)
            if not args.keep:
                shutil.rmtree(folder, ignore_errors=True)
        print(json.dumps(growth(results), indent=1))


if __name__ == "__main__":
    main()
