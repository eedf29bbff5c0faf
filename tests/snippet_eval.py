"""trafilatura's evaluation pages and their ground truth, and the snippet metric that scores them.

    python -m tests.snippet_eval fetch DIR      # trafilatura 0.9.3's tests/cache/ from PyPI
    python -m tests.snippet_eval subset OUT.tar.xz FILE...   # a few pages for the tests

The ground truth (bench/data/trafilatura_eval.json) is adbar/trafilatura's tests/evaldata.py
(GPL-3.0-or-later), the entries whose page trafilatura 0.9.3's source distribution ships in
tests/cache/ (81 pages, mostly German, about a sixth English, three French, one Chinese;
news, blogs, shops, institutions). Each entry lists snippets that belong to the main text
(`with`) and snippets of boilerplate that must not be in it (`without`). trafilatura's evaluation
scores them as this module does: a `with` snippet in the text is a true positive, missing a
false negative; a `without` snippet in the text is a false positive, absent a true negative;
precision, recall and F1 come from the totals over all pages. No text (None) is empty text.
"""

from __future__ import annotations

import argparse
import io
import json
import subprocess
import sys
import tarfile
import tempfile
from dataclasses import astuple, dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TRUTH = ROOT / "bench" / "data" / "trafilatura_eval.json"
SDIST = "trafilatura==0.9.3"  # the last source distribution with tests/cache/


@dataclass(frozen=True)
class TruthPage:
    url: str
    file: str
    with_: tuple[str, ...]  # snippets of the main text
    without: tuple[str, ...]  # snippets of boilerplate


@dataclass(frozen=True)
class Counts:
    tp: int = 0
    fn: int = 0
    fp: int = 0
    tn: int = 0

    def __add__(self, other: Counts) -> Counts:
        return Counts(*(a + b for a, b in zip(astuple(self), astuple(other), strict=True)))

    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0

    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0

    def f1(self) -> float:
        """2·TP / (2·TP + FP + FN), the harmonic mean of precision and recall."""
        denominator = 2 * self.tp + self.fp + self.fn
        return 2 * self.tp / denominator if denominator else 0.0


def score(text: str | None, page: TruthPage) -> Counts:
    """The page's snippets looked up in the extracted text (substring, case as written)."""
    text = text or ""
    found = sum(snippet in text for snippet in page.with_)
    leaked = sum(snippet in text for snippet in page.without)
    return Counts(found, len(page.with_) - found, leaked, len(page.without) - leaked)


def load_truth(path: Path = TRUTH) -> list[TruthPage]:
    data = json.loads(path.read_text(encoding="utf-8"))
    return [
        TruthPage(p["url"], p["file"], tuple(p["with"]), tuple(p["without"])) for p in data["pages"]
    ]


def fetch(folder: Path) -> Path:
    """trafilatura 0.9.3's tests/cache/ unpacked under `folder`, from PyPI (pip download)."""
    cache = folder / "cache"
    if cache.is_dir():
        return cache
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(
            [sys.executable, "-m", "pip", "download", "--no-deps", "--no-binary", ":all:",
             "--quiet", SDIST, "-d", tmp],
            check=True,
        )  # fmt: skip
        (sdist,) = Path(tmp).glob("trafilatura-*.tar.gz")
        cache.mkdir(parents=True)
        with tarfile.open(sdist) as tar:
            for member in tar.getmembers():
                parts = Path(member.name).parts
                if member.isfile() and parts[1:3] == ("tests", "cache"):
                    (cache / parts[-1]).write_bytes(tar.extractfile(member).read())
    return cache


def read_pages(source: Path) -> dict[str, bytes]:
    """File name → bytes, from a folder or a .tar.xz written by `subset`."""
    if source.is_dir():
        return {p.name: p.read_bytes() for p in source.iterdir() if p.is_file()}
    with tarfile.open(source) as tar:
        return {m.name: tar.extractfile(m).read() for m in tar.getmembers() if m.isfile()}


def write_subset(cache: Path, names: list[str], out: Path) -> None:
    with tarfile.open(out, "w:xz", preset=9) as tar:
        for name in sorted(names):
            data = (cache / name).read_bytes()
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("fetch").add_argument("folder", type=Path)
    subset = sub.add_parser("subset")
    subset.add_argument("out", type=Path)
    subset.add_argument("names", nargs="+")
    subset.add_argument("--cache", type=Path, help="tests/cache/ folder (default: fetch it)")
    args = parser.parse_args()
    if args.command == "fetch":
        print(fetch(args.folder))
    else:
        with tempfile.TemporaryDirectory() as tmp:
            cache = args.cache or fetch(Path(tmp))
            write_subset(cache, args.names, args.out)


if __name__ == "__main__":
    main()
