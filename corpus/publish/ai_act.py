"""The public summary of training content (EU AI Act, Article 53(1)(d)), as far as a run knows it.

    leam report ai-act RUN [--sme]

Follows the European Commission's template (Explanatory Notice and Template for the Public
Summary of Training Content for general-purpose AI models, July 2025): 1. general
information (provider, model, modalities, size band, latest collection date, languages),
2. list of data sources (2.3: crawled and scraped online sources, with crawler names, their
behaviour, the collection period and the top domains by size of content), 3. data
processing (3.1: respect of text-and-data-mining opt-outs, 3.2: removal of illegal content).

A field is filled from the run's own records, or it says what the provider must write and
carries `to_fill: true`: the provider's name, the model, and any training data that did not
pass through this pipeline are not the pipeline's to know. The summary covers this corpus;
a model trained on more must add the rest.
"""

from __future__ import annotations

import math
from datetime import datetime, timezone
from typing import Any

import pyarrow.parquet as pq

from leam.corpus.crawl_log import (
    CrawlLog,
    read_crawl_log,
    recorded_user_agents,
    warc_crawlers,
)
from leam.corpus.languages import language_name
from leam.corpus.optout_figures import optout_figures
from leam.corpus.publish.stats import build_stats
from leam.corpus.rundir import RunDir

TEMPLATE = (
    "European Commission, Explanatory Notice and Template for the Public Summary of Training "
    "Content for general-purpose AI models (AI Act, Article 53(1)(d)), July 2025"
)
# The template's size ranges for text, in tokens: (upper bound, label).
TEXT_BANDS = (
    (1e9, "Less than 1 billion tokens"),
    (1e13, "1 billion to 10 trillion tokens"),
    (math.inf, "More than 10 trillion tokens"),
)
# Without a tokenizer, tokens are estimated from UTF-8 bytes: byte-level BPE vocabularies of
# 32k-256k tokens give about 3-5 bytes per token on EU languages (Greek and Bulgarian, two
# bytes per letter, sit at the high end). The band is called certain when 2 and 8 bytes per
# token would give the same band.
TDM_REASON = "tdm_reservation"  # the ledger reason of a page whose response reserved it
BYTES_PER_TOKEN = 4.0
BYTES_PER_TOKEN_RANGE = (2.0, 8.0)
TOP_SHARE, SME_SHARE, SME_MAX = 0.10, 0.05, 1000


def to_fill(what: str) -> str:
    return f"[TO BE FILLED IN BY THE PROVIDER: {what}]"


def text_band(tokens: float) -> str:
    """The template's range for a number of text tokens (1 billion and 10 trillion included
    in the middle range)."""
    if tokens < TEXT_BANDS[0][0]:
        return TEXT_BANDS[0][1]
    return TEXT_BANDS[1][1] if tokens <= TEXT_BANDS[1][0] else TEXT_BANDS[2][1]


def token_size(total: dict[str, Any]) -> dict[str, Any]:
    """Tokens of the corpus (counted, or estimated from bytes) and the template's band."""
    if total.get("tokens") is not None:
        tokens = int(total["tokens"])
        return {"tokens": tokens, "method": "counted", "band": text_band(tokens), "certain": True}
    nbytes = total["bytes"]
    low, high = (nbytes / r for r in reversed(BYTES_PER_TOKEN_RANGE))
    return {
        "tokens": round(nbytes / BYTES_PER_TOKEN),
        "method": f"estimated: {nbytes:,} bytes of text / {BYTES_PER_TOKEN:g} bytes per token",
        "band": text_band(nbytes / BYTES_PER_TOKEN),
        "certain": text_band(low) == text_band(high),
    }


def listed_domains(count: int, sme: bool) -> int:
    """How many domains the template asks for: the top 10 % (SMEs: 5 %, at most 1,000)."""
    if count == 0:
        return 0
    if sme:
        return min(math.ceil(SME_SHARE * count), SME_MAX)
    return math.ceil(TOP_SHARE * count)


