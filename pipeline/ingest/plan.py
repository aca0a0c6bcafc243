"""The run's file plan (what changed since the ledger of the version it builds on), reading
chunks of files into frames, the raw-file ledger and which rejects are retried."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from pipeline.ingest.formats import read_file
from pipeline.ingest.records import (
    Doc,
    Reject,
    _display_name,
    _docs_frame,
    rejects_frame,
)
from pipeline.ingest.scan import _scan_raw
from pipeline.settings import Settings


@dataclass
class IngestResult:
    documents: pl.DataFrame  # DOCUMENT_SCHEMA, sorted by source
    rejected: pl.DataFrame   # REJECT_COLUMNS
    n_files: int             # files under the raw folder
    files: pl.DataFrame      # FILES_SCHEMA ledger of every file under the raw folder
    n_read: int = 0          # files read this time (the others were unchanged)


def read_files(task: tuple[list[str], str, Settings]) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Worker entry point: read some files (paths as strings) into (documents, rejects) frames."""
    paths, raw_dir, settings = task
    docs: list[Doc] = []
    rejects: list[Reject] = []
    root = Path(raw_dir)
    for p in paths:
        for item in read_file(Path(p), root, settings):
            (docs if isinstance(item, Doc) else rejects).append(item)
    return _docs_frame(docs), rejects_frame(rejects)


def prefetch(paths: list[str]) -> None:
    """Ask the kernel to start reading these files into the page cache (posix_fadvise
    WILLNEED: asynchronous, no data copied here). The main process calls it a chunk or two
    before a worker reads them, so the disk works while the cores do: a raw folder that is not
    (or no longer) in the page cache is otherwise read one blocking file at a time. Never
    raises and never blocks on a special file; the worker reports whatever is wrong."""
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0) \
        | getattr(os, "O_CLOEXEC", 0)
    advise = getattr(os, "posix_fadvise", None)
    if advise is None:
        return
    for p in paths:
        try:
            fd = os.open(p, flags)
        except OSError:
            continue
        try:
            advise(fd, 0, 0, os.POSIX_FADV_WILLNEED)
        except OSError:
            pass
        finally:
            os.close(fd)


# Files a worker reads at a time: large enough to amortise the hand-over, small enough to
# spread the work over every core.
FILES_PER_TASK = 500


FILES_SCHEMA: dict[str, pl.DataType] = {"path": pl.String(), "size": pl.UInt64(),
                                        "mtime_ns": pl.Int64()}


def file_ledger(files: list[tuple[str, str, os.stat_result | None]]) -> pl.DataFrame:
    """(path, size, mtime_ns) of each raw file, plus `i` (its position in `files`, not stored):
    what an incremental run compares to skip files that have not changed since the version it
    builds on. Entries without a stat (refused or vanished) have nulls: never in the stored
    ledger, examined again every run."""
    rows = []
    for rel, _, st in files:
        rows.append((_display_name(rel),
                     st.st_size if st else None, st.st_mtime_ns if st else None, len(rows)))
    return pl.DataFrame(rows, schema={**FILES_SCHEMA, "i": pl.UInt32()}, orient="row")


# Reject reasons that mean "the file was not read": its ledger row is not stored, so the next
# run examines it again (the ledger records only files that were read).
NOT_READ = ("unreadable", "unlistable_folder", "special_file", "symlink_outside",
            "symlink_loop", "hard_link", "path_too_long")


# Of those, the ones a later run may find gone (a file restored, permissions fixed, a folder
# mounted): an incremental run retires them from the version it builds on and reads the file
# again; if it still fails, the same reject (same doc_id) comes back.
RETRIED = ("unreadable", "unlistable_folder")


def _file_rejects(reasons: tuple[str, ...]) -> pl.Expr:
    return (pl.col("stage") == "ingest") & pl.col("reason").is_in(list(reasons))


