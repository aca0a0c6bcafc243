"""Verification of candidate pairs from their signatures: estimated Jaccard and containment.

Every LSH candidate is checked, because a shared bucket only means that some slots agree. The
estimated Jaccard is the share of equal signature slots. Containment of the smaller document in
the larger follows from Jaccard and the two shingle counts: |A n B| = J (|A| + |B|) / (1 + J),
divided by min(|A|, |B|). A copy cut short by a paywall has a low Jaccard with its original but a
containment near 1; two articles of one site that share a template paragraph have both low.
"""

from __future__ import annotations

from typing import Protocol

import numpy as np

from pipeline.dedup.settings import DedupSettings

NEAR, CONTAINMENT, EXACT = "near", "containment", "exact_text"


class SupportsRows(Protocol):
    """A 2-D signature array, or anything that returns its rows for an index array."""

    def __getitem__(self, rows: np.ndarray, /) -> np.ndarray: ...
_CHUNK = 65_536


def jaccard(sig: SupportsRows, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Estimated Jaccard of rows a[i] and b[i] of `sig` (share of equal slots), in chunks."""
    out = np.empty(len(a), dtype=np.float64)
    for s in range(0, len(a), _CHUNK):
        e = s + _CHUNK
        out[s:e] = (sig[a[s:e]] == sig[b[s:e]]).mean(axis=1)
    return out


def containment(j: np.ndarray, n_a: np.ndarray, n_b: np.ndarray) -> np.ndarray:
    """Estimated share of the smaller set inside the larger, from Jaccard and set sizes."""
    small = np.minimum(n_a, n_b).astype(np.float64)
    total = (n_a + n_b).astype(np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        c = np.where(small > 0, j / (1.0 + j) * total / np.maximum(small, 1.0), 0.0)
    return np.minimum(c, 1.0)


def decide(
    j: np.ndarray, n_a: np.ndarray, n_b: np.ndarray, settings: DedupSettings
) -> tuple[np.ndarray, np.ndarray]:
    """(method, similarity) per pair: "near" with Jaccard, "containment" with containment, or
    None with the Jaccard when the pair is not a duplicate."""
    c = containment(j, n_a, n_b)
    small = np.minimum(n_a, n_b)
    large = np.maximum(np.maximum(n_a, n_b), 1)
    near = (j >= settings.jaccard_threshold) & (small > 0)
    cont = (
        ~near
        & (c >= settings.containment_threshold)
        & (small >= settings.min_containment_shingles)
        & (small / large >= settings.min_containment_ratio)
    )
    method = np.full(len(j), None, dtype=object)
    method[near] = NEAR
    method[cont] = CONTAINMENT
    sim = np.where(cont, c, j)
    return method, sim
