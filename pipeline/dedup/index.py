"""The signature index stored with each published version, so the next batch is deduplicated
against the whole corpus without re-reading or re-hashing its texts.

One row per document ever seen, with what verification and the choice of representative need:
the signature (estimated Jaccard), the shingle count (containment), the word count, published
date and doc_id (representative), the exact-text key (exact duplicates), the band hashes (the LSH
join, runnable by another engine straight from the Parquet file) and the cluster id. `scheme`
names everything that decided the signatures (tokeniser hash, shingle size, rensa version, seed,
banding): an index with another scheme cannot be compared with new signatures and is refused,
except an index made with other containment bands (none: an earlier release's, they are on since
session 14; 16 x 2: session 14-17's, 32 x 2 since session 18): its stored signatures give the
current ones (`with_anchors`).
`cluster_params` names the thresholds: when they change, the stored pairs are re-clustered from
the index alone.
"""

from __future__ import annotations

import re

import numpy as np
import polars as pl

from pipeline.dedup.settings import DedupSettings
from pipeline.dedup.sign import containment_bands


def index_schema(settings: DedupSettings) -> dict[str, pl.DataType]:
    """Column names and dtypes of the index (Parquet-friendly: strings, ints, dates, arrays)."""
    return {
        "doc_id": pl.String(),
        "cluster_id": pl.String(),
        "text_key": pl.String(),
        "n_words": pl.UInt32(),
        "n_shingles": pl.UInt32(),
        "published": pl.Date(),
        "signature": pl.Array(pl.UInt32(), settings.num_perm),
        "bands": pl.Array(pl.UInt64(), settings.n_band_columns),
        "scheme": pl.String(),
        "cluster_params": pl.String(),
    }


def empty_index(settings: DedupSettings) -> pl.DataFrame:
    """An index with no documents."""
    return pl.DataFrame(schema=index_schema(settings))


def check_index(index: pl.DataFrame, settings: DedupSettings, scheme: str) -> bool:
    """Validate a stored index against the current settings. Returns True when its cluster ids
    were made with the current thresholds (else the caller re-clusters the stored pairs)."""
    missing = set(index_schema(settings)) - set(index.columns)
    if missing:
        raise ValueError(f"dedup index lacks columns {sorted(missing)}")
    if index.is_empty():
        return True
    schemes = index["scheme"].unique().to_list()
    if schemes != [scheme]:
        raise ValueError(
            f"dedup index was built with signature scheme {schemes}, not {scheme!r}: its "
            "signatures cannot be compared with new ones; rebuild it from the texts"
        )
    if index["doc_id"].n_unique() != index.height:
        raise ValueError("dedup index has repeated doc_id")
    return clustered_with(index, settings)


def clustered_with(index: pl.DataFrame, settings: DedupSettings) -> bool:
    """Whether the index's cluster ids were made with these settings' thresholds
    (`cluster_params`); an empty index was made with any."""
    return index.is_empty() or (
        index["cluster_params"].unique().to_list() == [settings.cluster_params()])


def with_anchors(index: pl.DataFrame, settings: DedupSettings, scheme: str, before: str
                 ) -> tuple[pl.DataFrame, bool]:
    """(the index with its containment bands made again from its stored signatures, True) when
    it was made with the same settings but other containment bands: `before` (the scheme of
    these settings without them: an earlier release's index, or one made with them off) or
    `before` with other anchors (16 x 2, the default of sessions 14-17); else (the index as it
    is, False). The other bands (whole body, lead) stay. The caller then re-joins every stored
    document: the new bands make candidates among them that were never verified, and with the
    same signatures and bands the result is a rebuild's from the texts."""
    if (index.is_empty() or before == scheme
            or not {"scheme", "bands", "signature"} <= set(index.columns)):
        return index, False
    made = index["scheme"].unique().to_list()
    if len(made) != 1 or made[0] == scheme or not (
            made[0] == before or re.fullmatch(re.escape(before) + r";anchors=\d+x\d+", made[0])):
        return index, False  # (`check_index` then says what is wrong, if anything)
    s = settings
    width = index["bands"].list.len().max() if isinstance(index["bands"].dtype, pl.List) \
        else index["bands"].dtype.size  # type: ignore[union-attr]
    old = array_matrix(index["bands"], width, np.uint64)[:, : s.bands + s.lead_bands]
    sig = array_matrix(index["signature"], s.num_perm, np.uint32)
    bands = np.concatenate([old, containment_bands(sig, s)], axis=1)
    return index.with_columns(
        pl.Series("bands", bands, pl.Array(pl.UInt64(), s.n_band_columns)),
        pl.lit(scheme).alias("scheme"),
    ), True


def array_matrix(col: pl.Series, width: int, dtype: type) -> np.ndarray:
    """A fixed-width Array (or List, after a Parquet round trip elsewhere) column as a 2-D array."""
    if col.len() == 0:
        return np.empty((0, width), dtype=dtype)
    if not isinstance(col.dtype, pl.Array):
        col = col.cast(pl.Array(col.dtype.inner, width))  # type: ignore[union-attr]
    return np.ascontiguousarray(col.to_numpy(), dtype=dtype).reshape(-1, width)
