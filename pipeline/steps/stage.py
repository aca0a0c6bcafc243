"""Step 5, stage: the next version's tables in the data contract's schema (previous version's
rows carried over in an incremental run), ready for the gate (`pipeline.publishing`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import polars as pl

from pipeline import schema
from pipeline.steps.clean import CleanStep, content_hashes
from pipeline.steps.dedupe import DedupStep, orphan_copies
from pipeline.steps.extract import ExtractStep
from pipeline.steps.previous import Previous
from pipeline.steps.read import RawStep
from pipeline.validation import quarantine


@dataclass
class Staged:
    tables: dict[str, pl.DataFrame]
    n_raw_documents: int
    fingerprint: str
    index: pl.DataFrame | None = None  # dedup signature index, stored with the version
    stats: dict[str, int] = field(default_factory=dict)
    unchanged: bool = False  # an incremental run found nothing new: nothing to validate/publish
    files: pl.DataFrame | None = None  # raw file ledger, stored with the version
    base_version: int | None = None  # publish only if this is still the latest version
    work_dir: Path | None = None  # the chunked pass's parts the tables read (lazy scans)
    ahead: object = None  # store.WriteAhead: the tables being written while the gate runs
    n_examined: int = 0  # articles seen by the gate for the first time (the quarantine share's base)
    revalidate: bool = False  # nothing new, but the suites changed: the latest version re-checked
    validation: dict | None = None  # the gate's summary, once `publishing.audit` has run
    hashes: pl.DataFrame | None = None  # doc_id, raw_hash of every document read (steps.retire)

    def version_tables(self) -> dict[str, pl.DataFrame | pl.LazyFrame]:
        """Every table the version stores: the data tables, the dedup index, the file ledger,
        the raw hashes."""
        out = {**self.tables, "dedup_index": self.index}
        if self.files is not None:
            out["raw_files"] = self.files
        if self.hashes is not None:
            out["raw_hashes"] = self.hashes
        return out

    def write_ahead(self) -> None:
        """Start writing the version's tables into the work folder in a background thread, so
        that publishing after the gate only moves files (see `store.WriteAhead`)."""
        from pipeline import store

        if self.work_dir is not None and not self.unchanged and self.ahead is None:
            self.ahead = store.WriteAhead(self.version_tables(), Path(self.work_dir) / "tables")

    def __getstate__(self) -> dict:
        state = dict(self.__dict__)
        state["ahead"] = None  # a thread does not pickle (Dagster's file IO manager)
        return state



def stage(raw: RawStep, ex: ExtractStep, cl: CleanStep, dd: DedupStep,
          previous_articles: pl.DataFrame | pl.LazyFrame | None = None,
          now: datetime | None = None, prev: Previous | None = None,
          revalidate: bool = False) -> Staged:
    """The next version's tables. With `prev` (incremental), its rejects and removed lines are
    carried over and the new ones appended. Articles and removed lines of the chunked pass stay
    lazy (joins over Parquet parts, in chunk order): `store.publish` streams them to the
    version; one batch in memory gives frames sorted by doc_id. Copies of documents an earlier
    version quarantined follow them into `rejected` (`validation.quarantine.follow`).
    `revalidate`: the suites changed since `prev`; the gate re-checks every article."""
    now = now or datetime.now(UTC)
    if prev is not None and previous_articles is None:
        previous_articles = prev.articles
    art = dd.articles.with_columns(
        pl.lit(now).dt.replace_time_zone("UTC").alias("ingested_at"))
    if previous_articles is not None:
        # When the pipeline first saw a document stays what it was in the previous version.
        seen = previous_articles.lazy().select("doc_id", pl.col("ingested_at").alias("_seen"))
        art = art.lazy().join(seen, on="doc_id", how="left", maintain_order="left").with_columns(
            pl.coalesce("_seen", "ingested_at").alias("ingested_at")).drop("_seen")
        art = art.collect() if isinstance(dd.articles, pl.DataFrame) else art
    # Word counts and content hashes come with the rows (computed by `clean`, carried over
    # from the previous version); a row without them (an older version's) gets them here.
    # (Every version this code writes has both: a lazy plan is left as it is.)
    if isinstance(art, pl.DataFrame):
        todo = art.filter(pl.col("content_hash").is_null() | pl.col("n_words").is_null())
        if todo.height:
            todo = todo.with_columns(
                (pl.col("text").str.count_matches(r"\S+")).cast(pl.UInt32).alias("n_words"),
                content_hashes(todo["text"]))
            art = pl.concat([art.filter(pl.col("content_hash").is_not_null()
                                        & pl.col("n_words").is_not_null()), todo])
    articles = schema.conform(art, "articles")
    if isinstance(articles, pl.DataFrame):
        articles = articles.sort("doc_id")
    rejected = pl.concat([raw.rejected, ex.rejected, cl.rejected])
    # Copies of a published reject are rejected with it (not of a quarantined document: its
    # copies follow it from `duplicates`, below).
    originals = rejected if prev is None or raw.carried is None else pl.concat([
        schema.conform(rejected, "rejected"),
        schema.conform(prev.rejected, "rejected").filter(pl.col("stage") != "validation")])
    rejected = pl.concat([schema.conform(rejected, "rejected"),
                          orphan_copies(raw, originals)])
    if prev is not None:
        rejected = pl.concat([schema.conform(prev.rejected, "rejected"), rejected])
    rejected = rejected.sort("source")
    removed = _removed_lines(cl, prev)
    tables = {"articles": articles, "rejected": schema.conform(rejected, "rejected"),
              "duplicates": dd.duplicates, "removed_lines": removed}
    tables, followed = quarantine.follow(tables)
    n_raw = raw.stats["raw_documents"] + (prev.raw_documents if prev else 0)
    stats = {"raw_documents": n_raw, "articles": schema.n_rows(articles),
             "copies_represented": _copies_represented(articles),
             "rejected": tables["rejected"].height, "duplicates": tables["duplicates"].height,
             "removed_lines": schema.n_rows(removed)}
    # (nothing new, yet the dedup step re-clustered the stored index: its thresholds changed)
    reclustered = bool(dd.stats.get("dedup.reclustered_index"))
    unchanged = prev is not None and raw.nothing_new and not revalidate and not reclustered
    n_examined = schema.n_rows(articles)
    if prev is not None and not revalidate:
        n_examined = int(articles.lazy().select("doc_id").join(
            prev.articles.lazy().select("doc_id"), on="doc_id", how="anti")
            .select(pl.len()).collect().item())
    hashes = None if raw.hashes is None else raw.hashes.select(
        "doc_id", "raw_hash").unique("doc_id").sort("doc_id")
    return Staged(tables, n_raw, raw.fingerprint, dd.index, stats, unchanged, raw.files,
                  raw.base_version, cl.work_dir, n_examined=n_examined, revalidate=revalidate,
                  hashes=hashes)


def _copies_represented(articles: pl.DataFrame | pl.LazyFrame) -> int:
    got = articles.select(pl.col("n_copies").sum())
    got = got.collect() if isinstance(got, pl.LazyFrame) else got
    return int(got.item() or 0)


def _removed_lines(cl: CleanStep, prev: Previous | None) -> pl.DataFrame | pl.LazyFrame:
    """The removed lines of the documents kept by `clean` (not of those it rejected), after the
    previous version's. Eager frames (one batch in memory) are sorted by (doc_id, line_no); the
    chunked pass's lines stay a lazy scan, in chunk order (each part sorted), so that millions
    of lines go from the parts to the published file without being held in memory."""
    lazy = isinstance(cl.removed_lines, pl.LazyFrame) or (
        prev is not None and isinstance(prev.removed_lines, pl.LazyFrame))
    if not lazy:
        removed = cl.removed_lines.filter(pl.col("doc_id").is_in(cl.documents["doc_id"].implode()))
        if prev is not None and prev.removed_lines is not None:
            removed = pl.concat([schema.conform(prev.removed_lines, "removed_lines"),
                                 schema.conform(removed, "removed_lines")])
        return schema.conform(removed, "removed_lines").sort("doc_id", "line_no")
    kept = (cl.signed_ids if cl.signed_ids is not None else cl.documents).lazy().select("doc_id")
    removed = cl.removed_lines.lazy().join(kept, on="doc_id", how="semi", maintain_order="left")
    removed = schema.conform(removed, "removed_lines")
    if prev is not None and prev.removed_lines is not None:
        removed = pl.concat([schema.conform(prev.removed_lines.lazy(), "removed_lines"), removed])
    return removed
