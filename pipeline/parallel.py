"""Order-preserving map over worker processes, for per-document work a library does in Python.

Spawned (not forked) workers: a forked worker can hang on locks held by the parent's threads
(rensa, Dagster's). Results come back in input order, so the output does not depend on the
worker count.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from multiprocessing import get_context
from typing import TypeVar

T = TypeVar("T")
R = TypeVar("R")

# Below this many items, starting workers (imports included) costs more than it saves.
MIN_ITEMS_FOR_WORKERS = 48


def map_ordered(fn: Callable[[T], R], items: Sequence[T], workers: int, chunk_size: int = 64,
                env: dict[str, str] | None = None) -> list[R]:
    """`[fn(x) for x in items]`, spread over `workers` spawned processes when worth it.
    `env`: extra environment variables of the workers (read when they import their libraries,
    e.g. POLARS_MAX_THREADS, so set before they start)."""
    if workers <= 1 or len(items) < 2 or (chunk_size > 1 and len(items) < MIN_ITEMS_FOR_WORKERS):
        return [fn(x) for x in items]
    chunk = max(1, min(chunk_size, len(items) // (workers * 4) or 1))
    with ProcessPoolExecutor(max_workers=workers, mp_context=get_context("spawn")) as pool:
        with _environ(env or {}):  # spawned workers copy the environment when they start,
            futures = pool.map(fn, items, chunksize=chunk)  # and map submits all: all start
        return list(futures)


@contextmanager
def _environ(env: dict[str, str]) -> Iterator[None]:
    """`env` set in os.environ for the duration, then restored."""
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    try:
        yield
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
