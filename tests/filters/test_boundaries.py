"""Every quality rule at its boundary: a signal exactly at its limit keeps the document, the
nearest value beyond it drops it with the rule's own reason and the values that decided.

The passing signals come from scoring a real prose page of the sample (each filter must keep
it), then one signal at a time is moved to its limit. This pins both the comparison (>= or >)
and which signal and parameter each rule reads."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from leam.filters.banned_words import BannedWords, BannedWordsParams
from leam.filters.base import Drop, Keep, above, below, first_drop
from leam.filters.c4 import C4Quality, C4QualityParams
from leam.filters.fineweb import FineWebQuality, FineWebQualityParams
from leam.filters.gopher_quality import GopherQuality, GopherQualityParams
from leam.filters.gopher_repetition import GopherRepetition, GopherRepetitionParams
from leam.filters.tdm import TdmReservation, TdmReservationParams
from leam.filters.text import count_numbers, word_list
from leam.filters.url_blocklist import UrlBlocklist, UrlBlocklistParams
from leam.pipelines.samples import sample_pages

PAGES = sample_pages(["en"], per_lang=6)
DOC = {"text": "\n".join(p.text for p in PAGES), "url": PAGES[0].url, "lang": "en"}


def _beyond(limit: float, kind: str) -> float:
    return math.nextafter(limit, -math.inf if kind == "min" else math.inf)


def _check(f, signal: str, limit: float, kind: str, reason: str) -> None:
    passing = f.score(DOC)
    assert f.decide(passing) == Keep(), (signal, passing)
    assert f.decide({**passing, signal: limit}) == Keep(), signal
    value = _beyond(limit, kind)
    verdict = f.decide({**passing, signal: value})
    assert verdict == Drop(reason, {signal: value, f"{kind}_{signal}": limit}), verdict


GOPHER = GopherQualityParams()
GOPHER_RULES = [
    ("words", GOPHER.min_words, "min", "too_few_words"),
    ("words", GOPHER.max_words, "max", "too_many_words"),
    ("mean_word_length", GOPHER.min_mean_word_length, "min", "words_too_short"),
    ("mean_word_length", GOPHER.max_mean_word_length, "max", "words_too_long"),
    ("hash_ratio", GOPHER.max_symbol_word_ratio, "max", "too_many_hashes"),
    ("ellipsis_ratio", GOPHER.max_symbol_word_ratio, "max", "too_many_ellipses"),
    ("bullet_lines_ratio", GOPHER.max_bullet_lines_ratio, "max", "too_many_bullet_lines"),
    ("ellipsis_lines_ratio", GOPHER.max_ellipsis_lines_ratio, "max", "too_many_ellipsis_lines"),
    ("alpha_words_ratio", GOPHER.min_alpha_words_ratio, "min", "too_few_alphabetic_words"),
    ("stop_words", GOPHER.min_stop_words, "min", "too_few_stop_words"),
]


@pytest.mark.parametrize(("signal", "limit", "kind", "reason"), GOPHER_RULES)
def test_gopher_quality_rules_at_their_limits(signal, limit, kind, reason):
    _check(GopherQuality(GOPHER, "en"), signal, limit, kind, reason)


def test_gopher_rules_switched_off_and_the_stop_word_list():
    off = GopherQualityParams(**{p: None for p in (
        "min_words", "max_words", "min_mean_word_length", "max_mean_word_length",
        "max_symbol_word_ratio", "max_bullet_lines_ratio", "max_ellipsis_lines_ratio",
        "min_alpha_words_ratio", "min_stop_words")})  # fmt: skip
    f = GopherQuality(off, "en")
    extreme = dict.fromkeys(f.score(DOC), 0.0) | {"words": 1e9, "hash_ratio": 1e9}
    assert f.decide(extreme) == Keep()
    # a language without a stop-word list cannot fail the stop-word rule
    unlisted = GopherQuality(GopherQualityParams(stop_words=[]), "en")
    assert unlisted.decide({**unlisted.score(DOC), "stop_words": 0.0}) == Keep()
    given = GopherQuality(GopherQualityParams(stop_words=["The", "zzz"]), "en")
    assert given.stop_words == frozenset({"the", "zzz"})
    assert given.score(DOC)["stop_words"] == 1.0
    case = GopherQuality(GopherQualityParams(stop_words=["The"], stop_words_ignore_case=False),
                         "en")
    assert case.score({"text": "The cat and the dog"})["stop_words"] == 1.0
    assert case.score({"text": "the cat"})["stop_words"] == 0.0


def test_gopher_signals_on_a_known_text():
    text = "# one two… three\n- four five...\n• 12 34 six\n\n"
    s = GopherQuality(GopherQualityParams(), "en").score({"text": text})
    assert s["words"] == 8.0
    assert s["mean_word_length"] == pytest.approx(sum(map(len, ["one", "two", "three", "four",
                                                                "five", "12", "34", "six"])) / 8)
    assert s["hash_ratio"] == 1 / 8 and s["ellipsis_ratio"] == 2 / 8
    assert s["bullet_lines_ratio"] == 2 / 4 and s["ellipsis_lines_ratio"] == 1 / 4
    assert s["alpha_words_ratio"] == 6 / 8
    empty = GopherQuality(GopherQualityParams(), "en").score({"text": None})
    assert empty["words"] == 0.0 and empty["mean_word_length"] == 0.0
    assert empty["alpha_words_ratio"] == 0.0 and empty["bullet_lines_ratio"] == 0.0


REPETITION = GopherRepetitionParams()
REPETITION_RULES = [
    ("dup_para_frac", REPETITION.max_dup_para_frac, "max", "duplicate_paragraphs"),
    ("dup_para_char_frac", REPETITION.max_dup_para_char_frac, "max", "duplicate_paragraph_chars"),
    ("dup_line_frac", REPETITION.max_dup_line_frac, "max", "duplicate_lines"),
    ("dup_line_char_frac", REPETITION.max_dup_line_char_frac, "max", "duplicate_line_chars"),
    *[(f"top_{n}gram_char_frac", v, "max", f"top_{n}gram_too_frequent")
      for n, v in REPETITION.max_top_ngram_char_frac.items()],
    *[(f"dup_{n}gram_char_frac", v, "max", f"duplicate_{n}grams")
      for n, v in REPETITION.max_dup_ngram_char_frac.items()],
]


@pytest.mark.parametrize(("signal", "limit", "kind", "reason"), REPETITION_RULES)
def test_gopher_repetition_rules_at_their_limits(signal, limit, kind, reason):
    _check(GopherRepetition(REPETITION, "en"), signal, limit, kind, reason)


FINEWEB = FineWebQualityParams()
FINEWEB_RULES = [
    ("punct_lines_ratio", FINEWEB.min_punct_lines_ratio, "min", "too_few_punctuated_lines"),
    ("short_lines_ratio", FINEWEB.max_short_lines_ratio, "max", "too_many_short_lines"),
    ("dup_line_char_ratio", FINEWEB.max_dup_line_char_ratio, "max", "repeated_line_chars"),
    ("newline_word_ratio", FINEWEB.max_newline_word_ratio, "max", "too_many_line_breaks"),
]


@pytest.mark.parametrize(("signal", "limit", "kind", "reason"), FINEWEB_RULES)
def test_fineweb_rules_at_their_limits(signal, limit, kind, reason):
    _check(FineWebQuality(FINEWEB, "en"), signal, limit, kind, reason)


def test_fineweb_empty_and_the_zero_punctuation_exemption():
    f = FineWebQuality(FINEWEB, "en")
    assert f.score({"text": "\n \n"}) == {"lines": 0.0}
    assert f.decide({"lines": 0.0}) == Drop("empty", {"lines": 0.0, "min_lines": 1})
    passing = f.score(DOC)
    none = {**passing, "punct_lines_ratio": 0.0}
    assert f.decide(none).reason == "too_few_punctuated_lines"
    exempt = FineWebQuality(FineWebQualityParams(punct_lines_exclude_zero=True), "en")
    assert exempt.decide(none) == Keep()
    low = {**passing, "punct_lines_ratio": 0.01}
    assert exempt.decide(low).reason == "too_few_punctuated_lines"  # only zero is exempt


def test_fineweb_signals_on_a_known_text():
    text = "A line that ends here.\nshort\nshort\nAnother long line without a stop"
    s = FineWebQuality(FineWebQualityParams(short_line_length=5), "en").score({"text": text})
    assert s["lines"] == 4.0 and s["punct_lines_ratio"] == 1 / 4
    assert s["short_lines_ratio"] == 2 / 4  # "short" is 5 characters: short, at the limit
    assert s["dup_line_char_ratio"] == 5 / (len(text) - 3)
    assert s["newline_word_ratio"] == 3 / 13


def test_c4_sentences_at_the_limit_and_its_flags():
    f = C4Quality(C4QualityParams(), "en")
    passing = f.score(DOC)
    assert f.decide(passing) == Keep()
    limit = C4QualityParams().min_sentences
    assert f.decide({**passing, "sentences": float(limit)}) == Keep()
    assert f.decide({**passing, "sentences": limit - 1.0}) == Drop(
        "too_few_sentences", {"sentences": limit - 1.0, "min_sentences": limit})
    assert f.decide({**passing, "lorem_ipsum": 1.0}) == Drop("lorem_ipsum", {"lorem_ipsum": 1.0})
    assert f.decide({**passing, "curly_bracket": 1.0}) == Drop("curly_bracket",
                                                               {"curly_bracket": 1.0})
    both = f.decide({**passing, "lorem_ipsum": 1.0, "curly_bracket": 1.0})
    assert both.reason == "lorem_ipsum"  # the order of the paper's rules


def test_banned_words_need_both_enough_hits_and_density():
    f = BannedWords(BannedWordsParams(min_hits=3, max_ratio=0.01), "en")
    assert f.decide({"has_list": 0.0}) == Keep()
    assert f.decide({"has_list": 1.0, "banned": 2.0, "banned_ratio": 0.5}) == Keep()
    assert f.decide({"has_list": 1.0, "banned": 3.0, "banned_ratio": 0.01}) == Keep()
    dense = math.nextafter(0.01, 1)
    assert f.decide({"has_list": 1.0, "banned": 3.0, "banned_ratio": dense}) == Drop(
        "banned_words", {"banned_ratio": dense, "max_banned_ratio": 0.01})
    word = sorted(f.words)[0]
    s = f.score({"text": f"{word.upper()} {word} and one more word"})
    assert s == {"has_list": 1.0, "banned": 2.0, "banned_ratio": 2 / 6}
    assert BannedWords(BannedWordsParams(), "xx").score(DOC) == {"has_list": 0.0}


def test_url_blocklist_soft_words_at_the_threshold_and_reason_order():
    f = UrlBlocklist(UrlBlocklistParams(use_ut1=False, soft_word_threshold=2), "en")
    quiet = {"blocked_domain": 0.0, "blocked_url": 0.0, "banned_url_words": 0.0,
             "soft_banned_url_words": 1.0, "banned_url_subword": 0.0}
    assert f.decide(quiet) == Keep()
    assert f.decide({**quiet, "soft_banned_url_words": 2.0}) == Drop(
        "soft_banned_words_in_url", {"soft_banned_url_words": 2.0})
    everything = dict.fromkeys(quiet, 1.0) | {"soft_banned_url_words": 5.0}
    order = []
    for key in ("blocked_domain", "blocked_url", "banned_url_words", "soft_banned_url_words",
                "banned_url_subword"):
        verdict = f.decide(everything)
        order.append(verdict.reason)
        everything[key] = 0.0
    assert order == ["blocklisted_domain", "blocklisted_url", "banned_word_in_url",
                     "soft_banned_words_in_url", "banned_phrase_in_url"]
    assert f.decide({**quiet, "banned_url_words": 2.0}) == Drop(
        "banned_word_in_url", {"banned_url_words": 2.0})


def test_url_blocklist_extra_lists_and_switches():
    f = UrlBlocklist(UrlBlocklistParams(use_ut1=False, extra_domains=["bad.example"],
                                        extra_urls=["https://ok.example/page"]), "en")
    assert f.score({"url": "https://www.sub.bad.example/x"})["blocked_domain"] == 1.0
    assert f.score({"url": "https://notbad.example/x"})["blocked_domain"] == 0.0
    assert f.score({"url": "https://ok.example/page"})["blocked_url"] == 1.0
    assert f.score({"url": "https://ok.example/other"})["blocked_url"] == 0.0


def test_tdm_filter_reserves_by_signal_or_listed_domain():
    f = TdmReservation(TdmReservationParams(reserved_domains=["news.example"]), "en")
    assert f.decide({"reserved": 0.0, "reserved_domain": 0.0}) == Keep()
    assert f.decide({"reserved": 1.0, "reserved_domain": 1.0}) == Drop(
        "tdm_reservation", {"reserved": 1.0})
    assert f.decide({"reserved": 0.0, "reserved_domain": 1.0}) == Drop(
        "tdm_reservation", {"reserved_domain": 1.0})


def test_base_rules_off_at_none_and_first_drop_in_order():
    assert below("r", "s", -1e9, None) is None and above("r", "s", 1e9, None) is None
    assert below("r", "s", 1.0, 1.0) is None and above("r", "s", 1.0, 1.0) is None
    assert below("r", "s", 0.5, 1.0) == Drop("r", {"s": 0.5, "min_s": 1.0})
    assert above("r", "s", 1.5, 1.0) == Drop("r", {"s": 1.5, "max_s": 1.0})
    assert first_drop(None, Drop("a"), Drop("b")) == Drop("a")
    assert first_drop(None, None) == Keep()
    assert Drop("r", {"s": 0.5, "min_s": 2.0}).detail() == "s=0.5; min_s=2"


# -- C4's line rules, one at a time ---------------------------------------------------------


def _c4(text: str, **params) -> tuple[str, dict, dict]:
    f = C4Quality(C4QualityParams(**params), "en")
    signals = f.score({"text": text})
    new, counts = f.rewrite({"text": text})
    return new, counts, signals


def test_c4_word_length_limit_is_inclusive():
    ok = "A " + "x" * 10 + " word here."
    long = "A " + "x" * 11 + " word here."
    new, counts, s = _c4(f"{ok}\n{long}", max_word_length=10)
    assert new == ok and counts == {"lines_removed": 1}
    assert s == {"sentences": 1.0, "lines_removed_frac": 0.5, "lorem_ipsum": 0.0,
                 "curly_bracket": 0.0}


def test_c4_line_endings_words_and_ellipses():
    lines = [
        "Three words here.",  # exactly min_words_per_line: kept
        "Two words.",  # fewer: removed
        "No end punctuation here",  # removed
        "It trails off here...",  # "..." is not an end: removed
        "She said “yes.”",  # closing quotes end a sentence
        "",  # a blank line is neither kept nor counted
    ]
    new, counts, s = _c4("\n".join(lines))
    assert new.split("\n") == ["Three words here.", "She said “yes.”"]
    assert counts == {"lines_removed": 3} and s["lines_removed_frac"] == 3 / 5


def test_c4_citations_javascript_and_notices():
    text = ("Cited twice here.[1][edit]\nThe fact needs a source.[citation needed]\n"
            "Please enable JavaScript to view it.\nRead our Privacy Policy for details.\n"
            "This site uses cookies to work well.")
    new, counts, _ = _c4(text)
    assert new == "Cited twice here.\nThe fact needs a source."
    assert counts == {"lines_removed": 3}
    kept, _, _ = _c4(text, remove_citations=False, remove_javascript_lines=False,
                     policy_phrases=[])
    # without citation removal the first two lines end in "]": not sentence ends
    assert kept.split("\n") == ["Please enable JavaScript to view it.",
                                "Read our Privacy Policy for details.",
                                "This site uses cookies to work well."]
    assert _c4(text, remove_lines=False)[:2] == (text, {})


def test_c4_counts_sentences_by_terminal_punctuation():
    _, _, s = _c4("One here. Two here! Three here? Four here.\nA line with one stop only.")
    assert s["sentences"] == 5.0
    _, _, s = _c4("Ends with a closing quote here.» Then more text here.")
    assert s["sentences"] == 2.0
    _, _, s = _c4("Version 2.5 is out now.")  # a point inside a number ends nothing
    assert s["sentences"] == 1.0


def test_c4_lorem_ipsum_and_curly_brackets_fail_the_document():
    for text, flag in (("Some text first here.\nLorem ipsum dolor sit amet.", "lorem_ipsum"),
                       ("Some text first here.\nThe code is {x: 1} here.", "curly_bracket")):
        _, _, s = _c4(text)
        assert s[flag] == 1.0 and s["sentences"] == 1.0
        f = C4Quality(C4QualityParams(), "en")
        assert f.decide(s).reason == flag
        switch = "drop_lorem_ipsum" if flag == "lorem_ipsum" else "drop_curly_bracket"
        assert _c4(text, **{switch: False})[2][flag] == 0.0


# -- the shared text primitives and Gopher's repetition signals, against a plain reference --


def test_word_lists_are_read_as_utf8_without_comments():
    de = word_list("stopwords", "de")
    assert "für" in de and not any(w.startswith("#") for w in de)
    assert word_list("stopwords", "xx") == frozenset()
    assert count_numbers("In 2024 gab es 3_000 Fälle, x2 nicht") == 2


def _reference_repetition(text: str, p: GopherRepetitionParams) -> dict[str, float]:
    """datatrove's semantics with strings: what the numpy implementation must equal."""
    import re
    from collections import Counter

    size = len(text) or 1

    def dups(items):
        seen, n, chars = set(), 0, 0
        for x in items:
            if x in seen:
                n, chars = n + 1, chars + len(x)
            seen.add(x)
        return n, chars

    paragraphs = re.split(r"\n{2,}", text.strip())
    lines = re.split(r"\n+", text)
    pn, pc = dups(paragraphs)
    ln, lc = dups(lines)
    s = {"dup_para_frac": pn / len(paragraphs), "dup_para_char_frac": pc / size,
         "dup_line_frac": ln / len(lines), "dup_line_char_frac": lc / size}
    tokens = re.findall(r"\w+", text)
    for n in p.max_top_ngram_char_frac:
        grams = [" ".join(tokens[i:i + n]) for i in range(len(tokens) - n + 1)]
        top = Counter(grams).most_common(1)
        ok = top and top[0][1] >= p.min_top_ngram_count
        s[f"top_{n}gram_char_frac"] = (len(top[0][0]) * top[0][1] if ok else 0) / size
    for n in p.max_dup_ngram_char_frac:
        grams = [tuple(tokens[i:i + n]) for i in range(len(tokens) - n + 1)]
        seen, repeated, i = set(), 0, 0
        while i < len(grams):
            if grams[i] in seen:
                repeated += sum(len(w) for w in grams[i])
                i += n
            else:
                seen.add(grams[i])
                i += 1
        s[f"dup_{n}gram_char_frac"] = repeated / size
    return s


