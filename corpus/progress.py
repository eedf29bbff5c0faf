"""Rich progress bars: one per stage, over files, with documents and documents/s."""

from __future__ import annotations

import time
from types import TracebackType

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)


class StageBar:
    def __init__(self, progress: Progress, name: str, files: int, done: int) -> None:
        self._progress = progress
        self._docs = 0
        self._start = time.perf_counter()
        self._task: TaskID = progress.add_task(name, total=files, completed=done, docs=0, rate=0.0)

    def file_done(self) -> None:
        self._progress.advance(self._task)

    def docs(self, n: int) -> None:
        self._docs += n
        rate = self._docs / max(time.perf_counter() - self._start, 1e-9)
        self._progress.update(self._task, docs=self._docs, rate=rate)


class PipelineProgress:
    """Context manager around a rich Progress; silent when the console is not a terminal."""

    def __init__(self, console: Console, enabled: bool = True) -> None:
        self._progress = Progress(
            TextColumn("[bold]{task.description:<10}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("files"),
            TextColumn("{task.fields[docs]:>9,} docs"),
            TextColumn("{task.fields[rate]:>8,.0f} docs/s"),
            TimeElapsedColumn(),
            console=console,
            disable=not enabled,
        )

    def __enter__(self) -> PipelineProgress:
        self._progress.__enter__()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._progress.__exit__(exc_type, exc, tb)

    def stage(self, name: str, files: int, done: int) -> StageBar:
        return StageBar(self._progress, name, files, done)
