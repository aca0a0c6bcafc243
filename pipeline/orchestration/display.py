"""Step stats and frames turned into Dagster metadata the UI shows."""

from __future__ import annotations

import dagster as dg
import polars as pl


def stats_metadata(stats: dict) -> dict[str, dg.MetadataValue]:
    out: dict[str, dg.MetadataValue] = {}
    for k, v in stats.items():
        if isinstance(v, bool):
            out[k] = dg.MetadataValue.bool(v)
        elif isinstance(v, int):
            out[k] = dg.MetadataValue.int(v)
        elif isinstance(v, float):
            out[k] = dg.MetadataValue.float(v)
        else:
            out[k] = dg.MetadataValue.text(str(v))
    return out


def preview(df: pl.DataFrame | pl.LazyFrame, columns: list[str], rows: int = 10, width: int = 80
            ) -> dg.MetadataValue:
    """A Markdown table of the first rows, long strings cut, for the asset's page (of a lazy
    scan, only those rows are read)."""
    have = df.collect_schema().names()
    cols = [c for c in columns if c in have]
    head = df.select(cols).head(rows)
    head = head.collect() if isinstance(head, pl.LazyFrame) else head
    lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    for row in head.iter_rows():
        cells = []
        for v in row:
            s = "" if v is None else str(v).replace("\n", " ").replace("|", "\\|")
            cells.append(s if len(s) <= width else s[: width - 1] + "…")
        lines.append("| " + " | ".join(cells) + " |")
    return dg.MetadataValue.md("\n".join(lines))


def validation_metadata(report, summary: dict) -> dict[str, dg.MetadataValue]:
    """The gate's verdict for the asset page: quarantined rows by expectation, warnings, where
    to look (`report` is a `validation.ValidationReport`)."""
    md: dict[str, dg.MetadataValue] = {
        "validation.passed": dg.MetadataValue.bool(report.success),
        "validation.quarantined": dg.MetadataValue.int(len(report.quarantine)),
        "validation.warnings": dg.MetadataValue.int(len(report.warnings())),
        "validation.blocked": dg.MetadataValue.int(len(report.blocked)),
    }
    if report.quarantine:
        md["validation.quarantined_by_expectation"] = dg.MetadataValue.json(
            summary.get("quarantined_by_expectation", {}))
        md["validation.quarantined_where"] = dg.MetadataValue.text(
            "the version's `rejected` table (stage 'validation'), its report.html and Data Docs")
    if report.warnings():
        md["validation.warning_list"] = dg.MetadataValue.json(
            [{"expectation": o.label, "observed": o.observed} for o in report.warnings()])
    if report.blocked:
        md["validation.blocked_because"] = dg.MetadataValue.json(report.blocked)
    return md
