"""The data contract: column names and Polars dtypes of every published table.

One place so the pipeline, the validation suites and the tests agree on what a version holds.
"""

from __future__ import annotations

import polars as pl

ARTICLES: dict[str, pl.DataType] = {
    "doc_id": pl.String(),
    "source": pl.String(),
    "url": pl.String(),
    "site": pl.String(),
    "title": pl.String(),
    "published": pl.Date(),
    "language": pl.String(),
    "text": pl.String(),
    "n_words": pl.UInt32(),
    "content_hash": pl.String(),
    "cluster_id": pl.String(),
    "n_copies": pl.UInt32(),
    "ingested_at": pl.Datetime("us", "UTC"),
    "extractor": pl.String(),
}

REJECTED: dict[str, pl.DataType] = {
    "doc_id": pl.String(),
    "source": pl.String(),
    "stage": pl.String(),
    "reason": pl.String(),
    "detail": pl.String(),
    "n_bytes": pl.UInt64(),
}

DUPLICATES: dict[str, pl.DataType] = {
    "doc_id": pl.String(),
    "source": pl.String(),
    "duplicate_of": pl.String(),
    "similarity": pl.Float64(),
    "method": pl.String(),
}

REMOVED_LINES: dict[str, pl.DataType] = {
    "doc_id": pl.String(),
    "line_no": pl.UInt32(),
    "text": pl.String(),
    "category": pl.String(),
    "rule": pl.String(),
}

TABLES: dict[str, dict[str, pl.DataType]] = {
    "articles": ARTICLES,
    "rejected": REJECTED,
    "duplicates": DUPLICATES,
    "removed_lines": REMOVED_LINES,
}


def empty(table: str) -> pl.DataFrame:
    """An empty frame with the contract's schema for `table`."""
    return pl.DataFrame(schema=TABLES[table])


def n_rows(df: pl.DataFrame | pl.LazyFrame) -> int:
    """Rows of a frame, or of a lazy scan (counted without reading its columns)."""
    return df.height if isinstance(df, pl.DataFrame) else int(df.select(pl.len()).collect().item())


def conform(df: pl.DataFrame | pl.LazyFrame, table: str) -> pl.DataFrame | pl.LazyFrame:
    """Select and cast `df` to the contract's columns, in the contract's order."""
    schema = TABLES[table]
    have = df.collect_schema().names() if isinstance(df, pl.LazyFrame) else df.columns
    cols = []
    for name, dtype in schema.items():
        if name in have:
            cols.append(pl.col(name).cast(dtype))
        else:
            cols.append(pl.lit(None, dtype=dtype).alias(name))
    return df.select(cols)
