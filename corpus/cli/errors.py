"""How a command reports a problem it cannot go past: `error: ...` on stderr, exit status 2.

The message is escaped: error texts quote paths, options and values, and rich would read a
`[...]` in them as markup.
"""

from __future__ import annotations

import typer
from rich.console import Console
from rich.markup import escape


def show(err: object) -> None:
    Console(stderr=True).print(f"[red]error:[/] {escape(str(err))}", highlight=False)


def fail(err: object) -> typer.Exit:
    """Shows err; the caller raises what this returns (`raise fail(err) from None`)."""
    show(err)
    return typer.Exit(2)
