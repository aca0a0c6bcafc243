"""The one Dagster `Definitions` (loaded by workspace.yaml: `make ui`, `dagster dev`,
`dagster asset materialize -m pipeline.definitions`)."""

from __future__ import annotations

import dagster as dg

from pipeline.orchestration.assets import ASSETS, raw_scrapes_spec
from pipeline.orchestration.automation import curate_job, daily_schedule, new_raw_files_sensor
from pipeline.orchestration.checks import CHECKS
from pipeline.orchestration.handover import handover_io_manager
from pipeline.orchestration.resources import CurationConfig
from pipeline.settings import Settings


def build_definitions(settings: Settings | None = None, in_memory: bool = True
                      ) -> dg.Definitions:
    """Definitions wired to `settings` (tests and the CLI point them at other folders).

    Step outputs are always handed over in memory within a run (`handover`): a step whose
    upstream asset is not part of the run recomputes it, so one asset or one check runs alone
    from the UI after any run (the CLI's included). `in_memory` is kept for callers; nothing
    is pickled into DAGSTER_HOME either way. Every job, the UI's one-asset runs included, runs
    its steps in one process (`in_process_executor`)."""
    del in_memory
    settings = settings or Settings()
    return dg.Definitions(
        assets=[raw_scrapes_spec(settings.raw_dir), *ASSETS],
        asset_checks=CHECKS,
        jobs=[curate_job],
        schedules=[daily_schedule],
        sensors=[new_raw_files_sensor],
        resources={"curation": CurationConfig.from_settings(settings),
                   "io_manager": handover_io_manager},
        executor=dg.in_process_executor,
    )


defs = build_definitions()
