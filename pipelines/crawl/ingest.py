"""Existing crawl dumps as pipeline input: folders, globs, files and `warc.paths` lists.

Common Crawl publishes, per crawl, `warc.paths.gz` / `wet.paths.gz`: one relative path a
line (crawl-data/CC-MAIN-.../....warc.gz), to be joined to https://data.commoncrawl.org/
or s3://commoncrawl/. Everything goes through fsspec, so the lists and the files may be
local, on http(s) or on s3.
"""

from __future__ import annotations

import fsspec

from leam.pipelines.extract.warc import WARC_SUFFIXES

PATHS_SUFFIXES = (".paths", ".paths.gz")


def _is_dump(path: str) -> bool:
    return path.endswith(WARC_SUFFIXES)


def read_paths_list(url: str, prefix: str) -> list[str]:
    """The files a `warc.paths(.gz)` list names, joined to prefix (absolute ones kept)."""
    with fsspec.open(url, "rt", compression="infer", encoding="utf-8") as f:
        lines = [line.strip() for line in f if line.strip()]
    joined = []
    for line in lines:
        if "://" in line or line.startswith("/"):
            joined.append(line)
        else:
            joined.append(prefix.rstrip("/") + "/" + line.lstrip("/"))
    return joined


def resolve_dumps(sources: list[str], prefix: str, limit: int | None = None) -> list[str]:
    """Input files in the order given, without repeats; raises FileNotFoundError for a
    source that names nothing."""
    found: list[str] = []
    for source in sources:
        fs, path = fsspec.core.url_to_fs(source)
        remote = "://" in source and not source.startswith("file://")
        if source.endswith(PATHS_SUFFIXES):
            matches = read_paths_list(source, prefix)
        elif any(ch in path for ch in "*?["):
            matches = sorted(p for p in fs.glob(path) if _is_dump(p))
            matches = [fs.unstrip_protocol(p) if remote else p for p in matches]
        elif fs.isdir(path):
            matches = sorted(p for p in fs.find(path) if _is_dump(p))
            matches = [fs.unstrip_protocol(p) if remote else p for p in matches]
        elif remote or fs.isfile(path):
            matches = [source if remote else path]
        else:
            raise FileNotFoundError(f"ingest: nothing at {source}")
        if not matches:
            raise FileNotFoundError(f"ingest: no WARC/WET files in {source}")
        found.extend(m for m in matches if m not in found)
        if limit is not None and len(found) >= limit:
            return found[:limit]
    return found
