"""Privacy: personal data redacted in place (e-mail, IP, phone, IBAN, card, national ids).

Nothing is dropped and nothing is stored in clear: the text keeps a placeholder where the
data was, the document's signals count what was found by category, and the stage counts
redactions per category and language for the run record.
"""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field

from leam.filters.base import Doc, FilterParams, Keep, Signals, Threshold, Verdict
from leam.filters.pii import CATEGORIES, NATIONAL_IDS, Category, NationalId, Span, find_pii, redact


class PiiRedactionParams(FilterParams):
    categories: list[Category] = Field(default_factory=lambda: list(CATEGORIES))
    national_ids: list[NationalId] = Field(default_factory=lambda: list(NATIONAL_IDS))
    context_chars: int = Field(40, ge=0, description="how far before a number its name may be")
    placeholder: str = Field("<{category}>", description="what replaces a redacted span")


class PiiRedaction:
    id: ClassVar[str] = "pii_redaction"
    Params: ClassVar[type[FilterParams]] = PiiRedactionParams
    actions: ClassVar[tuple[str, ...]] = ("redact", "annotate")
    thresholds: ClassVar[tuple[Threshold, ...]] = ()

    def __init__(self, params: PiiRedactionParams, lang: str) -> None:
        self.params, self.lang = params, lang

    def _spans(self, text: str) -> list[Span]:
        p = self.params
        return find_pii(
            text, self.lang, tuple(p.categories), tuple(p.national_ids), p.context_chars
        )

    def score(self, doc: Doc) -> Signals:
        counts = dict.fromkeys(self.params.categories, 0.0)
        for span in self._spans(doc.get("text") or ""):
            counts[span.category] += 1
        return counts

    def decide(self, signals: Signals) -> Verdict:
        return Keep()

    def rewrite(self, doc: Doc) -> tuple[str, dict[str, int]]:
        text = doc.get("text") or ""
        spans = self._spans(text)
        counts: dict[str, int] = {}
        for span in spans:
            counts[span.category] = counts.get(span.category, 0) + 1
        return redact(text, spans, self.params.placeholder), counts
