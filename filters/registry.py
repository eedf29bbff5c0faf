"""Filters by their stable id, as manifests name them (`implementation: gopher_quality`).

Registration is explicit: a filter exists when it is listed here. Renaming an id would
orphan every manifest and run record that names it, so ids never change; a behaviour change
is a new manifest version.
"""

from __future__ import annotations

from leam.filters.banned_words import BannedWords
from leam.filters.base import Filter
from leam.filters.c4 import C4Quality
from leam.filters.fineweb import FineWebQuality
from leam.filters.gopher_quality import GopherQuality
from leam.filters.gopher_repetition import GopherRepetition
from leam.filters.privacy import PiiRedaction
from leam.filters.takedown import Takedown
from leam.filters.tdm import TdmReservation
from leam.filters.url_blocklist import UrlBlocklist

FILTERS: dict[str, type[Filter]] = {
    cls.id: cls  # type: ignore[misc]
    for cls in (
        GopherQuality,
        GopherRepetition,
        C4Quality,
        FineWebQuality,
        UrlBlocklist,
        BannedWords,
        PiiRedaction,
        TdmReservation,
        Takedown,
    )
}


class UnknownFilterError(KeyError):
    def __str__(self) -> str:
        return str(self.args[0])


def filter_class(filter_id: str) -> type[Filter]:
    try:
        return FILTERS[filter_id]
    except KeyError:
        known = ", ".join(sorted(FILTERS))
        raise UnknownFilterError(f"unknown filter {filter_id!r}; known filters: {known}") from None
