"""The learned layer of the boilerplate engine: a small line classifier over the engine's own
evidence (issue 17: boilerplate on sites no rule was written for).

The catalogue (rules.py) stays the explainable layer and decides first. The model then reads
each line of a text scrape with what the engine already knows about it (shape features, the
rule that fired, the article block, neighbouring lines, the document as a whole) and gives the
probability that the line belongs to the article. It only acts where it is confident:

- a line the rules kept, and that is not prose, goes when that probability is below
  `remove_below` (blog templates, "Posted by ... at ...", tag clouds, comment bylines the
  catalogue has no phrase for);
- a line the article-block step dropped (rule "article_block", no catalogue rule named it)
  comes back when it is above `restore_above` (the block kept an author box or a headline
  list instead of the post, or stopped short of it). Lines a catalogue rule removed never come
  back: the rules keep the last word on what they name.

Every line the model removes is audited with rule "model:<name>:<score>" (the audit has no
score column, so the score rides in the rule name) and the category of the evidence nearest
to it (its weak rule, else "off_article"). The weights are a small JSON file beside this module,
written by `bench/train_lines.py` from the dev sets' tune split only.

Two small gradient-boosted tree sets (depth 3), one per decision. Inference is vectorised: the
features are Polars expressions over the whole lines frame (segmented window scans, no
per-document loop), and each tree is a few numpy compares and selects over all candidate lines
at once (`tree_logit`). HTML documents (trafilatura output) are left alone: the model never saw
them.
"""

from __future__ import annotations

import json
import math
from functools import lru_cache
from pathlib import Path

import numpy as np
import polars as pl

from . import windows as W
from .matching import category

WEIGHTS = Path(__file__).with_name("line_model.json")
MIN_DOC_LINES = 40
"""The model acts on documents of at least this many non-blank lines (whole-page scrapes)."""
MIN_DOC_PROSE_WORDS = 50
"""... with at least this many words of prose lines (features.prose_expr)."""

# Lines of a comment thread the catalogue has no phrase for: "Name says:", "Reply", timestamps.
_COMMENT_CUE = (r"(?i)(?:(?-u:\b)(?:says|said|wrote)(?-u:\s)*:?$|^reply$|^(?:reply|report|quote)"
                r"(?-u:\b)|(?-u:\b)at [0-9]{1,2}:[0-9]{2}(?-u:\s)*(?:am|pm)|^#?[0-9]+\.?$|"
                r"[0-9]+ (?:comments?|responses?|replies)(?-u:\b)|^posted by |^by [a-z]+ on )")


def _f(expr: pl.Expr) -> pl.Expr:
    return expr.cast(pl.Float64).fill_null(0.0)


def _log(expr: pl.Expr) -> pl.Expr:
    return _f(expr).clip(lower_bound=0.0).log1p()


def _window_sum(col: str, k: int) -> pl.Expr:
    """Sum of a (materialised, non-null) column over lines idx-k .. idx+k of the document."""
    c = pl.col(f"_cum{col}")
    hi = pl.coalesce(W.nxt(c, k), pl.col(f"_tot{col}"))
    lo = pl.coalesce(W.prv(c, k + 1), pl.lit(0.0))
    return hi - lo


def _run_sum(x: pl.Expr, in_run: pl.Expr) -> pl.Expr:
    """Sum of x over the run of consecutive lines where `in_run` holds (0 outside runs), by
    segmented scans (no group-by)."""
    x = pl.when(in_run).then(x).otherwise(0.0)
    start = in_run & ~W.prv(in_run).fill_null(False)
    end = in_run & ~W.nxt(in_run).fill_null(False)
    c = W.seg_cum_sum(x)
    base = W.seg_forward_fill(pl.when(start).then(c - x))
    top = W.backward_fill_doc(pl.when(end).then(c))
    return pl.when(in_run).then(top - base).otherwise(0.0)


# Columns the features are sums or windows of: materialised once (an expression reused inside
# window scans would otherwise be evaluated once per use).
_SUMMED = ("_words", "_pw", "_kw", "_kept", "_comment", "_ruled", "_blk_pw", "_pre_pw",
           "_post_pw", "_blk_comment", "_one")


