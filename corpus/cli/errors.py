"""How a command reports a problem it cannot go past: `error: ...` on stderr, exit status 2.

The message is escaped: error texts quote paths, options and values, and rich would read a
`[...]` in them as markup.
"""

from __future__ import annotations

import typer
from rich.markup import escape

from leam.corpus.cli import consoles


def show(err: object) -> None:
    consoles.stderr().print(f"[red]error:[/] {escape(describe(err))}", highlight=False)


def describe(err: object) -> str:
    """The message as written; an OSError as `path: reason` (not `[Errno 13] ...`)."""
    if isinstance(err, OSError) and err.strerror and err.filename:
        text = f"{err.filename}: {err.strerror}"
        if isinstance(err, (NotADirectoryError, FileExistsError)):
            text += " (a file stands where a folder is needed)"
        return text
    return str(err)


def fail(err: object) -> typer.Exit:
    """Shows err; the caller raises what this returns (`raise fail(err) from None`)."""
    show(err)
    return typer.Exit(2)


INTERRUPTED = "interrupted; rerun the same command to resume"


def interrupted() -> typer.Exit:
    """Ctrl-C during a run: say how to go on; the caller raises what this returns. (Typer
    turns a KeyboardInterrupt that leaves a command into a bare exit, so commands that run
    for long catch it themselves.)"""
    consoles.stderr().print(INTERRUPTED, highlight=False)
    return typer.Exit(130)
