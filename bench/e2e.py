"""End to end: `leam run` against datatrove's FineWeb-style pipeline, same WARC, same workers.

    python bench/e2e.py --pages 4000 --files 4 --workers 2
    python bench/e2e.py --warc CC-MAIN-....warc.gz --files 4 --workers 2   # real Common Crawl
    python bench/e2e.py --prefilter      # also leam turning pages away before extraction
    python bench/e2e.py --variant fast='{"fallback": false}'   # extract params, repeatable
    python bench/e2e.py --dedup          # both sides also deduplicate (MinHash)

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
(a) leam: the `fineweb` preset (pipelines/presets/fineweb.yaml): extract → langid (EU-24,
    datatrove's threshold 0.65, no variants) → filter (url_blocklist, gopher_repetition,
    gopher_quality, c4_quality, fineweb_quality, with the manifests of
    pipelines/presets/fineweb/manifests/, whose parameters are datatrove's defaults);
(b) datatrove 0.10.1: WarcReader → URLFilter → Trafilatura(favour_precision) →
    LanguageFilter(EU-24, 0.65, the same lid.176.ftz) → GopherRepetition → GopherQuality →
    C4Quality → FineWebQuality → ParquetWriter, all with their defaults but one:
    Trafilatura's `deduplicate` is off. With it on (datatrove's default), trafilatura drops
    every paragraph it has seen more than twice in the same process; the mix is built from
    a small pool of sample texts, so that would strip most pages, and leam's extract keeps
    no such per-process memory either (pipelines/extract.py).
With --dedup, leam adds its `dedup` stage after filter (the eu24 preset's parameters) and
datatrove runs its MinHash deduplication on its filtered output (MinhashDedupSignature →
Buckets → Cluster → Filter, MinhashConfig defaults, each step its own LocalPipelineExecutor
depending on the previous one, as in datatrove's examples/minhash_deduplication.py), in the
same measured subprocess.

Each --variant NAME=JSON is another leam side whose extract stage gets JSON merged into its
params; --prefilter is the variant that turns pages away in extract (url_blocklist and the
language pre-check) and drops url_blocklist from the filter stage, and `"shortcuts": true`
in a variant's JSON adds the same to it:

    python bench/e2e.py --prefilter --variant fast='{"shortcuts": true, "fallback": false}' \
        --variant resiliparse='{"shortcuts": true, "extractor": "resiliparse"}' \
        --variant payload='{"skip_duplicate_payloads": true}'

Reported per side: documents/s per core (input responses / wall s / workers), documents per
CPU-second, CPU-seconds per GB of WARC, wall time, peak memory of the process tree, kept
documents; the Jaccard overlap of kept URLs between leam and datatrove (overall and English
only), and of each variant with plain leam and with datatrove. With --dedup also the
overlap of the URLs each side put in a duplicate cluster of two or more, which does not
depend on which member of a cluster each side keeps.
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
import yaml
from warcio.archiveiterator import ArchiveIterator
from warcio.warcwriter import WARCWriter

from leam.corpus.languages import EU24
from leam.filters.blocklist import UT1_ASSET, datatrove_asset
from leam.pipelines.presets import presets_dir

# tests/ holds the sample pages; bench/ is a folder of scripts, not a package
sys.path[:0] = [str(Path(__file__).resolve().parents[1]), str(Path(__file__).resolve().parent)]
from dedup_scaling import peak_rss  # noqa: E402

from tests.sample_warc import (  # noqa: E402
    SamplePage,
    iter_chunks,
    render_html,
    sample_pages,
    write_response,
)

LEAM = str(Path(sys.executable).parent / "leam")
OTHERS = ("ru", "zh", "ja", "ar", "tr", "vi", "uk", "sr", "bs")  # non-EU share of a crawl
PRESET = "fineweb"
PREFILTER = {"prefilter": {"filters": ["url_blocklist"]}, "language_precheck": {"min_score": 0.9}}


def _stage(pipeline: dict[str, Any], name: str) -> dict[str, Any]:
    return next(s for s in pipeline["stages"] if s["stage"] == name)


def leam_pipeline(
    extract: dict[str, Any] | None = None, prefilter: bool = False, dedup: bool = False
) -> dict[str, Any]:
    """The fineweb preset as a dict, edited: `extract` merged into the extract stage's
    params; with prefilter, url_blocklist moves from the filter stage into extract; with
    dedup, the eu24 preset's dedup stage follows filter. The manifest folder becomes
    absolute, since the edited pipeline is written elsewhere."""
    pipeline = yaml.safe_load((presets_dir() / f"{PRESET}.yaml").read_text())
    filters = _stage(pipeline, "filter")["params"]
    manifests = str(presets_dir() / filters["manifests"])
    filters["manifests"] = manifests
    params = {**_stage(pipeline, "extract").get("params", {}), **(extract or {})}
    if prefilter:
        params.update(json.loads(json.dumps(PREFILTER)))
        params["prefilter"]["manifests"] = manifests
        filters["filters"] = [f for f in filters["filters"] if f != "url_blocklist"]
    if params:
        _stage(pipeline, "extract")["params"] = params
    if dedup:
        eu24 = yaml.safe_load((presets_dir() / "eu24.yaml").read_text())
        pipeline["stages"].append(_stage(eu24, "dedup"))
    return pipeline


# --- input ------------------------------------------------------------------------------


def boilerplate(rng: random.Random, n_links: int) -> tuple[str, str]:
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


def portal_html(page: SamplePage, rng: random.Random) -> str:
    """The page inside a portal's header and footer (150-450 menu links)."""
    header, footer = boilerplate(rng, rng.randint(150, 450))
    html = render_html(page).replace("<body>", f"<body>{header}", 1)
    return html.replace("</footer>", f"{footer}</footer>", 1)


