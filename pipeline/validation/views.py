"""Small frames GX validates instead of the published tables.

GX 1.x validates pandas frames and is slow on wide text (a regex over 100k x 4 KB bodies took
17 s). So the heavy predicates run here, in Polars, and GX only sees cheap columns:

- every view keeps the table's contract columns except long `text`, which is replaced by
  `text_n_chars` (null where `text` is null), so not-null/bounds checks still apply to it;
- `articles` adds `text_marker` (first boilerplate regex still matching the body, else null) and
  `published_age_days` (today - published, in days; negative = in the future);
- `rejected` adds `doc_id_in_articles` (a document cannot be both kept and rejected);
- `duplicates` adds `duplicate_of_self`;
- `batch` is one row for cross-table facts: the accounting identities (raw documents = copies
  represented + rejected; duplicates = copies represented - articles), the number of articles
  (a batch that keeps none is not published) and, per table, the exact
  dtype mismatches against `pipeline.schema` (GX's pandas type check cannot tell a Date from a
  Datetime or UInt32 from UInt64, and conversion to pandas loses the difference anyway).

Derivations never raise on a malformed table: a missing or mistyped column just stays missing or
null, and the suites report it.
"""

from __future__ import annotations

import re
from datetime import date

import polars as pl

from pipeline.reasons import REASONS
from pipeline.reasons import VALIDATION as QUARANTINE_STAGE
from pipeline.schema import TABLES, n_rows

TABLE_NAMES: tuple[str, ...] = tuple(TABLES)
BATCH = "batch"


def schema_diff(df: pl.DataFrame | pl.LazyFrame, table: str) -> str | None:
    """Human-readable mismatch of `df` against the contract for `table`, or None if exact."""
    want = TABLES[table]
    have = df.collect_schema()
    problems = [f"missing {c}" for c in want if c not in have]
    problems += [f"unexpected {c}" for c in have if c not in want]
    problems += [f"{c}: expected {want[c]}, got {have[c]}" for c in want if c in have and have[c] != want[c]]
    if not problems and list(have) != list(want):
        problems.append(f"column order {list(have)} != {list(want)}")
    return "; ".join(problems) or None


def _typed(df: pl.DataFrame, col: str, dtype: pl.DataType) -> bool:
    return col in df.columns and df.schema[col] == dtype


def _text_n_chars(df: pl.DataFrame) -> pl.Expr:
    if _typed(df, "text", pl.String()):
        return pl.col("text").str.len_chars().alias("text_n_chars")
    return pl.lit(None, dtype=pl.UInt32()).alias("text_n_chars")


def _python_contains(text: pl.Series, pattern: str) -> pl.Series:
    """Fallback for regexes Rust's engine rejects (look-around, back-references)."""
    rx = re.compile(pattern)
    return pl.Series(
        [None if t is None else rx.search(t) is not None for t in text.to_list()],
        dtype=pl.Boolean(),
    )


def _rust_ok(pattern: str) -> bool:
    """Whether Polars' (Rust) regex engine accepts `pattern`."""
    try:
        pl.Series([""]).str.contains(pattern)
    except pl.exceptions.ComputeError:
        return False
    return True


def _contains(text: pl.Series, pattern: str) -> pl.Series:
    return text.str.contains(pattern) if _rust_ok(pattern) else _python_contains(text, pattern)


def first_marker(text: pl.Series, markers: list[str]) -> pl.Series:
    """Per row, the first of `markers` (regexes) found in `text`, else null.

    One combined pass finds the (normally zero) hits; only those rows are re-scanned per marker
    to name the culprit, so the cost is one regex scan of the bodies whatever the list length.
    """
    out = pl.Series("text_marker", [None] * len(text), dtype=pl.String())
    if not markers or len(text) == 0:
        return out
    for m in markers:
        re.compile(m)  # a malformed catalogue entry is a caller bug: fail loudly
    rust = [m for m in markers if _rust_ok(m)]
    hit = pl.Series([False] * len(text))
    try:  # one scan; the alternation can fail (e.g. a group name used by two markers)
        if rust:
            hit = text.str.contains("|".join(f"(?:{m})" for m in rust)).fill_null(False)
    except pl.exceptions.ComputeError:
        for m in rust:
            hit = hit | text.str.contains(m).fill_null(False)
    for m in markers:
        if m not in rust:
            hit = hit | _python_contains(text, m).fill_null(False)
    rows = hit.arg_true()
    if len(rows) == 0:
        return out
    sub = text.gather(rows)
    found: list[str | None] = [None] * len(sub)
    for m in markers:
        mask = _contains(sub, m).fill_null(False).to_list()
        found = [f if f is not None or not h else m for f, h in zip(found, mask, strict=True)]
    return out.scatter(rows, pl.Series(found, dtype=pl.String()))