def read_ledger(files: pl.DataFrame | None, rejected: pl.DataFrame | pl.LazyFrame
                ) -> pl.DataFrame | None:
    """The ledger without the files whose reading failed (a NOT_READ reject names them): only
    files that were read are recorded, so a file rejected as unreadable is read again next
    run instead of being skipped as unchanged."""
    if files is None or files.is_empty():
        return files
    bad = rejected.lazy().filter(_file_rejects(NOT_READ)).select(
        pl.col("source").alias("path")).collect()
    if bad.is_empty():
        return files
    return files.join(bad, on="path", how="anti", maintain_order="left")


def retry_unread(files: pl.DataFrame | None, rejected: pl.DataFrame | None
                 ) -> tuple[pl.DataFrame | None, pl.DataFrame | None, int]:
    """For an incremental run over a version: (its ledger without the files rejected
    NOT_READ, its rejected table without the RETRIED rejects, how many were retired). The
    retired files are read again; a version written before the ledger was filtered gets the
    same treatment."""
    if rejected is None:
        return files, rejected, 0
    files = read_ledger(files, rejected)
    retire = _file_rejects(RETRIED)
    kept = rejected.filter(~retire)
    return files, kept, rejected.height - kept.height


@dataclass
class FilePlan:
    """What a run reads: the files that changed since the version it builds on."""

    todo: list[str]        # paths of the files to read, in sorted order
    sizes: list[int]       # their sizes in bytes (0 when unknown)
    ledger: pl.DataFrame   # FILES_SCHEMA: every raw file (stored with the version)
    n_listed: int          # files under the raw folder
    names: list[str] | None = None  # the ledger's names (display paths) of `todo`


def plan_files(raw_dir: Path, unchanged: pl.DataFrame | None = None,
               settings: Settings | None = None) -> FilePlan:
    """List raw_dir once (sorted, one stat per file). `unchanged`: a ledger (path, size,
    mtime_ns) of files already read by the version this run builds on; files with the same
    path, size and mtime are not read again. `settings`: the allowed roots of links and the
    hard-link rule (None: the defaults, which read CURATE_RAW_ALLOWED_ROOTS and
    CURATE_RAW_ALLOW_HARD_LINKS)."""
    raw_dir = Path(raw_dir)
    scanned = _scan_raw(raw_dir, settings)
    paths = [p for _, p, _ in scanned]
    listed = file_ledger(scanned)
    todo = listed
    if unchanged is not None and unchanged.height:
        todo = listed.join(unchanged.select(list(FILES_SCHEMA)), on=list(FILES_SCHEMA),
                           how="anti", nulls_equal=False, maintain_order="left")
    return FilePlan([paths[i] for i in todo["i"].to_list()],
                    todo["size"].fill_null(0).to_list(), listed.drop("i").drop_nulls(),
                    listed.height, todo["path"].to_list())


def ingest(raw_dir: Path, settings: Settings, unchanged: pl.DataFrame | None = None
           ) -> IngestResult:
    """Read every file under raw_dir, over worker processes when there are many. Output order
    does not depend on the file system or the worker count (sorted by source).

    `unchanged`: see `plan_files`."""
    from pipeline.parallel import map_ordered

    raw_dir = Path(raw_dir)
    plan = plan_files(raw_dir, unchanged, settings)
    files = [str(p) for p in plan.todo]
    tasks = [(files[i:i + FILES_PER_TASK], str(raw_dir), settings)
             for i in range(0, len(files), FILES_PER_TASK)]
    workers = settings.workers if len(files) >= 4 * FILES_PER_TASK else 1
    parts = map_ordered(read_files, tasks, workers, chunk_size=1)
    if not parts:
        return IngestResult(_docs_frame([]), rejects_frame([]), plan.n_listed, plan.ledger, 0)
    docs = pl.concat([d for d, _ in parts]).sort("source")
    rejects = pl.concat([r for _, r in parts]).sort("source")
    return IngestResult(docs, rejects, plan.n_listed, plan.ledger, len(files))
