"""`leam crawl` against a real HTTP server on 127.0.0.1, then extract + langid on its WARC.

What was and was not fetched is asserted from the server's own request log; the decisions
from the crawl log. No traffic leaves 127.0.0.1: the one URL elsewhere (a redirect to
169.254.169.254) is refused before any connection.
"""

from __future__ import annotations

import itertools
import json
from collections import Counter, defaultdict
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner
from warcio.archiveiterator import ArchiveIterator

from leam.corpus.cli.app import app
from leam.pipelines.crawl.localsite import SiteServer
from leam.pipelines.crawl.options import ROBOTS_TOKEN
from tests import crawlsite
from tests.crawlsite import A_NEVER, B_CRAWL_DELAY, B_NEVER, MAX_BYTES, A, B, C, D

runner = CliRunner()
PIPELINE = "name: crawl-test\nstages:\n  - stage: extract\n  - stage: langid\n"


@pytest.fixture(scope="module")
def crawled(ray_local, tmp_path_factory):
    """One crawl of the test web through the CLI; yields (server, run directory)."""
    runs = tmp_path_factory.mktemp("runs")
    sites = crawlsite.build_sites()
    with SiteServer(sites) as server:
        crawlsite.link(sites, server.hosts)
        seeds = runs / "seeds.txt"
        seeds.write_text(f"# test seeds\n{server.url(A)}\n{server.url(B)}\n\n{server.url(D)}\n")
        args = [
            "crawl",
            str(seeds),
            "--runs-dir",
            str(runs),
            "--run-id",
            "c",
            "-q",
            "--allow-private",
            "--scope",
            "any",
            "--max-depth",
            "2",
            "--delay",
            "0.05",
            "--timeout",
            "1",
            "--retries",
            "1",
            "--backoff",
            "0.05",
            "--max-bytes",
            str(MAX_BYTES),
        ]
        result = runner.invoke(app, args)
        assert result.exit_code == 0, result.output
        yield server, runs / "c"


def _log(run_dir: Path) -> dict[str, dict]:
    rows = pq.ParquetDataset(sorted(map(str, (run_dir / "crawl" / "log").glob("*.parquet"))))
    table = rows.read().to_pylist()
    assert len(table) == len({r["url"] for r in table}), "a URL was decided twice"
    return {r["url"]: r for r in table}


def _paths(server: SiteServer, site: int) -> Counter[str]:
    return Counter(h.path for h in server.hits_of(site))


def test_what_was_and_was_not_fetched(crawled):
    server, _ = crawled
    a, b, c, d = (_paths(server, s) for s in (A, B, C, D))
    for path, why in A_NEVER.items():
        assert path not in a, f"{path} was fetched despite {why}"
    for path, why in B_NEVER.items():
        assert path not in b, f"{path} was fetched despite {why}"
    assert a["/private/open.html"] == 1  # Allow beats the shorter Disallow (RFC 9309)
    assert a["/found-in-broken.html"] == 1  # a link found in broken HTML
    assert a["/slow"] == 2 and a["/error"] == 2  # retried once, then given up
    assert a["/busy"] == 2  # 429, then 200 after Retry-After
    assert all(a[p] == 1 for p in a if p not in ("/slow", "/error", "/busy")), a
    assert b["/from-a.html"] == 1  # cross-host redirect, fetched by B's partition
    assert a["/robots.txt"] == b["/robots.txt"] == d["/robots.txt"] == 1  # cached per host
    assert set(c) == {"/robots.txt"} and c["/robots.txt"] == 2  # 503, retried: disallow all
    assert set(d) == {"/robots.txt", "/ai.txt", "/.well-known/tdmrep.json"}  # all reserved
    agents = {h.user_agent for h in server.hits}
    assert len(agents) == 1 and agents.pop().startswith(f"{ROBOTS_TOKEN}/")


def test_per_host_delay_held(crawled):
    server, _ = crawled
    for site, delay in ((A, 0.05), (B, B_CRAWL_DELAY), (C, 0.05)):
        times = sorted(h.at for h in server.hits_of(site))
        gaps = [t2 - t1 for t1, t2 in itertools.pairwise(times)]
        assert gaps and min(gaps) >= delay - 0.01, (site, min(gaps))
    busy = sorted(h.at for h in server.hits_of(A) if h.path == "/busy")
    assert busy[1] - busy[0] >= 0.95  # Retry-After: 1


