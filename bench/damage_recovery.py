"""How much of a damaged WARC.gz extract recovers, and what recovery costs on a clean file.

    python bench/damage_recovery.py --html /usr/share/doc --pages 2664 --flips 40 --seeds 5
    git show v0:pipelines/extract/warc.py > /tmp/old_warc.py   # any earlier reader
    python bench/damage_recovery.py --html /usr/share/doc --speed-only \
        --baseline-reader /tmp/old_warc.py   # clean docs/s, both readers side by side

Writes real HTML pages (every `*.html` under the `--html` folders, sorted, spread evenly
down to `--pages`) into one gzipped WARC (a request and a response record per page, one
gzip member per record, as crawlers write them). Then, per seed, flips `--flips` random
bytes of a copy and reads it with the reader: records recovered against the undamaged
read, whether every record whose bytes were left intact came back with the same payload,
and whether the bytes reconcile (bytes in records read + bytes skipped = file size).
`--speed` also times the reader alone and the extract stage (trafilatura) on the clean file
in this process, alternating with `--baseline-reader` when given.
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
from pathlib import Path

from warcio.warcwriter import WARCWriter

from tests.sample_warc import write_response


def html_files(roots: list[str], pages: int) -> list[Path]:
    found = sorted({p.resolve() for root in roots for p in Path(root).rglob("*.html")})
    found = [p for p in found if p.is_file()]
    if len(found) > pages:  # spread evenly over the sorted list, deterministic
        found = [found[i * len(found) // pages] for i in range(pages)]
    return found


def build_warc(files: list[Path], path: Path) -> int:
    with path.open("wb") as f:
        writer = WARCWriter(f, gzip=True)
        for i, file in enumerate(files):
            url = f"https://docs.example.org/{i:05d}/{file.name}"
            write_response(writer, url, file.read_bytes(), "text/html")
    return len(files)


def read_all(path: Path):
    from leam.pipelines.extract.warc import Damaged, Record, iter_records

    items = list(iter_records(str(path), 5_000_000))
    records = [r for r in items if isinstance(r, Record)]
    damaged = [d for d in items if isinstance(d, Damaged)]
    read = sum(r.length for r in items if not isinstance(r, Damaged))
    return records, damaged, read


def damage(clean: bytes, flips: int, seed: int) -> tuple[bytes, list[int]]:
    rng = random.Random(seed)
    data = bytearray(clean)
    where = sorted(rng.sample(range(len(data)), flips))
    for pos in where:
        data[pos] ^= rng.randrange(1, 256)
    return bytes(data), where


def recovery(warc: Path, flips: int, seeds: int) -> None:
    clean = warc.read_bytes()
    records, damaged, read = read_all(warc)
    assert not damaged and read == len(clean), "the clean file must read whole"
    print(f"\nundamaged: {len(records)} response records, {len(clean):,} bytes\n")
    print("| seed | flips | records recovered | % | intact records recovered | damaged ranges "
          "| bytes skipped | bytes reconcile |")  # fmt: skip
    print("|---|---|---|---|---|---|---|---|")
    by_offset = {r.offset: r for r in records}
    spans = sorted((r.offset, r.offset + r.length) for r in records)
    for seed in range(seeds):
        data, where = damage(clean, flips, seed)
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "damaged.warc.gz"
            path.write_bytes(data)
            got, bad, read_bytes = read_all(path)
        skipped = sum(d.length for d in bad)
        hit = {s for s, e in spans if any(s <= w < e for w in where)}
        intact = [o for o, _ in spans if o not in hit]
        same = {r.offset for r in got if r.offset in by_offset
                and r.payload == by_offset[r.offset].payload}  # fmt: skip
        intact_ok = sum(o in same for o in intact)
        print(f"| {seed} | {flips} | {len(got)} / {len(records)} | "
              f"{100 * len(got) / len(records):.1f} | {intact_ok} / {len(intact)} | {len(bad)} | "
              f"{skipped:,} | {read_bytes + skipped == len(data)} |")  # fmt: skip


def _baseline(path: str):
    """iter_records of another version of pipelines/extract/warc.py (e.g. from git show),
    adapted to today's stage: its items get `length` 0 (that reader did not count bytes)."""
    import importlib.machinery

    module = importlib.machinery.SourceFileLoader("baseline_warc", path).load_module()

    from leam.pipelines.extract.warc import OtherRecord

    def iter_records(p: str, cap: int):
        for item in module.iter_records(p, cap):
            if type(item).__name__ == "OtherRecord":
                yield OtherRecord(item.rec_type, 0)
            else:
                item.length = getattr(item, "length", 0)
                yield item

    return iter_records


def speed(warc: Path, repeat: int, baseline: str | None) -> None:
    """Extract (trafilatura) over the clean file in this process, and the reader alone;
    with a baseline reader, both readers alternate, side by side in one process."""
    import leam.pipelines.extract.stage as extract
    from leam.corpus.stage import Context

    readers = {"this": extract.iter_records}
    if baseline:
        readers = {"baseline": _baseline(baseline), **readers}
    stage = extract.ExtractStage(extract.ExtractParams())
    stage.setup()
    best: dict[tuple[str, str], float] = {}
    size = warc.stat().st_size
    for i in range(repeat):
        order = list(readers.items())
        for name, reader in order[::-1] if i % 2 else order:  # which goes first alternates
            t0 = time.perf_counter()
            n = sum(1 for _ in reader(str(warc), 5_000_000))
            key = (name, "reader")
            best[key] = min(best.get(key, 1e9), time.perf_counter() - t0)
            extract.iter_records = reader
            ctx = Context("extract")
            t0 = time.perf_counter()
            kept = sum(1 for _ in stage.run(stage.read(str(warc), ctx), ctx))
            key = (name, "extract")
            best[key] = min(best.get(key, 1e9), time.perf_counter() - t0)
    extract.iter_records = readers["this"]
    print(f"\nclean file, one process, best of {repeat} (readers alternating): "
          f"{ctx.docs_in} response records, {kept} documents kept, {n} items read\n")  # fmt: skip
    print("| reader | read only: s | MB/s | extract: s | extract docs/s |")
    print("|---|---|---|---|---|")
    for name in readers:
        r, e = best[(name, "reader")], best[(name, "extract")]
        print(f"| {name} | {r:.2f} | {size / 1e6 / r:.1f} | {e:.1f} | {ctx.docs_in / e:.0f} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--html", action="append", required=True, help="folder of HTML pages")
    parser.add_argument("--pages", type=int, default=2664)
    parser.add_argument("--flips", type=int, default=40)
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--speed", action="store_true", help="also time extract (clean file)")
    parser.add_argument("--speed-only", action="store_true")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--baseline-reader", help="another warc.py to time side by side")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        warc = Path(tmp) / "docs.warc.gz"
        n = build_warc(html_files(args.html, args.pages), warc)
        print(f"{n} pages, {warc.stat().st_size / 1e6:.1f} MB WARC.gz")
        if not args.speed_only:
            recovery(warc, args.flips, args.seeds)
        if args.speed or args.speed_only:
            speed(warc, args.repeat, args.baseline_reader)


if __name__ == "__main__":
    main()
