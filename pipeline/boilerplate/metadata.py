"""Title, date and site lines of a text scrape: found, moved into metadata, and removed from the body.

Evidence used (all vectorised over the lines frame, only in the page header = lines before the
article block, capped at `params.header_max_lines`):
- title: a headline-shaped line that is repeated in the header, exactly or inside a longer line
  ("Title | Site", a breadcrumb ending in the title), or that equals the known title;
- date: a short line that is a date, or a line led by a date label ("date", "published", ...);
- site: the name glued to a dateline ("Russia Today16-04-2025"), else the part a repeated title line
  adds after a separator ("Title | Site").
"""

from __future__ import annotations

import polars as pl

from .params import PARAMS as P
from .rules import DATE_PATTERNS, MONTHS


def norm(expr: pl.Expr) -> pl.Expr:
    """Lowercase, punctuation-free, single-spaced form used to compare title lines."""
    return (
        expr.str.to_lowercase()
        .str.replace_all(r"[^\p{L}\p{N}]+", " ")
        .str.strip_chars()
    )


def _month_number(name: pl.Expr) -> pl.Expr:
    key = name.str.to_lowercase().str.slice(0, 3)
    return key.replace_strict(MONTHS, default=None, return_dtype=pl.Int32)


def parse_dates(line: pl.Expr) -> list[pl.Expr]:
    """Date found in a line (pl.Date or null) and the text before it (a candidate site name)."""
    iso = line.str.extract_groups(DATE_PATTERNS["iso"])
    num = line.str.extract_groups(DATE_PATTERNS["numeric"])
    mdy = line.str.extract_groups(DATE_PATTERNS["month_day_year"])
    dmy = line.str.extract_groups(DATE_PATTERNS["day_month_year"])

    def mk(y: pl.Expr, m: pl.Expr, d: pl.Expr) -> pl.Expr:
        s = pl.format("{}-{}-{}", y, m.cast(pl.String).str.zfill(2), d.cast(pl.String).str.zfill(2))
        return s.str.to_date("%Y-%m-%d", strict=False)

    a = num.struct.field("a").cast(pl.Int32, strict=False)
    b = num.struct.field("b").cast(pl.Int32, strict=False)
    sep = num.struct.field("sep")
    # Numeric dates: a field above 12 is the day; otherwise "/" reads US-style, "-"/"." day-first.
    month_first = (a <= 12) & ((b > 12) | ((sep == "/") & (b <= 12)))
    num_date = pl.when(month_first).then(mk(num.struct.field("y"), a, b)).otherwise(
        mk(num.struct.field("y"), b, a)
    )
    date = pl.coalesce(
        mk(iso.struct.field("y"), iso.struct.field("m"), iso.struct.field("d")),
        mk(mdy.struct.field("y"), _month_number(mdy.struct.field("mon")), mdy.struct.field("d")),
        mk(dmy.struct.field("y"), _month_number(dmy.struct.field("mon")), dmy.struct.field("d")),
        num_date,
    )
    prefix = pl.coalesce(
        iso.struct.field("pre"), num.struct.field("pre"), mdy.struct.field("pre"),
        dmy.struct.field("pre"),
    ).str.strip_chars(" \t|·•,-–—:")
    return [date.alias("line_date"), prefix.alias("date_prefix")]


def _title_pairs(cand: pl.DataFrame, head: pl.DataFrame) -> pl.DataFrame:
    """(candidate, other header line of its page) pairs that can hold the same title: the other
    line's norm equals, starts with or ends with the candidate's. A norm of several words can
    only start (end) another whose first (last) word is the same, so those candidates are joined
    on it (by the word's hash: a collision only adds a pair, tested exactly after); one-word
    norms meet every line of their page. All pairs of a page's header were 1M rows a 4,000-page
    chunk, with their tests ~40 % of `detect`'s time; these are about an eighth of them. A pair
    may come twice (same first and last word): `detect` keeps the first of each page's matches,
    so a repeat changes nothing."""
    words = pl.col("norm").str.split(" ")
    other = head.select("d", pl.col("idx").alias("idx2"), pl.col("line").alias("line2"),
                        pl.col("norm").alias("norm2"), words.list.first().hash().alias("w0"),
                        words.list.last().hash().alias("w1"))
    several = pl.col("norm").str.contains(" ")
    multi = cand.filter(several).join(other.select("d", "idx2", "w0", "w1"),
                                      left_on=["d", "idx"], right_on=["d", "idx2"])
    parts = [multi.drop("w1").join(other.drop("w1"), on=["d", "w0"]).drop("w0"),
             multi.drop("w0").join(other.drop("w0"), on=["d", "w1"]).drop("w1"),
             cand.filter(~several).join(other.drop("w0", "w1"), on="d")]
    return pl.concat(parts).filter(pl.col("idx") != pl.col("idx2"))


