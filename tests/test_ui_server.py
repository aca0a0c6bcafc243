"""End to end through the real server, as a person or an operator would use it: `dagster dev -w
workspace.yaml` (webserver + daemon) on a free local port, runs launched over GraphQL exactly as
the UI's buttons launch them (the curate job, Materialize on one asset, Execute on one check),
the new-files sensor turned on, and the UI's pages and the links they show rendered by headless
Chromium.

One server for the module (starting it takes ~20 s); the tests run in file order on its state
(version 1 published by the first run; the sensor test, last, publishes version 2). The
published versions are read from the temporary curated folder with Polars. Every wait is
bounded; teardown kills the server's whole process group.
"""

from __future__ import annotations

import os
import re
import shutil
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlparse

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
        "CURATE_RAW_DIR": str(raw), "CURATE_CURATED_DIR": str(curated), "CURATE_WORKERS": "1",
        "CURATE_SENSOR_INTERVAL_S": "5"})
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


@pytest.fixture(scope="module")
def browser() -> str:
    binary = find_chromium()
    if binary is None:
        msg = ("chromium is not installed (Debian: apt-get install -y --no-install-recommends "
               "chromium; see .ci/run.chromium)")
        if os.environ.get("CI") == "true":
            pytest.fail(msg + " — CI must install it")
        pytest.skip(msg)
    return binary


def _counts(srv: DagsterDev) -> dict[str, int]:
    """Materializations recorded per asset."""
    return {a: len(srv.asset_events(a)["materializations"]) for a in ASSETS}


def _steps(run: dict) -> dict[str, str]:
    return {s["stepKey"]: s["status"] for s in run["stepStats"]}


def _file(url: str) -> Path:
    assert url.startswith("file://"), url
    return Path(unquote(urlparse(url).path))


def test_curate_job_launched_over_graphql_publishes(ui: Env, curate_run: dict):
    assert curate_run["jobName"] == JOB and curate_run["status"] == "SUCCESS"
    steps = _steps(curate_run)
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

    # What the asset page shows: totals, the data contract, links into the version that exist.
    md = ui.server.asset_events("published_version")["materializations"][0]["metadata"]
    assert md["version"] == 1 and md["dagster/row_count"] == md["rows.articles"] == 5
    assert md["dagster/column_schema"] == "TableSchemaMetadataEntry"
    assert md["preview"] == "TableMetadataEntry"
    version = store.version_path(ui.curated, 1)
    assert _file(md["report"]) == version / "report.html"
    assert _file(md["data_docs"]) == version / "validation" / "data_docs" / "index.html"
    assert _file(md["report"]).is_file() and _file(md["data_docs"]).is_file()
    assert not list((ui.curated / ".work").iterdir())  # published: the run's parts are gone
    # Step outputs are handed over in memory: nothing pickled into DAGSTER_HOME's storage.
    storage = ui.base / "dagster_home" / "storage"
    assert not any((storage / a).exists() for a in ASSETS)


def test_a_run_with_nothing_new_records_no_materialization(ui: Env, curate_run: dict):
    srv = ui.server
    before = _counts(srv)
    run = srv.wait_run(srv.launch(JOB, IN_PROCESS), RUN_TIMEOUT)
    steps = _steps(run)
    assert steps["documents"] == "SUCCESS"
    assert {steps[a] for a in ASSETS[1:]} == {"SKIPPED"}, steps
    assert _counts(srv) == before  # no fake new version, no fake batch
    assert store.list_versions(ui.curated) == [1]
    # ... and says so: an observation of published_version naming the version that stands.
    obs = srv.asset_events("published_version")["observations"]
    said = next(o["metadata"] for o in obs if o["runId"] == run["runId"])
    assert said["version"] == 1 and said["new_version"] is False
    assert "nothing new" in said["why"] and _file(said["report"]).is_file()


