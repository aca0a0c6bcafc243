"""The versioned Parquet store: immutable versions that appear atomically, a latest pointer.

Layout under the curated folder (plain files any Parquet reader opens, no library needed):

    versions/v000001/articles.parquet  rejected.parquet  duplicates.parquet  removed_lines.parquet
    versions/v000001/manifest.json     (row counts, schema, checksums, fingerprint, code version)
    latest -> versions/v000001         (symlink, swapped atomically)
    LATEST                             (the latest version number, for tools that avoid symlinks)
    attempts/<time>-<id>/              (batches that failed validation, with their reports)
    .staging/                          (versions being written; never read, cleared on next run)
    .lock                              (one publisher at a time)
    .issued_versions                   (the highest version number ever made visible)

A version is written completely under .staging, then renamed into versions/ in one rename(2):
readers see all of it or none of it. A run killed at any point leaves at most a staging folder,
which the next publisher removes.

Trust (issue 22): a version is verified against its manifest (sizes, sha256) before a run
builds on it or says "unchanged" (`verify`); a version number once visible is never issued
again, even if its folder is later damaged or deleted (`next_version_number`); a folder under
versions/ that is not a complete version is reported and skipped, never fatal; the store writes
and deletes only inside the curated folder (`check_layout`, `check_folders`).
"""

from __future__ import annotations

import errno
import fcntl
import hashlib
import json
import logging
import os
import re
import shutil
import signal
import stat
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import polars as pl

VERSION_DIR = re.compile(r"^v(\d{6,})$")
DATA_TABLES = ("articles", "rejected", "duplicates", "removed_lines")
# Folders the store writes into and deletes in: each must be a real folder of the curated
# folder's own file system, never a symbolic link (recover() once emptied a link's target).
STORE_FOLDERS = (".staging", "versions", ".work", ".validation", "attempts")
ISSUED = ".issued_versions"
# A manifest larger than this is not one of ours (they hold counts, checksums and a summary).
MAX_MANIFEST_BYTES = 16 * 1024 * 1024

log = logging.getLogger(__name__)


FAILPOINTS = ("after_first_table", "before_manifest", "before_rename", "after_rename",
              "after_latest_file")


def _failpoint(name: str) -> None:
    """Crash-safety tests set CURATE_FAILPOINT to die by SIGKILL at a named point of publish."""
    if os.environ.get("CURATE_FAILPOINT") == name:
        os.kill(os.getpid(), signal.SIGKILL)


class StoreBusy(RuntimeError):
    """Another run holds the store's lock."""


class StoreConflict(StoreBusy):
    """Another run published a version after this run read the store: publishing this batch
    would drop that version's work. Run again (it then builds on the new version)."""


class Refused(RuntimeError):
    """The run stopped before doing harm; the message names the file or folder and what to do.
    Nothing was published or deleted."""


class VersionCorrupt(Refused):
    """A version's file differs from its manifest (size or sha256), is missing, or cannot be
    parsed: building on it would launder the damage into a new version with fresh checksums.
    `damage`: what is wrong, without the advice."""

    def __init__(self, damage: str) -> None:
        super().__init__(f"{damage}. {_WHAT_TO_DO}")
        self.damage = damage


class UnsafeStore(Refused):
    """A store folder is a symbolic link or on another file system, or the curated and raw
    folders contain one another: the run would write or delete outside the curated folder."""


class RebuildRefused(Refused):
    """A full rebuild would drop more of the published articles than `Settings.rebuild_max_loss`
    allows, or the raw folder is empty (unmounted?): pass --allow-shrink when that is meant."""


@dataclass(frozen=True)
class PublishResult:
    version: int
    path: Path
    created: bool  # False: the content equals the latest version's, nothing new was written
    manifest: dict


def versions_dir(curated: Path) -> Path:
    return Path(curated) / "versions"


def version_path(curated: Path, version: int) -> Path:
    return versions_dir(curated) / f"v{version:06d}"