def top_domains(run_dir: RunDir, sme: bool) -> dict[str, Any]:
    """Domains ranked by the bytes of text they contribute to the corpus, all languages."""
    table = pq.read_table(run_dir.domains)
    by_domain = table.group_by("domain").aggregate([("bytes", "sum"), ("docs", "sum")])
    by_domain = by_domain.sort_by([("bytes_sum", "descending"), ("domain", "ascending")])
    total = sum(by_domain.column("bytes_sum").to_pylist()) or 1
    n = listed_domains(by_domain.num_rows, sme)
    rows = by_domain.slice(0, n).to_pylist()
    return {
        "rule": (
            "top 5 % of domains, at most 1,000 (SME option)" if sme else "top 10 % of domains"
        ),
        "measure": "UTF-8 bytes of main text each domain contributes to the published corpus",
        "domains_total": by_domain.num_rows,
        "listed": n,
        "domains": [
            {
                "rank": i + 1,
                "domain": r["domain"],
                "bytes": r["bytes_sum"],
                "documents": r["docs_sum"],
                "share_pct": round(100.0 * r["bytes_sum"] / total, 3),
            }
            for i, r in enumerate(rows)
        ],
    }


def _field(label: str, text: str = "", table: dict | None = None, fill: bool = False) -> dict:
    entry: dict[str, Any] = {"label": label, "text": text, "to_fill": fill}
    if table is not None:
        entry["table"] = table
    return entry


def _month(iso: str | None) -> str | None:
    return f"{iso[5:7]}/{iso[0:4]}" if iso and len(iso) >= 7 else None


def _crawler(record: dict[str, Any], log: CrawlLog | None) -> dict[str, Any]:
    agents = recorded_user_agents(record)
    found_in = "run.json" if agents else ""
    software: list[str] = []
    if not agents:
        warcs = warc_crawlers([i["path"] for i in record.get("inputs", [])])
        agents, software = warcs["user_agents"], warcs["software"]
        found_in = "the request records of the input WARC files" if agents else ""
    return {"user_agents": agents, "software": software, "found_in": found_in, "log": log}


def _behaviour(
    crawler: dict[str, Any], filters: list[dict[str, Any]], record: dict[str, Any]
) -> str:
    log: CrawlLog | None = crawler["log"]
    lines = []
    if log is not None:
        signals = ", ".join(f"{s} ({n:,} URLs)" for s, n in log.opt_outs.items()) or "none"
        lines.append(
            f"The crawler recorded a decision for each of {log.urls:,} URLs on {log.hosts:,} "
            f"hosts ({', '.join(f'{d}: {n:,}' for d, n in log.decisions.items())}). Pages "
            f"reserved or disallowed by their publisher, by the signal that said so: {signals}."
            " Reserved pages are not fetched where the reservation is known before fetching "
            "(robots.txt, tdmrep.json, ai.txt) and are excluded downstream where it shows only "
            "in the response (TDMRep header or meta tag, noai)."
        )
    at_extract = reserved_at_extract(record)
    if at_extract:
        lines.append(
            f"{at_extract:,} fetched pages whose response reserved them (TDMRep header or "
            f"meta tag, noai) were left out at extraction (run.json: rejected_by_reason "
            f"{TDM_REASON})."
        )
    tdm = [f for f in filters if f["category"] == "legal"]
    for f in tdm:
        before = " more" if at_extract else ""
        lines.append(
            f"Filter `{f['id']}` v{f['version']} ({f['action']}) removed {f['removed']:,}"
            f"{before} documents: {f['rationale']}"
        )
    return " ".join(lines)


def reserved_at_extract(record: dict[str, Any]) -> int:
    """Pages that stages before the filters left out for a TDM reservation, as run.json
    counts them (the filters' own removals are counted with the filters)."""
    return sum(
        stage.get("rejected_by_reason", {}).get(TDM_REASON, 0)
        for name, stage in record.get("stages", {}).items()
        if name != "filter"
    )


def _general(stats: dict[str, Any], size: dict[str, Any], last: str | None) -> list[dict]:
    total, languages = stats["total"], stats["languages"]
    by_size = sorted(languages.items(), key=lambda kv: -kv[1]["bytes"])
    share = [round(100.0 * f["bytes"] / (total["bytes"] or 1), 2) for _, f in by_size]
    rows = [
        [code, language_name(code), f["docs"], f["bytes"], pct]
        for (code, f), pct in zip(by_size, share, strict=True)
    ]
    caveat = "" if size["certain"] else "; near a range boundary: confirm with the tokenizer"
    return [
        _field("Provider name and contact details", to_fill("name, address, contact"), fill=True),
        _field("Authorised representative", to_fill("if established outside the EU"), fill=True),
        _field("Versioned model name(s)", to_fill("the model(s) trained on this data"), fill=True),
        _field("Model dependencies", to_fill("the base model if fine-tuned, else none"), fill=True),
        _field("Date of placement on the Union market", to_fill("DD/MM/YYYY"), fill=True),
        _field("Modalities", "Text (this corpus holds text only)"),
        _field(
            "Training data size (text)",
            f"{size['band']} (about {size['tokens']:,} tokens, {size['method']}{caveat})",
        ),
        _field(
            "Types of content",
            f"Web pages: the main text of HTML pages, boilerplate removed "
            f"({total['docs']:,} documents, {total['words']:,} words).",
        ),
        _field("Latest date of data collection", _month(last) or to_fill("MM/YYYY"), fill=not last),
        _field("Is data collection continuing?", to_fill("yes / no, for this model"), fill=True),
        _field(
            "Linguistic characteristics",
            f"{len(languages)} languages, largest first:",
            {"columns": ["code", "language", "documents", "bytes", "share %"], "rows": rows},
        ),
    ]


