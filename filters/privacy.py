"""Privacy: personal data redacted in place (e-mail, IP, phone, IBAN, card, national ids).

Nothing is dropped and nothing is stored in clear: the text keeps a placeholder where the
data was, the document's signals count what was found by category, and the stage counts
redactions per category and language for the run record, and per issuing country
(`national_id.DE`, `phone.ES`) so that the audit can show foreign identifiers apart.
"""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field

from leam.filters.base import Doc, FilterParams, Keep, Signals, Threshold, Verdict
from leam.filters.pii import (
    CATEGORIES,
    Category,
    Detectors,
    Span,
    build_detectors,
    find_pii,
    redact,
)
from leam.filters.pii_ids import IdRule

Words = dict[str, list[str]]  # language → words


class PiiRedactionParams(FilterParams):
    categories: list[Category] = Field(default_factory=lambda: list(CATEGORIES))
    context_chars: int = Field(40, ge=0, description="how far before a number its name may be")
    placeholder: str = Field("<{category}>", description="what replaces a redacted span")
    identifiers: list[IdRule] = Field(
        default_factory=list, description="national identifiers, tried in this order"
    )
    id_words: Words = Field(default_factory=dict, description="names of id numbers, any language")
    phone_words: Words = Field(default_factory=dict, description="words for phone, any language")
    section_words: Words = Field(
        default_factory=dict, description="words before a section or version number"
    )
    code_words: Words = Field(
        default_factory=dict, description="words before a product or order code"
    )


class PiiRedaction:
    id: ClassVar[str] = "pii_redaction"
    Params: ClassVar[type[FilterParams]] = PiiRedactionParams
    actions: ClassVar[tuple[str, ...]] = ("redact", "annotate")
    thresholds: ClassVar[tuple[Threshold, ...]] = ()

    def __init__(self, params: PiiRedactionParams, lang: str) -> None:
        self.params, self.lang = params, lang
        p = params
        self.detectors: Detectors = build_detectors(
            p.categories, p.identifiers, p.id_words, p.phone_words, p.section_words,
            p.code_words, p.context_chars,
        )  # fmt: skip

    def spans(self, doc: Doc) -> list[Span]:
        """What the filter redacts in a document (its domain helps choose phone regions)."""
        return find_pii(doc.get("text") or "", self.lang, self.detectors, doc.get("domain"))

    def score(self, doc: Doc) -> Signals:
        counts = dict.fromkeys(self.params.categories, 0.0)
        for span in self.spans(doc):
            counts[span.category] += 1
        return counts

    def decide(self, signals: Signals) -> Verdict:
        return Keep()

    def rewrite(self, doc: Doc) -> tuple[str, dict[str, int]]:
        """The redacted text, and counts by category and by category.country."""
        spans = self.spans(doc)
        counts: dict[str, int] = {}
        for span in spans:
            counts[span.category] = counts.get(span.category, 0) + 1
            if span.country:
                key = f"{span.category}.{span.country}"
                counts[key] = counts.get(key, 0) + 1
        return redact(doc.get("text") or "", spans, self.params.placeholder), counts