def articles_view(df: pl.DataFrame | pl.LazyFrame, markers: list[str], today: date
                  ) -> pl.DataFrame:
    """Articles without `text`, plus `text_n_chars`, `text_marker`, `published_age_days`."""
    if isinstance(df, pl.LazyFrame):
        return _articles_view_lazy(df, markers, today)
    keep = [c for c in df.columns if c != "text"]
    if _typed(df, "published", pl.Date()):
        age = (pl.lit(today) - pl.col("published")).dt.total_days()
    else:
        age = pl.lit(None, dtype=pl.Int64())
    if _typed(df, "text", pl.String()):
        marker = first_marker(df.get_column("text"), markers)
    else:
        marker = pl.Series("text_marker", [None] * df.height, dtype=pl.String())
    return df.select(*keep, _text_n_chars(df), marker.alias("text_marker"), age.alias("published_age_days"))


def _articles_view_lazy(lf: pl.LazyFrame, markers: list[str], today: date) -> pl.DataFrame:
    """`articles_view` of a lazy table (the chunked pass's articles: gigabytes of text on a
    large corpus), in one streaming pass: the texts are scanned for lengths and a combined
    marker regex and dropped; only the rows it hits are read again to name the marker."""
    sch = lf.collect_schema()
    text_ok = sch.get("text") == pl.String()
    if "doc_id" not in sch or not text_ok or any(not _rust_ok(m) for m in markers):
        return articles_view(lf.collect(engine="streaming"), markers, today)  # the general path
    for m in markers:
        re.compile(m)  # a malformed catalogue entry is a caller bug: fail loudly
    keep = [c for c in sch.names() if c != "text"]
    if sch.get("published") == pl.Date():
        age = (pl.lit(today) - pl.col("published")).dt.total_days()
    else:
        age = pl.lit(None, dtype=pl.Int64())
    hit = (pl.col("text").str.contains("|".join(f"(?:{m})" for m in markers)).fill_null(False)
           if markers else pl.lit(False))
    view = lf.select(*keep, pl.col("text").str.len_chars().alias("text_n_chars"),
                     age.alias("published_age_days"), hit.alias("_hit")
                     ).collect(engine="streaming")
    marker = pl.Series("text_marker", [None] * view.height, dtype=pl.String())
    rows = view["_hit"].arg_true()
    if len(rows):
        ids = view["doc_id"].gather(rows)
        texts = lf.filter(pl.col("doc_id").is_in(ids.implode())).select("doc_id", "text").collect()
        named = texts.select("doc_id", first_marker(texts["text"], markers).alias("m"))
        found = pl.DataFrame({"doc_id": ids}).join(named, on="doc_id", how="left",
                                                   maintain_order="left")["m"]
        marker = marker.scatter(rows, found)
    return view.select(*keep, "text_n_chars", marker, "published_age_days")


def rejected_view(df: pl.DataFrame, articles: pl.DataFrame) -> pl.DataFrame:
    """Rejected rows plus `doc_id_in_articles` and `reason_known` (the reason is in
    `pipeline.reasons`' catalogue for its stage, or a quarantine row names an articles
    expectation)."""
    if "doc_id" in df.columns and "doc_id" in articles.columns:
        kept = articles.get_column("doc_id").cast(pl.String())
        flag = pl.col("doc_id").cast(pl.String()).is_in(kept.implode())
    else:
        flag = pl.lit(None, dtype=pl.Boolean())
    if _typed(df, "reason", pl.String()) and _typed(df, "stage", pl.String()):
        known = pl.DataFrame({"reason": list(REASONS), "_stage": [r.stage for r in REASONS.values()]})
        stage_of = df.select("reason").join(known, on="reason", how="left", maintain_order="left")
        known_flag = (pl.Series(stage_of["_stage"]) == df["stage"]).fill_null(False) | (
            (df["stage"] == QUARANTINE_STAGE) & df["reason"].str.starts_with("articles.expect_"))
        known_col = known_flag.fill_null(False).alias("reason_known")
    else:
        known_col = pl.lit(None, dtype=pl.Boolean()).alias("reason_known")
    return df.with_columns(flag.alias("doc_id_in_articles"), known_col)


