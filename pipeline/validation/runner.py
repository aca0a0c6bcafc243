"""Run the suites with GX in an ephemeral, offline context and build Data Docs into a folder.

All GX imports live inside functions: importing GX costs seconds, and code paths that do not
validate (CLI listing, Dagster definitions loading) must not pay for it.
"""

from __future__ import annotations

import html
import json
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

import polars as pl

from pipeline.validation.suites import build_suite, check_count

if TYPE_CHECKING:
    from great_expectations.data_context import EphemeralDataContext

DOCS_SITE = "gate"


def _import_gx() -> None:
    os.environ["GX_ANALYTICS_ENABLED"] = "false"  # read by GX at import and context creation
    import great_expectations  # noqa: F401


def warm_up() -> None:
    """Import GX in a background thread (3-5 s of module loading) while the run's workers
    extract and clean, so the gate does not wait for it. Imports are safe across threads."""
    import sys
    import threading

    if "great_expectations" not in sys.modules:
        threading.Thread(target=_import_gx, name="gx-import", daemon=True).start()


def _context(docs_dir: Path) -> EphemeralDataContext:
    """Ephemeral context: in-memory stores, no analytics, no progress bars, docs on disk."""
    _import_gx()
    import great_expectations as gx
    from great_expectations.data_context.types.base import (
        DataContextConfig,
        InMemoryStoreBackendDefaults,
        ProgressBarsConfig,
    )

    site = {
        "class_name": "SiteBuilder",
        "show_how_to_buttons": False,
        "store_backend": {
            "class_name": "TupleFilesystemStoreBackend",
            "base_directory": str(docs_dir.resolve()),
        },
        "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
    }
    config = DataContextConfig(
        store_backend_defaults=InMemoryStoreBackendDefaults(),
        analytics_enabled=False,
        progress_bars=ProgressBarsConfig(globally=False, metric_calculations=False),
        data_docs_sites={DOCS_SITE: site},
    )
    return gx.get_context(mode="ephemeral", project_config=config)


def _index_columns(view: pl.DataFrame) -> list[str]:
    """Columns GX reports for each offending row (the sample of doc_ids)."""
    return [c for c in ("doc_id", "line_no") if c in view.columns]


def run_suites(
    views: dict[str, pl.DataFrame],
    suite_json: dict[str, dict[str, Any]],
    parameters: dict[str, Any],
    *,
    sample_size: int,
    docs_dir: Path,
    expectations_dir: Path,
) -> tuple[dict[str, dict[str, Any]], Path]:
    """Validate each view with its suite; return GX result JSON per suite and the docs index."""
    import great_expectations as gx
    from great_expectations.core.run_identifier import RunIdentifier

    context = _context(docs_dir)
    run_id = RunIdentifier(run_name="validation-gate")  # one run for all suites in the docs
    source = context.data_sources.add_pandas("staging")
    definitions = {}
    for name, data in suite_json.items():  # load every suite before running any
        where = str(expectations_dir / f"{name}.json")
        suite = context.suites.add(build_suite(name, data, where))
        check_count(suite, len(data["expectations"]), f"{where} (after adding to the context)")
        batch = source.add_dataframe_asset(name).add_batch_definition_whole_dataframe("batch")
        definitions[name] = context.validation_definitions.add(
            gx.ValidationDefinition(name=f"gate-{name}", data=batch, suite=suite)
        )
    results: dict[str, dict[str, Any]] = {}
    for name, definition in definitions.items():
        # COMPLETE: every unexpected row's doc_id, for quarantine (the result file keeps a sample)
        result_format: dict[str, Any] = {
            "result_format": "COMPLETE",
            "partial_unexpected_count": sample_size,
        }
        if index := _index_columns(views[name]):
            result_format["unexpected_index_column_names"] = index
        result = definition.run(
            batch_parameters={"dataframe": views[name].to_pandas()},
            expectation_parameters=parameters,
            result_format=result_format,
            run_id=run_id,
        )
        where = str(expectations_dir / f"{name}.json")
        check_count(definition.suite, len(result.results), f"{where} (results returned by GX)")
        results[name] = result.to_json_dict()
    return results, _build_docs(context, docs_dir, results)


def _build_docs(context: Any, docs_dir: Path, results: dict[str, dict[str, Any]]) -> Path:
    """GX's own site builder; if it fails, a plain static page so the folder is never empty."""
    try:
        urls = context.build_data_docs(site_names=[DOCS_SITE])
        index = Path(urls[DOCS_SITE].removeprefix("file://"))
        if index.exists():
            return index
    except Exception as e:  # docs are a by-product; the verdict must survive a renderer bug
        (docs_dir / "gx_docs_error.txt").parent.mkdir(parents=True, exist_ok=True)
        (docs_dir / "gx_docs_error.txt").write_text(f"{type(e).__name__}: {e}\n")
    return write_fallback_html(results, docs_dir / "index.html")


def write_fallback_html(results: dict[str, dict[str, Any]], path: Path) -> Path:
    """Minimal self-contained HTML table of every expectation result."""
    rows = []
    for suite, res in results.items():
        for r in res.get("results", []):
            cfg = r.get("expectation_config", {})
            kwargs = {k: v for k, v in cfg.get("kwargs", {}).items() if k != "batch_id"}
            status = "ok" if r.get("success") else "FAILED"
            detail = json.dumps(r.get("result", {}), default=str)[:500]
            cells = (suite, cfg.get("type", ""), json.dumps(kwargs, default=str), status, detail)
            rows.append("<tr>" + "".join(f"<td>{html.escape(str(c))}</td>" for c in cells))
    page = (
        "<!doctype html><meta charset='utf-8'><title>Validation</title>"
        "<table border=1><tr><th>suite<th>expectation<th>kwargs<th>status<th>result"
        + "".join(rows)
        + "</table>"
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(page, encoding="utf-8")
    return path