def mix_pages(n: int, rng: random.Random) -> list[SamplePage]:
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
    pages = mix_pages(n_pages, rng)
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
        bodies.append((url, portal_html(page, rng).encode("utf-8")))
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


def run_leam(
    name: str, pipeline: dict[str, Any], warcs: Path, work: Path, workers: int
) -> dict[str, Any]:
    """One leam side: the pipeline written to <work>/<name>.yaml, then `leam run`."""
    spec = work / f"{name}.yaml"
    spec.write_text(yaml.safe_dump(pipeline, sort_keys=False, allow_unicode=True))
    cmd = [LEAM, "run", str(spec), str(warcs), "--runs-dir", str(work / "runs"),
           "--run-id", name, "--workers", str(workers), "--quiet"]  # fmt: skip
    figures = _measured(cmd)
    run = work / "runs" / name
    record = json.loads((run / "run.json").read_text())
    figures["task_cpu_s"] = {k: v["cpu_s"] for k, v in record["stages"].items()}
    last = pipeline["stages"][-1]["stage"]
    rows = _rows(sorted((run / last).glob("part-*.parquet")))
    figures["urls"] = [r["url"] for r in rows]
    figures["langs"] = [r["lang"] for r in rows]
    if last == "dedup":
        filtered = {r["url"] for r in _rows(sorted((run / "filter").glob("part-*.parquet")))}
        figures["filtered"] = filtered
        figures["clustered"] = _clustered(filtered, {r["url"]: r["dup_cluster_size"] for r in rows})
    return figures


def run_datatrove(warcs: Path, work: Path, workers: int, dedup: bool) -> dict[str, Any]:
    out = work / "datatrove"
    cmd = [sys.executable, __file__, "_datatrove", str(warcs), str(out), str(workers)]
    figures = _measured([*cmd, "--dedup"] if dedup else cmd)
    meta = [r["metadata"] for r in _rows(sorted((out / "output").glob("*.parquet")))]
    if dedup:
        filtered = {m["url"] for m in meta}
        meta = [r["metadata"] for r in _rows(sorted((out / "dedup").glob("*.parquet")))]
        sizes = {m["url"]: m["minhash_cluster_size"] for m in meta}
        figures["filtered"] = filtered
        figures["clustered"] = _clustered(filtered, sizes)
    figures["urls"] = [m["url"] for m in meta]
    figures["langs"] = [m["language"] for m in meta]
    return figures


def _rows(parts: list[Path]) -> list[dict[str, Any]]:
    return [row for p in parts for row in pq.read_table(p).to_pylist()]


