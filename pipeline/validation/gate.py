"""`validate_tables`: the write-audit-publish gate over one staged batch."""

from __future__ import annotations

import json
import time
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path

import polars as pl

from pipeline.schema import n_rows
from pipeline.validation.results import ExpectationOutcome, ValidationReport
from pipeline.validation.settings import DEFAULT_SETTINGS, ValidationSettings
from pipeline.validation.suites import DEFAULT_EXPECTATIONS_DIR, QUARANTINE, read_suite_files
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
    n_examined: int | None = None,
) -> ValidationReport:
    """Validate a staged batch; a report with `success=False` (blocked) must not be published.

    Each expectation acts by its suite's `meta.action`: a failed `block` expectation blocks;
    the rows a `quarantine` expectation fails are listed in `report.quarantine` (GX names them,
    by doc_id) for `quarantine.apply` to move out of `articles`, unless more than
    `settings.quarantine_block_share` of the `n_examined` articles (default: all of them) fail,
    which blocks; a failed `warn` expectation is only reported.

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
        success=False, outcomes=outcomes,
        result_paths={"json": out_dir / RESULT_FILE, "docs": docs_index},
        row_counts={t: n_rows(tables[t]) for t in TABLE_NAMES},
        n_examined=views["articles"].height if n_examined is None else n_examined,
    )
    report.quarantine = _quarantine_rows(outcomes)
    report.blocked = _blocked(report, settings)
    report.success = not report.blocked
    payload = {
        "success": report.success,
        "validated_at": now.isoformat(),
        "n_raw_documents": n_raw_documents,
        "markers": markers,
        "settings": asdict(settings),
        "summary": report.summary(),
        "timings_s": {"derive": round(derive_s, 3), "total": round(time.perf_counter() - started, 3)},
        "suites": {name: _trimmed(res, settings.sample_size) for name, res in results.items()},
    }
    (out_dir / RESULT_FILE).write_text(json.dumps(payload, indent=2, default=str) + "\n")
    return report


def _quarantine_rows(outcomes: list[ExpectationOutcome]) -> list[tuple[str, str, str]]:
    """(doc_id, reason, detail) per quarantined row: the first failing quarantine expectation
    (suite order) is the reason; the detail gives the observed value and the bound, and names
    the other quarantine expectations the row fails."""
    first: dict[str, tuple[str, str]] = {}
    also: dict[str, list[str]] = {}
    for o in outcomes:
        if o.action != QUARANTINE or o.success:
            continue
        column = o.kwargs.get("column", "value")
        for doc_id, value in o.rows:
            if doc_id in first:
                also.setdefault(doc_id, []).append(o.label)
                continue
            first[doc_id] = (o.label, f"{column} = {value!r}; expected {o.condition()}")
    return [(d, reason, detail + (f"; also fails {', '.join(also[d])}" if d in also else ""))
            for d, (reason, detail) in sorted(first.items())]


def _blocked(report: ValidationReport, settings: ValidationSettings) -> list[str]:
    out = [f"{o.label} failed" + (f" ({o.error.splitlines()[0]})" if o.error else "")
           for o in report.blocking()]
    n = len(report.quarantine)
    share = n / report.n_examined if report.n_examined else 0.0
    if n >= settings.quarantine_block_min_rows and share > settings.quarantine_block_share:
        out.append(f"{n} of {report.n_examined} articles ({share:.1%}) would be quarantined, above "
                   f"quarantine_block_share {settings.quarantine_block_share:.1%}: a systemic "
                   "fault (an extractor or a scraper changed), not outliers")
    return out


def _trimmed(result: dict, sample_size: int) -> dict:
    """A suite's GX result for the result file: the full lists of unexpected rows (asked for so
    that quarantine gets every row) cut to the sample; the moved rows are in `rejected`."""
    out = dict(result)
    out["results"] = []
    for r in result.get("results", []):
        r = dict(r)
        if isinstance(r.get("result"), dict):
            res = dict(r["result"])
            for key in ("unexpected_list", "unexpected_index_list"):
                if isinstance(res.get(key), list) and len(res[key]) > sample_size:
                    res[key] = res[key][:sample_size]
                    res[f"{key}_truncated"] = True
            res.pop("unexpected_index_query", None)
            r["result"] = res
        out["results"].append(r)
    return out
