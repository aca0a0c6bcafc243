"""Run settings: where data lives and the limits that keep hostile input bounded.

A plain dataclass so the core stays Dagster-free; the Dagster resource and the CLI build one.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[1]


def default_workers() -> int:
    """Worker processes for per-document work: every core, unless CURATE_WORKERS says otherwise."""
    env = os.environ.get("CURATE_WORKERS")
    if env:
        return max(1, int(env))
    return max(1, os.cpu_count() or 1)


def _env_path(name: str, default: Path) -> Path:
    value = os.environ.get(name)
    return Path(value) if value else default


EXECUTORS = ("local", "ray")


@dataclass(frozen=True)
class Settings:
    """Defaults: the repo's data/raw and data/curated, or CURATE_RAW_DIR / CURATE_CURATED_DIR."""

    raw_dir: Path = field(default_factory=lambda: _env_path("CURATE_RAW_DIR",
                                                            PROJECT_ROOT / "data" / "raw"))
    curated_dir: Path = field(default_factory=lambda: _env_path(
        "CURATE_CURATED_DIR", PROJECT_ROOT / "data" / "curated"))
    # Limits (hostile input): a raw file or a decompressed member larger than this is rejected.
    max_file_bytes: int = 64 * 1024 * 1024
    # One document (a page, a text, a JSONL record body) larger than this is rejected.
    max_document_bytes: int = 8 * 1024 * 1024
    # Wall-clock limit for trafilatura on one page, in seconds.
    extract_timeout_s: float = 20.0
    # Worker processes for extraction; 1 runs in-process.
    workers: int = field(default_factory=default_workers)
    # Documents handed to a worker at a time.
    chunk_size: int = 64
    # False: process only documents the latest version has not seen, and build on it.
    # True: rebuild every table from all of data/raw.
    full_rebuild: bool = False
    # Great Expectations suites (JSON); None: the repo's expectations/ folder.
    expectations_dir: Path | None = None
    # Where the per-document pass and the LSH band join run: "local" (worker processes on this
    # machine) or "ray" (tasks on a Ray cluster; the raw and curated folders must be on storage
    # every node sees). Default: CURATE_EXECUTOR, else "local".
    executor: str = field(default_factory=lambda: os.environ.get("CURATE_EXECUTOR", "local"))
    # The Ray cluster to join ("127.0.0.1:6379", "auto"); empty: RAY_ADDRESS, else a Ray
    # instance started on this machine for the run.
    ray_address: str = field(default_factory=lambda: os.environ.get("RAY_ADDRESS", ""))
    # Folders besides the raw folder that symbolic links inside it may lead to (e.g. a scrape
    # folder on another disk: raw/2024-03 -> /mnt/scrapes/2024-03); a link leading anywhere else
    # is refused with the reason `symlink_outside`. Default: CURATE_RAW_ALLOWED_ROOTS (paths
    # separated by ':'), else none (links are followed only within the raw folder).
    raw_allowed_roots: tuple[Path, ...] = field(default_factory=lambda: tuple(
        Path(p) for p in os.environ.get("CURATE_RAW_ALLOWED_ROOTS", "").split(os.pathsep) if p))
    # True: read raw files that have other hard links (a raw folder filled with `cp -al` or
    # `rsync --link-dest`). False: refused (`hard_link`): their other names may be any file of
    # the machine. Default: CURATE_RAW_ALLOW_HARD_LINKS=1, else False.
    raw_allow_hard_links: bool = field(
        default_factory=lambda: os.environ.get("CURATE_RAW_ALLOW_HARD_LINKS") == "1")
    # Largest share of the latest version's articles a full rebuild may drop (their source no
    # longer read) before it stops with store.RebuildRefused, nothing published.
    rebuild_max_loss: float = 0.05
    # True: a full rebuild may drop more than rebuild_max_loss, and a run may start on an
    # empty raw folder (`curate run --allow-shrink`). Default: CURATE_ALLOW_SHRINK=1, else False.
    allow_shrink: bool = field(default_factory=lambda: os.environ.get("CURATE_ALLOW_SHRINK") == "1")

    def __post_init__(self) -> None:
        if self.executor not in EXECUTORS:
            raise ValueError(f"executor {self.executor!r}: one of {', '.join(EXECUTORS)}")
        object.__setattr__(self, "raw_dir", Path(self.raw_dir))
        object.__setattr__(self, "curated_dir", Path(self.curated_dir))
