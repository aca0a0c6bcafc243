"""Read every raw document under data/raw with its provenance; unreadable input becomes a reject.

Formats: .txt, .html/.htm, .jsonl/.ndjson (one record a line: url, html or text, fetched_at),
.warc (response records with HTML); each optionally gzip-compressed (.gz). Files whose name
starts with a dot are not documents (editor and OS litter) and are skipped.

Every other entry under the raw folder is accounted for: read, or rejected with a reason.
- A sub-folder that cannot be listed (permissions, a path too long, an I/O error) is one
  `unlistable_folder` reject (listed again next run); the raw folder itself failing to list
  fails the run.
- Symbolic links are followed when their target stays within the raw folder or one of
  `Settings.raw_allowed_roots` (resolved, checked again on the opened file); otherwise they
  are refused (`symlink_outside`), a link to a folder already listed (a loop, or a second name)
  is refused (`symlink_loop`), and a dangling one is `unreadable` (retried next run).
- FIFOs, sockets and devices are never opened (opening one could block the run for ever):
  `special_file`.
- A regular file with more than one hard link (st_nlink > 1) is refused (`hard_link`) unless
  `Settings.raw_allow_hard_links`: where its other names live cannot be checked without
  walking the whole file system, and a hard link to /etc/passwd reads as a scrape. (Hard links
  are not normal in a folder of scrapes; a raw folder filled with `cp -al` or
  `rsync --link-dest` sets the option.)
The raw-file ledger (`file_ledger`, stored with each version) holds only regular files whose
stat is known; refused entries are examined again every run (their rejects keep the same
doc_id, so an incremental run finds nothing new in them).

Every inflation and every line read is bounded: gzip is inflated once, capped at
max_file_bytes; content that is still gzip after that pass is rejected (`nested_compression`)
rather than handed to warcio, which inflates without a cap; warcio reads headers through a
reader whose lines are capped (WARC_LINE_BYTES) and whose header bytes per record are capped
(WARC_HEADER_BYTES).

Rooms: `records` (documents and rejects), `scan` (the raw folder, every entry accounted for),
`formats` (one file into documents), `plan` (the run's files, chunks, the ledger)."""

from pipeline.ingest.formats import (  # noqa: F401
    WARC_HEADER_BYTES,
    WARC_LINE_BYTES,
    WarcLimit,
    _max_records,
    _read_capped,
    _read_file,
    _read_jsonl,
    _read_warc,
    _single,
    _warc_classes,
    read_file,
)
from pipeline.ingest.plan import (  # noqa: F401
    FILES_PER_TASK,
    FILES_SCHEMA,
    NOT_READ,
    RETRIED,
    FilePlan,
    IngestResult,
    _file_rejects,
    file_ledger,
    ingest,
    plan_files,
    prefetch,
    read_files,
    read_ledger,
    retry_unread,
)
from pipeline.ingest.records import (  # noqa: F401
    _GZIP_MAGIC,
    DOCUMENT_SCHEMA,
    FORMATS,
    MAX_RECORDS_PER_FILE,
    REJECT_COLUMNS,
    Doc,
    Reject,
    _display_name,
    _docs_frame,
    _safe,
    _utf8,
    format_of,
    rejects_frame,
)
from pipeline.ingest.scan import (  # noqa: F401
    _KINDS,
    _allow_hard_links,
    _fd_path,
    _inside,
    _kind,
    _open_raw,
    _real_roots,
    _refuse_folder,
    _Refused,
    _roots,
    _scan_raw,
    has_entries,
    list_raw_files,
)