def _clustered(filtered: set[str], kept_sizes: dict[str, int]) -> set[str]:
    """URLs in a duplicate cluster of two or more: the removed ones and the kept ones whose
    cluster is larger than themselves."""
    return (filtered - set(kept_sizes)) | {u for u, n in kept_sizes.items() if n > 1}


def datatrove_main(warcs: str, out: str, workers: int, dedup: bool) -> None:
    """datatrove's FineWeb-style blocks with their defaults, reading the same lid.176.ftz;
    Trafilatura without its per-process paragraph deduplication (see the module docstring)."""
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
        Trafilatura(favour_precision=True, deduplicate=False, timeout=5.0),
        lid,
        GopherRepetitionFilter(),
        GopherQualityFilter(),
        C4QualityFilter(),
        FineWebQualityFilter(),
        ParquetWriter(f"{out}/output"),
    ]
    LocalPipelineExecutor(pipeline, tasks=n_tasks, workers=workers, logging_dir=f"{out}/logs").run()
    if dedup:
        datatrove_dedup(out, workers)


def datatrove_dedup(out: str, workers: int) -> None:
    """datatrove's MinHash deduplication of its filtered output, MinhashConfig defaults (5-word
    shingles, 14 buckets of 8 hashes), the four steps of examples/minhash_deduplication.py."""
    from datatrove.executor import LocalPipelineExecutor
    from datatrove.pipeline.dedup import MinhashDedupSignature
    from datatrove.pipeline.dedup.minhash import (
        MinhashConfig,
        MinhashDedupBuckets,
        MinhashDedupCluster,
        MinhashDedupFilter,
    )
    from datatrove.pipeline.readers import ParquetReader
    from datatrove.pipeline.writers import ParquetWriter

    config = MinhashConfig()
    n_tasks = len(list(Path(out, "output").glob("*.parquet")))
    mh, logs = f"{out}/minhash", f"{out}/logs-minhash"

    def reader() -> ParquetReader:  # steps 1 and 4 must read the same documents in order
        return ParquetReader(f"{out}/output", glob_pattern="*.parquet")

    signature = MinhashDedupSignature(f"{mh}/signatures", config=config)
    signature._hash_func = _xxh64_utf8
    signatures = LocalPipelineExecutor(
        [reader(), signature],
        tasks=n_tasks, workers=workers, logging_dir=f"{logs}/signatures",
    )  # fmt: skip
    buckets = LocalPipelineExecutor(
        [MinhashDedupBuckets(f"{mh}/signatures", f"{mh}/buckets", config=config)],
        tasks=config.num_buckets, workers=workers, logging_dir=f"{logs}/buckets",
        depends=signatures,
    )  # fmt: skip
    clusters = LocalPipelineExecutor(
        [MinhashDedupCluster(f"{mh}/buckets", f"{mh}/remove_ids", config=config,
                             save_cluster_size=True)],
        tasks=1, logging_dir=f"{logs}/clusters", depends=buckets,
    )  # fmt: skip
    LocalPipelineExecutor(
        [reader(), MinhashDedupFilter(f"{mh}/remove_ids", load_cluster_sizes=True),
         ParquetWriter(f"{out}/dedup")],
        tasks=n_tasks, workers=workers, logging_dir=f"{logs}/filter", depends=clusters,
    ).run()  # fmt: skip


def _xxh64_utf8(shingle: str) -> int:
    """datatrove's xxhash64 shingle hash (MinhashConfig's default) on the UTF-8 bytes: xxhash
    4 no longer encodes a str itself, which datatrove 0.10.1 relies on."""
    import xxhash

    return xxhash.xxh64_intdigest(shingle.encode("utf-8"))


class _LocalFT176:
    """datatrove's FT176LID.predict over the lid.176.ftz that leam uses (no download);
    fasttext-predict returns plain floats where datatrove expects numpy scalars."""

    def __init__(self, languages: list[str]) -> None:
        self.languages = languages
        self._model: Any = None  # loaded in the worker: the executor pickles the pipeline

    def predict(self, doc: Any) -> tuple[tuple[str, float], dict[str, float]]:
        if self._model is None:
            import fasttext

            from leam.pipelines.lid.model import default_model_path

            self._model = fasttext.load_model(str(default_model_path()))
        langs, scores = self._model.predict(doc.text.replace("\n", " "), k=-1)
        pairs = {lang.split("__")[2]: float(s) for lang, s in zip(langs, scores, strict=True)}
        best = max(pairs.items(), key=lambda x: x[1])
        return best, {lang: pairs.get(lang, 0.0) for lang in self.languages}


