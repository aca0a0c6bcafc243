"""Run the suites with GX in an ephemeral, offline context and write Data Docs into a folder.

The Data Docs are our own pages, not GX's site builder: GX's pages load their CSS and scripts
from CDNs (blank offline), weigh 4.4 MB of static files per copy, and render sampled values as
HTML (a `<script>` in an article's text ran in the reader's browser: issue 22, item 8). Ours are
static HTML with inline CSS, every value escaped, no script, and a Content-Security-Policy that
forbids scripts and any network load even if a value slipped through.

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

from pipeline.validation.suites import QUARANTINE, build_suite, check_count

if TYPE_CHECKING:
    from great_expectations.data_context import EphemeralDataContext

SAMPLE_SHOWN = 10  # unexpected values shown per expectation in the Data Docs
VALUE_CHARS = 160  # characters of one value shown before it is cut


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


def _context() -> EphemeralDataContext:
    """Ephemeral context: in-memory stores, no analytics, no progress bars, no Data Docs site
    (the docs are written by `write_docs`)."""
    _import_gx()
    import great_expectations as gx
    from great_expectations.data_context.types.base import (
        DataContextConfig,
        InMemoryStoreBackendDefaults,
        ProgressBarsConfig,
    )

    config = DataContextConfig(
        store_backend_defaults=InMemoryStoreBackendDefaults(),
        analytics_enabled=False,
        progress_bars=ProgressBarsConfig(globally=False, metric_calculations=False),
        data_docs_sites={},
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

    context = _context()
    run_id = RunIdentifier(run_name="validation-gate")  # one run for all suites in the docs
    source = context.data_sources.add_pandas("staging")
    # A suite runs as two GX suites when it has quarantine entries: those with the COMPLETE
    # result format (every failing row's doc_id, which quarantine moves), the others with
    # SUMMARY (a sample): COMPLETE on a warn expectation lists every row without a date, and
    # cost 20 s at 100k articles. The results are merged back in the file's order.
    definitions: dict[str, list[tuple[list[int], str, Any]]] = {}
    for name, data in suite_json.items():  # load every suite before running any
        where = str(expectations_dir / f"{name}.json")
        entries = data["expectations"]
        quarantine = [i for i, e in enumerate(entries) if (e.get("meta") or {}).get("action")
                      == QUARANTINE]
        parts = [(name, [i for i in range(len(entries)) if i not in quarantine], "SUMMARY"),
                 (f"{name}-quarantine", quarantine, "COMPLETE")]
        frame = source.add_dataframe_asset(name).add_batch_definition_whole_dataframe("batch")
        definitions[name] = []
        for part, rows, fmt in parts:
            if not rows:
                continue
            sub = {**data, "name": part, "expectations": [entries[i] for i in rows]}
            suite = context.suites.add(build_suite(part, sub, where))
            check_count(suite, len(rows), f"{where} (after adding to the context)")
            definition = context.validation_definitions.add(
                gx.ValidationDefinition(name=f"gate-{part}", data=frame, suite=suite))
            definitions[name].append((rows, fmt, definition))
    results: dict[str, dict[str, Any]] = {}
    for name, parts in definitions.items():
        frame = views[name].to_pandas()
        merged: dict[int, Any] = {}
        out: dict[str, Any] = {}
        for rows, fmt, definition in parts:
            result_format: dict[str, Any] = {"result_format": fmt,
                                             "partial_unexpected_count": sample_size}
            # Named unexpected rows (doc_id) only where quarantine needs every one: with index
            # columns GX builds the full list of unexpected rows even in SUMMARY (80k rows of a
            # warn expectation on a mostly-null column: 4 of the gate's 6 s at 92k articles);
            # the sample's rows are named from their positions below instead.
            index = _index_columns(views[name])
            if fmt == "COMPLETE" and index:
                result_format["unexpected_index_column_names"] = index
            result = definition.run(batch_parameters={"dataframe": frame},
                                    expectation_parameters=parameters,
                                    result_format=result_format, run_id=run_id)
            where = str(expectations_dir / f"{name}.json")
            check_count(definition.suite, len(result.results), f"{where} (results returned by GX)")
            got = result.to_json_dict()
            if fmt != "COMPLETE" and index:
                _name_samples(got, views[name], index)
            out = out or got
            out["success"] = bool(out.get("success", True)) and bool(got["success"])
            merged.update(zip(rows, got["results"], strict=True))
        out["results"] = [merged[i] for i in sorted(merged)]
        results[name] = out
    return results, write_docs(results, docs_dir)


def _name_samples(got: dict[str, Any], view: pl.DataFrame, index: list[str]) -> None:
    """Give each SUMMARY result's sample of unexpected rows (GX's row positions in the frame it
    validated, the view) the same shape as with index columns: {column: value, doc_id: ...}."""
    for r in got.get("results", []):
        res = r.get("result")
        rows = res.get("partial_unexpected_index_list") if isinstance(res, dict) else None
        if not rows or not all(isinstance(i, int) for i in rows):
            continue
        column = ((r.get("expectation_config") or {}).get("kwargs") or {}).get("column")
        cols = list(dict.fromkeys(c for c in [column, *index] if c is not None and c in view.columns))
        rows = [i for i in rows if 0 <= i < view.height]
        picked = view.select(cols)[rows] if cols else None
        res["partial_unexpected_index_list"] = [
            {k: v if v is None or isinstance(v, str | int | float | bool) else str(v)
             for k, v in row.items()} for row in picked.iter_rows(named=True)
        ] if picked is not None else []


# --------------------------------------------------------------------------------------------
# Data Docs: static pages of our own (see the module docstring)

_CSP = ("default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; "
        "form-action 'none'")
_DOCS_CSS = """
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;color:#1d2330;
 background:#f5f6f8}
