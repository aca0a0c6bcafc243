"""Pages the rules would empty: a poem, a round-up of headlines, a recipe's list of steps.

The article-block step keeps the run of lines where prose outweighs short lines. A page whose
article is made of short lines (a hymn's verses, a week's headlines under "REWIND: ...") has
no such run: the step keeps a couplet or one headline, the page falls under the publishing
bound (`validation.settings.min_words`) and is rejected as too short, a real page lost
(Dragnet dev: reformation21's hymn, hypebot's weekly round-up).

Such a page is given back a run of its own lines (no other document of the batch carries
them) that only the article-block step removed (no line, section, context or metadata rule
touched them): the run holding the story's lede (the first prose under the headline,
`blocks.lede`), else the run holding what the step kept, when that run is long enough to
publish and its lines are not a menu's (`P.rescue_min_line_words` words a line on average). A
run elsewhere on the page is never taken: on a photo gallery whose one sentence sits among
captions, the longest run is the comment form's error messages.

A page (text or HTML) that no run saves gets back its own captions (again: no other document
of the batch carries them) of `P.prose_long_words`+ words of prose: on a gallery's page the
caption is the story (Dragnet's abcnews.go.com 439: trafilatura's whole text is a 55-word
caption ending "(ChinaFotoPress/Getty Images)", which `caption_credit_tail` emptied).

Only pages that would be rejected change: every other page keeps exactly what the rules kept.
"""

from __future__ import annotations

import polars as pl

from . import windows as W
from .params import PARAMS as P
from .rules import RULES

SOFT_RULE = "article_block"
# Rules that take a photo's caption or credit: on a gallery's page, the article.
CAPTION_RULES = sorted(r.name for r in RULES if r.category == "caption")


def rescued(lines: pl.DataFrame) -> pl.Series:
    """The `rule` column of a lines frame (d, rid, rule, n_words, is_html, prose, line_docs,
    _lede; in document order), with what a short page gets back kept (see the module
    docstring)."""
    rule = lines["rule"]
    kept = pl.when(pl.col("rule").is_null()).then(pl.col("n_words")).otherwise(0)
    short = lines.select("d", W.per_doc_total(kept).alias("kw")).filter(
        pl.col("kw") < P.rescue_min_words)["d"].unique()
    if short.is_empty():
        return rule
    # (a line another document of the batch carries too is no page's own: a blog's archive
    # list under three short posts)
    soft = pl.col("rule").is_null() | ((pl.col("rule") == SOFT_RULE) & (pl.col("line_docs") <= 1))
    sub = lines.filter(pl.col("d").is_in(short.implode())).select(
        "d", "rid", "rule", "n_words", "is_html", "prose", "line_docs", "_lede",
        soft.alias("soft"), (~soft).cum_sum().alias("run"))
    runs = sub.filter(pl.col("soft") & ~pl.col("is_html")).group_by("d", "run").agg(
        pl.col("n_words").sum().alias("words"), pl.len().alias("n"),
        pl.col("_lede").any().alias("lede"), pl.col("rule").is_null().any().alias("kept"))
    best = (runs.filter((pl.col("lede") | pl.col("kept"))
                        & (pl.col("words") >= P.rescue_min_words)
                        & (pl.col("words") >= P.rescue_min_line_words * pl.col("n")))
            .sort(["d", "lede", "run"], descending=[False, True, False])
            .group_by("d", maintain_order=True).first())
    back = sub.join(best.select("d", "run"), on=["d", "run"], how="semi").filter(
        pl.col("rule") == SOFT_RULE)["rid"]
    # A gallery's page: its only prose is captions (pages that no run saved)
    captions = sub.join(best.select("d"), on="d", how="anti").filter(
        pl.col("rule").is_in(CAPTION_RULES) & pl.col("prose")
        & (pl.col("n_words") >= P.prose_long_words) & (pl.col("line_docs") <= 1))["rid"]
    back = pl.concat([back, captions])
    if back.is_empty():
        return rule
    return rule.scatter(back, None)
