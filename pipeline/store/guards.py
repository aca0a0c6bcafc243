"""What keeps the store's writes inside the curated folder, one publisher at a time, and its
refusals: symlinked store folders, a curated folder inside the raw folder, shrinking rebuilds,
an empty raw folder; recovery of what a killed run left."""

from __future__ import annotations

import errno
import fcntl
import os
import shutil
import stat
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

import polars as pl

from pipeline.store.errors import RebuildRefused, StoreBusy, UnsafeStore, log
from pipeline.store.versions import (
    _load_manifest,
    _numbered,
    _point_latest,
    _record_issued,
    latest_version,
    next_version_number,
    stray_versions,
    version_path,
)

# Folders the store writes into and deletes in: each must be a real folder of the curated
# folder's own file system, never a symbolic link (recover() once emptied a link's target).
STORE_FOLDERS = (".staging", "versions", ".work", ".validation", "attempts")


def check_layout(curated: Path) -> None:
    """Refuse a store whose own folders would lead writes or deletes elsewhere: each of
    STORE_FOLDERS that exists must be a real folder (lstat: not a symbolic link) on the
    curated folder's file system, and the lock file not a link. The curated folder itself may
    be a link (e.g. to a larger disk): its target is the store."""
    curated = Path(curated)
    try:
        root = os.stat(curated)
    except FileNotFoundError:
        return
    for name in (*STORE_FOLDERS, ".lock"):
        p = curated / name
        try:
            st = os.lstat(p)
        except FileNotFoundError:
            continue
        if stat.S_ISLNK(st.st_mode):
            raise UnsafeStore(
                f"{p} is a symbolic link (to {os.readlink(p)}): the store writes and deletes "
                f"only inside {curated}, never through a link. Replace the link by a real "
                "folder (move what it points to inside), or give the link's target as the "
                "curated folder. Nothing was written.")
        want_dir = name != ".lock"
        if want_dir and not stat.S_ISDIR(st.st_mode):
            raise UnsafeStore(f"{p} is not a folder: the store needs it as one. Move it away. "
                              "Nothing was written.")
        if want_dir and st.st_dev != root.st_dev:
            raise UnsafeStore(
                f"{p} is on another file system than {curated} (a mount point): versions "
                "appear by renaming within one file system. Unmount it, or give the mounted "
                "folder's parent as the curated folder. Nothing was written.")


def check_folders(raw_dir: Path, curated_dir: Path) -> None:
    """Refuse a curated folder inside the raw folder (a run would read its own tables and
    reports back as news) or a raw folder inside the curated folder (the store's clean-up
    would delete scrapes). Compared after resolving links."""
    raw = os.path.realpath(raw_dir)
    cur = os.path.realpath(curated_dir)
    if raw == cur or _within(cur, raw):
        raise UnsafeStore(
            f"the curated folder {curated_dir} is inside the raw folder {raw_dir}: a run would "
            "read its own versions and reports back as scrapes. Give a curated folder outside "
            "the raw folder. Nothing was read or written.")
    if _within(raw, cur):
        raise UnsafeStore(
            f"the raw folder {raw_dir} is inside the curated folder {curated_dir}: the store's "
            "clean-up could delete scrapes. Move the raw folder out. Nothing was read or "
            "written.")


def check_rebuild(curated: Path, sources: pl.Series, max_loss: float,
                  allow: bool, raw_dir: Path | None = None) -> None:
    """Refuse a full rebuild that would drop more than `max_loss` of the latest version's
    articles: those whose `source` (a raw file, or a record of one) the rebuild did not read as
    a document (`sources`: every document and byte-identical copy it read). A folder that is
    unmounted, partly unreadable or emptied by mistake shows up here, before anything is
    published. `allow` (--allow-shrink) lets it through."""
    if allow:
        return
    v = latest_version(curated)
    if v is None:
        return
    try:
        old = pl.read_parquet(version_path(curated, v) / "articles.parquet",
                              columns=["source"])["source"]
    except Exception as e:  # noqa: BLE001 - a damaged version: nothing to compare with
        log.warning("cannot compare the rebuild with version %s (%s)", v, e)
        return
    if not old.len():
        return
    lost = old.filter(~old.is_in(sources.cast(pl.String).implode()))
    share = lost.len() / old.len()
    if share > max_loss:
        where = f" under {raw_dir}" if raw_dir is not None else ""
        examples = ", ".join(lost.sort().head(3).to_list())
        raise RebuildRefused(
            f"a full rebuild would drop {lost.len()} of the {old.len()} articles of version "
            f"{v} ({share:.1%}, more than rebuild_max_loss {max_loss:.0%}): their raw files "
            f"were not read{where} (e.g. {examples}). Nothing was published. Check that the "
            "raw folder is complete (mounted, readable: see the rejects), or pass "
            "--allow-shrink (CURATE_ALLOW_SHRINK=1) to publish the smaller version.")


