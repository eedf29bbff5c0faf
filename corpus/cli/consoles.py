"""The consoles every command prints to: tables and messages on stdout, progress and
errors on stderr.

Rich wraps and cuts at 80 columns when its stream is not a terminal (a pipe, a file, a log
of a batch job), which hides the ends of table cells, paths and error messages there. Our
consoles take the terminal's width on a terminal and a wide line elsewhere (or $COLUMNS
when set), so what a script reads is what was printed.
"""

from __future__ import annotations

from rich.console import Console, ConsoleDimensions

PLAIN_WIDTH = 1000  # wide enough for any table we print; rich pads nothing to it


class WideWhenPiped(Console):
    """A rich Console that is not cut to 80 columns when it is not a terminal."""

    @property
    def size(self) -> ConsoleDimensions:
        dims = super().size
        if self._width is None and not self.is_terminal and "COLUMNS" not in self._environ:
            return ConsoleDimensions(PLAIN_WIDTH, dims.height)
        return dims


def stdout() -> Console:
    """Results: tables, figures, what a script may read."""
    return WideWhenPiped()


def stderr() -> Console:
    """Messages, progress bars and errors."""
    return WideWhenPiped(stderr=True)
