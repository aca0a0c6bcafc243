"""Core step helpers: site-whole cleaning batches, plausible dates."""

from __future__ import annotations

from datetime import date

import polars as pl

from pipeline.steps import plausible_date, site_batches


def test_site_batches_keep_sites_whole_and_are_deterministic():
    sites = ["a.test"] * 7 + ["b.test"] * 5 + [None] * 9 + ["c.test"] * 3
    docs = pl.DataFrame({"doc_id": [f"d{i:02d}" for i in range(len(sites))], "site_key": sites})
    batches = site_batches(docs, batch_docs=6)
    assert sum(b.height for b in batches) == docs.height
    for site in ("a.test", "b.test", "c.test"):
        assert sum(1 for b in batches if site in b["site_key"].to_list()) == 1
    again = site_batches(docs.sample(fraction=1.0, shuffle=True, seed=3), batch_docs=6)
    assert [b["doc_id"].to_list() for b in again] == [b["doc_id"].to_list() for b in batches]
    assert site_batches(docs, batch_docs=100)[0].equals(docs)


def test_plausible_date_drops_future_and_ancient_dates():
    df = pl.DataFrame({"d": [date(2026, 12, 1), date(2025, 4, 16), date(1970, 1, 1), None]})
    got = df.select(plausible_date(pl.col("d"), today=date(2026, 11, 21)))["d"].to_list()
    assert got == [None, date(2025, 4, 16), None, None]
