"""Real multilingual HTML pages from Debian's documentation packages, for equivalence figures.

    python -m tests.realpages build OUT.tar.xz --per-lang 300     # the bench set
    python -m tests.realpages build tests/data/realpages/pages.tar.xz --per-lang 24 --max-kb 60

Nobody in the project wrote these pages: they are the HTML that Debian ships in its
documentation packages, fetched with `apt-get download` (Debian's registry, no other host)
and unpacked with `dpkg-deb -x`:
- libreoffice-help-<lang> (LibreOffice 7.4 help, MPL-2.0): 16 EU languages (Slovak's
  package holds no pages), about 2,500 short help pages each;
- debian-reference-<lang>, debian-faq-<lang>, maint-guide-<lang>, developers-reference-<lang>
  (GPL-2 or later, debian-faq under its own notice; see each package's copyright file):
  long chapters in de, en, es, fr, it, nl, pt.
EU languages not translated there (bg, ga, hr, lt, lv, mt, ro, sk) are missing.

The archive holds `index.jsonl` (one line a page: url, lang, package, version, path,
licence) and the pages under `pages/<n>.html`; the URL is
`https://<package>.debian-doc.invalid/<path inside the package>`, a key and nothing more.
Selection is deterministic (pages ordered by the SHA-1 of their path): per language up to
--per-lang LibreOffice pages of at least --min-kb, and up to --per-lang // 4 Debian manual
pages of at most --max-kb.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import re
import subprocess
import tarfile
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path

LIBREOFFICE = ["cs", "da", "de", "el", "en-gb", "es", "et", "fi", "fr", "hu", "it", "nl", "pl",
               "pt", "sk", "sl", "sv"]  # fmt: skip
MANUALS = {
    "debian-reference": ["de", "en", "es", "fr", "it", "pt"],
    "debian-faq": ["", "de", "fr", "it", "nl", "pt"],
    "maint-guide": ["", "de", "es", "fr", "it"],
    "developers-reference": ["", "de", "fr", "it"],
}
LICENCES = {
    "libreoffice-help": "MPL-2.0",
    "debian-reference": "GPL-2+",
    "debian-faq": "verbatim copying with its notice (see the README)",
    "maint-guide": "GPL-2+",
    "developers-reference": "GPL-2",
}
LANG_IN_NAME = re.compile(r"\.([a-z]{2}(?:-[a-z]{2})?)\.html$")


@dataclass(frozen=True)
class Page:
    url: str
    lang: str
    package: str
    version: str
    path: str
    licence: str


def packages() -> list[str]:
    names = [f"libreoffice-help-{lang}" for lang in LIBREOFFICE]
    for base, langs in MANUALS.items():
        names += [f"{base}-{lang}" if lang else base for lang in langs]
    return names


def download(folder: Path) -> list[Path]:
    """The packages' .deb files, with apt-get download (needs `apt-get update` once)."""
    subprocess.run(["apt-get", "download", *packages()], cwd=folder, check=True)
    return sorted(folder.glob("*.deb"))


def _version(deb: Path) -> str:
    out = subprocess.run(["dpkg-deb", "-f", str(deb), "Version"], capture_output=True, text=True)
    return out.stdout.strip()


def _lang_of(package: str, path: str) -> str | None:
    """The page's language from the package name or its file name (manuals in English have
    no suffix, or `.en.html`)."""
    if package.startswith("libreoffice-help-"):
        lang = package.removeprefix("libreoffice-help-")
        return "en" if lang == "en-gb" else lang
    m = LANG_IN_NAME.search(path)
    if m:
        return m.group(1) if len(m.group(1)) == 2 else None
    suffix = package.rsplit("-", 1)[-1]
    return suffix if len(suffix) == 2 else "en"


def _order(path: str) -> str:
    return hashlib.sha1(path.encode()).hexdigest()


