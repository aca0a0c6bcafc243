"""Matching the catalogue's rules against a lines frame, fast.

- phrase patterns are written in lowercase and run on the lowercased line (no `(?i)`: case
  folding enlarges the automata); `\\b` and `\\w` are made ASCII (Unicode ones push Rust's regex
  off its DFA on non-ASCII text, 20-50x slower);
- rules anchored at the line start are merged into one regex per (column, length tier): a union
  of anchored patterns stays a small DFA, so one scan replaces many; only the lines it hits are
  re-tested rule by rule to name the rule. Unanchored rules run one by one (their union blows up
  the DFA: measured 5x slower than separate scans);
- every independent scan goes into one `with_columns`, which Polars runs in parallel.
"""

from __future__ import annotations

import re
from functools import lru_cache

import polars as pl

from . import rules
from . import windows as W
from .rules import Rule


@lru_cache(maxsize=4096)
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
    # Long counted repeats ({0,40}) compile into big automata; the rules' max_words already
    # bound the line, so an open repeat matches the same lines in practice.
    joined = "".join(out)
    joined = re.sub(r"\{0,\d{2,}\}", "*", joined)
    return re.sub(r"\{1,\d{2,}\}", "+", joined)


_TIERS = (16, 45, None)  # anchored rules merge per max_words tier (short-line rules skip prose)


def _tier_of(rule: Rule) -> int | None:
    if rule.max_words is None:
        return None
    return next(t for t in _TIERS if t is None or rule.max_words <= t)


def lowercase(lines: pl.DataFrame) -> pl.DataFrame:
    """The lowercased line: phrase patterns are written in lowercase, so no (?i) is needed (case
    folding enlarges the regex automata)."""
    return lines.with_columns(pl.col("line").str.to_lowercase().alias("_low_all"))


def _text_col(rule: Rule) -> str:
    return "line" if rule.case else "_low_all"


def _hit_expr(rule: Rule) -> pl.Expr:
    """Boolean: does `rule` hit the line (pattern on the line or its lowercase, or predicate)."""
    if rule.predicate is not None:
        hit = rule.predicate()
    else:
        col = pl.col(_text_col(rule))
        hit = col.str.contains(fast_regex(rule.pattern or "")).fill_null(False)
    if rule.max_words is not None:
        hit = hit & (pl.col("n_words") <= rule.max_words)
    return hit


@lru_cache(maxsize=4096)
def _top_alternatives(pattern: str) -> tuple[str, ...]:
    """Split a regex on its top-level `|` (outside groups and classes)."""
    out: list[str] = []
    cur: list[str] = []
    depth, in_class, i = 0, False, 0
    while i < len(pattern):
        c = pattern[i]
        if c == "\\":
            cur.append(pattern[i : i + 2])
            i += 2
            continue
        if in_class:
            in_class = c != "]"
        elif c == "[":
            in_class = True
        elif c == "(":
            depth += 1
        elif c == ")":
            depth -= 1
        elif c == "|" and depth == 0:
            out.append("".join(cur))
            cur = []
            i += 1
            continue
        cur.append(c)
        i += 1
    out.append("".join(cur))
    return tuple(out)


def _merge_key(rule: Rule) -> tuple[str, int | None] | None:
    """Rules whose every alternative is anchored at the line start share one merged regex per
    (text column, length tier): a union of anchored patterns stays a small DFA, so one scan
    replaces many. Unanchored phrase rules stay separate (their union explodes the DFA)."""
    if rule.pattern is None:
        return None
    if not all(alt.startswith("^") for alt in _top_alternatives(rule.pattern)):
        return None
    return (_text_col(rule), _tier_of(rule))


def _merged_hits(
    lines: pl.DataFrame, group: list[tuple[int, Rule]], col: str, tier: int | None
) -> pl.Series:
    """Full-length column: catalogue index of the first rule of `group` hitting each line (null
    if none). Only the lines the merged regex hits are re-tested rule by rule."""
    merged = "|".join(f"(?:{fast_regex(r.pattern or '')})" for _, r in group)
    sub = lines.select("rid", "n_words", col)
    if tier is not None:
        sub = sub.filter(pl.col("n_words") <= tier)
    sub = sub.filter(pl.col(col).str.contains(merged))
    first = pl.min_horizontal([pl.when(_hit_expr(r)).then(pl.lit(k, pl.UInt16)) for k, r in group])
    sub = sub.select("rid", first.alias("k"))
    return W.scatter(lines.height, sub["rid"], sub["k"])


def _short_hits(lines: pl.DataFrame, group: list[tuple[int, Rule]], limit: int) -> pl.Series:
    """Like `_merged_hits` for unanchored rules of one length limit: their regexes run only on
    the lines short enough for them (long prose lines hold most of the bytes)."""
    need = {"rid", "n_words"} | {_text_col(r) for _, r in group}
    sub = lines.select([c for c in lines.columns if c in need]).filter(pl.col("n_words") <= limit)
    first = pl.min_horizontal([pl.when(_hit_expr(r)).then(pl.lit(k, pl.UInt16)) for k, r in group])
    sub = sub.select("rid", first.alias("k")).filter(pl.col("k").is_not_null())
    return W.scatter(lines.height, sub["rid"], sub["k"])


def apply_rules(lines: pl.DataFrame, rule_sets: dict[str, list[Rule]]) -> pl.DataFrame:
    """For each output column, the name of the first catalogue rule of its set hitting the line.

    Every independent hit test of every set goes into one `with_columns`, so Polars runs the
    regexes in parallel; each test yields the rule's index (or null) and the smallest index wins,
    so catalogue order decides between rules that both hit."""
    cols: list[pl.Expr | pl.Series] = []
    parts: dict[str, list[str]] = {}
    for out, rule_list in rule_sets.items():
        groups: dict[tuple[str, int | None], list[tuple[int, Rule]]] = {}
        names = parts.setdefault(out, [])
        short: dict[int, list[tuple[int, Rule]]] = {}
        for k, r in enumerate(rule_list):
            key = _merge_key(r)
            if key is not None:
                groups.setdefault(key, []).append((k, r))
            elif r.predicate is None and r.max_words is not None:
                short.setdefault(r.max_words, []).append((k, r))
            else:
                names.append(f"_{out}_hit{k}")
                cols.append(pl.when(_hit_expr(r)).then(pl.lit(k, pl.UInt16)).alias(names[-1]))
        for j, (key, g) in enumerate(groups.items()):
            names.append(f"_{out}_grp{j}")
            cols.append(_merged_hits(lines, g, *key).alias(names[-1]))
        for j, (limit, g) in enumerate(short.items()):
            names.append(f"_{out}_short{j}")
            cols.append(_short_hits(lines, g, limit).alias(names[-1]))
    lines = lines.with_columns(cols)
    outs = []
    for out, rule_list in rule_sets.items():
        index = {k: r.name for k, r in enumerate(rule_list)}
        if not parts[out]:
            outs.append(pl.lit(None, pl.String).alias(out))
            continue
        first = pl.min_horizontal(parts[out])
        outs.append(first.replace_strict(index, default=None, return_dtype=pl.String).alias(out))
    return lines.with_columns(outs).drop([n for names in parts.values() for n in names])


META_RULES = {"title_repeat": "metadata", "dateline": "metadata"}  # rules of metadata.py


def rule_categories() -> dict[str, str]:
    """Rule name -> category, read from the catalogue at call time (so added rules count)."""
    return {r.name: r.category for r in rules.RULES} | META_RULES


def category(rule_col: str) -> pl.Expr:
    return pl.col(rule_col).replace_strict(
        rule_categories(), default=None, return_dtype=pl.String
    )


