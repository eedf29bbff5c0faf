"""Legal: pages whose publisher reserved text-and-data mining rights (EU DSM directive, art. 4).

The reservation is found when the page is fetched (robots.txt, the TDMRep `tdm-reservation`
header or meta tag, /.well-known/tdmrep.json) and travels with the document as the signal
`tdm.reserved` in its `quality` map (1.0: reserved); the crawl stage sets it. Domains known
to reserve their rights can also be listed in the manifest. A reserved page is dropped with
reason `tdm_reservation`.
"""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field

from leam.corpus.schema import quality_map
from leam.filters.base import Doc, Drop, FilterParams, Signals, Threshold, Verdict, first_drop
from leam.filters.blocklist import host_and_parents

SIGNAL = "tdm.reserved"  # set on the document by the stage that saw the reservation


class TdmReservationParams(FilterParams):
    reserved_domains: list[str] = Field(
        default_factory=list, description="domains (and their subdomains) that reserve TDM"
    )


class TdmReservation:
    id: ClassVar[str] = "tdm_reservation"
    Params: ClassVar[type[FilterParams]] = TdmReservationParams
    actions: ClassVar[tuple[str, ...]] = ("drop", "annotate")
    thresholds: ClassVar[tuple[Threshold, ...]] = ()

    def __init__(self, params: TdmReservationParams, lang: str) -> None:
        self.params, self.lang = params, lang
        self.domains = {d.strip().lower().removeprefix("www.") for d in params.reserved_domains}

    def score(self, doc: Doc) -> Signals:
        flagged = quality_map(doc).get(SIGNAL, 0.0) >= 1.0
        host = (doc.get("domain") or "").lower()
        listed = bool(self.domains) and any(n in self.domains for n in host_and_parents(host))
        return {"reserved": float(flagged), "reserved_domain": float(listed)}

    def decide(self, s: Signals) -> Verdict:
        return first_drop(
            Drop("tdm_reservation", {"reserved": 1.0}) if s["reserved"] else None,
            Drop("tdm_reservation", {"reserved_domain": 1.0}) if s["reserved_domain"] else None,
        )
