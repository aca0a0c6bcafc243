"""Order-preserving map over worker processes, for per-document work a library does in Python.

Spawned (not forked) workers: a forked worker can hang on locks held by the parent's threads
(rensa, Dagster's). Results come back in input order, so the output does not depend on the
worker count.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager, suppress
from multiprocessing import get_context
from typing import TypeVar

T = TypeVar("T")
R = TypeVar("R")

# Below this many items, starting workers (imports included) costs more than it saves.
MIN_ITEMS_FOR_WORKERS = 48


def map_ordered(fn: Callable[[T], R], items: Sequence[T], workers: int, chunk_size: int = 64,
                env: dict[str, str] | None = None,
                ahead: Callable[[T], object] | None = None) -> list[R]:
    """`[fn(x) for x in items]`, spread over `workers` spawned processes when worth it.
    `env`: extra environment variables of the workers (read when they import their libraries,
    e.g. POLARS_MAX_THREADS, so set before they start). `ahead(x)`: called from a thread of
    this process, in order, a few items before `fn(x)` can start (prefetching its input)."""
    pre = _Ahead(ahead, items, workers + 1) if ahead is not None else None
    try:
        if workers <= 1 or len(items) < 2 or (chunk_size > 1
                                               and len(items) < MIN_ITEMS_FOR_WORKERS):
            out = []
            for x in items:
                out.append(fn(x))
                if pre:
                    pre.done_one()
            return out
        chunk = max(1, min(chunk_size, len(items) // (workers * 4) or 1))
        with ProcessPoolExecutor(max_workers=workers, mp_context=get_context("spawn")) as pool:
            with _environ(env or {}):  # spawned workers copy the environment when they start,
                if pre is None:  # and submitting starts them all
                    return list(pool.map(fn, items, chunksize=chunk))
                futures = [pool.submit(fn, x) for x in items]
            for f in futures:
                f.add_done_callback(lambda _f: pre.done_one())
            return [f.result() for f in futures]
    finally:
        if pre:
            pre.stop()


class _Ahead:
    """Calls `fn` on the items in order in a daemon thread, at most `lead` items beyond the
    ones done: far enough ahead to overlap, near enough not to evict what it fetched."""

    def __init__(self, fn: Callable[[T], object], items: Sequence[T], lead: int) -> None:
        self._slots = threading.Semaphore(lead)
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._run, args=(fn, items), daemon=True,
                                        name="prefetch")
        self._thread.start()

    def _run(self, fn: Callable[[T], object], items: Sequence[T]) -> None:
        for x in items:
            self._slots.acquire()
            if self._stopped.is_set():
                return
            with suppress(Exception):  # only a hint: the item's own reader reports errors
                fn(x)

    def done_one(self) -> None:
        self._slots.release()

    def stop(self) -> None:
        self._stopped.set()
        self._slots.release()  # wake the thread if it waits, so it sees the stop


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
