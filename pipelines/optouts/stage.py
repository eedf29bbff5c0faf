"""Stage `optouts`: documents whose host reserves text and data mining go to the ledger,
for input we did not crawl (Common Crawl, a partner's WARC files).

    stages: [{stage: extract}, {stage: optouts}, {stage: langid}, ...]            # live
    stages: [..., {stage: optouts, params: {snapshot: policies.json}}, ...]      # offline

A global stage. `prepare` collects the origins (scheme://host[:port]) of every part, then
takes their robots.txt, ai.txt and tdmrep.json from the snapshot given, or fetches each
origin once (pipelines/optouts/live.py: the crawler's rules, a cache shared across runs),
and writes what it used to `optouts/_work/snapshot.json`: a reviewer can archive exactly
what was honoured, and a later run given that file decides the same without a network.
`run` then decides per URL (pipelines/optouts/decide.py, the opt-out manifest's AI tokens
and failure rules); a reserved document goes to the ledger as `tdm_reservation` with the
signal, the token, the source (live or snapshot) and the policy's date, and run.json counts
`optout.<source>.<signal>`. An origin missing from a snapshot is counted
(`optout.not_in_snapshot`): the snapshot says nothing of it. Policy files archived in the
input WARC files (extract's ledger, reason `policy_file`) are honoured as well, with the
source `archived` and their WARC-Date (`archived_policies`; optouts/_work/archived.json):
a reservation the publisher made when the page was collected counts as one made now.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar

from pydantic import Field, ValidationInfo, field_validator

from leam.corpus.rundir import RunDir, read_json, write_json_atomic
from leam.corpus.stage import (
    BaseStage,
    Context,
    Doc,
    ParallelMap,
    StageKind,
    StageParams,
    pipeline_path,
)
from leam.pipelines.crawl.options import DEFAULT_USER_AGENT
from leam.pipelines.crawl.policyfile import ROBOTS_TXT
from leam.pipelines.optouts import snapshot
from leam.pipelines.optouts.agents import OptoutPolicy, load_policy
from leam.pipelines.optouts.archived import captured_policies
from leam.pipelines.optouts.decide import host_decision
from leam.pipelines.optouts.hosts import origin_of, origins_of_part
from leam.pipelines.optouts.live import HostFiles, LiveOptions, PolicyCache, fetch_policies

SNAPSHOT = "snapshot.json"
ARCHIVED = "archived.json"  # policy files found in the inputs (extract's ledger), same format
PREPARED = "prepared.json"
HOSTS_PER_TASK = 64  # origins one worker fetches (concurrently) in a live run


class OptoutsParams(StageParams):
    snapshot: str | None = Field(
        None, description="a policy snapshot (leam optouts fetch) to use instead of the network"
    )
    manifest: str | None = Field(None, description="opt-out manifest; default: the bundled one")
    user_agent: str = DEFAULT_USER_AGENT
    delay_s: float = Field(1.0, ge=0, description="between the requests to one host")
    timeout_s: float = Field(10.0, gt=0)
    retries: int = Field(1, ge=0)
    allow_private: bool = Field(False, description="loopback/private hosts (local test sites)")
    cache: bool = Field(True, description="share fetched policy files across runs")
    cache_dir: str | None = Field(None, description="default: $LEAM_CACHE_DIR/optouts")
    archived_policies: bool = Field(
        True, description="also honour policy files archived in the input WARC files"
    )

    @field_validator("snapshot", "manifest", "cache_dir")
    @classmethod
    def _relative_to_pipeline(cls, value: str | None, info: ValidationInfo) -> str | None:
        return None if value is None else str(pipeline_path(value, info))

    def policy(self) -> OptoutPolicy:
        return load_policy(Path(self.manifest) if self.manifest else None)

    def live(self) -> LiveOptions:
        return LiveOptions(self.user_agent, self.delay_s, self.timeout_s, self.retries,
                           self.allow_private)  # fmt: skip


class OptoutsStage(BaseStage):
    params: OptoutsParams
    name: ClassVar[str] = "optouts"
    kind: ClassVar[StageKind] = "global"
    Params: ClassVar[type[StageParams]] = OptoutsParams

    def __init__(self, params: OptoutsParams) -> None:
        super().__init__(params)
        self._hosts: dict[str, HostFiles] | None = None
        self._archived: dict[str, HostFiles] = {}
        self._policy: OptoutPolicy | None = None
        self._source = "live"

    def prepare(
        self, parts: list[tuple[str, str]], run_dir: RunDir, pmap: ParallelMap
    ) -> dict[str, Any]:
        workdir = run_dir.workdir(self.name)
        if (workdir / PREPARED).is_file():  # resumed: decide with the same files
            return read_json(workdir / PREPARED)
        policy = self.params.policy()
        origins = sorted({o for found in pmap(origins_of_part, [p for _, p in parts])
                          for o in found})  # fmt: skip
        fetched = 0
        if self.params.snapshot:
            given = snapshot.host_files(snapshot.read(Path(self.params.snapshot)))
            hosts = {o: given[o] for o in origins if o in given}
            source = "snapshot"
        else:
            chunks = [origins[i : i + HOSTS_PER_TASK]
                      for i in range(0, len(origins), HOSTS_PER_TASK)]  # fmt: skip
            fetch = functools.partial(_fetch, params=self.params, ttl_s=policy.cache_ttl_s)
            hosts, fetched = {}, 0
            for found, n in pmap(fetch, chunks):
                hosts.update(found)
                fetched += n
            source = "live"
        workdir.mkdir(parents=True, exist_ok=True)
        snapshot.write(snapshot.build(hosts, policy), workdir / SNAPSHOT)
        archived: dict[str, HostFiles] = {}
        if self.params.archived_policies:
            captured = captured_policies(run_dir.ledgers("extract"))
            archived = {o: captured[o] for o in origins if o in captured}
        snapshot.write(snapshot.build(archived, policy), workdir / ARCHIVED)
        unreachable = sorted(o for o, files in hosts.items() if files[ROBOTS_TXT].status is None)
        prepared = {
            "source": source,
            "hosts": len(origins),
            "hosts_with_policy": len(hosts),
            # no answer for robots.txt reserves the host (the manifest's failure rule): a run
            # without network reserves everything, and this says so
            "robots_unreachable": len(unreachable),
            "robots_unreachable_sample": unreachable[:10],
            "fetched": fetched,
            "from_cache": len(hosts) - fetched if source == "live" else 0,
            "hosts_with_archived_policy": len(archived),
            "manifest": {"version": policy.version, "sha256": policy.sha256},
        }
        write_json_atomic(prepared, workdir / PREPARED)
        return prepared

    def _load(self, workdir: Path) -> None:
        if self._hosts is None:
            self._hosts = snapshot.host_files(snapshot.read(workdir / SNAPSHOT))
            if (workdir / ARCHIVED).is_file():
                self._archived = snapshot.host_files(snapshot.read(workdir / ARCHIVED))
            self._source = read_json(workdir / PREPARED)["source"]
            self._policy = self.params.policy()

    def run(self, docs: Iterator[Doc], ctx: Context) -> Iterator[Doc]:
        assert ctx.workdir is not None, "optouts runs after prepare()"
        self._load(ctx.workdir)
        assert self._hosts is not None and self._policy is not None
        for doc in docs:
            origin = origin_of(doc.get("url"))
            files = self._hosts.get(origin) if origin else None
            captured = self._archived.get(origin) if origin else None
            if files is None:
                ctx.count("optout.not_in_snapshot" if origin else "optout.no_host")
            decision = None
            if files is not None:
                decision = host_decision(files, doc["url"], self._policy, self._source)
            if decision is None and captured is not None:
                decision = host_decision(captured, doc["url"], self._policy, "archived")
            if decision is None:
                yield ctx.kept(doc)
                continue
            ctx.count(f"optout.{decision.source}.{decision.signal}")
            ctx.reject("tdm_reservation", doc, detail=decision.ledger_detail())


def _fetch(origins: list[str], params: OptoutsParams, ttl_s: float) -> tuple[dict, int]:
    """One worker's share of the hosts (run through the runner's parallel map)."""
    cache = None
    if params.cache:
        cache = PolicyCache(Path(params.cache_dir) if params.cache_dir else None, ttl_s)
    return fetch_policies(origins, params.live(), cache)