REPETITIVE = [
    "one two three four five six\n\nsame line here\nsame line here\n\n"
    "one two three four five six seven eight nine ten eleven\n\nlast",
    "a b a b a b a b a b a b c d e f g h i j k l a b a b",
    "word " * 30,
    "alpha beta gamma delta epsilon zeta eta theta iota kappa lambda",  # nothing repeated
    "x y",  # fewer words than every n
]


@pytest.mark.parametrize("text", REPETITIVE)
def test_repetition_signals_equal_the_reference(text: str):
    for p in (GopherRepetitionParams(), GopherRepetitionParams(min_top_ngram_count=1)):
        got = GopherRepetition(p, "en").score({"text": text})
        expected = _reference_repetition(text, p)
        assert got.keys() == expected.keys()
        for key, value in expected.items():
            assert got[key] == pytest.approx(value), key


# Few distinct words and line breaks: texts full of repeats, overlapping and not, and of
# n-grams whose first occurrence falls inside an earlier repeat (the scan jumps over it).
@settings(max_examples=150, deadline=None)
@given(st.lists(st.sampled_from(["a", "bb", "ccc", "bb a", "\n", "\n\n", "d"]), max_size=160))
def test_repetition_signals_equal_the_reference_on_generated_texts(parts: list[str]):
    text = " ".join(parts)
    p = GopherRepetitionParams(max_dup_ngram_char_frac={2: 0.1, 3: 0.1, 5: 0.1, 7: 0.1})
    got = GopherRepetition(p, "en").score({"text": text})
    for key, value in _reference_repetition(text, p).items():
        assert got[key] == pytest.approx(value), key


