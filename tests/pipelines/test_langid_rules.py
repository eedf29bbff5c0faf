"""Language-ID decisions at their boundaries: a score exactly at a threshold, variants merged
only for their own target, and the pre-extraction check that must never turn away a page
langid would keep. The model is the real lid.176.ftz; the decision rule is also checked on
hand-written predictions, where the boundary can be hit exactly."""

from __future__ import annotations

import math

import pytest

from leam.corpus.stage import PIPELINE_STAGES, Context
from leam.pipelines.lid.model import (
    LidModel,
    default_model_path,
    normalize_for_lid,
    shared_model,
)
from leam.pipelines.lid.precheck import (
    LanguagePrecheck,
    PrecheckParams,
    cheap_text,
    declared_language,
)
from leam.pipelines.lid.stage import LangIdParams, LangIdStage, decide
from leam.pipelines.samples import sample_pages

FR = sample_pages(["fr"], per_lang=1)[0]
RU = sample_pages(["ru"], per_lang=1)[0]


@pytest.fixture(scope="module")
def model() -> LidModel:
    return shared_model()


# -- decide: the rule a reviewer reads in the manifest ------------------------------------


def test_a_score_exactly_at_the_threshold_is_kept():
    params = LangIdParams(languages=["fr", "de"], default_threshold=0.5, thresholds={"fr": 0.7})
    assert decide([("fr", 0.7)], params) == ("fr", 0.7, True)
    below = math.nextafter(0.7, 0.0)
    assert decide([("fr", below)], params) == ("fr", below, False)
    # a language without its own threshold uses the default, at its boundary too
    assert decide([("de", 0.5)], params) == ("de", 0.5, True)
    assert decide([("de", math.nextafter(0.5, 0.0))], params)[2] is False
    assert params.threshold("fr") == 0.7 and params.threshold("de") == 0.5


def test_threshold_zero_and_one_are_valid_bounds():
    assert LangIdParams(default_threshold=0.0).default_threshold == 0.0
    assert LangIdParams(default_threshold=1.0, languages=["fr"]).threshold("fr") == 1.0
    assert LangIdParams(languages=["fr"], thresholds={"fr": 1.0}).thresholds == {"fr": 1.0}
    assert LangIdParams(languages=["fr"], thresholds={"fr": 0.0}).thresholds == {"fr": 0.0}
    with pytest.raises(ValueError, match=r"thresholds.fr must be within \[0, 1\], got -0.1"):
        LangIdParams(languages=["fr"], thresholds={"fr": -0.1})
    with pytest.raises(ValueError, match="variants names languages not in"):
        LangIdParams(languages=["sl"], variants={"hr": ["sh"]})


def test_variants_count_only_for_their_own_target_and_cap_at_one():
    params = LangIdParams(languages=["sl", "hr"], default_threshold=0.6,
                          variants={"sl": ["hr", "sh"]})
    # hr's probability counts for sl (its variant), sl's never counts for hr
    assert decide([("hr", 0.5), ("sl", 0.3)], params) == ("hr", 0.5, False)
    lang, score, keep = decide([("sl", 0.4), ("de", 0.3), ("sh", 0.2)], params)
    assert (lang, keep) == ("sl", True) and score == pytest.approx(0.6)
    # a repeated top label is not counted twice; the sum never exceeds 1
    assert decide([("sl", 0.7), ("sl", 0.7)], LangIdParams(languages=["sl"]))[1] == 0.7
    assert decide([("sl", 0.8), ("hr", 0.5)], params) == ("sl", 1.0, True)


def test_empty_predictions_are_undetermined():
    assert decide([], LangIdParams()) == ("und", 0.0, False)


# -- the stage: what it writes on the document and in the ledger ----------------------------