def _numbered(curated: Path) -> list[tuple[int, Path]]:
    """Every entry of versions/ named vNNNNNN (complete, damaged or stray), by number."""
    vdir = versions_dir(curated)
    try:
        entries = list(os.scandir(vdir))
    except (FileNotFoundError, NotADirectoryError):
        return []
    out = []
    for e in entries:
        m = VERSION_DIR.match(e.name)
        if m:
            out.append((int(m.group(1)), Path(e.path)))
    return sorted(out)


def _load_manifest(path: Path, number: int) -> dict | str:
    """The manifest of version folder `path` when it is a complete version, else why not (a
    stray folder, an empty or foreign manifest)."""
    try:
        dst = os.lstat(path)
        if stat.S_ISLNK(dst.st_mode):
            return f"is a symbolic link (to {os.readlink(path)}), not a version folder"
        if not stat.S_ISDIR(dst.st_mode):
            return "is not a folder"
        mpath = path / "manifest.json"
        st = os.lstat(mpath)
    except FileNotFoundError:
        return "has no manifest.json (an unfinished or damaged version)"
    except OSError as e:
        return f"cannot be read ({e.strerror or e})"
    if not stat.S_ISREG(st.st_mode):
        return "has a manifest.json that is not a regular file"
    return _parse_manifest(mpath, st.st_size, number)


def _parse_manifest(mpath: Path, size: int, number: int) -> dict | str:
    if size > MAX_MANIFEST_BYTES:
        return f"has a manifest.json of {size} bytes, not a version manifest"
    try:
        m = json.loads(mpath.read_bytes())
    except (OSError, ValueError) as e:
        return f"has a manifest.json that is not JSON ({str(e)[:100]})"
    if not isinstance(m, dict) or not m:
        return "has an empty manifest.json"
    if m.get("version") != number:
        return f"has a manifest.json naming version {m.get('version')!r}, not {number}"
    tables = m.get("tables")
    if not isinstance(tables, dict) or not tables:
        return "has a manifest.json without tables"
    for name, info in tables.items():
        if not (isinstance(info, dict) and isinstance(info.get("file"), str)
                and isinstance(info.get("sha256"), str)):
            return f"has a manifest.json whose table {name!r} has no file or checksum"
        f = info["file"]
        if f in ("", ".", "..") or "/" in f or "\\" in f or "\0" in f:
            return f"has a manifest.json naming a file outside the version ({f[:80]!r})"
    return m


def list_versions(curated: Path) -> list[int]:
    """Complete versions: a folder vNNNNNN (not a link) with a manifest of that version naming
    its tables. Anything else under versions/ is skipped (`stray_versions` says why)."""
    return [n for n, p in _numbered(curated) if isinstance(_load_manifest(p, n), dict)]


def stray_versions(curated: Path) -> list[str]:
    """Entries of versions/ named like a version that are not a complete one, each with why:
    reported by a run, skipped when finding the latest version, their numbers never reused."""
    out = []
    for n, p in _numbered(curated):
        got = _load_manifest(p, n)
        if isinstance(got, str):
            out.append(f"versions/{p.name} {got}: skipped")
    return out


def latest_version(curated: Path) -> int | None:
    """The newest complete version (LATEST and the `latest` link name it after a publish; a
    stale pointer left by a kill is ignored). Stray folders are skipped."""
    for n, p in reversed(_numbered(curated)):
        if isinstance(_load_manifest(p, n), dict):
            return n
    return None