def test_crawl_log_records_each_decision(crawled):
    server, run_dir = crawled
    log = _log(run_dir)
    a, b = server.url(A), server.url(B)

    def row(url: str) -> dict:
        return log[url]

    expect = {
        a + "private/secret.html": ("disallowed", "robots_txt"),
        a + "leambot-only/x.html": ("disallowed", "robots_txt"),
        a + "tdm-header.html": ("reserved", "tdm_header"),
        a + "tdm-meta.html": ("reserved", "tdm_meta"),
        a + "noai-meta.html": ("reserved", "meta_robots_noai"),
        a + "noai-header.html": ("reserved", "x_robots_noai"),
        a + "noimageai.html": ("allowed", None),
        b + "reserved/a.html": ("reserved", "tdmrep_json"),
        b + "ai-blocked/b.html": ("disallowed", "ai_txt"),
        server.url(C): ("disallowed", "robots_txt"),
        server.url(D): ("reserved", "tdmrep_json"),
        crawlsite.PRIVATE_TARGET: ("refused", "link_local_address"),
    }
    for url, (decision, signal) in expect.items():
        assert (row(url)["decision"], row(url)["signal"]) == (decision, signal), url
    for url in (b + "reserved/a.html", server.url(D), crawlsite.PRIVATE_TARGET):
        assert not row(url)["fetched"] and row(url)["status"] is None
    for url in (a + "tdm-header.html", a + "noai-meta.html"):
        assert row(url)["fetched"] and row(url)["warc_file"] and row(url)["status"] == 200
    assert row(a + "tdm-header.html")["tdm_policy"] == "https://a.example/policy.json"
    assert row(b + "reserved/a.html")["tdm_policy"] == "https://shop.example/tdm-policy.json"
    assert "unreadable" in row(server.url(D))["detail"]
    assert "503" in row(server.url(C))["detail"]
    assert "noimageai" in row(a + "noimageai.html")["detail"]
    assert "169.254.169.254" in row(crawlsite.PRIVATE_TARGET)["detail"]
    assert row(a + "redirect-private")["redirect_to"] == crawlsite.PRIVATE_TARGET
    assert row(a + "redirect")["status"] == 301
    assert row(a + "redirect")["redirect_to"] == a + "fr/page-000.html"
    assert row(a + "redirect-other")["redirect_to"] == b + "from-a.html"
    assert row(a + "missing")["status"] == 404 and row(a + "missing")["decision"] == "allowed"
    assert row(a + "error")["status"] == 500 and row(a + "error")["attempts"] == 2
    assert row(a + "busy")["status"] == 200 and row(a + "busy")["attempts"] == 2
    slow = row(a + "slow")
    assert slow["status"] is None and "timeout" in slow["error"] and slow["attempts"] == 2
    for path in ("huge.html", "bomb.html"):
        assert row(a + path)["truncated"] and row(a + path)["bytes"] == MAX_BYTES, path
    assert row(a + "bomb.html")["wire_bytes"] < 200_000  # cut long before 50 MB
    assert row(a + "data")["warc_file"] is None and "not text" in row(a + "data")["detail"]
    assert row(a + "latin2.html")["charset"] == "iso8859-2"
    assert row(a + "brotli.html")["bytes"] > row(a + "brotli.html")["wire_bytes"]
    assert row(a + "deflate.html")["status"] == 200 and row(a + "deflate.html")["bytes"] > 1000
    assert row(a + "nofollow.html")["links"] == 0
    assert all(r["decided_at"] for r in log.values())
    fetched = [r for r in log.values() if r["fetched"] and r["status"] is not None]
    assert all(r["fetched_at"] and r["elapsed_s"] is not None for r in fetched)


def test_run_record_holds_the_crawl(crawled):
    _, run_dir = crawled
    record = json.loads((run_dir / "run.json").read_text())
    crawl = record["crawl"]
    assert crawl["status"] == "complete" and crawl["urls_pending"] == 0
    assert crawl["user_agent"].startswith(ROBOTS_TOKEN) and crawl["rounds"] >= 2
    assert crawl["by_decision"]["reserved"]["tdm_header"] == 1
    assert sum(n for s in crawl["by_decision"].values() for n in s.values()) == len(_log(run_dir))