def test_stage_keeps_targets_and_explains_every_rejection():
    stage = LangIdStage(LangIdParams(languages=["fr"], default_threshold=0.5, top_k=5))
    stage.setup()
    docs = [
        {"id": "a", "text": FR.text, "url": "u1"},
        {"id": "b", "text": RU.text, "url": "u2"},
        {"id": "c", "text": "12345 https://example.org/x", "url": "u3"},
        {"id": "d", "text": None, "url": "u4"},
    ]
    ctx = Context("langid")
    kept = list(stage.run(iter(docs), ctx))
    assert [d["id"] for d in kept] == ["a"]
    fr = kept[0]
    assert fr["lang"] == "fr" and 0.5 <= fr["lang_score"] <= 1.0
    alternatives = fr["lang_alternatives"]
    assert 1 <= len(alternatives) <= 5
    assert alternatives[0] == {"lang": "fr", "score": fr["lang_score"]}
    assert ctx.docs_out == 1 and ctx.out_by_lang == {"fr": 1}
    assert ctx.rejected == {"language": 1, "no_text_for_lid": 2}
    by_id = {row["id"]: row for row in ctx.ledger}
    ru = docs[1]
    assert ru["lang"] == "ru" and by_id["b"]["reason"] == "language"
    top = ", ".join(f"{a['lang']} {a['score']:.2f}" for a in ru["lang_alternatives"][:3])
    assert by_id["b"]["detail"] == f"ru {ru['lang_score']:.2f}; top: {top}"
    for doc_id in ("c", "d"):
        assert by_id[doc_id]["reason"] == "no_text_for_lid"
        assert by_id[doc_id]["detail"] == "nothing left after normalisation"
    assert docs[2]["lang"] == "und" and docs[2]["lang_score"] == 0.0
    assert docs[2]["lang_alternatives"] == []
    assert len(ru["lang_alternatives"]) == 5  # the detail names the top three only


def test_the_stage_needs_setup_before_run():
    stage = LangIdStage(LangIdParams())
    with pytest.raises(AssertionError, match=r"^setup\(\) loads the model$"):
        list(stage.run(iter([{"id": "a", "text": "x"}]), Context("langid")))


def test_a_model_file_is_loaded_from_the_given_path(tmp_path):
    copy = tmp_path / "copy.ftz"
    copy.write_bytes(default_model_path().read_bytes())
    fresh = LidModel(copy)
    assert fresh.path == copy and fresh.predict(normalize_for_lid(FR.text, 5000), 1)[0][0] == "fr"
    assert shared_model(copy).path == copy.resolve() and shared_model(copy) is shared_model(copy)
    assert shared_model(copy) is not shared_model()
    stage = LangIdStage(LangIdParams(model=copy))
    stage.setup()
    assert stage.model is shared_model(copy)
    assert LanguagePrecheck(PrecheckParams(model=copy)).model is shared_model(copy)


class _StubFastText:
    """fastText's predict output for labels of a GlotLID-style model: two labels, one code."""

    def __init__(self, labels, probs):
        self.labels, self.probs, self.asked = labels, probs, []

    def predict(self, text, k):
        self.asked.append(k)
        return self.labels[:k], self.probs[:k]


def test_labels_of_one_code_add_up_and_a_probability_is_capped_at_one():
    model = LidModel.__new__(LidModel)
    model._model = _StubFastText(("__label__slv_Latn", "__label__sl", "__label__hrv_Latn"),
                                 (0.5, 0.25, 0.2))
    assert model.predict("besedilo", 3) == [("sl", 0.75), ("hr", 0.2)]
    model._model = _StubFastText(("__label__fr",), (1.0000153,))  # fastText can exceed 1
    assert model.predict("texte", 1) == [("fr", 1.0)]


def test_the_precheck_asks_the_model_for_its_top_label_only():
    precheck = LanguagePrecheck(PrecheckParams(languages=["fr"], min_score=0.5))
    stub = LidModel.__new__(LidModel)
    stub._model = _StubFastText(("__label__ru", "__label__ru"), (0.6, 0.3))
    precheck.model = stub
    page = "<html><body><p>текст</p></body></html>"
    assert precheck.outside(page.encode(), page) == ("ru", 0.6)
    assert stub._model.asked == [1]


def test_normalisation_reads_twice_max_chars_before_cleaning():
    assert normalize_for_lid("1" * 20 + "abc", 10) == ""  # only digits in the first 20
    assert normalize_for_lid("1" * 18 + " abc", 10) == "a"


def test_stage_gives_the_model_at_most_max_chars(model: LidModel):
    text = FR.text + " " + RU.text * 20  # French first, then far more Russian
    stage = LangIdStage(LangIdParams(languages=["fr"], max_chars=len(FR.text)))
    stage.setup()
    (doc,) = stage.run(iter([{"id": "x", "text": text}]), Context("langid"))
    assert doc["lang"] == "fr"
    expected = model.predict(normalize_for_lid(text, len(FR.text)), 5)
    assert doc["lang_alternatives"][0] == {"lang": "fr", "score": expected[0][1]}


def test_model_merges_labels_that_map_to_one_code(model: LidModel):
    predictions = model.predict(normalize_for_lid(FR.text, 5000), k=5)
    codes = [c for c, _ in predictions]
    assert len(codes) == len(set(codes)) == 5
    assert [p for _, p in predictions] == sorted((p for _, p in predictions), reverse=True)
    assert all(0 < p <= 1 for _, p in predictions)
    assert model.predict("", k=3) == []


