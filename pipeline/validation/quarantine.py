"""Quarantine: article rows a quarantine expectation failed leave `articles` for `rejected`.

Great Expectations decides which rows fail (`ValidationReport.quarantine`, from its lists of
unexpected rows by doc_id); this module only moves them, in Polars, keeping every raw document
in exactly one place:

- a quarantined article goes to `rejected` with stage `validation`, the expectation as reason
  and the observed value in the detail;
- its copies follow it (choice: the copies of an article that failed are the same article, and
  promoting the "best remaining copy" would publish a row nobody validated as the cluster's
  representative): every `duplicates` row pointing at a quarantined document moves to
  `rejected` too, with the same reason and a detail naming what it copies;
- a document quarantined by an earlier version whose cluster now has another representative (a
  new copy that passes) is a duplicate of that article, as a full rebuild would make it: its
  `rejected` row is dropped and its `duplicates` row stays.

`follow` is run before the gate (the earlier versions' quarantine, so the accounting holds on
what the gate sees) and again by `apply` after it. Both are pure functions of the tables, so N
incremental runs give the tables of one full rebuild.
"""

from __future__ import annotations

import polars as pl

from pipeline import schema
from pipeline.reasons import VALIDATION as STAGE

Tables = dict[str, pl.DataFrame | pl.LazyFrame]


def _rejected_rows(df: pl.DataFrame) -> pl.DataFrame:
    return schema.conform(df.with_columns(pl.lit(STAGE).alias("stage"),
                                          pl.lit(None, pl.UInt64()).alias("n_bytes")), "rejected")


def follow(tables: Tables) -> tuple[Tables, dict[str, int]]:
    """Copies of quarantined documents follow them into `rejected`; quarantined documents that
    are now copies of a published article leave it. Returns the tables and counts."""
    rejected = tables["rejected"]
    dups = tables["duplicates"]
    q = rejected.filter(pl.col("stage") == STAGE).select("doc_id", "reason", "detail")
    if q.is_empty() or dups.height == 0:
        return tables, {"quarantined_copies": 0, "quarantine_lifted": 0}
    qids = q["doc_id"].implode()
    to_q = pl.col("duplicate_of").is_in(qids)
    followers = dups.filter(to_q & ~pl.col("doc_id").is_in(qids)).join(
        q.rename({"doc_id": "duplicate_of", "detail": "of_detail"}), on="duplicate_of", how="left")
    moved = _rejected_rows(followers.select(
        "doc_id", "source", "reason",
        pl.format("{} copy of {} (similarity {}), which was quarantined: {}", "method",
                  "duplicate_of", pl.col("similarity").round(3), pl.col("of_detail")
                  ).alias("detail")))
    # Quarantined before, now a copy of a live article (its cluster has a new representative).
    lifted = dups.filter(~to_q & pl.col("doc_id").is_in(qids))["doc_id"]
    rejected = pl.concat([rejected.filter(~pl.col("doc_id").is_in(lifted.implode())),
                          moved]).sort("source", "doc_id")
    out = dict(tables)
    out["rejected"] = rejected
    out["duplicates"] = dups.filter(~to_q)
    return out, {"quarantined_copies": moved.height, "quarantine_lifted": lifted.len()}


def apply(tables: Tables, rows: list[tuple[str, str, str]]) -> tuple[Tables, dict[str, int]]:
    """Move the article rows `rows` (doc_id, reason, detail) to `rejected`, and their copies
    after them (`follow`). Articles may be a lazy scan: it stays one, filtered."""
    if not rows:
        return tables, {"quarantined": 0, "quarantined_copies": 0, "quarantine_lifted": 0}
    q = pl.DataFrame(rows, schema={"doc_id": pl.String(), "reason": pl.String(),
                                   "detail": pl.String()}, orient="row")
    ids = q["doc_id"].implode()
    articles = tables["articles"]
    sources = articles.lazy().filter(pl.col("doc_id").is_in(ids)).select(
        "doc_id", "source").collect()
    moved = _rejected_rows(q.join(sources, on="doc_id", how="inner"))
    out = dict(tables)
    out["articles"] = articles.filter(~pl.col("doc_id").is_in(ids))
    out["rejected"] = pl.concat([schema.conform(tables["rejected"], "rejected"), moved])
    out, counts = follow(out)
    return out, {"quarantined": moved.height, **counts}
