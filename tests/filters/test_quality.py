"""Gopher quality, Gopher repetition, C4 and FineWeb: must-pass and must-fail documents in
several languages, each failure with the reason asserted."""

from __future__ import annotations

import pytest

from leam.filters.manifest import load_set
from tests.filters.docs import doc, link_list, prose, repeated_lines, spam

LANGS = ["en", "de", "fi", "el", "pl", "hu", "mt", "ga", "bg", "lt"]


@pytest.fixture(scope="module")
def manifests():
    return load_set()


def verdict(manifests, filter_id: str, d: dict):
    m = manifests[filter_id]
    f = m.filter(m.params_for(d["lang"]), d["lang"])
    return f.decide(f.score(d))


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize(
    "filter_id", ["gopher_quality", "gopher_repetition", "c4_quality", "fineweb_quality"]
)
def test_good_prose_passes_in_every_language(manifests, filter_id, lang):
    v = verdict(manifests, filter_id, doc(prose(lang), lang))
    assert v.keep, (filter_id, lang, v)


@pytest.mark.parametrize("lang", LANGS)
def test_stop_words_are_the_languages_own(manifests, lang):
    """English stop words would fail every non-English text; our lists pass them."""
    m = manifests["gopher_quality"]
    signals = m.filter(m.params_for(lang), lang).score(doc(prose(lang), lang))
    assert signals["stop_words"] >= 5
    if lang != "en":
        english = m.filter(m.params, "en").score(doc(prose(lang), lang))
        assert english["stop_words"] < signals["stop_words"]


@pytest.mark.parametrize(
    ("text", "lang", "reason"),
    [
        ("Kurz und gut, aber zu kurz.", "de", "too_few_words"),
        ("Tämä on liian lyhyt teksti.", "fi", "too_few_words"),
        (" ".join(["aaaaaaaaaaaaaaaaaaaaaa"] * 60), "pl", "words_too_long"),
        (" ".join(["a b c"] * 40), "en", "words_too_short"),
        (" ".join(["#tag #news #sport #hashtag"] * 20), "en", "too_many_hashes"),
        ("\n".join(f"- Punkt {i} der Liste und mehr Worte hier" for i in range(12)), "de",
         "too_many_bullet_lines"),
        ("\n".join(f"Lue lisää tästä aiheesta numero {i} ja muuta tietoa sivuiltamme joka "
                   "päivä ja viikko..." for i in range(12)), "fi",
         "too_many_ellipsis_lines"),
        (" ".join(f"{1000 + i} {2000 + i} {3000 + i} {4000 + i} ευρώ" for i in range(20)),
         "el",
         "too_few_alphabetic_words"),
        (" ".join(["żółw kot pies mysz koń krowa owca kura"] * 8), "pl", "too_few_stop_words"),
    ],
)  # fmt: skip
def test_gopher_quality_failures(manifests, text, lang, reason):
    v = verdict(manifests, "gopher_quality", doc(text, lang))
    assert not v.keep and v.reason == reason, v


@pytest.mark.parametrize("lang", ["de", "fr", "sv", "el"])
def test_repeated_lines_fail_repetition(manifests, lang):
    v = verdict(manifests, "gopher_repetition", doc(repeated_lines(lang), lang))
    assert not v.keep and v.reason in {"duplicate_lines", "duplicate_line_chars"}, v


def test_repeated_phrases_fail_repetition(manifests):
    v = verdict(manifests, "gopher_repetition", doc(spam(), "en"))
    assert not v.keep and v.reason.startswith(("top_", "duplicate_")), v
    v = verdict(manifests, "gopher_repetition", doc("\n\n".join([prose("it")] * 3), "it"))
    assert not v.keep and v.reason == "duplicate_paragraphs", v


def test_a_phrase_seen_once_is_not_a_repetition(manifests):
    """datatrove scores the most frequent n-gram even when it occurs once; we do not."""
    v = verdict(manifests, "gopher_repetition", doc("Bin collections over the holiday.", "en"))
    assert v.keep


@pytest.mark.parametrize(
    ("text", "lang", "reason"),
    [
        (prose("en") + "\nLorem ipsum dolor sit amet, consectetur adipiscing elit.", "en",
         "lorem_ipsum"),
        (prose("de") + "\nfunction f() { return 1; } ist ein Beispiel.", "de", "curly_bracket"),
        (link_list(), "de", "too_few_sentences"),
    ],
)  # fmt: skip
def test_c4_document_rules(manifests, text, lang, reason):
    v = verdict(manifests, "c4_quality", doc(text, lang))
    assert not v.keep and v.reason == reason, v


def test_c4_removes_notice_lines_in_the_documents_language(manifests):
    m = manifests["c4_quality"]
    notice = "Diese Website verwendet Cookies, mehr in unserer Datenschutzerklärung."
    text = prose("de") + "\n" + notice + "\nMenü"
    f = m.filter(m.params_for("de"), "de")
    new, changed = f.rewrite(doc(text, "de"))
    assert notice not in new and "Menü" not in new and changed == {"lines_removed": 2}
    assert new.startswith(prose("de").split("\n")[0].strip())


def test_c4_greek_questions_end_sentences(manifests):
    """A Greek question ends with ';': C4's English punctuation would drop the line."""
    m = manifests["c4_quality"]
    question = "Πού θα βρείτε τα καλύτερα προϊόντα της περιοχής;"
    greek = m.filter(m.params_for("el"), "el")
    english = m.filter(m.params, "el")
    assert question in greek.rewrite(doc(prose("el") + "\n" + question, "el"))[0]
    assert question not in english.rewrite(doc(prose("el") + "\n" + question, "el"))[0]


@pytest.mark.parametrize(
    ("text", "lang", "reason"),
    [
        (link_list(), "de", "too_few_punctuated_lines"),
        ("\n".join(f"Zeile {i} endet hier." for i in range(30)), "de", "too_many_short_lines"),
        (prose("fr") + "\n" + "\n".join(["Partager cet article sur les réseaux sociaux."] * 3),
         "fr", "repeated_line_chars"),
        ("\n".join(f"Wyjątkowypierwszyprodukt{i} doskonałajakość numer{i}." for i in range(20)),
         "pl", "too_many_line_breaks"),
    ],
)  # fmt: skip
def test_fineweb_failures(manifests, text, lang, reason):
    v = verdict(manifests, "fineweb_quality", doc(text, lang))
    assert not v.keep and v.reason == reason, v