def _inputs(lines: pl.DataFrame, cue: pl.Series | None = None) -> pl.DataFrame:
    """The lines frame plus the base columns the features read (stage 1 of 2). `cue`: the
    comment cue per line, when computed elsewhere (once per distinct text, `apply`)."""
    kept = pl.col("rule").is_null()
    idx = pl.col("idx")
    cue_col = (_f(pl.col("line").str.contains(_COMMENT_CUE)) if cue is None
               else pl.lit(cue, pl.Float64))
    lines = lines.with_columns(
        _f(pl.col("n_words")).alias("_words"),
        _f(kept).alias("_kept"),
        cue_col.alias("_cue"),
        _f(pl.col("_bs")).alias("_bsf"),
        _f(pl.col("_be")).alias("_bef"),
        _f(pl.col("prose")).alias("_prose"),
        _f(pl.col("in_block")).alias("_inb"),
        _f(pl.col("category") == "comments").alias("_ccat"),
        _f(~kept & (pl.col("rule") != "article_block")).alias("_ruled"),
        _f(idx).alias("_idx"),
        pl.lit(1.0).alias("_one"),
    ).with_columns(
        (pl.col("_prose") * pl.col("_words")).alias("_pw"),
        (pl.col("_kept") * pl.col("_words")).alias("_kw"),
        (pl.col("_ccat") + pl.col("_cue")).alias("_comment"),
        _f(idx < pl.col("_bs")).alias("_pre"),
        _f(idx > pl.col("_be")).alias("_post"),
    ).with_columns(
        (pl.col("_inb") * pl.col("_pw")).alias("_blk_pw"),
        (pl.col("_pre") * pl.col("_pw")).alias("_pre_pw"),
        (pl.col("_post") * pl.col("_pw")).alias("_post_pw"),
        (pl.col("_inb") * pl.col("_comment")).alias("_blk_comment"),
        W.seg_cum_sum(pl.col("_ccat")).alias("_n_ccat"),
    )
    lines = lines.with_columns(W.seg_cum_sum(pl.col(c)).alias(f"_cum{c}") for c in _SUMMED)
    last = (pl.col("d").shift(-1) != pl.col("d")).fill_null(True)
    return lines.with_columns(
        W.backward_fill_doc(pl.when(last).then(pl.col(f"_cum{c}"))).alias(f"_tot{c}")
        for c in _SUMMED
    )


def feature_exprs() -> dict[str, pl.Expr]:
    """Named features over `_inputs(annotated lines)` (stage 2), all Float64, no nulls.

    Why these: the rules see one line (and a heading's section) at a time; what they miss on
    unseen sites is mostly context. A short line among kept prose is a sub-heading, the same
    line among short link-like lines is a menu; a comment reads as prose but sits after the
    article block with "said..." / "Reply" lines around it; a page whose kept text is short
    while its template is long needs the document's totals."""
    line = pl.col("line")
    words = pl.col("_words")
    wds = words.clip(lower_bound=1.0)
    chars = _f(line.str.len_chars()).clip(lower_bound=1.0)
    n_lines = pl.col("_tot_one")
    idx, bs, be = pl.col("_idx"), pl.col("_bsf"), pl.col("_bef")
    has_block = _f(pl.col("_best") > 0)
    doc_kept = pl.col("_tot_kw")
    return {
        # the line's shape
        "log_words": words.log1p(),
        "log_chars": chars.log1p(),
        "stop_ratio": _f(pl.col("n_stop")) / wds,
        "sentence_punct": _f(pl.col("has_sentence_punct")),
        "ends_sentence": _f(pl.col("ends_sentence")),
        "prose": pl.col("_prose"),
        "digit_ratio": _f(line.str.count_matches(r"[0-9]")) / chars,
        "symbol_ratio": _f(line.str.count_matches(r"[^\w\s]")) / chars,
        "caps_word_ratio": _f(line.str.count_matches(r"(?-u:\b)[A-Z]")) / wds,
        "comma_ratio": _f(line.str.count_matches(",")) / wds,
        "has_at_or_url": _f(line.str.contains(r"@|https?://|www\.|\.com(?-u:\b)")),
        "ends_colon": _f(line.str.ends_with(":")),
        "starts_lower": _f(line.str.contains(r"^[a-z]")),
        "has_year": _f(line.str.contains(r"(?:19|20)[0-9]{2}")),
        "comment_cue": pl.col("_cue"),
        # the catalogue's verdict around it and across the site
        "tmpl_share": _f(pl.col("tmpl_docs")) / _f(pl.col("site_docs")).clip(lower_bound=1.0),
        "rule_share_5": _window_sum("_ruled", 5) / 11.0,
        # position in the page and relative to the article block
        "rel_pos": idx / (n_lines - 1.0).clip(lower_bound=1.0),
        "before_block": has_block * (bs - idx).clip(lower_bound=0.0).log1p(),
        "after_block": has_block * (idx - be).clip(lower_bound=0.0).log1p(),
        "block_share": has_block * (be - bs + 1.0) / n_lines,
        "log_best": _log(pl.col("_best")),
        # neighbours
        "prev_kept": _f(W.prv(pl.col("_kept"))),
        "next_kept": _f(W.nxt(pl.col("_kept"))),
        "prev_log_words": _f(W.prv(words)).log1p(),
        "next_log_words": _f(W.nxt(words)).log1p(),
        "prose_words_3": _window_sum("_pw", 3).log1p(),
        "prose_words_10": _window_sum("_pw", 10).log1p(),
        "kept_words_3": _window_sum("_kw", 3).log1p(),
        "kept_share_3": _window_sum("_kept", 3) / 7.0,
        "words_3": _window_sum("_words", 3).log1p(),
        "log_run_prose": _run_sum(pl.col("_pw"), pl.col("prose")).log1p(),
        # comment threads: prose after a comments heading is comments
        "comments_5": _window_sum("_comment", 5).log1p(),
        "after_comments": _f(pl.col("_n_ccat") - pl.col("_ccat") > 0),
        # the document
        "log_doc_words": pl.col("_tot_words").log1p(),
        "doc_kept_share": doc_kept / pl.col("_tot_words").clip(lower_bound=1.0),
        "log_doc_kept": doc_kept.log1p(),
        "line_kept_share": pl.col("_kw") / doc_kept.clip(lower_bound=1.0),
        "log_block_prose": pl.col("_tot_blk_pw").log1p(),
        "log_prose_before": pl.col("_tot_pre_pw").log1p(),
        "log_prose_after": pl.col("_tot_post_pw").log1p(),
        "block_comment_share": pl.col("_tot_blk_comment") / (be - bs + 1.0).clip(lower_bound=1.0),
    }


