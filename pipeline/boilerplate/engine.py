"""The boilerplate engine: applies the rule catalogue to all lines of a batch at once.

Documents are exploded into a lines frame (one row per non-blank line). Every step is a Polars
expression over that frame: regexes run once per rule kind (one combined pattern, then per-rule
attribution only on the lines that hit), and neighbour / position context uses shifts and
cumulative windows per document. Steps, in order of precedence for the audit:

1. metadata: title, dateline and site lines in the page header move into metadata;
2. line rules (phrases and shapes) remove wherever they hit;
3. section rules: a heading opens a block that runs until article prose resumes (or to the end);
4. context rules: captions' alt text, teaser headlines, site templates;
5. article block (text scrapes): the maximum-scoring run of lines, scored jusText-style (prose
   words count for, short / menu-like lines against), is the article; lines outside it go, and
   short lines inside it (sub-headings, quote fragments like "he said.") stay.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from . import metadata, rules
from .features import line_features, prose_expr
from .rules import CATEGORIES, Rule, rules_of

# Documented thresholds (tuned on the dev split of bench/eval_boilerplate.py).
SECTION_END_MIN_PROSE_WORDS = 50  # an "until end" heading only ends the page after this much prose
SECTION_RESUME_LINES = 4  # consecutive prose lines that re-open the article after such a heading
PROSE_SCORE_CAP = 100  # one huge paragraph may not outweigh everything else
SHORT_LINE_PENALTY = 2.0
WEAK_LINE_PENALTY = 4.0
RULE_LINE_PENALTY = 5.0
TEMPLATE_MIN_SITE_DOCS = 3
HTML_HEADER_LINES = 3

_DOC_SCHEMA = {
    "doc_id": pl.String,
    "text": pl.String,
    "kind": pl.String,
    "site_key": pl.String,
    "title": pl.String,
}
_OUT_DOCS = {"doc_id": pl.String, "text": pl.String, "title": pl.String, "published": pl.Date,
             "site": pl.String}
_OUT_REMOVED = {"doc_id": pl.String, "line_no": pl.UInt32, "text": pl.String,
                "category": pl.String, "rule": pl.String}


@dataclass
class CleanResult:
    """Clean documents, the audit of removed lines, and counters."""

    documents: pl.DataFrame
    removed: pl.DataFrame
    stats: dict[str, int]


# ---- helpers -------------------------------------------------------------------------------------
def _nxt(expr: pl.Expr, k: int = 1) -> pl.Expr:
    """Value k lines later in the same document (null past its end)."""
    return pl.when(pl.col("d").shift(-k) == pl.col("d")).then(expr.shift(-k))


def _prv(expr: pl.Expr, k: int = 1) -> pl.Expr:
    """Value k lines earlier in the same document (null before its start)."""
    return pl.when(pl.col("d").shift(k) == pl.col("d")).then(expr.shift(k))


def fast_regex(pattern: str) -> str:
    """ASCII word classes and boundaries: Unicode `\\b` and `\\w{1,30}` push the regex engine
    off its DFA (20-50x slower on non-ASCII text); boilerplate phrases are matched on ASCII words."""
    out: list[str] = []
    in_class = False
    i = 0
    while i < len(pattern):
        c = pattern[i]
        if c == "\\" and i + 1 < len(pattern):
            nxt = pattern[i + 1]
            if nxt == "w":
                out.append("a-zA-Z0-9_" if in_class else "(?-u:\\w)")
            elif nxt == "b" and not in_class:
                out.append("(?-u:\\b)")
            else:
                out.append(pattern[i : i + 2])
            i += 2
            continue
        if c == "[" and not in_class:
            in_class = True
        elif c == "]" and in_class and pattern[i - 1] != "[":
            in_class = False
        out.append(c)
        i += 1
    return "".join(out)


_TIERS = (16, 45, None)  # line texts are pre-cut by length so short-line rules skip prose


def _tier_of(rule: Rule) -> int | None:
    if rule.max_words is None:
        return None
    return next(t for t in _TIERS if t is None or rule.max_words <= t)


def _tier_columns(lines: pl.DataFrame) -> pl.DataFrame:
    """Lowercased line, and copies nulled past each length tier (regexes skip null rows)."""
    low = pl.col("line").str.to_lowercase()
    cols = [low.alias("_low_all")]
    cols += [pl.when(pl.col("n_words") <= t).then(low).alias(f"_low_{t}") for t in _TIERS if t]
    return lines.with_columns(cols)


def _hit_expr(rule: Rule) -> pl.Expr:
    """Boolean: does `rule` hit the line (pattern on the right tier column, or predicate)."""
    if rule.predicate is not None:
        hit = rule.predicate()
    elif rule.case:
        hit = pl.col("line").str.contains(fast_regex(rule.pattern or ""))
    else:
        tier = _tier_of(rule)
        col = "_low_all" if tier is None else f"_low_{tier}"
        hit = pl.col(col).str.contains(fast_regex(rule.pattern or "")).fill_null(False)
    if rule.max_words is not None:
        hit = hit & (pl.col("n_words") <= rule.max_words)
    return hit


def _apply(lines: pl.DataFrame, rules: list[Rule], out: str) -> pl.DataFrame:
    """Add column `out`: name of the first catalogue rule (of `rules`) hitting each line.

    All hit tests go into one `with_columns`, so Polars runs the regexes in parallel."""
    if not rules:
        return lines.with_columns(pl.lit(None, pl.String).alias(out))
    tmp = [f"_hit{k}" for k in range(len(rules))]
    lines = lines.with_columns(
        [_hit_expr(r).alias(c) for r, c in zip(rules, tmp, strict=True)]
    )
    name = pl.lit(None, pl.String)
    for r, c in reversed(list(zip(rules, tmp, strict=True))):
        name = pl.when(pl.col(c)).then(pl.lit(r.name)).otherwise(name)
    return lines.with_columns(name.alias(out)).drop(tmp)


META_RULES = {"title_repeat": "metadata", "dateline": "metadata"}


def rule_categories() -> dict[str, str]:
    """Rule name -> category, read from the catalogue at call time (so added rules count)."""
    return {r.name: r.category for r in rules.RULES} | META_RULES


def _category(rule_col: str) -> pl.Expr:
    return pl.col(rule_col).replace_strict(
        rule_categories(), default=None, return_dtype=pl.String
    )


# ---- steps ---------------------------------------------------------------------------------------
def _prepare(docs: pl.DataFrame) -> pl.DataFrame:
    cols = []
    for name, dtype in _DOC_SCHEMA.items():
        if name in docs.columns:
            cols.append(pl.col(name).cast(dtype))
        else:
            cols.append(pl.lit("text" if name == "kind" else None, dtype).alias(name))
    out = docs.select(cols).with_columns(
        pl.col("kind").fill_null("text"),
        pl.int_range(pl.len(), dtype=pl.UInt32).alias("d"),
    )
    return out


def _explode(docs: pl.DataFrame) -> pl.DataFrame:
    raw = docs.select(
        "d",
        pl.col("text").fill_null("").str.split("\n").alias("line"),
    ).with_columns(
        pl.col("line").list.eval(pl.int_range(1, pl.len() + 1, dtype=pl.UInt32)).alias("line_no")
    )
    lines = raw.explode("line", "line_no").with_columns(pl.col("line").str.strip_chars())
    lines = lines.filter(pl.col("line").str.len_bytes() > 0)
    return lines.with_columns(
        pl.int_range(pl.len(), dtype=pl.UInt32).alias("rid"),
    ).with_columns(
        (pl.col("rid") - pl.col("rid").min().over("d")).alias("idx"),
    )


def _sections(lines: pl.DataFrame, first_pass: bool) -> pl.DataFrame:
    """Mark lines inside a section opened by a heading rule (see rules.py, kind "section").

    In the first pass every section ends where prose resumes. In the second, an "until end"
    heading that comes after the article block has started (and after enough of its prose)
    runs on until a long run of prose (`SECTION_RESUME_LINES`) or the end of the document."""
    ends = {r.name: r.until == "end" for r in rules_of("section")}
    is_head = pl.col("head_rule").is_not_null()
    if first_pass:
        to_end = pl.lit(False)
    else:
        pw = pl.when(pl.col("prose")).then(pl.col("n_words")).otherwise(0)
        before = pw.cum_sum().over("d") - pw
        at_start = pl.when(pl.col("idx") == pl.col("_bs")).then(before).max().over("d")
        to_end = (
            is_head
            & pl.col("head_rule").replace_strict(ends, default=False, return_dtype=pl.Boolean)
            & (pl.col("idx") > pl.col("_bs"))
            & ((before - at_start.fill_null(0)) >= SECTION_END_MIN_PROSE_WORDS)
        )
    resume_long = pl.col("prose")
    for k in range(1, SECTION_RESUME_LINES):
        resume_long = resume_long & _nxt(pl.col("prose"), k).fill_null(False)
    lines = lines.with_columns(
        pl.when(is_head).then(pl.col("idx")).alias("_h"),
        pl.when(is_head).then(to_end).alias("_end"),
        pl.when(is_head).then(pl.col("head_rule")).alias("_hr"),
        pl.when(pl.col("prose") & ~is_head).then(pl.col("idx")).alias("_r1"),
        pl.when(resume_long & ~is_head).then(pl.col("idx")).alias("_r4"),
    ).with_columns(
        pl.col("_h", "_end", "_hr", "_r1", "_r4").forward_fill().over("d")
    )
    h = pl.col("_h")
    open_short = ~pl.col("_end") & (pl.col("_r1").is_null() | (pl.col("_r1") < h))
    open_end = pl.col("_end") & (pl.col("_r4").is_null() | (pl.col("_r4") < h))
    in_sec = h.is_not_null() & (open_short | open_end)
    return lines.with_columns(
        pl.when(in_sec).then(pl.col("_hr")).alias("sec_rule"),
    ).with_columns(_category("sec_rule").alias("sec_cat")).drop(
        "_h", "_end", "_hr", "_r1", "_r4"
    )


def _templates(lines: pl.DataFrame) -> pl.DataFrame:
    """tmpl_docs: distinct documents of the site carrying the line; site_docs: documents of the
    site. Documents are told apart by their longest line, so re-scrapes of one article do not
    make its sentences look like template."""
    keyed = lines.filter(pl.col("site_key").is_not_null())
    zero = [pl.lit(0, pl.UInt32).alias("tmpl_docs"), pl.lit(0, pl.UInt32).alias("site_docs")]
    if keyed.height == 0:
        return lines.with_columns(zero)
    lead = (
        keyed.group_by("d")
        .agg(pl.col("line").sort_by("n_chars").last().hash().alias("lead"))
    )
    keyed = keyed.select("rid", "d", "site_key", pl.col("line").hash().alias("h")).join(
        lead, on="d"
    )
    site = keyed.group_by("site_key").agg(pl.col("lead").n_unique().alias("site_docs"))
    site = site.filter(pl.col("site_docs") >= TEMPLATE_MIN_SITE_DOCS)
    if site.height == 0:
        return lines.with_columns(zero)
    keyed = keyed.join(site, on="site_key")
    per_line = keyed.group_by("site_key", "h").agg(
        pl.col("lead").n_unique().alias("tmpl_docs")
    )
    out = keyed.join(per_line, on=["site_key", "h"]).select("rid", "tmpl_docs", "site_docs")
    return lines.join(out, on="rid", how="left").with_columns(
        pl.col("tmpl_docs", "site_docs").fill_null(0).cast(pl.UInt32)
    )


def _article_block(lines: pl.DataFrame) -> pl.DataFrame:
    """Max-sum run of line scores per document (Kadane via cumulative sums).

    Adds _bs/_be (block start/end idx) and _best (its score; <= 0 when the page has no prose)."""
    lines = lines.drop("_bs", "_be", "_best", strict=False)
    words = pl.col("n_words").cast(pl.Float64)
    removed = pl.col("hard_rule").is_not_null()
    score = (
        pl.when(pl.col("sec_rule").is_not_null()).then(-words - RULE_LINE_PENALTY)
        .when(removed).then(pl.lit(-RULE_LINE_PENALTY))
        .when(pl.col("prose")).then(words.clip(upper_bound=PROSE_SCORE_CAP))
        .when(pl.col("ends_sentence") & (pl.col("n_words") >= 4)).then(pl.lit(1.0))
        .when(pl.col("weak_rule").is_not_null()).then(pl.lit(-WEAK_LINE_PENALTY))
        .otherwise(pl.lit(-SHORT_LINE_PENALTY))
    )
    tmp = lines.select("d", "idx", score.alias("_s")).with_columns(
        pl.col("_s").cum_sum().over("d").alias("_cum")
    ).with_columns((pl.col("_cum") - pl.col("_s")).alias("_prev")).with_columns(
        pl.col("_prev").cum_min().over("d").alias("_runmin")
    ).with_columns(
        (pl.col("_cum") - pl.col("_runmin")).alias("_gain"),
        pl.when(pl.col("_prev") == pl.col("_runmin")).then(pl.col("idx"))
        .forward_fill().over("d").alias("_ptr"),
    )
    best = tmp.group_by("d").agg(
        pl.col("_gain").max().alias("_best"),
        pl.col("idx").get(pl.col("_gain").arg_max()).alias("_be"),
        pl.col("_ptr").get(pl.col("_gain").arg_max()).alias("_bs"),
    )
    return lines.join(best, on="d", how="left")


def _block_flags(lines: pl.DataFrame) -> pl.DataFrame:
    """in_block (kept unless a rule says otherwise) and header (where metadata lines live)."""
    has_block = pl.col("_best") > 0
    in_block = (
        (pl.col("kind") == "html")
        | ~has_block
        | pl.col("idx").is_between(pl.col("_bs"), pl.col("_be"))
    )
    header = pl.when(pl.col("kind") == "html").then(pl.col("idx") < HTML_HEADER_LINES).when(
        has_block
    ).then(pl.col("idx") < pl.col("_bs")).otherwise(pl.col("idx") < 10)
    return lines.with_columns(
        in_block.alias("in_block"),
        (header & (pl.col("idx") < metadata.HEADER_MAX_LINES)).alias("header"),
    )


# ---- entry points --------------------------------------------------------------------------------
def clean_documents(docs: pl.DataFrame) -> CleanResult:
    """Strip boilerplate from a batch of documents (see module docstring for the steps)."""
    docs = _prepare(docs)
    lines = _explode(docs).join(
        docs.select("d", "doc_id", "kind", "site_key", "title"), on="d", how="left"
    )
    lines = lines.with_columns(line_features(pl.col("line")))
    lines = lines.with_columns(prose_expr().alias("prose"))

    lines = _tier_columns(lines)
    lines = _apply(lines, rules_of("line"), "line_rule")
    lines = _apply(lines, rules_of("weak"), "weak_rule")
    lines = _apply(lines, rules_of("section"), "head_rule")
    lines = lines.drop("_low_all", *[f"_low_{t}" for t in _TIERS if t])
    lines = _templates(lines)

    # Pass 1: where is the article, with every section closing where prose resumes?
    lines = _sections(lines, first_pass=True)
    lines = lines.with_columns(pl.coalesce("line_rule", "sec_rule").alias("hard_rule"))
    lines = _article_block(lines)
    # Pass 2: headings after the article's start may close the page; then context rules.
    lines = _sections(lines, first_pass=False)
    cat0 = pl.coalesce(_category("line_rule"), pl.col("sec_cat"))
    lines = lines.with_columns(
        _nxt(cat0).alias("next_category"), _prv(cat0).alias("prev_category")
    )
    lines = _apply(lines, rules_of("context"), "ctx_rule")
    heading = pl.when(pl.col("head_rule").is_not_null()).then(pl.col("sec_rule"))
    lines = lines.with_columns(
        pl.coalesce(heading, "line_rule", "sec_rule", "ctx_rule").alias("hard_rule")
    )
    lines = _block_flags(_article_block(lines))

    lines = lines.with_columns(
        metadata.norm(pl.col("title")).alias("given_title_norm"),
        pl.col("hard_rule").alias("removed_by"),
    )
    meta_docs, meta_lines = metadata.detect(
        lines.select("doc_id", "idx", "line", "n_words", "header", "given_title_norm",
                     "removed_by", "ends_sentence")
    )
    lines = lines.join(meta_lines, on=["doc_id", "idx"], how="left")

    weak_cat = _category("weak_rule")
    rule = pl.coalesce("meta_rule", "hard_rule",
                       pl.when(~pl.col("in_block")).then(pl.lit("article_block")))
    category = (
        pl.when(rule == "article_block").then(weak_cat.fill_null("off_article"))
        .otherwise(rule.replace_strict(rule_categories(), default=None, return_dtype=pl.String))
    )
    lines = lines.with_columns(rule.alias("rule"), category.alias("category"))
    return _results(docs, lines, meta_docs)


def _results(docs: pl.DataFrame, lines: pl.DataFrame, meta_docs: pl.DataFrame) -> CleanResult:
    kept = lines.filter(pl.col("rule").is_null())
    bodies = kept.group_by("d").agg(pl.col("line").str.join("\n\n").alias("body"))
    documents = (
        docs.select("d", "doc_id")
        .join(bodies, on="d", how="left")
        .join(meta_docs, on="doc_id", how="left")
        .sort("d")
        .select(
            "doc_id",
            pl.col("body").fill_null("").alias("text"),
            pl.col("title").cast(pl.String),
            pl.col("published").cast(pl.Date),
            pl.col("site").cast(pl.String),
        )
    )
    removed = lines.filter(pl.col("rule").is_not_null()).select(
        "doc_id", "line_no", pl.col("line").alias("text"), "category", "rule"
    )
    counts = dict(removed.group_by("category").len().iter_rows())
    stats = {
        "lines_in": lines.height,
        "lines_kept": kept.height,
        "lines_removed": removed.height,
    } | {f"removed.{c}": int(counts.get(c, 0)) for c in CATEGORIES}
    return CleanResult(documents=documents.cast(_OUT_DOCS),
                       removed=removed.cast(_OUT_REMOVED), stats=stats)


def clean_text(text: str, kind: str = "text", title: str | None = None) -> CleanResult:
    """One-document convenience wrapper (doc_id "doc")."""
    frame = pl.DataFrame(
        {"doc_id": ["doc"], "text": [text], "kind": [kind], "site_key": [None], "title": [title]},
        schema=_DOC_SCHEMA,
    )
    return clean_documents(frame)
