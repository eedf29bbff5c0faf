"""Extraction quality on real pages with ground truth, and its CPU, for each extractor setting.

    python bench/extractor_eval.py                    # fetches trafilatura 0.9.3 from PyPI
    python bench/extractor_eval.py --pages DIR --passes 5
    python bench/extractor_eval.py --warc debian-docs.warc.gz   # and a WARC file's pages

Pages: the 81 of trafilatura's evaluation pages that its 0.9.3 source distribution ships
(tests/cache/, fetched with `pip download`, or --pages), scored against adbar/trafilatura's
tests/evaldata.py (bench/data/trafilatura_eval.json; tests/snippet_eval.py says how). For
each setting of the extract stage (the project's own extractor classes, title and date
included, as the stage runs them): precision, recall and F1 of the snippets, CPU ms per
page (process time of the extraction alone, one process, each page's best of --passes), and
the share of pages whose text equals that of trafilatura's precision mode with fallback
(datatrove's and FineWeb's setting). `auto` is also run on the 196 Debian documentation pages of
tests/data/realpages (no ground truth there: the same text, and CPU), and the share of pages
where it ran the fallback is counted on both sets.
"""

from __future__ import annotations

import argparse
import gc
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # tests/ holds the page sets (bench/ is a folder of scripts)

from trafilatura.utils import load_html  # noqa: E402

from leam.pipelines.extract import lazy_fallback  # noqa: E402
from leam.pipelines.extract.decode import decode_html  # noqa: E402
from leam.pipelines.extract.stage import ExtractParams, build_extractor  # noqa: E402
from tests.realpages import read as read_debian  # noqa: E402
from tests.snippet_eval import Counts, fetch, load_truth, read_pages, score  # noqa: E402

REFERENCE = "precision + fallback"
SETTINGS = {
    REFERENCE: {"fallback": True},
    "fast (no fallback)": {"fallback": False},
    "auto (fallback where it can change the text)": {"fallback": "auto"},
    "resiliparse": {"extractor": "resiliparse"},
}
DEBIAN = ROOT / "tests" / "data" / "realpages" / "pages.tar.xz"
OLD_FAST = "fast, trafilatura's load_html parse (eu24 before)"


def _available(params: dict) -> bool:
    if params.get("extractor") != "resiliparse":
        return True
    try:
        import resiliparse  # noqa: F401
    except ImportError:
        return False
    return True


def run(extractors: dict, pages: list[tuple[str, str]], passes: int) -> tuple[dict, dict]:
    """Texts, and CPU seconds per setting: each page's best of `passes` runs, summed (on a
    shared machine the best run is the one least disturbed). Settings alternate page by page."""
    texts = {name: [] for name in extractors}
    best = {name: [float("inf")] * len(pages) for name in extractors}
    gc.collect()
    for i in range(passes):
        for j, (html, url) in enumerate(pages):
            for name, extract in extractors.items():
                start = time.process_time()
                result = extract(html, url)
                best[name][j] = min(best[name][j], time.process_time() - start)
                if i == 0:
                    texts[name].append(result.text if result is not None else "")
    return texts, {name: sum(times) for name, times in best.items()}


def fallback_runs(pages: list[tuple[str, str]]) -> int:
    """Pages where `auto` ran trafilatura's fallback (compare_extraction, wrapped to count)."""
    runs = 0
    original = lazy_fallback.compare_extraction

    def counted(*args, **kwargs):
        nonlocal runs
        runs += 1
        return original(*args, **kwargs)

    lazy_fallback.compare_extraction = counted
    try:
        extract = build_extractor(ExtractParams(fallback="auto"))
        for html, url in pages:
            extract(html, url)
    finally:
        lazy_fallback.compare_extraction = original
    return runs


