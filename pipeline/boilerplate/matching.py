"""Matching the catalogue's rules against a lines frame, fast.

- a phrase rule's hit depends on the line's text alone, so phrase rules run once per distinct
  text of the batch (`engine._distinct_texts`: page templates repeat, a chunk of 4,000 real
  page scrapes has a fifth as many distinct texts as lines) and are gathered back;
- phrase patterns are written in lowercase and run on the lowercased line (no `(?i)`: case
  folding enlarges the automata); `\\b` and `\\w` are made ASCII (Unicode ones push Rust's regex
  off its DFA on non-ASCII text, 20-50x slower);
- rules anchored at the line start are merged into one regex per (column, length tier): a union
  of anchored patterns stays a small DFA, so one scan replaces many; only the lines it hits are
  re-tested rule by rule to name the rule; at most `MERGE_MAX_RULES` rules a union. Unanchored
  rules run one by one (their union blows up the DFA: measured 5x slower than separate scans;
  on a chunk's distinct texts still 2x), and a rule marked `split_scan` runs each of its
  top-level alternatives on its own (caption_credit_tail: 0.08 s a chunk instead of 5.6);
- a scan runs a pattern's fast form (`fast_regex`: long counted repeats opened), and the lines
  it hits are re-tested with the pattern as written (`exact_regex`), so a rule takes exactly
  what the catalogue says;
- every independent scan goes into one `with_columns`, which Polars runs in parallel.

Measured and not taken (issue 21, on the distinct texts of a chunk of real pages): one
Aho-Corasick pass over the literals every unanchored rule needs (Polars `contains_any` /
`extract_many`, 116 literals: 124 / 178 ms) costs more than all those rules' regexes (~120 ms:
the regex crate already skips ahead on each rule's literals); a literal prefilter per rule gains
nothing for the same reason. Hyperscan (one scan for many patterns) is called per line from
Python (~0.6 us a call: 79 ms for 9 rules on 125k texts) and matches `\b` only in ASCII mode,
where `\s`, `\W` and `\d` are ASCII too: not the same matches as the regex crate's Unicode
classes on non-ASCII lines.
"""

from __future__ import annotations

import re
from functools import lru_cache

import polars as pl

from . import rules
from . import windows as W
from .rules import Rule


@lru_cache(maxsize=4096)
def exact_regex(pattern: str) -> str:
    """`pattern` with ASCII word classes and boundaries: Unicode `\\b` and `\\w{1,30}` push the
    regex engine off its DFA (20-50x slower on non-ASCII text); boilerplate phrases are matched
    on ASCII words. Its counted repeats stay: what the catalogue's pattern says, exactly."""
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


@lru_cache(maxsize=4096)
def fast_regex(pattern: str) -> str:
    """`exact_regex` with its long counted repeats ({0,40}) opened (`*`, `+`): they compile into
    big automata, and this one scans every line. It matches a superset of the exact pattern's
    lines ("[\\w ]{0,30}" became "[\\w ]*": "Follow the plant spacing rules on the back of seed
    packs." matched share_buttons' "follow [\\w ]{0,30}"), so its hits are only candidates: the
    exact pattern re-tests them (`_named`), on the few lines the scan hit."""
    joined = exact_regex(pattern)
    joined = re.sub(r"\{0,\d{2,}\}", "*", joined)
    return re.sub(r"\{1,\d{2,}\}", "+", joined)


# Rules per merged regex: a union's lazy DFA grows faster than its parts (22 anchored rules in
# one regex: 50 ms on a chunk's distinct lines; in chunks of 8: 26 ms; of 4: 31 ms).
MERGE_MAX_RULES = 8

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


def _hit_expr(rule: Rule, exact: bool = False) -> pl.Expr:
    """Boolean: does `rule` hit the line (pattern on the line or its lowercase, or predicate)?
    `exact`: the pattern as written (`exact_regex`), for the few lines a scan already hit; else
    its fast superset (`fast_regex`)."""
    if rule.predicate is not None:
        hit = rule.predicate()
    else:
        col = pl.col(_text_col(rule))
        regex = exact_regex if exact else fast_regex
        hit = (col.str.contains(regex(rule.pattern or "")) if exact
               else _fast_scan(rule)).fill_null(False)
        if rule.unless is not None:  # (merged rules reach here only on their regex's hits)
            hit = hit & ~col.str.contains(regex(rule.unless)).fill_null(False)
    if rule.max_words is not None:
        hit = hit & (pl.col("n_words") <= rule.max_words)
    return hit