# --- report -------------------------------------------------------------------------------


def jaccard(a: set[str], b: set[str]) -> float:
    return round(len(a & b) / len(a | b), 4) if a | b else 1.0


def english(side: dict[str, Any]) -> set[str]:
    return {u for u, lang in zip(side["urls"], side["langs"], strict=True) if lang == "en"}


def report(side: dict[str, Any], docs: int, gb: float, workers: int) -> dict[str, Any]:
    figures = {
        "docs_per_s_per_core": round(docs / side["wall_s"] / workers, 1),
        "docs_per_cpu_s": round(docs / side["cpu_s"], 1),
        "cpu_s_per_gb": round(side["cpu_s"] / gb, 0),
        "wall_s": round(side["wall_s"], 1),
        "cpu_s": round(side["cpu_s"], 1),
        "peak_mb": round(side["peak_mb"]),
        "kept": len(side["urls"]),
    }
    if "filtered" in side:
        figures["kept_before_dedup"] = len(side["filtered"])
    if "task_cpu_s" in side:
        figures["task_cpu_s"] = side["task_cpu_s"]
    return figures


def _variant(text: str) -> tuple[str, dict[str, Any]]:
    name, sep, params = text.partition("=")
    if not sep or not name or not isinstance(json.loads(params), dict):
        raise argparse.ArgumentTypeError(f"{text!r}: expected NAME=JSON object")
    return name, json.loads(params)


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
    parser.add_argument(
        "--variant",
        type=_variant,
        action="append",
        default=[],
        metavar="NAME=JSON",
        help="also run leam with JSON merged into extract's params, e.g. "
        """fast='{"fallback": false}'; repeatable""",
    )
    parser.add_argument("--dedup", action="store_true", help="both sides also deduplicate")
    parser.add_argument("--keep", type=Path, help="work folder to keep (default: a temporary one)")
    args = parser.parse_args()
    variants = {
        f"leam-{name}": leam_pipeline(
            {k: v for k, v in extract.items() if k != "shortcuts"},
            prefilter=bool(extract.get("shortcuts")),
            dedup=args.dedup,
        )
        for name, extract in args.variant
    }
    if args.prefilter:
        variants["leam-prefilter"] = leam_pipeline(prefilter=True, dedup=args.dedup)
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
        sides = {"leam": run_leam("leam", leam_pipeline(dedup=args.dedup), warcs, work,
                                  args.workers)}  # fmt: skip
        if not args.skip_datatrove:
            sides["datatrove"] = run_datatrove(warcs, work, args.workers, args.dedup)
        for name, pipeline in variants.items():
            sides[name] = run_leam(name, pipeline, warcs, work, args.workers)
        result: dict[str, Any] = {n: report(s, docs, gb, args.workers) for n, s in sides.items()}
        ours, theirs = sides["leam"], sides.get("datatrove")
        if theirs is not None:
            result["kept_url_jaccard"] = jaccard(set(ours["urls"]), set(theirs["urls"]))
            result["kept_url_jaccard_en"] = jaccard(english(ours), english(theirs))
            if args.dedup:
                result["kept_before_dedup_url_jaccard"] = jaccard(
                    ours["filtered"], theirs["filtered"]
                )
                result["dup_cluster_url_jaccard"] = jaccard(ours["clustered"], theirs["clustered"])
            rates = [result[k]["docs_per_s_per_core"] for k in ("leam", "datatrove")]
            result["speedup_per_core"] = round(rates[0] / rates[1], 2)
        for name in variants:
            kept = set(sides[name]["urls"])
            result[name]["kept_url_jaccard_vs_leam"] = jaccard(kept, set(ours["urls"]))
            if theirs is not None:
                result[name]["kept_url_jaccard_vs_datatrove"] = jaccard(kept, set(theirs["urls"]))
        print(json.dumps(result, indent=1))


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "_datatrove":  # the datatrove side's subprocess
        datatrove_main(sys.argv[2], sys.argv[3], int(sys.argv[4]), "--dedup" in sys.argv[5:])
    else:
        main()