def readability_share(pages: list[tuple[str, str]]) -> float:
    """The largest ratio of readability's text length to the page length that `auto`'s gate
    measures (`lazy_fallback.page_chars` of the cleaned tree): the gate assumes it is <= 1."""
    from lxml.etree import tostring
    from trafilatura.core import (
        RAW_TREE_PRUNE_XPATH,
        REMOVE_COMMENTS_AND_LISTS_XPATH,
        _prepare_tree,
    )
    from trafilatura.external import try_readability
    from trafilatura.htmlprocessing import prune_unwanted_nodes
    from trafilatura.settings import Extractor
    from trafilatura.utils import trim
    from trafilatura.xpaths import OVERALL_DISCARD_XPATH

    worst = 0.0
    for html, url in pages:
        options = Extractor(output_format="python", precision=True, comments=False, url=url)
        tree = load_html(html)
        tree = prune_unwanted_nodes(tree, RAW_TREE_PRUNE_XPATH)
        tree = prune_unwanted_nodes(tree, REMOVE_COMMENTS_AND_LISTS_XPATH)
        _, backup = _prepare_tree(tree, options, url)
        # compare_extraction's readability input, in precision mode
        summary = try_readability(prune_unwanted_nodes(tree, OVERALL_DISCARD_XPATH))
        algo = len(trim(tostring(summary, method="text", encoding="utf-8").decode("utf-8")))
        worst = max(worst, algo / max(lazy_fallback.page_chars(backup), 1))
    return worst


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pages", type=Path, help="trafilatura's tests/cache/ (default: fetch)")
    parser.add_argument("--passes", type=int, default=3)
    parser.add_argument(
        "--gate-shares", default="",
        help="also run auto with these MIN_PAGE_SHARE values (comma-separated, e.g. 0.3,0.1): "
        "lower values run the fallback on fewer pages, no longer with the bound's guarantee",
    )  # fmt: skip
    parser.add_argument(
        "--warc", type=Path,
        help="also a WARC file's pages (no timing): auto's text against the reference's, and "
        "readability's length against the gate's page measure",
    )  # fmt: skip
    args = parser.parse_args()
    truth = load_truth()
    with tempfile.TemporaryDirectory() as tmp:
        raw = read_pages(args.pages or fetch(Path(tmp)))
    missing = [t.file for t in truth if t.file not in raw]
    if missing:
        sys.exit(f"pages missing from the cache: {', '.join(missing)}")
    pages = [(decode_html(raw[t.file], "")[0], t.url) for t in truth]
    extractors = {
        name: build_extractor(ExtractParams(**params))
        for name, params in SETTINGS.items()
        if _available(params)
    }
    # fast mode on trafilatura's own parse (lxml.html's Python element lookup): the eu24
    # extraction before it took `fallback: auto` and the parse of pipelines/extract/parse.py
    fast = extractors["fast (no fallback)"]
    extractors[OLD_FAST] = lambda html, url: fast(html, url, load_html(html))
    texts, cpu = run(extractors, pages, args.passes)
    ref = texts[REFERENCE]
    ref_f1 = sum((score(t, p) for t, p in zip(ref, truth, strict=True)), Counts()).f1()
    print(f"{len(truth)} pages of trafilatura's evaluation (0.9.3 tests/cache/, evaldata.py)")
    print("| setting | precision | recall | F1 | F1 vs reference (points) | CPU ms/page | "
          "same text as reference |")  # fmt: skip
    print("|---|---|---|---|---|---|---|")
    for name in extractors:
        counts = sum((score(t, p) for t, p in zip(texts[name], truth, strict=True)), Counts())
        same = sum(a == b for a, b in zip(texts[name], ref, strict=True))
        print(
            f"| {name} | {counts.precision():.4f} | {counts.recall():.4f} | {counts.f1():.4f} | "
            f"{100 * (counts.f1() - ref_f1):+.2f} | {1000 * cpu[name] / len(pages):.2f} | "
            f"{same}/{len(pages)} |"
        )
    print(f"auto ran the fallback on {fallback_runs(pages)} of {len(pages)} pages")

    debian = [(html, page.url) for page, html in read_debian(DEBIAN)]
    chosen = {k: extractors[k] for k in [*list(extractors)[:3], OLD_FAST]}
    d_texts, d_cpu = run(chosen, debian, args.passes)
    print(f"\n{len(debian)} Debian documentation pages (tests/data/realpages, no ground truth)")
    print("| setting | CPU ms/page | same text as reference |")
    print("|---|---|---|")
    for name in chosen:
        same = sum(a == b for a, b in zip(d_texts[name], d_texts[REFERENCE], strict=True))
        print(f"| {name} | {1000 * d_cpu[name] / len(debian):.2f} | {same}/{len(debian)} |")
    print(f"auto ran the fallback on {fallback_runs(debian)} of {len(debian)} pages")
    share = max(readability_share(pages), readability_share(debian))
    print(f"readability's text, at most {share:.3f} of the page text the gate measures (both sets)")
    if args.warc:
        same_on_warc(args.warc, extractors)
    if args.gate_shares:
        sweep(truth, pages, debian, [float(x) for x in args.gate_shares.split(",")], args.passes)


