"""Publishing a version atomically: tables written under .staging (or moved from a
write-ahead), a manifest, one rename into versions/, the latest pointer; failed attempts kept."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import polars as pl

from pipeline.store.errors import StoreConflict, _failpoint
from pipeline.store.guards import check_layout, locked, recover
from pipeline.store.verify import _intact
from pipeline.store.versions import (
    PublishResult,
    _fsync_dir,
    _point_latest,
    _record_issued,
    _sha256,
    latest_version,
    next_version_number,
    read_manifest,
    stray_versions,
    version_path,
)

# Rows per Parquet row group. A streamed table is buffered a row group at a time: Polars' default
# (~250k rows) held 3 GB of article text per group at 1M documents; 8,192 articles (~100 MB of
# text) keep the writer's memory flat and readers can still skip by statistics.
# Removed lines: 2**20 rows a group (~110 MB buffered while streaming). Their texts recur
# (menus, footers, share bars across pages), and Parquet's dictionary is per row group: at
# 131,072 rows a group the 3.2M removed lines of 25k real pages took 32.6 MB, at 2**20 15.8 MB.
# With the bigger dictionaries zstd level 1 loses little (17.9 MB) and writes 23 % faster than
# level 3 (bench/README.md, "Session 7").
ROW_GROUP_ROWS = {"articles": 8192, "removed_lines": 1 << 20}
COMPRESSION_LEVEL = {"removed_lines": 1}


DEFAULT_ROW_GROUP_ROWS = 131_072


def _write_table(df: pl.DataFrame | pl.LazyFrame, path: Path) -> int:
    """Write one table (a lazy scan is streamed to the file, never held whole); its rows."""
    opts = {"compression": "zstd", "statistics": True,
            "row_group_size": ROW_GROUP_ROWS.get(path.stem, DEFAULT_ROW_GROUP_ROWS),
            "compression_level": COMPRESSION_LEVEL.get(path.stem)}
    if isinstance(df, pl.LazyFrame):
        df.sink_parquet(path, **opts)
        rows = int(pl.scan_parquet(path).select(pl.len()).collect().item())
    else:
        df.write_parquet(path, **opts)
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
