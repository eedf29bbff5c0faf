"""The UT1 adult/harmful domain list that datatrove ships, as a compact, memory-mapped set.

datatrove's URLFilter loads 4.6 million domains into a Python set: about 0.75 GB and two
seconds in every task. Here each domain becomes a 64-bit hash in a sorted numpy array
(36 MB), built once per machine into a cache file and memory-mapped by every worker after
that; a lookup is a binary search. A hash collision would block an innocent domain with a
probability of about 4.6e6 / 2^64 per lookup: never, in practice.
"""

from __future__ import annotations

import functools
import hashlib
import os
import re
import tarfile
import time
from importlib import resources
from pathlib import Path

import numpy as np
import xxhash

UT1_ASSET = "url_filterblacklistsv0_3_0.tar.gz"
PIP_HINT = "the UT1 list ships in datatrove's package assets: pip install datatrove"
URL_WORD_SPLIT = re.compile(r"[^a-zA-Z0-9]+")


def cache_dir() -> Path:
    """Where derived data is cached: $LEAM_CACHE_DIR, else ~/.cache/leam-corpus."""
    default = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "leam-corpus"
    return Path(os.environ.get("LEAM_CACHE_DIR", default))


def datatrove_asset(name: str) -> Path:
    try:
        path = resources.files("datatrove") / "assets" / name
    except ModuleNotFoundError:
        raise ModuleNotFoundError(f"datatrove is not installed; {PIP_HINT}") from None
    if not path.is_file():
        raise FileNotFoundError(f"{path}: missing from the installed datatrove; {PIP_HINT}")
    return Path(str(path))


def _hash(name: bytes) -> int:
    return xxhash.xxh3_64_intdigest(name)


def _build(tar_path: Path, member: str) -> np.ndarray:
    with tarfile.open(tar_path) as tar:
        f = tar.extractfile(member)
        assert f is not None
        lines = f.read().split(b"\n")
    keys = (_hash(x.strip().lower()) for x in lines if x.strip() and not x.startswith(b"#"))
    return np.unique(np.fromiter(keys, np.uint64))


def _cached_array(tar_path: Path, member: str) -> np.ndarray:
    """The sorted hash array of one list, from the cache (built first if need be)."""
    digest = hashlib.sha256(tar_path.read_bytes()).hexdigest()[:16]
    path = cache_dir() / f"ut1-{member}-{digest}.npy"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        lock = path.with_suffix(".lock")
        try:
            fd = os.open(lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
        except FileExistsError:  # another worker on this machine builds it: wait for it
            deadline = time.monotonic() + 300
            while not path.exists() and lock.exists() and time.monotonic() < deadline:
                time.sleep(0.2)
        else:
            os.close(fd)
            try:
                tmp = path.with_name(f".tmp-{os.getpid()}-{path.name}")
                np.save(tmp, _build(tar_path, member))
                os.replace(tmp, path)
            finally:
                lock.unlink(missing_ok=True)
        if not path.exists():  # the other builder died: build here, without the cache
            return _build(tar_path, member)
    return np.load(path, mmap_mode="r")


class HashSet:
    """Membership in a sorted uint64 array of xxh3 hashes."""

    def __init__(self, hashes: np.ndarray) -> None:
        self.hashes = hashes

    def __len__(self) -> int:
        return int(self.hashes.shape[0])

    def __contains__(self, name: str) -> bool:
        h = np.uint64(_hash(name.encode()))
        i = int(np.searchsorted(self.hashes, h))
        return i < len(self) and self.hashes[i] == h

    @classmethod
    def of(cls, names: list[str]) -> HashSet:
        keys = np.fromiter((_hash(n.strip().lower().encode()) for n in names), np.uint64)
        return cls(np.unique(keys))


@functools.lru_cache(maxsize=2)
def ut1_domains() -> HashSet:
    """UT1's blocked domains (loaded once per process)."""
    return HashSet(_cached_array(datatrove_asset(UT1_ASSET), "domains"))


@functools.lru_cache(maxsize=2)
def ut1_urls() -> frozenset[str]:
    """UT1's blocked URLs, without scheme (20 thousand: a plain set)."""
    with tarfile.open(datatrove_asset(UT1_ASSET)) as tar:
        f = tar.extractfile("urls")
        assert f is not None
        lines = f.read().decode("utf-8", "replace").splitlines()
    return frozenset(normalize_url(x) for x in lines if x.strip() and not x.startswith("#"))


@functools.lru_cache(maxsize=8)
def url_words(name: str) -> frozenset[str]:
    """datatrove's word lists for URLs (banned_words, soft_banned_words, banned_subwords),
    normalised as datatrove does (letters and digits only, lower case)."""
    text = datatrove_asset(f"{name}.txt").read_text(encoding="utf-8")
    return frozenset(
        URL_WORD_SPLIT.sub("", x).lower() for x in text.splitlines() if x and x[0] != "#"
    )


def normalize_url(url: str) -> str:
    """A URL compared without scheme, `www.` or trailing slash (UT1 lists them so)."""
    url = url.strip().lower()
    url = url.split("://", 1)[-1]
    return url.removeprefix("www.").rstrip("/")


def host_and_parents(host: str) -> list[str]:
    """www.a.example.com → [www.a.example.com, a.example.com, example.com]: a listed domain
    blocks its subdomains too."""
    parts = host.lower().strip(".").split(".")
    return [".".join(parts[i:]) for i in range(len(parts) - 1)] or [host]