def same_on_warc(path: Path, extractors: dict) -> None:
    """Every response of a WARC file: auto's text against the reference's; readability's text
    length against the page measure `auto`'s gate assumes bounds it (pages above 1 listed)."""
    from leam.pipelines.extract.warc import Record, iter_records

    pages = [
        (decode_html(r.payload, r.content_type)[0], r.url)
        for r in iter_records(str(path), 5_000_000)
        if isinstance(r, Record) and r.payload
    ]
    auto = extractors["auto (fallback where it can change the text)"]
    full = extractors[REFERENCE]
    same = 0
    for html, url in pages:
        a, b = auto(html, url), full(html, url)
        same += (a.text if a else None) == (b.text if b else None)
    over = [(url, share) for html, url in pages if (share := readability_share([(html, url)])) > 1]
    print(f"\n{path.name}: {len(pages)} pages; auto's text equal to the reference's on {same}")
    print(f"auto ran the fallback on {fallback_runs(pages)} of them")
    print(f"readability's text longer than the gate's page measure on {len(over)} pages:")
    for url, share in over:
        print(f"  {share:.4f} {url}")


def sweep(truth, pages, debian, shares: list[float], passes: int) -> None:
    """`auto` with other gates, all timed in one interleaved run beside `fallback: false`:
    F1, texts equal to the reference's, pages where the fallback ran, CPU."""
    bound = lazy_fallback.MIN_PAGE_SHARE
    auto = build_extractor(ExtractParams(fallback="auto"))

    def gated(share: float):
        def extract(html: str, url: str):
            lazy_fallback.MIN_PAGE_SHARE = share
            return auto(html, url)

        return extract

    def hindsight(changed: set[str]):
        """The fallback run on exactly the pages whose text it changes: a lower bound of cost."""
        gate = lazy_fallback.fallback_may_change

        def extract(html: str, url: str):
            lazy_fallback.fallback_may_change = lambda *args: url in changed
            try:
                return auto(html, url)
            finally:
                lazy_fallback.fallback_may_change = gate

        return extract

    shares = [bound, *shares]
    print("\n| setting | F1 (eval) | eval: same text, fallback runs, CPU ms/page | "
          "Debian: same text, fallback runs, CPU ms/page |")  # fmt: skip
    print("|---|---|---|---|")
    cells: dict[str, list[str]] = {}
    try:
        for set_ in (pages, debian):
            reference = run({"r": build_extractor(ExtractParams(fallback=True))}, set_, 1)[0]["r"]
            fast = build_extractor(ExtractParams(fallback=False))
            changed = {url for (_, url), a, b in zip(set_, run({"f": fast}, set_, 1)[0]["f"],
                                                     reference, strict=True) if a != b}  # fmt: skip
            extractors = {"fallback: false": fast}
            extractors |= {f"auto, MIN_PAGE_SHARE {share}": gated(share) for share in shares}
            extractors["auto, fallback only where it changes the text (hindsight)"] = hindsight(
                changed
            )
            texts, cpu = run(extractors, set_, passes)
            for i, name in enumerate(extractors):
                same = sum(a == b for a, b in zip(texts[name], reference, strict=True))
                if 0 < i <= len(shares):
                    runs = f", {_runs_at(shares[i - 1], set_)}"
                else:
                    runs = f", {len(changed)}" if i else ""
                ms = 1000 * cpu[name] / len(set_)
                cells.setdefault(name, []).append(f"{same}/{len(set_)}{runs}, {ms:.2f}")
                if set_ is pages:
                    pairs = zip(texts[name], truth, strict=True)
                    cells[name].insert(
                        0, f"{sum((score(t, p) for t, p in pairs), Counts()).f1():.4f}"
                    )
    finally:
        lazy_fallback.MIN_PAGE_SHARE = bound
    for name, row in cells.items():
        print(f"| {name} | " + " | ".join(row) + " |")


def _runs_at(share: float, pages: list[tuple[str, str]]) -> int:
    bound, lazy_fallback.MIN_PAGE_SHARE = lazy_fallback.MIN_PAGE_SHARE, share
    try:
        return fallback_runs(pages)
    finally:
        lazy_fallback.MIN_PAGE_SHARE = bound


if __name__ == "__main__":
    main()
