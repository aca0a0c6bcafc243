"""The Dagster layer: the definitions load, the graph is wired and described as a data engineer
expects, the sensor reacts to new files and starts from what is published."""

from __future__ import annotations

import os
from pathlib import Path

import dagster as dg

from pipeline import schema
from pipeline.definitions import build_definitions, defs
from pipeline.orchestration.automation import new_raw_files_sensor
from pipeline.orchestration.display import ARTICLE_COLUMNS
from pipeline.orchestration.resources import CurationConfig

ASSETS = ("documents", "deduplicated", "curated_batch", "published_version")


def test_definitions_load_with_graph_schedule_and_sensor():
    repo = defs.get_repository_def()
    graph = repo.asset_graph
    keys = {k.to_user_string() for k in graph.get_all_asset_keys()}
    assert keys == {"raw_scrapes", *ASSETS}
    parents = {k.to_user_string(): {p.to_user_string() for p in graph.get(k).parent_keys}
               for k in graph.get_all_asset_keys()}
    assert parents["raw_scrapes"] == set()  # the top of the graph: the raw folder
    assert parents["documents"] == {"raw_scrapes"}
    assert parents["deduplicated"] == {"documents"}
    assert parents["curated_batch"] == {"documents", "deduplicated"}
    assert parents["published_version"] == {"curated_batch"}
    assert not graph.get(dg.AssetKey("raw_scrapes")).is_materializable  # external: observed
    groups = {graph.get(k).group_name for k in graph.get_all_asset_keys()}
    assert groups == {"news_curation"}  # one group: the lineage opens on the whole graph
    checks = {c.name for c in graph.asset_check_keys}
    assert checks == {"validation_gate", "validation_warnings"}
    assert defs.resolve_job_def("curate") is not None
    assert [s.name for s in repo.schedule_defs] == ["daily_curate"]
    assert repo.schedule_defs[0].cron_schedule == "0 2 * * *"
    assert [s.name for s in repo.sensor_defs] == ["new_raw_files_sensor"]


def test_assets_have_owners_tags_code_versions_and_no_partitions():
    graph = defs.get_repository_def().asset_graph
    for name in ("raw_scrapes", *ASSETS):
        node = graph.get(dg.AssetKey(name))
        assert node.description, name
        assert node.owners == ["team:news-curation"], name
        assert node.tags.get("domain") == "news", name
        assert node.partitions_def is None, name  # decided: see assets.py's docstring
    for name in ASSETS:
        node = graph.get(dg.AssetKey(name))
        assert node.code_version and len(node.code_version) == 12, name
    versions = {graph.get(dg.AssetKey(n)).code_version for n in ASSETS}
    assert len(versions) == len(ASSETS)  # each from its own step's files


def test_published_version_declares_the_data_contract_columns():
    spec = defs.get_assets_def("published_version").specs_by_key[
        dg.AssetKey("published_version")]
    cols = spec.metadata["dagster/column_schema"].columns
    assert [c.name for c in cols] == list(schema.ARTICLES)
    assert all(c.description for c in cols)
    assert set(ARTICLE_COLUMNS) == set(schema.ARTICLES)


def test_every_job_runs_in_process():
    for job in (defs.resolve_job_def("curate"), defs.resolve_implicit_global_asset_job_def()):
        assert job.executor_def.name == "in_process", job.name


def test_a_partial_launch_config_is_valid_and_keeps_the_rest(tmp_path: Path):
    """`full_rebuild: true` alone (the launchpad's partial config) needs no path or count, and
    keeps the folders the definitions were built with (not the class defaults)."""
    from pipeline.settings import Settings

    job = defs.resolve_job_def("curate")
    for config in ({}, {"resources": {"curation": {"config": {"full_rebuild": True}}}},
                   {"resources": {"curation": {"config": {"workers": 1}}}}):
        assert dg.validate_run_config(job, config) is not None, config  # raises when invalid
    mine = build_definitions(Settings(raw_dir=tmp_path / "r", curated_dir=tmp_path / "c"))
    got = dg.validate_run_config(mine.resolve_job_def("curate"), {
        "resources": {"curation": {"config": {"full_rebuild": True}}}})
    config = got["resources"]["curation"]["config"]
    assert config["full_rebuild"] is True
    assert config["raw_dir"] == str(tmp_path / "r") and config["curated_dir"] == str(tmp_path / "c")
    # "workers: 0": every core of the machine that runs the job, not the loading machine's.
    assert CurationConfig.model_fields["workers"].default == 0
    assert defs.resources["curation"].workers == 0


def test_workspace_points_at_the_definitions():
    text = (Path(__file__).resolve().parents[1] / "workspace.yaml").read_text()
    assert "python_module: pipeline.definitions" in text


def _tick(raw: Path, cursor: str | None, curated: Path | None = None):
    ctx = dg.build_sensor_context(cursor=cursor, resources={
        "curation": CurationConfig(raw_dir=str(raw),
                                   curated_dir=str(curated or raw.parent / "cur"))})
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


def test_sensor_starts_from_the_published_listing(raw_dir: Path, tmp_path: Path):
    """Turned on over a folder whose listing the latest version was built from, the sensor
    requests nothing (its cursor starts empty); a new file then requests one run."""
    from pipeline import store
    from pipeline.orchestration.automation import raw_listing_fingerprint

    (raw_dir / "a.txt").write_text("An article.")
    cur = tmp_path / "published"
    fp, _ = raw_listing_fingerprint(raw_dir)
    store.publish(cur, {"articles": schema.empty("articles")},
                  metadata={"input_fingerprint": fp})
    res, cursor = _tick(raw_dir, None, cur)
    assert isinstance(res, dg.SkipReason) and "version 1" in res.skip_message
    assert cursor == fp
    (raw_dir / "b.txt").write_text("Another article.")
    res, cursor2 = _tick(raw_dir, cursor, cur)
    assert isinstance(res, dg.RunRequest) and cursor2 != fp


def test_build_definitions_points_resources_elsewhere(tmp_path: Path):
    from pipeline.settings import Settings

    d = build_definitions(Settings(raw_dir=tmp_path / "r", curated_dir=tmp_path / "c"))
    res = d.resources["curation"]
    assert res.raw_dir == str(tmp_path / "r") and res.curated_dir == str(tmp_path / "c")
    raw = d.get_repository_def().asset_graph.get(dg.AssetKey("raw_scrapes"))
    assert raw.metadata["path"].value == str(tmp_path / "r")
