"""What an incremental run builds on: the latest published version's tables (articles and
removed lines as lazy scans), its signature index and raw-file ledger (`run.load_previous`)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import polars as pl


@dataclass
class Previous:
    """The latest published version, for an incremental run: what it holds is not recomputed."""

    version: int
    raw_documents: int
    articles: pl.LazyFrame  # a scan of the version's file: texts are read only where joined
    duplicates: pl.DataFrame
    rejected: pl.DataFrame
    removed_lines: pl.LazyFrame | None
    index: pl.DataFrame | None
    files: pl.DataFrame | None = None  # raw file ledger
    validation_fingerprint: str | None = None  # the suites and settings it was validated with
    # doc_id, raw_hash of every document it read (None: written before the table existed)
    hashes: pl.DataFrame | None = None

    @cached_property
    def documents(self) -> pl.DataFrame:
        """doc_id, source and `table` (articles, duplicates or rejected) of every document the
        version holds: read once (the articles' two columns, not their texts) for `seen` and
        `steps.retire`."""
        return pl.concat([
            self.articles.select("doc_id", "source", pl.lit("articles").alias("table")).collect(),
            self.duplicates.select("doc_id", "source", pl.lit("duplicates").alias("table")),
            self.rejected.select("doc_id", "source", pl.lit("rejected").alias("table")),
        ])

    def seen(self) -> pl.Series:
        return self.documents["doc_id"]
