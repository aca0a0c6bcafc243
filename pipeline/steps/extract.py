"""Step 2, extract: HTML through trafilatura (worker processes, a time limit per page); text
passes through."""

from __future__ import annotations

from dataclasses import dataclass, field

import polars as pl

from pipeline import schema
from pipeline.html.extract import extract_task
from pipeline.html.select import CANDIDATE_COLUMNS, choose
from pipeline.parallel import map_ordered
from pipeline.settings import Settings
from pipeline.steps.contract import base_stats, counts_by
from pipeline.steps.read import RawStep

EXTRACTED_SCHEMA: dict[str, pl.DataType] = {
    "doc_id": pl.String(), "source": pl.String(), "kind": pl.String(), "url": pl.String(),
    "fetched_at": pl.String(), "text": pl.String(), "title": pl.String(),
    "published": pl.String(), "site": pl.String(), "hostname": pl.String(),
    "extractor": pl.String(),
}


# `extractor` of a plain-text scrape (HTML pages: trafilatura, trafilatura_recall or
# rendered_text, from `pipeline.html.extract.extract_task`, or trafilatura_balanced, chosen at
# the end of this step by `pipeline.html.select.choose`): the body the boilerplate engine cleaned.
TEXT_PATH = "text_engine"


def _host(url: pl.Expr) -> pl.Expr:
    return url.str.extract(r"^[a-zA-Z][a-zA-Z0-9+.-]*://(?:[^@/]*@)?([^/:?#]+)", 1).str.to_lowercase(
    ).str.strip_prefix("www.")


def site_key() -> pl.Expr:
    """The boilerplate engine's site key of extracted documents: trafilatura's host name, else
    the URL's host (`www.` dropped)."""
    return pl.coalesce("hostname", _host(pl.col("url"))).alias("site_key")


@dataclass
class ExtractStep:
    documents: pl.DataFrame   # EXTRACTED_SCHEMA
    rejected: pl.DataFrame
    stats: dict[str, int] = field(default_factory=dict)


def extract(raw: RawStep, settings: Settings) -> ExtractStep:
    docs = raw.documents
    html = docs.filter(pl.col("kind") == "html")
    tasks = [(d, b, u, settings.extract_timeout_s)
             for d, b, u in html.select("doc_id", "body", "url").iter_rows()]
    results = map_ordered(extract_task, tasks, settings.workers, settings.chunk_size)
    res_schema = {"doc_id": pl.String(), "error": pl.String(), "detail": pl.String(),
                  "text": pl.String(), "title": pl.String(), "published": pl.String(),
                  "site": pl.String(), "url": pl.String(), "hostname": pl.String(),
                  "language": pl.String(), "extractor": pl.String(), **CANDIDATE_COLUMNS}
    res = pl.DataFrame(results, schema=res_schema) if results else pl.DataFrame(schema=res_schema)
    meta = html.select("doc_id", "source", "url", "fetched_at", "n_bytes")
    failed = res.filter(pl.col("error").is_not_null()).join(meta, on="doc_id").select(
        "doc_id", "source", pl.lit("extract").alias("stage"), pl.col("error").alias("reason"),
        "detail", "n_bytes")
    ok_html = res.filter(pl.col("error").is_null()).join(
        meta.rename({"url": "record_url"}), on="doc_id").select(
        "doc_id", "source", pl.lit("html").alias("kind"),
        pl.coalesce("record_url", "url").alias("url"), "fetched_at", "text", "title",
        "published", "site", "hostname", "extractor", *CANDIDATE_COLUMNS)
    # A page whose recall-mode text is a fragment gets trafilatura's default mode's text where
    # the text engine's reading of the whole page agrees (`pipeline.html.select`): here, so that
    # everything after extraction (the chunked pass's spill, run-wide line pairs, the context
    # lent to other chunks, the clean step) reads the text the page ends with.
    ok_html, picked = choose(ok_html.with_columns(site_key()))
    ok_html = ok_html.drop("site_key")
    text = docs.filter(pl.col("kind") == "text").select(
        "doc_id", "source", "kind", "url", "fetched_at", pl.col("body").alias("text"),
        *[pl.lit(None, pl.String()).alias(c) for c in ("title", "published", "site", "hostname")],
        pl.lit(TEXT_PATH).alias("extractor"))
    out = pl.concat([ok_html.cast(EXTRACTED_SCHEMA), text.cast(EXTRACTED_SCHEMA)]).sort("doc_id")
    rejected = schema.conform(failed, "rejected")
    stats = {"documents_in": docs.height, "html": html.height, "text": docs.height - html.height,
             "documents_out": out.height, "rejected": rejected.height,
             **counts_by(rejected, "reason", "rejected"),
             **counts_by(out, "extractor", "extractor"), **picked,
             **base_stats(docs.height, out.height, rejected)}
    return ExtractStep(out, rejected, stats)
