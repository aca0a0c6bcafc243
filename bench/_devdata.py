"""Locate (and if needed unpack) the dev sets (WCXB article dev, Dragnet dev), shared by the
quality evaluations.

The set lives outside the repository: /work/devdata on a developer machine, and only as a tarball in
../shared/devdata/ on CI. Unpacking goes to a user cache dir, never into the repo.
"""

from __future__ import annotations

import os
import shutil
import tarfile
import tempfile
from pathlib import Path

NAME = "wcxb-article-dev"
DRAGNET = "dragnet-dev"
SETS = (NAME, DRAGNET)
REPO = Path(__file__).resolve().parents[1]


def cache_dir() -> Path:
    """Where evaluations may cache derived data (outside the repo)."""
    base = os.environ.get("NEWS_CURATION_CACHE") or os.environ.get("XDG_CACHE_HOME")
    root = Path(base) if base else Path.home() / ".cache"
    path = root / "news-curation"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _candidates(name: str) -> list[Path]:
    env = os.environ.get("WCXB_DEV_DIR") if name == NAME else None
    out = [Path(env)] if env else []
    out += [REPO.parent / "devdata" / name, Path("/work/devdata") / name, cache_dir() / name]
    return out


def devdata_dir(name: str = NAME) -> Path:
    """Directory holding cases.jsonl, html/, text/, gold/ of dev set `name` (`SETS`); unpacks
    the shared tarball on first use."""
    for cand in _candidates(name):
        if (cand / "cases.jsonl").is_file():
            return cand
    tarball = REPO.parent / "shared" / "devdata" / f"{name}.tar.gz"
    if not tarball.is_file():
        raise FileNotFoundError(f"dev set not found: no {name}/ dir and no {tarball}")
    # Unpack beside the final place, then rename: an interrupted unpack leaves no half set.
    target = cache_dir()
    tmp = Path(tempfile.mkdtemp(prefix=".unpack-", dir=target))
    try:
        with tarfile.open(tarball) as tar:
            tar.extractall(tmp, filter="data")
        if not (target / name).exists():
            (tmp / name).rename(target / name)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return target / name
