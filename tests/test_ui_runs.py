"""What the UI's buttons do, in-process and fast (the real server and browser repeat the main
cases in test_ui_server.py): a whole run, a run with nothing new, one asset or one check run
alone after any run, a replayed publish, a blocked batch published alone; the metadata keys the
plots rely on."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import dagster as dg
import pytest

from pipeline import store
from pipeline.definitions import build_definitions
from pipeline.settings import Settings
from pipeline.validation import DEFAULT_EXPECTATIONS_DIR

ASSETS = ("documents", "deduplicated", "curated_batch", "published_version")
GATE = dg.AssetCheckKey(dg.AssetKey("curated_batch"), "validation_gate")


class UI:
    """Runs as the UI launches them, on one Dagster instance."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.defs = build_definitions(settings)
        self.instance = dg.DagsterInstance.ephemeral()

    def run(self, assets: tuple[str, ...] | None = None, checks: tuple = (), config=None):
        if assets is None and not checks:
            job = self.defs.resolve_job_def("curate")
        else:
            job = self.defs.resolve_implicit_global_asset_job_def().get_subset(
                asset_selection={dg.AssetKey(a) for a in assets or ()},
                asset_check_selection=set(checks))
        return job.execute_in_process(instance=self.instance, raise_on_error=False,
                                      run_config=config or {})

    def materializations(self, asset: str) -> list[dict]:
        recs = self.instance.fetch_materializations(dg.AssetKey(asset), limit=100).records
        return [{k: getattr(v, "value", v) for k, v in
                 r.event_log_entry.asset_materialization.metadata.items()} for r in recs]

    def counts(self) -> dict[str, int]:
        return {a: len(self.materializations(a)) for a in ASSETS}


def observations(result, asset: str) -> list[dict]:
    return [{k: getattr(v, "value", v) for k, v in
             e.event_specific_data.asset_observation.metadata.items()}
            for e in result.all_events if e.event_type_value == "ASSET_OBSERVATION"
            and e.asset_key == dg.AssetKey(asset)]


def statuses(result) -> dict[str, str]:
    out = {}
    for e in result.all_events:
        if e.event_type_value in ("STEP_SUCCESS", "STEP_SKIPPED", "STEP_FAILURE"):
            out[e.step_key] = e.event_type_value.removeprefix("STEP_")
    return out


@pytest.fixture
def ui(sample_raw: Path, tmp_path: Path) -> UI:
    return UI(Settings(raw_dir=sample_raw, curated_dir=tmp_path / "curated", workers=1))


NEW_TEXT = ("Harbour town opens a ferry line\n\n" + " ".join(
    f"The coastal town opened a ferry line on day {i} of the trial, the harbour authority said "
    "after the boats carried ninety passengers between the market and the island."
    for i in range(12)) + "\n")


