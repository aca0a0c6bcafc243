"""The step contract: what every step returns and how its counts are keyed.

A step returns what it kept (frames), what it rejected (rows of `schema.REJECTED`, each with a
reason from `pipeline.reasons`) and `stats`: counts under the base keys `in`, `out`, `dropped`
and `dropped.<reason>` (so `in == out + dropped` and the keys add up across chunks with
`sum_stats`), plus counts of its own. The base keys make the steps' metadata read alike in the
UI and let the run's summary add them without knowing each step.
"""

from __future__ import annotations

import polars as pl


def counts_by(df: pl.DataFrame, col: str, prefix: str) -> dict[str, int]:
    if df.is_empty():
        return {}
    rows = df.group_by(col).len().sort(col).iter_rows()
    return {f"{prefix}.{k}": int(n) for k, n in rows}



def sum_stats(parts: list[dict]) -> dict[str, int]:
    """Counters of several batches added up (non-numbers skipped)."""
    out: dict[str, int] = {}
    for d in parts:
        for k, v in d.items():
            if isinstance(v, (int, float)) and not isinstance(v, bool):
                out[k] = out.get(k, 0) + v
    return out



def base_stats(n_in: int, n_out: int, rejected: pl.DataFrame) -> dict[str, int]:
    """The keys every step reports: in, out, dropped, dropped.<reason>."""
    return {"in": n_in, "out": n_out, "dropped": rejected.height,
            **counts_by(rejected, "reason", "dropped")}