def test_c4_counts_every_removed_line_and_rewrites_the_text_it_is_given():
    good = "This line is a good one."
    removed = ["x" * 1001 + " long word here.", "No ending here", "Two words.",
               "Please enable javascript now.", "See the privacy policy here."]
    text = "\n".join([good, *removed])
    f = C4Quality(C4QualityParams(), "en")
    s = f.score({"text": text})
    assert s["lines_removed_frac"] == 5 / 6 and s["sentences"] == 1.0
    # rewrite() of another text than the one just scored does not reuse its lines
    assert f.rewrite({"text": good})[0] == good
    assert f.rewrite({"text": "Another good line here."}) == ("Another good line here.", {})
    f.score({"text": "No ending"})
    assert C4Quality(C4QualityParams(), "en").score({"text": "No ending"})[
        "lines_removed_frac"] == 1.0


def test_gopher_signals_of_empty_text_and_unicode_ellipses():
    f = GopherQuality(GopherQualityParams(), "en")
    empty = f.score({"text": ""})
    assert empty["hash_ratio"] == 0.0 and empty["ellipsis_ratio"] == 0.0
    s = f.score({"text": "it went on…\nand on"})
    assert s["ellipsis_lines_ratio"] == 1 / 2 and s["ellipsis_ratio"] == 1 / 5


