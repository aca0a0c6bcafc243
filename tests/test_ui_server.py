"""End to end through the real server, as a person or an operator would use it: `dagster dev -w
workspace.yaml` (webserver + daemon) on a free local port, the curate job launched over GraphQL,
the new-files sensor turned on and fed a file, and the UI's pages rendered by headless Chromium.

One server for the module (starting it takes ~20 s); the published versions are read from the
temporary curated folder with Polars. Every wait is bounded; teardown kills the server's whole
process group.
"""

from __future__ import annotations

import os
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

import polars as pl
import pytest

from pipeline import store
from tests.ui_helpers import REPO, DagsterDev, chromium, find_chromium, visible_text

pytestmark = pytest.mark.slow

JOB, SENSOR = "curate", "new_raw_files_sensor"
ASSETS = ("documents", "deduplicated", "curated_batch", "published_version")
RUN_TIMEOUT = 240
# The job runs its steps in one process (its executor is in_process): no run config needed.
IN_PROCESS: dict = {}

NEW_ARTICLE = """Harbour town opens tide-powered ferry line

The coastal town of Maren Bay opened a ferry line on Friday whose two boats draw part of their
power from turbines anchored in the estuary, the harbour authority said.

The boats carry up to ninety passengers each between the old fish market and the island of
Skerholm, a crossing of about twenty minutes. Until now the route was served by a diesel ferry
that ran four times a day in summer and twice a day in winter.

Engineers installed three turbines on the seabed last autumn. They charge batteries in a
floating station at the end of the pier, and the ferries top up there between crossings. On
calm days with weak tides the boats can also draw power from the town grid.

"We wanted a service people can rely on in January as much as in July," said harbour master
Ingrid Solvang, who has run the port for eleven years. She said the line would run every hour
from six in the morning until ten at night throughout the year.

Residents of Skerholm, where about four hundred people live, have long asked for more frequent
crossings. The island school has fifty pupils, and many families commute to jobs on the
mainland. Shop owners on the island said they hoped the new timetable would bring more visitors
in the quiet months.

The project cost eleven million euros, shared between the regional government, the town and a
European fund for coastal transport. The harbour authority plans to publish figures on energy
use and passenger numbers after the first full year of service.
"""


@dataclass
class Env:
    server: DagsterDev
    raw: Path
    curated: Path
    base: Path


@pytest.fixture(scope="module")
def ui(tmp_path_factory) -> Env:
    base = tmp_path_factory.mktemp("ui_server")
    raw, curated = base / "raw", base / "curated"
    shutil.copytree(REPO / "data" / "raw", raw)
    curated.mkdir()
    server = DagsterDev(home=base / "dagster_home", log_path=base / "dagster_dev.log", env={
        "CURATE_RAW_DIR": str(raw), "CURATE_CURATED_DIR": str(curated), "CURATE_WORKERS": "1"})
    server.start(timeout=120)
    try:
        yield Env(server, raw, curated, base)
    finally:
        server.stop()


@pytest.fixture(scope="module")
def curate_run(ui: Env) -> dict:
    """The curate job launched over GraphQL, waited for: the module's first published version."""
    run_id = ui.server.launch(JOB, IN_PROCESS)
    return ui.server.wait_run(run_id, RUN_TIMEOUT)


def test_curate_job_launched_over_graphql_publishes(ui: Env, curate_run: dict):
    assert curate_run["jobName"] == JOB and curate_run["status"] == "SUCCESS"
    steps = {s["stepKey"]: s["status"] for s in curate_run["stepStats"]}
    assert set(ASSETS) <= set(steps), steps
    assert all(v == "SUCCESS" for v in steps.values()), steps
    assert any("validation_gate" in k for k in steps)  # the blocking check ran in the run

    assert store.list_versions(ui.curated) == [1]
    latest = ui.curated / "latest"
    articles = pl.read_parquet(latest / "articles.parquet")
    assert articles.height == 5
    assert articles["doc_id"].n_unique() == 5
    dups = pl.read_parquet(latest / "duplicates.parquet")
    rejected = pl.read_parquet(latest / "rejected.parquet")
    manifest = store.read_manifest(ui.curated)
    assert manifest["raw_documents"] == int(articles["n_copies"].sum()) + rejected.height == 10
    assert dups.height == 5
    assert manifest["validation"]["success"] is True