def test_each_asset_and_check_runs_alone_after_a_full_run(ui: Env, curate_run: dict):
    """The UI's Materialize on one asset, Execute on one check, a replayed published_version:
    each succeeds, and with nothing new records nothing (no StoreConflict, no missing parts)."""
    srv = ui.server
    before = _counts(srv)
    for asset in ASSETS:
        run = srv.wait_run(srv.launch_selection(assets=(asset,)), RUN_TIMEOUT)
        assert _steps(run)[asset] == "SUCCESS", (asset, run)
    assert _counts(srv) == before
    assert store.list_versions(ui.curated) == [1]  # the replayed publish is idempotent

    run = srv.wait_run(srv.launch_selection(checks=(("curated_batch", "validation_gate"),)),
                       RUN_TIMEOUT)
    assert list(_steps(run)) == ["curated_batch_validation_gate"]
    gate = srv.check_executions("curated_batch", "validation_gate")[0]
    assert gate["runId"] == run["runId"] and gate["passed"] is True
    assert gate["metadata"]["evaluated"] > 30 and "version 1 stands" in gate["metadata"]["batch"]
    assert _file(gate["metadata"]["data_docs"]).is_file()  # the version's, not a deleted folder

    # A partial launch config (full_rebuild alone) is valid, and the one asset then has work:
    # it recomputes the documents it needs and records its own materialization only.
    config = {"resources": {"curation": {"config": {"full_rebuild": True}}}}
    run = srv.wait_run(srv.launch_selection(assets=("deduplicated",), run_config=config),
                       RUN_TIMEOUT)
    after = _counts(srv)
    assert after == {**before, "deduplicated": before["deduplicated"] + 1}, (before, after)
    md = srv.asset_events("deduplicated")["materializations"][0]["metadata"]
    assert md["documents_in"] == 9 and md["duplicates"] == 5
    assert store.list_versions(ui.curated) == [1]
    assert not list((ui.curated / ".work").iterdir())  # the unpublished batch's parts: removed


def test_report_and_data_docs_links_open_and_render(ui: Env, curate_run: dict, browser: str,
                                                    tmp_path: Path):
    """The links the asset page shows open the version's report and its Data Docs, which render
    offline with their styled results list (no script, nothing from the network)."""
    url = ui.server.url
    dom = chromium(browser, f"{url}/assets/published_version", tmp_path / "p-asset",
                   dump_dom=True)
    links = set(re.findall(r'href="(file://[^"]+)"', dom))
    report = next(u for u in links if u.endswith("/report.html"))
    docs = next(u for u in links if u.endswith("/data_docs/index.html"))
    version = store.version_path(ui.curated, 1)
    assert _file(report).parent == _file(docs).parents[2] == version

    page = chromium(browser, report, tmp_path / "p-report", dump_dom=True)
    text = visible_text(page)
    assert any("version 1 (v000001)" in t for t in text), text[:5]
    assert str(version) in text  # the header names the version folder, not a staging folder

    page = chromium(browser, docs, tmp_path / "p-docs", dump_dom=True)
    assert 'http-equiv="Content-Security-Policy"' in page and "<script" not in page
    assert '<ul class="results" id="results">' in page, page[:2000]
    suites = re.findall(r'<li class="suite (pass|fail)" data-suite="([a-z_]+)">', page)
    assert {name for _, name in suites} == {"articles", "rejected", "duplicates",
                                            "removed_lines", "batch"}
    assert {state for state, _ in suites} == {"pass"}
    assert not re.search(r'(src|href)="(https?:)?//', page)  # nothing from the network
    png = tmp_path / "data_docs.png"
    chromium(browser, docs, tmp_path / "p-docs-png", screenshot=png, size=(1200, 800))
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 20_000


