"""The pipeline's steps as pure functions over Polars frames, Dagster-free.

Each step returns frames plus `stats` (counts that become asset metadata in the UI) and the
rows it dropped, each with a reason. The Dagster assets in `pipeline.orchestration` and the
tests call exactly these functions.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import polars as pl

from pipeline import schema
from pipeline.extract import LANG_SAMPLE_CHARS, detect_languages, extract_task
from pipeline.hashing import hash_bytes
from pipeline.ingest import ingest
from pipeline.parallel import map_ordered
from pipeline.validation import quarantine

if TYPE_CHECKING:
    from pipeline.dedup.sign import Signed
from pipeline.settings import Settings
from pipeline.validation.settings import DEFAULT_SETTINGS as DEFAULT_BOUNDS


def _counts(df: pl.DataFrame, col: str, prefix: str) -> dict[str, int]:
    if df.is_empty():
        return {}
    rows = df.group_by(col).len().sort(col).iter_rows()
    return {f"{prefix}.{k}": int(n) for k, n in rows}


# ---------------------------------------------------------------------------------------------
# 1. Read raw documents; collapse byte-identical copies before any parsing.


@dataclass
class RawStep:
    documents: pl.DataFrame   # unique raw documents (ingest.DOCUMENT_SCHEMA)
    copies: pl.DataFrame      # byte-identical copies: doc_id, source, duplicate_of
    rejected: pl.DataFrame    # schema.REJECTED
    fingerprint: str          # of every raw file's (path, size, mtime)
    stats: dict[str, int] = field(default_factory=dict)
    previous: Previous | None = None  # the published version an incremental run builds on
    files: pl.DataFrame | None = None  # ledger: path, size, mtime_ns of every raw file
    base_version: int | None = None  # the latest version when the raw folder was read

    def release_bodies(self) -> None:
        """Drop the raw bodies once extracted (no later step reads them): at 100k documents
        they are over a GB of memory."""
        if "body" in self.documents.columns:
            self.documents = self.documents.drop("body")

    @property
    def nothing_new(self) -> bool:
        return self.documents.is_empty() and self.copies.is_empty() and self.rejected.is_empty()


def read_raw(settings: Settings, seen: pl.Series | None = None,
             unchanged: pl.DataFrame | None = None) -> RawStep:
    """Read data/raw. With `seen` (doc_ids of the published version) and `unchanged` (its file
    ledger), only files changed since and documents not seen before go on: an incremental run."""
    got = ingest(settings.raw_dir, settings, unchanged)
    docs, rejected, n_seen = drop_seen(got.documents, got.rejected, seen)
    unique, copies = split_copies(docs)
    stats = raw_stats(got.n_files, got.n_read, docs, copies, rejected, n_seen)
    return RawStep(unique, copies, rejected, files_fingerprint(got.files), stats,
                   files=got.files)


def drop_seen(docs: pl.DataFrame, rejected: pl.DataFrame, seen: pl.Series | None
              ) -> tuple[pl.DataFrame, pl.DataFrame, int]:
    """Documents and rejects whose doc_id the published version does not hold yet, and how
    many were dropped (an incremental run)."""
    if seen is None or not seen.len():
        return docs, rejected, 0
    before = docs.height + rejected.height
    unseen = ~pl.col("doc_id").is_in(seen.implode())
    docs, rejected = docs.filter(unseen), rejected.filter(unseen)
    return docs, rejected, before - docs.height - rejected.height


def split_copies(docs: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(unique documents, byte-identical copies: doc_id, source, duplicate_of). The copy with
    the smallest doc_id stands for its twins: order-independent."""
    docs = docs.with_columns(pl.col("doc_id").min().over("raw_hash").alias("_rep"))
    copies = docs.filter(pl.col("doc_id") != pl.col("_rep")).select(
        "doc_id", "source", pl.col("_rep").alias("duplicate_of")).sort("doc_id")
    return docs.filter(pl.col("doc_id") == pl.col("_rep")).drop("_rep"), copies


def files_fingerprint(files: pl.DataFrame) -> str:
    """What a version stands on: every raw file's path, size and modification time."""
    return hash_bytes(*(f"{p}\t{n}\t{t}".encode() for p, n, t in files.sort("path").iter_rows()))


def raw_stats(n_files: int, n_read: int, docs: pl.DataFrame, copies: pl.DataFrame,
              rejected: pl.DataFrame, n_seen: int) -> dict[str, int]:
    """The read step's counts (documents read include the byte-identical copies)."""
    return {
        "files": n_files,
        "files_read": n_read,
        "raw_documents": docs.height + rejected.height,
        "already_published": n_seen,
        "documents_read": docs.height,
        "byte_identical_copies": copies.height,
        "rejected": rejected.height,
        **_counts(rejected, "reason", "rejected"),
    }


