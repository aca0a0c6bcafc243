"""Order-preserving map over worker processes, for per-document work a library does in Python.

Spawned (not forked) workers: a forked worker can hang on locks held by the parent's threads
(rensa, Dagster's). Results come back in input order, so the output does not depend on the
worker count.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from typing import TypeVar

T = TypeVar("T")
R = TypeVar("R")

# Below this many items, starting workers (imports included) costs more than it saves.
MIN_ITEMS_FOR_WORKERS = 48


def map_ordered(fn: Callable[[T], R], items: Sequence[T], workers: int, chunk_size: int = 64
                ) -> list[R]:
    """`[fn(x) for x in items]`, spread over `workers` spawned processes when worth it."""
    if workers <= 1 or len(items) < 2 or (chunk_size > 1 and len(items) < MIN_ITEMS_FOR_WORKERS):
        return [fn(x) for x in items]
    chunk = max(1, min(chunk_size, len(items) // (workers * 4) or 1))
    with ProcessPoolExecutor(max_workers=workers, mp_context=get_context("spawn")) as pool:
        return list(pool.map(fn, items, chunksize=chunk))