def test_ui_pages_render_assets_and_materialisations(ui: Env, curate_run: dict, browser: str,
                                                     tmp_path: Path):
    url = ui.server.url
    loc = ui.server.repository(JOB)["repositoryLocationName"]

    # The asset catalog: every asset with its latest materialisation, the raw folder above them.
    # (The catalog lists the assets from one query and their statuses from a later one: on a
    # loaded CI machine the page was once dumped between the two, every name and no status.
    # Rendered again, up to three times, before the assertions below judge the page.)
    for attempt in range(3):
        dom = chromium(browser, f"{url}/assets", tmp_path / f"profile-dom-{attempt}",
                       dump_dom=True)
        text = visible_text(dom)
        if text.count("Materialized") >= len(ASSETS):
            break
    for name in ("raw_scrapes", *ASSETS):
        assert name in text, f"{name} missing from the catalog page: {text[:200]}"
    assert text.count("Materialized") >= len(ASSETS), text
    assert "Never materialized" not in text and "Failed" not in text

    # The asset page of published_version: its latest materialisation's metadata, which points
    # into this test's curated folder, and the data contract's columns with descriptions.
    dom = chromium(browser, f"{url}/assets/published_version", tmp_path / "profile-asset",
                   dump_dom=True)
    text = visible_text(dom)
    assert "Latest materialization" in text
    assert any(str(ui.curated) in t for t in text), text
    assert "rows.articles" in text and "ingested_at" in text

    # Its Events tab: the latest event is the no-op run's observation, not a new version.
    dom = chromium(browser, f"{url}/assets/published_version?view=events",
                   tmp_path / "profile-events", dump_dom=True)
    text = visible_text(dom)
    assert "Observed in run" in text, text[:60]
    assert text[text.index("new_version") + 1] == "false"

    # The lineage of the one group: the raw folder to the published version at first sight.
    dom = chromium(browser, f"{url}/locations/{loc}/asset-groups/news_curation",
                   tmp_path / "profile-lineage", dump_dom=True)
    text = visible_text(dom)
    for name in ("raw_scrapes", *ASSETS):
        assert name in text, f"{name} missing from the lineage: {text[:300]}"

    # Screenshots for a person: the catalog and the lineage graph.
    shots = {"assets.png": f"{url}/assets",
             "lineage.png": f"{url}/locations/{loc}/asset-groups/news_curation"}
    for name, page in shots.items():
        png = tmp_path / name
        chromium(browser, page, tmp_path / f"profile-{name}", screenshot=png)
        data = png.read_bytes()
        assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 20_000, (name, len(data))
    print(f"screenshots: {tmp_path}")  # shown with -s; kept under pytest's basetemp


def test_sensor_on_a_published_folder_requests_nothing_then_one_run_per_change(
        ui: Env, curate_run: dict):
    """Last: it publishes version 2. Turned on over the published folder, the sensor's first
    tick skips (its cursor starts from the latest version's fingerprint); a new file then
    starts exactly one run."""
    srv = ui.server
    repo = srv.repository(JOB)
    selector = {**repo, "sensorName": SENSOR}
    interval = next(s["minIntervalSeconds"] for r in
                    srv.graphql(REPOS_SENSORS)["data"]["repositoriesOrError"]["nodes"]
                    for s in r["sensors"] if s["name"] == SENSOR)
    assert not _sensor_runs(srv), "the sensor is stopped by default and has started nothing"

    started = srv.graphql(START_SENSOR, {"s": selector})["data"]["startSensor"]
    assert started["__typename"] == "Sensor", started
    assert started["sensorState"]["status"] == "RUNNING"
    state_id = started["sensorState"]["id"]
    try:
        # The daemon evaluates a started sensor within seconds: nothing new, so it skips.
        deadline = time.monotonic() + 60
        while not (done := [t for t in _ticks(srv, selector) if t["status"] != "STARTED"]):
            assert time.monotonic() < deadline, "the sensor did not tick:\n" + srv.log_tail()
            time.sleep(1)
        first = done[0]
        assert first["status"] == "SKIPPED" and not first["runIds"], first
        assert "version 1 was built from this listing" in first["skipReason"]
        assert not _sensor_runs(srv)

        new = ui.raw / "incoming" / "2025-05-02-maren-bay-ferry.txt"
        new.parent.mkdir()
        new.write_text(NEW_ARTICLE)
        n_files = sum(1 for p in ui.raw.rglob("*") if p.is_file())
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
        md = srv.asset_events("published_version")["materializations"][0]["metadata"]
        assert md["version"] == 2 and md["rows.articles"] == 6 and md["added.articles"] == 1
        assert md["parent_version"] == "v000001"

        # One change, one run: the tick that fired is the only one with a run.
        ticks = _ticks(srv, selector)
        fired = [t for t in ticks if t["runIds"]]
        assert [r for t in fired for r in t["runIds"]] == [run["runId"]], ticks
    finally:
        srv.graphql(STOP_SENSOR, {"id": state_id}, check=False)


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
