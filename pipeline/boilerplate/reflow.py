"""Hard-wrapped text scrapes made one line a paragraph again, before any rule reads a line.

Text-mode browsers and converters wrap what they render at a fixed width: `lynx -dump` and
`w3m -dump` at 79-80 columns, Python's html2text at 78 (its default `body_width`), email and
Usenet archives at 72-76. In such a scrape a paragraph is five or ten lines, none of them a
sentence: the engine weighs lines (prose counts for the article block, short menu-like lines
against it), and on both dev sets' pages wrapped at 78 columns its F1 fell to 0.39 (WCXB) and
0.48 (Dragnet), below keeping every line (bench/README.md, session 22).

Greedy wrapping leaves a trace that can be tested line by line: a line was broken where it
was because the next word did not fit, so its length + 1 + the length of the next line's first
word exceeds the width. A document is taken as wrapped when

- at most `P.wrap_max_long_lines` of its lines are longer than `P.wrap_max_width` characters
  (a wrapped page's URLs and lynx's reference list; an ordinary scrape has a paragraph a
  line, hundreds of characters: it is ruled out by one scan of its text), and
- among its lines that are at least `P.wrap_min_fill` of its width (the 95th percentile of its
  line lengths) and followed by a non-blank line, at least `P.wrap_min_share` were broken
  because the next word did not fit, and at least `P.wrap_min_breaks` of them.

Its broken lines are then joined with the lines after them (a word hyphenated at the break
joins without a space). A joined line keeps the number of its first input line, so the audit
of removed lines points into the document as the scraper wrote it. Documents not wrapped,
and HTML documents (trafilatura's output is a line a paragraph), pass through unchanged.
"""

from __future__ import annotations

import polars as pl

from . import windows as W
from .params import PARAMS as P


def _width_screen() -> str:
    return f"[^\\n]{{{P.wrap_max_width + 1}}}"


def candidates(docs: pl.DataFrame) -> pl.Series:
    """Per document (row of `docs`: text, kind): could it be hard-wrapped? A text document
    with at most `P.wrap_max_long_lines` runs of more than `P.wrap_max_width` characters."""
    long_runs = pl.col("text").fill_null("").str.count_matches(_width_screen())
    return docs.select(
        ((pl.col("kind") != "html") & (long_runs <= P.wrap_max_long_lines)).alias("c")
    )["c"]


def reflow(raw: pl.DataFrame, docs: pl.DataFrame) -> pl.DataFrame:
    """`raw`: every input line (d, line as written, line_no), in document and line order; the
    same frame with the wrapped documents' paragraphs joined (see the module docstring).
    `docs`: the batch's documents (d, text, kind)."""
    maybe = candidates(docs)
    if not maybe.any():  # (the usual batch: one regex scan of each text, nothing else)
        return raw
    sub = raw.filter(pl.col("d").is_in(docs["d"].filter(maybe).implode()))
    body = pl.col("line").str.strip_chars()
    sub = sub.with_columns(
        pl.col("line").str.strip_chars_end().str.len_chars().alias("_len"),
        W.nxt(body.str.extract(r"^(\S+)").str.len_chars()).alias("_next_word"),
        W.nxt(body.str.contains(r"^\p{Ll}")).alias("_next_lower"),
        body.str.contains(r"\w-$").alias("_hyphen"),
    )
    width = sub.filter(pl.col("_len") > 0).group_by("d").agg(
        pl.col("_len").quantile(0.95, "higher").alias("_width"))
    sub = sub.join(width, on="d", how="left", maintain_order="left")
    filled = ((pl.col("_len") >= pl.col("_width") * P.wrap_min_fill)
              & pl.col("_next_word").is_not_null()).fill_null(False)
    sub = sub.with_columns(filled.alias("_filled")).with_columns(
        (pl.col("_filled") & (pl.col("_len") + 1 + pl.col("_next_word") > pl.col("_width")))
        .fill_null(False).alias("_broke"))
    verdict = sub.group_by("d").agg(
        pl.col("_width").first(),
        pl.col("_broke").sum().alias("broke"),
        pl.col("_filled").sum().alias("filled"),
        (pl.col("_broke") & pl.col("_next_lower")).sum().alias("lower"),
    )
    wrapped = verdict.filter(
        (pl.col("_width") >= P.wrap_min_width)
        & (pl.col("broke") >= P.wrap_min_breaks)
        & (pl.col("broke") >= pl.col("filled") * P.wrap_min_share)
        & (pl.col("lower") >= pl.col("broke") * P.wrap_min_lower_share)
    )["d"].implode()
    sub = sub.filter(pl.col("d").is_in(wrapped))
    if sub.is_empty():
        return raw
    joined = W.prv(pl.col("_broke")).fill_null(False)  # this line continues the one above
    sep = pl.when(joined & ~W.prv(pl.col("_hyphen"))).then(pl.lit(" ")).otherwise(pl.lit(""))
    merged = (
        sub.with_columns((~joined).cum_sum().alias("_g"),
                         (sep + pl.when(joined).then(body).otherwise("line")).alias("_part"))
        .group_by("_g", maintain_order=True)
        .agg(pl.col("d").first(), pl.col("_part").str.join("").alias("line"),
             pl.col("line_no").first())
        .select(raw.columns)
        .cast(raw.schema)
    )
    rest = raw.filter(~pl.col("d").is_in(wrapped))
    return pl.concat([rest, merged]).sort("d", "line_no", maintain_order=True)
