"""Per-document window operations on a lines frame sorted by document (column "d", dense ids).

`expr.over("d")` hashes the key for every call; on a frame that is already grouped and sorted by
document, the same results come from global scans plus a reset at each document start, which is
several times cheaper. Per-document values are broadcast back with a gather on "d".
"""

from __future__ import annotations

import polars as pl

D = pl.col("d")
FIRST = D.shift(1) != D  # the first line of each document (row 0: null -> treated as first)


def is_first() -> pl.Expr:
    return FIRST.fill_null(True)


def is_last() -> pl.Expr:
    """The last line of each document (of the frame it is evaluated on)."""
    return (D.shift(-1) != D).fill_null(True)


def nxt(expr: pl.Expr, k: int = 1) -> pl.Expr:
    """Value k lines later in the same document (null past its end)."""
    return pl.when(D.shift(-k) == D).then(expr.shift(-k))


def prv(expr: pl.Expr, k: int = 1) -> pl.Expr:
    """Value k lines earlier in the same document (null before its start)."""
    return pl.when(D.shift(k) == D).then(expr.shift(k))


def seg_cum_sum(expr: pl.Expr) -> pl.Expr:
    """Running sum restarting at each document (inclusive of the current line)."""
    total = expr.cum_sum()
    base = pl.when(is_first()).then(total - expr).forward_fill()
    return total - base


def seg_forward_fill(expr: pl.Expr) -> pl.Expr:
    """Forward fill that never carries a value into the next document."""
    src_doc = pl.when(expr.is_not_null()).then(D).forward_fill()
    return pl.when(src_doc == D).then(expr.forward_fill())


def seg_cum_min(expr: pl.Expr, bound: int = 10**10) -> pl.Expr:
    """Running minimum of an integer expression, restarting at each document (|values| must
    stay below bound/2). Each document is shifted `bound` lower than the one before, so the
    global running minimum can never look back into an earlier document (exact in Int64)."""
    shift = D.cast(pl.Int64) * bound
    return (expr.cast(pl.Int64) - shift).cum_min() + shift


def per_doc(values: pl.Series) -> pl.Expr:
    """Broadcast a per-document series (index = d) to the lines."""
    return pl.lit(values).gather(D)


def per_doc_total(expr: pl.Expr) -> pl.Expr:
    """Sum over the whole document, on every line of it (running sum read at the last line)."""
    return backward_fill_doc(pl.when(is_last()).then(seg_cum_sum(expr)))


def backward_fill_doc(expr: pl.Expr) -> pl.Expr:
    """Backward fill that never carries a value into the previous document."""
    src_doc = pl.when(expr.is_not_null()).then(D).backward_fill()
    return pl.when(src_doc == D).then(expr.backward_fill())


def scatter(n: int, rid: pl.Series, values: pl.Series, fill: object = None) -> pl.Series:
    """Full-length column from values at row ids (cheaper than joining back the wide frame)."""
    base = pl.repeat(fill, n, dtype=values.dtype, eager=True)  # (a Python list: 2x slower)
    return base.alias(values.name).scatter(rid, values)
