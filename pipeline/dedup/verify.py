"""Verification of candidate pairs from their signatures: estimated Jaccard and containment.

Every LSH candidate is checked, because a shared bucket only means that some slots agree. The
estimated Jaccard is the share of equal signature slots. Containment of the smaller document in
the larger follows from Jaccard and the two shingle counts: |A n B| = J (|A| + |B|) / (1 + J),
divided by min(|A|, |B|). A copy cut short by a paywall has a low Jaccard with its original but a
containment near 1; two articles of one site that share a template paragraph have both low.

A pair that begins alike (half its lead bands equal: the same first shingles) is judged by the
lower `lead_*` thresholds: a re-scrape, an edit or a copy cut short begins like its original,
while pages that share only what their cleaning left of a template begin with their own
articles (settings.py has the measurements).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

import numpy as np

from pipeline.dedup.settings import DedupSettings

NEAR, CONTAINMENT, EXACT = "near", "containment", "exact_text"


class SupportsRows(Protocol):
    """A 2-D per-document array (signatures, lead band hashes), or anything that returns its
    rows for an index array."""

    def __getitem__(self, rows: np.ndarray, /) -> np.ndarray: ...
_CHUNK = 65_536


def _per_pair(rows: SupportsRows, a: np.ndarray, b: np.ndarray, dtype: type,
              reduce: Callable[[np.ndarray], np.ndarray]) -> np.ndarray:
    """reduce(rows[a[i]] == rows[b[i]]) per pair, in chunks (bounded memory)."""
    out = np.empty(len(a), dtype=dtype)
    for s in range(0, len(a), _CHUNK):
        e = s + _CHUNK
        out[s:e] = reduce(rows[a[s:e]] == rows[b[s:e]])
    return out


def same_lead(lead: SupportsRows, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Whether rows a[i] and b[i] of the lead band hashes agree in at least half their bands."""
    return _per_pair(lead, a, b, np.bool_, lambda eq: eq.sum(axis=1) * 2 >= eq.shape[1])


def slot_counts(sig: SupportsRows, a: np.ndarray, b: np.ndarray
                ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per pair, in one pass over the two signature rows: (slots equal, slots where row a[i]
    is below row b[i], slots where b[i]'s is below a[i]'s)."""
    out = np.empty((len(a), 3), dtype=np.int64)
    for s in range(0, len(a), _CHUNK):
        e = s + _CHUNK
        x, y = sig[a[s:e]], sig[b[s:e]]
        out[s:e, 0] = (x == y).sum(axis=1)
        out[s:e, 1] = (x < y).sum(axis=1)
        out[s:e, 2] = (y < x).sum(axis=1)
    return out[:, 0], out[:, 1], out[:, 2]


def order_containment(below_a: np.ndarray, below_b: np.ndarray, n_a: np.ndarray,
                      n_b: np.ndarray, num_perm: int) -> np.ndarray:
    """Estimated share of the smaller set inside the larger, from the slots where the smaller's
    minimum is below the larger's (`slot_counts`) and the set sizes.

    A slot's minimum over A u B lies in A \\ B exactly when A's minimum is below B's, so the
    share p of such slots estimates |A \\ B| / |A u B|, and |A \\ B| = p |B| / (1 - p): a set
    wholly inside the other is below it in no slot. Where the smaller is a small share of the
    larger, this reads every slot, while containment through Jaccard (`containment`) rests on
    the few equal ones (a copy cut at a fifth of a long page, true Jaccard 0.22: 28 equal
    slots expected, 15 read, containment 0.6 and the copy missed; it is below its original in
    no slot)."""
    below = np.where(n_a < n_b, below_a,
                     np.where(n_b < n_a, below_b, np.minimum(below_a, below_b)))
    small = np.minimum(n_a, n_b).astype(np.float64)
    large = np.maximum(n_a, n_b).astype(np.float64)
    p = below.astype(np.float64) / num_perm
    with np.errstate(divide="ignore", invalid="ignore"):
        c = np.where((small > 0) & (p < 1.0),
                     1.0 - p / (1.0 - p) * large / np.maximum(small, 1.0), 0.0)
    return np.clip(c, 0.0, 1.0)


def containment(j: np.ndarray, n_a: np.ndarray, n_b: np.ndarray) -> np.ndarray:
    """Estimated share of the smaller set inside the larger, from Jaccard and set sizes."""
    small = np.minimum(n_a, n_b).astype(np.float64)
    total = (n_a + n_b).astype(np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        c = np.where(small > 0, j / (1.0 + j) * total / np.maximum(small, 1.0), 0.0)
    return np.minimum(c, 1.0)


def decide(
    j: np.ndarray, n_a: np.ndarray, n_b: np.ndarray, settings: DedupSettings, alike: np.ndarray,
    c_order: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """(method, similarity) per pair: "near" with Jaccard, "containment" with containment, or
    None with the Jaccard when the pair is not a duplicate. `alike`: per pair, whether the two
    begin alike (`same_lead`); those pairs are judged by the lead thresholds. `c_order`: per
    pair, `order_containment`, the containment where it reaches
    `strict_containment_threshold` (the smaller below the larger in (nearly) no slot) and is
    the larger of the two estimates."""
    s = settings
    small = np.minimum(n_a, n_b)
    large = np.maximum(np.maximum(n_a, n_b), 1)
    # The order estimate counts only with as many equal slots as a set inside the other has
    # (a share small / large of them): shingle counts include repeats, so a text that repeats
    # a few of the larger's sentences (one teaser printed 40 times: 15 distinct shingles
    # counted as 596) is below it in almost no slot, yet equal in one or two of ~120 expected.
    strict = ((c_order >= s.strict_containment_threshold)
              & (j * large >= s.strict_containment_min_equal * small))
    c = containment(j, n_a, n_b)
    c = np.where(strict, np.maximum(c, c_order), c)
    j_min = np.where(alike, s.lead_jaccard_threshold, s.jaccard_threshold)
    c_min = np.where(alike, s.lead_containment_threshold, s.containment_threshold)
    near = (j >= j_min) & (small > 0)
    cont = (
        ~near
        & (c >= c_min)
        & (small >= s.min_containment_shingles)
        & (small / large >= np.where(alike, s.lead_min_containment_ratio, s.min_containment_ratio))
    )
    method = np.full(len(j), None, dtype=object)
    method[near] = NEAR
    method[cont] = CONTAINMENT
    sim = np.where(cont, c, j)
    return method, sim
