"""What a filter is: typed parameters, `score` (measure) and `decide` (judge), kept apart.

Keeping the measurement apart from the verdict is what an auditor needs: the signals are
stored with every document (and with every removal in the ledger), so a threshold can be
studied, or changed, without re-reading the text.

    f = GopherQuality(GopherQualityParams(min_words=40), lang="fi")
    verdict = f.decide(f.score(doc))     # Keep() or Drop("too_few_words", {...})

A filter that changes text (privacy redaction, C4's line rules) also has `rewrite(doc)`,
which returns the new text and what it removed, by category.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar, Literal, Protocol, runtime_checkable

from pydantic import BaseModel, ConfigDict

Doc = dict[str, Any]
Signals = dict[str, float]


class FilterParams(BaseModel):
    """Base of every filter's parameters: strict (no type coercion), unknown keys are errors."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


@dataclass(frozen=True)
class Keep:
    """The document passes."""

    keep: ClassVar[bool] = True


@dataclass(frozen=True)
class Drop:
    """The document fails; `reason` says what is wrong, `trigger` the signals that decided."""

    reason: str
    trigger: Signals = field(default_factory=dict)
    keep: ClassVar[bool] = False

    def detail(self) -> str:
        """One line for the ledger: `stop_words=1 < 2`."""
        return "; ".join(f"{k}={v:g}" for k, v in self.trigger.items())


Verdict = Keep | Drop


@dataclass(frozen=True)
class Threshold:
    """A signal compared with a parameter: what the audit draws on a signal's histogram."""

    signal: str
    param: str
    kind: Literal["min", "max"]  # min: the signal must be >= param; max: <= param


def below(reason: str, signal: str, value: float, limit: float | None) -> Drop | None:
    """Drop when a signal is under its minimum (None: the rule is off)."""
    if limit is not None and value < limit:
        return Drop(reason, {signal: value, f"min_{signal}": limit})
    return None


def above(reason: str, signal: str, value: float, limit: float | None) -> Drop | None:
    """Drop when a signal is over its maximum (None: the rule is off)."""
    if limit is not None and value > limit:
        return Drop(reason, {signal: value, f"max_{signal}": limit})
    return None


def first_drop(*checks: Drop | None) -> Verdict:
    """The first failed check in the order given, else Keep (as the papers apply them)."""
    return next((c for c in checks if c is not None), Keep())


@runtime_checkable
class Filter(Protocol):
    id: ClassVar[str]  # stable; manifests name their implementation by it
    Params: ClassVar[type[FilterParams]]
    actions: ClassVar[tuple[str, ...]]  # the manifest actions that make sense for it
    thresholds: ClassVar[tuple[Threshold, ...]]

    def __init__(self, params: Any, lang: str) -> None: ...

    def score(self, doc: Doc) -> Signals: ...

    def decide(self, signals: Signals) -> Verdict: ...
