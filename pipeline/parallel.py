"""Order-preserving map over worker processes, for per-document work a library does in Python.

Spawned (not forked) workers: a forked worker can hang on locks held by the parent's threads
(rensa, Dagster's). Results come back in input order, so the output does not depend on the
worker count.

Workers die with their parent: each asks the kernel for SIGKILL when its parent dies
(prctl PR_SET_PDEATHSIG, Linux), or else watches its parent from a thread. A SIGKILLed run left
its workers alive for ever (blocked in SimpleQueue.put, ~420 MB). PR_SET_PDEATHSIG fires when
the *thread* that started the worker ends: `Workers.map` starts the workers (at its first call)
and the `with` block that holds them joins them, both in the caller's thread, so that thread
outlives the workers.
"""

from __future__ import annotations

import os
import signal
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
    if workers <= 1 or len(items) < 2 or (chunk_size > 1 and len(items) < MIN_ITEMS_FOR_WORKERS):
        workers = 1
    with Workers(workers, env) as pool:
        return pool.map(fn, items, chunk_size, ahead)


class Workers:
    """Spawned worker processes kept for several maps (`map`), started at the first one and
    joined when the `with` block ends, in the thread that opened it. One worker: in this
    process."""

    def __init__(self, workers: int, env: dict[str, str] | None = None) -> None:
        self.workers = workers
        self.env = env or {}
        self._pool: ProcessPoolExecutor | None = None

    def __enter__(self) -> Workers:
        return self

    def __exit__(self, *exc: object) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None

    def map(self, fn: Callable[[T], R], items: Sequence[T], chunk_size: int = 1,
            ahead: Callable[[T], object] | None = None) -> list[R]:
        """`[fn(x) for x in items]`, in input order (see `map_ordered`)."""
        pre = _Ahead(ahead, items, self.workers + 1) if ahead is not None else None
        try:
            if self.workers <= 1 or len(items) < 2:
                out = []
                for x in items:
                    out.append(fn(x))
                    if pre:
                        pre.done_one()
                return out
            if self._pool is None:
                self._pool = ProcessPoolExecutor(
                    max_workers=self.workers, mp_context=get_context("spawn"),
                    initializer=die_with_parent, initargs=(os.getpid(),))
            with _environ(self.env):  # spawned workers copy the environment when they start,
                if pre is None:  # and submitting starts them
                    chunk = max(1, min(chunk_size, len(items) // (self.workers * 4) or 1))
                    return list(self._pool.map(fn, items, chunksize=chunk))
                futures = [self._pool.submit(fn, x) for x in items]
            for f in futures:
                f.add_done_callback(lambda _f: pre.done_one())
            return [f.result() for f in futures]
        finally:
            if pre:
                pre.stop()


PR_SET_PDEATHSIG = 1  # <linux/prctl.h>


def die_with_parent(parent: int) -> None:
    """Worker initializer: be killed when the process `parent` dies. Never raises (a failing
    initializer breaks the pool)."""
    armed = False
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        armed = libc.prctl(PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0) == 0
    except (OSError, AttributeError, TypeError):
        armed = False
    if os.getppid() != parent:  # the parent died before the signal was armed
        os._exit(1)
    if not armed:
        threading.Thread(target=_watch_parent, args=(parent,), daemon=True,
                         name="watch-parent").start()


def _watch_parent(parent: int, every_s: float = 1.0) -> None:
    """Where prctl is missing: exit once the parent is gone (the worker is re-parented)."""
    import time

    while os.getppid() == parent:
        time.sleep(every_s)
    os._exit(1)


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
