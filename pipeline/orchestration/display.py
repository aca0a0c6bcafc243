"""Step stats, frames and folders turned into the Dagster metadata the UI shows.

Rules the assets follow (issue 19):
- every materialization of an asset carries the same numeric keys (`stats_metadata` with the
  asset's `CORE` list, 0 when a step did not report one), so the Plots tab has no gaps; the
  breakdowns whose keys depend on the data (rejects by reason, duplicates by method, removed
  lines by category, timings) go into one JSON entry, `details`;
- previews are `MetadataValue.table` (a grid on the asset page, not Markdown behind a click);
- links are `MetadataValue.url` (file:// URLs) to files that exist after publishing, inside
  the version folder.
"""

from __future__ import annotations

import datetime as _dt
import json
from pathlib import Path

import dagster as dg
import polars as pl

from pipeline import schema

# Numeric keys every materialization of an asset carries (plotted in the UI).
CORE: dict[str, tuple[str, ...]] = {
    "documents": (
        "read.files", "read.files_read", "read.raw_documents", "read.already_published",
        "read.documents_read", "read.byte_identical_copies", "read.rejected",
        "extract.documents_in", "extract.documents_out", "extract.rejected",
        "clean.documents_out", "clean.rejected", "clean.lines_in", "clean.lines_removed",
        "clean.lines_rescued"),
    "deduplicated": (
        "documents_in", "articles", "duplicates", "dedup.docs_total", "dedup.clusters",
        "dedup.duplicates_exact_text", "dedup.duplicates_near", "dedup.duplicates_containment"),
    "curated_batch": (
        "raw_documents", "articles", "copies_represented", "rejected", "duplicates",
        "removed_lines", "quarantined", "warnings"),
}

# The data contract's `articles` columns (pipeline/schema.py), described for the asset page's
# Columns tab (`dagster/column_schema`). tests/test_ui_metadata.py checks every column has one.
ARTICLE_COLUMNS: dict[str, str] = {
    "doc_id": "Stable id of the raw document (hash of its source and bytes); the primary key.",
    "source": "Path under the raw folder; `#record` names a record inside a JSONL or WARC batch.",
    "url": "The page's URL when the scrape recorded one.",
    "site": "The site (host name) the article comes from.",
    "title": "The article's title (from the page's metadata or its first line).",
    "published": "Publication date, when the page states a plausible one.",
    "language": "ISO 639-1 code of the text's language.",
    "text": "The article body: paragraphs separated by a blank line, whitespace runs made one "
            "space, boilerplate lines removed (audited in removed_lines).",
    "n_words": "Words of `text`.",
    "content_hash": "128-bit hash of the normalised word sequence (case-folded, punctuation "
                    "ignored): the exact-duplicate key.",
    "cluster_id": "Duplicate cluster the article stands for (its copies are in `duplicates`).",
    "n_copies": "Raw documents this article represents (itself and its duplicates).",
    "ingested_at": "When the pipeline first saw the document (UTC); kept across versions.",
    "extractor": "What produced the body: `text_engine` for a plain-text scrape; for an HTML "
                 "page `trafilatura`, `trafilatura_recall`, `trafilatura_balanced` (its "
                 "default mode, where recall mode kept a fragment) or `rendered_text`.",
}


def column_schema() -> dg.TableSchema:
    """`articles` as the data contract defines it, each column with its description."""
    return dg.TableSchema(columns=[
        dg.TableColumn(name, str(dtype), description=ARTICLE_COLUMNS.get(name))
        for name, dtype in schema.ARTICLES.items()])


def _number(v: object) -> dg.MetadataValue:
    if isinstance(v, bool):
        return dg.MetadataValue.bool(v)
    if isinstance(v, int):
        return dg.MetadataValue.int(v)
    if isinstance(v, float):
        return dg.MetadataValue.float(v)
    return dg.MetadataValue.text(str(v))


