"""Texts -> per-document facts the index stores: exact-text key, word and shingle counts,
MinHash signature and LSH band hashes. Batched, so peak memory follows the batch, not the corpus.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
import polars as pl

from pipeline.dedup.lsh import band_hashes
from pipeline.dedup.minhash import lead, signatures
from pipeline.dedup.settings import DedupSettings
from pipeline.dedup.shingles import shingle, tokenize


@dataclass
class Signed:
    """Facts of n documents, row i for document i."""

    text_key: list[str]  # "" for a text without words
    n_words: np.ndarray  # int64
    n_shingles: np.ndarray  # int64
    signature: np.ndarray  # (n, num_perm) uint32
    bands: np.ndarray  # (n, bands + lead_bands + anchors) uint64

    def take(self, rows: np.ndarray) -> Signed:
        """The facts of `rows` (a boolean mask or positions), in that order."""
        idx = np.flatnonzero(rows) if rows.dtype == bool else rows
        return Signed([self.text_key[i] for i in idx.tolist()], self.n_words[idx],
                      self.n_shingles[idx], self.signature[idx], self.bands[idx])

    @staticmethod
    def concat(parts: list[Signed], settings: DedupSettings) -> Signed:
        """Parts stacked in order (an empty list: no documents)."""
        if not parts:
            return Signed([], np.zeros(0, np.int64), np.zeros(0, np.int64),
                          np.empty((0, settings.num_perm), np.uint32),
                          np.empty((0, settings.n_band_columns), np.uint64))
        return Signed([k for p in parts for k in p.text_key],
                      np.concatenate([p.n_words for p in parts]),
                      np.concatenate([p.n_shingles for p in parts]),
                      np.concatenate([p.signature for p in parts]),
                      np.concatenate([p.bands for p in parts]))


def containment_bands(sig: np.ndarray, settings: DedupSettings) -> np.ndarray:
    """(n, anchors) uint64: the containment bands, which follow from the whole-body signature
    alone (settings.anchors; none when 0)."""
    return band_hashes(sig, settings.anchors, settings.anchor_rows)


def sign_texts(texts: pl.Series, settings: DedupSettings) -> Signed:
    """Sign one batch of clean bodies."""
    s = settings
    tokens, counts = tokenize(texts, s.seed)
    sh = shingle(tokens, counts, s.shingle_size, s.seed)
    sig = signatures(sh.hashes, sh.counts, s.num_perm, s.seed)
    lead_hashes, lead_counts = lead(sh.hashes, sh.counts, s.lead_shingles)
    lead_sig = signatures(lead_hashes, lead_counts, s.lead_num_perm, s.seed + 1)
    bands = np.concatenate(
        [band_hashes(sig, s.bands, s.rows), band_hashes(lead_sig, s.lead_bands, s.lead_rows),
         containment_bands(sig, s)],
        axis=1,
    )
    keys = sh.text_keys()
    for i in np.flatnonzero(sh.n_words == 0).tolist():
        keys[i] = ""
    return Signed(keys, sh.n_words, sh.counts, sig, bands)


def sign_batches(
    batches: Iterable[pl.Series], settings: DedupSettings, n: int, threads: int = 1
) -> Signed:
    """Sign batch after batch (n documents in all), `threads` batches at a time, into arrays
    allocated once: only the compact per-document facts are kept. Threads, not processes:
    Polars, NumPy and rensa release the GIL for the heavy parts and nothing is pickled; the
    result does not depend on the thread count or batch size."""
    out = Signed(
        [""] * n,
        np.zeros(n, np.int64),
        np.zeros(n, np.int64),
        np.empty((n, settings.num_perm), np.uint32),
        np.empty((n, settings.n_band_columns), np.uint64),
    )
    filled = 0

    def put(part: Signed) -> None:
        nonlocal filled
        e = filled + len(part.text_key)
        out.text_key[filled:e] = part.text_key
        out.n_words[filled:e] = part.n_words
        out.n_shingles[filled:e] = part.n_shingles
        out.signature[filled:e] = part.signature
        out.bands[filled:e] = part.bands
        filled = e

    with ThreadPoolExecutor(max(1, threads)) as pool:
        pending: deque[Future[Signed]] = deque()
        for b in batches:
            pending.append(pool.submit(sign_texts, b, settings))
            if len(pending) > threads:
                put(pending.popleft().result())
        for f in pending:
            put(f.result())
    if filled != n:
        raise RuntimeError(f"signed {filled} documents, expected {n}")
    return out
