"""Document structure: sections opened by headings, site templates, and the article block.

All per-document context is computed with segmented window scans (windows.py) over the lines
frame, never with a Python loop over lines or documents.
"""

from __future__ import annotations

import polars as pl

from . import recurrence, siblings
from . import windows as W
from .matching import category
from .metadata import norm
from .params import PARAMS as P
from .rules import SHAPE_ONLY_WEAK, closing_rules, inline_rules, rules_of, template_rules

# Closing headings after which a long run of prose does not reopen the article (`reopens` in
# the catalogue: comment counts, "3 thoughts on ...").
_STAY_CLOSED = sorted(r.name for r in rules_of("section") if not r.reopens)


def sections(lines: pl.DataFrame, first_pass: bool) -> pl.DataFrame:
    """Mark lines inside a section opened by a heading rule (see rules.py, kind "section").

    In the first pass every section ends where prose resumes, except after a comments heading
    or an unmistakable related one with an article's worth of prose above it (`_closes_early`),
    which runs on until a long run of prose resumes. In the second, an "until end"
    (or "thread") heading that comes after the article block has started (and after enough of
    its prose) runs on until a long run of prose (`P.section_resume_lines`) or the end of the
    document. In both passes, a heading whose rule does not reopen (a comment count: a thread
    follows), with enough prose above it (`_closes_early`, `_closes_page`), closes the page for
    good, whatever prose and headings follow it; and a comment thread (`_thread_starts`) runs to
    the end of the document. A heading inside either (a "Related Stories" after the comments)
    keeps its own rule for its own section."""
    is_head = pl.col("head_rule").is_not_null()
    to_end, stays = _closes_early(lines) if first_pass else _closes_page(lines)
    # A comment thread: from where it starts (`_thread_starts`) to the end of the document.
    # It depends on the lines' text and rules only: found in the first pass, kept for the second.
    if "thr_start" not in lines.columns:
        start, rule = _thread_starts(lines)
        lines = lines.with_columns(W.per_doc(start).alias("thr_start"),
                                   W.per_doc(rule).alias("thr_rule"),
                                   W.per_doc(_closed_at(lines)).alias("closed_at"))
    # Only the lines from a document's first heading on can be in a section (a thread starts
    # at a heading too): the window scans below run on those (half the lines of real pages),
    # and the rest are outside every section.
    part = lines.with_columns(pl.lit(to_end).alias("_end"), pl.lit(stays).alias("_stay")
                              ).filter(W.seg_cum_sum(is_head.cast(pl.UInt32)) > 0)
    # where the page closed for good, and by which heading (a heading after it keeps its own
    # section, and its rule names the lines until that section ends)
    stay_here = pl.col("_stay").fill_null(False)
    resume_long = pl.col("prose")
    for k in range(1, P.section_resume_lines):
        resume_long = resume_long & W.nxt(pl.col("prose"), k).fill_null(False)
    part = part.select(
        "rid", "d", "idx", "thr_start", "thr_rule",
        pl.when(is_head).then(pl.col("idx")).alias("_h"),
        "_end",
        pl.when(stay_here).then(pl.col("idx")).alias("_sh"),
        pl.when(stay_here).then(pl.col("head_rule")).alias("_shr"),
        pl.when(is_head).then(pl.col("head_rule")).alias("_hr"),
        # (a post's lead-in ending in an ellipsis resumes the article as its prose does)
        pl.when((pl.col("prose") | pl.col("post_lead_in")) & ~is_head).then(pl.col("idx"))
        .alias("_r1"),
        pl.when(resume_long & ~is_head).then(pl.col("idx")).alias("_r4"),
        W.backward_fill_doc(pl.when(resume_long & ~is_head).then(pl.col("idx"))).alias("_r4n"),
    ).with_columns(
        W.seg_forward_fill(pl.col(c)).alias(c)
        for c in ("_h", "_end", "_sh", "_shr", "_hr", "_r1", "_r4")
    )
    h = pl.col("_h")
    in_stay = pl.col("_sh").is_not_null()
    open_short = ~pl.col("_end") & (pl.col("_r1").is_null() | (pl.col("_r1") < h))
    open_end = pl.col("_end") & (pl.col("_r4").is_null() | (pl.col("_r4") < h))
    in_sec = h.is_not_null() & (open_short | open_end)
    in_thr = (pl.col("idx") >= pl.col("thr_start")).fill_null(False)
    own = in_sec & (h > pl.col("thr_start")).fill_null(False)  # a section opened in the thread
    part = part.select(
        "rid",
        pl.when(in_thr & ~own).then(pl.col("thr_rule")).when(in_sec).then(pl.col("_hr"))
        .when(in_stay).then(pl.col("_shr")).alias("sec_rule"),
        (in_thr | in_stay | (in_sec & pl.col("_end") & pl.col("_r4n").is_null()))
        .alias("sec_to_end"),
    )
    n = lines.height
    # Below a closing line (a comment form, `_closed_at`) the page is closed too: its lines
    # weigh against the article (no section rule names them: outside the article block, they
    # go as the block's).
    closed = (pl.col("idx") > pl.col("closed_at")).fill_null(False)
    return lines.with_columns(
        W.scatter(n, part["rid"], part["sec_rule"]).alias("sec_rule"),
        (W.scatter(n, part["rid"], part["sec_to_end"], False) | closed).alias("sec_to_end"),
    ).with_columns(category("sec_rule").alias("sec_cat"))