def test_hosts_stay_in_one_partition(crawled):
    """Work is partitioned by host: every record of a host is in its partition's files."""
    _, run_dir = crawled
    files = defaultdict(set)
    for r in _log(run_dir).values():
        if r["warc_file"]:
            files[r["host"]].add(r["warc_file"].rsplit("-", 1)[0])
    assert files and all(len(prefixes) == 1 for prefixes in files.values())


def test_warc_reads_back_with_warcio(crawled):
    _, run_dir = crawled
    log = _log(run_dir)
    by_place = {(r["warc_file"], r["warc_offset"]): r for r in log.values() if r["warc_file"]}
    seen = 0
    for path in sorted((run_dir / "crawl" / "warc").glob("*.warc.gz")):
        types: Counter[str] = Counter()
        with path.open("rb") as f:
            it = ArchiveIterator(f, check_digests=True)
            for rec in it:
                types[rec.rec_type] += 1
                if rec.rec_type == "response":
                    row = by_place[(path.name, it.offset)]
                    assert rec.rec_headers.get_header("WARC-Target-URI") == row["url"]
                    body = rec.content_stream().read()
                    assert len(body) == row["bytes"]
                    truncated = rec.rec_headers.get_header("WARC-Truncated")
                    assert (truncated == "length") == row["truncated"]
                    seen += 1
        assert types["warcinfo"] == 1 and types["response"] == types["request"] > 0
    assert seen == len(by_place)
    policies = list((run_dir / "crawl" / "policy").glob("*.warc.gz"))
    assert policies  # robots.txt, ai.txt and tdmrep.json as fetched


def test_warc_reads_back_with_datatrove(crawled):
    pytest.importorskip("magic", reason="datatrove's WarcReader needs python-magic (libmagic)")
    pytest.importorskip("cchardet", reason="datatrove's WarcReader needs faust-cchardet")
    from datatrove.pipeline.readers import WarcReader

    server, run_dir = crawled
    docs = list(WarcReader(str(run_dir / "crawl" / "warc")).run())
    stored = {r["url"] for r in _log(run_dir).values() if r["warc_file"]}
    read = {d.metadata["url"] for d in docs}  # WarcReader keeps HTML responses only
    pages = {server.url(A, p) for p in crawlsite._lang_pages(crawlsite.A_LANGS)}
    pages |= {server.url(B, p) for p in crawlsite._lang_pages(crawlsite.B_LANGS)}
    assert pages <= read <= stored
    assert all(
        d.text.lstrip().startswith("<!DOCTYPE html>") for d in docs if d.metadata["url"] in pages
    )


def test_crawl_then_extract_and_langid(crawled, tmp_path):
    server, run_dir = crawled
    pipeline = tmp_path / "crawl-test.yaml"
    pipeline.write_text(PIPELINE)
    warcs = str(run_dir / "crawl" / "warc")
    args = ["run", str(pipeline), warcs, "--runs-dir", str(run_dir.parent), "--run-id", "c", "-q"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    record = json.loads((run_dir / "run.json").read_text())
    assert record["crawl"]["user_agent"].startswith(ROBOTS_TOKEN)  # the crawl's record kept
    extract = record["stages"]["extract"]
    assert extract["reconciled"]
    assert extract["rejected_by_reason"]["tdm_reservation"] == 4  # reserved in the response
    ledger = pq.ParquetDataset([str(p) for p in (run_dir / "rejected" / "extract").glob("*")])
    reserved = [r for r in ledger.read().to_pylist() if r["reason"] == "tdm_reservation"]
    assert {r["detail"] for r in reserved} == {
        "tdm_header",
        "tdm_meta",
        "meta_robots_noai",
        "x_robots_noai",
    }
    assert extract["rejected_by_reason"]["http_status"] >= 3  # 301s, 404, 500
    langs = record["stages"]["langid"]["out_by_lang"]
    expected = {*crawlsite.A_LANGS, *crawlsite.B_LANGS, "it", "fi", "et", "pl"}
    assert expected <= set(langs), langs
    docs = pq.ParquetDataset([str(p) for p in (run_dir / "langid").glob("*.parquet")]).read()
    texts = {d["url"]: d["text"] for d in docs.to_pylist()}
    latin2 = texts[server.url(A, "/latin2.html")]
    assert any(ch in latin2 for ch in "ąęłńśźż")  # decoded from ISO-8859-2


def test_crawl_and_ingest_explain_themselves():
    for command in ("crawl", "ingest"):
        result = runner.invoke(app, [command, "--help"])
        assert result.exit_code == 0 and "Usage" in result.output and len(result.output) > 500
