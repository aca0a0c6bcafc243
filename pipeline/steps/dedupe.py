"""Step 4, dedupe: exact and near-duplicate clusters of the clean bodies (`pipeline.dedup`),
incremental against the previous version's signature index; byte-identical copies folded in."""

from __future__ import annotations

from dataclasses import dataclass, field

import polars as pl

from pipeline import schema
from pipeline.dedup.lsh import Mapper
from pipeline.steps.clean import CLEANED_SCHEMA, CleanStep
from pipeline.steps.contract import counts_by
from pipeline.steps.previous import Previous
from pipeline.steps.read import RawStep


@dataclass
class DedupStep:
    # kept representatives, CLEANED_SCHEMA + cluster_id, n_copies; a lazy join over the chunked
    # pass's parts (and the previous version's file), streamed to the version when published
    articles: pl.DataFrame | pl.LazyFrame
    duplicates: pl.DataFrame   # schema.DUPLICATES
    index: pl.DataFrame        # signature index stored with the version (incremental dedup)
    stats: dict[str, int | float] = field(default_factory=dict)


def _as_cleaned(articles: pl.DataFrame | pl.LazyFrame) -> pl.DataFrame | pl.LazyFrame:
    """Published article rows back in the clean step's shape (columns it lacks are null)."""
    have = articles.collect_schema().names()
    return articles.select([
        pl.col(c).cast(t) if c in have else pl.lit(None, t).alias(c)
        for c, t in CLEANED_SCHEMA.items()])


def index_current(prev: Previous) -> bool:
    """Whether the version's clusters were made with the running code's dedup thresholds
    (`DedupSettings.cluster_params`) and signature scheme (its containment bands). When they
    were not (a release changed them), a run with nothing new to read still re-clusters the
    stored index: the version must be what a rebuild gives now, not at the next batch."""
    from pipeline.dedup import DedupSettings, scheme_for
    from pipeline.dedup.index import clustered_with

    s = DedupSettings()
    return prev.index is None or prev.index.is_empty() or (
        clustered_with(prev.index, s)
        and prev.index["scheme"].unique().to_list() == [scheme_for(s)])