_CLOSERS = closing_rules()


def _closed_at(lines: pl.DataFrame) -> pl.Series:
    """Per document (indexed by d): the idx of its first line of a closing rule (`closes` in
    the catalogue: a comment form) with a line of `P.closer_min_words` words, with sentence
    punctuation, that no rule took above it (below the page's first line), or null. Read at
    those lines only (a few pages have one)."""
    n_docs = int(lines["d"].max() or 0) + 1 if lines.height else 0
    rows = lines.select("d", "rid", "idx", "line_rule", "head_rule").filter(
        pl.col("line_rule").is_in(_CLOSERS) | pl.col("head_rule").is_in(_CLOSERS))
    if rows.is_empty():
        return pl.Series([None] * n_docs, dtype=pl.UInt32)
    # (text: a line of closer_min_words words or more with sentence punctuation that no rule
    # took, below the page's first line, a scrape's <title>)
    text = ((pl.col("n_words") >= P.closer_min_words) & pl.col("has_sentence_punct")
            & pl.col("line_rule").is_null() & (pl.col("idx") > 0))
    sums = _prose_sums(lines, pl.when(text).then(pl.col("n_words")).otherwise(0).cast(pl.Int64))
    rows = rows.filter(_above(sums) >= P.closer_min_words
                       ).group_by("d").agg(pl.col("idx").min())
    return W.scatter(n_docs, rows["d"].cast(pl.UInt32), rows["idx"].cast(pl.UInt32))


# Headings that may close the page in the first pass (`early` in the catalogue: the comments
# headings and the unmistakable related one; rules.py says what was measured).
_EARLY_CLOSERS = sorted(r.name for r in rules_of("section") if r.early)


def _closes_early(lines: pl.DataFrame) -> tuple[pl.Series, pl.Series]:
    """First pass: does each heading line (null elsewhere) close the page, and keep it closed?
    One of `_EARLY_CLOSERS` with `P.section_end_min_prose_words` words of prose above it in the
    page closes it (a long run of prose after it still reopens the article: "Comments" is also
    a link under a story's first paragraph); one that does not reopen (`_STAY_CLOSED`: a
    comment count) with `P.stay_closed_min_prose_words` keeps it closed. Without it the
    comments under a short post (long prose lines with no byline the thread rules know), or its
    "Most popular" teasers, won the first pass's block, and the heading, then above the block,
    could not close the page in the second."""
    sums = _prose_sums(lines)
    heads = lines.select("rid", "idx", "head_rule").filter(pl.col("head_rule").is_not_null())
    above = _above(sums)
    end = pl.col("head_rule").is_in(_EARLY_CLOSERS) & (above >= P.section_end_min_prose_words)
    heads = heads.select("rid", end.alias("_end"), _stays(end, above).alias("_stay"))
    return (W.scatter(lines.height, heads["rid"], heads["_end"]),
            W.scatter(lines.height, heads["rid"], heads["_stay"]))


def _stays(closes: pl.Expr, prose_above: pl.Expr) -> pl.Expr:
    """Per heading row: does it keep the page closed? It closes it, its rule does not reopen
    (`_STAY_CLOSED`) and `P.stay_closed_min_prose_words` of the page's prose stand above it."""
    return (closes & pl.col("head_rule").is_in(_STAY_CLOSED)
            & (prose_above >= P.stay_closed_min_prose_words))


def _prose_words() -> pl.Expr:
    """A line's words when it is prose, else 0 (Int64, for running sums over a batch)."""
    return pl.when(pl.col("prose")).then(pl.col("n_words")).otherwise(0).cast(pl.Int64)


def _prose_sums(lines: pl.DataFrame, words: pl.Expr | None = None) -> pl.DataFrame:
    """Per row of the batch: its prose words (`pw`; or `words`, an Int64 expression) and the
    running sum up to it (`cum`), to be read at a few rows only (`_before`: the heading lines,
    a few among a page's ~150; segmented window scans over every line cost 3x as much)."""
    pw = _prose_words() if words is None else words
    return lines.select(pw.alias("pw"), pw.cum_sum().alias("cum"))


def _before(sums: pl.DataFrame, row: pl.Expr) -> pl.Expr:
    """Prose words of the batch before `row` (an expression of row numbers)."""
    return pl.lit(sums["cum"]).gather(row) - pl.lit(sums["pw"]).gather(row)


def _above(sums: pl.DataFrame) -> pl.Expr:
    """Per row of a frame of some lines (rid, idx): the prose words above it in its page."""
    return _before(sums, pl.col("rid")) - _before(sums, pl.col("rid") - pl.col("idx"))


