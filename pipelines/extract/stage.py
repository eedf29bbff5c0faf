"""Stage `extract`: WARC/WET records → documents with main text, title, date and provenance.

    leam extract crawl.warc.gz --run-id my-run

HTML responses go through trafilatura (precision-oriented by default, as FineWeb does); WET
conversion records are already text. Every record that does not become a document is
counted and sent to the ledger with what is wrong: `http_status`, `not_html`, `too_large`,
`undecodable`, `extract_timeout`, `extract_error`, `no_text`. A damaged span of a WARC file
(pipelines/extract/warcframe.py) is one ledger row with its offset and `skipped_bytes`, under
the reason that names the damage (`bad_gzip`, `truncated`, `bad_warc_header`, `bad_length`,
`bad_digest`, `garbage`); the records around it are read as usual. The task's marker holds
the file's size and the bytes read and skipped: they must add up.

WARC files written by `leam crawl` come with a crawl log; pages it marks reserved (a TDM
reservation or `noai` that showed only in the response) go to the ledger as
`tdm_reservation`, with the signal that reserved them, before any text is extracted.
WARC files of any other origin (Common Crawl, a partner's crawl) are checked for the same
signals archived in each response (`archived_optouts`, on by default): the tdm-reservation
and X-Robots-Tag noai headers, the tdm-reservation and robots noai meta tags, for every
token of the opt-out manifest (pipelines/optouts). The ledger row's detail names the signal,
the token, the source `archived` and the record's date; run.json counts
`optout.archived.<signal>`. Archived robots.txt, ai.txt and tdmrep.json responses go to the
ledger as `policy_file` with their body, where the stage `optouts` finds them.

`prefilter` runs filters that judge the URL alone (url_blocklist) before trafilatura, so a
page they would drop later is never extracted: the ledger row is the one the filter stage
writes (reason, filter id and version, signals), under the stage `extract`.

    - stage: extract
      params:
        prefilter: {filters: [url_blocklist]}
        language_precheck: {min_score: 0.9}   # see pipelines/lid_precheck.py
        survival_precheck: {}   # see pipelines/extract/survival.py
        skip_duplicate_payloads: true

`skip_duplicate_payloads` extracts each payload once per WARC file (by WARC-Payload-Digest,
or the same sha1 computed when the header is missing): later copies go to the ledger as
`duplicate_payload`, naming the URL that was kept. The first copy in file order stays,
where the dedup stage would keep the earliest crawled, then the smallest id; copies in
other files are left to the dedup stage. `extractor: resiliparse` and `fallback: false` trade text
quality for speed (pipelines/extractors.py says how much); `fallback: auto` gives the text of
`fallback: true` for a quarter less CPU (pipelines/extract/lazy_fallback.py).
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path, PurePosixPath
from typing import ClassVar
from urllib.parse import urlsplit

from lxml.html import HtmlElement
from pydantic import Field

from leam.corpus.inputfile import input_size
from leam.corpus.schema import doc_id, empty_doc
from leam.corpus.stage import NO_LANG, BaseStage, Context, Doc, StageInput, StageParams
from leam.pipelines.crawl.crawllog import reserved_records
from leam.pipelines.crawl.policyfile import MAX_POLICY_BYTES
from leam.pipelines.extract.decode import UndecodableError, decode_html, is_html
from leam.pipelines.extract.extractors import (
    Extractor,
    ExtractorName,
    Fallback,
    Resiliparse,
    Trafilatura,
)
from leam.pipelines.extract.parse import parse_html
from leam.pipelines.extract.survival import FILTER_ID, SurvivalParams, SurvivalPrecheck
from leam.pipelines.extract.warc import Damaged, OtherRecord, Record, iter_records
from leam.pipelines.filter import FilterStage, FilterStageParams
from leam.pipelines.lid.precheck import LanguagePrecheck, PrecheckParams
from leam.pipelines.optouts.agents import load_policy
from leam.pipelines.optouts.archived import POLICY_FILE, is_policy_url, response_decision


class ExtractParams(StageParams):
    extractor: ExtractorName = Field(
        "trafilatura", description="trafilatura, or resiliparse (about 20x faster, no dates)"
    )
    fallback: Fallback = Field(
        True,
        description="trafilatura: also try readability and jusText (half the cost); "
        "auto: only where they can change the text",
    )
    dates: bool = Field(True, description="trafilatura: publication dates with htmldate (~1 ms)")
    favor_precision: bool = Field(True, description="trafilatura: drop doubtful text")
    include_comments: bool = Field(False, description="keep user comments below articles")
    include_tables: bool = Field(True, description="keep text found in tables")
    # trafilatura's `deduplicate` drops paragraphs seen before *in the same process*: output
    # would then depend on which worker saw which page first. Dedup is its own stage.
    deduplicate: bool = Field(False, description="trafilatura's per-process duplicate removal")
    timeout_s: float = Field(5.0, gt=0, description="time limit per record")
    max_payload_bytes: int = Field(5_000_000, gt=0, description="larger pages are skipped")
    skip_duplicate_payloads: bool = Field(
        False, description="extract a payload once per WARC file; later copies go to the ledger"
    )
    prefilter: FilterStageParams | None = Field(
        None, description="URL-only filters (url_blocklist) applied before extraction"
    )
    language_precheck: PrecheckParams | None = Field(
        None, description="turn away pages certainly outside the target languages unextracted"
    )
    survival_precheck: SurvivalParams | None = Field(
        None, description="turn away pages whose whole text fails gopher_quality, unextracted"
    )
    archived_optouts: bool = Field(
        True, description="honour TDM reservations and noai archived in each response"
    )
    optout_manifest: str | None = Field(
        None, description="the opt-out manifest (AI tokens); default: the bundled one"
    )


_PREFILTERED = "prefiltered"  # the prefilter wrote the ledger row itself


class _Timeout(Exception):
    pass


@contextmanager
def _time_limit(seconds: float) -> Iterator[None]:
    """SIGALRM-based limit: trafilatura can spin for minutes on pathological HTML.

    Signals only work in the main thread (where Ray runs a task); elsewhere no limit.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def _raise(signum, frame):
        raise _Timeout

    previous = signal.signal(signal.SIGALRM, _raise)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def build_extractor(p: ExtractParams) -> Extractor:
    if p.extractor == "resiliparse":
        return Resiliparse(include_comments=p.include_comments, include_tables=p.include_tables)
    return Trafilatura(
        favor_precision=p.favor_precision,
        include_comments=p.include_comments,
        include_tables=p.include_tables,
        deduplicate=p.deduplicate,
        fallback=p.fallback,
        dates=p.dates,
    )