# Features that read the line alone (with `_inputs`' per-line columns), not its neighbours.
LOCAL = frozenset({
    "log_words", "log_chars", "stop_ratio", "sentence_punct", "ends_sentence", "prose",
    "digit_ratio", "symbol_ratio", "caps_word_ratio", "comma_ratio", "has_at_or_url",
    "ends_colon", "starts_lower", "has_year", "comment_cue",
})


def features(lines: pl.DataFrame, names: list[str] | None = None) -> pl.DataFrame:
    """The feature frame (one row per line of the annotated `lines`), for training."""
    exprs = feature_exprs()
    return _inputs(lines).select(exprs[n].alias(n) for n in (names or exprs))


@lru_cache(maxsize=4)
def load(path: Path = WEIGHTS) -> dict | None:
    """The trained weights (None when the file is absent: the engine then runs rules only)."""
    return json.loads(path.read_text()) if path.is_file() else None


def tree_logit(trees: dict, x: np.ndarray) -> np.ndarray:
    """Raw score of a gradient-boosted tree set over rows of x (column-major float64).

    Each tree is evaluated bottom-up with one column compare and one `np.where` per internal
    node, over all rows at once: for shallow trees that is cheaper than walking rows down."""
    out = np.full(x.shape[0], trees["base"], dtype=np.float64)
    for feat, thr, left, right, value in trees["trees"]:
        vals: list[np.ndarray | float] = list(value)
        # children have larger ids than their parent (scikit-learn numbers nodes depth-first),
        # so a reverse sweep sees both children before the parent
        for j in range(len(feat) - 1, -1, -1):
            if left[j] >= 0:
                vals[j] = np.where(x[:, feat[j]] <= thr[j], vals[left[j]], vals[right[j]])
        out += vals[0]
    return out


def _logit(p: float) -> float:
    """Probability threshold as a logit (0 and 1: never / always, as -inf / +inf)."""
    if p <= 0.0:
        return -math.inf
    if p >= 1.0:
        return math.inf
    return math.log(p / (1.0 - p))


def _per_text(texts: pl.DataFrame, names: list[str]) -> pl.DataFrame:
    """The comment cue and the features of the line alone (LOCAL), once per distinct text of
    the batch (`engine.annotate`'s `texts`): page templates repeat, so the regex counts behind
    them run on a fraction of the lines."""
    exprs = feature_exprs()
    base = texts.select(
        "line", "n_stop", "has_sentence_punct", "ends_sentence",
        _f(pl.col("n_words")).alias("_words"), _f(pl.col("prose")).alias("_prose"),
        _f(pl.col("line").str.contains(_COMMENT_CUE)).alias("_cue"))
    return base.select("_cue", *(exprs[n].alias(n) for n in names if n in LOCAL))


