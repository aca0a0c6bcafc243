"""`validate_tables`: the write-audit-publish gate over one staged batch."""

from __future__ import annotations

import json
import time
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path

import polars as pl

from pipeline.schema import n_rows
from pipeline.validation.report import ExpectationOutcome, ValidationReport
from pipeline.validation.settings import DEFAULT_SETTINGS, ValidationSettings
from pipeline.validation.suites import DEFAULT_EXPECTATIONS_DIR, read_suite_files
from pipeline.validation.views import TABLE_NAMES, build_views

RESULT_FILE = "validation_result.json"
DOCS_DIR = "data_docs"


def validate_tables(
    tables: dict[str, pl.DataFrame],
    *,
    n_raw_documents: int,
    markers: list[str],
    out_dir: Path,
    settings: ValidationSettings = DEFAULT_SETTINGS,
    now: datetime | None = None,
    expectations_dir: Path | None = None,
) -> ValidationReport:
    """Validate a staged batch; a report with `success=False` must not be published.

    `markers` are boilerplate regexes from the rule catalogue that must no longer match any
    article body. Writes `validation_result.json` and GX Data Docs (`data_docs/index.html`) into
    `out_dir`. Raises `SuiteLoadError` if a suite file cannot be loaded in full.
    """
    missing = [t for t in TABLE_NAMES if t not in tables]
    unknown = [t for t in tables if t not in TABLE_NAMES]
    if missing or unknown:
        raise ValueError(f"tables must be exactly {TABLE_NAMES}; missing {missing}, unknown {unknown}")
    now = now or datetime.now(UTC)
    now = now if now.tzinfo else now.replace(tzinfo=UTC)
    folder = Path(expectations_dir or DEFAULT_EXPECTATIONS_DIR)
    suite_json = read_suite_files(folder)  # fail fast, before any heavy work

    started = time.perf_counter()
    views = build_views(
        tables, n_raw_documents=n_raw_documents, markers=markers, today=now.astimezone(UTC).date()
    )
    derive_s = time.perf_counter() - started

    from pipeline.validation.runner import run_suites  # imports GX

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    results, docs_index = run_suites(
        views,
        suite_json,
        settings.parameters(),
        sample_size=settings.sample_size,
        docs_dir=out_dir / DOCS_DIR,
        expectations_dir=folder,
    )
    outcomes = [
        ExpectationOutcome.from_gx(name, r, settings.sample_size)
        for name, res in results.items()
        for r in res["results"]
    ]
    report = ValidationReport(
        success=all(res["success"] for res in results.values()) and all(o.success for o in outcomes),
        outcomes=outcomes,
        result_paths={"json": out_dir / RESULT_FILE, "docs": docs_index},
        row_counts={t: n_rows(tables[t]) for t in TABLE_NAMES},
    )
    payload = {
        "success": report.success,
        "validated_at": now.isoformat(),
        "n_raw_documents": n_raw_documents,
        "markers": markers,
        "settings": asdict(settings),
        "summary": report.summary(),
        "timings_s": {"derive": round(derive_s, 3), "total": round(time.perf_counter() - started, 3)},
        "suites": results,
    }
    (out_dir / RESULT_FILE).write_text(json.dumps(payload, indent=2, default=str) + "\n")
    return report
