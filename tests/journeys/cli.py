"""Running `leam` as a person does, through its real entry point (leam.corpus.cli.app:main,
the console script), with its output captured: what was printed on stdout and stderr, the
exit status, and any exception that escaped (which a user would see as a traceback).

In-process, so the commands share the test session's Ray runtime; `leam_subprocess` starts
the installed console script where a test needs a process of its own (Ctrl-C).
"""

from __future__ import annotations

import contextlib
import io
import os
import shlex
import shutil
import signal
import subprocess
import sys
import traceback
from dataclasses import dataclass
from pathlib import Path

LEAM = shutil.which("leam") or str(Path(sys.executable).with_name("leam"))


@dataclass
class Result:
    args: list[str]
    code: int
    out: str
    err: str
    traceback: str = ""  # an exception that left main(): what the user would see

    @property
    def lines(self) -> list[str]:
        return self.out.splitlines()

    @property
    def error_lines(self) -> list[str]:
        """stderr's lines that are not the debug hint."""
        return [ln for ln in self.err.splitlines() if ln.strip() and "LEAM_DEBUG" not in ln]

    def __str__(self) -> str:
        return (f"$ leam {shlex.join(self.args)}\nexit {self.code}\n--- stdout\n{self.out}"
                f"--- stderr\n{self.err}{self.traceback}")  # fmt: skip


def leam(*args: str | Path, cwd: Path | None = None) -> Result:
    """`leam ARGS...` in this process, from `cwd`; never raises (a failure is in the Result)."""
    from leam.corpus.cli.app import main

    argv = [str(a) for a in args]
    out, err = io.StringIO(), io.StringIO()
    code, trace = 0, ""
    old_argv, old_cwd = sys.argv, Path.cwd()
    sys.argv = ["leam", *argv]
    os.chdir(cwd or old_cwd)
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                main()
            except SystemExit as exit_:
                code = _exit_status(exit_.code)
            except BaseException:  # a traceback is what the tests look for
                code, trace = 1, traceback.format_exc()
    finally:
        sys.argv = old_argv
        os.chdir(old_cwd)
    return Result(argv, code, out.getvalue(), err.getvalue(), trace)


def _exit_status(code: object) -> int:
    return code if isinstance(code, int) else 0 if code is None else 1


def assert_one_line_error(result: Result, *words: str) -> str:
    """The way a user error must end: exit status not 0, no traceback, one `error:` line
    (plus the debug hint), naming what the test expects. Returns the line."""
    assert result.code != 0, str(result)
    assert not result.traceback and "Traceback" not in result.err + result.out, str(result)
    lines = result.error_lines
    errors = [ln for ln in lines if ln.startswith("error:")]
    assert len(errors) == 1, str(result)
    assert errors == lines[-1:], str(result)  # nothing after it but the hint
    for word in words:
        assert word in errors[0], f"{word!r} not in {errors[0]!r}\n{result}"
    return errors[0]


def leam_subprocess(*args: str | Path, cwd: Path) -> subprocess.Popen:
    """The installed console script in a process of its own (stdout and stderr piped), with
    Ctrl-C's default handling as in a terminal: a test session started in the background
    (CI, nohup) ignores SIGINT, and a child would inherit that and never see the Ctrl-C."""
    return subprocess.Popen(
        [LEAM, *map(str, args)], cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True, preexec_fn=_terminal_signals,
    )  # fmt: skip


def _terminal_signals() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)
