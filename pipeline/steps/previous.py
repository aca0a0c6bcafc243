"""What an incremental run builds on: the latest published version's tables (articles and
removed lines as lazy scans), its signature index and raw-file ledger (`run.load_previous`)."""

from __future__ import annotations

from dataclasses import dataclass

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

    def seen(self) -> pl.Series:
        return pl.concat([self.articles.select("doc_id").collect()["doc_id"],
                          self.duplicates["doc_id"], self.rejected["doc_id"]])