def stats_metadata(stats: dict, core: tuple[str, ...]) -> dict[str, dg.MetadataValue]:
    """The `core` keys as numbers (0 when absent: the same keys on every run), the rest of
    `stats` in one JSON entry `details`."""
    out: dict[str, dg.MetadataValue] = {k: _number(stats.get(k, 0)) for k in core}
    rest = {k: v for k, v in stats.items() if k not in core}
    out["details"] = dg.MetadataValue.json(plain(rest))
    return out


def plain(value: object) -> object:
    """`value` as JSON data (dates and other objects as strings), for `MetadataValue.json`."""
    return json.loads(json.dumps(value, default=str))


def _cell(v: object, width: int) -> str | int | float | bool | None:
    if v is None or isinstance(v, bool | int | float):
        return v
    if isinstance(v, _dt.date | _dt.datetime):
        return v.isoformat()
    s = str(v).replace("\n", " ")
    return s if len(s) <= width else s[: width - 1] + "…"


def preview(df: pl.DataFrame | pl.LazyFrame, columns: list[str], rows: int = 10,
            width: int = 80) -> dg.MetadataValue:
    """The first rows as a table on the asset page, long strings cut (of a lazy scan, only
    those rows are read)."""
    have = df.collect_schema()
    cols = [c for c in columns if c in have]
    head = df.select(cols).head(rows)
    head = head.collect() if isinstance(head, pl.LazyFrame) else head
    table_schema = dg.TableSchema(columns=[dg.TableColumn(c, str(have[c])) for c in cols])
    records = [dg.TableRecord({c: _cell(v, width) for c, v in zip(cols, row, strict=True)})
               for row in head.iter_rows()]
    return dg.MetadataValue.table(records=records, schema=table_schema)


def file_url(path: Path) -> dg.MetadataValue:
    return dg.MetadataValue.url(Path(path).resolve().as_uri())


def version_links(version_dir: Path) -> dict[str, dg.MetadataValue]:
    """`report` and `data_docs` of a published version, as file:// URLs (only those that
    exist: a version published before the gate kept its results has no Data Docs)."""
    version_dir = Path(version_dir)
    out: dict[str, dg.MetadataValue] = {}
    report = version_dir / "report.html"
    if report.is_file():
        out["report"] = file_url(report)
    docs = docs_index(version_dir / "validation")
    if docs is not None:
        out["data_docs"] = file_url(docs)
    return out


def docs_index(results_dir: Path) -> Path | None:
    """The Data Docs' index.html under a gate results folder (`data_docs/index.html`)."""
    f = Path(results_dir) / "data_docs" / "index.html"
    if f.is_file():
        return f
    found = sorted(Path(results_dir).rglob("index.html")) if Path(results_dir).is_dir() else []
    return found[0] if found else None


def validation_metadata(report, summary: dict) -> dict[str, dg.MetadataValue]:
    """The gate's verdict for the asset page (the same keys on every run): counts, quarantined
    rows by expectation, warnings, why it blocked (`report` is a `validation.ValidationReport`)."""
    return {
        "validation.passed": dg.MetadataValue.bool(report.success),
        "validation.evaluated": dg.MetadataValue.int(len(report.outcomes)),
        "validation.failed": dg.MetadataValue.int(len(report.failed())),
        "validation.quarantined": dg.MetadataValue.int(len(report.quarantine)),
        "validation.warnings": dg.MetadataValue.int(len(report.warnings())),
        "validation.blocked": dg.MetadataValue.int(len(report.blocked)),
        "validation.quarantined_by_expectation": dg.MetadataValue.json(
            plain(summary.get("quarantined_by_expectation", {}))),
        "validation.warning_list": dg.MetadataValue.json(
            plain([{"expectation": o.label, "observed": o.observed} for o in report.warnings()])),
        "validation.blocked_because": dg.MetadataValue.json(plain(list(report.blocked))),
    }
