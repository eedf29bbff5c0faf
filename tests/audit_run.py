"""A filter run for the audit tests: six languages through extract, langid and six filters.

Besides the sample pages, it holds what the audit must show: a page with an e-mail address
and a phone number (redacted), one on a blocklisted domain, a link list, and French pages
that repeat their lines, enough of them that French is flagged at gopher_repetition. A
second run of the same input with gopher_quality's min_words raised is what `--compare`
compares it with.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from typer.testing import CliRunner

from leam.filters.manifest import bundled_dir
from tests.filters.docs import link_list, prose, repeated_lines
from tests.sample_warc import SamplePage, sample_pages, write_sample_warc

LANGS = ("de", "fr", "fi", "el", "en", "pl")
FILTERS = ("pii_redaction, url_blocklist, gopher_quality, gopher_repetition, c4_quality, "
           "fineweb_quality")  # fmt: skip
PIPELINE = f"""\
name: filter-test
stages:
  - stage: extract
  - stage: langid
  - stage: filter
    params:
      filters: [{FILTERS}]
"""


def pages() -> list[SamplePage]:
    out = sample_pages(LANGS, per_lang=6)
    text = prose("de")
    out += [
        SamplePage("de", "Kontakt", text + "\n\nMail: anna.muster@beispiel.de, Tel. 030 901820.",
                   "https://www.kontakt.de/impressum.html"),
        SamplePage("fr", "Dossier", prose("fr") + "\n\nNuméro d'identification fiscale allemand"
                   " : 36 574 261 809.", "https://www.dossier.fr/dossier.html"),
        SamplePage("en", "Story", out[-1].text, "https://www.0-1sex.com/story.html"),
        SamplePage("de", "Übersicht", link_list(), "https://www.portal.de/menu.html"),
        SamplePage("fr", "Promo", repeated_lines("fr"), "https://www.promo.fr/a.html"),
    ]  # fmt: skip
    french = [p for p in sample_pages(["fr"], per_lang=6) if len(p.text.split("\n")[0]) > 80]
    for i, page in enumerate(french[:3]):
        line = page.text.split("\n")[0]
        out.append(SamplePage("fr", f"Promo {i}", "\n".join([line] * 6 + ["Fin."]),
                              f"https://www.promo{i}.fr/a.html"))  # fmt: skip
    return out


def make_run(root: Path, run_id: str, min_words: int | None = None) -> Path:
    """The run under root/runs/<run_id>; min_words: gopher_quality's, in a copy of the
    bundled manifests."""
    from leam.corpus.cli.app import app

    inputs = root / "in"
    if not inputs.exists():
        all_pages = pages()
        write_sample_warc(inputs / "a.warc.gz", all_pages[: len(all_pages) // 2])
        write_sample_warc(inputs / "b.warc.gz", all_pages[len(all_pages) // 2 :])
    pipeline = PIPELINE
    if min_words is not None:
        folder = root / f"manifests-{run_id}"
        shutil.copytree(bundled_dir(), folder, ignore=shutil.ignore_patterns("*.py", "__*"))
        path = folder / "gopher_quality.yaml"
        text = path.read_text().replace("min_words: 50", f"min_words: {min_words}")
        path.write_text(text.replace("version: 1", "version: 2"))
        pipeline += f"      manifests: {folder.name}\n"
    (root / f"{run_id}.yaml").write_text(pipeline)
    args = ["run", str(root / f"{run_id}.yaml"), str(inputs), "--runs-dir", str(root / "runs")]
    result = CliRunner().invoke(app, [*args, "--run-id", run_id, "-q"])
    assert result.exit_code == 0, result.output
    return root / "runs" / run_id
