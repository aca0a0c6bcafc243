"""The versioned Parquet store: immutable versions that appear atomically, a latest pointer.

Layout under the curated folder (plain files any Parquet reader opens, no library needed):

    versions/v000001/articles.parquet  rejected.parquet  duplicates.parquet  removed_lines.parquet
    versions/v000001/manifest.json     (row counts, schema, checksums, fingerprint, code version)
    latest -> versions/v000001         (symlink, swapped atomically)
    LATEST                             (the latest version number, for tools that avoid symlinks)
    attempts/<time>-<id>/              (batches that failed validation, with their reports)
    .staging/                          (versions being written; never read, cleared on next run)
    .lock                              (one publisher at a time)

A version is written completely under .staging, then renamed into versions/ in one rename(2):
readers see all of it or none of it. A run killed at any point leaves at most a staging folder,
which the next publisher removes.
"""

from __future__ import annotations

import errno
import fcntl
import hashlib
import json
import os
import re
import shutil
import signal
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import polars as pl

VERSION_DIR = re.compile(r"^v(\d{6,})$")
DATA_TABLES = ("articles", "rejected", "duplicates", "removed_lines")


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


def list_versions(curated: Path) -> list[int]:
    """Complete versions (a manifest is the last file written before the atomic rename)."""
    vdir = versions_dir(curated)
    if not vdir.is_dir():
        return []
    out = []
    for p in vdir.iterdir():
        m = VERSION_DIR.match(p.name)
        if m and (p / "manifest.json").is_file():
            out.append(int(m.group(1)))
    return sorted(out)


def latest_version(curated: Path) -> int | None:
    """The version LATEST names, or the newest complete one if the pointer is missing/stale."""
    versions = list_versions(curated)
    if not versions:
        return None
    try:
        named = int((Path(curated) / "LATEST").read_text().strip())
        if named in versions and named == versions[-1]:
            return named
    except (OSError, ValueError):
        pass
    return versions[-1]


def resolve(curated: Path, version: int | str = "latest") -> int:
    if version == "latest":
        v = latest_version(curated)
        if v is None:
            raise FileNotFoundError(f"no published version under {curated}")
        return v
    v = int(version)
    if v not in list_versions(curated):
        raise FileNotFoundError(f"version {v} does not exist under {curated}")
    return v


def read_manifest(curated: Path, version: int | str = "latest") -> dict:
    v = resolve(curated, version)
    return json.loads((version_path(curated, v) / "manifest.json").read_text())


@contextmanager
def locked(curated: Path, wait: bool = False) -> Iterator[None]:
    """Hold the store's lock: a second concurrent publisher fails fast (or waits) instead of
    racing for the next version number. The OS drops the lock when a process dies."""
    curated = Path(curated)
    curated.mkdir(parents=True, exist_ok=True)
    fd = os.open(curated / ".lock", os.O_RDWR | os.O_CREAT, 0o644)
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
    Call with the lock held. Returns what was cleaned, for the run's log."""
    curated = Path(curated)
    done = []
    staging = curated / ".staging"
    if staging.is_dir():
        for p in staging.iterdir():
            shutil.rmtree(p, ignore_errors=True)
            done.append(f"removed unfinished staging {p.name}")
    vdir = versions_dir(curated)
    if vdir.is_dir():
        for p in vdir.iterdir():
            if VERSION_DIR.match(p.name) and not (p / "manifest.json").is_file():
                shutil.rmtree(p, ignore_errors=True)
                done.append(f"removed incomplete {p.name}")
    for tmp in curated.glob(".*.tmp"):
        tmp.unlink(missing_ok=True)
        done.append(f"removed {tmp.name}")
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
    tmp.write_text(f"{version}\n")
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
    return {"file": path.name, "rows": rows, "sha256": _sha256(path),
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
                if prev.get("content_digest") == digest:
                    shutil.rmtree(staging, ignore_errors=True)
                    return PublishResult(latest, version_path(curated, latest), False, prev)
            version = (latest or 0) + 1
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
            _point_latest(curated, version)
            return PublishResult(version, final, True, manifest)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise


def record_attempt(curated: Path, name: str, files: dict[str, Path], info: dict) -> Path:
    """Keep a batch that failed validation (its reports and a summary) under attempts/, apart
    from the versions, so a user can open it and see why it was not published."""
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