def dedupe(cl: CleanStep, raw: RawStep, prev: Previous | None = None,
           mapper: Mapper | None = None) -> DedupStep:
    """Cluster the new clean bodies with every document of the previous version (its stored
    signature index), then rebuild who stands for whom: a new document can become the
    representative of an old cluster, or join two. `mapper`: where the LSH band join's
    partitions run (`executors.mapper`); None: in this process."""
    from pipeline.dedup import deduplicate

    docs = cl.documents
    if prev is not None and raw.nothing_new and prev.index is not None and index_current(prev):
        # Nothing new to place: the previous version's clusters stand as they are.
        arts = prev.articles.lazy()
        return DedupStep(_as_cleaned(arts).join(
            arts.select("doc_id", "cluster_id", "n_copies"), on="doc_id"),
            prev.duplicates, prev.index,
            {"documents_in": 0, "articles": prev.index["cluster_id"].n_unique(),
             "duplicates": prev.duplicates.height, "unchanged": 1})
    index = prev.index if prev else None
    if cl.signed is not None:  # signed by the chunked pass's workers
        result = deduplicate(cl.signed_ids, index=index, signed=cl.signed, mapper=mapper,
                             retire=raw.retired)
    else:
        result = deduplicate(docs.select("doc_id", "text", "published"), index=index,
                             mapper=mapper, retire=raw.retired)
    members = result.assignments.select("doc_id", "cluster_id", "duplicate_of", "similarity",
                                        "method")
    rep_of = members.select("doc_id", pl.coalesce("duplicate_of", "doc_id").alias("rep"),
                            "cluster_id")
    reps = members.filter(pl.col("duplicate_of").is_null()).select(
        "cluster_id", pl.col("doc_id").alias("rep"))
    # Candidate article rows: this batch's clean documents and the previous articles. Lazy:
    # the chunked pass's documents are Parquet parts, read here only for the representatives.
    ldocs = docs.lazy()
    rows = ldocs
    sources = ldocs.select("doc_id", "source")
    copies = raw.all_copies
    if prev is not None:
        rows = pl.concat([ldocs, _as_cleaned(prev.articles).lazy()])
        old_dups = prev.duplicates
        # Quarantined documents stay in the index (their copies follow them): their sources too.
        quarantined = prev.rejected.lazy().filter(pl.col("stage") == "validation")
        sources = pl.concat([sources, prev.articles.lazy().select("doc_id", "source"),
                             old_dups.lazy().filter(pl.col("method") != "exact_raw")
                             .select("doc_id", "source"),
                             quarantined.select("doc_id", "source")])
        if raw.carried is None:  # a version without raw hashes: its copies as they were
            copies = pl.concat([copies, old_dups.filter(pl.col("method") == "exact_raw")
                                .select("doc_id", "source", "duplicate_of")])
    copies_k = copies.join(rep_of.select("doc_id", "cluster_id"), left_on="duplicate_of",
                           right_on="doc_id", how="inner")
    n_copies = pl.concat([members.select("cluster_id"), copies_k.select("cluster_id")]
                         ).group_by("cluster_id").len("n_copies")
    # Representatives picked by a filter, their cluster facts by a left join on a small table:
    # a streaming plan whose memory follows the representatives, not the texts (an inner join
    # built its hash table on the texts' side: 16 GB at 1M documents).
    rep_info = reps.join(n_copies, on="cluster_id", how="left").select(
        pl.col("rep").alias("doc_id"), "cluster_id", "n_copies")
    articles = rows.filter(pl.col("doc_id").is_in(rep_info["doc_id"].implode())).join(
        rep_info.lazy(), on="doc_id", how="left", maintain_order="left")
    if isinstance(docs, pl.DataFrame):  # one batch in memory: the articles too, in doc_id order
        articles = articles.collect(engine="streaming").sort("doc_id")
    dups = members.filter(pl.col("duplicate_of").is_not_null())
    near = dups.lazy().join(sources, on="doc_id").select(
        "doc_id", "source", "duplicate_of", "similarity", "method").collect(engine="streaming")
    exact_raw = copies_k.join(reps, on="cluster_id").select(
        "doc_id", "source", pl.col("rep").alias("duplicate_of"),
        pl.lit(1.0).alias("similarity"), pl.lit("exact_raw").alias("method"))
    duplicates = schema.conform(pl.concat([near, exact_raw], how="vertical_relaxed"),
                                "duplicates").sort("doc_id")
    n_in = docs.height if isinstance(docs, pl.DataFrame) else cl.signed_ids.height
    stats = {"documents_in": n_in, "articles": reps.height,
             "duplicates": duplicates.height, **counts_by(duplicates, "method", "duplicates"),
             **{f"dedup.{k}": v for k, v in result.stats.items()},
             # the base keys: a duplicate is dropped for the method that found it; `out` counts
             # the articles (an incremental run's include the previous version's)
             "in": n_in, "out": reps.height, "dropped": duplicates.height,
             **counts_by(duplicates, "method", "dropped")}
    return DedupStep(articles, duplicates, result.index, stats)


def orphan_copies(raw: RawStep, rejected: pl.DataFrame) -> pl.DataFrame:
    """Byte-identical copies whose original was rejected downstream: rejected too, same reason
    (the version's copies too, when `steps.retire` re-derived them)."""
    got = raw.all_copies.join(rejected.select(pl.col("doc_id").alias("duplicate_of"), "stage",
                                              "reason", "detail", pl.col("source").alias("of")),
                              on="duplicate_of", how="inner")
    return schema.conform(got.with_columns(
        pl.format("byte-identical copy of {}: {}", "of", pl.col("detail").fill_null(""))
        .alias("detail")), "rejected")
