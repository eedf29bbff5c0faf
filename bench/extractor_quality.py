"""The extractors side by side on the same pages: CPU per page, text against the truth, and
what the eu24 preset keeps of each.

    python bench/extractor_quality.py --pages 1200

Pages are those of bench/e2e.py's mix (the bundled sample texts in tens of KB of menus,
inline script and style, link lists), made harder the way real pages are: below the article
a comment thread and "related stories" teasers written in prose (sentences of other pages
of the same language), and on half of the pages no <main>/<article>, only nested <div>s.
The true main text of every page (its heading and paragraphs) is known. For
each extractor (trafilatura as the default runs it; trafilatura without its readability /
jusText fallback; resiliparse) it reports: CPU ms per page (extraction alone, one process),
word precision and recall against the true text (bags of words; characters for zh and ja),
the share of pages whose words equal the default's (line breaks aside), the share of titles
found, and the documents the eu24 preset's langid and filter stages keep, with the Jaccard
of kept URLs against the default's.
"""

from __future__ import annotations

import argparse
import html
import json
import random
import sys
import time
from collections import Counter
from pathlib import Path

from leam.corpus.schema import empty_doc
from leam.corpus.stage import Context
from leam.pipelines.extract.stage import ExtractParams, build_extractor
from leam.pipelines.filter import FilterStage
from leam.pipelines.lid.stage import LangIdStage
from leam.pipelines.presets import load_pipeline
from tests.sample_warc import SamplePage

sys.path.insert(0, str(Path(__file__).resolve().parent))
from e2e import jaccard, mix_pages, portal_html  # bench/ is a folder of scripts, not a package

VARIANTS = {
    "trafilatura": {},
    "trafilatura, no fallback": {"fallback": False},
    "resiliparse": {"extractor": "resiliparse"},
}
CHARACTER_LANGS = {"zh", "ja"}  # no spaces between words: compare characters


def _prose_boilerplate(rng: random.Random, others: list[SamplePage]) -> str:
    """Comments and teasers: text that reads like the article's, but is not it."""
    sentences = [s for o in others for s in o.text.replace("\n", " ").split(". ") if s]
    if not sentences:  # a language with one page in a small mix
        return ""
    comments = "".join(
        f'<div class="comment"><span class="author">user{rng.randrange(999)}</span>'
        f"<p>{html.escape(rng.choice(sentences))}.</p></div>"
        for _ in range(rng.randint(1, 4))
    )
    teasers = "".join(
        f'<div class="teaser"><h4>{html.escape(o.title)}</h4><p>{html.escape(o.text[:200])}'
        f"...</p></div>"
        for o in rng.sample(others, min(3, len(others)))
    )
    return f'<section class="comments">{comments}</section><div class="related">{teasers}</div>'


def pages(n: int, seed: int = 0) -> list[tuple[SamplePage, str]]:
    """(page, its HTML): e2e.py's boilerplate around the text, plus prose boilerplate."""
    rng = random.Random(seed)
    mix = mix_pages(n, rng)
    by_lang: dict[str, list[SamplePage]] = {}
    for page in mix:
        by_lang.setdefault(page.lang, []).append(page)
    out = []
    for page in mix:
        others = [o for o in by_lang[page.lang] if o.title != page.title][:30]
        html_ = portal_html(page, rng)
        html_ = html_.replace("</article>", f"</article>{_prose_boilerplate(rng, others)}", 1)
        if rng.random() < 0.5:  # no semantic markup, as on many sites
            html_ = html_.replace("<main><article>", '<div class="c"><div class="post">')
            html_ = html_.replace("</article>", "</div>").replace("</main>", "</div>")
        out.append((page, html_))
    return out


def _tokens(text: str, lang: str) -> Counter[str]:
    if lang in CHARACTER_LANGS:
        return Counter(c for c in text if not c.isspace())
    return Counter(text.lower().split())


def precision_recall(found: str, truth: str, lang: str) -> tuple[float, float]:
    got, want = _tokens(found, lang), _tokens(truth, lang)
    common = sum((got & want).values())
    return (common / max(sum(got.values()), 1), common / max(sum(want.values()), 1))


def extract_all(variant: dict, sample: list[tuple[SamplePage, str]]) -> tuple[list, float]:
    extract = build_extractor(ExtractParams(**variant))
    start = time.process_time()
    results = [extract(html, page.url) for page, html in sample]
    return results, (time.process_time() - start) / len(sample) * 1000


def kept_urls(results: list, sample: list[tuple[SamplePage, str]]) -> set[str]:
    """URLs the eu24 preset's langid and filter stages keep, run in this process."""
    preset = load_pipeline("eu24")
    stages = [
        LangIdStage(preset.stage("langid").params),
        FilterStage(preset.stage("filter").params),
    ]
    docs = []
    for (page, _), result in zip(sample, results, strict=True):
        if result is not None and result.text:
            doc = empty_doc(id=page.url, url=page.url, domain=page.url.split("/")[2])
            doc["text"], doc["title"] = result.text, result.title
            docs.append(doc)
    for stage in stages:
        stage.setup()
        docs = list(stage.run(iter(docs), Context(stage.name)))
    return {d["url"] for d in docs}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", type=int, default=1200)
    args = parser.parse_args()
    sample = pages(args.pages)
    report: dict[str, dict] = {}
    base_texts: list[str] = []
    base_kept: set[str] = set()
    for name, variant in VARIANTS.items():
        results, ms = extract_all(variant, sample)
        texts = [(r.text if r is not None else "") for r in results]
        scores = [
            precision_recall(text, f"{page.title}\n{page.text}", page.lang)
            for text, (page, _) in zip(texts, sample, strict=True)
        ]
        kept = kept_urls(results, sample)
        if not base_texts:
            base_texts, base_kept = texts, kept
        titles = sum(
            r is not None and r.title == p.title for r, (p, _) in zip(results, sample, strict=True)
        )
        report[name] = {
            "cpu_ms_per_page": round(ms, 2),
            "word_precision": round(sum(p for p, _ in scores) / len(scores), 4),
            "word_recall": round(sum(r for _, r in scores) / len(scores), 4),
            "same_text_as_default": round(
                sum(a.split() == b.split() for a, b in zip(texts, base_texts, strict=True))
                / len(texts),
                4,
            ),
            "titles_found": round(titles / len(sample), 4),
            "kept_eu24": len(kept),
            "kept_url_jaccard_vs_default": round(jaccard(kept, base_kept), 4),
        }
        print(name, json.dumps(report[name]), flush=True)
    print(json.dumps({"pages": len(sample), "extractors": report}, indent=1))


if __name__ == "__main__":
    main()
