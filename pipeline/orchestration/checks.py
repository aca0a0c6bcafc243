"""The gate as Dagster asset checks on `curated_batch`, declared by key (the audit itself runs
in the asset, through `pipeline.publishing.audit`):

- `validation_gate` (blocking, ERROR): fails when a block expectation failed or too much of the
  batch was quarantined; Dagster then skips `published_version`.
- `validation_warnings` (WARN): fails when a warn expectation failed; never stops a run.

Executed alone (the UI's Execute on a check), a check recomputes the batch as a run would
(`batch.need_batch`): with something new it validates it (nothing is published); with nothing
new it reports the verdict the latest version was published with. `data_docs` links only to
Data Docs that stay where they are: the latest version's, a blocked attempt's, or a check-only
run's results folder; a batch that `published_version` will publish in the same run moves its
Data Docs into the version (linked from that asset's materialization).
"""

from pathlib import Path

import dagster as dg

from pipeline import publishing, store
from pipeline.orchestration import batch
from pipeline.orchestration.display import docs_index, file_url, plain
from pipeline.orchestration.resources import CurationConfig

CHECKED = dg.AssetKey("curated_batch")
PUBLISHED = dg.AssetKey("published_version")


def _verdict(context: dg.AssetCheckExecutionContext, curation: CurationConfig,
             curated_batch) -> tuple[dict, dict[str, dg.MetadataValue]]:
    """(the gate's summary, metadata saying which batch it is and where its Data Docs are)."""
    s = curation.settings()
    curated = Path(s.curated_dir)
    got = batch.need_batch(context, s, curated_batch)
    if isinstance(got, batch.Unchanged) or got.unchanged:
        v = store.latest_version(curated)
        m = store.read_manifest(curated, v) if v is not None else {}
        docs = docs_index(store.version_path(curated, v) / "validation") if v else None
        return m.get("validation") or {}, {
            "batch": dg.MetadataValue.text(f"nothing new: version {v} stands; its gate's "
                                           "verdict, as published"),
            **({"data_docs": file_url(docs)} if docs else {})}
    summary = got.validation or {}
    run_id = context.run.run_id
    md = {"batch": dg.MetadataValue.text(
        f"{'re-check of' if got.revalidate else 'new documents on'} "
        f"{'version ' + str(got.base_version) if got.base_version else 'an empty store'}")}
    if summary.get("blocked"):
        attempts = sorted((curated / "attempts").glob(f"*-{run_id[:8]}"))
        docs = docs_index(attempts[-1] / "validation") if attempts else None
    elif _publishes_in_this_run(context):
        docs = None
        md["data_docs_where"] = dg.MetadataValue.text(
            "moved into the version by published_version in this run: see its data_docs")
    else:
        docs = docs_index(publishing.gate_dir(curated, run_id))
    if docs is not None:
        md["data_docs"] = file_url(docs)
    return summary, md


def _publishes_in_this_run(context: dg.AssetCheckExecutionContext) -> bool:
    selection = context.run.asset_selection
    return selection is None or PUBLISHED in selection


def _counts(v: dict) -> dict[str, dg.MetadataValue]:
    return {"evaluated": dg.MetadataValue.int(int(v.get("evaluated", 0))),
            "failed": dg.MetadataValue.int(int(v.get("failed", 0))),
            "quarantined": dg.MetadataValue.int(int(v.get("quarantined", 0))),
            "articles_examined": dg.MetadataValue.int(int(v.get("articles_examined", 0)))}


@dg.asset_check(asset=CHECKED, blocking=True,
                description="Great Expectations suites in expectations/ over the staged tables, "
                            "each expectation with its action (block / quarantine / warn). Fails "
                            "(and blocks publishing) when a block expectation fails or the "
                            "quarantined share passes the setting.")
def validation_gate(context: dg.AssetCheckExecutionContext, curation: CurationConfig,
                    curated_batch) -> dg.AssetCheckResult:
    v, md = _verdict(context, curation, curated_batch)
    return dg.AssetCheckResult(
        passed=not v.get("blocked"), severity=dg.AssetCheckSeverity.ERROR, metadata={
            **_counts(v), **md,
            "blocked": dg.MetadataValue.json(plain(v.get("blocked") or [])),
            "quarantined_by_expectation": dg.MetadataValue.json(
                plain(v.get("quarantined_by_expectation") or {}))})


@dg.asset_check(asset=CHECKED, blocking=False,
                description="Warn expectations (shares over the batch: titles, dates, sites): "
                            "reported with WARN severity, never stop a run.")
def validation_warnings(context: dg.AssetCheckExecutionContext, curation: CurationConfig,
                        curated_batch) -> dg.AssetCheckResult:
    v, md = _verdict(context, curation, curated_batch)
    warnings = v.get("warnings") or []
    return dg.AssetCheckResult(passed=not warnings, severity=dg.AssetCheckSeverity.WARN,
                               metadata={**_counts(v), **md,
                                         "warnings": dg.MetadataValue.json(plain(warnings))})


CHECKS = [validation_gate, validation_warnings]
