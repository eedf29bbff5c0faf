"""An input file's size, or why it cannot be read: local paths and any fsspec URL.

A stage measures its input's size apart from reading it, so that bytes its reader never
saw show as unreconciled; an input that cannot be opened fails its task with the cause.
"""

from __future__ import annotations

import fsspec


class UnreadableInputError(OSError):
    """An input that cannot be opened or read at all: its task fails and names it."""


def error_chain(err: BaseException) -> str:
    """An error and what caused it, on one line (fsspec's FileNotFoundError for a URL
    says only the URL; its cause says "connection refused")."""
    parts = []
    seen: BaseException | None = err
    while seen is not None and len(parts) < 3:
        parts.append(f"{type(seen).__name__}: {seen}")
        seen = seen.__cause__ or seen.__context__
    return " <- ".join(parts)


def input_size(path: str) -> int:
    """The file's size in bytes; UnreadableInputError, naming it, when it cannot be had."""
    try:
        fs, fs_path = fsspec.core.url_to_fs(path)
        return int(fs.size(fs_path))
    except Exception as err:  # fsspec raises many kinds: OSError, aiohttp's, botocore's...
        raise UnreadableInputError(f"{path}: cannot be read ({error_chain(err)})") from err