def detect(head: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Metadata per doc and the header lines it consumes.

    `head` (header lines only) needs: d, rid, idx, line, n_words, given_title_norm, removed_by
    (rule or null), ends_sentence. Returns (docs: d, title, published, site) and
    (meta lines: rid, meta_rule).
    """
    head = head.with_columns(norm(pl.col("line")).alias("norm"))
    # ---- dates -------------------------------------------------------------------------------
    dated = head.filter(pl.col("line").str.contains(r"(?:19|20)\d\d"))  # a year: cheap prefilter
    dated = dated.with_columns(parse_dates(pl.col("line"))).filter(
        pl.col("line_date").is_not_null()
    )
    labelled = pl.col("line").str.contains(DATE_PATTERNS["label"])
    short = pl.col("n_words") <= P.dateline_max_words
    dated = dated.filter(labelled | short).sort("d", "idx")
    date_lines = dated.filter(short & pl.col("removed_by").is_null())
    site_from_date = (
        date_lines.filter(
            pl.col("date_prefix").str.contains(r"^\p{Lu}[\p{L}&.' -]*$")
            & (pl.col("date_prefix").str.count_matches(r"\S+") <= P.site_max_words)
            & ~pl.col("date_prefix").str.contains(DATE_PATTERNS["label"])
            & ~pl.col("date_prefix").str.contains(DATE_PATTERNS["weekday"])
        )
        .group_by("d", maintain_order=True)
        .agg(pl.col("date_prefix").first().alias("site_date"))
    )
    published = dated.group_by("d", maintain_order=True).agg(
        pl.col("line_date").first().alias("published")
    )
    # ---- titles ------------------------------------------------------------------------------
    cand = head.filter(
        pl.col("n_words").is_between(P.title_min_words, P.title_max_words)
        & ~pl.col("line").str.contains(r"[.!]$")
        & (pl.col("norm").str.len_chars() > 0)
    ).select("d", "idx", "line", "norm", "given_title_norm")
    pairs = _title_pairs(cand, head)
    inside = pairs.with_columns(
        (pl.col("norm") == pl.col("norm2")).alias("same"),
        (
            pl.col("norm2").str.starts_with(pl.col("norm"))
            | pl.col("norm2").str.ends_with(pl.col("norm"))
        ).alias("inside"),
    )
    evidence = (
        inside.filter(pl.col("same") | pl.col("inside"))
        .sort("d", "idx", "idx2")
        .group_by("d", "idx", maintain_order=True)
        .agg(pl.col("line").first(), pl.col("norm").first(),
             pl.col("line2").filter(~pl.col("same")).first().alias("container"))
    )
    given = cand.filter(pl.col("norm") == pl.col("given_title_norm")).select(
        "d", "idx", "line", "norm", pl.lit(None, pl.String).alias("container")
    )
    titles = (
        pl.concat([given.with_columns(pl.lit(0).alias("prio")),
                   evidence.with_columns(pl.lit(1).alias("prio"))], how="diagonal_relaxed")
        .sort("d", "prio", "idx")
        .group_by("d", maintain_order=True)
        .agg(pl.col("line").first().alias("title"), pl.col("norm").first().alias("title_norm"),
             pl.col("container").drop_nulls().first().alias("container"))
    )
    titles = titles.with_columns(
        pl.col("container")
        .str.slice(pl.col("title").str.len_chars())
        .str.extract(r"^\s*[|–—:·•-]\s*(\p{Lu}.{0,60})$")
        .alias("site_title")
    )
    # ---- which header lines are consumed -----------------------------------------------------
    t = head.join(titles.select("d", "title_norm"), on="d", how="inner")
    title_lines = t.filter(
        (pl.col("norm") == pl.col("title_norm"))
        | (
            (pl.col("norm").str.starts_with(pl.col("title_norm"))
             | pl.col("norm").str.ends_with(pl.col("title_norm")))
            & (pl.col("n_words") <= P.title_max_words + 8)
        )
    ).select("rid", pl.lit("title_repeat").alias("meta_rule"))
    given_lines = head.filter(
        pl.col("given_title_norm").is_not_null() & (pl.col("norm") == pl.col("given_title_norm"))
    ).select("rid", pl.lit("title_repeat").alias("meta_rule"))
    dl = date_lines.select("rid", pl.lit("dateline").alias("meta_rule"))
    meta_lines = pl.concat([title_lines, given_lines, dl]).unique("rid", keep="first")

    docs = (
        head.select("d").unique(maintain_order=True)
        .join(titles.select("d", "title", "site_title"), on="d", how="left")
        .join(published, on="d", how="left")
        .join(site_from_date, on="d", how="left")
        .select("d", "title", "published",
                pl.coalesce("site_date", "site_title").alias("site"))
    )
    return docs, meta_lines