class ExtractStage(BaseStage):
    name: ClassVar[str] = "extract"
    Params: ClassVar[type[StageParams]] = ExtractParams
    reads: ClassVar[StageInput] = "warc"

    def __init__(self, params: ExtractParams) -> None:
        self.params = params
        self._prefilter: FilterStage | None = None
        self._precheck: LanguagePrecheck | None = None
        self._survival: SurvivalPrecheck | None = None
        self._extract = build_extractor(params)
        self._tokens: tuple[str, ...] = ()

    def setup(self) -> None:
        if self.params.archived_optouts:
            manifest = self.params.optout_manifest
            self._tokens = load_policy(Path(manifest) if manifest else None).tokens
        if self.params.language_precheck is not None:
            self._precheck = LanguagePrecheck(self.params.language_precheck)
        if self.params.survival_precheck is not None:
            self._survival = SurvivalPrecheck(self.params.survival_precheck)
        if self.params.prefilter is not None:
            self._prefilter = FilterStage(self.params.prefilter)
            self._prefilter.setup()

    def read(self, path: str, ctx: Context) -> Iterator[Doc]:
        """Yields one partial document per WARC record; the file name goes into provenance.
        Damaged spans go to the ledger; the file's size is measured apart from the reading,
        so that bytes the reader never saw would show as unreconciled."""
        warc_file = PurePosixPath(path).name
        size = input_size(path)  # raises for an input that cannot be opened: a failed task
        reserved = reserved_records(path)  # {record offset: signal}, from the crawl log
        read = 0
        for rec in iter_records(path, self.params.max_payload_bytes):
            if isinstance(rec, Damaged):
                source = {"warc_file": warc_file, "offset": rec.offset}
                ctx.skip_bytes(rec.reason, rec.length, source, rec.detail)
                continue
            read += rec.length
            if isinstance(rec, OtherRecord):
                ctx.count(f"records_{rec.rec_type}")
                continue
            ctx.count_in()
            yield {"_record": rec, "_warc_file": warc_file, "_reserved": reserved.get(rec.offset)}
        ctx.account_bytes(size, read)

    def run(self, docs: Iterator[Doc], ctx: Context) -> Iterator[Doc]:
        seen: dict[str, str] = {}  # payload digest -> URL of its first record in this task
        for item in docs:
            rec: Record = item["_record"]
            doc = empty_doc(
                id=doc_id(rec.url, rec.record_id),
                url=rec.url,
                domain=(urlsplit(rec.url).hostname or "").lower(),
                source={
                    "warc_file": item["_warc_file"],
                    "offset": rec.offset,
                    "record_id": rec.record_id,
                    "warc_date": rec.warc_date,
                },
            )
            if item.get("_reserved"):  # the rights holder reserved it: never extracted
                ctx.reject("tdm_reservation", doc, detail=item["_reserved"])
                continue
            reason, detail = self._fill(rec, doc, ctx, seen)
            if reason == _PREFILTERED:
                continue
            if reason:
                ctx.reject(reason, doc, detail=detail)
            else:
                yield ctx.kept(doc)

    def _fill(
        self, rec: Record, doc: Doc, ctx: Context, seen: dict[str, str]
    ) -> tuple[str | None, str]:
        """Puts text/title/date into doc; returns (reject reason, detail) when it can't."""
        if rec.rec_type == "response" and is_policy_url(rec.url):
            # robots.txt, ai.txt, tdmrep.json as another crawler archived them: not documents,
            # but the stage optouts reads them from this ledger (reason policy_file)
            doc["text"] = (rec.payload or b"")[:MAX_POLICY_BYTES].decode("utf-8", "replace")
            return POLICY_FILE, f"{rec.http_status} {rec.content_type}"
        if rec.http_status is not None and not 200 <= rec.http_status < 300:
            return "http_status", str(rec.http_status)
        if rec.payload is None:
            return "too_large", f"{rec.payload_size} bytes"
        if rec.rec_type == "conversion":  # WET: text already extracted
            doc["text"] = rec.payload.decode("utf-8", errors="replace").strip()
            return (None, "") if doc["text"] else ("no_text", "empty conversion record")
        if not is_html(rec.content_type, rec.payload):
            return "not_html", rec.content_type or "no content type"
        if self._tokens and (
            found := response_decision(
                rec.http_headers, rec.payload, rec.content_type, self._tokens, rec.warc_date
            )
        ):
            ctx.count(f"optout.{found.source}.{found.signal}")
            return "tdm_reservation", found.ledger_detail()
        if self._prefilter is not None and not self._prefilter.apply(doc, ctx):
            return _PREFILTERED, ""
        if self.params.skip_duplicate_payloads and rec.payload:  # an empty one is no_text later
            if first := seen.get(rec.payload_digest):
                return "duplicate_payload", f"{rec.payload_digest} as {first}"
            seen[rec.payload_digest] = rec.url
        try:
            html, _ = decode_html(rec.payload, rec.content_type)
        except UndecodableError as err:
            return "undecodable", str(err)
        if self._precheck is not None and (outside := self._precheck.outside(rec.payload, html)):
            doc["lang"], doc["lang_score"] = outside
            return "language", f"{outside[0]} {outside[1]:.2f} before extraction"
        try:
            with _time_limit(self.params.timeout_s):
                tree = None
                if self._survival is not None:
                    tree = parse_html(html)  # parsed once: the extractor gets the same tree
                    if tree is not None and self._turned_away(tree, doc, ctx):
                        return _PREFILTERED, ""
                result = self._extract(html, rec.url, tree)
        except _Timeout:
            return "extract_timeout", f"over {self.params.timeout_s}s"
        except Exception as err:  # lxml and trafilatura raise many kinds on odd HTML
            return "extract_error", f"{type(err).__name__}: {err}"
        if result is None:
            return "no_text", "not parseable as HTML"
        if not result.text:
            return "no_text", f"{self.params.extractor} found no main text"
        doc["text"], doc["title"], doc["date"] = result.text, result.title, result.date
        return None, ""

    def _turned_away(self, tree: HtmlElement, doc: Doc, ctx: Context) -> bool:
        """True when the page's whole text fails gopher_quality (ledger row written, as
        the filter stage writes it)."""
        assert self._survival is not None
        failed = self._survival.cannot_survive(tree)
        if failed is None:
            return False
        reason, signals = failed
        version = self._survival.params.filter_version
        bounds = "; ".join(f"{k}<={v:g}" for k, v in signals.items())
        ctx.count(f"{FILTER_ID}.removed.{NO_LANG}")
        ctx.reject(
            reason,
            doc,
            detail=f"{FILTER_ID} v{version} before extraction: the whole page has {bounds}",
            filter_id=FILTER_ID,
            filter_version=version,
            signals=signals,
        )
        return True
