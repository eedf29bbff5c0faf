"""The hosts of a run's documents, as the origins their policy files live at."""

from __future__ import annotations

import pyarrow.compute as pc
import pyarrow.parquet as pq

from leam.pipelines.crawl.urls import origin


def origin_of(url: str | None) -> str | None:
    """scheme://host[:port] of an http(s) URL; None for anything else (no policy files)."""
    if not url or not url.lower().startswith(("http://", "https://")):
        return None
    try:
        return origin(url)
    except ValueError:
        return None


def origins_of_part(path: str) -> list[str]:
    """The distinct origins of one Parquet part (only its `url` column is read)."""
    urls = pc.unique(pq.read_table(path, columns=["url"]).column("url")).to_pylist()
    return sorted({o for u in urls if (o := origin_of(u))})
