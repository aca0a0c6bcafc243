"""MinHash signatures of flat shingle-hash buffers, computed by rensa's R-MinHash in one call.

Chosen by measurement (bench/bench_dedup.py prints it): rensa's batch call over a flat uint64
buffer signs 10k documents of ~600 words in ~0.05 s (+0.15 s to copy the rows out), where NumPy
universal hashing (a*x+b per permutation over every shingle) takes seconds for the same batch.
rensa 0.5 changed its algorithm (R-MinHash algorithm version 2): the version is part of the
index scheme so signatures of different versions are never compared.
"""

from __future__ import annotations

from importlib.metadata import version

import numpy as np
import rensa

from pipeline.dedup.shingles import offsets

EMPTY_SLOT = np.uint32(0xFFFFFFFF)  # the value of every slot of an empty set's signature


def minhash_version() -> str:
    """The MinHash implementation and algorithm version that produced stored signatures."""
    return f"rensa={version('rensa')}/rmh{rensa.RMinHash.ALGORITHM_VERSION}"


def signatures(hashes: np.ndarray, counts: np.ndarray, num_perm: int, seed: int) -> np.ndarray:
    """One R-MinHash signature (row of uint32) per document; an empty document gets all-max."""
    n = len(counts)
    if n == 0:
        return np.empty((0, num_perm), dtype=np.uint32)
    offs = offsets(counts).astype(np.uint64)
    flat = np.ascontiguousarray(hashes, dtype=np.uint64)
    matrix = rensa.RMinHash.digest_matrix_from_flat_token_hashes(flat, offs, num_perm, seed)
    return np.asarray(matrix.to_rows(), dtype=np.uint32).reshape(n, num_perm)


def lead(hashes: np.ndarray, counts: np.ndarray, m: int) -> tuple[np.ndarray, np.ndarray]:
    """The first `m` shingle hashes of every document (fewer if it has fewer), flat again."""
    offs = offsets(counts)
    take = np.minimum(counts, m)
    idx = np.repeat(offs[:-1], take) + (
        np.arange(int(take.sum()), dtype=np.int64) - np.repeat(offsets(take)[:-1], take)
    )
    return hashes[idx], take
