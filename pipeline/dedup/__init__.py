"""Near-duplicate detection of clean article bodies: exact (normalised text key) and near
(MinHash + LSH band join, every candidate verified by Jaccard or containment), clustered by
connected components, incremental against a stored signature index. Dagster-free."""

from pipeline.dedup.core import ASSIGNMENTS_SCHEMA, DedupResult, deduplicate, scheme_for
from pipeline.dedup.index import empty_index, index_schema
from pipeline.dedup.settings import DedupSettings

__all__ = [
    "ASSIGNMENTS_SCHEMA",
    "DedupResult",
    "DedupSettings",
    "deduplicate",
    "empty_index",
    "index_schema",
    "scheme_for",
]