def test_runs_as_the_ui_launches_them(ui: UI, sample_raw: Path):
    cur = ui.settings.curated_dir
    first = ui.run()
    assert first.success and store.list_versions(cur) == [1]
    assert ui.counts() == dict.fromkeys(ASSETS, 1)
    v1 = ui.materializations("published_version")[0]
    version = store.version_path(cur, 1)
    assert v1["report"] == (version / "report.html").as_uri()
    assert v1["data_docs"] == (version / "validation" / "data_docs" / "index.html").as_uri()
    assert v1["dagster/row_count"] == v1["rows.articles"] == 5
    # The report names the version folder (not the staging folder it was written in), and the
    # results' report.txt names files inside the version's results folder.
    page = (version / "report.html").read_text()
    assert f"folder: <code>{version}</code>" in page and "version 1 (v000001)" in page
    assert ".staging" not in page
    text = (version / "validation" / "report.txt").read_text()
    assert "  docs: data_docs/index.html" in text and ".validation" not in text
    batch1 = ui.materializations("curated_batch")[0]
    assert not list((cur / ".work").iterdir()) and not list((cur / ".validation").iterdir())

    # Nothing new: a short run, no materialization, an observation saying which version stands.
    again = ui.run()
    assert again.success
    assert statuses(again) == {"documents": "SUCCESS", **{
        k: "SKIPPED" for k in ("deduplicated", "curated_batch", "curated_batch_validation_gate",
                               "curated_batch_validation_warnings", "published_version")}}
    assert ui.counts() == dict.fromkeys(ASSETS, 1)
    said = observations(again, "published_version")
    assert said and said[0]["version"] == 1 and said[0]["new_version"] is False

    # Each asset alone, the check alone, a replayed publish: all succeed, none records a
    # materialization (nothing is new), no StoreConflict, no missing parts.
    for asset in ASSETS:
        r = ui.run((asset,))
        assert r.success and statuses(r)[asset] == "SUCCESS", (asset, statuses(r))
    r = ui.run((), checks=(GATE,))
    assert r.success
    [ev] = [e for e in r.all_events if e.event_type_value == "ASSET_CHECK_EVALUATION"]
    assert ev.event_specific_data.passed
    docs = ev.event_specific_data.metadata["data_docs"].value
    assert docs == (version / "validation" / "data_docs" / "index.html").as_uri()
    assert ui.counts() == dict.fromkeys(ASSETS, 1) and store.list_versions(cur) == [1]

    # A new file, then the last asset alone: it recomputes what it needs and publishes v2 with
    # the same metadata keys as v1 (the plots have no gaps); the steps it recomputed record no
    # materialization of their own.
    (sample_raw / "incoming").mkdir()
    (sample_raw / "incoming" / "ferry.txt").write_text(NEW_TEXT)
    r = ui.run(("published_version",))
    assert r.success and store.list_versions(cur) == [1, 2]
    v2 = ui.materializations("published_version")[0]
    assert set(v2) == set(v1)
    assert v2["rows.articles"] == 6 and v2["added.articles"] == 1
    assert ui.counts() == {**dict.fromkeys(ASSETS, 1), "published_version": 2}
    # ... and a whole run on it: curated_batch's keys are those of its first materialization.
    (sample_raw / "incoming" / "ferry-2.txt").write_text(NEW_TEXT.replace("ferry", "tram"))
    assert ui.run().success and store.list_versions(cur) == [1, 2, 3]
    assert set(ui.materializations("curated_batch")[0]) == set(batch1)
    assert not list((cur / ".work").iterdir())


def test_a_blocked_batch_published_alone_fails_and_publishes_nothing(ui: UI, tmp_path: Path):
    assert ui.run().success
    suites = tmp_path / "expectations"
    shutil.copytree(DEFAULT_EXPECTATIONS_DIR, suites)
    f = suites / "articles.json"
    data = json.loads(f.read_text())
    data["expectations"].append({"type": "expect_table_row_count_to_be_between",
                                 "kwargs": {"min_value": 1000},
                                 "meta": {"action": "block", "why": "a test's impossible floor"}})
    f.write_text(json.dumps(data))
    config = {"resources": {"curation": {"config": {"expectations_dir": str(suites)}}}}
    r = ui.run(("published_version",), config=config)  # the suites changed: a re-check
    assert not r.success
    assert statuses(r) == {"published_version": "FAILURE"}
    assert store.list_versions(ui.settings.curated_dir) == [1]
    assert list((ui.settings.curated_dir / "attempts").iterdir())
    # The check alone says why, and links the attempt's Data Docs (they stay there).
    r = ui.run((), checks=(GATE,), config=config)
    [ev] = [e for e in r.all_events if e.event_type_value == "ASSET_CHECK_EVALUATION"]
    assert not ev.event_specific_data.passed
    blocked = ev.event_specific_data.metadata["blocked"].value
    assert any("expect_table_row_count_to_be_between" in b for b in blocked)
    docs = Path(ev.event_specific_data.metadata["data_docs"].value.removeprefix("file://"))
    assert docs.is_file() and "attempts" in docs.parts