def _fast_scan(rule: Rule) -> pl.Expr:
    """Boolean: does the fast form of a pattern rule's regex (`fast_regex`) hit the line? One
    scan, or one per top-level alternative for a rule marked `split_scan` (its union blows up
    the regex DFA: see `Rule`)."""
    col, pattern = pl.col(_text_col(rule)), rule.pattern or ""
    if not rule.split_scan:
        return col.str.contains(fast_regex(pattern))
    return pl.any_horizontal([col.str.contains(fast_regex(alt))
                              for alt in _top_alternatives(pattern)])


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


_ROW = pl.int_range(pl.len(), dtype=pl.UInt32).alias("_r")  # row number, to scatter hits back


def _merged_hits(
    lines: pl.DataFrame, group: list[tuple[int, Rule]], col: str, tier: int | None
) -> pl.Series:
    """Full-length column: catalogue index of the first rule of `group` hitting each row (a line
    or a distinct text; null if none). Only the rows the merged regex hits are re-tested rule
    by rule."""
    merged = "|".join(f"(?:{fast_regex(r.pattern or '')})" for _, r in group)
    sub = lines.select(_ROW, "n_words", col)
    if tier is not None:
        sub = sub.filter(pl.col("n_words") <= tier)
    sub = sub.filter(pl.col(col).str.contains(merged))
    return _named(lines.height, sub, group)


def _named(n: int, sub: pl.DataFrame, group: list[tuple[int, Rule]]) -> pl.Series:
    """Full-length column (n rows): catalogue index of the first rule of `group` whose exact
    pattern (`exact_regex`) hits each row of `sub` (rows a fast scan hit: `_r`, their row)."""
    first = pl.min_horizontal([pl.when(_hit_expr(r, exact=True)).then(pl.lit(k, pl.UInt16))
                               for k, r in group])
    sub = sub.select("_r", first.alias("k")).filter(pl.col("k").is_not_null())
    return W.scatter(n, sub["_r"], sub["k"])


def _short_hits(lines: pl.DataFrame, group: list[tuple[int, Rule]], limit: int | None
                ) -> pl.Series:
    """Like `_merged_hits` for unanchored rules of one length limit (None: any length): their
    regexes run only on the lines short enough for them (long prose lines hold most of the
    bytes), each its own scan; the lines any of them hits are re-tested exactly."""
    need = {"n_words"} | {_text_col(r) for _, r in group}
    sub = lines.select(_ROW, *[c for c in lines.columns if c in need])
    if limit is not None:
        sub = sub.filter(pl.col("n_words") <= limit)
    scan = [_fast_scan(r) for _, r in group]
    return _named(lines.height, sub.filter(pl.any_horizontal(scan).fill_null(False)), group)


def _pattern_hits(frame: pl.DataFrame, rule_sets: dict[str, list[Rule]]
                  ) -> dict[str, list[pl.Expr | pl.Series]]:
    """Per output column, the hit tests of its phrase (pattern) rules over `frame`, each
    yielding the rule's catalogue index or null (merged and length-limited groups as above)."""
    cols: dict[str, list[pl.Expr | pl.Series]] = {}
    for out, rule_list in rule_sets.items():
        groups: dict[tuple[str, int | None], list[tuple[int, Rule]]] = {}
        short: dict[int | None, list[tuple[int, Rule]]] = {}
        found = cols.setdefault(out, [])
        for k, r in enumerate(rule_list):
            if r.predicate is not None:
                continue
            key = _merge_key(r)
            if key is not None:
                groups.setdefault(key, []).append((k, r))
            elif r.max_words is not None or r.split_scan or any(
                    fast_regex(p) != exact_regex(p) for p in (r.pattern or "", r.unless or "")):
                # (its fast scan's hits are re-tested exactly: `_short_hits`)
                short.setdefault(r.max_words, []).append((k, r))
            else:
                found.append(pl.when(_hit_expr(r)).then(pl.lit(k, pl.UInt16)))
        found += [_merged_hits(frame, g[i : i + MERGE_MAX_RULES], *key)
                  for key, g in groups.items() for i in range(0, len(g), MERGE_MAX_RULES)]
        found += [_short_hits(frame, g, limit) for limit, g in short.items()]
    return cols