def _thread_starts(lines: pl.DataFrame) -> tuple[pl.Series, pl.Series]:
    """Per document (indexed by d): the idx where its comment thread starts (null: none) and the rule
    of that line. A thread starts at the first comment byline (rules with until="thread") that
    has `P.thread_min_prose_words` words of prose before it in the page (an article's own
    byline, above its text, does not) and `P.thread_min_bylines` bylines from it on, itself
    included (a byline-like line or two inside an article, "The mayor says:", do not), the next
    of them not on the line below (a comment has its text under its byline; a dated list in an
    article, "1. The first iPhone - June 29, 2007", does not). Under a heading that counts the
    comments ("57 Comments", `_headed`), a byline needs only `P.thread_headed_min_prose_words`
    above the heading, when its own text is no longer than a comment of the thread below it (a
    short post under its count heading and thread; not an article's own byline under a count
    link in its header). A comments heading just above that byline, with prose above it, starts
    the thread instead (`_lead_in`: threads whose bylines follow their comments); the rule is
    still the byline's. Computed on the byline rows only (a few a page), from one running sum
    of prose words over the batch."""
    threads = [r.name for r in rules_of("section") if r.until == "thread"]
    n_docs = int(lines["d"].max() or 0) + 1 if lines.height else 0
    by = lines.select("d", "rid", "idx", "head_rule").filter(pl.col("head_rule").is_in(threads))
    none = pl.Series([None] * n_docs, dtype=pl.UInt32), pl.Series([None] * n_docs, dtype=pl.String)
    if by.is_empty():
        return none
    sums = _prose_sums(lines)
    by = by.with_columns(
        _above(sums).alias("before"),
        # bylines from this one to the end of the page, itself included
        (pl.int_range(pl.len(), dtype=pl.UInt32).reverse() + 1).over("d", order_by="idx")
        .alias("n"),
        # lines to the next byline (null: none)
        (pl.col("idx").shift(-1).over("d", order_by="idx").cast(pl.Int64) - pl.col("idx"))
        .alias("gap"))
    # prose words to the next byline (one comment's, or an article's under its byline), and
    # the longest such stretch of the bylines below
    by = by.with_columns((pl.col("before").shift(-1).over("d", order_by="idx").cast(pl.Int64)
                          - pl.col("before").cast(pl.Int64)).alias("stretch"))
    by = by.with_columns(pl.col("stretch").shift(-1).cum_max(reverse=True)
                         .over("d", order_by="idx").alias("later"))
    # Under a count heading, a byline whose text is no longer than a comment below it: a
    # thread (an article's own byline under a "57 Comments" link in its header has the
    # article under it, longer than any comment).
    headed = _headed(lines, by, sums) & (pl.col("stretch") <= pl.col("later")).fill_null(False)
    first = by.filter((pl.col("n") >= P.thread_min_bylines)
                      & ((pl.col("before") >= P.thread_min_prose_words) | headed)
                      & (pl.col("gap").is_null() | (pl.col("gap") >= P.thread_min_byline_gap))
                      ).group_by("d").agg(pl.all().sort_by("idx").first())
    if first.is_empty():
        return none
    first = _lead_in(lines, first, by, sums)
    d = first["d"].cast(pl.UInt32)
    return (W.scatter(n_docs, d, first["idx"].cast(pl.UInt32)),
            W.scatter(n_docs, d, first["head_rule"].cast(pl.String)))


# Comments headings ("Comments", "12 Responses", "3 thoughts on ..."): what may open a thread
# whose comments stand above their bylines (`_lead_in`).
_COMMENT_HEADINGS = sorted(r.name for r in rules_of("section")
                           if r.category == "comments" and r.until == "end")


# ... of them, those that keep the page closed (reopens=False): they count the comments ("57
# Comments", "3 thoughts on ..."), so a thread follows (`_headed`); a bare "Comments" or
# "Comment Policy" may be a menu's link.
_COUNT_HEADINGS = sorted(r.name for r in rules_of("section")
                         if r.name in _COMMENT_HEADINGS and not r.reopens)


def _headed(lines: pl.DataFrame, by: pl.DataFrame, sums: pl.DataFrame) -> pl.Series:
    """Per byline of `by` (d, idx, in order): whether a heading that counts the comments stands
    at most `P.thread_lead_in_lines` lines above it with `P.thread_headed_min_prose_words`
    words of prose above the heading: a thread under its heading, whose post may be short."""
    heads = lines.select("d", "rid", "idx", "head_rule").filter(
        pl.col("head_rule").is_in(_COUNT_HEADINGS))
    if heads.is_empty():
        return pl.repeat(False, by.height, eager=True)
    heads = heads.filter(_above(sums) >= P.thread_headed_min_prose_words).select(
        "d", pl.col("idx").cast(pl.Int64).alias("h_idx"))
    rows = by.select("d", pl.col("idx").cast(pl.Int64)).with_row_index("_r")
    hit = rows.join(heads, on="d").filter(
        (pl.col("idx") - pl.col("h_idx")).is_between(1, P.thread_lead_in_lines))["_r"].unique()
    return rows["_r"].is_in(hit.implode())


