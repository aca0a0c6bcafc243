"""The versioned Parquet store: immutable versions that appear atomically, a latest pointer.

Layout under the curated folder (plain files any Parquet reader opens, no library needed):

    versions/v000001/articles.parquet  rejected.parquet  duplicates.parquet  removed_lines.parquet
    versions/v000001/manifest.json     (row counts, schema, checksums, fingerprint, code version)
    latest -> versions/v000001         (symlink, swapped atomically)
    LATEST                             (the latest version number, for tools that avoid symlinks)
    attempts/<time>-<id>/              (batches that failed validation, with their reports)
    .staging/                          (versions being written; never read, cleared on next run)
    .lock                              (one publisher at a time)
    .issued_versions                   (the highest version number ever made visible)

A version is written completely under .staging, then renamed into versions/ in one rename(2):
readers see all of it or none of it. A run killed at any point leaves at most a staging folder,
which the next publisher removes.

Trust (issue 22): a version is verified against its manifest (sizes, sha256) before a run
builds on it or says "unchanged" (`verify`); a version number once visible is never issued
again, even if its folder is later damaged or deleted (`next_version_number`); a folder under
versions/ that is not a complete version is reported and skipped, never fatal; the store writes
and deletes only inside the curated folder (`check_layout`, `check_folders`).

Rooms: `errors`, `versions` (folders, numbers, manifests), `verify`, `guards` (where the store
may write, refusals, recovery), `publish`."""

from pipeline.store.errors import (  # noqa: F401
    _WHAT_TO_DO,
    FAILPOINTS,
    RebuildRefused,
    Refused,
    StoreBusy,
    StoreConflict,
    UnsafeStore,
    VersionCorrupt,
    _failpoint,
    log,
)
from pipeline.store.guards import (  # noqa: F401
    STORE_FOLDERS,
    _within,
    check_folders,
    check_layout,
    check_not_empty,
    check_rebuild,
    locked,
    recover,
    repair,
)
from pipeline.store.publish import (  # noqa: F401
    DEFAULT_ROW_GROUP_ROWS,
    ROW_GROUP_ROWS,
    WriteAhead,
    _content_digest,
    _table_info,
    _write_table,
    publish,
    record_attempt,
)
from pipeline.store.verify import (  # noqa: F401
    _damaged,
    _intact,
    _sha256_or_error,
    intact_version,
    verify,
)
from pipeline.store.versions import (  # noqa: F401
    DATA_TABLES,
    ISSUED,
    MAX_MANIFEST_BYTES,
    VERSION_DIR,
    PublishResult,
    _fsync_dir,
    _load_manifest,
    _numbered,
    _parse_manifest,
    _point_latest,
    _read_int,
    _record_issued,
    _sha256,
    _write_small,
    latest_version,
    list_versions,
    next_version_number,
    read_manifest,
    resolve,
    stray_versions,
    version_path,
    versions_dir,
)
