"""The Ray backend on a real Ray cluster started here: a head node and a second node (two
raylets, a real multi-node schedule on one machine), on loopback addresses (127.0.0.2 and
127.0.0.3: Ray turns 127.0.0.1 into the machine's outward address). The same raw folder gives
the same tables on `local` and on `ray`, and a worker killed in the middle of the pass still
gives the same published version."""

from __future__ import annotations

import os
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import polars as pl
import pytest

from pipeline import executors, publishing, run
from pipeline.settings import Settings

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[1]
NOW = datetime(2026, 1, 1, tzinfo=UTC)
RAY = str(Path(sys.executable).parent / "ray")
# Token authentication with a token of this test run's own: the head, the second node, their
# workers and this driver share it; nothing else can join or submit work.
TOKEN = {"RAY_AUTH_MODE": "token", "RAY_AUTH_TOKEN": secrets.token_hex(16)}
ENV = {**os.environ, "RAY_ENABLE_UV_RUN_RUNTIME_ENV": "0", "RAY_USAGE_STATS_ENABLED": "0",
       **TOKEN}
KEYS = {"articles": ["doc_id"], "duplicates": ["doc_id"], "rejected": ["doc_id"],
        "removed_lines": ["doc_id", "line_no"]}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.2", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    port = _free_port()
    address = f"127.0.0.2:{port}"
    saved = {k: os.environ.get(k) for k in TOKEN}
    os.environ.update(TOKEN)  # this process is the cluster's driver
    common = ["--num-cpus=1", "--disable-usage-stats"]
    subprocess.run([RAY, "start", "--head", "--node-ip-address=127.0.0.2", f"--port={port}",
                    "--include-dashboard=false", *common], check=True, env=ENV,
                   capture_output=True)
    try:
        subprocess.run([RAY, "start", f"--address={address}", "--node-ip-address=127.0.0.3",
                        *common], check=True, env=ENV, capture_output=True)
        yield address
    finally:
        import ray

        ray.shutdown()
        subprocess.run([RAY, "stop", "--force"], env=ENV, capture_output=True)
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


@pytest.fixture(scope="module")
def raw(tmp_path_factory) -> Path:
    """~3,000 text scrapes (several chunks) plus the bundled sample (every format)."""
    out = tmp_path_factory.mktemp("corpus")
    subprocess.run([sys.executable, str(REPO / "bench" / "corpus.py"), "--docs", "3000",
                    "--kind", "text", "--out", str(out)], check=True, capture_output=True)
    import shutil

    shutil.copytree(REPO / "data" / "raw", out / "raw" / "sample")
    return out / "raw"


def publish(settings: Settings, run_id: str) -> dict[str, pl.DataFrame]:
    st = run.run_steps(settings, now=NOW)
    report = publishing.audit(st, settings.curated_dir, run_id)
    assert report.success, report.to_text()
    publishing.publish(st, settings.curated_dir, run_id)
    latest = settings.curated_dir / "latest"
    return {name: pl.read_parquet(latest / f"{name}.parquet").drop("ingested_at", strict=False)
            .sort(key) for name, key in KEYS.items()}


@pytest.fixture(scope="module")
def local_tables(raw: Path, tmp_path_factory) -> dict[str, pl.DataFrame]:
    cur = tmp_path_factory.mktemp("local")
    return publish(Settings(raw_dir=raw, curated_dir=cur, workers=2, full_rebuild=True), "local")


def test_ray_gives_the_tables_of_local(cluster: str, raw: Path, local_tables, tmp_path: Path):
    s = Settings(raw_dir=raw, curated_dir=tmp_path / "ray", executor="ray", ray_address=cluster,
                 full_rebuild=True)
    described = executors.describe(s)
    assert described == {"executor": "ray", "workers": 2, "nodes": 2}
    got = publish(s, "ray")
    assert local_tables["articles"].height > 1000
    for name in KEYS:
        assert got[name].equals(local_tables[name]), name


def test_a_worker_killed_mid_pass_gives_the_same_version(cluster: str, raw: Path, local_tables,
                                                        tmp_path: Path):
    s = Settings(raw_dir=raw, curated_dir=tmp_path / "ray", executor="ray", ray_address=cluster,
                 full_rebuild=True)
    killed: list[int] = []

    def kill_one() -> None:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and not killed:
            ps = subprocess.run(["pgrep", "-f", "ray::clean_chunk"], capture_output=True,
                                text=True).stdout.split()
            if ps:
                time.sleep(0.5)  # in the middle of its chunk
                try:
                    os.kill(int(ps[0]), signal.SIGKILL)
                    killed.append(int(ps[0]))
                except ProcessLookupError:
                    continue
            time.sleep(0.05)

    killer = threading.Thread(target=kill_one, daemon=True)
    killer.start()
    got = publish(s, "ray-killed")
    killer.join()
    assert killed, "no chunk task was seen running"
    for name in KEYS:
        assert got[name].equals(local_tables[name]), name


def test_storage_no_node_can_write_is_a_clear_error(cluster: str, tmp_path: Path):
    s = Settings(raw_dir=tmp_path, curated_dir=tmp_path, executor="ray", ray_address=cluster)
    with pytest.raises(executors.SharedStorageError, match="cannot write"):
        executors.check_shared_storage(tmp_path / "missing" / "folder", s)
