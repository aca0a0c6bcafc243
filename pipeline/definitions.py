"""The one Dagster `Definitions` (loaded by workspace.yaml and `dagster dev`)."""

from __future__ import annotations

import dagster as dg

from pipeline.orchestration.assets import ASSETS
from pipeline.orchestration.automation import curate_job, daily_schedule, new_raw_files_sensor
from pipeline.orchestration.checks import CHECKS
from pipeline.orchestration.resources import CurationConfig
from pipeline.settings import Settings


def build_definitions(settings: Settings | None = None, in_memory: bool = False
                      ) -> dg.Definitions:
    """Definitions wired to `settings` (tests and the CLI point them at other folders).

    `in_memory`: hand step outputs over in memory instead of pickling them to DAGSTER_HOME's
    storage (the CLI's one-shot runs; the UI keeps files so a single asset can be re-run)."""
    settings = settings or Settings()
    resources: dict[str, object] = {"curation": CurationConfig.from_settings(settings)}
    if in_memory:
        resources["io_manager"] = dg.mem_io_manager
    return dg.Definitions(
        assets=ASSETS,
        asset_checks=CHECKS,
        jobs=[curate_job],
        schedules=[daily_schedule],
        sensors=[new_raw_files_sensor],
        resources=resources,
    )


defs = build_definitions()
