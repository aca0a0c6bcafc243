"""The one Dagster `Definitions` (loaded by workspace.yaml and `dagster dev`)."""

from __future__ import annotations

import dagster as dg

from pipeline.orchestration.assets import ASSETS
from pipeline.orchestration.automation import curate_job, daily_schedule, new_raw_files_sensor
from pipeline.orchestration.gate import validation_gate
from pipeline.orchestration.resources import CurationConfig
from pipeline.settings import Settings


def build_definitions(settings: Settings | None = None) -> dg.Definitions:
    """Definitions wired to `settings` (tests and the CLI point them at other folders)."""
    settings = settings or Settings()
    return dg.Definitions(
        assets=ASSETS,
        asset_checks=[validation_gate],
        jobs=[curate_job],
        schedules=[daily_schedule],
        sensors=[new_raw_files_sensor],
        resources={"curation": CurationConfig.from_settings(settings)},
    )


defs = build_definitions()
