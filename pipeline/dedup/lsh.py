"""LSH banding as a relational equi-join on (band, bucket), so any engine can run it.

A document's signature is cut into bands of `rows` slots; each band is hashed to one uint64
"bucket". Two documents are candidates when they share a bucket in the same band. Expressed as a
long table (key, band, bucket) joined with itself, the step is the same in Polars here and in
DuckDB or Spark over the stored index (the index keeps each document's band hashes).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import polars as pl

from pipeline.dedup.shingles import _GOLDEN, mix64


def band_hashes(sig: np.ndarray, bands: int, rows: int) -> np.ndarray:
    """(n, bands) uint64: band b hashes signature slots [b*rows, (b+1)*rows)."""
    n = sig.shape[0]
    cut = sig[:, : bands * rows].reshape(n, bands, rows).astype(np.uint64)
    # Start from a per-band salt so equal slot values in different bands give different buckets
    # (a bucket value alone then identifies its band, which makes the first filter one column).
    acc = np.broadcast_to(mix64(np.arange(1, bands + 1, dtype=np.uint64) * _GOLDEN), (n, bands))
    for j in range(rows):
        salt = np.uint64(((j + 1) * int(_GOLDEN)) & 0xFFFFFFFFFFFFFFFF)
        acc = mix64(acc ^ (cut[:, :, j] + salt))
    return acc


def band_table(keys: np.ndarray, bands: np.ndarray, is_new: np.ndarray) -> pl.DataFrame:
    """Long form (key, band, bucket, is_new): one row per key and band."""
    n, b = bands.shape
    return pl.DataFrame(
        {
            "key": np.repeat(keys.astype(np.int64), b),
            "band": np.tile(np.arange(b, dtype=np.int16), n),
            "bucket": bands.reshape(-1),
            "is_new": np.repeat(is_new.astype(bool), b),
        }
    )


# A mapper runs a function over a list of inputs somewhere (worker processes, Ray tasks) and
# returns the results in order: `mapper(fn, items) == [fn(x) for x in items]`.
Mapper = Callable[[Callable, list], list]


def candidate_pairs_partitioned(table: pl.DataFrame, mapper: Mapper | None = None,
                                parts: int = 16) -> tuple[pl.DataFrame, int]:
    """`candidate_pairs`, the join cut into `parts` partitions by bucket (two rows can only
    meet in the bucket they share, so the union of the partitions' pairs is exact) and run by
    `mapper` (e.g. one Ray task a partition: no process holds the whole join). Without a mapper,
    one join in this process."""
    if mapper is None or table.height == 0:
        return candidate_pairs(table)
    cut = table.with_columns((pl.col("bucket") % parts).alias("_p")).partition_by(
        "_p", include_key=False, maintain_order=True)
    results = mapper(candidate_pairs, cut)
    pairs = pl.concat([r[0] for r in results]).unique().sort("a", "b")
    return pairs, max(r[1] for r in results)


def candidate_pairs(table: pl.DataFrame) -> tuple[pl.DataFrame, int]:
    """Pairs (a < b) sharing a bucket in any band, with at least one new key; and the largest
    bucket size (a quadratic join is only as large as its buckets)."""
    on = ["band", "bucket"]
    shared = table.filter(pl.col("bucket").is_duplicated())
    shared = shared.filter(pl.col("is_new").any().over(on) & (pl.len().over(on) > 1))
    if shared.is_empty():
        return pl.DataFrame(schema={"a": pl.Int64, "b": pl.Int64}), int(table.height > 0)
    largest = int(shared.group_by(on).len()["len"].max())
    left = shared.lazy().select(*on, pl.col("key").alias("a"), pl.col("is_new").alias("new_a"))
    right = shared.lazy().select(*on, pl.col("key").alias("b"), pl.col("is_new").alias("new_b"))
    pairs = (
        left.join(right, on=on)
        .filter((pl.col("a") < pl.col("b")) & (pl.col("new_a") | pl.col("new_b")))
        .select("a", "b")
        .unique()
        .sort("a", "b")
        .collect()
    )
    return pairs, largest
