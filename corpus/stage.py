"""What a stage is, and what it reports besides the documents it keeps.

A stage is plain, picklable Python (Ray is confined to corpus.runtime):

    stage = SomeStage(params)          # typed, frozen parameters
    stage.setup()                      # load models: once per worker process
    for doc in stage.run(stage.read(path, ctx), ctx): ...

`run` yields the documents it keeps and hands every other one to `ctx.reject`, so the counts
always reconcile: documents in = documents out + documents rejected.
"""

from __future__ import annotations

import functools
import importlib
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, ClassVar, Literal, Protocol

import pyarrow as pa
import pyarrow.parquet as pq
from pydantic import BaseModel, ConfigDict, ValidationInfo

from leam.corpus.inputfile import input_size
from leam.corpus.rundir import RunDir
from leam.corpus.schema import ledger_row
from leam.corpus.storage import Store

Doc = dict[str, Any]
NO_LANG = "und"  # documents not (yet) assigned a language are counted under this key


class StageParams(BaseModel):
    """Base of every stage's parameters: strict, so a typo in a pipeline file is an error."""

    model_config = ConfigDict(extra="forbid", frozen=True)


# Validation-context keys (corpus.config sets them): the folder of the pipeline file being
# read, and its stages' parameters as written, by stage name.
PIPELINE_DIR = "pipeline_dir"
PIPELINE_STAGES = "pipeline_stages"


def pipeline_path(value: str | Path, info: ValidationInfo) -> Path:
    """A path written in a pipeline file. A relative one is relative to that file's folder
    (a preset's: pipelines/presets/), so that a pipeline, and a preset above all, means the
    same from any working directory; without a file (parameters built in code) it is
    relative to the working directory."""
    path = Path(value)
    base = (info.context or {}).get(PIPELINE_DIR)
    return path if path.is_absolute() or base is None else Path(base) / path


def sibling_params(info: ValidationInfo, stage: str) -> dict[str, Any] | None:
    """Another stage's parameters as written in the same pipeline, None without that stage
    (or without a pipeline file): for a setting that must agree with another stage's."""
    return ((info.context or {}).get(PIPELINE_STAGES) or {}).get(stage)


class Context:
    """Counters and the rejected ledger of one task (one input file through one stage)."""

    def __init__(
        self,
        stage: str,
        progress: Callable[[int], None] | None = None,
        task: str = "",
        workdir: Path | None = None,
        store: Store | None = None,
    ) -> None:
        self.stage = stage
        self.task = task  # part name, e.g. part-00003
        self.workdir = workdir  # the stage's scratch folder in the run directory
        self.store = store  # a run on object storage: workdir is a mirror of it
        self.docs_in = 0
        self.docs_out = 0
        self.out_by_lang: Counter[str] = Counter()
        self.rejected: Counter[str] = Counter()
        self.rejected_by_lang: defaultdict[str, Counter[str]] = defaultdict(Counter)
        self.counters: Counter[str] = Counter()  # anything else worth reporting
        # Bytes of the task's input: read in records, or skipped as damaged (by reason).
        self.input_bytes = 0
        self.bytes_read = 0
        self.skipped_by_reason: Counter[str] = Counter()
        self.ledger: list[dict[str, Any]] = []
        self._progress = progress or (lambda n: None)
        self._unreported = 0

    def count_in(self, n: int = 1) -> None:
        """A document (or record) entered the stage."""
        self.docs_in += n
        self._unreported += n
        if self._unreported >= 200:
            self._progress(self._unreported)
            self._unreported = 0

    def kept(self, doc: Doc) -> Doc:
        self.docs_out += 1
        self.out_by_lang[doc.get("lang") or NO_LANG] += 1
        return doc

    def reject(self, reason: str, doc: Doc | None = None, **fields: Any) -> None:
        """Send a document (or what is known of a broken record) to the ledger."""
        row = ledger_row(self.stage, reason, doc, **fields)
        self.ledger.append(row)
        self.rejected[reason] += 1
        self.rejected_by_lang[row.get("lang") or NO_LANG][reason] += 1

    def local(self, path: Path) -> Path:
        """A file of the run directory (e.g. a global stage's decisions in its workdir),
        fetched into the mirror first for a run on object storage."""
        return self.store.fetch(path) if self.store is not None else path

    def count(self, name: str, n: int = 1) -> None:
        self.counters[name] += n

    def skip_bytes(self, reason: str, length: int, source: dict[str, Any], detail: str) -> None:
        """A damaged span of the input that could not be read: one ledger row (with the
        span's file, offset and length), counted in and rejected like a record, so that
        neither the records nor the bytes of the input can go missing unnoticed."""
        self.count_in()
        self.reject(reason, source=source, detail=detail, skipped_bytes=length)
        self.skipped_by_reason[reason] += length

    def account_bytes(self, input_bytes: int, read: int) -> None:
        """The input's size, measured apart from reading it, and the bytes read in records:
        the stage reconciles only if read + skipped = input."""
        self.input_bytes += input_bytes
        self.bytes_read += read

    @property
    def bytes_skipped(self) -> int:
        return sum(self.skipped_by_reason.values())

    def flush_progress(self) -> None:
        if self._unreported:
            self._progress(self._unreported)
            self._unreported = 0

    def stats(self) -> dict[str, Any]:
        return {
            "docs_in": self.docs_in,
            "docs_out": self.docs_out,
            "docs_rejected": sum(self.rejected.values()),
            "out_by_lang": dict(sorted(self.out_by_lang.items())),
            "rejected_by_reason": dict(sorted(self.rejected.items())),
            "rejected_by_lang": {
                lang: dict(sorted(c.items())) for lang, c in sorted(self.rejected_by_lang.items())
            },
            "counters": dict(sorted(self.counters.items())),
            "input_bytes": self.input_bytes,
            "bytes_read": self.bytes_read,
            "bytes_skipped": self.bytes_skipped,
            "bytes_skipped_by_reason": dict(sorted(self.skipped_by_reason.items())),
        }


