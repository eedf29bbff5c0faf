"""The trained tokenizer: exact round trip in every EU script, special tokens at fixed ids,
and a folder that `tokenizers` and `transformers` load as it is."""

from __future__ import annotations

import unicodedata
from pathlib import Path

import pytest
from tokenizers import Tokenizer

from leam.tokenizer.train import TrainSpec, train
from tests.tokenizer.conftest import USER_TOKEN, VOCAB

# Every EU alphabet's letters beyond ASCII (Latin, Greek, Cyrillic), capitals included, and
# text the sample never had (Ogham, CJK, emoji, control characters): bytes cover it all.
EVERY_SCRIPT = "\n".join(
    [
        "Български: Щъркелът ѝ донесе юрганче — ЁЭЫ не са български, но се кодират.",
        "Ελληνικά: Ξεσκεπάζω την ψυχοφθόρα βδελυγμία· ΐΰ ς ϊϋ ά έ ή ί ό ύ ώ;",
        "čeština: Příliš žluťoučký kůň úpěl ďábelské ódy. ŤŇĎĚŮ",
        "dansk/svenska/suomi: Ærøskøbing, Åland, Öljy, smörgåsbord, ÆØÅ äöå",
        "Deutsch: Größe, Fußgängerübergänge, ẞ ÄÖÜ",
        "eesti: õun, Šveits, Žürii, ÕÄÖÜ",
        "français/español/português: cœur, façade, Ÿ, ñandú, ¿qué?, ¡olé!, ação, à, Ç",
        "Gaeilge: Dún na nGall, Éire, óg, úll, Í",
        "hrvatski/slovenščina: Đakovo, džep, čćšž, ČĆŠŽĐ",
        "italiano/română: perché, città, ș ț ă î â, Ș Ț Ă Î Â, ş ţ (cedilla)",
        "latviešu/lietuvių: ģ ķ ļ ņ ā ē ī ū, ą ę ė į ų ū, Ģ Ķ Ļ Ņ Ą Ę Ė Į Ų",
        "magyar: Árvíztűrő tükörfúrógép ŐŰ ő ű",
        "Malti: Il-ħanut, ġurnata, żewġ, għaxra, ĦĠŻĊ ċ",
        "polski/slovenčina: Zażółć gęślą jaźń, ĽĹŔ ľĺŕ ô ä",
        "numbers 1234567890 3.14 1,000,000 and € £ § ° µ ½",
        "unseen: ᚛ᚑᚌᚐᚋ᚜ 漢字 🙂🇪🇺 \t tabs  double  spaces\r\n\x00\x07 end",
    ]
)


@pytest.fixture(scope="module")
def tok(trained) -> Tokenizer:
    folder, _ = trained
    return Tokenizer.from_file(str(folder / "tokenizer.json"))


def test_round_trip_every_eu_script(tok: Tokenizer):
    assert unicodedata.is_normalized("NFC", EVERY_SCRIPT)
    ids = tok.encode(EVERY_SCRIPT, add_special_tokens=False).ids
    assert tok.decode(ids) == EVERY_SCRIPT
    for line in EVERY_SCRIPT.splitlines():  # and line by line, with no unknown token
        assert tok.decode(tok.encode(line, add_special_tokens=False).ids) == line
    assert tok.get_vocab_size() == VOCAB


def test_nfc_makes_decomposed_text_the_same_tokens(tok: Tokenizer):
    composed = "Příliš žluťoučký kůň, Ἀθῆναι, Jõhvi"
    decomposed = unicodedata.normalize("NFD", composed)
    assert decomposed != composed
    assert tok.encode(decomposed).ids == tok.encode(composed).ids


def test_special_tokens_at_fixed_ids(tok: Tokenizer, trained):
    _, record = trained
    assert record["special_tokens"] == {"<pad>": 0, "<s>": 1, "</s>": 2, USER_TOKEN: 3}
    for token, i in record["special_tokens"].items():
        assert tok.token_to_id(token) == i
    enc = tok.encode(f"Hallo{USER_TOKEN}Welt")
    assert enc.ids[0] == 1 and 3 in enc.ids  # BOS first; the user token is one token
    assert tok.decode(enc.ids, skip_special_tokens=True) == "HalloWelt"


def test_digits_split_and_no_long_runs(tok: Tokenizer):
    assert tok.encode("2024", add_special_tokens=False).tokens == ["2", "0", "2", "4"]
    longest = max(len(t) for t in tok.get_vocab() if not t.startswith("<"))
    assert longest <= TrainSpec.max_token_length
    rule = tok.encode("=" * 120, add_special_tokens=False)
    assert len(rule.ids) >= 120 // TrainSpec.max_token_length


def test_loads_with_transformers(trained, tok: Tokenizer):
    from transformers import PreTrainedTokenizerFast

    folder, _ = trained
    hf = PreTrainedTokenizerFast.from_pretrained(str(folder))
    assert (hf.pad_token_id, hf.bos_token_id, hf.eos_token_id) == (0, 1, 2)
    assert hf.convert_tokens_to_ids(USER_TOKEN) == 3
    text = "Ελληνικά και български, Zażółć gęślą jaźń."
    ids = hf(text, add_special_tokens=False)["input_ids"]
    assert ids == tok.encode(text, add_special_tokens=False).ids
    assert hf.decode(ids) == text
    assert hf(text)["input_ids"][0] == 1
    batch = hf(["a", "longer text"], padding=True)["input_ids"]
    assert batch[0][-1] == 0  # padded with <pad> on the right


def test_unigram_and_nfkc_options(tmp_path: Path):
    texts = ["ﬁnancial ﬁles, Ελληνικά, български", "Zażółć gęślą jaźń 42"] * 20
    spec = TrainSpec(model="unigram", vocab_size=300, normalization="nfkc", split_digits=False)
    tok = train(texts, spec)
    assert [tok.token_to_id(t) for t in ("<pad>", "<s>", "</s>")] == [0, 1, 2]
    assert tok.decode(tok.encode("Ελληνικά 🙂", add_special_tokens=False).ids) == "Ελληνικά 🙂"
    # NFKC folds the ligature: decoding gives the normalised text
    assert tok.decode(tok.encode("ﬁle", add_special_tokens=False).ids) == "file"
    with pytest.raises(ValueError, match="clash"):
        TrainSpec(special_tokens=("<s>",))