def apply(lines: pl.DataFrame, weights: dict | None = None,
          texts: pl.DataFrame | None = None) -> pl.DataFrame:
    """Overlay the model's decision on the annotated lines' `rule` / `category` (see the module
    docstring for when it removes and when it restores). `texts`: the batch's distinct line
    texts with their features, which the lines' `u` points at (`engine.annotate`); without
    them the features of each line are computed line by line (same values)."""
    weights = weights if weights is not None else load()
    if weights is None or lines.height == 0:
        return lines
    names = weights["features"]
    per_text = (_per_text(texts, names) if texts is not None and "u" in lines.columns
                else None)
    cue = per_text["_cue"].gather(lines["u"]) if per_text is not None else None
    # Whole-page scrapes only: the model learnt pages with their template around the article;
    # a short text (already an article, a test fixture) has none, and the rules suffice there.
    # And pages whose prose the engine can read (MIN_DOC_PROSE_WORDS): a script without spaces
    # or a language without the features' stopwords has no prose lines, and the model never
    # saw such pages.
    text = (~pl.col("is_html") & (pl.col("_tot_one") >= MIN_DOC_LINES)
            & (pl.col("_tot_pw") >= MIN_DOC_PROSE_WORDS))
    # It removes only lines that are not prose: on a long article (hundreds of paragraphs, far
    # longer than any training page) it took a third of the prose paragraphs for boilerplate;
    # the article's sentences stay the rules' call.
    pops = {"remove": text & pl.col("rule").is_null() & ~pl.col("prose"),
            "restore": text & (pl.col("rule") == "article_block").fill_null(False)}
    exprs = feature_exprs()
    # Features of the line alone are computed on the candidate lines only (about half the
    # page); the contextual ones need the whole page, so they come first.
    context = [n for n in names if n not in LOCAL]
    keep_u = ["u"] if per_text is not None else []
    cand = _inputs(lines, cue).select(pl.col("rid"), *keep_u, "line", "n_stop",
                                      "has_sentence_punct", "ends_sentence", "_words", "_prose",
                                      "_cue",
                                 *(m.alias(f"_{k}") for k, m in pops.items()),
                                 *(exprs[n].alias(n) for n in context))
    cand = cand.filter(pl.col("_remove") | pl.col("_restore"))
    if cand.height == 0:
        return lines
    if per_text is not None:
        cand = cand.with_columns(per_text[n].gather(cand["u"]) for n in names if n in LOCAL)
    else:
        cand = cand.with_columns(exprs[n].alias(n) for n in names if n in LOCAL)
    x = cand.select(weights["features"]).to_numpy(order="fortran")
    is_remove = cand["_remove"].to_numpy()
    score = np.empty(cand.height)
    for key, rows in (("remove", is_remove), ("restore", ~is_remove)):
        if rows.any():
            score[rows] = tree_logit(weights["models"][key], np.asfortranarray(x[rows]))
    lo, hi = _logit(weights["remove_below"]), _logit(weights["restore_above"])
    act = (is_remove & (score < lo)) | (~is_remove & (score > hi))
    rid = cand["rid"].filter(pl.Series(act))
    if rid.len() == 0:
        return lines
    prob = pl.Series("_p", 1.0 / (1.0 + np.exp(-score[act])))
    name = f"model:{weights['name']}:"
    flag = W.scatter(lines.height, rid, pl.Series(np.full(rid.len(), True)), False)
    audit = W.scatter(lines.height, rid, (name + prob.round(2).cast(pl.String)).alias("_a"))
    lines = lines.with_columns(flag.alias("_act"), audit.alias("_audit"))
    acted = pl.col("_act")
    restored = acted & pl.col("rule").is_not_null()
    removed = acted & pl.col("rule").is_null()
    rule = (pl.when(restored).then(pl.lit(None, pl.String))
            .when(removed).then(pl.col("_audit")).otherwise(pl.col("rule")))
    cat = (pl.when(restored).then(pl.lit(None, pl.String))
           .when(removed).then(category("weak_rule").fill_null("off_article"))
           .otherwise(pl.col("category")))
    return lines.with_columns(rule.alias("rule"), cat.alias("category")).drop("_act", "_audit")