def collect(
    debs: list[Path], per_lang: int, min_kb: float, max_kb: float
) -> list[tuple[Page, bytes]]:
    chosen: list[tuple[Page, bytes]] = []
    with tempfile.TemporaryDirectory() as tmp:
        for deb in debs:
            package = deb.name.split("_")[0]
            if package not in packages():
                continue
            root = Path(tmp) / package
            subprocess.run(["dpkg-deb", "-x", str(deb), str(root)], check=True)
            version = _version(deb)
            family = next(f for f in LICENCES if package.startswith(f))
            manual = family != "libreoffice-help"
            by_lang: dict[str, list[tuple[str, Path]]] = {}
            for file in root.rglob("*.html"):
                rel = str(file.relative_to(root))
                size_kb = file.stat().st_size / 1024
                if (manual and size_kb > max_kb) or (not manual and size_kb < min_kb):
                    continue
                lang = _lang_of(package, rel)
                if lang is not None and (not manual or package.endswith(f"-{lang}")
                                         or package == family):  # fmt: skip
                    by_lang.setdefault(lang, []).append((rel, file))
            limit = per_lang // 4 if manual else per_lang
            for lang, files in sorted(by_lang.items()):
                for rel, file in sorted(files, key=lambda x: _order(x[0]))[:limit]:
                    url = f"https://{package}.debian-doc.invalid/{rel}"
                    page = Page(url, lang, package, version, rel, LICENCES[family])
                    chosen.append((page, file.read_bytes()))
    return chosen


def write(chosen: list[tuple[Page, bytes]], out: Path) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    index = "".join(json.dumps(asdict(p), ensure_ascii=False) + "\n" for p, _ in chosen)
    with tarfile.open(out, "w:xz", preset=9) as tar:
        members = [("index.jsonl", index.encode())]
        members += [(f"pages/{i:05d}.html", body) for i, (_, body) in enumerate(chosen)]
        for name, data in members:
            info = tarfile.TarInfo(name)
            info.size, info.mtime = len(data), 0
            tar.addfile(info, io.BytesIO(data))


def read(path: Path) -> list[tuple[Page, str]]:
    """(page, HTML) of an archive that `build` wrote, in index order."""
    with tarfile.open(path) as tar:
        index = tar.extractfile("index.jsonl")
        assert index is not None, f"{path}: no index.jsonl"
        pages = [Page(**json.loads(line)) for line in index.read().decode().splitlines()]
        out = []
        for i, page in enumerate(pages):
            f = tar.extractfile(f"pages/{i:05d}.html")
            if f is None:
                raise ValueError(f"{path}: pages/{i:05d}.html ({page.url}) is missing")
            out.append((page, f.read().decode("utf-8", "replace")))
    return out


def to_warc(archive: Path, out: Path) -> int:
    """The archive's pages as gzipped WARC response records (their index URLs), each with
    the WARC-Identified-Payload-Type that Common Crawl writes: without it datatrove's
    WarcReader asks libmagic, which calls the XHTML manuals text/xml and skips them."""
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    pages = read(archive)
    with out.open("wb") as f:
        writer = WARCWriter(f, gzip=True)
        for page, html in pages:
            http = StatusAndHeaders(
                "200 OK", [("Content-Type", "text/html; charset=utf-8")], protocol="HTTP/1.1"
            )
            writer.write_record(writer.create_warc_record(
                page.url, "response", payload=io.BytesIO(html.encode("utf-8")),
                http_headers=http,
                warc_headers_dict={"WARC-Identified-Payload-Type": "text/html"},
            ))  # fmt: skip
    return len(pages)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("command", choices=["build", "warc"])
    parser.add_argument("out", type=Path, help="build: the archive; warc: the archive to read")
    parser.add_argument("warc", type=Path, nargs="?", help="warc: the WARC file to write")
    parser.add_argument("--debs", type=Path, help="a folder of the .deb files (default: download)")
    parser.add_argument("--per-lang", type=int, default=300)
    parser.add_argument("--min-kb", type=float, default=3.0)
    parser.add_argument("--max-kb", type=float, default=400.0)
    args = parser.parse_args()
    if args.command == "warc":
        print(json.dumps({"pages": to_warc(args.out, args.warc)}))
        return
    with tempfile.TemporaryDirectory() as tmp:
        debs = sorted(args.debs.glob("*.deb")) if args.debs else download(Path(tmp))
        chosen = collect(debs, args.per_lang, args.min_kb, args.max_kb)
        write(chosen, args.out)
    langs: dict[str, int] = {}
    for page, _ in chosen:
        langs[page.lang] = langs.get(page.lang, 0) + 1
    print(json.dumps({"pages": len(chosen), "bytes": args.out.stat().st_size, "langs": langs}))


if __name__ == "__main__":
    main()