StageKind = Literal["map", "global"]
# What a stage reads: WARC/WET files (the run's inputs), an earlier stage's Parquet parts, or
# what a run has published (the shards, the Megatron export) rather than parts.
StageInput = Literal["warc", "parquet", "shards", "export"]
PUBLISHED_INPUTS: tuple[StageInput, ...] = ("shards", "export")

# A parallel map that the runner lends to global stages: fn(item) for every item on the
# workers, results in item order; raises if any item fails for good.
ParallelMap = Callable[[Callable[[Any], Any], list[Any]], list[Any]]


class Stage(Protocol):
    """Every member the engine (config, runner, task) uses of a stage, and nothing else.

    `kind`: "map" stages decide on each document alone; "global" ones need every document
    first (dedup, shard), so the runner calls `prepare` over all input parts in the driver,
    with `pmap` for the parallel work, before the per-part tasks run. `prepare` writes what
    `run` needs under `run_dir.workdir(name)`, skips what it finds done (resumable) and
    returns figures for run.json. `writes_parts`: False when the stage publishes its output
    itself (shard) and its per-part tasks only count. `reads`: what its tasks' input is; only
    a stage that reads what a run publishes may follow one that writes no parts.
    """

    name: ClassVar[str]
    Params: ClassVar[type[StageParams]]
    kind: ClassVar[StageKind]
    writes_parts: ClassVar[bool]
    reads: ClassVar[StageInput]

    def __init__(self, params: Any) -> None: ...

    def setup(self) -> None: ...

    def read(self, path: str, ctx: Context) -> Iterator[Doc]: ...

    def run(self, docs: Iterator[Doc], ctx: Context) -> Iterator[Doc]: ...

    def prepare(
        self, parts: list[tuple[str, str]], run_dir: RunDir, pmap: ParallelMap
    ) -> dict[str, Any]: ...


class CorruptPartError(RuntimeError):
    """A Parquet part that cannot be read: the task fails and names the file."""


def read_parquet_docs(path: str, ctx: Context, batch_rows: int = 1000) -> Iterator[Doc]:
    """The usual `read`: documents of an earlier stage's Parquet part, a batch at a time.
    A part is read whole or the task fails: no document of it is dropped unnoticed."""
    size = input_size(path)  # a part that is not there: UnreadableInputError, naming it
    try:
        part = pq.ParquetFile(path)
        batches = part.iter_batches(batch_size=batch_rows)
        for batch in batches:
            for doc in batch.to_pylist():
                ctx.count_in()
                yield doc
    except (pa.ArrowException, OSError) as err:
        marker = Path(path).with_name(f"_DONE.{Path(path).stem}")
        fix = (  # a part of this run's earlier stage: redo the task that wrote it
            f"; remove it and {marker}, then rerun to write it again" if marker.exists() else ""
        )
        raise CorruptPartError(
            f"{path}: corrupt Parquet part ({type(err).__name__}: {err}){fix}"
        ) from err
    ctx.account_bytes(size, size)


class BaseStage:
    """The defaults of the Stage contract: a map stage over Parquet parts that writes its
    kept documents as a part and needs no models and no preparation."""

    name: ClassVar[str]
    Params: ClassVar[type[StageParams]]
    kind: ClassVar[StageKind] = "map"
    writes_parts: ClassVar[bool] = True
    reads: ClassVar[StageInput] = "parquet"

    def __init__(self, params: Any) -> None:
        self.params = params

    def setup(self) -> None:
        pass

    def read(self, path: str, ctx: Context) -> Iterator[Doc]:
        return read_parquet_docs(path, ctx)

    def run(self, docs: Iterator[Doc], ctx: Context) -> Iterator[Doc]:
        for doc in docs:
            yield ctx.kept(doc)

    def prepare(
        self, parts: list[tuple[str, str]], run_dir: RunDir, pmap: ParallelMap
    ) -> dict[str, Any]:
        """Only global stages prepare; the runner never calls this for a map stage."""
        raise NotImplementedError(f"{self.name} is a map stage: it has nothing to prepare")


class PublishedInputStage(BaseStage):
    """Base of the global stages that work on what a run has published (the shards, the
    Megatron export) rather than on a previous stage's parts: tokenizer, megatron, train.

    All their work is `prepare` (subclasses define it), run once the input is complete;
    their per-part tasks have nothing to read and pass nothing on, so resumed runs skip
    them by their markers like any other task.
    """

    kind: ClassVar[StageKind] = "global"
    writes_parts: ClassVar[bool] = False

    def read(self, path: str, ctx: Context) -> Iterator[Doc]:
        return iter(())


class StageRegistry:
    """Stages by their stable name, as pipeline files refer to them; the runner and the
    configuration are handed one (leam.pipelines.registry holds the project's), so the core
    imports no stage. A class is imported when a pipeline first uses it."""

    def __init__(self, paths: dict[str, str]) -> None:
        self._paths = dict(paths)  # name -> "module:Class"

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(self._paths)

    @functools.cache  # noqa: B019 - registries live as long as the process
    def get(self, name: str) -> type[Stage]:
        try:
            module, _, cls = self._paths[name].partition(":")
        except KeyError:
            known = ", ".join(self._paths)
            raise KeyError(f"unknown stage {name!r}; known stages: {known}") from None
        return getattr(importlib.import_module(module), cls)
