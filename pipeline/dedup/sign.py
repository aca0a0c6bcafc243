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
    bands: np.ndarray  # (n, bands + lead_bands) uint64

    @staticmethod
    def empty(settings: DedupSettings) -> Signed:
        return Signed(
            [],
            np.empty(0, np.int64),
            np.empty(0, np.int64),
            np.empty((0, settings.num_perm), np.uint32),
            np.empty((0, settings.n_band_columns), np.uint64),
        )

    @staticmethod
    def concat(parts: list[Signed], settings: DedupSettings) -> Signed:
        if not parts:
            return Signed.empty(settings)
        if len(parts) == 1:
            return parts[0]
        return Signed(
            [k for p in parts for k in p.text_key],
            np.concatenate([p.n_words for p in parts]),
            np.concatenate([p.n_shingles for p in parts]),
            np.concatenate([p.signature for p in parts]),
            np.concatenate([p.bands for p in parts]),
        )


def sign_texts(texts: pl.Series, settings: DedupSettings) -> Signed:
    """Sign one batch of clean bodies."""
    s = settings
    tokens, counts = tokenize(texts, s.seed)
    sh = shingle(tokens, counts, s.shingle_size, s.seed)
    sig = signatures(sh.hashes, sh.counts, s.num_perm, s.seed)
    lead_hashes, lead_counts = lead(sh.hashes, sh.counts, s.lead_shingles)
    lead_sig = signatures(lead_hashes, lead_counts, s.lead_num_perm, s.seed + 1)
    bands = np.concatenate(
        [band_hashes(sig, s.bands, s.rows), band_hashes(lead_sig, s.lead_bands, s.lead_rows)],
        axis=1,
    )
    keys = sh.text_keys()
    for i in np.flatnonzero(sh.n_words == 0).tolist():
        keys[i] = ""
    return Signed(keys, sh.n_words, sh.counts, sig, bands)


def sign_batches(batches: Iterable[pl.Series], settings: DedupSettings, threads: int = 1) -> Signed:
    """Sign batch after batch, `threads` batches at a time; only the compact per-document facts
    are kept. Threads, not processes: Polars, NumPy and rensa release the GIL for the heavy
    parts, and nothing is pickled; the result does not depend on the thread count."""
    if threads <= 1:
        return Signed.concat([sign_texts(b, settings) for b in batches], settings)
    out: list[Signed] = []
    with ThreadPoolExecutor(threads) as pool:
        pending: deque[Future[Signed]] = deque()
        for b in batches:
            pending.append(pool.submit(sign_texts, b, settings))
            if len(pending) > threads:
                out.append(pending.popleft().result())
        out += [f.result() for f in pending]
    return Signed.concat(out, settings)