def _first_rule(tests: list[pl.Expr] | list[str], rule_list: list[Rule]) -> pl.Expr:
    """Name of the rule with the smallest index among the hit tests (catalogue indices)."""
    if not tests:
        return pl.lit(None, pl.String)
    index = {k: r.name for k, r in enumerate(rule_list)}
    return pl.min_horizontal(tests).replace_strict(index, default=None, return_dtype=pl.String)


def apply_rules(lines: pl.DataFrame, rule_sets: dict[str, list[Rule]],
                texts: pl.DataFrame | None = None) -> pl.DataFrame:
    """For each output column, the name of the first catalogue rule of its set hitting the line.

    Each hit test yields the rule's index (or null) and the smallest index wins, so catalogue
    order decides between rules that both hit. A phrase rule's hit depends on the line's text
    alone: given `texts` (the batch's distinct line texts, with `_low_all` and `n_words`, and
    `lines["u"]` the row of each line's text there), phrase rules run once per distinct text and
    their first hit (its name, when the set has no predicate rule) is gathered back to the
    lines; predicate rules always run on `lines` (they may read neighbours and site counts).
    Every independent test of a frame goes into one `with_columns` (Polars runs them in
    parallel where it has threads)."""
    pattern = _pattern_hits(lines if texts is None else texts, rule_sets)
    tests: dict[str, list[str]] = {out: [] for out in rule_sets}
    named: set[str] = set()  # outputs already named per distinct text
    if texts is not None:
        per_text = []
        for out, rule_list in rule_sets.items():
            if not pattern[out]:
                continue
            if any(r.predicate is not None for r in rule_list):
                tests[out].append(f"_{out}_pat")
                per_text.append(pl.min_horizontal(pattern[out]).alias(tests[out][-1]))
            else:
                named.add(out)
                per_text.append(_first_rule(pattern[out], rule_list).alias(out))
        found = texts.select(per_text)
        lines = lines.with_columns(found[c].gather(lines["u"]) for c in found.columns)
        pattern = {out: [] for out in rule_sets}
    cols: list[pl.Expr | pl.Series] = []
    for out, rule_list in rule_sets.items():
        hits = pattern[out] + [pl.when(_hit_expr(r)).then(pl.lit(k, pl.UInt16))
                               for k, r in enumerate(rule_list) if r.predicate is not None]
        for j, hit in enumerate(hits):
            tests[out].append(f"_{out}_hit{j}")
            cols.append(hit.alias(tests[out][-1]))
    lines = lines.with_columns(cols)
    outs = [_first_rule(tests[out], rule_list).alias(out)
            for out, rule_list in rule_sets.items() if out not in named]
    return lines.with_columns(outs).drop([n for ns in tests.values() for n in ns])


META_RULES = {"title_repeat": "metadata", "dateline": "metadata"}  # rules of metadata.py


def rule_categories() -> dict[str, str]:
    """Rule name -> category, read from the catalogue at call time (so added rules count)."""
    return {r.name: r.category for r in rules.RULES} | META_RULES


def category(rule_col: str) -> pl.Expr:
    """The category of the rule named in `rule_col` (null for null or an unknown name).

    Through an Enum of the rule names and a gather of their categories: the same mapping as
    `replace_strict(rule_categories(), default=None)`, at half its cost on a lines frame."""
    cats = rule_categories()
    codes = pl.col(rule_col).cast(pl.Enum(list(cats)), strict=False).to_physical()
    return pl.lit(pl.Series(list(cats.values()), dtype=pl.String)).gather(codes).alias(rule_col)


