"""Write-audit-publish, Dagster-free: the one protocol every caller (the assets, the CLI through
them, the benches, the tests) uses to turn a staged batch into a version.

1. `audit`: the Great Expectations gate over the staged tables (`pipeline.validation`). Each
   expectation acts by its suite's `meta.action`: `block` stops the batch (the attempt is kept
   under `attempts/` with its results and Data Docs), `quarantine` moves the rows GX names to
   `rejected` (`validation.quarantine`), `warn` is recorded. Results wait under
   `.validation/<run>` for step 2.
2. `publish`: an audited, unblocked batch becomes the next immutable version (`store.publish`),
   with the gate's summary and results inside it and its report page.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import replace
from pathlib import Path

from pipeline import store
from pipeline.chunks import discard
from pipeline.ingest import read_ledger
from pipeline.run import code_version
from pipeline.steps import Staged
from pipeline.validation import DEFAULT_SETTINGS, ValidationReport, ValidationSettings
from pipeline.validation import quarantine as quarantine_rows
from pipeline.validation.suites import fingerprint
from pipeline.version_report import build_report

# Tables quarantine rewrites: their write-ahead copies are dropped and written again.
_QUARANTINE_TABLES = ("articles", "rejected", "duplicates")


def gate_dir(curated: Path, run_id: str) -> Path:
    """Where a run's validation results wait for the publish step (outside any version)."""
    return Path(curated) / ".validation" / run_id


def load_gate(report_dir: Path) -> dict | None:
    f = report_dir / "summary.json"
    return json.loads(f.read_text()) if f.is_file() else None


def audit(staged: Staged, curated: Path, run_id: str, expectations_dir: Path | None = None,
          settings: ValidationSettings = DEFAULT_SETTINGS) -> ValidationReport:
    """Validate `staged` and apply the actions: on success its tables lose the quarantined rows
    (to `rejected`) and `staged.validation` holds the summary; when blocked the attempt is kept
    under attempts/. Results and Data Docs are written under `gate_dir(curated, run_id)`."""
    from pipeline.boilerplate import leftover_markers
    from pipeline.validation import validate_tables

    out = gate_dir(curated, run_id)
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    report = validate_tables(staged.tables, n_raw_documents=staged.n_raw_documents,
                             markers=leftover_markers(), out_dir=out, settings=settings,
                             expectations_dir=expectations_dir, n_examined=staged.n_examined)
    summary = report.summary() | {"fingerprint": fingerprint(expectations_dir, settings)}
    if report.success and report.quarantine:
        if staged.ahead is not None:  # written while the gate ran: three tables change
            staged.ahead.forget(_QUARANTINE_TABLES)
        staged.tables, counts = quarantine_rows.apply(staged.tables, report.quarantine)
        staged.stats.update({
            "articles": staged.stats.get("articles", 0) - counts["quarantined"],
            "rejected": staged.tables["rejected"].height,
            "duplicates": staged.tables["duplicates"].height,
        })
        summary["quarantined_copies"] = counts["quarantined_copies"]
    staged.stats["quarantined"] = len(report.quarantine) if report.success else 0
    staged.stats["warnings"] = len(report.warnings())
    staged.validation = summary
    (out / "summary.json").write_text(json.dumps(summary, indent=2, default=str))
    # Paths relative to the results folder: it moves (into the version, or attempts/).
    rel = {k: Path(v).relative_to(out) if Path(v).is_relative_to(out) else v
           for k, v in report.result_paths.items()}
    (out / "report.txt").write_text(replace(report, result_paths=rel).to_text() + "\n")
    if not report.success:
        store.record_attempt(curated, run_id[:8], {"validation": out}, {
            "run_id": run_id, "input_fingerprint": staged.fingerprint,
            "stats": staged.stats, "validation": summary, "blocked": report.blocked})
    return report


def publish(staged: Staged, curated: Path, run_id: str) -> store.PublishResult:
    """Publish an audited batch as the next version (or return the latest when its content is
    the same, unless the suites changed: then the re-checked version is new). The run's work
    folder and waiting results are removed once the version holds them."""
    curated = Path(curated)
    report_dir = gate_dir(curated, run_id)
    tables = staged.version_tables()
    if tables.get("raw_files") is not None:  # the ledger records only files that were read
        ledger = read_ledger(tables["raw_files"], tables["rejected"])
        if ledger.height != tables["raw_files"].height:
            if staged.ahead is not None:
                staged.ahead.forget(("raw_files",))
            tables["raw_files"] = ledger
    result = store.publish(
        curated, tables, ahead=staged.ahead,
        metadata={"input_fingerprint": staged.fingerprint, "code_version": code_version(),
                  "raw_documents": staged.n_raw_documents, "stats": staged.stats,
                  "validation": staged.validation or load_gate(report_dir)},
        attachments={"validation": report_dir} if report_dir.is_dir() else None,
        before_visible=build_report, expect_latest=staged.base_version,
        force=staged.revalidate)
    discard(staged.work_dir)  # the tables read from the chunked pass's parts: published
    shutil.rmtree(report_dir, ignore_errors=True)  # kept inside the version now
    return result


def keep_latest(staged: Staged, curated: Path) -> int:
    """Nothing new and the same suites: the latest version stands. Returns its number."""
    discard(staged.work_dir)
    store.repair(curated)  # what a killed run may have left, even when nothing is new
    return store.latest_version(curated)
