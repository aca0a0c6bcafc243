"""The job, the daily schedule and the new-files sensor."""


from pathlib import Path

import dagster as dg

from pipeline.hashing import hash_bytes
from pipeline.ingest import list_raw_files
from pipeline.orchestration.resources import CurationConfig

# In-process executor: the steps run one after another (each parallelises its own work over
# worker processes), and a process per step cost ~8 s of start-up each.
curate_job = dg.define_asset_job(
    "curate", selection=dg.AssetSelection.all(), executor_def=dg.in_process_executor,
    description="Raw scrapes to a published version: every asset and the validation gate.")

daily_schedule = dg.ScheduleDefinition(
    name="daily_curate", job=curate_job, cron_schedule="0 2 * * *", execution_timezone="UTC",
    description="Curates data/raw every day at 02:00 UTC.",
    default_status=dg.DefaultScheduleStatus.STOPPED)


def raw_listing_fingerprint(raw_dir: Path) -> tuple[str, int]:
    """Fingerprint of what data/raw holds (path, size, mtime): changes when a file is added,
    replaced or removed. Returns (fingerprint, number of files)."""
    raw_dir = Path(raw_dir)
    rows = []
    for p in list_raw_files(raw_dir):
        st = p.stat()
        rows.append(f"{p.relative_to(raw_dir).as_posix()}\t{st.st_size}\t{st.st_mtime_ns}".encode())
    return hash_bytes(*rows)[:20], len(rows)


@dg.sensor(job=curate_job, minimum_interval_seconds=30,
           description="Starts a curate run when files under data/raw change (new or replaced "
                       "files); the listing's fingerprint is the run key, so one change starts "
                       "one run.", default_status=dg.DefaultSensorStatus.STOPPED)
def new_raw_files_sensor(context: dg.SensorEvaluationContext, curation: CurationConfig):
    fingerprint, n = raw_listing_fingerprint(Path(curation.raw_dir))
    if n == 0:
        return dg.SkipReason(f"no files under {curation.raw_dir}")
    if context.cursor == fingerprint:
        return dg.SkipReason("no new or changed files since the last run")
    context.update_cursor(fingerprint)
    return dg.RunRequest(run_key=fingerprint, tags={"raw_files": str(n)})