def _crawled(
    record: dict[str, Any], stats: dict[str, Any], crawler: dict[str, Any], period: tuple
) -> list[dict]:
    log: CrawlLog | None = crawler["log"]
    agents, first, last = crawler["user_agents"], *period
    names = "; ".join(agents) + (f" (from {crawler['found_in']})" if agents else "")
    names = names or to_fill("crawler name and user-agent")
    if crawler["software"]:
        names += f"; WARC files written by: {'; '.join(crawler['software'])}"
    behaviour = _behaviour(crawler, stats["filters"], record)
    inputs = record.get("inputs", [])
    domains = crawler["domains"]
    return [
        _field(
            "Were crawlers used by the provider or on its behalf?",
            "Yes: this run's crawl log" if log else to_fill("yes / no: who crawled the inputs?"),
            fill=log is None,
        ),
        _field(
            "Crawler name(s) / identifier(s)",
            names,
            fill=not agents,
        ),
        _field(
            "Purposes of the crawler(s)",
            "Collecting public web pages as training data for language models"
            if log
            else to_fill("purposes of the crawler(s)"),
            fill=log is None,
        ),
        _field(
            "General description of crawler behaviour",
            behaviour if log else f"{behaviour} {to_fill('robots.txt, logins, paywalls')}".strip(),
            fill=log is None,
        ),
        _field(
            "Period of data collection",
            f"{first} to {last}" if first and last else to_fill("from - to"),
            fill=not (first and last),
        ),
        _field(
            "Type of content and online sources crawled",
            f"Public web pages from {stats['total']['domains']:,} domains in "
            f"{len(stats['languages'])} languages, read from {len(inputs)} input file(s) of "
            f"{sum(i.get('bytes', 0) for i in inputs):,} bytes.",
        ),
        _field(
            "Most relevant domain names",
            f"The {domains['rule']} ({domains['listed']:,} of {domains['domains_total']:,}), "
            f"ranked by {domains['measure']}:",
            {
                "columns": ["rank", "domain", "bytes", "documents", "share %"],
                "rows": [
                    [d["rank"], d["domain"], d["bytes"], d["documents"], d["share_pct"]]
                    for d in domains["domains"]
                ],
            },
        ),
    ]


def _opt_outs(
    stats: dict[str, Any], crawler: dict[str, Any], record: dict[str, Any], optouts: dict[str, Any]
) -> list[dict]:
    behaviour = _behaviour(crawler, stats["filters"], record)
    if any(r["where"] != "crawl" for r in optouts["by_signal"]):
        ingested = (
            "Documents from inputs we did not crawl are checked for the opt-outs archived in "
            "each response (tdm-reservation and X-Robots-Tag headers, tdm-reservation and "
            "robots noai meta tags) and against each host's robots.txt, ai.txt and tdmrep.json "
            "(read once per host, for the AI crawler tokens of the opt-out manifest)."
        )
        behaviour = " ".join(filter(None, [behaviour, ingested]))
    rows = [[f"{r['signal']} ({r['where']})", r["documents"]] for r in optouts["by_signal"]]
    rows += [
        [f"filter {f['id']}", f["removed"]] for f in stats["filters"] if f["category"] == "legal"
    ]
    inputs = [[r["input"], r["documents"]] for r in optouts["by_input"]]
    fields = [
        _field(
            "Measures to honour text-and-data-mining opt-outs",
            behaviour or to_fill("measures taken before and during collection"),
            fill=not behaviour,
        ),
        _field(
            "Opt-out statistics",
            "Pages reserved or disallowed by their publisher, by signal and where it was seen "
            "(crawl: our crawler; archived: the archived response; live or snapshot: the "
            "host's policy files), and documents removed by legal filters:"
            if rows
            else to_fill("no crawl log, no opt-out check and no legal filter in this run"),
            {"columns": ["signal (where)", "pages"], "rows": rows} if rows else None,
            fill=not rows,
        ),
    ]
    if inputs:
        fields.append(_field(
            "Opt-outs by input file",
            "Documents removed for an opt-out, per input file:",
            {"columns": ["input", "documents"], "rows": inputs},
        ))  # fmt: skip
    fields.append(
        _field(
            "Signatory of the General-Purpose AI Code of Practice?", to_fill("yes / no"), fill=True
        )
    )
    return fields


