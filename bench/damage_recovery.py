"""How much of a damaged WARC.gz extract recovers, and what recovery costs on a clean file.

    python bench/damage_recovery.py --html /usr/share/doc --pages 2664 --flips 40 --seeds 5
    python bench/damage_recovery.py --html /usr/share/doc --speed-only   # clean docs/s only

Writes real HTML pages (every `*.html` under the `--html` folders, sorted, spread evenly
down to `--pages`) into one gzipped WARC (a request and a response record per page, one
gzip member per record, as crawlers write them). Then, per seed, flips `--flips` random
bytes of a copy and reads it with the reader: records recovered against the undamaged
read, whether every record whose bytes were left intact came back with the same payload,
and whether the bytes reconcile (bytes in records read + bytes skipped = file size).
`--speed` also times the extract stage (trafilatura) on the clean file in this process.
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


def speed(warc: Path, repeat: int) -> None:
    from leam.corpus.stage import Context
    from leam.pipelines.extract.stage import ExtractParams, ExtractStage

    stage = ExtractStage(ExtractParams())
    stage.setup()
    best = None
    for _ in range(repeat):
        ctx = Context("extract")
        t0 = time.perf_counter()
        kept = sum(1 for _ in stage.run(stage.read(str(warc), ctx), ctx))
        wall = time.perf_counter() - t0
        best = wall if best is None else min(best, wall)
    print(f"\nextract on the clean file, one process: {ctx.docs_in} records in, {kept} kept, "
          f"best of {repeat}: {best:.1f} s, {ctx.docs_in / best:.0f} docs/s")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--html", action="append", required=True, help="folder of HTML pages")
    parser.add_argument("--pages", type=int, default=2664)
    parser.add_argument("--flips", type=int, default=40)
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--speed", action="store_true", help="also time extract (clean file)")
    parser.add_argument("--speed-only", action="store_true")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        warc = Path(tmp) / "docs.warc.gz"
        n = build_warc(html_files(args.html, args.pages), warc)
        print(f"{n} pages, {warc.stat().st_size / 1e6:.1f} MB WARC.gz")
        if not args.speed_only:
            recovery(warc, args.flips, args.seeds)
        if args.speed or args.speed_only:
            speed(warc, args.repeat)


if __name__ == "__main__":
    main()