def _lead_in(lines: pl.DataFrame, first: pl.DataFrame, by: pl.DataFrame, sums: pl.DataFrame
             ) -> pl.DataFrame:
    """`first` (per document: d, idx and head_rule of the thread's first byline) with idx moved
    up to a comments heading above that byline, at most `P.thread_lead_in_lines` lines and no
    more than the thread's longest stretch from one byline to the next (one comment's worth),
    with prose above the heading in the page. Movable Type and TypePad threads put each
    comment's byline under its text ("Posted by: Jo at November 13, 2012 6:31 AM"): the first
    comment lay between the "Comments" heading and the first byline, outside the thread, and
    under a short post it outweighed the post in the first pass (schneier.com, Dragnet R911:
    the post's 33 words against the comment's 72). Prose above the heading: a "Comments" link
    above a story's first lines is no thread's; one comment's worth: a story that goes on
    under a "Comments" link below its first paragraph (techcrunch.com) keeps what follows it.
    The heading and the comment under it are audited under the thread's rule (category
    comments), as the rest of the thread."""
    first = first.select("d", pl.col("idx").cast(pl.Int64), "head_rule")
    heads = lines.select("d", "rid", "idx", "head_rule").filter(
        pl.col("head_rule").is_in(_COMMENT_HEADINGS))
    if heads.is_empty():
        return first
    heads = heads.select("d", pl.col("idx").cast(pl.Int64).alias("h_idx"),
                         _above(sums).alias("h_before"))
    start = first.select("d", pl.col("idx").alias("start"))
    # the longest stretch between two bylines of the thread (a thread has 2+ of them)
    span = by.join(start, on="d").filter(pl.col("idx").cast(pl.Int64) >= pl.col("start")
                                        ).group_by("d").agg(pl.col("gap").max().alias("span"))
    dist = pl.col("start") - pl.col("h_idx")
    near = heads.join(start, on="d").join(span, on="d").filter(
        (dist > 0) & (dist <= pl.min_horizontal(pl.lit(P.thread_lead_in_lines, pl.Int64),
                                                pl.col("span")))
        & (pl.col("h_before") > 0)
    ).group_by("d").agg(pl.col("h_idx").max().alias("lead_in"))
    return first.join(near, on="d", how="left").select(
        "d", pl.coalesce("lead_in", "idx").alias("idx"), "head_rule")


def _closes_page(lines: pl.DataFrame) -> tuple[pl.Series, pl.Series]:
    """Second pass: does each heading line (null elsewhere) close the page, and does it keep it
    closed? Only an "until end" (or "thread") heading after the article block's start, with
    enough of the article's prose between the two, closes it; one whose rule does not reopen
    (`_STAY_CLOSED`), with `P.stay_closed_min_prose_words` of prose above it in the page, keeps
    it closed. (Counted from the page's start, as in the first pass: counted from the block's
    start, a short post under a sidebar's blurbs, 47hats.com, lost the pass-one closing and its
    comment won the block; the price: a story whose first paragraph, under other prose, is
    followed by a comment count loses what follows the count.)

    The running sums of prose words this needs are read at the heading lines only: gathers from
    one cumulative sum over the batch at the heading's row, its document's first and last row
    and its block's start (a page has a few headings among its ~150 lines; segmented window
    scans over every line cost 3x as much)."""
    ends = {r.name: r.until in ("end", "thread") for r in rules_of("section")}
    full = _prose_sums(lines)
    last_rows = lines.select(pl.arg_where(W.is_last())
                             .cast(pl.UInt32).alias("last"))["last"]

    heads = lines.select("rid", "idx", "_bs", "is_html", "head_rule").filter(
        pl.col("head_rule").is_not_null())
    first = pl.col("rid") - pl.col("idx")  # the document's first row
    doc_last = pl.lit(last_rows).gather(pl.lit(last_rows).search_sorted(pl.col("rid"), "left"))
    heads = heads.with_columns(
        _above(full).alias("before"),
        (pl.lit(full["cum"]).gather(doc_last) - _before(full, first)).alias("total"),
        pl.lit(full["pw"]).gather(pl.col("rid")).alias("pw"),
        # prose words before the block's start (null before it, as a forward fill leaves it)
        pl.when(pl.col("idx") >= pl.col("_bs"))
        .then(_before(full, first + pl.col("_bs")) - _before(full, first)).alias("at_start"),
    )
    before_h = pl.col("before")
    after = pl.col("total") - before_h - pl.col("pw")
    # trafilatura output rarely carries long teasers: there a heading only closes the page
    # when little prose follows it.
    html_ok = ~pl.col("is_html") | (after <= P.html_section_end_max_after * before_h)
    to_end = (
        pl.col("head_rule").replace_strict(ends, default=False, return_dtype=pl.Boolean)
        & (pl.col("idx") > pl.col("_bs"))
        & ((before_h - pl.col("at_start").fill_null(0)) >= P.section_end_min_prose_words)
        & html_ok
    )
    heads = heads.select("rid", to_end.alias("_end"), _stays(to_end, before_h).alias("_stay"))
    return (W.scatter(lines.height, heads["rid"], heads["_end"]),
            W.scatter(lines.height, heads["rid"], heads["_stay"]))


