"""The validation gate: a blocking asset check running the Great Expectations suites over the
staged batch. When it fails, Dagster skips `published_version`, and the attempt is kept under
attempts/ with its results and Data Docs."""


import json
import shutil
from pathlib import Path

import dagster as dg

from pipeline import steps, store
from pipeline.orchestration.assets import curated_batch
from pipeline.orchestration.resources import CurationConfig


def gate_dir(curated: Path, run_id: str) -> Path:
    """Where a run's validation results wait for the publish step (outside any version)."""
    return Path(curated) / ".validation" / run_id


def load_gate(report_dir: Path) -> dict | None:
    f = report_dir / "summary.json"
    return json.loads(f.read_text()) if f.is_file() else None


def run_gate(staged: steps.Staged, curated: Path, run_id: str,
             expectations_dir: Path | None = None):
    """Validate the staged tables; write results under .validation/<run_id>; on failure keep the
    attempt under attempts/. Returns the ValidationReport."""
    from pipeline.boilerplate import leftover_markers
    from pipeline.validation import validate_tables

    out = gate_dir(curated, run_id)
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    report = validate_tables(staged.tables, n_raw_documents=staged.n_raw_documents,
                             markers=leftover_markers(), out_dir=out,
                             expectations_dir=expectations_dir)
    (out / "summary.json").write_text(json.dumps(report.summary(), indent=2, default=str))
    (out / "report.txt").write_text(report.to_text() + "\n")
    if not report.success:
        store.record_attempt(curated, run_id[:8], {"validation": out}, {
            "run_id": run_id, "input_fingerprint": staged.fingerprint,
            "stats": staged.stats, "validation": report.summary(),
            "failed": [o.expectation for o in report.failed()]})
    return report


@dg.asset_check(asset=curated_batch, blocking=True,
                description="Great Expectations suites in expectations/ over the staged tables: "
                            "schema, nulls, uniqueness, bounds, leftover boilerplate, dates, "
                            "accounting. A failure blocks publishing.")
def validation_gate(context: dg.AssetCheckExecutionContext, curation: CurationConfig,
                    curated_batch: steps.Staged) -> dg.AssetCheckResult:
    if curated_batch.unchanged:
        return dg.AssetCheckResult(passed=True, metadata={
            "skipped": dg.MetadataValue.text("no new documents: the latest version stands")})
    s = curation.settings()
    report = run_gate(curated_batch, s.curated_dir, context.run.run_id, s.expectations_dir)
    failed = report.failed()
    md: dict[str, dg.MetadataValue] = {
        "evaluated": dg.MetadataValue.int(len(report.outcomes)),
        "failed": dg.MetadataValue.int(len(failed)),
    }
    for o in failed[:20]:
        md[f"failed.{o.table}.{o.expectation}"] = dg.MetadataValue.json({
            "unexpected_count": o.unexpected_count, "sample": o.sample[:10], "kwargs": o.kwargs})
    docs = report.result_paths.get("docs")
    if docs:
        md["data_docs"] = dg.MetadataValue.path(str(docs))
    return dg.AssetCheckResult(passed=report.success, metadata=md,
                               severity=dg.AssetCheckSeverity.ERROR)
