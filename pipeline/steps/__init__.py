"""The pipeline's steps as pure functions over Polars frames, Dagster-free, one file each:

    read -> extract -> clean -> dedupe -> stage      (then pipeline.publishing: audit, publish)

Each returns what it kept, what it rejected (with a reason) and its stats (`contract`). The
chunked pass (`pipeline.chunks`) runs read, extract and clean per chunk of files in its workers;
`pipeline.run` runs the whole sequence; the Dagster assets call exactly these functions.
"""

from pipeline.steps.clean import (
    CLEAN_BATCH_DOCS,
    CLEANED_SCHEMA,
    CleanStep,
    clean,
    clean_in_batches,
    content_hashes,
    plausible_date,
    sign_texts,
    site_batches,
)
from pipeline.steps.contract import base_stats, counts_by, sum_stats
from pipeline.steps.dedupe import DedupStep, dedupe, index_current, orphan_copies
from pipeline.steps.extract import EXTRACTED_SCHEMA, ExtractStep, extract
from pipeline.steps.previous import Previous
from pipeline.steps.read import (
    RawStep,
    drop_seen,
    files_fingerprint,
    raw_stats,
    read_raw,
    split_copies,
)
from pipeline.steps.stage import Staged, stage

__all__ = [
    "CLEANED_SCHEMA", "CLEAN_BATCH_DOCS", "EXTRACTED_SCHEMA", "CleanStep", "DedupStep",
    "ExtractStep", "Previous", "RawStep", "Staged", "base_stats", "clean", "clean_in_batches",
    "content_hashes", "counts_by", "dedupe", "drop_seen", "extract", "files_fingerprint",
    "index_current",
    "orphan_copies", "plausible_date", "raw_stats", "read_raw", "sign_texts", "site_batches",
    "split_copies", "stage", "sum_stats",
]