def repeated(lines: pl.DataFrame, run_pairs: pl.DataFrame | None = None) -> pl.DataFrame:
    """batch_docs: distinct documents of the batch (a chunk of the run, any site) carrying the
    line. Text scrapes often name no site, so the site-template rule cannot see their template;
    a line that recurs verbatim across many different documents is template whatever it says.

    Documents are told apart by their "lead", the smallest hash of their own prose lines (no
    rule or first-pass section took them, above any heading after 50+ words of prose:
    `recurrence.after_heading`) that are not themselves repeated
    (`P.repeated_min_docs` documents or more): copies of one article (re-scrapes, syndicated or
    lightly edited copies) share their article's lines, and so their lead, and count once, so a
    syndicated article is not taken for template; pages of one template around different
    articles have different leads, because a template's own prose lines (a cookie banner's) are
    repeated and left out of the lead. Lines under a heading that follows prose are left out
    too: five re-scrapes of one page that differ only in a teaser under "Related" had the
    teaser as their five leads, and their article was taken for template. A document without
    such a line falls back to the smallest hash of its own prose, of its prose, then of its
    lines.

    Also `line_docs`: the documents of the batch carrying the line, copies not told apart
    (`block_flags`: what a page without prose keeps)."""
    run = (recurrence.run_pair_docs(lines, run_pairs) if run_pairs is not None
           else pl.Series("run_pair_docs", [0] * lines.height, pl.UInt32))
    # Article prose: a prose line that no rule or section (first pass) took, above the first
    # heading that follows 50+ words of prose (a "Related" or "Comments" block's teasers vary
    # between re-scrapes of one page; its article does not; a tagline's few words above a
    # "Trending now" do not make the article below it a teaser).
    below = lines.select(recurrence.after_heading().alias("below"))["below"]  # (used twice)
    own = (pl.col("prose") & pl.col("line_rule").is_null() & pl.col("sec_rule").is_null()
           & ~pl.lit(below)).alias("own")
    keyed = lines.select("rid", "d", "prose", "h", own)
    keyed = keyed.with_columns(pl.col("d").n_unique().over("h").alias("_n"))
    line_docs = keyed["_n"].cast(pl.UInt32).alias("line_docs")  # (rows are the lines' rows)
    if keyed.is_empty() or keyed["_n"].max() < P.repeated_min_docs:
        return lines.with_columns(pl.lit(1, pl.UInt32).alias("batch_docs"), line_docs,
                                  recurrence.wrapping(lines, run, below).alias("pair_docs"))
    fresh = pl.col("own") & (pl.col("_n") < P.repeated_min_docs)
    lead = keyed.group_by("d").agg(pl.coalesce(
        pl.col("h").filter(fresh).min(), pl.col("h").filter(pl.col("own")).min(),
        pl.col("h").filter(pl.col("prose")).min(), pl.col("h").min()).alias("lead"))
    keyed = keyed.join(lead, on="d", how="left", maintain_order="left")  # W.nxt/W.prv below
    # The line with its neighbour, above or below, when that one recurs too (a pair key).
    rec = pl.col("_n") >= P.repeated_min_docs
    h = pl.col("h")
    keyed = keyed.with_columns(
        pl.when(rec & W.nxt(rec)).then(recurrence.pair_key(h, W.nxt(h))).alias("_pn"),
        pl.when(rec & W.prv(rec)).then(recurrence.pair_key(W.prv(h), h)).alias("_pp"))
    leads = pl.col("lead").n_unique()
    counted = keyed.filter(rec).with_columns(
        leads.over("h").cast(pl.UInt32).alias("batch_docs"),
        pl.max_horizontal(*(pl.when(pl.col(k).is_not_null()).then(leads.over(k))
                            for k in ("_pn", "_pp"))).fill_null(0).cast(pl.UInt32)
        .alias("pair_docs"))
    n = lines.height
    # The run's pairs and the batch's, through one guard: a syndicated article recurs in a
    # batch's documents as well as over the run.
    pairs = pl.select(pl.max_horizontal(
        pl.lit(W.scatter(n, counted["rid"], counted["pair_docs"], 0)), pl.lit(run))).to_series()
    return lines.with_columns(
        W.scatter(n, counted["rid"], counted["batch_docs"], 1).alias("batch_docs"), line_docs,
        recurrence.wrapping(lines, pairs, below).alias("pair_docs"))


def templates(lines: pl.DataFrame, docs: pl.DataFrame,
              run_pairs: pl.DataFrame | None = None) -> pl.DataFrame:
    """tmpl_docs: distinct documents of the site carrying the line; site_docs: documents of the
    site. Documents are told apart by the smallest hash of their prose lines (a one-permutation
    MinHash), so re-scrapes of one article do not make its sentences look like template. Also
    `repeated`'s batch_docs, over the whole batch, and `siblings`' sib_docs."""
    lines = repeated(lines, run_pairs)
    lines = lines.with_columns(siblings.sibling_docs(lines, lines["line_docs"]))
    zero = [pl.lit(0, pl.UInt32).alias("tmpl_docs"), pl.lit(0, pl.UInt32).alias("site_docs")]
    site = docs["site_key"]
    counts = site.drop_nulls().value_counts()
    if counts.height == 0 or counts["count"].max() < P.template_min_site_docs:
        return lines.with_columns(zero)
    keyed = lines.select(
        "rid", "d", "prose", "h",
        W.per_doc(site.hash().set(site.is_null(), None)).alias("site"),
    ).filter(pl.col("site").is_not_null())
    lead = keyed.group_by("d").agg(
        pl.col("h").filter(pl.col("prose")).min().fill_null(pl.col("h").min()).alias("lead")
    )
    keyed = keyed.join(lead, on="d")
    keyed = keyed.with_columns(pl.col("lead").n_unique().over("site").alias("site_docs"))
    keyed = keyed.filter(pl.col("site_docs") >= P.template_min_site_docs)
    keyed = keyed.with_columns(pl.col("lead").n_unique().over("site", "h").alias("tmpl_docs"))
    n = lines.height
    rid = keyed["rid"]
    return lines.with_columns(
        W.scatter(n, rid, keyed["tmpl_docs"].cast(pl.UInt32), 0).alias("tmpl_docs"),
        W.scatter(n, rid, keyed["site_docs"].cast(pl.UInt32), 0).alias("site_docs"),
    )


