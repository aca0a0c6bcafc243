"""The job, the daily schedule and the new-files sensor."""


import os
from pathlib import Path

import dagster as dg

from pipeline import store
from pipeline.ingest import plan_files
from pipeline.orchestration.resources import CurationConfig
from pipeline.settings import Settings
from pipeline.steps import files_fingerprint

# In-process executor: the steps run one after another (each parallelises its own work over
# worker processes), and a process per step cost ~8 s of start-up each. It is also what hands
# a step's output to the next in memory (`handover`).
curate_job = dg.define_asset_job(
    "curate", selection=dg.AssetSelection.all(), executor_def=dg.in_process_executor,
    description="Raw scrapes to a published version: every asset and the validation gate. "
                "Nothing new under the raw folder: a short run that records no materialization.")

daily_schedule = dg.ScheduleDefinition(
    name="daily_curate", job=curate_job, cron_schedule="0 2 * * *", execution_timezone="UTC",
    description="Curates data/raw every day at 02:00 UTC (a day without new files records "
                "nothing).",
    default_status=dg.DefaultScheduleStatus.STOPPED)


def raw_listing_fingerprint(raw_dir: Path, settings: Settings | None = None) -> tuple[str, int]:
    """Fingerprint of what the raw folder holds (every file's path, size and mtime), computed as
    a run computes the `input_fingerprint` a version records: equal to the latest version's
    when nothing was added, replaced or removed since. Returns (fingerprint, number of files)."""
    ledger = plan_files(Path(raw_dir), None, settings).ledger
    return files_fingerprint(ledger), ledger.height


def published_fingerprint(curated_dir: Path) -> tuple[int, str] | None:
    """(latest version, the raw listing's fingerprint it was built from), or None."""
    v = store.latest_version(Path(curated_dir))
    if v is None:
        return None
    fp = store.read_manifest(Path(curated_dir), v).get("input_fingerprint")
    return (v, fp) if fp else None


# How often the daemon lists the raw folder (CURATE_SENSOR_INTERVAL_S, read where the code loads).
SENSOR_INTERVAL_S = int(os.environ.get("CURATE_SENSOR_INTERVAL_S", "30"))


@dg.sensor(job=curate_job, minimum_interval_seconds=SENSOR_INTERVAL_S,
           description="Starts a curate run when files under the raw folder change (new, replaced "
                       "or removed files). The cursor is the fingerprint of the listing last "
                       "run for; it starts from the latest version's, so turning the sensor on "
                       "over a folder that is already published requests nothing. The "
                       "fingerprint is the run key: one change starts one run.",
           default_status=dg.DefaultSensorStatus.STOPPED)
def new_raw_files_sensor(context: dg.SensorEvaluationContext, curation: CurationConfig):
    s = curation.settings()
    fingerprint, n = raw_listing_fingerprint(s.raw_dir, s)
    if n == 0:
        return dg.SkipReason(f"no files under {s.raw_dir}")
    published = published_fingerprint(s.curated_dir)
    if published is not None and published[1] == fingerprint:
        if context.cursor != fingerprint:
            context.update_cursor(fingerprint)
        return dg.SkipReason(f"no new or changed files: version {published[0]} was built from "
                             f"this listing ({n} files)")
    if context.cursor == fingerprint:
        return dg.SkipReason("no new or changed files since the last run requested")
    context.update_cursor(fingerprint)
    return dg.RunRequest(run_key=fingerprint, tags={"raw_files": str(n)})
