"""End to end: `leam run` against datatrove's FineWeb-style pipeline, same WARC, same workers.

    python bench/e2e.py --pages 4000 --files 4 --workers 2
    python bench/e2e.py --warc CC-MAIN-....warc.gz --files 4 --workers 2   # real Common Crawl
    python bench/e2e.py --prefilter      # also leam turning pages away before extraction

datatrove's blocks need, besides datatrove 0.10.1 and the dev extra: spacy, fasteners,
tldextract and pyahocorasick (`pip install spacy fasteners tldextract pyahocorasick`).

Without --warc it builds gzipped WARC files with a Common-Crawl-like mix from the bundled
sample pages: about 70 % EU languages (English the largest), 30 % others; every page wrapped
in tens of KB of navigation, menus, inline script and footer; a few % exact duplicate
payloads under other URLs; some pages on domains of the UT1 blocklist. A real Common Crawl
WARC (one file of a crawl's `warc.paths.gz`, e.g. fetched from
https://data.commoncrawl.org/crawl-data/CC-MAIN-2024-10/warc.paths.gz, about 1 GB and
~35,000 responses) is cut record by record into --files gzipped parts, so that each worker
has tasks; both sides read the same parts.

Both pipelines run in a subprocess each, one after the other, with the same number of
workers (leam: Ray workers; datatrove: LocalPipelineExecutor workers; one task per WARC file):
(a) leam: extract → langid (EU-24, datatrove's threshold 0.65, no variants) → filter
    (url_blocklist, gopher_repetition, gopher_quality, c4_quality, fineweb_quality, with the
    bundled manifests, whose parameters are datatrove's defaults plus per-language overrides);
(b) datatrove 0.10.1: WarcReader → URLFilter → Trafilatura(favour_precision) →
    LanguageFilter(EU-24, 0.65, the same lid.176.ftz) → GopherRepetition → GopherQuality →
    C4Quality → FineWebQuality → ParquetWriter, all with their defaults.
Dedup is left out on both sides. Reported per side: documents/s per core (input responses /
wall s / workers), documents per CPU-second, CPU-seconds per GB of WARC, wall time, peak
memory of the process tree, kept documents; and the Jaccard overlap of kept URLs (overall
and English only, since datatrove's quality filters default to English word lists).
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tarfile
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import psutil
import pyarrow.parquet as pq
from warcio.archiveiterator import ArchiveIterator
from warcio.warcwriter import WARCWriter

from corpus.languages import EU24
from filters.blocklist import UT1_ASSET, datatrove_asset
from pipelines.sample_warc import SamplePage, iter_chunks, render_html, sample_pages, write_response

sys.path.insert(0, str(Path(__file__).resolve().parent))
from dedup_scaling import peak_rss  # bench/ is a folder of scripts, not a package

LEAM = str(Path(sys.executable).parent / "leam")
OTHERS = ("ru", "zh", "ja", "ar", "tr", "vi", "uk", "sr", "bs")  # non-EU share of a crawl
FILTERS = ["url_blocklist", "gopher_repetition", "gopher_quality", "c4_quality", "fineweb_quality"]


def pipeline_yaml(prefilter: bool) -> str:
    """The leam side; with prefilter, extract turns pages away before trafilatura: those on
    the URL blocklist, and those certainly outside the target languages."""
    extract = "  - stage: extract\n"
    filters = FILTERS
    if prefilter:
        extract += (
            "    params:\n      prefilter: {filters: [url_blocklist]}\n"
            "      language_precheck: {min_score: 0.9}\n"
        )
        filters = [f for f in FILTERS if f != "url_blocklist"]
    return (
        "name: e2e-fineweb\n"
        "description: FineWeb-equivalent stages for bench/e2e.py (no dedup, no shard)\n"
        "stages:\n"
        f"{extract}"
        "  - stage: langid\n"
        "    params:\n"
        "      default_threshold: 0.65  # datatrove's LanguageFilter default, no variants\n"
        "  - stage: filter\n"
        "    params:\n"
        f"      filters: {json.dumps(filters)}\n"
    )


# --- input ------------------------------------------------------------------------------


def _boilerplate(rng: random.Random, n_links: int) -> tuple[str, str]:
    """(header, footer) of a portal: mega-menu, inline script and style, link farm; what
    makes Common Crawl pages 30-100 KB of HTML around a few KB of text."""
    words = ["news", "sport", "business", "culture", "travel", "weather", "video", "opinion"]
    menu = "".join(
        f'<li class="menu-item"><a href="/{rng.choice(words)}/{i}/" title="Section {i}">'
        f"{rng.choice(words).title()} {i}</a></li>"
        for i in range(n_links)
    )
    script = "var cfg=" + json.dumps({f"k{i}": "x" * rng.randint(20, 80) for i in range(60)})
    style = "".join(f".c{i}{{margin:{i}px;padding:{i % 7}px}}" for i in range(300))
    header = (
        f"<style>{style}</style><script>{script}</script>"
        f'<nav class="mega-menu"><ul>{menu}</ul></nav>'
    )
    related = "".join(
        f'<div class="teaser"><a href="/story/{rng.randrange(10**6)}">Read more {i}</a></div>'
        for i in range(n_links // 2)
    )
    footer = f'<section class="related">{related}</section><div class="legal">(c) Portal</div>'
    return header, footer


def _blocklisted_domains(n: int) -> list[str]:
    """The first n plain domains of the UT1 list datatrove ships (adult sites)."""
    with tarfile.open(datatrove_asset(UT1_ASSET)) as tar:
        f = tar.extractfile("domains")
        assert f is not None
        found = []
        for line in f:
            name = line.decode("utf-8", "replace").strip()
            if name and not name.startswith("#") and name.count(".") == 1:
                found.append(name)
            if len(found) == n:
                break
    return found


def _mix(n: int, rng: random.Random) -> list[SamplePage]:
    by_lang: dict[str, list[SamplePage]] = {}
    for page in sample_pages():
        by_lang.setdefault(page.lang, []).append(page)
    eu = [lang for lang in EU24 if lang in by_lang and lang != "en"]
    others = [lang for lang in OTHERS if lang in by_lang]
    pages = []
    for i in range(n):
        roll = rng.random()
        lang = "en" if roll < 0.25 else rng.choice(eu) if roll < 0.70 else rng.choice(others)
        base = rng.choice(by_lang[lang])
        paragraphs = base.text.split("\n\n")
        rng.shuffle(paragraphs)  # the pool is small: vary each page's text a little
        url = f"https://www.site-{i % 401}.{base.url.split('.')[-1].split('/')[0]}/{lang}/{i}.html"
        pages.append(SamplePage(lang, base.title, "\n\n".join(paragraphs), url))
    return pages


def build_warcs(folder: Path, n_pages: int, n_files: int, seed: int = 0) -> dict[str, Any]:
    """Gzipped WARC files of n_pages responses; returns what the mix holds."""
    rng = random.Random(seed)
    pages = _mix(n_pages, rng)
    blocked = _blocklisted_domains(20)
    bodies: list[tuple[str, bytes]] = []
    n_dup = n_blocked = 0
    for page in pages:
        url = page.url
        if rng.random() < 0.02:
            url = f"http://{rng.choice(blocked)}/{page.lang}/{rng.randrange(10**6)}.html"
            n_blocked += 1
        if bodies and rng.random() < 0.03:  # the same payload under another URL
            bodies.append((url, rng.choice(bodies)[1]))
            n_dup += 1
            continue
        header, footer = _boilerplate(rng, rng.randint(150, 450))
        html = render_html(page).replace("<body>", f"<body>{header}", 1)
        html = html.replace("</footer>", f"{footer}</footer>", 1)
        bodies.append((url, html.encode("utf-8")))
    folder.mkdir(parents=True, exist_ok=True)
    for i, chunk in enumerate(iter_chunks(bodies, n_files)):
        with (folder / f"mix-{i:03d}.warc.gz").open("wb") as f:
            writer = WARCWriter(f, gzip=True)
            for url, body in chunk:
                write_response(writer, url, body, "text/html; charset=utf-8")
    sizes = [len(b) for _, b in bodies]
    return {
        "pages": len(bodies),
        "duplicates": n_dup,
        "blocklisted": n_blocked,
        "html_kb_mean": round(sum(sizes) / len(sizes) / 1024, 1),
    }


def split_warc(path: Path, folder: Path, n_files: int) -> None:
    """A real WARC file cut into n_files gzipped WARC files, record by record."""
    folder.mkdir(parents=True, exist_ok=True)
    outs = [(folder / f"cc-{i:03d}.warc.gz").open("wb") for i in range(n_files)]
    writers = [WARCWriter(f, gzip=True) for f in outs]
    with path.open("rb") as f:
        for i, rec in enumerate(ArchiveIterator(f)):
            writers[i % n_files].write_record(rec)
    for f in outs:
        f.close()


def count_responses(folder: Path) -> int:
    n = 0
    for path in sorted(folder.glob("*.warc.gz")):
        with path.open("rb") as f:
            n += sum(rec.rec_type == "response" for rec in ArchiveIterator(f))
    return n


# --- the two pipelines -------------------------------------------------------------------


def _measured(cmd: list[str]) -> dict[str, float]:
    """Wall s and peak MB of the process tree (peak_rss), and its CPU-seconds: every
    descendant's user + system time, sampled every 0.1 s (Ray's and the executor's workers
    are not all reaped by this process, so its rusage would miss them)."""
    seen: dict[int, float] = {}
    done = threading.Event()

    def sample() -> None:
        me = psutil.Process()
        while not done.is_set():
            for proc in me.children(recursive=True):
                try:
                    t = proc.cpu_times()
                    seen[proc.pid] = max(seen.get(proc.pid, 0.0), t.user + t.system)
                except psutil.Error:
                    pass
            time.sleep(0.1)

    thread = threading.Thread(target=sample, daemon=True)
    thread.start()
    wall, peak = peak_rss(cmd)
    done.set()
    thread.join()
    return {"wall_s": wall, "peak_mb": peak, "cpu_s": sum(seen.values())}


def run_leam(warcs: Path, work: Path, workers: int, prefilter: bool = False) -> dict[str, Any]:
    run_id = "leam-prefilter" if prefilter else "leam"
    yaml = work / f"{run_id}.yaml"
    yaml.write_text(pipeline_yaml(prefilter))
    cmd = [LEAM, "run", str(yaml), str(warcs), "--runs-dir", str(work / "runs"),
           "--run-id", run_id, "--workers", str(workers), "--quiet"]  # fmt: skip
    figures = _measured(cmd)
    run = work / "runs" / run_id
    record = json.loads((run / "run.json").read_text())
    figures["task_cpu_s"] = {k: v["cpu_s"] for k, v in record["stages"].items()}
    figures["urls"] = _urls(sorted((run / "filter").glob("part-*.parquet")), "url")
    figures["langs"] = _urls(sorted((run / "filter").glob("part-*.parquet")), "lang")
    return figures


def run_datatrove(warcs: Path, work: Path, workers: int) -> dict[str, Any]:
    out = work / "datatrove"
    cmd = [sys.executable, __file__, "_datatrove", str(warcs), str(out), str(workers)]
    figures = _measured(cmd)
    parts = sorted((out / "output").glob("*.parquet"))
    figures["urls"] = [m["url"] for m in _column(parts, "metadata")]
    figures["langs"] = [m["language"] for m in _column(parts, "metadata")]
    return figures


def _column(parts: list[Path], name: str) -> list[Any]:
    return [v for p in parts for v in pq.read_table(p, columns=[name]).column(name).to_pylist()]


def _urls(parts: list[Path], name: str) -> list[str]:
    return _column(parts, name)


def datatrove_main(warcs: str, out: str, workers: int) -> None:
    """datatrove's FineWeb-style blocks with their defaults, reading the same lid.176.ftz."""
    from datatrove.executor import LocalPipelineExecutor
    from datatrove.pipeline.extractors import Trafilatura
    from datatrove.pipeline.filters import (
        C4QualityFilter,
        FineWebQualityFilter,
        GopherQualityFilter,
        GopherRepetitionFilter,
        LanguageFilter,
        URLFilter,
    )
    from datatrove.pipeline.readers import WarcReader
    from datatrove.pipeline.writers import ParquetWriter
    from tldextract import TLDExtract

    n_tasks = len(list(Path(warcs).glob("*.warc.gz")))

    class LocalLanguageFilter(LanguageFilter):
        """datatrove's LanguageFilter; its dependency check looks for the `fasttext`
        distribution, and the same module comes here from fasttext-predict."""

        def __new__(cls, *args: Any, **kwargs: Any) -> LocalLanguageFilter:
            return object.__new__(cls)

    lid = LocalLanguageFilter(languages=list(EU24), language_threshold=0.65)
    lid.model = _LocalFT176(list(EU24))
    urls = URLFilter()
    urls.tldextractor = TLDExtract(suffix_list_urls=())  # its bundled suffix list, no download
    pipeline = [
        WarcReader(warcs, glob_pattern="*.warc.gz"),
        urls,
        Trafilatura(favour_precision=True, timeout=5.0),
        lid,
        GopherRepetitionFilter(),
        GopherQualityFilter(),
        C4QualityFilter(),
        FineWebQualityFilter(),
        ParquetWriter(f"{out}/output"),
    ]
    LocalPipelineExecutor(pipeline, tasks=n_tasks, workers=workers, logging_dir=f"{out}/logs").run()


