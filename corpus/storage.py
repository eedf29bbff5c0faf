"""Where a run directory lives: a local folder, or any fsspec URL (s3://, gs://, az://...).

Object stores have no rename and no shared view from a worker's disk, so a remote run works
through a local *mirror*: a folder that stands for the run's URL, at the same path on every
node (under the scratch folder: $LEAM_SCRATCH, else the system's temporary folder). Code that
writes files writes them there, as for a local run, and uploads each whole file once it is
complete (`put`); a task's completion marker is uploaded last, so a part without a marker is
garbage from a killed task, which readers ignore and the redone task overwrites. Code that
reads fetches the files it needs into the mirror first.

Credentials and endpoints come the usual fsspec/boto way (environment variables such as
AWS_ENDPOINT_URL, config files) or as storage options (`leam --storage-option key=value`),
which travel to the workers with the tasks and are never written into the run.
"""

from __future__ import annotations

import atexit
import functools
import os
import shutil
import socket
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import fsspec

LOCAL_PROTOCOLS = ("", "file", "local")
MIRROR_PREFIX = "leam-run-"
SCRATCH_ENV = "LEAM_SCRATCH"
# Storage options given on the command line (--storage-option), for every remote run dir
# this process opens; a Store carries its own copy to the workers.
_OPTIONS: dict[str, str] = {}


def protocol(location: str | Path) -> str:
    text = str(location)
    return text.split("://", 1)[0] if "://" in text else ""


def is_remote(location: str | Path) -> bool:
    """True for an fsspec URL other than a local file: the one test of "is this remote"."""
    return protocol(location) not in LOCAL_PROTOCOLS


def join(base: str | Path, *names: str) -> str | Path:
    """base/name/...: a URL stays a URL (Path would fold its `//`), a folder a Path."""
    if is_remote(base):
        return "/".join([str(base).rstrip("/"), *names])
    return Path(base).joinpath(*names)


def set_options(options: dict[str, str]) -> None:
    """Storage options for the remote run dirs this process opens (e.g. endpoint_url)."""
    _OPTIONS.clear()
    _OPTIONS.update(options)


def parse_options(specs: list[str]) -> dict[str, Any]:
    """`key=value` strings as storage options; true/false/null and numbers as JSON would."""
    parsed: dict[str, Any] = {}
    for spec in specs:
        key, sep, value = spec.partition("=")
        if not sep or not key:
            raise ValueError(f"{spec!r}: expected KEY=VALUE, e.g. endpoint_url=http://host:9000")
        lowered = value.lower()
        if lowered in ("true", "false"):
            parsed[key] = lowered == "true"
        elif lowered in ("null", "none"):
            parsed[key] = None
        else:
            try:
                parsed[key] = int(value)
            except ValueError:
                parsed[key] = value
    return parsed


@functools.lru_cache(maxsize=8)
def _filesystem(proto: str, options: tuple[tuple[str, Any], ...]) -> fsspec.AbstractFileSystem:
    return fsspec.filesystem(proto, **dict(options))


def scratch_base() -> Path:
    return Path(os.environ.get(SCRATCH_ENV) or tempfile.gettempdir())


def new_mirror(name: str) -> Path:
    """A fresh mirror folder for this process, removed when it exits: within one process
    everything in it was fetched from the store or written by this run, so a file found
    there can be trusted without asking the store again. Mirrors that processes of this
    host killed outright left behind are removed first."""
    base = scratch_base()
    base.mkdir(parents=True, exist_ok=True)
    host = socket.gethostname().replace("-", "_")
    _remove_orphans(base, host)
    holder = Path(tempfile.mkdtemp(prefix=f"{MIRROR_PREFIX}{host}-{os.getpid()}-", dir=base))
    atexit.register(shutil.rmtree, holder, ignore_errors=True)
    return holder / name


def _remove_orphans(base: Path, host: str) -> None:
    """Mirrors named after this host and a process id that no longer runs. (A mirror on a
    worker node is named after its driver's host, so it is left to that host's runs.)"""
    for folder in base.glob(f"{MIRROR_PREFIX}{host}-*-*"):
        pid = folder.name.removeprefix(f"{MIRROR_PREFIX}{host}-").split("-", 1)[0]
        if not pid.isdigit():
            continue
        try:
            os.kill(int(pid), 0)
        except ProcessLookupError:
            shutil.rmtree(folder, ignore_errors=True)
        except OSError:  # another user's process: alive
            pass