def check_not_empty(raw_dir: Path, has_entries: bool, allow: bool) -> None:
    """Refuse to run on a raw folder without a single entry (unmounted? emptied?): a rebuild
    would publish an empty latest version. `allow` (--allow-shrink) lets it through."""
    if not has_entries and not allow:
        raise RebuildRefused(
            f"the raw folder {raw_dir} holds no files: is it mounted? Nothing was read or "
            "published. Pass --allow-shrink (CURATE_ALLOW_SHRINK=1) to run on an empty raw "
            "folder anyway.")


def _within(path: str, root: str) -> bool:
    return path != root and os.path.commonpath([path, root]) == root


@contextmanager
def locked(curated: Path, wait: bool = False) -> Iterator[None]:
    """Hold the store's lock: a second concurrent publisher fails fast (or waits) instead of
    racing for the next version number. The OS drops the lock when a process dies."""
    curated = Path(curated)
    curated.mkdir(parents=True, exist_ok=True)
    check_layout(curated)
    fd = os.open(curated / ".lock", os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0)
                 | getattr(os, "O_CLOEXEC", 0), 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
        except OSError as e:
            if e.errno in (errno.EAGAIN, errno.EACCES):
                raise StoreBusy(f"another run is publishing to {curated}; try again when it ends"
                                ) from e
            raise
        yield
    finally:
        os.close(fd)


def repair(curated: Path) -> list[str]:
    """`recover` under the lock (raises StoreBusy when another run holds it)."""
    with locked(curated):
        return recover(curated)


def recover(curated: Path) -> list[str]:
    """Undo what a killed run left: staging folders, temp pointer files, a stale LATEST.
    Call with the lock held. Returns what was cleaned, for the run's log.

    Never follows a link: a link planted in .staging is removed, not its target's content.
    Under versions/, only an empty vNNNNNN folder is removed (nothing to lose); any other
    incomplete one is kept (it may be a damaged version to restore), reported and skipped.
    Either way its number is recorded as issued: it is never given to other content."""
    curated = Path(curated)
    check_layout(curated)
    done = []
    issued = next_version_number(curated) - 1  # folders and LATEST, before LATEST is reset
    if issued:
        _record_issued(curated, issued)
    staging = curated / ".staging"
    if staging.is_dir() and not staging.is_symlink():
        for e in list(os.scandir(staging)):
            if e.is_dir(follow_symlinks=False):
                shutil.rmtree(e.path, ignore_errors=True)
            else:
                with suppress(OSError):
                    os.unlink(e.path)
            done.append(f"removed unfinished staging {e.name}")
    for n, p in _numbered(curated):
        if isinstance(_load_manifest(p, n), dict):
            continue
        try:
            empty = p.is_dir() and not p.is_symlink() and not any(os.scandir(p))
        except OSError:
            empty = False
        if empty:
            with suppress(OSError):
                os.rmdir(p)
                done.append(f"removed incomplete {p.name} (its number stays issued)")
    for tmp in curated.glob(".*.tmp"):
        tmp.unlink(missing_ok=True)
        done.append(f"removed {tmp.name}")
    for why in stray_versions(curated):
        log.warning("%s (its number is never reused)", why)
    latest = latest_version(curated)
    if latest is not None:
        _point_latest(curated, latest)
    return done
