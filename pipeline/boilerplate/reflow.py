"""Hard-wrapped text scrapes made one line a paragraph again, before any rule reads a line.

Text-mode browsers and converters wrap what they render at a fixed width: `lynx -dump` and
`w3m -dump` at 79-80 columns, Python's html2text at 78 (its default `body_width`), email and
Usenet archives at 72-76. In such a scrape a paragraph is five or ten lines, none of them a
sentence: the engine weighs lines (prose counts for the article block, short menu-like lines
against it), and on both dev sets' pages wrapped at 78 columns its F1 fell to 0.39 (WCXB) and
0.48 (Dragnet), below keeping every line (bench/README.md, session 22).

Greedy wrapping leaves a trace that can be tested line by line: a line was broken where it
was because the next word did not fit, so its length + 1 + the length of the next line's first
word exceeds the width. A text document is taken as wrapped when

- it has more than `P.wrap_min_breaks` lines, at most `P.wrap_max_long_lines` of them longer
  than `P.wrap_max_width` characters (a wrapped page's unbreakable URLs; an ordinary scrape
  has a paragraph a line, hundreds of characters: one regex scan of its text rules it out,
  which is all most documents cost);
- its width, the 95th percentile of the lengths of its lines of two words or more (a URL
  alone on its line is no wrapped text), is at least `P.wrap_min_width`;
- among its lines of at least `P.wrap_min_fill` of that width followed by a non-blank line,
  at least `P.wrap_min_share` (and `P.wrap_min_breaks`) were broken where the next word did
  not fit;
- and at least `P.wrap_min_lower_share` of those breaks go on with a lowercase letter (a
  sentence running on; a menu's or a headline list's next line starts with a capital).

Its broken lines are then joined with the lines after them, each piece stripped (a word
hyphenated at the break joins without a space). A joined line keeps the number of its first
input line, so the audit of removed lines points into the document as the scraper wrote it.
Documents not wrapped, and HTML documents (trafilatura's output is a line a paragraph), pass
through unchanged.

Not covered: scripts without letter case (Arabic, Hebrew, Devanagari, Thai, CJK) never pass
the lowercase test, and relaxing it for them is unsafe as written (a script written without
spaces has no "next word" to measure); a lynx page with more than `P.wrap_max_long_lines`
long reference URLs (`lynx -dump -nolist` leaves them out).
"""

from __future__ import annotations

import polars as pl

from . import windows as W
from .params import PARAMS as P


def candidates(docs: pl.DataFrame) -> pl.Series:
    """Per document (row of `docs`: text, kind): could it be hard-wrapped? A text document of
    more than `P.wrap_min_breaks` lines, at most `P.wrap_max_long_lines` of them longer than
    `P.wrap_max_width` characters."""
    text = pl.col("text").fill_null("")
    long_lines = text.str.count_matches(f"(?m)^[^\\n]{{{P.wrap_max_width + 1}}}")
    return docs.select(
        ((pl.col("kind") != "html") & (long_lines <= P.wrap_max_long_lines)
         & (text.str.count_matches("\n") >= P.wrap_min_breaks)).alias("c")
    )["c"]


def reflow(raw: pl.DataFrame, docs: pl.DataFrame) -> pl.DataFrame:
    """`raw`: every input line (d, line as written, line_no), in document and line order; the
    same frame with the wrapped documents' paragraphs joined (see the module docstring).
    `docs`: the batch's documents (d, text, kind)."""
    maybe = candidates(docs)
    if not maybe.any():
        return raw
    sub = raw.filter(pl.col("d").is_in(docs["d"].filter(maybe).implode()))
    body = pl.col("line").str.strip_chars()
    sub = sub.with_columns(
        pl.col("line").str.strip_chars_end().str.len_chars().alias("_len"),
        W.nxt(body.str.extract(r"^(\S+)").str.len_chars()).alias("_next_word"),
        W.nxt(body.str.contains(r"^\p{Ll}")).alias("_next_lower"),
        body.str.contains(r"\w-$").alias("_hyphen"),
    )
    width = sub.filter(body.str.contains(" ")).group_by("d").agg(
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
                         (sep + body).alias("_part"))
        .group_by("_g", maintain_order=True)
        .agg(pl.col("d").first(), pl.col("_part").str.join("").alias("line"),
             pl.col("line_no").first())
        .select(raw.columns)
        .cast(raw.schema)
    )
    rest = raw.filter(~pl.col("d").is_in(wrapped))
    return pl.concat([rest, merged]).sort("d", "line_no", maintain_order=True)