@dataclass(frozen=True)
class Store:
    """A run directory's URL and the local mirror that stands for it (picklable: tasks
    carry it to the workers)."""

    url: str
    mirror: Path
    options: tuple[tuple[str, Any], ...] = field(default_factory=tuple)

    @classmethod
    def open(cls, url: str) -> Store:
        """The store of a run dir URL, with a fresh mirror; its options also apply to this
        process's other URLs of the same protocol (inputs on the same store)."""
        url = url.rstrip("/")
        store = cls(url, new_mirror(url.rsplit("/", 1)[-1]), tuple(sorted(_OPTIONS.items())))
        store.activate()
        return store

    @property
    def fs(self) -> fsspec.AbstractFileSystem:
        return _filesystem(protocol(self.url), self.options)

    def activate(self) -> None:
        """Make this process's fsspec use the store's options for its protocol, so that
        inputs read through fsspec by URL (extract's WARC files) reach the same endpoint."""
        if self.options:
            fsspec.config.conf.setdefault(protocol(self.url), {}).update(dict(self.options))

    def url_of(self, path: Path) -> str:
        rel = Path(path).relative_to(self.mirror).as_posix()
        return self.url if rel == "." else f"{self.url}/{rel}"

    def path_of(self, url: str) -> Path:
        rel = url.removeprefix(self.url).lstrip("/")
        return self.mirror / rel if rel else self.mirror

    def _key(self, path: Path) -> str:
        """The path as the filesystem names it (no protocol)."""
        return self.fs._strip_protocol(self.url_of(path))

    def put(self, path: Path) -> None:
        """Upload one whole local file to its place in the store."""
        self.fs.put_file(str(path), self._key(path))

    def push(self, path: Path) -> None:
        """Upload a file, or every file under a folder (temporary files excepted)."""
        if path.is_dir():
            for child in sorted(path.rglob("*")):
                if child.is_file() and not child.name.startswith(".tmp-"):
                    self.put(child)
        elif path.exists():
            self.put(path)

    def fetch(self, path: Path, refresh: bool = False) -> Path:
        """The local copy of a file of the store (downloaded when missing, or always with
        `refresh`); FileNotFoundError when the store has none."""
        path = Path(path)
        if refresh or not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_name(f".tmp-{os.getpid()}-{path.name}")
            try:
                self.fs.get_file(self._key(path), str(tmp))
                os.replace(tmp, path)
            finally:
                tmp.unlink(missing_ok=True)
        return path

    def exists(self, path: Path) -> bool:
        return bool(self.fs.exists(self._key(path)))

    def listing(self, folder: Path) -> dict[str, int]:
        """Names and sizes of the files directly in a folder: one listing request."""
        self.fs.invalidate_cache()
        try:
            entries = self.fs.ls(self._key(folder), detail=True)
        except FileNotFoundError:
            return {}
        return {
            e["name"].rstrip("/").rsplit("/", 1)[-1]: int(e.get("size") or 0)
            for e in entries
            if e.get("type") == "file"
        }

    def find(self, folder: Path) -> list[Path]:
        """Every file under a folder, as mirror paths (one recursive listing)."""
        self.fs.invalidate_cache()
        root = self._key(self.mirror)
        try:
            keys = self.fs.find(self._key(folder))
        except FileNotFoundError:
            return []
        return [self.mirror / k.removeprefix(root).lstrip("/") for k in keys]

    def pull(self, folder: Path, skip: Any = None) -> list[Path]:
        """Fetch every file under a folder that the mirror lacks (`skip(path)`: not needed)."""
        found = [p for p in self.find(folder) if skip is None or not skip(p)]
        for path in found:
            self.fetch(path)
        return found

    def remove(self, path: Path) -> None:
        """Remove a file or a folder from the store (and the mirror); missing is fine."""
        if path.is_dir():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)
        self.fs.invalidate_cache()
        key = self._key(path)
        try:
            if self.fs.exists(key) or self.fs.find(key):
                self.fs.rm(key, recursive=True)
        except FileNotFoundError:
            pass
        self.fs.invalidate_cache()
