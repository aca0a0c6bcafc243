"""Step 3, clean: the boilerplate engine over every document's lines (metadata lines become
columns), the length floor, language identification, and the MinHash facts the dedupe step
needs (signed here, beside the texts, in the chunked pass's workers)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import polars as pl

from pipeline import schema
from pipeline.hashing import hash_bytes
from pipeline.language import LANG_SAMPLE_CHARS, detect_languages
from pipeline.parallel import map_ordered
from pipeline.steps.contract import base_stats, sum_stats
from pipeline.steps.extract import ExtractStep, site_key
from pipeline.validation.settings import DEFAULT_SETTINGS as DEFAULT_BOUNDS

if TYPE_CHECKING:
    from pipeline.dedup.sign import Signed


CLEANED_SCHEMA: dict[str, pl.DataType] = {
    "doc_id": pl.String(), "source": pl.String(), "kind": pl.String(), "url": pl.String(),
    "site": pl.String(), "title": pl.String(), "published": pl.Date(), "language": pl.String(),
    "text": pl.String(), "fetched_at": pl.String(), "n_words": pl.UInt32(),
    "content_hash": pl.String(), "extractor": pl.String(),
}


@dataclass
class CleanStep:
    documents: pl.DataFrame | pl.LazyFrame   # CLEANED_SCHEMA
    removed_lines: pl.DataFrame | pl.LazyFrame
    rejected: pl.DataFrame
    stats: dict[str, int] = field(default_factory=dict)
    # MinHash facts of the documents `signed_ids` (doc_id, published) lists, row for row, when
    # the chunked pass computed them in its workers (pipeline.chunks); there `documents` and
    # `removed_lines` are lazy scans of its Parquet parts. None: `dedupe` signs the texts.
    signed: Signed | None = None
    signed_ids: pl.DataFrame | None = None
    work_dir: Path | None = None  # where those parts are (`chunks.discard` after publishing)


def plausible_date(col: pl.Expr, today: date | None = None) -> pl.Expr:
    """A publication date the page can have: not after tomorrow (UTC), not before 1995 (news on
    the web). Anything else is a misread (a date from the body, an event date, epoch 0): null,
    rather than a row that fails the validation gate for the whole batch."""
    today = today or datetime.now(UTC).date()
    return pl.when(col.is_between(date(1995, 1, 1), today + timedelta(days=1))).then(col)


def _parse_date(col: pl.Expr) -> pl.Expr:
    return col.str.slice(0, 10).str.to_date("%Y-%m-%d", strict=False)


# Documents the boilerplate engine takes at once: its cost per document grows past ~40k (memory
# of the exploded lines frame), so larger batches are cut, keeping each site whole.
CLEAN_BATCH_DOCS = 20_000


def site_batches(docs: pl.DataFrame, batch_docs: int = CLEAN_BATCH_DOCS) -> list[pl.DataFrame]:
    """Cut `docs` into batches of about `batch_docs`, never splitting a site (the site-template
    rule counts a line across the documents of one site). Deterministic: ordered by site, then
    doc_id; documents with no site are cut freely."""
    if docs.height <= batch_docs:
        return [docs]
    docs = docs.sort("site_key", "doc_id", nulls_last=True)
    key = pl.coalesce(pl.col("site_key"), pl.col("doc_id"))
    # Each site's first row position; a batch starts at a site boundary crossing a multiple.
    starts = docs.with_row_index("i").group_by(key.alias("k"), maintain_order=True).agg(
        pl.col("i").first().alias("start"), pl.len().alias("n"))
    batches, cur, size = [], [], 0
    for start, n in starts.select("start", "n").iter_rows():
        if size and size + n > batch_docs:
            batches.append(cur)
            cur, size = [], 0
        cur.append((start, n))
        size += n
    if cur:
        batches.append(cur)
    return [docs.slice(b[0][0], sum(n for _, n in b)) for b in batches]


def clean_in_batches(docs: pl.DataFrame, batch_docs: int = CLEAN_BATCH_DOCS,
                     run_pairs: pl.DataFrame | None = None, context: pl.DataFrame | None = None):
    """`clean_documents` over site-whole batches: the same result as one call when every site
    fits in a batch, with cost linear in the number of documents. `run_pairs`: the run's
    recurring line pairs (`boilerplate.recurrence`); None: counted over `docs`. `context`:
    other chunks' documents every batch's rules see (`clean_documents`)."""
    from pipeline.boilerplate import CleanResult, clean_documents, recurrence, recurring_summary

    batches = site_batches(docs, batch_docs)
    if run_pairs is None and len(batches) > 1:
        run_pairs = recurrence.count_batch(recurring_summary(docs))
    parts = [clean_documents(b, run_pairs=run_pairs, context=context) for b in batches]
    if len(parts) == 1:
        return parts[0]
    stats = sum_stats([p.stats for p in parts])
    return CleanResult(pl.concat([p.documents for p in parts]),
                       pl.concat([p.removed for p in parts]), stats)


def clean(ex: ExtractStep, min_words: int = DEFAULT_BOUNDS.min_words,
          min_chars: int = DEFAULT_BOUNDS.min_text_chars, workers: int = 1,
          run_pairs: pl.DataFrame | None = None, context: pl.DataFrame | None = None
          ) -> CleanStep:
    """`run_pairs`: the run's recurring line pairs when `ex` is one chunk of a run (None: `ex`
    is the whole run). `context`: extracted documents of other chunks (as `ex.documents`)
    whose lines the boilerplate rules see beside this chunk's (`chunks.sibling_context`)."""
    def with_site(frame: pl.DataFrame) -> pl.DataFrame:
        return frame.with_columns(site_key())

    engine_cols = ("doc_id", "text", "kind", "site_key", "title")
    docs = with_site(ex.documents)
    ctx = None if context is None else with_site(context).select(engine_cols)
    result = clean_in_batches(docs.select(engine_cols), run_pairs=run_pairs, context=ctx)
    found = result.documents.rename({"text": "clean_text", "title": "t_title",
                                     "published": "t_published", "site": "t_site",
                                     "n_words": "t_words"})
    out = docs.join(found, on="doc_id", how="left").select(
        "doc_id", "source", "kind", "url",
        pl.coalesce("site", "t_site", "site_key").alias("site"),
        pl.coalesce("title", "t_title").alias("title"),
        plausible_date(pl.coalesce(_parse_date(pl.col("published")), "t_published"))
        .alias("published"),
        pl.col("clean_text").fill_null("").alias("text"), "fetched_at",
        pl.col("t_words").fill_null(0).alias("n_words"),  # the kept lines' words, from the engine
        "extractor",
    )
    # Too short to be an article (a stub, a teaser, a page of links): rejected with the reason,
    # by the same bounds the validation gate holds published rows to, so junk that survives
    # extraction cannot fail the whole batch at the gate.
    n_words = pl.col("n_words")
    n_chars = pl.col("text").str.strip_chars().str.len_chars()
    out = out.with_columns(
        pl.when(n_chars == 0).then(pl.lit("no_content"))
        .when((n_words < min_words) | (n_chars < min_chars)).then(pl.lit("too_short"))
        .alias("_reason"))
    short = out.filter(pl.col("_reason").is_not_null())
    out = out.filter(pl.col("_reason").is_null()).drop("_reason")
    # Language identification: a library call per document (fastText lid.176), ~0.1 ms each,
    # spread over worker processes on large batches.
    # (sliced in Polars: only the samples become Python strings, not the whole bodies)
    texts = out["text"].str.slice(0, LANG_SAMPLE_CHARS).to_list()
    size = 20_000
    parts = map_ordered(detect_languages, [texts[i:i + size] for i in range(0, len(texts), size)],
                        workers if len(texts) >= 2 * size else 1, chunk_size=1)
    langs = [lang for part in parts for lang in part]
    out = out.with_columns(pl.Series("language", langs, pl.String()).fill_null("und"))
    rejected = schema.conform(short.select(
        "doc_id", "source", pl.lit("clean").alias("stage"), pl.col("_reason").alias("reason"),
        pl.when(pl.col("_reason") == "no_content").then(pl.lit("every line was boilerplate"))
        .otherwise(pl.format("{} words, {} characters left after cleaning (minimum {} and {})",
                             n_words, n_chars, pl.lit(min_words), pl.lit(min_chars)))
        .alias("detail"),
        pl.lit(None, pl.UInt64()).alias("n_bytes")), "rejected")
    # MinHash facts for the dedupe step, signed here (in the chunked pass's workers, beside the
    # texts); their exact-text key is the content hash.
    signed = sign_texts(out["text"])
    out = out.with_columns(content_hashes(out["text"], signed.text_key))
    removed = schema.conform(result.removed, "removed_lines")
    stats = {"documents_in": docs.height, "documents_out": out.height,
             "rejected": rejected.height, **result.stats,
             **base_stats(docs.height, out.height, rejected)}
    out = out.select(list(CLEANED_SCHEMA)).cast(CLEANED_SCHEMA)
    return CleanStep(out, removed, rejected, stats, signed=signed,
                     signed_ids=out.select("doc_id", "published"))



def sign_texts(texts: pl.Series) -> Signed:
    """MinHash facts of clean texts with the pipeline's dedup settings."""
    from pipeline.dedup.settings import DedupSettings
    from pipeline.dedup.sign import sign_texts as sign

    return sign(texts, DedupSettings())


def content_hashes(texts: pl.Series, keys: list[str] | None = None) -> pl.Series:
    """`content_hash` of each text: the dedup's exact-text key, a 128-bit hash of the normalised
    word sequence (case-folded; whitespace and punctuation between words ignored), computed
    when the texts are signed anyway. A text without words hashes its raw bytes."""
    if keys is None:
        from pipeline.dedup.shingles import text_keys

        keys = text_keys(texts)
    out = [k or hash_bytes(t.encode("utf-8", "replace"))
           for k, t in zip(keys, texts.fill_null("").to_list(), strict=True)] if "" in keys \
        else keys
    return pl.Series("content_hash", out, pl.String())