def _illegal(stats: dict[str, Any]) -> list[dict]:
    filters = [f for f in stats["filters"] if f["category"] in ("ethics", "legal", "privacy")]
    columns = ["manifest", "version", "category", "action", "removed", "redacted", "rationale"]
    rows = [
        [f["id"], f["version"], f["category"], f["action"], f["removed"],
         sum(f["redacted"].values()), f["rationale"]]
        for f in filters
    ]  # fmt: skip
    return [
        _field(
            "Filters in force",
            "Each declared in a governance manifest (id, version, sha256 in run.json):"
            if filters
            else "No ethics, legal or privacy filter ran in this pipeline.",
            {"columns": columns, "rows": rows} if filters else None,
        ),
        _takedowns(stats),
    ]


def _takedowns(stats: dict[str, Any]) -> dict:
    """Notice-and-action: the takedown requests this corpus has honoured."""
    t = stats.get("takedowns")
    if not t:
        return _field("Other measures", to_fill("e.g. notice-and-action, human review"), fill=True)
    rows = [[reason, r["requests"], r["documents"]] for reason, r in t["by_reason"].items()]
    return _field(
        "Other measures",
        f"Takedown requests (notice-and-action, GDPR article 17) are honoured with `leam "
        f"takedown`: {t['requests']:,} request(s) removed {t['documents']:,} documents from the "
        "shards and token files; each is recorded in the run's takedowns.jsonl.",
        {"columns": ["reason", "requests", "documents"], "rows": rows},
    )


def _other(stats: dict[str, Any]) -> list[dict]:
    rows = [
        [s["stage"], s["in"], s["out"], s["removed"], s["removed_pct"]] for s in stats["stages"]
    ]
    return [
        _field(
            "Processing steps",
            "Documents in, out and removed at each stage of the pipeline:",
            {"columns": ["stage", "in", "out", "removed", "removed %"], "rows": rows},
        )
    ]


def _elsewhere(label: str, hint: str = "") -> dict:
    return _field(
        label, to_fill(f"{hint}this corpus holds none; add any used for the model"), fill=True
    )


def summary(run_dir: RunDir, record: dict[str, Any], sme: bool = False) -> dict[str, Any]:
    """The summary as data: sections of fields (label, text, optional table, to_fill)."""
    stats = build_stats(run_dir, record)
    size = token_size(stats["total"])
    log = read_crawl_log(run_dir, record)
    crawler = {**_crawler(record, log), "domains": top_domains(run_dir, sme)}
    optouts = optout_figures(run_dir, record)
    dates = stats["total"]["crawl_dates"]
    first = log.first_fetch if log and log.first_fetch else dates["first"]
    last = log.last_fetch if log and log.last_fetch else dates["last"]
    public_hint = "name it if the input files come from one (e.g. a Common Crawl snapshot); "
    sections = [
        ("1", "General information", _general(stats, size, last)),
        ("2.1", "Publicly available datasets", [_elsewhere("Datasets", public_hint)]),
        ("2.2", "Private datasets obtained from third parties", [_elsewhere("Datasets")]),
        (
            "2.3",
            "Data crawled and scraped from online sources",
            _crawled(record, stats, crawler, (first, last)),
        ),
        ("2.4", "User data", [_elsewhere("User data")]),
        ("2.5", "Synthetic data", [_elsewhere("Synthetic data")]),
        ("2.6", "Other sources of data", [_elsewhere("Other sources")]),
        (
            "3.1",
            "Respect of reservation of rights from the text and data mining exception",
            _opt_outs(stats, crawler, record, optouts),
        ),
        ("3.2", "Removal of illegal content", _illegal(stats)),
        ("3.3", "Other information", _other(stats)),
    ]
    return {
        "template": TEMPLATE,
        "run_id": record["run_id"],
        "generated": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "figures": {
            "size": size,
            "languages": sorted(stats["languages"]),
            "collection_period": {"first": first, "last": last},
            "crawler_user_agents": crawler["user_agents"],
            "crawl_log": vars(log) if log else None,
            "opt_outs": optouts,
            "takedowns": stats.get("takedowns"),
            "domains": crawler["domains"],
        },
        "sections": [{"id": i, "title": t, "fields": f} for i, t, f in sections],
    }
