"""How the assets hand their outputs to the next step: in memory, within one run.

A step's output is a handle on the run's batch (lazy scans of Parquet parts in the run's work
folder, MinHash signatures, the staged tables), not a dataset of its own: the dataset is the
published version. So outputs are never pickled into DAGSTER_HOME (they pointed at parts that
publishing deleted, and re-running one asset from the UI failed with FileNotFoundError).
Instead:

- a step of the same run gets the output itself (`HandoverIOManager`, the in-process executor);
- a step whose upstream asset was not materialized in this run (one asset or one check run
  from the UI, a re-execution) gets `NOT_IN_RUN` and recomputes what it needs with the same
  step functions (`pipeline.orchestration.batch`): incremental on the latest version, so after
  a published run it finds nothing new and says so. `remember` keeps such a recomputed value
  for the later steps of the run, so one run computes each step once.

Values live as long as the run (dropped when the IO manager is torn down, with the work
folders of batches the run did not publish).
"""

from __future__ import annotations

from typing import Any

import dagster as dg


class _NotInRun:
    """An upstream asset that was not materialized in this run (the step recomputes it)."""

    _instance: _NotInRun | None = None

    def __new__(cls) -> _NotInRun:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "NOT_IN_RUN"

    def __reduce__(self) -> str:
        return "NOT_IN_RUN"


NOT_IN_RUN = _NotInRun()

_RUNS: dict[str, dict[str, Any]] = {}


def remember(run_id: str, asset: str, value: Any) -> None:
    """Keep a value of `asset` computed in this run (by its own step or recomputed by a later
    one) for the run's later steps."""
    _RUNS.setdefault(run_id, {})[asset] = value


def recall(run_id: str, asset: str) -> Any:
    return _RUNS.get(run_id, {}).get(asset, NOT_IN_RUN)


def forget(run_id: str) -> None:
    """Drop the run's values, and the work folders of batches it did not publish (a blocked
    batch, a check run alone): nothing reads them after the run. (Publishing removes its own;
    a killed run's are swept by the next run.)"""
    from pipeline.chunks import discard

    for value in _RUNS.pop(run_id, {}).values():
        work = getattr(value, "work_dir", None)
        if work is not None:
            discard(work)


def _asset_name(key: dg.AssetKey) -> str:
    return key.to_user_string()


class HandoverIOManager(dg.IOManager):
    """Outputs kept in memory for the run's later steps; an input whose asset was not
    materialized in this run loads as NOT_IN_RUN."""

    def __init__(self, run_id: str) -> None:
        self.run_id = run_id

    def handle_output(self, context: dg.OutputContext, obj: Any) -> None:
        if context.has_asset_key:
            remember(self.run_id, _asset_name(context.asset_key), obj)

    def load_input(self, context: dg.InputContext) -> Any:
        if not context.has_asset_key:
            return NOT_IN_RUN
        return recall(self.run_id, _asset_name(context.asset_key))


@dg.io_manager(description="Hands step outputs to the later steps of the same run, in memory; "
                           "a step whose upstream asset is not part of the run recomputes it "
                           "(nothing is pickled into DAGSTER_HOME).")
def handover_io_manager(init_context: dg.InitResourceContext):
    run_id = init_context.run_id or "no-run"
    try:
        yield HandoverIOManager(run_id)
    finally:
        forget(run_id)
