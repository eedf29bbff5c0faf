"""Recall of the PII filter on generated identifiers and phone numbers of the 27 member states,
and how many look-alikes it leaves alone, by category, country and kind.

    PYTHONPATH=. python bench/pii_recall.py [--per-rule 40] [--per-region 40] [--seed 0]
        [--dump pages.jsonl]

The labelled set is tests/pii_cases.py: valid identifiers of every rule of the pii_redaction
manifest (half on pages in another language than their country's), valid phone numbers of
every member state in the shapes people write, and look-alikes that must stay (the same
identifiers with a wrong check digit, phone numbers one digit short, dates, times, prices,
versions, section numbers, ISBNs, order numbers, product codes, postcodes, private IPs),
each placed in a sample page of one of the 24 languages.
"""

from __future__ import annotations

import argparse
import json
from collections import defaultdict

from leam.filters.manifest import load_set
from leam.filters.pii_regions import is_foreign
from tests.pii_cases import Case, Tally, evaluate, labelled_cases


def spans_function():
    m = load_set()["pii_redaction"]
    filters = {}

    def spans_of(case: Case) -> list[tuple[int, int]]:
        if case.lang not in filters:
            filters[case.lang] = m.filter(m.params_for(case.lang), case.lang)
        doc = {"text": case.text, "domain": case.domain}
        return [(s.start, s.end) for s in filters[case.lang].spans(doc)]

    return spans_of


def _sum(tallies: list[Tally]) -> Tally:
    return Tally(sum(t.total for t in tallies), sum(t.right for t in tallies))


def report(cases: list[Case]) -> list[str]:
    tallies = evaluate(cases, spans_function())
    lines = []
    by_category: dict[str, list[Tally]] = defaultdict(list)
    by_country: dict[tuple[str, str], list[Tally]] = defaultdict(list)
    by_kind: dict[str, list[Tally]] = defaultdict(list)
    for (positive, kind, country), t in tallies.items():
        if positive:
            category = "phone" if kind == "phone" else "national_id"
            by_category[category].append(t)
            by_country[(category, country)].append(t)
            if category == "national_id":
                by_kind[kind].append(t)
        else:
            by_kind["look-alike: " + kind].append(t)
    cross = evaluate([c for c in cases if c.positive and c.kind != "phone"
                      and is_foreign(c.country, c.lang)], spans_function())  # fmt: skip
    lines += ["| category | found / total | recall |", "|---|---|---|"]
    for category, ts in sorted(by_category.items()):
        t = _sum(ts)
        lines.append(f"| {category} | {t.right} / {t.total} | {t.rate:.3f} |")
    t = _sum(list(cross.values()))
    lines.append(f"| national_id on a page in a foreign language | {t.right} / {t.total} | "
                 f"{t.rate:.3f} |")  # fmt: skip
    lines += ["", "| category | country | found / total | recall |", "|---|---|---|---|"]
    for (category, country), ts in sorted(by_country.items()):
        t = _sum(ts)
        lines.append(f"| {category} | {country} | {t.right} / {t.total} | {t.rate:.3f} |")
    lines += ["", "| rule or look-alike kind | right / total | rate |", "|---|---|---|"]
    for kind, ts in sorted(by_kind.items()):
        t = _sum(ts)
        lines.append(f"| {kind} | {t.right} / {t.total} | {t.rate:.3f} |")
    kept = _sum([t for k, ts in by_kind.items() if k.startswith("look-alike") for t in ts])
    lines.append(f"| all look-alikes kept | {kept.right} / {kept.total} | {kept.rate:.3f} |")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--per-rule", type=int, default=40)
    parser.add_argument("--per-region", type=int, default=40)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--dump", help="also write the pages as JSON lines (for timing)")
    args = parser.parse_args()
    cases = labelled_cases(args.seed, args.per_rule, args.per_region)
    if args.dump:
        with open(args.dump, "w", encoding="utf-8") as f:
            for c in cases:
                url = f"https://{c.domain or 'www.example.eu'}/page.html"
                f.write(json.dumps({"text": c.text, "lang": c.lang, "url": url}) + "\n")
    print(f"{len(cases)} pages: {sum(c.positive for c in cases)} positives, "
          f"{sum(not c.positive for c in cases)} look-alikes")  # fmt: skip
    print("\n".join(report(cases)))


if __name__ == "__main__":
    main()