def lede(lines: pl.DataFrame, titles: pl.Series) -> pl.Series:
    """`_lede`: True on the story's first prose line, the first within `P.lede_max_lines`
    under its headline. The headline is the first line below the page's first line that
    repeats the page's title (`titles`: the given title, else that first line, a scrape's
    <title>), exactly or as the part before or after a separator ("Title - Site"). Text
    scrapes only: trafilatura's output has no article block to pull.

    A story follows its headline whatever the page puts around it: `article_block` uses the
    lede when its first pass chose a block away from it (see there)."""
    # (a first line a line rule took, "Skip to content", is no title; nor is a line a line rule
    # took below it a headline; a section's rule says nothing: a headline often sits under a
    # "Latest News" menu heading, whose section runs until the story's prose)
    first = pl.when(pl.col("line_rule").is_null()).then(pl.col("line"))
    t = lines.filter(pl.col("idx") == 0).select("d", first.alias("line")).join(
        pl.DataFrame({"d": pl.int_range(titles.len(), dtype=pl.UInt32, eager=True),
                      "g": titles}), on="d", how="left").select(
        "d", pl.coalesce("g", "line").alias("t")).drop_nulls("t")
    t = t.select("d", norm(pl.col("t")).alias("t"),
                 pl.col("t").str.len_chars().alias("t_chars"))
    t = t.with_columns(pl.col("t").str.extract(r"^(\S+)").alias("t_first"),
                       pl.col("t").str.extract(r"(\S+)$").alias("t_last"))
    # Cheap filters before the regex of `norm` runs on the few lines left: a headline is no
    # longer than the title it repeats, and it begins with the title's first word or ends with
    # its last (the three matches below), so its lowercase form holds one of them. (`norm` on
    # every line of the right length was a tenth of the engine's time on real pages.)
    low = pl.col("line").str.to_lowercase()
    cand = lines.select("d", "rid", "idx", "line", "n_words", "line_rule").filter(
        (pl.col("idx") > 0) & pl.col("n_words").is_between(P.title_min_words, P.title_max_words)
        & pl.col("line_rule").is_null()
    ).drop("line_rule").join(t.drop_nulls("t_first"), on="d").filter(
        pl.col("line").str.len_chars() <= pl.col("t_chars")).filter(
        low.str.contains(pl.col("t_first"), literal=True)
        | low.str.contains(pl.col("t_last"), literal=True))
    cand = cand.with_columns(norm(pl.col("line")).alias("nl")).filter(
        (pl.col("nl").str.len_chars() > 0)
        & ((pl.col("nl") == pl.col("t"))
           | pl.col("t").str.starts_with(pl.col("nl") + " ")
           | pl.col("t").str.ends_with(" " + pl.col("nl"))))
    heads = cand.group_by("d").agg(pl.col("rid").min().alias("h_rid"))
    # The first prose line under the headline, within P.lede_max_lines of it; read on the
    # lines of the documents that have a headline only (windows over every line of the batch
    # cost more than the rest of this function).
    # (prose of this page only: a reprint notice or a template's blurb under every headline of
    # a site, carried by other documents of the batch, is no lede)
    own = ((pl.col("batch_docs").fill_null(0) <= 1) & pl.col("hard_rule").is_null()
           & ~pl.col("is_html"))
    below = lines.select("d", "rid", "prose", "batch_docs", "hard_rule", "is_html").join(
        heads, on="d").filter(
        (pl.col("rid") > pl.col("h_rid"))
        & (pl.col("rid").cast(pl.Int64) - pl.col("h_rid") <= P.lede_max_lines)
        & pl.col("prose") & own)
    first = below.group_by("d").agg(pl.col("rid").min())
    return W.scatter(lines.height, first["rid"],
                     pl.Series([True] * first.height, dtype=pl.Boolean), fill=False
                     ).alias("_lede")


