"""Output meant for a file or a pipe (YAML, JSON): written as it is, never wrapped or styled.

rich wraps at the terminal's width (80 columns when output is not a terminal) and would break
a long YAML line or a JSON string in two; `leam presets eu24 > my.yaml` must give a file that
parses.
"""

from __future__ import annotations

import json
import sys
from typing import Any

import yaml


def write(text: str) -> None:
    sys.stdout.write(text if text.endswith("\n") else text + "\n")


def write_json(value: Any, indent: int | None = 2) -> None:
    write(json.dumps(value, indent=indent, ensure_ascii=False, default=str))


def write_yaml(value: Any) -> None:
    write(yaml.safe_dump(value, sort_keys=False, allow_unicode=True, width=float("inf")))
