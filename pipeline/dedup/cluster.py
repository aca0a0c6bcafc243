"""Clusters = connected components of verified pairs; one representative per cluster.

Components depend only on the set of edges, never on the order documents arrive in, and the
representative is a total order over document facts (most words, then earliest published date,
then smallest doc_id). So cluster ids (the representative's doc_id) are the same for any input
order, batch size or worker count, and for an incremental run against an index as for a rebuild.
"""

from __future__ import annotations

import numpy as np
import polars as pl


def components(n: int, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Component label of each of n nodes (the smallest node index in it), by vectorised
    min-label hooking and pointer jumping."""
    label = np.arange(n, dtype=np.int64)
    if len(a) == 0:
        return label
    a = np.asarray(a, dtype=np.int64)
    b = np.asarray(b, dtype=np.int64)
    while True:
        la, lb = label[a], label[b]
        differ = la != lb
        if not differ.any():
            return label
        la, lb = la[differ], lb[differ]
        low = np.minimum(la, lb)
        np.minimum.at(label, la, low)
        np.minimum.at(label, lb, low)
        while True:
            jumped = label[label]
            if np.array_equal(jumped, label):
                break
            label = jumped


def representatives(members: pl.DataFrame) -> pl.DataFrame:
    """(component, rep_doc_id) from rows (component, doc_id, n_words, published): the most
    complete text, then the earliest published date (unknown last), then the smallest doc_id."""
    return (
        members.sort(
            ["component", "n_words", "published", "doc_id"],
            descending=[False, True, False, False],
            nulls_last=True,
        )
        .group_by("component", maintain_order=True)
        .agg(pl.col("doc_id").first().alias("rep_doc_id"))
    )
