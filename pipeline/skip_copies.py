"""Byte-identical copies a chunk's worker can leave unprocessed.

Of documents with the same raw bytes (raw hash), the one with the smallest doc_id stands for
all; the others are dropped after the pass (`steps.split_copies`), whatever work went into
them. A worker that knows the raw hashes of every earlier chunk skips a copy as soon as it has
seen a twin with a smaller doc_id, in an earlier chunk or in its own: that twin (or a smaller
one still) is processed, so nothing is lost, and the copy's outputs would have been dropped.
A copy whose smaller twin lies in a later chunk is processed and dropped as before: knowing
every hash up front would mean reading the corpus twice. On the bench corpora (7.5 % copies)
about half of the copies are skipped so.

Deterministic: what chunk i skips depends on the documents of chunks 0..i only (the chunk plan
is fixed), never on timing or the worker count. Each worker publishes its chunk's hashes (a
small Parquet file in the run's work folder) right after reading it, then loads the earlier
chunks' files, waiting for those not written yet. Chunks are handed out in order, so an
earlier chunk started earlier and reading is its first step: the wait is rare and short.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import polars as pl

# How long a worker waits for an earlier chunk's hashes before giving up (its worker died).
WAIT_S = 600.0
_POLL_S = 0.005


def _path(work_dir: Path, index: int) -> Path:
    return Path(work_dir) / f"h{index:06d}.parquet"


def publish(work_dir: Path, index: int, docs: pl.DataFrame | None) -> None:
    """Write chunk `index`'s (doc_id, raw_hash) where the later chunks look (atomically:
    a reader never sees half a file). None (no hashes) unblocks them when reading failed."""
    path = _path(work_dir, index)
    tmp = path.with_suffix(".tmp")
    if docs is None:
        docs = pl.DataFrame(schema={"doc_id": pl.String(), "raw_hash": pl.String()})
    docs.select("doc_id", "raw_hash").write_parquet(tmp)
    os.replace(tmp, path)


class Earlier:
    """raw hash -> smallest doc_id over chunks 0..upto-1 of one run. Kept per process: the
    chunks a worker gets come in increasing order, so each earlier file is read once."""

    def __init__(self, work_dir: Path) -> None:
        self.work_dir = Path(work_dir)
        self.upto = 0
        self.min_id: dict[str, str] = {}

    def load_until(self, index: int, wait_s: float | None = None) -> None:
        """Take in the hashes of every chunk before `index`, waiting for files not there yet."""
        wait_s = WAIT_S if wait_s is None else wait_s
        if index < self.upto:  # not in order after all: start over, never look ahead
            self.upto, self.min_id = 0, {}
        deadline = time.monotonic() + wait_s
        while self.upto < index:
            try:
                df = pl.read_parquet(_path(self.work_dir, self.upto))
            except FileNotFoundError:
                if time.monotonic() > deadline:
                    raise TimeoutError(
                        f"chunk {self.upto}'s raw hashes did not appear within {wait_s:g} s "
                        "(did its worker die?)") from None
                time.sleep(_POLL_S)
                continue
            self.add(df)
            self.upto += 1

    def add(self, df: pl.DataFrame) -> None:
        best = self.min_id
        for h, d in zip(df["raw_hash"].to_list(), df["doc_id"].to_list(), strict=True):
            if d < best.get(h, "\x7f"):
                best[h] = d


_STATE: dict[Path, Earlier] = {}


def skippable(docs: pl.DataFrame, work_dir: Path, index: int) -> pl.Series:
    """doc_ids of chunk `index`'s documents (doc_id, raw_hash) that are byte-identical copies
    of a document with a smaller doc_id in this chunk or an earlier one. Publishes the chunk's
    hashes first (see the module docstring)."""
    publish(work_dir, index, docs)
    known = _STATE.get(Path(work_dir))
    if known is None:
        known = _STATE[Path(work_dir)] = Earlier(work_dir)
    known.load_until(index)
    hashes = docs["raw_hash"].unique().to_list()
    earlier = pl.DataFrame([(h, known.min_id[h]) for h in hashes if h in known.min_id],
                           schema={"raw_hash": pl.String(), "_before": pl.String()},
                           orient="row")
    return (
        docs.select("doc_id", "raw_hash")
        .join(earlier, on="raw_hash", how="left")
        .filter(pl.col("doc_id") > pl.min_horizontal(
            pl.col("doc_id").min().over("raw_hash"), "_before"))["doc_id"]
    )


def forget(work_dir: Path) -> None:
    """Drop this process's state for a finished run (the in-process path keeps it otherwise)."""
    _STATE.pop(Path(work_dir), None)
