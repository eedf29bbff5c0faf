import numpy as np
from datasketch import MinHash, MinHashLSH

from leam.pipelines.dedup.components import components
from leam.pipelines.dedup.minhash import MinHasher, shingle_hashes, words
from tests.sample_warc import sample_pages


def test_signatures_equal_datasketch_over_the_same_shingles():
    pages = sample_pages(["de", "el", "zh"], per_lang=5)
    hasher = MinHasher(num_perm=64, seed=3)
    ours = hasher.signatures([p.text for p in pages], [p.lang for p in pages])
    for page, sig in zip(pages, ours, strict=True):
        ref = MinHash(num_perm=64, seed=3, hashfunc=lambda v: v)
        ref.update_batch(shingle_hashes(page.text, page.lang, 5).tolist())
        assert np.array_equal(ref.hashvalues, sig)


def test_bands_come_from_datasketch_search():
    lsh = MinHashLSH(threshold=0.7, num_perm=256)
    assert MinHasher(num_perm=256, threshold=0.7).bands == (lsh.b, lsh.r)


def test_words_are_language_aware():
    assert words("Grüße, WELT! 2024", "de") == ["grüße", "welt", "2024"]
    assert words("我们的城市", "zh") == ["我", "们", "的", "城", "市"]


def test_similar_texts_have_similar_signatures_and_short_texts_one_shingle():
    text = sample_pages(["fr"], per_lang=1)[0].text
    hasher = MinHasher()
    a, b, c = hasher.signatures([text, text + " Fin.", sample_pages(["fr"], 2)[1].text], ["fr"] * 3)
    assert (a == b).mean() > 0.8 and (a == c).mean() < 0.2
    assert len(shingle_hashes("deux mots", "fr", 5)) == 1


def test_components_label_by_smallest_node():
    labels = components(8, np.array([5, 1, 3, 6]), np.array([1, 3, 0, 7]))
    assert labels.tolist() == [0, 0, 2, 0, 4, 0, 6, 6]
    chain = np.arange(9999)
    assert set(components(10_000, chain[::-1].copy(), chain[::-1] + 1).tolist()) == {0}
