"""A run killed (SIGKILL) at any point never leaves a partial version visible; the next run
cleans up and succeeds. Kills at every named point of publishing, and at timed points of a run."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import polars as pl
import pytest

from pipeline import store

REPO = Path(__file__).resolve().parents[1]


def curate_cmd(raw: Path, cur: Path) -> list[str]:
    return [sys.executable, "-m", "pipeline.cli", "run", "--raw-dir", str(raw),
            "--curated-dir", str(cur), "--workers", "1"]


def assert_consistent(cur: Path) -> None:
    """Every visible version is complete: manifest present, every file matches its checksum."""
    for v in store.list_versions(cur):
        m = store.read_manifest(cur, v)
        for info in m["tables"].values():
            f = store.version_path(cur, v) / info["file"]
            assert store._sha256(f) == info["sha256"], f
            assert pl.read_parquet(f).height == info["rows"]
    latest = store.latest_version(cur)
    if latest is not None:
        assert pl.read_parquet(store.version_path(cur, latest) / "articles.parquet").height > 0


@pytest.mark.parametrize("point", store.FAILPOINTS)
def test_kill_during_publish(sample_raw: Path, tmp_path: Path, point: str):
    cur = tmp_path / "curated"
    env = {**os.environ, "CURATE_FAILPOINT": point}
    p = subprocess.run(curate_cmd(sample_raw, cur), cwd=REPO, env=env, capture_output=True,
                       text=True, timeout=300)
    assert p.returncode != 0  # killed
    assert_consistent(cur)
    # Killed after the rename: the version is complete and must be the latest one.
    if point in ("after_rename", "after_latest_file"):
        assert store.list_versions(cur) == [1] and store.latest_version(cur) == 1
    else:
        assert store.list_versions(cur) == []
    env.pop("CURATE_FAILPOINT")
    p = subprocess.run(curate_cmd(sample_raw, cur), cwd=REPO, env=env, capture_output=True,
                       text=True, timeout=300)
    assert p.returncode == 0, p.stderr[-2000:]
    assert_consistent(cur)
    assert store.list_versions(cur) == [1]
    assert (cur / "LATEST").read_text().strip() == "1"
    assert os.readlink(cur / "latest") == "versions/v000001"
    assert not list((cur / ".staging").iterdir())


@pytest.mark.slow
def test_kill_at_timed_points(sample_raw: Path, tmp_path: Path):
    cur = tmp_path / "curated"
    env = dict(os.environ)
    for delay in (0.5, 1.5, 2.5, 3.5, 4.5, 6.0):
        proc = subprocess.Popen(curate_cmd(sample_raw, cur), cwd=REPO, env=env,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                start_new_session=True)
        time.sleep(delay)
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        assert_consistent(cur)
    p = subprocess.run(curate_cmd(sample_raw, cur), cwd=REPO, env=env, capture_output=True,
                       text=True, timeout=300)
    assert p.returncode == 0, p.stderr[-2000:]
    assert_consistent(cur)
    assert store.latest_version(cur) == 1