# -- the pre-extraction check -------------------------------------------------------------


def _page(text: str, lang_attr: str = "") -> tuple[bytes, str]:
    html = (f"<html{lang_attr}><head><title>t</title></head><body><nav><a href='/'>Home "
            f"Menu</a></nav><article><p>{text}</p></article></body></html>")
    return html.encode(), html


def test_cheap_text_drops_boilerplate_elements_and_decodes_entities():
    page = ("<html><script>var x = 1;</script><style>p {}</style><NAV>menu</NAV>"
            "<header>head</header><footer>foot</footer><aside>side</aside><form>f</form>"
            "<noscript>ns</noscript><select>s</select><button>b</button>"
            "<article><p>Caf&eacute; <a href='x'>link</a> cr&egrave;me</p></article></html>")
    assert cheap_text(page).split() == ["Café", "crème"]


def test_declared_language_reads_the_html_lang_attribute():
    assert declared_language(b'<!doctype html><HTML class="x" LANG="FR-be">') == "fr"
    assert declared_language(b"<html lang=deu>") == "deu"
    assert declared_language(b"<html lang = 'sl'>") == "sl"
    assert declared_language(b"<html><body lang='fr'>") is None
    assert declared_language(b" " * 4096 + b"<html lang='fr'>") is None  # first 4 KiB only
    assert declared_language(b" " * 4000 + b"<html lang='fr'>") == "fr"
    assert declared_language(b" " * (4096 - 13) + b"<html lang=fr") == "fr"  # ends at 4096
    assert declared_language(b" " * (4096 - 12) + b"<html lang=fr") is None


def test_precheck_turns_away_only_a_sure_non_target(model: LidModel):
    payload, page = _page(RU.text)
    ru = model.predict(normalize_for_lid(cheap_text(page), 3000), k=1)[0]
    assert ru[0] == "ru"
    at = LanguagePrecheck(PrecheckParams(languages=["fr"], min_score=ru[1]))
    assert at.outside(payload, page) == ru  # exactly at min_score: sure enough
    above = LanguagePrecheck(PrecheckParams(languages=["fr"], min_score=math.nextafter(ru[1], 1)))
    assert above.outside(payload, page) is None
    # a target, a variant langid counts for a target, or a declared target: never turned away
    assert LanguagePrecheck(PrecheckParams(languages=["ru"], min_score=0.1)).outside(
        payload, page) is None
    assert LanguagePrecheck(PrecheckParams(languages=["fr"], variants=["ru"], min_score=0.1)
                            ).outside(payload, page) is None
    declared, html = _page(RU.text, ' lang="fr"')
    assert LanguagePrecheck(PrecheckParams(languages=["fr"], min_score=0.1)).outside(
        declared, html) is None
    declared_other, html = _page(RU.text, ' lang="ru"')
    assert LanguagePrecheck(PrecheckParams(languages=["fr"], min_score=0.1)).outside(
        declared_other, html) == ru
    empty = "<html><body><nav>Home</nav><p>2024 https://x.org</p></body></html>"
    assert LanguagePrecheck(PrecheckParams(languages=["fr"], min_score=0.1)).outside(
        empty.encode(), empty) is None  # nothing left to judge


def test_precheck_reads_max_chars_of_the_page(model: LidModel):
    text = RU.text + " " + FR.text * 30
    payload, page = _page(text)
    short = LanguagePrecheck(PrecheckParams(languages=["fr"], min_score=0.5,
                                            max_chars=len(RU.text)))
    assert short.outside(payload, page)[0] == "ru"
    assert LanguagePrecheck(PrecheckParams(languages=["fr"], min_score=0.5)).outside(
        payload, page) is None


def test_precheck_takes_langid_targets_variants_and_model_unless_given():
    langid = {"languages": ["sl", "hr"], "variants": {"sl": ["sh", "bs"], "hr": ["bs"]}}
    context = {PIPELINE_STAGES: {"langid": langid}}
    params = PrecheckParams.model_validate({}, context=context)
    assert params.languages == ["sl", "hr"] and params.variants == ["bs", "sh"]
    assert params.model is None
    own = PrecheckParams.model_validate({"languages": ["de"], "min_score": 0.95},
                                        context=context)
    assert own.languages == ["de"] and own.variants == ["bs", "sh"] and own.min_score == 0.95
    alone = PrecheckParams.model_validate({})
    assert alone.variants == [] and alone.min_score == 0.9 and alone.max_chars == 3000