def sum_stats(parts: list[dict]) -> dict[str, int]:
    """Counters of several batches added up (non-numbers skipped)."""
    out: dict[str, int] = {}
    for d in parts:
        for k, v in d.items():
            if isinstance(v, (int, float)) and not isinstance(v, bool):
                out[k] = out.get(k, 0) + v
    return out


# ---------------------------------------------------------------------------------------------
# 2. Extract: HTML through trafilatura (worker processes, time limit), text passes through.

EXTRACTED_SCHEMA: dict[str, pl.DataType] = {
    "doc_id": pl.String(), "source": pl.String(), "kind": pl.String(), "url": pl.String(),
    "fetched_at": pl.String(), "text": pl.String(), "title": pl.String(),
    "published": pl.String(), "site": pl.String(), "hostname": pl.String(),
}


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
                  "language": pl.String()}
    res = pl.DataFrame(results, schema=res_schema) if results else pl.DataFrame(schema=res_schema)
    meta = html.select("doc_id", "source", "url", "fetched_at", "n_bytes")
    failed = res.filter(pl.col("error").is_not_null()).join(meta, on="doc_id").select(
        "doc_id", "source", pl.lit("extract").alias("stage"), pl.col("error").alias("reason"),
        "detail", "n_bytes")
    ok_html = res.filter(pl.col("error").is_null()).join(
        meta.rename({"url": "record_url"}), on="doc_id").select(
        "doc_id", "source", pl.lit("html").alias("kind"),
        pl.coalesce("record_url", "url").alias("url"), "fetched_at", "text", "title",
        "published", "site", "hostname")
    text = docs.filter(pl.col("kind") == "text").select(
        "doc_id", "source", "kind", "url", "fetched_at", pl.col("body").alias("text"),
        *[pl.lit(None, pl.String()).alias(c) for c in ("title", "published", "site", "hostname")])
    out = pl.concat([ok_html.cast(EXTRACTED_SCHEMA), text.cast(EXTRACTED_SCHEMA)]).sort("doc_id")
    rejected = schema.conform(failed, "rejected")
    stats = {"documents_in": docs.height, "html": html.height, "text": docs.height - html.height,
             "documents_out": out.height, "rejected": rejected.height,
             **_counts(rejected, "reason", "rejected")}
    return ExtractStep(out, rejected, stats)


# ---------------------------------------------------------------------------------------------
# 3. Clean: the boilerplate engine over every document's lines; metadata lines become columns.

CLEANED_SCHEMA: dict[str, pl.DataType] = {
    "doc_id": pl.String(), "source": pl.String(), "kind": pl.String(), "url": pl.String(),
    "site": pl.String(), "title": pl.String(), "published": pl.Date(), "language": pl.String(),
    "text": pl.String(), "fetched_at": pl.String(), "n_words": pl.UInt32(),
    "content_hash": pl.String(),
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


def _host(url: pl.Expr) -> pl.Expr:
    return url.str.extract(r"^[a-zA-Z][a-zA-Z0-9+.-]*://(?:[^@/]*@)?([^/:?#]+)", 1).str.to_lowercase(
    ).str.strip_prefix("www.")


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


def clean_in_batches(docs: pl.DataFrame, batch_docs: int = CLEAN_BATCH_DOCS):
    """`clean_documents` over site-whole batches: the same result as one call when every site
    fits in a batch, with cost linear in the number of documents."""
    from pipeline.boilerplate import CleanResult, clean_documents

    parts = [clean_documents(b) for b in site_batches(docs, batch_docs)]
    if len(parts) == 1:
        return parts[0]
    stats = sum_stats([p.stats for p in parts])
    return CleanResult(pl.concat([p.documents for p in parts]),
                       pl.concat([p.removed for p in parts]), stats)


def clean(ex: ExtractStep, min_words: int = DEFAULT_BOUNDS.min_words,
          min_chars: int = DEFAULT_BOUNDS.min_text_chars, workers: int = 1) -> CleanStep:
    docs = ex.documents.with_columns(
        pl.coalesce("hostname", _host(pl.col("url"))).alias("site_key"))
    result = clean_in_batches(docs.select("doc_id", "text", "kind", "site_key", "title"))
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
    texts = [t[:LANG_SAMPLE_CHARS] for t in out["text"].to_list()]
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
             "rejected": rejected.height, **result.stats}
    out = out.select(list(CLEANED_SCHEMA)).cast(CLEANED_SCHEMA)
    return CleanStep(out, removed, rejected, stats, signed=signed,
                     signed_ids=out.select("doc_id", "published"))


# ---------------------------------------------------------------------------------------------
# 4. Deduplicate the clean bodies (exact + near); fold in the byte-identical copies.