def post_lead_in() -> pl.Expr:
    """A paragraph ending in an ellipsis right above running text (`features.lead_in`, no
    weak rule): the post's lead-in ("I love the orange details. Below are more details from the
    designer…"), where a teaser list's next line is another teaser or its headline. (One short
    enough for the weak rule teaser_ellipsis stays a teaser: taken too, WCXB lost a page's
    0.07.) Running text is prose no line rule took (a cookie notice under a teaser is none).
    It scores as prose in the article block, and closes a section that ends where prose
    resumes (not one that runs on until a long run of prose). The engine marks it once, as the
    column `post_lead_in`, after the line rules."""
    running = pl.col("prose") & pl.col("line_rule").is_null()
    return (pl.col("lead_in") & W.nxt(running).fill_null(False)
            & pl.col("weak_rule").is_null())


def article_block(lines: pl.DataFrame, n_docs: int, first_pass: bool) -> pl.DataFrame:
    """Max-sum run of line scores per document (Kadane via cumulative sums).

    Adds _bs/_be (block start/end idx) and _best (its score; <= 0 when the page has no prose).

    Second pass (the first pass's block in `_bs`/`_be`, as `sections`' second pass reads it):
    when that block lies away from the story's lede (`lede`: outside the block, and the block
    does not start within `P.lede_near_lines` below it), the lede scores `P.lede_bonus` more.
    A short post under its headline is then not outscored by a longer author box, sidebar blurb
    or comment elsewhere on the page, while a page whose block starts just under its headline's
    subtitle (a table of contents between them) keeps its block."""
    if not first_pass:
        away = ~pl.col("idx").is_between(pl.col("_bs"), pl.col("_be")) & ~(
            pl.col("_bs") - pl.col("idx")).is_between(1, P.lede_near_lines)
        lines = lines.with_columns((pl.col("_lede") & away.fill_null(True)).alias("_pull"))
    else:
        lines = lines.with_columns(pl.lit(False).alias("_pull"))
    lines = lines.drop("_bs", "_be", "_best", strict=False)
    words = pl.col("n_words").cast(pl.Int64)
    removed = pl.col("hard_rule").is_not_null()
    score = (
        # Lines of a section that closes the page weigh their words against the article (its
        # teasers are prose); an inline teaser box costs no more than any removed line.
        pl.when(pl.col("sec_to_end")).then(-words - P.rule_line_penalty)
        # a rule or ornament between paragraphs ("————", "* * *"), a button or a caption
        # between them (an inline rule: "Check price at Amazon", "(Credit: AP)") says nothing
        # either way
        .when(pl.col("no_alnum") | pl.col("hard_rule").is_in(inline_rules())).then(pl.lit(0))
        .when(pl.col("sec_rule").is_not_null() & pl.col("line_rule").is_null())
        .then(pl.lit(-P.section_line_penalty))
        # a short line that recurs across documents (a template rule's: an ad slot, a credit,
        # a price line, "Jump to review") weighs little more than any short line: between
        # an article's paragraphs it is the page's furniture, not where the article ends
        # (second pass: the template rules are context rules, in `hard_rule` from then on)
        .when(pl.col("hard_rule").is_in(template_rules())
              & (pl.col("n_words") <= P.template_short_words))
        .then(pl.lit(-P.template_line_penalty))
        .when(removed).then(pl.lit(-P.rule_line_penalty))
        # nor does a table's figure ("$83", "-2.1%", "1/1/2013") that no rule removed
        .when(pl.col("figure")).then(pl.lit(0))
        .when(pl.col("prose")).then(words.clip(upper_bound=P.prose_score_cap) - P.prose_offset)
        # a post's lead-in (`post_lead_in`)
        .when(pl.col("post_lead_in"))
        .then(words.clip(upper_bound=P.prose_score_cap) - P.prose_offset)
        .when(pl.col("ends_sentence") & (pl.col("n_words") >= 4)).then(pl.lit(1))
        # a sub-heading: a short line that running text follows
        .when(W.nxt(pl.col("prose")).fill_null(False) & pl.col("weak_rule").is_null())
        .then(pl.lit(P.heading_score))
        # an item of a numbered list (its neighbour one too): the article's own list, a
        # ranking, a recipe's steps, a line-up; unless a weak rule has more to say than its
        # length ("1. Ten things about ferries…", an all-caps menu)
        .when(pl.col("numbered") & (W.prv(pl.col("numbered")) | W.nxt(pl.col("numbered")))
              .fill_null(False)
              & (pl.col("weak_rule").is_null() | (pl.col("weak_rule") == SHAPE_ONLY_WEAK)))
        .then(pl.lit(0))
        .when(pl.col("weak_rule").is_not_null()).then(pl.lit(-P.weak_line_penalty))
        .otherwise(pl.lit(-P.short_line_penalty))
        + pl.when(pl.col("_pull")).then(P.lede_bonus).otherwise(0)
    ).cast(pl.Int64)  # integer scores: the segmented running minimum stays exact
    lines = lines.with_columns(score.alias("_score"))
    full = _max_run(lines, pl.col("_score"), n_docs)
    return lines.with_columns(
        W.per_doc(full["_best"]).alias("_best"),
        W.per_doc(full["_be"]).alias("_be"),
        W.per_doc(full["_bs"]).alias("_bs"),
    )


