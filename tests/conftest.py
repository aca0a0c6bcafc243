"""Shared fixtures: temporary raw/curated folders, the bundled sample data, the seeds."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from pipeline.settings import Settings

REPO = Path(__file__).resolve().parents[1]
SAMPLE_RAW = REPO / "data" / "raw"
SEEDS_GOLD = REPO / "tests" / "data" / "seeds_gold.json"


@pytest.fixture(autouse=True)
def _isolated_env(monkeypatch, tmp_path_factory):
    """No test writes into the developer's Dagster home or sends GX analytics."""
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path_factory.mktemp("dagster_home")))
    monkeypatch.setenv("GX_ANALYTICS_ENABLED", "false")
    monkeypatch.setenv("DAGSTER_DISABLE_TELEMETRY", "1")


@pytest.fixture
def raw_dir(tmp_path: Path) -> Path:
    d = tmp_path / "raw"
    d.mkdir()
    return d


@pytest.fixture
def sample_raw(tmp_path: Path) -> Path:
    """A copy of the bundled data/raw (the five seeds plus one file of each other format)."""
    d = tmp_path / "raw"
    shutil.copytree(SAMPLE_RAW, d)
    return d


@pytest.fixture
def settings_for(tmp_path: Path):
    def make(raw: Path, **kw) -> Settings:
        return Settings(raw_dir=raw, curated_dir=tmp_path / "curated", workers=kw.pop("workers", 1),
                        **kw)
    return make


@pytest.fixture(scope="session")
def devdata_root() -> Path:
    """The WCXB dev set's folder (bench/_devdata.py finds or unpacks it); skips without it."""
    import sys

    bench = str(REPO / "bench")
    sys.path.insert(0, bench)
    try:
        from _devdata import devdata_dir

        return devdata_dir()
    except (FileNotFoundError, ImportError) as exc:
        pytest.skip(f"dev set not available: {exc}")
    finally:
        sys.path.remove(bench)


@pytest.fixture(scope="session")
def seeds_gold() -> dict:
    return json.loads(SEEDS_GOLD.read_text())