def _read_int(path: Path) -> int:
    """The number a small pointer file holds (0: none); never through a link or a FIFO."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0)
                     | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
    except OSError:
        return 0
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return 0
        return max(0, int(os.read(fd, 64).strip() or 0))
    except (OSError, ValueError):
        return 0
    finally:
        os.close(fd)


def next_version_number(curated: Path) -> int:
    """The number the next version gets: above every number ever made visible, so a number
    never names two different contents. The highest of: every vNNNNNN entry of versions/
    (complete, damaged or stray), the LATEST pointer, and the record of issued numbers (which
    remembers versions whose folders were later removed)."""
    curated = Path(curated)
    nums = [n for n, _ in _numbered(curated)]
    return max([0, *nums, _read_int(curated / "LATEST"), _read_int(curated / ISSUED)]) + 1


def _record_issued(curated: Path, number: int) -> None:
    """Remember that `number` was made visible (atomically; never lowered)."""
    curated = Path(curated)
    if _read_int(curated / ISSUED) >= number:
        return
    _write_small(curated / f".{ISSUED.lstrip('.')}.tmp", f"{number}\n")
    os.replace(curated / f".{ISSUED.lstrip('.')}.tmp", curated / ISSUED)


def _write_small(path: Path, text: str) -> None:
    """Write a small file of the store, never through a link planted at its name."""
    with suppress(FileNotFoundError):
        os.unlink(path)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
                 | getattr(os, "O_CLOEXEC", 0), 0o644)
    with open(fd, "w") as f:
        f.write(text)


def resolve(curated: Path, version: int | str = "latest") -> int:
    if version == "latest":
        v = latest_version(curated)
        if v is None:
            raise FileNotFoundError(f"no published version under {curated}")
        return v
    v = int(version)
    got = _load_manifest(version_path(curated, v), v)
    if not isinstance(got, dict):
        raise FileNotFoundError(f"version {v} does not exist under {curated}"
                                + ("" if "no manifest" in got and not version_path(curated, v)
                                   .exists() else f" (versions/v{v:06d} {got})"))
    return v


def read_manifest(curated: Path, version: int | str = "latest") -> dict:
    v = resolve(curated, version)
    return _load_manifest(version_path(curated, v), v)  # type: ignore[return-value]


def verify(curated: Path, version: int, read: tuple[str, ...] | None = None) -> dict:
    """Check version `version` against its manifest before a run builds on it (or says that
    nothing changed): every table's file exists, is a regular file, and has the manifest's
    size; the tables in `read` (None: all) also have its sha256. Raises VersionCorrupt naming
    the file and what to do; returns the manifest. Hashing runs on two threads (hashlib
    releases the GIL): about 1 GB/s a core, and the run reads these files next anyway."""
    curated = Path(curated)
    vpath = version_path(curated, version)
    m = _load_manifest(vpath, version)
    if not isinstance(m, dict):
        raise VersionCorrupt(f"version {version} under {curated}: versions/{vpath.name} {m}")
    tables = m["tables"]
    todo = []
    for name, info in tables.items():
        f = vpath / info["file"]
        try:
            st = os.lstat(f)
        except OSError as e:
            raise VersionCorrupt(_damaged(version, f, f"cannot be read ({e.strerror or e})")
                                 ) from e
        if not stat.S_ISREG(st.st_mode):
            raise VersionCorrupt(_damaged(version, f, "is not a regular file"))
        size = info.get("bytes")
        if isinstance(size, int) and st.st_size != size:
            raise VersionCorrupt(_damaged(
                version, f, f"has {st.st_size} bytes, its manifest says {size}"))
        if read is None or name in read:
            todo.append((f, info["sha256"]))
    if todo:
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(min(2, len(todo))) as pool:
            sums = list(pool.map(lambda t: _sha256_or_error(t[0]), todo))
        for (f, want), got in zip(todo, sums, strict=True):
            if got != want:
                why = got[1:] if got.startswith("!") else \
                    f"does not match its manifest's sha256 (file {got[:12]}..., manifest " \
                    f"{want[:12]}...)"
                raise VersionCorrupt(_damaged(version, f, why))
    return m


_WHAT_TO_DO = ("Nothing was published. Restore the version's files from a backup, or rebuild "
               "from the raw folder with `curate run --full-rebuild` (it does not build on "
               "the damaged version).")


def _damaged(version: int, f: Path, why: str) -> str:
    return f"version {version} is damaged: {f} {why}"


def _sha256_or_error(path: Path) -> str:
    try:
        return _sha256(path)
    except OSError as e:
        return f"!cannot be read ({e.strerror or e})"


def intact_version(curated: Path, read: tuple[str, ...] = ("articles",)) -> int | None:
    """The newest version whose tables verify (`read` hashed): what a full rebuild may still
    take history from (when each document was first seen) when the latest one is damaged.
    Damaged versions passed over are logged."""
    for v in reversed(list_versions(curated)):
        try:
            verify(curated, v, read)
            return v
        except VersionCorrupt as e:
            log.warning("%s: passed over", e.damage)
    return None


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


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _point_latest(curated: Path, version: int) -> None:
    """Swap the LATEST file and the `latest` symlink, each with an atomic rename."""
    tmp = curated / ".LATEST.tmp"
    _write_small(tmp, f"{version}\n")
    os.replace(tmp, curated / "LATEST")
    _failpoint("after_latest_file")
    link_tmp = curated / ".latest.tmp"
    link_tmp.unlink(missing_ok=True)
    os.symlink(Path("versions") / f"v{version:06d}", link_tmp)
    os.replace(link_tmp, curated / "latest")
    _fsync_dir(curated)


# Rows per Parquet row group. A streamed table is buffered a row group at a time: Polars' default
# (~250k rows) held 3 GB of article text per group at 1M documents; 8,192 articles (~100 MB of
# text) keep the writer's memory flat and readers can still skip by statistics.
ROW_GROUP_ROWS = {"articles": 8192}
DEFAULT_ROW_GROUP_ROWS = 131_072


def _write_table(df: pl.DataFrame | pl.LazyFrame, path: Path) -> int:
    """Write one table (a lazy scan is streamed to the file, never held whole); its rows."""
    rg = ROW_GROUP_ROWS.get(path.stem, DEFAULT_ROW_GROUP_ROWS)
    if isinstance(df, pl.LazyFrame):
        df.sink_parquet(path, compression="zstd", statistics=True, row_group_size=rg)
        rows = int(pl.scan_parquet(path).select(pl.len()).collect().item())
    else:
        df.write_parquet(path, compression="zstd", statistics=True, row_group_size=rg)
        rows = df.height
    with open(path, "rb") as f:
        os.fsync(f.fileno())
    return rows


def _table_info(df: pl.DataFrame | pl.LazyFrame, path: Path) -> dict:
    rows = _write_table(df, path)
    return {"file": path.name, "rows": rows, "bytes": path.stat().st_size, "sha256": _sha256(path),
            "schema": {c: str(t) for c, t in df.collect_schema().items()}}


class WriteAhead:
    """A batch's tables written to `folder` by a background thread, while the gate validates
    them (GX is Python on one core; Parquet encoding is native code on the other). `publish`
    then moves the files into the version instead of writing them. `folder` must be on the
    store's file system (the run's work folder under the curated folder)."""

    def __init__(self, tables: dict[str, pl.DataFrame | pl.LazyFrame], folder: Path) -> None:
        from concurrent.futures import ThreadPoolExecutor

        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        pool = ThreadPoolExecutor(1, thread_name_prefix="write-ahead")
        self._future = pool.submit(self._write, dict(tables))
        pool.shutdown(wait=False)

    def _write(self, tables: dict) -> dict[str, dict]:
        return {name: _table_info(df, self.folder / f"{name}.parquet")
                for name, df in tables.items()}

    def result(self) -> dict[str, dict]:
        """Manifest entries of the written tables (re-raises the writer's error)."""
        return self._future.result()

    def forget(self, names: tuple[str, ...]) -> None:
        """Drop written tables that changed since (quarantine): `publish` writes them anew."""
        written = self.result()
        for name in names:
            info = written.pop(name, None)
            if info is not None:
                (self.folder / info["file"]).unlink(missing_ok=True)


def _content_digest(tables: dict[str, dict]) -> str:
    """One digest over the data tables' checksums: equal digests, equal dataset content."""
    parts = [f"{name}:{tables[name]['sha256']}" for name in sorted(tables)]
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


def publish(curated: Path, tables: dict[str, pl.DataFrame | pl.LazyFrame], *, metadata: dict,
            attachments: dict[str, Path] | None = None, force: bool = False,
            before_visible: Callable[[Path], object] | None = None,
            expect_latest: int | None | bool = False,
            ahead: WriteAhead | None = None) -> PublishResult:
    """Write `tables` as the next version, atomically. When their content equals the latest
    version's and `force` is off, nothing is written and the latest version is returned.

    `attachments` are extra folders or files (validation results) copied into the version, and
    `before_visible(staging_dir)` may add files (a report) after the manifest: both appear with
    the version in the same rename.

    `expect_latest`: the latest version when the batch was read (None: there was none); if
    another run has published since, StoreConflict is raised and nothing is written. False
    skips the check."""
    curated = Path(curated)
    with locked(curated):
        recover(curated)
        if expect_latest is not False and latest_version(curated) != expect_latest:
            raise StoreConflict(
                f"another run published version {latest_version(curated)} to {curated} while "
                f"this run was computing (it read version {expect_latest}); nothing was "
                "published: run again")
        staging = curated / ".staging" / uuid.uuid4().hex
        staging.mkdir(parents=True)
        try:
            info: dict[str, dict] = {}
            written = ahead.result() if ahead is not None else {}
            for name, df in tables.items():
                path = staging / f"{name}.parquet"
                if name in written:  # written while the gate ran: moved, not rewritten
                    os.rename(ahead.folder / written[name]["file"], path)
                    info[name] = written[name]
                else:
                    info[name] = _table_info(df, path)
                _failpoint("after_first_table")
            digest = _content_digest(info)
            latest = latest_version(curated)
            if latest is not None and not force:
                prev = read_manifest(curated, latest)
                if prev.get("content_digest") == digest and _intact(curated, latest):
                    shutil.rmtree(staging, ignore_errors=True)
                    return PublishResult(latest, version_path(curated, latest), False, prev)
            version = next_version_number(curated)
            stray = stray_versions(curated)
            if stray:
                metadata = {**metadata, "stray_version_folders": stray}
            for name, src in (attachments or {}).items():
                dst = staging / name
                if Path(src).is_dir():
                    shutil.copytree(src, dst)
                elif Path(src).is_file():
                    shutil.copyfile(src, dst)
            manifest = {
                "version": version,
                "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
                "parent_version": latest,
                "content_digest": digest,
                "tables": info,
                **metadata,
            }
            _failpoint("before_manifest")
            (staging / "manifest.json").write_text(json.dumps(manifest, indent=2, default=str))
            if before_visible is not None:
                before_visible(staging)
            _fsync_dir(staging)
            final = version_path(curated, version)
            final.parent.mkdir(parents=True, exist_ok=True)
            _failpoint("before_rename")
            os.rename(staging, final)  # the moment the version becomes visible
            _fsync_dir(final.parent)
            _failpoint("after_rename")
            _record_issued(curated, version)
            _point_latest(curated, version)
            return PublishResult(version, final, True, manifest)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise


def _intact(curated: Path, version: int) -> bool:
    """Whether `version` verifies (sizes and checksums of every table): "unchanged" is said
    only of a version whose files still hold what its manifest says; a damaged one is
    superseded by the new, equal content (logged)."""
    try:
        verify(curated, version)
        return True
    except VersionCorrupt as e:
        log.warning("%s: the rebuilt content is published as a new version", e.damage)
        return False


def record_attempt(curated: Path, name: str, files: dict[str, Path], info: dict) -> Path:
    """Keep a batch that failed validation (its reports and a summary) under attempts/, apart
    from the versions, so a user can open it and see why it was not published."""
    check_layout(curated)
    base = Path(curated) / "attempts"
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    dst = base / f"{stamp}-{name}"
    tmp = base / f".{dst.name}.tmp"
    tmp.mkdir(parents=True, exist_ok=True)
    for fname, src in files.items():
        if Path(src).is_dir():
            shutil.copytree(src, tmp / fname, dirs_exist_ok=True)
        elif Path(src).is_file():
            shutil.copyfile(src, tmp / fname)
    (tmp / "attempt.json").write_text(json.dumps(info, indent=2, default=str))
    os.rename(tmp, dst)
    return dst
