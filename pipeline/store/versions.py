"""Version folders, their numbers and manifests: listing, numbering (a number once visible is
never issued again), reading, the latest pointer."""

from __future__ import annotations

import hashlib
import json
import os
import re
import stat
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path

from pipeline.store.errors import _failpoint

VERSION_DIR = re.compile(r"^v(\d{6,})$")


DATA_TABLES = ("articles", "rejected", "duplicates", "removed_lines")


ISSUED = ".issued_versions"


# A manifest larger than this is not one of ours (they hold counts, checksums and a summary).
MAX_MANIFEST_BYTES = 16 * 1024 * 1024


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
