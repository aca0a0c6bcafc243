"""`deduplicate`: exact + near-duplicate clusters of clean bodies, incremental against an index.

Steps: sign the new texts in batches (sign.py); collapse identical normalised texts to one "key";
LSH band join over keys (lsh.py) where at least one side is new; verify every candidate
(verify.py); connected components over verified pairs plus the clusters stored in the index
(cluster.py); one representative per component; each duplicate's similarity to it.

Why incremental equals a rebuild: pairs between two indexed documents were verified when the
index was made and are represented by its cluster ids; only pairs with a new document are new.
Components of (old clusters + new pairs) are the components of all pairs, and representatives
and similarities are recomputed from stored facts only, so the result is the rebuild's. That
holds while the stored pairs were verified as they would be now: when the thresholds
(`cluster_params`) differ from the index's, or its containment bands are made again
(`index.with_anchors`: an index made with other ones), every stored document is joined again
instead.

Documents can also leave the index (`retire`: their raw file was modified or deleted, or a
byte-identical twin with a smaller doc_id arrived). The clusters they were in no longer stand
for their pairs (a retired document may have been the only link between two others), so the
remaining members of those clusters are joined again as if new; every other cluster stands.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass, field, replace

import numpy as np
import polars as pl

from pipeline.dedup.cluster import components, representatives
from pipeline.dedup.index import (
    array_matrix,
    check_index,
    empty_index,
    index_schema,
    with_anchors,
)
from pipeline.dedup.lsh import Mapper, band_table, candidate_pairs_partitioned
from pipeline.dedup.minhash import minhash_version
from pipeline.dedup.settings import DedupSettings
from pipeline.dedup.shingles import token_fingerprint
from pipeline.dedup.sign import Signed, sign_batches
from pipeline.dedup.verify import (
    CONTAINMENT,
    EXACT,
    NEAR,
    decide,
    order_containment,
    same_lead,
    slot_counts,
)

ASSIGNMENTS_SCHEMA: dict[str, pl.DataType] = {
    "doc_id": pl.String(),
    "cluster_id": pl.String(),
    "duplicate_of": pl.String(),
    "similarity": pl.Float64(),
    "method": pl.String(),
    "is_new": pl.Boolean(),
}


@dataclass
class DedupResult:
    """assignments: one row per document of docs and index (ASSIGNMENTS_SCHEMA), sorted by
    doc_id. cluster_id is the representative's doc_id (a singleton's own id). duplicate_of is the
    representative, null for the representative. similarity/method: how the document relates to
    its representative: "exact_text" (1.0), "near" (estimated Jaccard) or "containment"
    (estimated share of the smaller text inside the larger); a member only linked through other
    members gets its best verified relation to any member of its cluster. index: the updated
    signature index to store with the version. stats: counts and timings."""

    assignments: pl.DataFrame
    index: pl.DataFrame
    stats: dict[str, int | float] = field(default_factory=dict)


def scheme_for(settings: DedupSettings) -> str:
    """The signature scheme string of the running code and settings."""
    return settings.signature_scheme(token_fingerprint(settings.seed), minhash_version())


def _threads() -> int:
    return max(1, pl.thread_pool_size())


def _text_batches(
    docs: pl.DataFrame | pl.LazyFrame, keep: np.ndarray, size: int
) -> Iterator[pl.Series]:
    """The kept texts in batches of ~`size`, sliced from a frame or a lazy scan."""
    n = len(keep)
    for start in range(0, n, size):
        part = keep[start : start + size]
        if not part.any():
            continue
        batch = docs.select("text").slice(start, size)
        texts = batch.collect()["text"] if isinstance(batch, pl.LazyFrame) else batch["text"]
        yield texts.filter(pl.Series(part)) if not part.all() else texts


def _doc_meta(docs: pl.DataFrame | pl.LazyFrame, need_text: bool = True) -> pl.DataFrame:
    cols = docs.collect_schema().names()
    for need in ("doc_id", "text") if need_text else ("doc_id",):
        if need not in cols:
            raise ValueError(f"docs lacks column {need!r}")
    published = pl.col("published") if "published" in cols else pl.lit(None)
    meta = docs.select(pl.col("doc_id").cast(pl.String), published.cast(pl.Date).alias("published"))
    meta = meta.collect() if isinstance(meta, pl.LazyFrame) else meta
    if meta["doc_id"].null_count():
        raise ValueError("docs has a null doc_id")
    if meta["doc_id"].n_unique() != meta.height:
        raise ValueError("docs has repeated doc_id")
    return meta


def deduplicate(
    docs: pl.DataFrame | pl.LazyFrame,
    index: pl.DataFrame | None = None,
    settings: DedupSettings = DedupSettings(),  # noqa: B008 - frozen, immutable default
    signed: Signed | None = None,
    mapper: Mapper | None = None,
    retire: pl.Series | None = None,
) -> DedupResult:
    """Cluster `docs` (doc_id, text, published) together with every document of `index`.

    Documents of `docs` whose doc_id is already in the index are taken as already seen (counted
    in stats["docs_already_indexed"]). A LazyFrame is read batch by batch (bounded memory).
    `signed`: the documents' signatures, row for row, computed elsewhere (by the workers of the
    chunked pass, `sign_texts` with the same settings); `docs` then needs no `text`.
    `mapper`: where the LSH band join's partitions run (`lsh.candidate_pairs_partitioned`);
    None: in this process. `retire`: doc_ids to remove from the index (see the module
    docstring); the other members of their clusters are joined again.
    """
    t0 = time.perf_counter()
    s = settings
    scheme = scheme_for(s)
    old = empty_index(s) if index is None else index
    old, upgraded = with_anchors(old, s, scheme, scheme_for(replace(s, anchors=0)))
    same_params = check_index(old, s, scheme) and not upgraded
    old, broken, n_retired = _retired(old, retire)
    meta = _doc_meta(docs, need_text=signed is None)
    keep = ~meta["doc_id"].is_in(old["doc_id"].implode()).to_numpy() if old.height else None
    if keep is None:
        keep = np.ones(meta.height, dtype=bool)
    new_meta = meta.filter(pl.Series(keep))
    if signed is not None:
        if len(signed.text_key) != meta.height:
            raise ValueError(f"{len(signed.text_key)} signatures for {meta.height} documents")
        signed = signed if keep.all() else signed.take(keep)
    else:
        size = min(s.batch_size, max(1000, -(-len(keep) // _threads())))
        signed = sign_batches(_text_batches(docs, keep, size), s, int(keep.sum()), _threads())
    t_sign = time.perf_counter()

    union, sig, bands = _union(new_meta, signed, old, s, broken)
    assignments, stats = _cluster(union, sig, bands, same_params, s, mapper)
    t_cluster = time.perf_counter()

    out_index = _build_index(union, assignments, sig, bands, scheme, s)
    stats = {
        "docs_in": meta.height,
        "docs_new": new_meta.height,
        "docs_already_indexed": meta.height - new_meta.height,
        "docs_index": old.height,
        "docs_retired": n_retired,
        "clusters_rejoined": broken.len(),
        "docs_total": union.height,
        **stats,
        "reclustered_index": int(not same_params),
        "index_upgraded": int(upgraded),
        "seconds_sign": round(t_sign - t0, 4),
        "seconds_cluster": round(t_cluster - t_sign, 4),
        "seconds_total": round(time.perf_counter() - t0, 4),
    }
    return DedupResult(assignments, out_index, stats)


def _retired(old: pl.DataFrame, retire: pl.Series | None
             ) -> tuple[pl.DataFrame, pl.Series, int]:
    """(the index without the retired documents, the cluster ids they were in, how many left)."""
    if retire is None or not retire.len() or old.is_empty():
        return old, pl.Series("cluster_id", [], pl.String), 0
    gone = old["doc_id"].is_in(retire.implode())
    broken = old.filter(gone)["cluster_id"].unique().sort()
    return old.filter(~gone), broken, int(gone.sum())


def _union(
    new_meta: pl.DataFrame, signed: Signed, old: pl.DataFrame, s: DedupSettings,
    broken: pl.Series | None = None,
) -> tuple[pl.DataFrame, np.ndarray, np.ndarray]:
    """One row per document (new, then indexed) with `row` into the stacked signature arrays.
    Indexed members of `broken` clusters lose their old cluster and are joined like new ones
    (`rejoin`); `is_new` stays what it says."""
    new = new_meta.with_columns(
        pl.Series("text_key", signed.text_key, pl.String),
        pl.Series("n_words", signed.n_words).cast(pl.UInt32),
        pl.Series("n_shingles", signed.n_shingles).cast(pl.UInt32),
        pl.lit(None, pl.String).alias("old_cluster"),
        pl.lit(True).alias("is_new"),
        pl.lit(True).alias("rejoin"),
    )
    rejoin = (pl.col("cluster_id").is_in(broken.implode()) if broken is not None and broken.len()
              else pl.lit(False))
    prev = old.select(
        "doc_id", "published", "text_key", "n_words", "n_shingles",
        pl.when(rejoin).then(None).otherwise(pl.col("cluster_id")).alias("old_cluster"),
        pl.lit(False).alias("is_new"), rejoin.alias("rejoin"),
    )
    union = pl.concat([new, prev.select(new.columns)], how="vertical").with_row_index("row")
    sig, bands = signed.signature, signed.bands
    if old.height:  # (no copy when there is no index)
        sig = np.concatenate([sig, array_matrix(old["signature"], s.num_perm, np.uint32)])
        bands = np.concatenate([bands, array_matrix(old["bands"], s.n_band_columns, np.uint64)])
    # A text without words is nobody's duplicate: give it a key of its own.
    union = union.with_columns(
        pl.when(pl.col("n_words") == 0)
        .then(pl.lit("empty:") + pl.col("doc_id"))
        .otherwise(pl.col("text_key"))
        .alias("key_text")
    )
    return union, sig, bands


def _cluster(
    union: pl.DataFrame, sig: np.ndarray, bands: np.ndarray, same_params: bool, s: DedupSettings,
    mapper: Mapper | None = None,
) -> tuple[pl.DataFrame, dict[str, int | float]]:
    if union.is_empty():
        return pl.DataFrame(schema=ASSIGNMENTS_SCHEMA), _empty_stats()
    # Keys: distinct normalised texts, numbered in text-key order (independent of input order).
    union = union.with_columns((pl.col("key_text").rank("dense") - 1).cast(pl.Int64).alias("key"))
    keys = (
        union.group_by("key")
        .agg(
            pl.col("row").min().alias("row"),
            pl.col("rejoin").all().alias("is_new"),
            pl.col("n_shingles").first().cast(pl.Int64).alias("n_sh"),
        )
        .sort("key")
    )
    key_row = keys["row"].to_numpy().astype(np.int64)
    lead_cols = bands[:, s.bands : s.bands + s.lead_bands]  # (a view: sign.py's column order)
    facts = _KeyFacts(_Rows(sig, key_row), _Rows(lead_cols, key_row), keys["n_sh"].to_numpy(), s)
    key_nsh = facts.nsh
    key_new = keys["is_new"].to_numpy() if same_params else np.ones(keys.height, dtype=bool)

    # LSH join over keys that have shingles; verify each candidate.
    has = key_nsh > 0
    kid = np.flatnonzero(has)
    pairs, largest = candidate_pairs_partitioned(
        band_table(kid, bands[key_row[kid]], key_new[kid]), mapper)
    a = pairs["a"].to_numpy().astype(np.int64)
    b = pairs["b"].to_numpy().astype(np.int64)
    method, _ = facts.judge(a, b)
    ok = method != None  # noqa: E711 - elementwise on an object array
    ea, eb = [a[ok]], [b[ok]]

    # Clusters already in the index stand for the pairs verified when it was made.
    if same_params:
        old = union.filter(pl.col("old_cluster").is_not_null()).group_by("old_cluster").agg(
            pl.col("key").min().alias("k0"), pl.col("key").alias("k")
        ).explode("k").filter(pl.col("k") != pl.col("k0"))
        ea.append(old["k0"].to_numpy().astype(np.int64))
        eb.append(old["k"].to_numpy().astype(np.int64))
    comp = components(keys.height, np.concatenate(ea), np.concatenate(eb))

    union = union.with_columns(pl.Series("component", comp[union["key"].to_numpy()]))
    reps = representatives(union.select("component", "doc_id", "n_words", "published"))
    union = union.join(reps, on="component", how="left").join(
        union.select(pl.col("doc_id").alias("rep_doc_id"), pl.col("key").alias("rep_key")),
        on="rep_doc_id",
        how="left",
    )
    assignments = _similarities(union, facts)
    counts = assignments.group_by("method").len()
    by_method = dict(zip(counts["method"].to_list(), counts["len"].to_list(), strict=True))
    stats: dict[str, int | float] = {
        "keys": keys.height,
        "clusters": int(reps.height),
        "duplicates": int(assignments["duplicate_of"].is_not_null().sum()),
        "duplicates_new": int(
            assignments.filter(pl.col("is_new"))["duplicate_of"].is_not_null().sum()
        ),
        **{f"duplicates_{m}": int(by_method.get(m, 0)) for m in (EXACT, NEAR, CONTAINMENT)},
        "candidate_pairs": int(len(a)),
        "verified_pairs": int(ok.sum()),
        "verified_near": int((method == NEAR).sum()),
        "verified_containment": int((method == CONTAINMENT).sum()),
        "largest_bucket": largest,
    }
    return assignments, stats


@dataclass
class _KeyFacts:
    """What verification reads of each key (a distinct text): signature rows, lead band rows,
    shingle counts."""

    sig: _Rows
    lead: _Rows
    nsh: np.ndarray
    s: DedupSettings

    def judge(self, a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """`verify.decide` for the pairs of keys (a[i], b[i])."""
        equal, below_a, below_b = slot_counts(self.sig, a, b)
        n_a, n_b = self.nsh[a], self.nsh[b]
        return decide(equal / self.s.num_perm, n_a, n_b, self.s, same_lead(self.lead, a, b),
                      order_containment(below_a, below_b, n_a, n_b, self.s.num_perm))


class _Rows:
    """Rows of a per-document array (signatures, lead bands) addressed by key number, without
    copying it."""

    def __init__(self, arr: np.ndarray, rows: np.ndarray) -> None:
        self.arr, self.rows = arr, rows

    def __getitem__(self, keys: np.ndarray) -> np.ndarray:
        return self.arr[self.rows[keys]]


def _empty_stats() -> dict[str, int | float]:
    return {
        "keys": 0, "clusters": 0, "duplicates": 0, "duplicates_new": 0,
        **{f"duplicates_{m}": 0 for m in (EXACT, NEAR, CONTAINMENT)},
        "candidate_pairs": 0, "verified_pairs": 0, "verified_near": 0,
        "verified_containment": 0, "largest_bucket": 0,
    }


def _similarities(union: pl.DataFrame, facts: _KeyFacts) -> pl.DataFrame:
    """Each member's verified relation to its representative; a member linked only through
    others gets its best verified relation to any member of its cluster (a function of the
    cluster alone, so incremental and rebuild agree)."""
    k = union["key"].to_numpy().astype(np.int64)
    rk = union["rep_key"].to_numpy().astype(np.int64)
    is_rep = (union["doc_id"] == union["rep_doc_id"]).to_numpy()
    method, sim = facts.judge(k, rk)
    same = k == rk
    method[same] = EXACT
    sim = np.where(same, 1.0, sim)

    lost = np.flatnonzero(~is_rep & (method == None))  # noqa: E711
    if len(lost):
        m2, s2 = _best_in_cluster(union, k[lost], facts)
        method[lost] = m2
        sim[lost] = s2
    method[is_rep] = None
    sim = np.where(is_rep, np.nan, sim)
    return (
        union.select(
            "doc_id",
            pl.col("rep_doc_id").alias("cluster_id"),
            pl.when(pl.Series(is_rep)).then(None).otherwise(pl.col("rep_doc_id")).alias(
                "duplicate_of"
            ),
            pl.Series("similarity", sim).fill_nan(None),
            pl.Series("method", method.tolist(), pl.String),
            "is_new",
        )
        .cast(ASSIGNMENTS_SCHEMA)
        .sort("doc_id")
    )


def _best_in_cluster(
    union: pl.DataFrame, lost_keys: np.ndarray, facts: _KeyFacts
) -> tuple[np.ndarray, np.ndarray]:
    comp_keys = union.select("component", "key").unique()
    lk = pl.DataFrame({"key": np.unique(lost_keys)}).join(comp_keys, on="key")
    pairs = lk.join(comp_keys.rename({"key": "other"}), on="component").filter(
        pl.col("key") != pl.col("other")
    )
    a = pairs["key"].to_numpy().astype(np.int64)
    b = pairs["other"].to_numpy().astype(np.int64)
    m, sim = facts.judge(a, b)
    ok = m != None  # noqa: E711
    best = (
        pl.DataFrame({"key": a[ok], "other": b[ok], "sim": sim[ok],
                      "method": pl.Series(m[ok].tolist(), dtype=pl.String)})
        .sort(["key", "sim", "other"], descending=[False, True, False])
        .group_by("key", maintain_order=True)
        .first()
    )
    got = pl.DataFrame({"key": lost_keys}).join(best, on="key", how="left", maintain_order="left")
    method = np.array(got["method"].fill_null(NEAR).to_list(), dtype=object)
    return method, got["sim"].fill_null(0.0).to_numpy()


def _build_index(
    union: pl.DataFrame, assignments: pl.DataFrame, sig: np.ndarray, bands: np.ndarray,
    scheme: str, s: DedupSettings,
) -> pl.DataFrame:
    schema = index_schema(s)
    if union.is_empty():
        return empty_index(s)
    u = union.sort("doc_id")
    rows = u["row"].to_numpy().astype(np.int64)
    out = u.select("doc_id", "text_key", "n_words", "n_shingles", "published").join(
        assignments.select("doc_id", "cluster_id"), on="doc_id", how="left",
        maintain_order="left",
    ).with_columns(
        _gathered("signature", sig, rows),
        _gathered("bands", bands, rows),
        pl.lit(scheme).alias("scheme"),
        pl.lit(s.cluster_params()).alias("cluster_params"),
    )
    return out.select(list(schema)).cast(schema)


def _gathered(name: str, arr: np.ndarray, rows: np.ndarray, chunk: int = 131_072) -> pl.Series:
    """arr[rows] as a fixed-width Array column, gathered in chunks (bounded extra memory)."""
    parts = [pl.Series(name, arr[rows[i : i + chunk]]) for i in range(0, len(rows), chunk)]
    return pl.concat(parts, rechunk=False)
