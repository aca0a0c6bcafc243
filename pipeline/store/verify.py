"""Verify a version against its manifest (sizes always, sha256 of the tables a run reads) before
a run builds on it or calls it unchanged."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from pipeline.store.errors import VersionCorrupt, log
from pipeline.store.versions import _load_manifest, _sha256, list_versions, version_path


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
