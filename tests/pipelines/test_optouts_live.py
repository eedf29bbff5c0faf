"""The stage `optouts` on documents we did not crawl: hosts on 127.0.0.1 with every policy
signal, each policy file fetched once per host; an offline run from the snapshot decides
exactly as the live run; the cache is shared across runs; `leam optouts fetch|show|diff`."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner
from warcio.warcwriter import WARCWriter

from leam.corpus.cli.app import app
from leam.corpus.rundir import write_parquet_atomic
from leam.corpus.schema import DOC_SCHEMA, doc_id, empty_doc
from leam.pipelines.crawl.localsite import Reply, SiteServer
from leam.pipelines.optouts.agents import default_path, load_policy
from leam.pipelines.optouts.decide import host_decision
from leam.pipelines.optouts.live import LiveOptions, fetch_policies
from leam.pipelines.presets import load_pipeline
from tests.sample_warc import render_html, sample_pages, write_response

runner = CliRunner()
TEXT = "text/plain; charset=utf-8"
JSON = "application/json"


def _file(body: str, ctype: str = TEXT, status: int = 200) -> Reply:
    return Reply(status, body.encode(), [("Content-Type", ctype)])


# One host per signal; (path, expected signal, expected token) per document.
SITES = [
    ({"/robots.txt": _file("User-agent: GPTBot\nDisallow: /private/\n"),
      "/.well-known/tdmrep.json": _file('[{"location": "/tdm/*", "tdm-reservation": 1}]', JSON)},
     [("/a.html", None, None), ("/private/x.html", "robots_txt", "GPTBot"),
      ("/tdm/y.html", "tdmrep_json", None)]),
    ({"/robots.txt": _file("busy", status=503)}, [("/a.html", "robots_txt", "*")]),
    ({"/.well-known/tdmrep.json": _file("{not json", JSON)}, [("/a.html", "tdmrep_json", None)]),
    ({"/ai.txt": _file("User-agent: *\nDisallow: /\n")}, [("/a.html", "ai_txt", "LEAMbot")]),
    ({}, [("/a.html", None, None)]),  # no policy file at all (404s)
    ({"/robots.txt": _file("User-agent: CCBot\nDisallow: /\n")},
     [("/a.html", "robots_txt", "CCBot")]),
    ({"/ai.txt": _file("gone", status=503)}, [("/a.html", None, None)]),  # ai.txt: ignored
]  # fmt: skip


def _docs(server: SiteServer) -> list[dict]:
    docs = []
    for i, (_, pages) in enumerate(SITES):
        for path, _, _ in pages:
            url = server.url(i, path)
            docs.append(empty_doc(id=doc_id(url, "r"), url=url, text="words " * 20, lang="en"))
    return docs


def _run(tmp_path: Path, name: str, inputs: list[Path], params: dict) -> Path:
    pipeline = {"name": "p", "stages": [{"stage": "optouts", "params": params}]}
    (tmp_path / f"{name}.yaml").write_text(json.dumps(pipeline))
    args = ["run", str(tmp_path / f"{name}.yaml"), *map(str, inputs), "--runs-dir",
            str(tmp_path / "runs"), "--run-id", name, "-q"]  # fmt: skip
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    return tmp_path / "runs" / name


def _ledger(run: Path) -> dict[str, str]:
    files = sorted((run / "rejected" / "optouts").glob("*.parquet"))
    table = pa.concat_tables([pq.read_table(p) for p in files])
    assert set(table.column("reason").to_pylist()) == {"tdm_reservation"}
    return dict(zip(table.column("url").to_pylist(), table.column("detail").to_pylist(),
                    strict=True))  # fmt: skip


def _kept(run: Path) -> list[str]:
    files = sorted((run / "optouts").glob("part-*.parquet"))
    return sorted(u for p in files for u in pq.read_table(p).column("url").to_pylist())


@pytest.fixture(scope="module")
def live(ray_local, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("optouts")
    with SiteServer([site for site, _ in SITES]) as server:
        docs = _docs(server)
        inputs = [tmp / "in-0.parquet", tmp / "in-1.parquet"]
        write_parquet_atomic(docs[::2], DOC_SCHEMA, inputs[0])
        write_parquet_atomic(docs[1::2], DOC_SCHEMA, inputs[1])
        params = {"allow_private": True, "delay_s": 0.0, "retries": 0,
                  "cache_dir": str(tmp / "cache")}  # fmt: skip
        run = _run(tmp, "live", inputs, params)
        hits = list(server.hits)
        again = _run(tmp, "again", inputs, params)  # same cache: no request
        assert len(server.hits) == len(hits)
        urls = [server.url(i, p) for i, (_, pages) in enumerate(SITES) for p, _, _ in pages]
        expected = [(s, t) for _, pages in SITES for _, s, t in pages]
    return tmp, inputs, run, again, hits, urls, expected


def test_every_signal_decides_its_documents(live):
    _, _, run, _, _, urls, expected = live
    ledger = _ledger(run)
    for url, (signal, token) in zip(urls, expected, strict=True):
        if signal is None:
            assert url not in ledger, url
            continue
        detail = ledger[url]
        assert detail.startswith(f"{signal} source=live"), detail
        assert (f"token={token} " in detail) if token else "token=" not in detail
        assert "date=20" in detail
    assert _kept(run) == sorted(u for u, (s, _) in zip(urls, expected, strict=True) if not s)
    record = json.loads((run / "run.json").read_text())
    counters = record["stages"]["optouts"]["counters"]
    assert counters["optout.live.robots_txt"] == 3 and counters["optout.live.tdmrep_json"] == 2
    assert counters["optout.live.ai_txt"] == 1
    prepared = record["stages"]["optouts"]["prepared"]
    assert prepared["hosts"] == len(SITES) and prepared["fetched"] == len(SITES)
    assert prepared["robots_unreachable"] == 0  # the 503 is an answer


def test_each_policy_file_is_fetched_once_per_host(live):
    hits = live[4]
    paths = [(h.host, h.path) for h in hits]
    assert len(paths) == len(set(paths)) == 3 * len(SITES)
    assert all(h.user_agent.startswith("LEAMbot/") for h in hits)


def test_cache_is_shared_across_runs(live):
    again = live[3]
    prepared = json.loads((again / "run.json").read_text())["stages"]["optouts"]["prepared"]
    assert prepared["fetched"] == 0 and prepared["from_cache"] == len(SITES)
    assert _ledger(again).keys() == _ledger(live[2]).keys()


def test_offline_run_from_the_snapshot_equals_the_live_run(live):
    tmp, inputs, run, _, _, _, _ = live
    snapshot = run / "optouts" / "_work" / "snapshot.json"
    offline = _run(tmp, "offline", inputs, {"snapshot": str(snapshot)})  # the server is gone
    assert _kept(offline) == _kept(run)
    online, replayed = _ledger(run), _ledger(offline)
    assert replayed.keys() == online.keys()
    for url, detail in online.items():
        assert replayed[url] == detail.replace("source=live", "source=snapshot")


def test_cli_fetch_show_diff(live, tmp_path):
    run = live[2]
    with SiteServer([site for site, _ in SITES]) as server:
        urls = tmp_path / "urls.txt"
        urls.write_text(f"# hosts\n{server.url(0, '/x')}\n{server.url(5, '/')}\n")
        out = tmp_path / "snap.json"
        args = ["optouts", "fetch", str(urls), "-o", str(out), "--allow-private", "--delay", "0",
                "--no-cache"]  # fmt: skip
        result = runner.invoke(app, args)
        assert result.exit_code == 0, result.output
        assert "2 host(s), 2 fetched" in result.output
    shown = json.loads(runner.invoke(app, ["optouts", "show", str(out), "--json"]).output)
    assert shown[server.url(5, "")]["robots_txt"].endswith("disallows / for CCBot")
    assert "tdmrep.json HTTP 200; no rule for /" in shown[server.url(0, "")]["tdmrep_json"]
    first = run / "optouts" / "_work" / "snapshot.json"
    result = runner.invoke(app, ["optouts", "diff", str(first), str(out)])
    assert result.exit_code == 0
    assert "removed: " in result.output and "added: " in result.output  # other ports now
    assert runner.invoke(app, ["optouts", "diff", str(out), str(out)]).output.strip() == "no change"
    bad = tmp_path / "bad.txt"
    bad.write_text("ftp://x\n")
    result = runner.invoke(app, ["optouts", "fetch", str(bad), "-o", str(tmp_path / "b.json")])
    assert result.exit_code == 2 and "not an http(s) URL: 'ftp://x'" in result.output


def test_ingest_adds_the_stage_after_extract(live, tmp_path):
    """`leam ingest` runs the stage optouts after extract (here from the live run's snapshot,
    over a WARC file of pages on the same hosts)."""
    names = [s.name for s in load_pipeline("eu24", {}).stages]
    assert names[:3] == ["extract", "optouts", "langid"]
    assert [s.name for s in load_pipeline("eu24").stages][:2] == ["extract", "langid"]

    _, _, run, _, _, urls, expected = live
    warc = tmp_path / "dump.warc.gz"
    with warc.open("wb") as f:
        writer = WARCWriter(f, gzip=True)
        for url, page in zip(urls, sample_pages(["de"], len(urls)), strict=True):
            write_response(writer, url, render_html(page).encode(), "text/html; charset=utf-8")
    (tmp_path / "p.yaml").write_text(json.dumps(
        {"name": "p", "stages": [{"stage": "extract", "params": {"fallback": False}}]}))
    snapshot = run / "optouts" / "_work" / "snapshot.json"
    args = ["ingest", str(warc), "--pipeline", str(tmp_path / "p.yaml"), "--optout-snapshot",
            str(snapshot), "--runs-dir", str(tmp_path / "runs"), "--run-id", "i", "-q"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    ledger = _ledger(tmp_path / "runs" / "i")
    assert sorted(ledger) == sorted(u for u, (s, _) in zip(urls, expected, strict=True) if s)
    assert all(" source=snapshot " in d for d in ledger.values())


def test_the_optout_manifest_is_strict(tmp_path):
    policy = load_policy()
    assert policy.tokens[0] == "LEAMbot" and "GPTBot" in policy.tokens
    assert policy.fails_closed("robots_txt") and not policy.fails_closed("ai_txt")
    text = default_path().read_text()
    bad = tmp_path / "a.yaml"
    bad.write_text(text.replace("cache_ttl_days: 7", "cache_ttl_days: 7\nextra: 1"))
    with pytest.raises(ValueError, match=r"a\.yaml: extra: Extra inputs"):
        load_policy(bad)
    bad.write_text(text.replace("  ai_txt: ignore\n", ""))
    with pytest.raises(ValueError, match="on_failure: give a rule for ai_txt"):
        load_policy(bad)
    ours = "    rationale: our own crawler's token (pipelines/crawl/options.py)\n"
    bad.write_text(text.replace(ours, ""))
    with pytest.raises(ValueError, match=r"agents\.0\.rationale"):
        load_policy(bad)


def test_loopback_is_refused_unless_allowed_and_then_reserves_the_host():
    """The crawler's address rule holds: no request to 127.0.0.1 without allow_private; a
    robots.txt that could not be asked for reserves the host (the manifest's failure rule)."""
    with SiteServer([{"/robots.txt": _file("User-agent: *\nAllow: /\n")}]) as server:
        origin = server.url(0, "")
        hosts, fetched = fetch_policies([origin], LiveOptions(delay_s=0.0, retries=0))
        assert server.hits == [] and fetched == 1
    robots = hosts[origin]["/robots.txt"]
    assert robots.status is None and "loopback" in (robots.error or "")
    decision = host_decision(hosts[origin], origin + "/a", load_policy(), "live")
    assert decision is not None and decision.signal == "robots_txt" and decision.token == "*"