def test_fineweb_line_breaks_per_word_with_one_word():
    f = FineWebQuality(FineWebQualityParams(), "en")
    assert f.score({"text": "one\n"})["newline_word_ratio"] == 1.0


def test_gopher_quality_word_split_and_case_rules():
    """Each word split reads its own words, and stop words ignore case only when asked."""
    text = "The e-mail DON'T ... (said) AND the day"
    spacy = GopherQuality(GopherQualityParams(word_split="spacy_en"), "en").score({"text": text})
    plain = GopherQuality(GopherQualityParams(word_split="unicode"), "en").score({"text": text})
    # spaCy: The e - mail DON'T ... ( said ) AND the day: 12 tokens, 8 not punctuation
    named = "The e mail DON'T said AND the day".split()
    assert spacy["words"] == 8.0 and spacy["ellipsis_ratio"] == 1 / 12
    assert spacy["mean_word_length"] == sum(map(len, named)) / 8
    assert plain["words"] != spacy["words"]
    for split in ("spacy_en", "unicode"):
        def stop(ignore_case: bool, split: str = split) -> float:
            params = GopherQualityParams(word_split=split, stop_words_ignore_case=ignore_case,
                                         stop_words=["the", "and"])  # fmt: skip
            return GopherQuality(params, "en").score({"text": text})["stop_words"]

        assert (stop(True), stop(False)) == (2.0, 1.0), split


