"""Two runs at once: one publishes, the other waits or fails with a clear message; the store
stays consistent (every visible version complete, contiguous numbers, latest = the newest)."""

from __future__ import annotations

import multiprocessing as mp
import os
import subprocess
import sys
import time
from pathlib import Path

import polars as pl
import pytest

from pipeline import store

REPO = Path(__file__).resolve().parents[1]

HOLD_LOCK = """
import sys, time
from pipeline import store
with store.locked(sys.argv[1]):
    print("locked", flush=True)
    time.sleep(float(sys.argv[2]))
"""


def hold_lock(cur: Path, seconds: float) -> subprocess.Popen:
    """Another process holding the store's lock (as a publishing run does), for `seconds`."""
    p = subprocess.Popen([sys.executable, "-c", HOLD_LOCK, str(cur), str(seconds)], cwd=REPO,
                         stdout=subprocess.PIPE, text=True)
    assert p.stdout.readline().strip() == "locked"
    return p


def tables(tag: str) -> dict[str, pl.DataFrame]:
    return {"articles": pl.DataFrame({"doc_id": [tag], "text": [f"text {tag}"]}),
            "rejected": pl.DataFrame({"doc_id": [f"r{tag}"], "reason": ["empty"]})}


def assert_consistent(cur: Path) -> None:
    versions = store.list_versions(cur)
    assert versions == list(range(1, len(versions) + 1))
    for v in versions:
        m = store.read_manifest(cur, v)
        for info in m["tables"].values():
            f = store.version_path(cur, v) / info["file"]
            assert store._sha256(f) == info["sha256"]
    if versions:
        assert store.latest_version(cur) == versions[-1]
        assert (cur / "LATEST").read_text().strip() == str(versions[-1])
    staging = cur / ".staging"
    assert not staging.is_dir() or not list(staging.iterdir())


def test_second_publisher_in_another_process_fails_fast(tmp_path: Path):
    cur = tmp_path / "curated"
    holder = hold_lock(cur, 30)
    try:
        t = time.perf_counter()
        with pytest.raises(store.StoreBusy, match="another run is publishing"):
            store.publish(cur, tables("a"), metadata={})
        assert time.perf_counter() - t < 10  # fails fast, does not wait (the lock: 30 s)
        assert store.list_versions(cur) == []
    finally:
        holder.kill()
        holder.wait()
    # The OS drops the lock of a dead process: the next publisher goes through.
    assert store.publish(cur, tables("a"), metadata={}).version == 1
    assert_consistent(cur)


def test_waiting_publisher_goes_after_the_holder(tmp_path: Path):
    cur = tmp_path / "curated"
    holder = hold_lock(cur, 1.0)
    t = time.perf_counter()
    with store.locked(cur, wait=True):
        assert time.perf_counter() - t > 0.5
    holder.wait()
    assert store.publish(cur, tables("b"), metadata={}).version == 1


def _publish_at(args: tuple[str, str, float]) -> str:
    cur, tag, start = args
    time.sleep(max(0.0, start - time.time()))
    try:
        return str(store.publish(Path(cur), tables(tag), metadata={"tag": tag}).version)
    except store.StoreBusy as e:
        return f"busy: {e}"


def test_racing_publishers_keep_the_store_consistent(tmp_path: Path):
    cur = tmp_path / "curated"
    ctx = mp.get_context("spawn")
    for round_ in range(2):
        start = time.time() + 1.5
        with ctx.Pool(4) as pool:
            got = pool.map(_publish_at, [(str(cur), f"{round_}-{i}", start) for i in range(4)])
        won = [g for g in got if not g.startswith("busy")]
        lost = [g for g in got if g.startswith("busy")]
        assert won, got
        assert all("another run is publishing" in g for g in lost)
        assert_consistent(cur)
    n = len(store.list_versions(cur))
    tags = {store.read_manifest(cur, v)["tag"] for v in range(1, n + 1)}
    assert len(tags) == n  # every version is one whole publisher's batch


def test_cli_says_clearly_that_another_run_is_publishing(sample_raw: Path, tmp_path: Path,
                                                         capsys):
    """The run computes everything, then finds the store busy at publish time: non-zero exit,
    a one-line reason of its own, and no claim that validation failed."""
    from pipeline.cli import main as curate

    cur = tmp_path / "curated"
    holder = hold_lock(cur, 300)
    try:
        code = curate(["run", "--raw-dir", str(sample_raw), "--curated-dir", str(cur),
                       "--workers", "1"])
    finally:
        holder.kill()
        holder.wait()
    out = capsys.readouterr()
    assert code != 0
    assert store.list_versions(cur) == []
    assert "validation FAILED" not in out.out  # it passed; publishing was refused
    own = [ln for ln in (out.out + out.err).splitlines()
           if "another run is publishing" in ln and " - dagster - " not in ln
           and not ln.startswith((" ", "\t", "pipeline.store.StoreBusy"))]
    assert own, out.err[-2000:]


@pytest.mark.slow
def test_two_curate_runs_started_at_once(sample_raw: Path, tmp_path: Path):
    cur = tmp_path / "curated"
    env = {**os.environ, "CURATE_WORKERS": "1"}
    # An initialised Dagster home, as on any machine after its first run. (Two first runs on a
    # fresh home race creating its SQLite schema: "table secondary_indexes already exists".)
    subprocess.run([sys.executable, "-c", "import dagster as dg; dg.DagsterInstance.get()"],
                   cwd=REPO, env=env, check=True, capture_output=True)
    cmd = [sys.executable, "-m", "pipeline.cli", "run", "--raw-dir", str(sample_raw),
           "--curated-dir", str(cur), "--workers", "1"]
    procs = [subprocess.Popen(cmd, cwd=REPO, env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for _ in range(2)]
    results = [(p.wait(timeout=600), *p.communicate()) for p in procs]
    codes = [r[0] for r in results]
    assert 0 in codes, results
    for code, _out, err in results:
        if code != 0:  # lost the lock, or found the other run's version when publishing
            assert code == 75, err[-3000:]
            assert ("another run is publishing" in err or "another run published" in err), \
                err[-3000:]
    assert store.list_versions(cur) == [1]  # same data: one version, whichever run won
    assert_consistent(cur)
