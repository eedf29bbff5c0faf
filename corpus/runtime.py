"""The one module that knows Ray: start or join a runtime, and map tasks over it.

Local by default: an embedded single-node Ray that binds 127.0.0.1 only (a Ray port on an
outside interface is an open door, and `ray.init()` advertises the outside address unless
told otherwise). `--ray-address` (or RAY_ADDRESS) joins an existing cluster instead, e.g.
one started with `ray start --head`; such clusters use token authentication, so the client
sets RAY_AUTH_MODE=token unless the environment says otherwise.
"""

from __future__ import annotations

import os
import socket
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

CLUSTER_ENV = "RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER"
# Attempts after the first for a task that raised; a task that still fails is reported.
TASK_RETRIES = 2


@dataclass(frozen=True)
class RuntimeOptions:
    address: str | None = None  # None: embedded local runtime
    workers: int = 2  # tasks in flight at once (local: also the CPUs Ray may use)


@dataclass(frozen=True)
class TaskFailure:
    item: Any
    error: str


class _DocCounter:
    """Workers add to it as they go, so the progress bar moves within long tasks."""

    def __init__(self) -> None:
        self.total = 0

    def add(self, n: int) -> None:
        self.total += n

    def value(self) -> int:
        return self.total


class _Report:
    """A picklable progress callback that forwards counts to the counter actor."""

    def __init__(self, counter: Any) -> None:
        self.counter = counter

    def __call__(self, n: int) -> None:
        self.counter.add.remote(n)


def _import_ray(loopback_only: bool):
    """Import Ray with the environment it reads at import time.

    RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER=0 makes Ray use 127.0.0.1 as this node's address
    (without it, Ray advertises the default outside address, and even rewrites a
    `127.0.0.1:port` cluster address into it). Ray reads it once, on import.
    """
    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
    os.environ.setdefault("RAY_AUTH_MODE", "token")  # Ray's default, said out loud (no warning)
    if loopback_only:
        if "ray" in sys.modules and os.environ.get(CLUSTER_ENV) != "0":
            raise RuntimeError(
                f"Ray was imported before leam could keep it on loopback; set {CLUSTER_ENV}=0"
            )
        os.environ[CLUSTER_ENV] = "0"
    import ray

    return ray


def _is_loopback(address: str | None) -> bool:
    if not address:
        return True
    host = address.removeprefix("ray://").rpartition(":")[0].strip("[]")
    return host in ("localhost", "::1") or host.startswith("127.")


class Runtime:
    def __init__(self, options: RuntimeOptions) -> None:
        self.options = options
        self._owns = False
        self._counter: Any = None  # one progress actor for all maps: each actor is a process
        ray = self.ray = _import_ray(_is_loopback(options.address))
        if ray.is_initialized():  # an embedding program (or a test session) started it
            return
        if options.address:
            ray.init(
                address=options.address,
                _node_ip_address=_local_ip_towards(options.address),
                logging_level="WARNING",
                log_to_driver=False,
            )
        else:
            ray.init(
                address="local",
                num_cpus=options.workers,
                include_dashboard=False,
                logging_level="WARNING",
                log_to_driver=False,
            )
        self._owns = True

    def describe(self) -> dict[str, Any]:
        ray = self.ray
        nodes = [n for n in ray.nodes() if n.get("Alive")]
        return {
            "address": self.options.address or "local",
            "workers": self.options.workers,
            "nodes": len(nodes),
            "cpus": int(ray.cluster_resources().get("CPU", 0)),
        }

    def map(
        self,
        fn: Callable[..., dict[str, Any]],
        items: Sequence[Any],
        on_done: Callable[[Any, dict[str, Any]], None],
        on_docs: Callable[[int], None] | None = None,
    ) -> list[TaskFailure]:
        """Runs fn(item, progress) for every item with at most `workers` in flight.

        Results (dicts) arrive through on_done as tasks finish, in any order, with `node`
        added: the address of the node that ran the task. A task that fails after its
        retries is returned as a TaskFailure, and the others go on.
        """
        ray = self.ray
        remote = ray.remote(num_cpus=1, max_retries=TASK_RETRIES, retry_exceptions=True)(_on_node)
        if self._counter is None:
            self._counter = ray.remote(num_cpus=0)(_DocCounter).remote()
        counter = self._counter
        report = _Report(counter)
        pending: dict[Any, Any] = {}
        queue = list(items)
        failures: list[TaskFailure] = []
        seen_docs = ray.get(counter.value.remote())
        while queue or pending:
            while queue and len(pending) < self.options.workers:
                item = queue.pop(0)
                pending[remote.remote(fn, item, report)] = item
            done, _ = ray.wait(list(pending), num_returns=1, timeout=0.5)
            for ref in done:
                item = pending.pop(ref)
                try:
                    on_done(item, ray.get(ref))
                except ray.exceptions.RayError as err:
                    failures.append(TaskFailure(item, _short(err)))
            if on_docs is not None:
                total = ray.get(counter.value.remote())
                on_docs(total - seen_docs)
                seen_docs = total
        return failures

    def shutdown(self) -> None:
        if self._counter is not None:
            self.ray.kill(self._counter)
            self._counter = None
        if self._owns:
            self.ray.shutdown()


def _local_ip_towards(address: str) -> str:
    """Our address on the route to the cluster. Without it the driver advertises the
    machine's default outside address, which the cluster may not reach (and should not
    be used for a cluster on loopback or a private network). UDP connect sends nothing.
    """
    host, _, port = address.removeprefix("ray://").rpartition(":")
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        probe.connect((host or address, int(port or 6379)))
        return probe.getsockname()[0]


def _on_node(fn: Callable[..., dict[str, Any]], item: Any, report: _Report) -> dict[str, Any]:
    import ray

    return {**fn(item, report), "node": ray.util.get_node_ip_address()}


def _short(err: Exception) -> str:
    """The root cause of a task error, without Ray's wrapping traceback."""
    cause = getattr(err, "cause", None)
    if cause is not None:
        return f"{type(cause).__name__}: {cause}"
    return str(err).strip().splitlines()[-1] if str(err).strip() else type(err).__name__