class _LocalFT176:
    """datatrove's FT176LID.predict over the lid.176.ftz that leam uses (no download);
    fasttext-predict returns plain floats where datatrove expects numpy scalars."""

    def __init__(self, languages: list[str]) -> None:
        self.languages = languages
        self._model: Any = None  # loaded in the worker: the executor pickles the pipeline

    def predict(self, doc: Any) -> tuple[tuple[str, float], dict[str, float]]:
        if self._model is None:
            import fasttext

            from pipelines.lid_model import default_model_path

            self._model = fasttext.load_model(str(default_model_path()))
        return self._predict(doc)

    def _predict(self, doc: Any) -> tuple[tuple[str, float], dict[str, float]]:
        langs, scores = self._model.predict(doc.text.replace("\n", " "), k=-1)
        pairs = {lang.split("__")[2]: float(s) for lang, s in zip(langs, scores, strict=True)}
        best = max(pairs.items(), key=lambda x: x[1])
        return best, {lang: pairs.get(lang, 0.0) for lang in self.languages}


# --- report -------------------------------------------------------------------------------


def jaccard(a: set[str], b: set[str]) -> float:
    return len(a & b) / len(a | b) if a | b else 1.0


def report(side: dict[str, Any], docs: int, gb: float, workers: int) -> dict[str, Any]:
    return {
        "docs_per_s_per_core": round(docs / side["wall_s"] / workers, 1),
        "docs_per_cpu_s": round(docs / side["cpu_s"], 1),
        "cpu_s_per_gb": round(side["cpu_s"] / gb, 0),
        "wall_s": round(side["wall_s"], 1),
        "cpu_s": round(side["cpu_s"], 1),
        "peak_mb": round(side["peak_mb"]),
        "kept": len(side["urls"]),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--warc", type=Path, help="a real (Common Crawl) WARC file instead")
    parser.add_argument("--pages", type=int, default=4000, help="pages of the built mix")
    parser.add_argument("--files", type=int, default=4, help="WARC files (tasks)")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--skip-datatrove", action="store_true")
    parser.add_argument(
        "--prefilter",
        action="store_true",
        help="also run leam with url_blocklist and the language pre-check in extract",
    )
    parser.add_argument("--keep", type=Path, help="work folder to keep (default: a temporary one)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = args.keep or Path(tmp)
        warcs = work / "warc"
        if args.warc:
            split_warc(args.warc, warcs, args.files)
            mix: dict[str, Any] = {"source": args.warc.name}
        else:
            mix = build_warcs(warcs, args.pages, args.files)
        docs = count_responses(warcs)
        gb = sum(p.stat().st_size for p in warcs.glob("*.warc.gz")) / 1e9
        print(json.dumps({"input": {**mix, "responses": docs, "warc_gb": round(gb, 4)}}))
        sides = {"leam": run_leam(warcs, work, args.workers)}
        if not args.skip_datatrove:
            sides["datatrove"] = run_datatrove(warcs, work, args.workers)
        if args.prefilter:
            sides["leam-prefilter"] = run_leam(warcs, work, args.workers, prefilter=True)
        result = {name: report(s, docs, gb, args.workers) for name, s in sides.items()}
        for name in ("leam", "leam-prefilter"):
            if name in sides:
                result[name]["task_cpu_s"] = sides[name]["task_cpu_s"]
        if args.prefilter:
            result["prefilter_kept_url_jaccard"] = round(
                jaccard(set(sides["leam"]["urls"]), set(sides["leam-prefilter"]["urls"])), 4
            )
        if "datatrove" in sides:
            ours, theirs = sides["leam"], sides["datatrove"]
            en = [{u for u, lang in zip(s["urls"], s["langs"], strict=True) if lang == "en"}
                  for s in (ours, theirs)]  # fmt: skip
            result["kept_url_jaccard"] = round(jaccard(set(ours["urls"]), set(theirs["urls"])), 4)
            result["kept_url_jaccard_en"] = round(jaccard(*en), 4)
            rates = [result[k]["docs_per_s_per_core"] for k in ("leam", "datatrove")]
            result["speedup_per_core"] = round(rates[0] / rates[1], 2)
        print(json.dumps(result, indent=1))


if __name__ == "__main__":
    if len(sys.argv) == 5 and sys.argv[1] == "_datatrove":
        datatrove_main(sys.argv[2], sys.argv[3], int(sys.argv[4]))
    else:
        main()
