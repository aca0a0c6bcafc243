"""The Dagster layer: the definitions load, the graph is wired, the sensor reacts to new files."""

from __future__ import annotations

import os
from pathlib import Path

import dagster as dg

from pipeline.definitions import build_definitions, defs
from pipeline.orchestration.automation import new_raw_files_sensor
from pipeline.orchestration.resources import CurationConfig


def test_definitions_load_with_graph_schedule_and_sensor():
    repo = defs.get_repository_def()
    graph = repo.asset_graph
    keys = {k.to_user_string() for k in graph.get_all_asset_keys()}
    assert keys == {"documents", "deduplicated", "curated_batch", "published_version"}
    parents = {k.to_user_string(): {p.to_user_string() for p in graph.get(k).parent_keys}
               for k in graph.get_all_asset_keys()}
    assert parents["deduplicated"] == {"documents"}
    assert parents["curated_batch"] == {"documents", "deduplicated"}
    assert parents["published_version"] == {"curated_batch"}
    for k in graph.get_all_asset_keys():
        node = graph.get(k)
        assert node.description and node.group_name in {"ingest", "transform", "publish"}
    checks = {c.name for c in graph.asset_check_keys}
    assert checks == {"validation_gate", "validation_warnings"}
    assert defs.resolve_job_def("curate") is not None
    assert [s.name for s in repo.schedule_defs] == ["daily_curate"]
    assert repo.schedule_defs[0].cron_schedule == "0 2 * * *"
    assert [s.name for s in repo.sensor_defs] == ["new_raw_files_sensor"]


def test_workspace_points_at_the_definitions():
    text = (Path(__file__).resolve().parents[1] / "workspace.yaml").read_text()
    assert "python_module: pipeline.definitions" in text


def _tick(raw: Path, cursor: str | None):
    ctx = dg.build_sensor_context(cursor=cursor, resources={
        "curation": CurationConfig(raw_dir=str(raw), curated_dir=str(raw.parent / "cur"))})
    return new_raw_files_sensor(ctx), ctx.cursor


def test_sensor_new_file_requests_a_run_once(raw_dir: Path):
    res, _ = _tick(raw_dir, None)
    assert isinstance(res, dg.SkipReason)  # nothing there yet
    (raw_dir / "a.txt").write_text("An article.")
    res, cursor = _tick(raw_dir, None)
    assert isinstance(res, dg.RunRequest) and res.run_key == cursor
    res2, cursor2 = _tick(raw_dir, cursor)
    assert isinstance(res2, dg.SkipReason) and cursor2 == cursor  # no new file: skip
    (raw_dir / "b.txt").write_text("Another article.")
    res3, cursor3 = _tick(raw_dir, cursor)
    assert isinstance(res3, dg.RunRequest) and cursor3 != cursor


def test_sensor_sees_a_replaced_file(raw_dir: Path):
    f = raw_dir / "a.txt"
    f.write_text("An article.")
    _, cursor = _tick(raw_dir, None)
    f.write_text("An article, scraped again with more text.")
    os.utime(f, ns=(1, 1))
    res, _ = _tick(raw_dir, cursor)
    assert isinstance(res, dg.RunRequest)


def test_build_definitions_points_resources_elsewhere(tmp_path: Path):
    from pipeline.settings import Settings

    d = build_definitions(Settings(raw_dir=tmp_path / "r", curated_dir=tmp_path / "c"))
    res = d.resources["curation"]
    assert res.raw_dir == str(tmp_path / "r") and res.curated_dir == str(tmp_path / "c")