@dataclass
class DedupStep:
    # kept representatives, CLEANED_SCHEMA + cluster_id, n_copies; a lazy join over the chunked
    # pass's parts (and the previous version's file), streamed to the version when published
    articles: pl.DataFrame | pl.LazyFrame
    duplicates: pl.DataFrame   # schema.DUPLICATES
    index: pl.DataFrame        # signature index stored with the version (incremental dedup)
    stats: dict[str, int | float] = field(default_factory=dict)


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

    def seen(self) -> pl.Series:
        return pl.concat([self.articles.select("doc_id").collect()["doc_id"],
                          self.duplicates["doc_id"], self.rejected["doc_id"]])


def _as_cleaned(articles: pl.DataFrame | pl.LazyFrame) -> pl.DataFrame | pl.LazyFrame:
    """Published article rows back in the clean step's shape (columns it lacks are null)."""
    have = articles.collect_schema().names()
    return articles.select([
        pl.col(c).cast(t) if c in have else pl.lit(None, t).alias(c)
        for c, t in CLEANED_SCHEMA.items()])


def dedupe(cl: CleanStep, raw: RawStep, prev: Previous | None = None) -> DedupStep:
    """Cluster the new clean bodies with every document of the previous version (its stored
    signature index), then rebuild who stands for whom: a new document can become the
    representative of an old cluster, or join two."""
    from pipeline.dedup import deduplicate

    docs = cl.documents
    if prev is not None and raw.nothing_new and prev.index is not None:
        # Nothing new to place: the previous version's clusters stand as they are.
        arts = prev.articles.lazy()
        return DedupStep(_as_cleaned(arts).join(
            arts.select("doc_id", "cluster_id", "n_copies"), on="doc_id"),
            prev.duplicates, prev.index,
            {"documents_in": 0, "articles": prev.index["cluster_id"].n_unique(),
             "duplicates": prev.duplicates.height, "unchanged": 1})
    if cl.signed is not None:  # signed by the chunked pass's workers
        result = deduplicate(cl.signed_ids, index=prev.index if prev else None,
                             signed=cl.signed)
    else:
        result = deduplicate(docs.select("doc_id", "text", "published"),
                             index=prev.index if prev else None)
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
    copies = raw.copies  # byte-identical copies: doc_id, source, duplicate_of (a clean doc)
    if prev is not None:
        rows = pl.concat([ldocs, _as_cleaned(prev.articles).lazy()])
        old_dups = prev.duplicates
        # Quarantined documents stay in the index (their copies follow them): their sources too.
        quarantined = prev.rejected.lazy().filter(pl.col("stage") == "validation")
        sources = pl.concat([sources, prev.articles.lazy().select("doc_id", "source"),
                             old_dups.lazy().filter(pl.col("method") != "exact_raw")
                             .select("doc_id", "source"),
                             quarantined.select("doc_id", "source")])
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
             "duplicates": duplicates.height, **_counts(duplicates, "method", "duplicates"),
             **{f"dedup.{k}": v for k, v in result.stats.items()}}
    return DedupStep(articles, duplicates, result.index, stats)


def orphan_copies(raw: RawStep, rejected: pl.DataFrame) -> pl.DataFrame:
    """Byte-identical copies whose original was rejected downstream: rejected too, same reason."""
    got = raw.copies.join(rejected.select(pl.col("doc_id").alias("duplicate_of"), "stage",
                                          "reason", "detail", pl.col("source").alias("of")),
                          on="duplicate_of", how="inner")
    return schema.conform(got.with_columns(
        pl.format("byte-identical copy of {}: {}", "of", pl.col("detail").fill_null(""))
        .alias("detail")), "rejected")


# ---------------------------------------------------------------------------------------------
# 5. Stage: the tables of the next version, in the contract's schema.


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

    def version_tables(self) -> dict[str, pl.DataFrame | pl.LazyFrame]:
        """Every table the version stores: the data tables, the dedup index, the file ledger."""
        out = {**self.tables, "dedup_index": self.index}
        if self.files is not None:
            out["raw_files"] = self.files
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
    rejected = pl.concat([schema.conform(rejected, "rejected"),
                          orphan_copies(raw, rejected)])
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
    unchanged = prev is not None and raw.nothing_new and not revalidate
    n_examined = schema.n_rows(articles)
    if prev is not None and not revalidate:
        n_examined = int(articles.lazy().select("doc_id").join(
            prev.articles.lazy().select("doc_id"), on="doc_id", how="anti")
            .select(pl.len()).collect().item())
    return Staged(tables, n_raw, raw.fingerprint, dd.index, stats, unchanged, raw.files,
                  raw.base_version, cl.work_dir, n_examined=n_examined, revalidate=revalidate)


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
