"""The gate as Dagster asset checks on `curated_batch`, declared by key (the audit itself runs
in the asset, through `pipeline.publishing.audit`):

- `validation_gate` (blocking, ERROR): fails when a block expectation failed or too much of the
  batch was quarantined; Dagster then skips `published_version`.
- `validation_warnings` (WARN): fails when a warn expectation failed; never stops a run.
"""

import dagster as dg

from pipeline import steps

CHECKED = dg.AssetKey("curated_batch")


def _docs(summary: dict, staged: steps.Staged) -> dict[str, dg.MetadataValue]:
    return {"evaluated": dg.MetadataValue.int(int(summary.get("evaluated", 0))),
            "quarantined": dg.MetadataValue.int(int(summary.get("quarantined", 0))),
            "articles_examined": dg.MetadataValue.int(int(summary.get("articles_examined", 0)))}


@dg.asset_check(asset=CHECKED, blocking=True,
                description="Great Expectations suites in expectations/ over the staged tables, "
                            "each expectation with its action (block / quarantine / warn). Fails "
                            "(and blocks publishing) when a block expectation fails or the "
                            "quarantined share passes the setting.")
def validation_gate(context: dg.AssetCheckExecutionContext,
                    curated_batch: steps.Staged) -> dg.AssetCheckResult:
    if curated_batch.unchanged or curated_batch.validation is None:
        return dg.AssetCheckResult(passed=True, metadata={
            "skipped": dg.MetadataValue.text("no new documents: the latest version stands")})
    v = curated_batch.validation
    md = _docs(v, curated_batch) | {
        "blocked": dg.MetadataValue.json(v.get("blocked", [])),
        "quarantined_by_expectation": dg.MetadataValue.json(v.get("quarantined_by_expectation", {})),
    }
    return dg.AssetCheckResult(passed=not v.get("blocked"), metadata=md,
                               severity=dg.AssetCheckSeverity.ERROR)


@dg.asset_check(asset=CHECKED, blocking=False,
                description="Warn expectations (shares over the batch: titles, dates, sites): "
                            "reported with WARN severity, never stop a run.")
def validation_warnings(context: dg.AssetCheckExecutionContext,
                        curated_batch: steps.Staged) -> dg.AssetCheckResult:
    v = curated_batch.validation or {}
    warnings = v.get("warnings", [])
    return dg.AssetCheckResult(passed=not warnings, severity=dg.AssetCheckSeverity.WARN,
                               metadata={"warnings": dg.MetadataValue.json(warnings)})


CHECKS = [validation_gate, validation_warnings]