header{background:#1d2330;color:#fff;padding:18px 28px}header h1{margin:0;font-size:20px}
header p{margin:4px 0 0;color:#c5cad3}main{padding:18px 28px;max-width:1200px}
a{color:#2456c7}code{font:12px ui-monospace,SFMono-Regular,Menlo,monospace}
.verdict{display:inline-block;padding:2px 10px;border-radius:10px;font-weight:600;color:#fff}
.verdict.pass{background:#1f8a4c}.verdict.fail{background:#c0392b}
ul.results{list-style:none;padding:0;margin:16px 0}
ul.results li.suite{background:#fff;border:1px solid #dde1e7;border-left:6px solid #1f8a4c;
 border-radius:6px;margin:0 0 10px;padding:10px 14px}
ul.results li.suite.fail{border-left-color:#c0392b}
ul.results li.suite .name{font-weight:600;font-size:15px}
ul.results li.suite .counts{color:#5b6472;margin-left:8px}
ul.failures{margin:6px 0 0;padding-left:18px}
.badge{display:inline-block;padding:0 7px;border-radius:8px;font-size:11px;font-weight:600;
 color:#fff;vertical-align:1px}
.badge.block{background:#c0392b}.badge.quarantine{background:#d68910}.badge.warn{background:#2e86c1}
.badge.ok{background:#1f8a4c}.badge.failed{background:#c0392b}
table{border-collapse:collapse;background:#fff;width:100%;margin:8px 0 22px}
th,td{border:1px solid #dde1e7;padding:5px 8px;text-align:left;vertical-align:top}
th{background:#eef0f4;font-weight:600}tr.fail td{background:#fdf0ee}
td.sample code{display:block;white-space:pre-wrap;word-break:break-all}
h2{font-size:17px;margin:22px 0 6px}.muted{color:#5b6472}
"""


def _esc(value: Any, limit: int = VALUE_CHARS) -> str:
    """A value as escaped text: strings as they are, anything else as JSON; cut at `limit`."""
    text = value if isinstance(value, str) else json.dumps(value, default=str, ensure_ascii=False)
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    return html.escape(text, quote=True)


def _page(title: str, body: str, generated: str) -> str:
    return (
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        f'<meta http-equiv="Content-Security-Policy" content="{_CSP}">'
        '<meta name="referrer" content="no-referrer">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{html.escape(title)}</title><style>{_DOCS_CSS}</style></head>\n<body>"
        f"<header><h1>{html.escape(title)}</h1><p>Great Expectations results, written "
        f"{html.escape(generated)} · static page: no script, nothing loaded from the network"
        f"</p></header><main>{body}</main></body></html>\n")


def _action(r: dict[str, Any]) -> str:
    from pipeline.validation.suites import expectation_action

    return expectation_action(r)


def _target(kwargs: dict[str, Any]) -> str:
    for key in ("column", "column_list"):
        if key in kwargs:
            return _esc(kwargs[key])
    if "column_A" in kwargs:
        return _esc(f"{kwargs.get('column_A')}, {kwargs.get('column_B')}")
    return ""


def _sample(res: dict[str, Any]) -> str:
    rows = res.get("partial_unexpected_index_list") or res.get("partial_unexpected_list") or []
    if not isinstance(rows, list) or not rows:
        return ""
    shown = "".join(f"<code>{_esc(v)}</code>" for v in rows[:SAMPLE_SHOWN])
    more = len(rows) - SAMPLE_SHOWN
    return shown + (f'<span class="muted">… {more} more in the result file</span>'
                    if more > 0 else "")


def _suite_table(result: dict[str, Any]) -> str:
    rows = []
    for r in result.get("results", []):
        cfg = r.get("expectation_config") or {}
        kwargs = {k: v for k, v in (cfg.get("kwargs") or {}).items()
                  if k not in ("batch_id", "column", "column_list", "column_A", "column_B")}
        res = r.get("result") if isinstance(r.get("result"), dict) else {}
        ok = bool(r.get("success"))
        action = _action(r)
        meta = cfg.get("meta") or {}
        unexpected = res.get("unexpected_count")
        pct = res.get("unexpected_percent")
        error = ((r.get("exception_info") or {}).get("exception_message")
                 if isinstance(r.get("exception_info"), dict) else None)
        observed = res.get("observed_value")
        rows.append(
            f'<tr class="{"pass" if ok else "fail"}">'
            f'<td><span class="badge {"ok" if ok else "failed"}">{"ok" if ok else "FAILED"}'
            f'</span></td><td><span class="badge {_esc(action)}">{_esc(action)}</span></td>'
            f"<td><code>{_esc(cfg.get('type', '?'))}</code><br><span class=\"muted\">"
            f"{_esc(meta.get('why', ''), 300)}</span></td>"
            f"<td>{_target(cfg.get('kwargs') or {})}</td>"
            f"<td><code>{_esc(kwargs, 300) if kwargs else ''}</code></td>"
            f"<td>{'' if observed is None else _esc(observed, 300)}"
            f"{'<br>error: ' + _esc(error, 300) if error else ''}</td>"
            f"<td>{'' if unexpected is None else _esc(unexpected)}"
            f"{f' ({pct:.2f} %)' if isinstance(pct, int | float) and unexpected else ''}</td>"
            f'<td class="sample">{_sample(res)}</td></tr>')
    return ("<table><thead><tr><th>status</th><th>action</th><th>expectation</th><th>column</th>"
            "<th>arguments</th><th>observed</th><th>unexpected</th><th>sample of unexpected "
            f"rows</th></tr></thead><tbody>{''.join(rows)}</tbody></table>")


def _counts(result: dict[str, Any]) -> tuple[int, int]:
    rs = result.get("results", [])
    return len(rs), sum(1 for r in rs if not r.get("success"))


def _results_list(results: dict[str, dict[str, Any]], link: bool) -> str:
    items = []
    for name, res in results.items():
        n, failed = _counts(res)
        fails = "".join(
            f'<li><span class="badge {_esc(_action(r))}">{_esc(_action(r))}</span> '
            f"<code>{_esc((r.get('expectation_config') or {}).get('type', '?'))}</code> "
            f"{_target((r.get('expectation_config') or {}).get('kwargs') or {})}</li>"
            for r in res.get("results", []) if not r.get("success"))
        title = (f'<a class="name" href="validations/{_esc(name)}.html">{_esc(name)}</a>'
                 if link else f'<a class="name" href="#suite-{_esc(name)}">{_esc(name)}</a>')
        items.append(
            f'<li class="suite {"fail" if failed else "pass"}" data-suite="{_esc(name)}">{title}'
            f'<span class="counts">{n - failed} of {n} expectations met</span>'
            + (f'<ul class="failures">{fails}</ul>' if fails else "") + "</li>")
    return f'<ul class="results" id="results">{"".join(items)}</ul>'


def _index(results: dict[str, dict[str, Any]], generated: str, link_pages: bool) -> str:
    total = sum(_counts(r)[0] for r in results.values())
    failed = sum(_counts(r)[1] for r in results.values())
    verdict = (f'<p><span class="verdict {"fail" if failed else "pass"}">'
               f'{"some expectations failed" if failed else "every expectation met"}</span> '
               f"{total - failed} of {total} expectations met in {len(results)} suites. What a "
               "failure did depends on its action: <span class=\"badge block\">block</span> "
               "stops the batch, <span class=\"badge quarantine\">quarantine</span> moves the "
               "rows to <code>rejected</code>, <span class=\"badge warn\">warn</span> is "
               "reported.</p>")
    sections = "".join(f'<h2 id="suite-{_esc(name)}">{_esc(name)}</h2>{_suite_table(res)}'
                       for name, res in results.items())
    return _page("Validation results", verdict + _results_list(results, link_pages) + sections,
                 generated)


def render_docs(results: dict[str, dict[str, Any]], generated: str | None = None
                ) -> dict[str, str]:
    """The Data Docs as {relative path: HTML}: `index.html` (the verdict, a results list with
    one entry per suite, every suite's table) and `validations/<suite>.html` per suite."""
    from datetime import UTC, datetime

    generated = generated or datetime.now(UTC).isoformat(timespec="seconds")
    pages = {"index.html": _index(results, generated, link_pages=True)}
    for name, res in results.items():
        back = '<p><a href="../index.html">← all suites</a></p>'
        pages[f"validations/{name}.html"] = _page(f"Validation results: {name}",
                                                  back + _suite_table(res), generated)
    return pages


def write_docs(results: dict[str, dict[str, Any]], docs_dir: Path) -> Path:
    """Write the Data Docs under `docs_dir`; returns its index.html."""
    docs_dir = Path(docs_dir)
    for rel, page in render_docs(results).items():
        f = docs_dir / rel
        f.parent.mkdir(parents=True, exist_ok=True)
        f.write_text(page, encoding="utf-8")
    return docs_dir / "index.html"


def write_fallback_html(results: dict[str, dict[str, Any]], path: Path) -> Path:
    """One self-contained page of every expectation result (the Data Docs' index alone)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    from datetime import UTC, datetime

    generated = datetime.now(UTC).isoformat(timespec="seconds")
    path.write_text(_index(results, generated, link_pages=False), encoding="utf-8")
    return path