def test_sensor_starts_a_run_for_a_new_raw_file(ui: Env, curate_run: dict):
    srv = ui.server
    repo = srv.repository(JOB)
    selector = {**repo, "sensorName": SENSOR}
    interval = next(s["minIntervalSeconds"] for r in
                    srv.graphql(REPOS_SENSORS)["data"]["repositoriesOrError"]["nodes"]
                    for s in r["sensors"] if s["name"] == SENSOR)
    assert not _sensor_runs(srv), "the sensor is stopped by default and has started nothing"

    new = ui.raw / "incoming" / "2025-05-02-maren-bay-ferry.txt"
    new.parent.mkdir()
    new.write_text(NEW_ARTICLE)
    n_files = sum(1 for p in ui.raw.rglob("*") if p.is_file())

    started = srv.graphql(START_SENSOR, {"s": selector})["data"]["startSensor"]
    assert started["__typename"] == "Sensor", started
    assert started["sensorState"]["status"] == "RUNNING"
    state_id = started["sensorState"]["id"]
    try:
        # The daemon evaluates a started sensor within seconds; the fingerprint of the listing
        # (with the new file) differs from the empty cursor, so it requests one run.
        deadline = time.monotonic() + interval + 60
        while not (runs := _sensor_runs(srv)):
            assert time.monotonic() < deadline, "the sensor started no run:\n" + srv.log_tail()
            time.sleep(1)
        assert len(runs) == 1, runs
        run = srv.wait_run(runs[0]["runId"], RUN_TIMEOUT)
        tags = {t["key"]: t["value"] for t in run["tags"]}
        assert run["jobName"] == JOB
        assert tags["raw_files"] == str(n_files)
        assert tags.get("dagster/run_key")  # the listing's fingerprint

        # Version 2 holds the new article beside the five of version 1.
        assert store.list_versions(ui.curated) == [1, 2]
        articles = pl.read_parquet(ui.curated / "latest" / "articles.parquet")
        assert articles.height == 6
        assert "incoming/2025-05-02-maren-bay-ferry.txt" in articles["source"].to_list()
        body = articles.filter(pl.col("source").str.starts_with("incoming/"))["text"][0]
        assert "tide-powered" in body or "Skerholm" in body

        # One change, one run: the next evaluation finds the same listing and skips.
        ticks = _ticks(srv, selector)
        fired = [t for t in ticks if t["runIds"]]
        assert [r for t in fired for r in t["runIds"]] == [run["runId"]], ticks
        deadline = fired[0]["timestamp"] + interval + 30
        while not any(t["status"] == "SKIPPED" and t["timestamp"] > fired[0]["timestamp"]
                      for t in ticks):
            assert time.time() < deadline, f"no skipped tick after the run: {ticks}"
            time.sleep(2)
            ticks = _ticks(srv, selector)
        skipped = next(t for t in ticks if t["status"] == "SKIPPED")
        assert "no new or changed files" in (skipped["skipReason"] or "")
        assert len(_sensor_runs(srv)) == 1
    finally:
        srv.graphql(STOP_SENSOR, {"id": state_id}, check=False)


def test_ui_pages_render_assets_and_materialisations(request, tmp_path: Path):
    binary = find_chromium()
    if binary is None:
        msg = ("chromium is not installed (Debian: apt-get install -y --no-install-recommends "
               "chromium; see .ci/run.chromium)")
        if os.environ.get("CI") == "true":
            pytest.fail(msg + " — CI must install it")
        pytest.skip(msg)
    ui: Env = request.getfixturevalue("ui")  # no server started just to skip
    request.getfixturevalue("curate_run")
    url = ui.server.url
    loc = ui.server.repository(JOB)["repositoryLocationName"]

    # The asset catalog: every asset with its latest materialisation.
    dom = chromium(binary, f"{url}/assets", tmp_path / "profile-dom", dump_dom=True)
    text = visible_text(dom)
    for name in ASSETS:
        assert name in text, f"{name} missing from the catalog page: {text[:200]}"
    assert text.count("Materialized") >= len(ASSETS), text
    assert "Never materialized" not in text and "Failed" not in text

    # The asset page of published_version: its latest materialisation's metadata, which points
    # into this test's curated folder.
    dom = chromium(binary, f"{url}/assets/published_version", tmp_path / "profile-asset",
                   dump_dom=True)
    text = visible_text(dom)
    assert "Latest materialization" in text
    assert any(str(ui.curated) in t for t in text), text
    assert "rows.articles" in text

    # Screenshots for a person: the catalog and the publish group's lineage graph.
    shots = {"assets.png": f"{url}/assets",
             "publish-lineage.png": f"{url}/locations/{loc}/asset-groups/publish"}
    for name, page in shots.items():
        png = tmp_path / name
        chromium(binary, page, tmp_path / f"profile-{name}", screenshot=png)
        data = png.read_bytes()
        assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 20_000, (name, len(data))
    print(f"screenshots: {tmp_path}")  # shown with -s; kept under pytest's basetemp


# -- GraphQL used only here ------------------------------------------------------------------

REPOS_SENSORS = """{ repositoriesOrError { ... on RepositoryConnection {
    nodes { sensors { name minIntervalSeconds } } } } }"""

START_SENSOR = """
mutation Start($s: SensorSelector!) {
  startSensor(sensorSelector: $s) {
    __typename
    ... on Sensor { name sensorState { id status } }
    ... on SensorNotFoundError { message }
    ... on UnauthorizedError { message }
    ... on PythonError { message } } }"""

STOP_SENSOR = """
mutation Stop($id: String!) {
  stopSensor(id: $id) { __typename ... on StopSensorMutationResult { instigationState { status } } }
}"""

SENSOR_TICKS = """
query Ticks($s: SensorSelector!) {
  sensorOrError(sensorSelector: $s) {
    __typename
    ... on Sensor { sensorState { status ticks(limit: 20) {
        status timestamp runIds skipReason error { message } } } } } }"""

SENSOR_RUNS = """
query Runs($f: RunsFilter!) {
  runsOrError(filter: $f) {
    __typename
    ... on Runs { results { runId status jobName tags { key value } } }
    ... on PythonError { message } } }"""


def _sensor_runs(srv: DagsterDev) -> list[dict]:
    res = srv.graphql(SENSOR_RUNS, {"f": {"tags": [{"key": "dagster/sensor_name",
                                                    "value": SENSOR}]}})["data"]["runsOrError"]
    assert res["__typename"] == "Runs", res
    return res["results"]


def _ticks(srv: DagsterDev, selector: dict) -> list[dict]:
    res = srv.graphql(SENSOR_TICKS, {"s": selector})["data"]["sensorOrError"]
    assert res["__typename"] == "Sensor", res
    errors = [t["error"]["message"] for t in res["sensorState"]["ticks"] if t["error"]]
    assert not errors, errors
    return sorted(res["sensorState"]["ticks"], key=lambda t: t["timestamp"])