def _max_run(lines: pl.DataFrame, score: pl.Expr, n_docs: int) -> pl.DataFrame:
    """Per document d (all n_docs rows): the max-sum run of `score` (Kadane via cumulative
    sums): _best, _bs, _be."""
    tmp = lines.select("d", "idx", score.alias("_s")).with_columns(
        W.seg_cum_sum(pl.col("_s")).alias("_cum")
    ).with_columns((pl.col("_cum") - pl.col("_s")).alias("_prev")).with_columns(
        W.seg_cum_min(pl.col("_prev")).alias("_runmin")
    ).with_columns(
        (pl.col("_cum") - pl.col("_runmin")).alias("_gain"),
        W.seg_forward_fill(
            pl.when(pl.col("_prev") == pl.col("_runmin")).then(pl.col("idx"))
        ).alias("_ptr"),
    )
    best = tmp.group_by("d").agg(
        pl.col("_gain").max().alias("_best"),
        pl.col("idx").get(pl.col("_gain").arg_max()).alias("_be"),
        pl.col("_ptr").get(pl.col("_gain").arg_max()).alias("_bs"),
    )
    return pl.DataFrame({"d": pl.int_range(n_docs, dtype=pl.UInt32, eager=True)}).join(
        best, on="d", how="left").sort("d")


def second_block(lines: pl.DataFrame, n_docs: int) -> pl.DataFrame:
    """A second run of the article, apart from the first (_bs2/_be2; null when none): a long
    review whose prose a table of hundreds of cells splits in two keeps both halves. The run
    outside the block that scores most is kept when it scores at least
    `P.second_block_share` of the block, and no line a rule removed lies between them (a
    comment thread, a teaser list or a footer is opened by one). Searched only in the
    documents whose positive scores outside the block reach that share (most have none)."""
    inside = pl.col("idx").is_between(pl.col("_bs"), pl.col("_be")).fill_null(False)
    out_pos = pl.when(~inside & (pl.col("_score") > 0)).then(pl.col("_score")).otherwise(0)
    need = P.second_block_share * pl.col("_best")
    cand = lines.group_by("d").agg(out_pos.sum().alias("_out"), pl.col("_best").first()).filter(
        (pl.col("_best") > 0) & (pl.col("_out") >= need))
    none = pl.lit(None, pl.Int64)
    if cand.is_empty():
        return lines.with_columns(none.alias("_bs2"), none.alias("_be2"))
    sub = lines.filter(pl.col("d").is_in(cand["d"].implode()))
    # The lines above the block and those below it as two segments of their own (segment
    # 2d and 2d + 1 in the segmented scans' "d"), the block's lines left out: a run can then
    # neither cross nor touch the block.
    side = sub.filter(~inside).select(
        "idx", "_score",
        (pl.col("d") * 2 + (pl.col("idx") > pl.col("_be")).cast(pl.UInt32)).alias("d"))
    run = _max_run(side, pl.col("_score"), 2 * n_docs).with_columns(pl.col("d") // 2)
    run = run.sort("d", "_best", descending=[False, True], nulls_last=True).unique(
        "d", keep="first", maintain_order=True)
    sub = sub.with_columns(W.per_doc(run["_best"]).alias("_best2"),
                           W.per_doc(run["_bs"]).alias("_bs2"),
                           W.per_doc(run["_be"]).alias("_be2"))
    lo = pl.min_horizontal("_be", "_be2")
    hi = pl.max_horizontal("_bs", "_bs2")
    hard = (pl.col("hard_rule").is_not_null() & ~pl.col("no_alnum")
            & ~pl.col("hard_rule").is_in(inline_rules()))
    gap = W.per_doc_total((hard & (pl.col("idx") > lo) & (pl.col("idx") < hi)).cast(pl.Int64))
    passed = sub.filter((pl.col("_best2") >= need) & (gap == 0))["d"].unique()
    run = run.select(pl.when(pl.col("d").is_in(passed.implode())).then(pl.col(c)).cast(pl.Int64)
                     .alias(c) for c in ("_bs", "_be"))  # (one row a document, in order)
    return lines.with_columns(W.per_doc(run["_bs"]).alias("_bs2"),
                              W.per_doc(run["_be"]).alias("_be2"))


def block_flags(lines: pl.DataFrame) -> pl.DataFrame:
    """in_block (kept unless a rule says otherwise) and header (where metadata lines live)."""
    has_block = pl.col("_best") > 0
    # (a page without prose keeps its own lines only: those other documents of the batch carry
    # too are its template, a blog's archive and sidebar around a photo post; and those above
    # its comment form, if it has one: `sections`' `sec_to_end`, a section's or the form's)
    in_block = (
        pl.col("is_html") | (~has_block & (pl.col("line_docs") <= 1) & ~pl.col("sec_to_end"))
        | (has_block & pl.col("idx").is_between(pl.col("_bs"), pl.col("_be")))
        | pl.col("idx").is_between(pl.col("_bs2"), pl.col("_be2")).fill_null(False)
    )
    header = pl.when(pl.col("is_html")).then(pl.col("idx") < P.html_header_lines).when(
        has_block
    ).then(pl.col("idx") < pl.col("_bs")).otherwise(pl.col("idx") < 10)
    return lines.with_columns(
        in_block.alias("in_block"),
        (header & (pl.col("idx") < P.header_max_lines)).alias("header"),
    )


