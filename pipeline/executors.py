"""Where the per-document pass and the LSH band join run: worker processes on this machine
(`local`, the default) or tasks on a Ray cluster (`ray`), with the same chunk plan, the same
parts and the same results, in input order.

Ray (`ray` from PyPI, the engine NeMo Curator scales on): each chunk of raw files is one task
(`num_cpus=1`), retried by Ray when its worker or node dies (`max_retries`); a chunk written
twice writes the same parts (files are replaced atomically). Tasks are submitted in order, at
most one per CPU of the cluster at a time: a chunk may wait for an earlier chunk's raw hashes
(`skip_copies`), and an earlier chunk, retried, always finds a free CPU. What a task needs
travels once per worker process: settings are a few fields, and the models (language id) are
loaded by the worker on first use and kept. Storage: the run's work folder and the store must be
on a path every node sees (a shared filesystem); `check_shared_storage` proves it at start.
"""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

from pipeline.parallel import Workers, map_ordered
from pipeline.settings import Settings

T = TypeVar("T")
R = TypeVar("R")

RAY_MAX_RETRIES = 3


class SharedStorageError(RuntimeError):
    """A Ray node cannot write where the run keeps its parts."""


def describe(settings: Settings) -> dict[str, Any]:
    """Which backend runs the pass, and on how many workers (for the run's metadata)."""
    if settings.executor != "ray":
        return {"executor": "local", "workers": settings.workers}
    ray = _ray(settings)
    nodes = [n for n in ray.nodes() if n.get("Alive")]
    return {"executor": "ray", "workers": int(ray.cluster_resources().get("CPU", 0)),
            "nodes": len(nodes)}


def map_chunks(fn: Callable[[T], R], items: Sequence[T], settings: Settings,
               env: dict[str, str] | None = None,
               ahead: Callable[[T], object] | None = None,
               pool: Workers | None = None) -> list[R]:
    """`[fn(x) for x in items]` on the configured backend, in input order. `pool`: local
    workers kept from an earlier map (`chunk_workers`), instead of new ones."""
    if settings.executor != "ray":
        if pool is not None:
            return pool.map(fn, items, 1, ahead)
        return map_ordered(fn, items, settings.workers, chunk_size=1, env=env, ahead=ahead)
    return _ray_map(fn, items, settings, env or {})


def chunk_workers(settings: Settings, env: dict[str, str] | None = None) -> Workers:
    """Local worker processes for several `map_chunks` in a row (a `with` block): started
    once, not once a map (each start imports the libraries again). On Ray: none (Ray keeps
    its workers)."""
    return Workers(settings.workers if settings.executor != "ray" else 1, env)


def _ray(settings: Settings, env: dict[str, str] | None = None):
    """The Ray client, connected to `settings.ray_address` (or a local instance)."""
    # Ray's `uv run` hook would start the workers with `uv run` in a copy of the working
    # folder; the cluster's own Python (where `ray start` ran, with this package) is the one.
    os.environ.setdefault("RAY_ENABLE_UV_RUN_RUNTIME_ENV", "0")
    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
    import ray

    if not ray.is_initialized():
        ray.init(address=settings.ray_address or None, include_dashboard=False,
                 log_to_driver=False, configure_logging=False,
                 runtime_env={"env_vars": dict(env or {})})
    return ray


def _ray_map(fn: Callable[[T], R], items: Sequence[T], settings: Settings,
             env: dict[str, str]) -> list[R]:
    ray = _ray(settings, env)
    task = ray.remote(num_cpus=1, max_retries=RAY_MAX_RETRIES,
                      runtime_env={"env_vars": env})(fn)
    window = max(1, int(ray.cluster_resources().get("CPU", 1)))
    pending: dict[Any, int] = {}
    out: list[Any] = [None] * len(items)
    nxt = 0
    while nxt < len(items) or pending:
        while nxt < len(items) and len(pending) < window:
            pending[task.remote(items[nxt])] = nxt
            nxt += 1
        done, _ = ray.wait(list(pending), num_returns=1)
        for ref in done:
            out[pending.pop(ref)] = ray.get(ref)
    return out


def mapper(settings: Settings):
    """A `dedup.lsh.Mapper` for the LSH band join's partitions: Ray tasks on `ray` (no process
    holds the whole join), None (one join in this process) on `local`."""
    if settings.executor != "ray":
        return None
    return lambda fn, items: _ray_map(fn, items, settings, {})


def _probe(folder: str, token: str) -> str:
    """Runs on a node: write a probe file where the run keeps its parts."""
    path = Path(folder) / f".probe-{token}-{socket.gethostname()}-{os.getpid()}"
    path.write_text(token)
    return str(path)


def check_shared_storage(folder: Path, settings: Settings) -> None:
    """On Ray: every live node writes a probe into `folder`, and this process must see each
    one; raises SharedStorageError naming the node otherwise. Local: nothing to check."""
    if settings.executor != "ray":
        return
    ray = _ray(settings)
    from ray.util.scheduling_strategies import NodeAffinitySchedulingStrategy

    token = uuid.uuid4().hex[:12]
    probe = ray.remote(num_cpus=0, max_retries=0)(_probe)
    refs = {n["NodeManagerAddress"] + "/" + n["NodeID"][:8]: probe.options(
        scheduling_strategy=NodeAffinitySchedulingStrategy(n["NodeID"], soft=False)
    ).remote(str(folder), token) for n in ray.nodes() if n.get("Alive")}
    for node, ref in refs.items():
        try:
            path = Path(ray.get(ref, timeout=120))
        except Exception as e:  # noqa: BLE001 - the node's own error, shown to the user
            raise SharedStorageError(
                f"Ray node {node} cannot write to {folder} ({type(e).__name__}: {e}); the raw "
                "and curated folders must be on storage every node sees (a shared "
                "filesystem mounted at the same path)") from e
        if not path.is_file():
            raise SharedStorageError(
                f"Ray node {node} wrote {path}, which this machine does not see: {folder} is "
                "not shared; mount the curated folder at the same path on every node")
        path.unlink()
