"""Where the extract stage's CPU goes, step by step, in one process: WARC reading, decoding,
the parse, the survival pre-check and trafilatura, for a preset's extract parameters.

    python bench/extract_steps.py /tmp/debian-docs.warc.gz                 # fineweb preset
    python bench/extract_steps.py /tmp/debian-docs.warc.gz --no-precheck   # every page extracted

The steps are the stage's own calls (pipelines/extract/stage.py `_fill`), timed with the
process's CPU clock; the pre-check's per-process caches start empty, as in a fresh worker.
"""

from __future__ import annotations

import argparse
import time
from collections import Counter

from leam.pipelines.extract.decode import decode_html
from leam.pipelines.extract.parse import parse_html
from leam.pipelines.extract.stage import ExtractStage
from leam.pipelines.extract.survival import SurvivalPrecheck
from leam.pipelines.extract.warc import Record, iter_records
from leam.pipelines.presets import load_pipeline


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("warc")
    parser.add_argument("--preset", default="fineweb")
    parser.add_argument("--no-precheck", action="store_true")
    args = parser.parse_args()
    params = load_pipeline(args.preset).stages[0].params
    stage = ExtractStage(params)
    stage.setup()
    check = None
    if params.survival_precheck is not None and not args.no_precheck:
        check = SurvivalPrecheck(params.survival_precheck)
    cpu: Counter[str] = Counter()
    calls: Counter[str] = Counter()
    start = time.process_time()

    def step(name: str) -> None:
        nonlocal start
        now = time.process_time()
        cpu[name] += now - start
        calls[name] += 1
        start = now

    records = iter_records(args.warc, params.max_payload_bytes)
    records = [r for r in records if isinstance(r, Record)]
    step("read WARC records")
    for rec in records:
        if rec.payload is None:
            continue
        html, _ = decode_html(rec.payload, rec.content_type)
        step("decode")
        tree = parse_html(html)
        step("parse (once)")
        if check is not None:
            turned_away = check.cannot_survive(tree) is not None
            step("survival pre-check")
            if turned_away:
                continue
        if tree is not None:
            stage._extract(html, rec.url, tree)
            step("trafilatura")
    total = sum(cpu.values())
    for name, seconds in cpu.items():
        share = 100 * seconds / total
        print(f"{name:22s} {seconds:7.1f} CPU-s {share:5.1f} %  {calls[name]} calls")
    print(f"{'total':22s} {total:7.1f} CPU-s")


if __name__ == "__main__":
    main()