def duplicates_view(df: pl.DataFrame) -> pl.DataFrame:
    """Duplicate rows plus `duplicate_of_self`."""
    if "doc_id" in df.columns and "duplicate_of" in df.columns:
        flag = pl.col("doc_id") == pl.col("duplicate_of")
    else:
        flag = pl.lit(None, dtype=pl.Boolean())
    return df.with_columns(flag.alias("duplicate_of_self"))


def removed_lines_view(df: pl.DataFrame | pl.LazyFrame) -> pl.DataFrame:
    """Removed lines with `text` replaced by `text_n_chars`.

    A lazy table (the chunked pass's tens of millions of lines, never held in memory) is
    reduced to the rows its suite can fail on, found with Polars: rows with a null and rows
    whose (doc_id, line_no) repeats (by a 64-bit hash of the key, then checked exactly). The
    suite then passes or fails, and names the same rows, as over the whole table."""
    if isinstance(df, pl.LazyFrame):
        df = _suspect_rows(df)
    return df.select(*[c for c in df.columns if c != "text"], _text_n_chars(df))


def _suspect_rows(lf: pl.LazyFrame) -> pl.DataFrame:
    cols = lf.collect_schema().names()
    any_null = pl.any_horizontal([pl.col(c).is_null() for c in cols]) if cols else pl.lit(False)
    nulls = lf.filter(any_null).collect(engine="streaming")
    if not {"doc_id", "line_no"} <= set(cols):
        return nulls
    key = pl.struct("doc_id", "line_no").hash(7).alias("_k")
    hashes = lf.select(key).collect(engine="streaming")["_k"]
    if hashes.n_unique() == hashes.len():  # the usual case, 5x cheaper than is_duplicated
        return nulls
    dup = hashes.filter(hashes.is_duplicated()).unique()
    if dup.len() == 0:
        return nulls
    rows = lf.filter(key.is_in(dup.implode())).collect(engine="streaming")
    rows = rows.filter(pl.struct("doc_id", "line_no").is_duplicated())
    return pl.concat([nulls, rows]).unique(maintain_order=True)


def batch_view(tables: dict[str, pl.DataFrame | pl.LazyFrame], n_raw_documents: int,
               articles: pl.DataFrame | None = None) -> pl.DataFrame:
    """One row: accounting terms and per-table schema mismatches (`<table>_schema`).
    `articles`: the articles' view (same n_copies, no texts), when the table itself is lazy."""
    articles = tables["articles"] if articles is None else articles
    rejected = tables["rejected"]
    n_copies = None
    if "n_copies" in articles.columns and articles.schema["n_copies"].is_numeric():
        n_copies = int(articles.get_column("n_copies").cast(pl.Int64()).fill_null(0).sum())
    row: dict[str, object] = {
        "n_raw_documents": n_raw_documents,
        "n_copies_sum": n_copies,
        "n_rejected": rejected.height,
        "n_accounted": None if n_copies is None else n_copies + rejected.height,
        "n_duplicates": n_rows(tables["duplicates"]),
        "n_copies_beyond_articles": None if n_copies is None else n_copies - articles.height,
        # null for a batch without raw documents (nothing to keep: not a failure)
        "n_articles": articles.height if n_raw_documents else None,
    }
    n_counts = len(row)
    row |= {f"{t}_schema": schema_diff(tables[t], t) for t in TABLE_NAMES}
    schema = ({k: pl.Int64() for k in list(row)[:n_counts]}
              | {f"{t}_schema": pl.String() for t in TABLES})
    return pl.DataFrame([row], schema=schema)


def build_views(
    tables: dict[str, pl.DataFrame | pl.LazyFrame], *, n_raw_documents: int,
    markers: list[str], today: date
) -> dict[str, pl.DataFrame]:
    """The frame each suite validates, keyed by suite name (the four tables and `batch`).
    Articles and removed lines may be lazy scans (the chunked pass): each is read in one
    streaming pass into its view."""
    art = articles_view(tables["articles"], markers, today)
    return {
        "articles": art,
        "rejected": rejected_view(tables["rejected"], art),
        "duplicates": duplicates_view(tables["duplicates"]),
        "removed_lines": removed_lines_view(tables["removed_lines"]),
        BATCH: batch_view(tables, n_raw_documents, art),
    }
