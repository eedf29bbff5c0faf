"""A run's input files from what a user names: paths, folders, globs, fsspec URLs."""

from __future__ import annotations

from pathlib import Path

import fsspec

from leam.pipelines.extract.warc import WARC_SUFFIXES

INPUT_PATTERNS = tuple(f"*{suffix}" for suffix in (*WARC_SUFFIXES, ".parquet"))


def expand_inputs(specs: list[str]) -> list[str]:
    """Files from paths, directories (their WARC/WET/Parquet files) and globs, in order."""
    found: list[str] = []
    for spec in specs:
        path = Path(spec)
        if path.is_dir():
            matches = sorted({str(p) for pat in INPUT_PATTERNS for p in path.glob(pat)})
        elif any(ch in spec for ch in "*?["):
            fs, _, paths = fsspec.get_fs_token_paths(spec)
            matches = [fs.unstrip_protocol(p) if "://" in spec else p for p in sorted(paths)]
        else:
            matches = [str(path.resolve()) if "://" not in spec else spec]
            if "://" not in spec and not path.is_file():
                raise FileNotFoundError(f"input not found: {spec}")
        if not matches:
            raise FileNotFoundError(f"no input files match {spec}")
        found.extend(m for m in matches if m not in found)
    return found