@pytest.mark.parametrize("split", ["spacy_en", "unicode"])
def test_gopher_quality_of_nothing_is_all_zeros(split):
    f = GopherQuality(GopherQualityParams(word_split=split), "en")
    for text in ("", "   "):
        assert set(f.score({"text": text}).values()) == {0.0}, text
    assert f.decide(f.score({"text": ""})).reason == "too_few_words"


def test_ngram_keys_for_every_size_asked():
    from leam.filters.gopher_repetition import ngram_keys, top_ngram_chars

    assert ngram_keys(["a", "b"], []) == {}
    ones = ngram_keys(["a", "b", "a"], [1])[1]
    assert ones[0] == ones[2] != ones[1]
    keys = ngram_keys(["a", "b", "c"], [2])[2]
    assert len(keys) == 2 and keys[0] != keys[1]
    # every n-gram once: the top one counts only when a single occurrence may count
    lengths = np.array([1, 1, 1])
    assert top_ngram_chars(keys, lengths, 2) == 3  # "a b": one occurrence counts by default
    assert top_ngram_chars(keys, lengths, 2, min_count=2) == 0


def test_repeated_five_gram_in_a_text_too_short_for_longer_ones():
    f = GopherRepetition(GopherRepetitionParams(), "en")
    s = f.score({"text": "a a a a a a"})  # six words: one 5-gram, twice; no 7-gram at all
    assert s["dup_5gram_char_frac"] > 0
    assert all(s[f"dup_{n}gram_char_frac"] == 0 for n in (7, 8, 9, 10))


@pytest.mark.parametrize("split", ["spacy_en", "unicode"])
def test_counted_words_are_the_signals_behind_the_word_and_stop_word_rules(split):
    """counted_words gives what the `words` and `stop_words` signals count, so that a bound on
    a page's whole text is a bound on those signals (pipelines/extract/survival.py)."""
    params = GopherQualityParams(word_split=split, stop_words=["the", "and", "of"],
                                 stop_words_ignore_case=True)  # fmt: skip
    f = GopherQuality(params, "en")
    text = "The end of it ... (and) THE start; e-mail!"
    n, present = f.counted_words(text)
    s = f.score({"text": text})
    assert (float(n), float(len(present))) == (s["words"], s["stop_words"])
    assert present == {"the", "and", "of"}
    longer = text + " and more of the same words here"
    m, more = f.counted_words(longer)
    assert m > n and more >= present
    strict = GopherQuality(params.model_copy(update={"stop_words_ignore_case": False}), "en")
    assert strict.counted_words("THE AND OF the")[1] == {"the"}
    assert GopherQuality(params.model_copy(update={"stop_words": []}), "en").counted_words(
        text)[1] == frozenset()
