"""Pages the rules would empty: a poem, a round-up of headlines, a gallery.

The article-block step keeps the run of lines where prose outweighs short lines. A page whose
article is made of short lines (a hymn's verses, a week's headlines under "REWIND: ...") has
no such run: the step keeps a couplet or one headline, the page falls under the publishing
bound (`validation.settings.min_words`) and is rejected as too short, a real page lost
(Dragnet dev: reformation21's hymn, hypebot's weekly round-up).

Such a page is given back a run of its own lines (no other document of the batch carries
them) that only the article-block step removed (no line, section, context or metadata rule
touched them): the run holding the story's lede (the first prose under the headline,
`blocks.lede`), else the run holding what the step kept, when that run is long enough to
publish and its lines are not a menu's (`P.rescue_min_line_words` words a line on average) nor
a listing's (`LISTING_WEAK`). A run elsewhere on the page is never taken: on a photo gallery
whose one sentence sits among captions, the longest run is the comment form's error messages.

A page (text or HTML) that no run saves gets back its own captions (again: no other document
of the batch carries them) of `P.prose_long_words`+ words of prose: on a gallery's page the
caption is the story (Dragnet's abcnews.go.com 439: trafilatura's whole text is a 55-word
caption ending "(ChinaFotoPress/Getty Images)", which `caption_credit_tail` emptied).

Only pages that would be rejected change: every other page keeps exactly what the rules kept.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from . import windows as W
from .features import WORDLESS_SCRIPTS
from .params import PARAMS as P
from .rules import RULES

SOFT_RULE = "article_block"
# Weak rules (a line's shape) that say what a line is: a teaser's ellipsis, a pager, a menu's
# pipes or counts. A run of which more than `P.rescue_max_listing_share` of the lines carry
# one is a listing, no article; one such line among a post's (its last sentence trailing off
# in "...") is the post's. (Verses and a round-up's headlines are short, end no sentence,
# may be in capitals or bulleted: the other weak rules.)
LISTING_WEAK = ("teaser_ellipsis", "blog_pager", "pipe_menu", "count_in_parens")
# Rules that take a photo's caption or credit: on a gallery's page, the article.
CAPTION_RULES = sorted(r.name for r in RULES if r.category == "caption")


def rescued(lines: pl.DataFrame) -> pl.Series:
    """The `rule` column of a lines frame (d, rid, h, line, rule, weak_rule, sec_rule, n_words,
    is_html, prose, _lede; in document order), with what a short page gets back kept (see the
    module docstring)."""
    rule = lines["rule"]
    # kept words per document (a bincount: the step runs on every chunk, and a window or a
    # group-by over all its lines cost as much as the rest of it)
    d = lines["d"].to_numpy()
    kept = np.bincount(d, weights=np.where(rule.is_null().to_numpy(),
                                           lines["n_words"].to_numpy(), 0))
    short = pl.Series("d", np.flatnonzero((kept < P.rescue_min_words) & (np.bincount(d) > 0)),
                      pl.UInt32)
    if short.is_empty():
        return rule
    # ... counted as the published text counts them: a character of a script written without
    # spaces is a word (a Chinese page that keeps its article is no short page)
    wide = lines.filter(pl.col("d").is_in(short.implode()) & pl.col("rule").is_null()
                        & (pl.col("line").str.len_bytes() != pl.col("line").str.len_chars()))
    if wide.height:
        extra = wide.group_by("d").agg(pl.col("line").str.count_matches(WORDLESS_SCRIPTS).sum())
        long = extra.filter(pl.col("line") + pl.lit(kept).gather(pl.col("d"))
                            >= P.rescue_min_words)["d"]
        short = short.filter(~short.is_in(long.implode()))
        if short.is_empty():
            return rule
    sub = lines.filter(pl.col("d").is_in(short.implode())).select(
        "d", "rid", "h", "rule", "weak_rule", "sec_rule", "n_words", "is_html", "prose", "_lede")
    own = _own(lines, sub)
    soft = pl.col("rule").is_null() | ((pl.col("rule") == SOFT_RULE) & own)
    sub = sub.with_columns(soft.alias("soft"), (~soft).cum_sum().alias("run"), own.alias("own"))
    runs = sub.filter(pl.col("soft") & ~pl.col("is_html")).group_by("d", "run").agg(
        pl.col("n_words").sum().alias("words"), pl.len().alias("n"),
        pl.col("weak_rule").is_in(LISTING_WEAK).sum().alias("listing"),
        pl.col("_lede").any().alias("lede"), pl.col("rule").is_null().any().alias("kept"))
    best = (runs.filter((pl.col("lede") | pl.col("kept"))
                        & (pl.col("words") >= P.rescue_min_words)
                        & (pl.col("words") >= P.rescue_min_line_words * pl.col("n"))
                        & (pl.col("listing") <= P.rescue_max_listing_share * pl.col("n")))
            .sort(["d", "lede", "run"], descending=[False, True, False])
            .group_by("d", maintain_order=True).first())
    back = sub.join(best.select("d", "run"), on=["d", "run"], how="semi").filter(
        pl.col("rule") == SOFT_RULE)["rid"]
    # A gallery's page: its only prose is captions (pages no run saved), above any section: a
    # caption-like line under one (a comment that ends with a photo credit) is the section's,
    # whether or not the section has closed where prose resumed.
    opened = pl.when(pl.col("sec_rule").is_not_null()).then(pl.col("rid")).min().over("d")
    captions = sub.join(best.select("d"), on="d", how="anti").filter(
        pl.col("rule").is_in(CAPTION_RULES) & pl.col("own") & pl.col("prose")
        & (pl.col("n_words") >= P.prose_long_words)
        & (opened.is_null() | (pl.col("rid") < opened)))["rid"]
    back = pl.concat([back, captions])
    if back.is_empty():
        return rule
    return rule.scatter(back, None)


def _own(lines: pl.DataFrame, sub: pl.DataFrame) -> pl.Expr:
    """Over the rows of `sub` (some documents' lines: d, h): whether no other document of the batch
    carries the line, copies of the page apart (documents that begin with its first line, as
    a re-scrape of it does: `siblings.py` tells them so): a blog's archive list under three
    short posts is no post's own, a poem's verses are the poem's though a re-scrape of its
    page sits in the same batch."""
    firsts = lines.filter(W.is_first()).select("d", pl.col("h").alias("first"))
    hs = sub["h"].unique().implode()
    carriers = lines.filter(pl.col("h").is_in(hs)).select(pl.col("d").alias("d2"), "h").unique()
    others = (sub.select("d", "h").unique().join(firsts, on="d")
              .join(carriers, on="h").filter(pl.col("d2") != pl.col("d"))
              .join(firsts.rename({"d": "d2", "first": "first2"}), on="d2")
              .filter(pl.col("first2") != pl.col("first")).select("d", "h").unique())
    return ~pl.struct(sub["d"], sub["h"]).is_in(
        pl.struct(others["d"], others["h"]).implode())
