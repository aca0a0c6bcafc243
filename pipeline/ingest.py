"""Read every raw document under data/raw with its provenance; unreadable input becomes a reject.

Formats: .txt, .html/.htm, .jsonl/.ndjson (one record a line: url, html or text, fetched_at),
.warc (response records with HTML); each optionally gzip-compressed (.gz). Files whose name
starts with a dot are not documents (editor and OS litter) and are skipped.
"""

from __future__ import annotations

import errno
import json
import os
import stat
from collections.abc import Iterator
from dataclasses import dataclass, fields, replace
from io import BytesIO
from pathlib import Path

import polars as pl

from pipeline.decode import Unreadable, decode, gunzip
from pipeline.hashing import doc_id_for, hash_bytes
from pipeline.settings import Settings

DOCUMENT_SCHEMA: dict[str, pl.DataType] = {
    "doc_id": pl.String(),
    "raw_hash": pl.String(),
    "source": pl.String(),
    "format": pl.String(),
    "kind": pl.String(),
    "url": pl.String(),
    "fetched_at": pl.String(),
    "encoding": pl.String(),
    "n_bytes": pl.UInt64(),
    "body": pl.String(),
}
REJECT_COLUMNS = ["doc_id", "source", "stage", "reason", "detail", "n_bytes"]

FORMATS = {".txt": "txt", ".text": "txt", ".html": "html", ".htm": "html", ".xhtml": "html",
           ".jsonl": "jsonl", ".ndjson": "jsonl", ".warc": "warc"}


@dataclass(frozen=True)
class Doc:
    doc_id: str
    raw_hash: str
    source: str
    format: str
    kind: str
    url: str | None
    fetched_at: str | None
    encoding: str
    n_bytes: int
    body: str


@dataclass(frozen=True)
class Reject:
    doc_id: str
    source: str
    stage: str
    reason: str
    detail: str
    n_bytes: int


def list_raw_files(raw_dir: Path) -> list[Path]:
    """Every regular file below raw_dir, sorted by relative path (determinism), dotfiles skipped."""
    return [Path(p) for _, p, _ in _scan_raw(Path(raw_dir))]


def _scan_raw(raw_dir: Path) -> list[tuple[str, str, os.stat_result | None]]:
    """(path, lstat) of every regular file below raw_dir (symlinks and dotfiles skipped), sorted
    by relative path. os.scandir knows each entry's type without a system call, so a file costs
    one lstat: listing 100k files took 2.1 s with pathlib's rglob + is_file + stat, ~0.5 s so."""
    if not raw_dir.is_dir():
        return []
    out: list[tuple[str, str, os.stat_result | None]] = []
    todo = [(str(raw_dir), "")]
    while todo:
        folder, rel = todo.pop()
        try:
            entries = list(os.scandir(folder))
        except OSError:
            continue
        for e in entries:
            if e.name.startswith("."):
                continue
            try:
                if e.is_dir(follow_symlinks=False):
                    todo.append((e.path, f"{rel}{e.name}/"))
                    continue
                if not e.is_file(follow_symlinks=False):
                    continue  # symlinks, FIFOs, sockets, devices: not documents
                st = e.stat(follow_symlinks=False)
            except OSError:
                st = None  # vanished or unreadable: read_file turns it into a reject
            out.append((f"{rel}{e.name}", e.path, st))
    out.sort(key=lambda t: t[0])
    return out


def format_of(path: Path) -> tuple[str | None, bool]:
    """(format, gzipped) from the file name: 'a.warc.gz' -> ('warc', True)."""
    suffixes = [s.lower() for s in path.suffixes]
    gz = bool(suffixes) and suffixes[-1] in (".gz", ".gzip")
    if gz:
        suffixes = suffixes[:-1]
    fmt = FORMATS.get(suffixes[-1]) if suffixes else None
    return fmt, gz


# Records read from one JSONL or WARC file at most; the rest of the file becomes one reject. A
# file of 64 MB of "{}" lines would otherwise hold 20 million reject rows in memory. Settings may
# override it (`max_records_per_file`); within max_file_bytes real batches stay far below it.
MAX_RECORDS_PER_FILE = 200_000
_GZIP_MAGIC = b"\x1f\x8b"


def _utf8(s: str) -> str:
    """`s` as a string Polars and Parquet accept: lone surrogates (JSON "\\ud800" escapes, bytes a
    file name smuggled in) become U+FFFD."""
    if s.isascii():  # O(1) in CPython (a flag of the string): no surrogate in it
        return s
    try:
        s.encode("utf-8")
    except UnicodeEncodeError:
        return s.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")
    return s


def _display_name(rel: str) -> str:
    """A file's relative path as provenance text: bytes that are not UTF-8 (kept by Python as
    surrogate escapes) are shown as \\xNN."""
    try:
        rel.encode("utf-8")
    except UnicodeEncodeError:
        try:
            return os.fsencode(rel).decode("utf-8", "backslashreplace")
        except UnicodeError:
            return _utf8(rel)
    return rel


def _safe(item: Doc | Reject) -> Doc | Reject:
    """Every string of a row valid UTF-8 (one bad string would fail the whole batch's frame)."""
    changes = {}
    for name in ("source", "url", "fetched_at", "body", "detail", "encoding"):
        v = getattr(item, name, None)
        if isinstance(v, str):
            fixed = _utf8(v)
            if fixed is not v:
                changes[name] = fixed
    return replace(item, **changes) if changes else item


def _read_capped(path: Path, limit: int) -> tuple[bytes | None, int]:
    """(bytes, size) of a regular file, or (None, size) when it is larger than `limit`. Never
    follows a symlink, never blocks on a FIFO or device swapped in after listing, and never
    reads more than limit + 1 bytes (a file growing while it is read is still capped)."""
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0) \
        | getattr(os, "O_CLOEXEC", 0)
    fd = os.open(path, flags)
    with open(fd, "rb", closefd=True) as f:
        st = os.fstat(f.fileno())
        if not stat.S_ISREG(st.st_mode):
            raise OSError(errno.EINVAL, "not a regular file")
        if st.st_size > limit:
            return None, st.st_size
        # Read what fstat promises (+1 byte to see growth): asking for the whole limit makes
        # Python allocate a buffer of that size for every file.
        data = f.read(st.st_size + 1)
        if len(data) > st.st_size:  # the file grew since fstat: read on, still capped
            data += f.read(limit + 1 - len(data))
    if len(data) > limit:
        return None, len(data)
    return data, len(data)


def read_file(path: Path, raw_dir: Path, settings: Settings) -> Iterator[Doc | Reject]:
    """All documents of one raw file, or rejects saying why they could not be read.

    Never raises on the file's content: should reading fail in an unforeseen way, the whole file
    becomes one `ingest_error` reject (its partial documents are dropped, so each document is
    accounted for once)."""
    key = path.relative_to(raw_dir).as_posix()  # for ids: the exact name, undecodable bytes too
    rel = _display_name(key)
    try:
        items = [_safe(item) for item in _read_file(path, key, rel, settings)]
    except Exception as e:  # noqa: BLE001 - a hostile file must not stop the run
        yield Reject(doc_id_for(key, b"\0ingest_error"), rel, "ingest", "ingest_error",
                     _utf8(f"{type(e).__name__}: {e}")[:300], 0)
        return
    yield from items


def _read_file(path: Path, key: str, rel: str, settings: Settings) -> Iterator[Doc | Reject]:
    try:
        data, size = _read_capped(path, settings.max_file_bytes)
    except OSError as e:
        yield Reject(doc_id_for(key, b""), rel, "ingest", "unreadable", _utf8(str(e)), 0)
        return
    if data is None:
        yield Reject(doc_id_for(key, b""), rel, "ingest", "too_large",
                     f"{size} bytes > max_file_bytes {settings.max_file_bytes}", size)
        return
    file_id = doc_id_for(key, data)
    fmt, gz = format_of(path)
    if fmt is None:
        yield Reject(file_id, rel, "ingest", "unsupported_format",
                     _utf8(f"unknown file type {''.join(path.suffixes)[:100] or '(none)'}"),
                     len(data))
        return
    # warcio inflates a gzipped WARC itself, without any cap: inflate it here, capped, whatever
    # the file is called.
    if gz or (fmt == "warc" and data.startswith(_GZIP_MAGIC)):
        try:
            data = gunzip(data, settings.max_file_bytes)
        except Unreadable as e:
            yield Reject(file_id, rel, "ingest", e.reason, e.detail, len(data))
            return
    if fmt == "jsonl":
        yield from _read_jsonl(data, key, rel, settings)
    elif fmt == "warc":
        yield from _read_warc(data, key, rel, settings)
    else:
        yield _single(data, rel, file_id, fmt, settings)


def _max_records(settings: Settings) -> int:
    return int(getattr(settings, "max_records_per_file", MAX_RECORDS_PER_FILE))


def _single(data: bytes, rel: str, file_id: str, fmt: str, settings: Settings) -> Doc | Reject:
    kind = "html" if fmt == "html" else "text"
    if len(data) > settings.max_document_bytes:
        return Reject(file_id, rel, "ingest", "too_large",
                      f"{len(data)} bytes > max_document_bytes", len(data))
    try:
        text, enc = decode(data, html=kind == "html")
    except Unreadable as e:
        return Reject(file_id, rel, "ingest", e.reason, e.detail, len(data))
    return Doc(file_id, hash_bytes(data), rel, fmt, kind, None, None, enc, len(data), text)


def _read_jsonl(data: bytes, key: str, rel: str, settings: Settings) -> Iterator[Doc | Reject]:
    lines = data.split(b"\n")
    cap = _max_records(settings)
    n_records = 0
    for i, line in enumerate(lines):
        if not line.strip():
            continue  # blank lines separate nothing: not records
        source, did = f"{rel}#{i}", doc_id_for(f"{key}#{i}", line)
        n_records += 1
        if n_records > cap:
            rest = sum(len(x) + 1 for x in lines[i:])
            yield Reject(doc_id_for(f"{key}#{i}", b"\0too_many_records"), source, "ingest",
                         "too_many_records",
                         f"lines {i}..{len(lines) - 1} not read: more than {cap} records in one "
                         "file", rest)
            return
        if len(line) > settings.max_document_bytes:
            yield Reject(did, source, "ingest", "too_large",
                         f"record of {len(line)} bytes > max_document_bytes", len(line))
            continue
        try:
            rec = json.loads(line)
        except (ValueError, RecursionError) as e:
            detail = "line is not valid JSON" + (" (file ends mid-record)" if i == len(lines) - 1
                                                else "")
            yield Reject(did, source, "ingest", "json_malformed", f"{detail}: {e}"[:300],
                         len(line))
            continue
        if not isinstance(rec, dict):
            yield Reject(did, source, "ingest", "json_malformed", "record is not an object",
                         len(line))
            continue
        html, text = rec.get("html"), rec.get("text")
        body, kind = (html, "html") if isinstance(html, str) and html.strip() else (text, "text")
        if not isinstance(body, str) or not body.strip():
            yield Reject(did, source, "ingest", "no_body",
                         "record has neither a non-empty 'html' nor 'text' string", len(line))
            continue
        url = rec.get("url") if isinstance(rec.get("url"), str) else None
        fetched = rec.get("fetched_at")
        fetched = str(fetched) if isinstance(fetched, (str, int, float)) else None
        payload = body.encode("utf-8", "surrogatepass")
        yield Doc(did, hash_bytes(payload), source, "jsonl", kind, url, fetched, "utf-8",
                  len(line), _utf8(body.replace("\x00", "")))
    if n_records == 0:  # nothing but blank lines: the file still leaves a trace
        yield Reject(doc_id_for(key, data), rel, "ingest", "empty", "no records in the file",
                     len(data))


def _read_warc(data: bytes, key: str, rel: str, settings: Settings) -> Iterator[Doc | Reject]:
    from warcio.archiveiterator import ArchiveIterator

    cap = _max_records(settings)
    limit = settings.max_document_bytes
    i = -1
    n_rows = 0
    types: set[str] = set()
    try:
        for i, record in enumerate(ArchiveIterator(BytesIO(data), ensure_http_headers=False)):
            if record.format != "warc":
                raise ValueError("not a WARC record (no WARC/1.x header)")
            if i >= cap:
                yield Reject(doc_id_for(f"{key}#{i}", b"\0too_many_records"), f"{rel}#{i}",
                             "ingest", "too_many_records",
                             f"records from {i} on not read: more than {cap} in one file",
                             len(data))
                return
            if record.rec_type != "response":
                types.add(str(record.rec_type))
                continue  # warcinfo, request, metadata: not documents
            n_rows += 1
            source = f"{rel}#{i}"
            url = record.rec_headers.get_header("WARC-Target-URI")
            fetched = record.rec_headers.get_header("WARC-Date")
            payload = record.content_stream().read(limit + 1)
            did = doc_id_for(f"{key}#{i}", payload)
            ctype = (record.http_headers.get_header("Content-Type") or "") if record.http_headers \
                else ""
            # Too large first: a payload cut at the cap also leaves the record unread, which is
            # not truncation, and the records after it are still read.
            if len(payload) > limit:
                yield Reject(did, source, "ingest", "too_large",
                             "WARC payload > max_document_bytes", len(payload))
                continue
            if getattr(record.raw_stream, "limit", 0):
                yield Reject(did, source, "ingest", "warc_truncated",
                             "record shorter than its Content-Length", len(payload))
                return
            if ctype and "html" not in ctype.lower() and "text" not in ctype.lower():
                yield Reject(did, source, "ingest", "unsupported_format",
                             _utf8(f"WARC response of type {ctype[:100]!r}, not HTML"),
                             len(payload))
                continue
            try:
                text, enc = decode(payload, html=True)
            except Unreadable as e:
                yield Reject(did, source, "ingest", e.reason, e.detail, len(payload))
                continue
            yield Doc(did, hash_bytes(payload), source, "warc", "html", url, fetched, enc,
                      len(payload), text)
    except Exception as e:  # warcio raises many types on a broken stream
        yield Reject(doc_id_for(f"{key}#{i + 1}", data), f"{rel}#{i + 1}", "ingest",
                     "warc_corrupt", _utf8(f"{type(e).__name__}: {e}")[:300], len(data))
        return
    if i == -1:
        yield Reject(doc_id_for(key, data), rel, "ingest", "warc_corrupt",
                     "no WARC records in the file", len(data))
    elif not n_rows:  # every file leaves a trace, even one without a single response record
        yield Reject(doc_id_for(key, data), rel, "ingest", "no_documents",
                     _utf8(f"{i + 1} WARC records, none a response: types "
                           f"{', '.join(sorted(types))[:200]}"), len(data))


@dataclass
class IngestResult:
    documents: pl.DataFrame  # DOCUMENT_SCHEMA, sorted by source
    rejected: pl.DataFrame   # REJECT_COLUMNS
    n_files: int             # files under the raw folder
    files: pl.DataFrame      # FILES_SCHEMA ledger of every file under the raw folder
    n_read: int = 0          # files read this time (the others were unchanged)


def read_files(task: tuple[list[str], str, Settings]) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Worker entry point: read some files (paths as strings) into (documents, rejects) frames."""
    paths, raw_dir, settings = task
    docs: list[Doc] = []
    rejects: list[Reject] = []
    root = Path(raw_dir)
    for p in paths:
        for item in read_file(Path(p), root, settings):
            (docs if isinstance(item, Doc) else rejects).append(item)
    return _docs_frame(docs), rejects_frame(rejects)


def prefetch(paths: list[str]) -> None:
    """Ask the kernel to start reading these files into the page cache (posix_fadvise
    WILLNEED: asynchronous, no data copied here). The main process calls it a chunk or two
    before a worker reads them, so the disk works while the cores do: a raw folder that is not
    (or no longer) in the page cache is otherwise read one blocking file at a time. Never
    raises and never blocks on a special file; the worker reports whatever is wrong."""
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0) \
        | getattr(os, "O_CLOEXEC", 0)
    advise = getattr(os, "posix_fadvise", None)
    if advise is None:
        return
    for p in paths:
        try:
            fd = os.open(p, flags)
        except OSError:
            continue
        try:
            advise(fd, 0, 0, os.POSIX_FADV_WILLNEED)
        except OSError:
            pass
        finally:
            os.close(fd)


# Files a worker reads at a time: large enough to amortise the hand-over, small enough to
# spread the work over every core.
FILES_PER_TASK = 500


FILES_SCHEMA: dict[str, pl.DataType] = {"path": pl.String(), "size": pl.UInt64(),
                                        "mtime_ns": pl.Int64()}


def file_ledger(files: list[tuple[str, str, os.stat_result | None]]) -> pl.DataFrame:
    """(path, size, mtime_ns) of each raw file, plus `i` (its position in `files`, not stored):
    what an incremental run compares to skip files that have not changed since the version it
    builds on."""
    rows = []
    for rel, _, st in files:
        rows.append((_display_name(rel),
                     st.st_size if st else None, st.st_mtime_ns if st else None, len(rows)))
    return pl.DataFrame(rows, schema={**FILES_SCHEMA, "i": pl.UInt32()}, orient="row")


@dataclass
class FilePlan:
    """What a run reads: the files that changed since the version it builds on."""

    todo: list[str]        # paths of the files to read, in sorted order
    sizes: list[int]       # their sizes in bytes (0 when unknown)
    ledger: pl.DataFrame   # FILES_SCHEMA: every raw file (stored with the version)
    n_listed: int          # files under the raw folder


def plan_files(raw_dir: Path, unchanged: pl.DataFrame | None = None) -> FilePlan:
    """List raw_dir once (sorted, one stat per file). `unchanged`: a ledger (path, size,
    mtime_ns) of files already read by the version this run builds on; files with the same
    path, size and mtime are not read again."""
    raw_dir = Path(raw_dir)
    scanned = _scan_raw(raw_dir)
    paths = [p for _, p, _ in scanned]
    listed = file_ledger(scanned)
    todo = listed
    if unchanged is not None and unchanged.height:
        todo = listed.join(unchanged.select(list(FILES_SCHEMA)), on=list(FILES_SCHEMA),
                           how="anti", nulls_equal=False, maintain_order="left")
    return FilePlan([paths[i] for i in todo["i"].to_list()],
                    todo["size"].fill_null(0).to_list(), listed.drop("i").drop_nulls(),
                    listed.height)


def ingest(raw_dir: Path, settings: Settings, unchanged: pl.DataFrame | None = None
           ) -> IngestResult:
    """Read every file under raw_dir, over worker processes when there are many. Output order
    does not depend on the file system or the worker count (sorted by source).

    `unchanged`: see `plan_files`."""
    from pipeline.parallel import map_ordered

    raw_dir = Path(raw_dir)
    plan = plan_files(raw_dir, unchanged)
    files = [str(p) for p in plan.todo]
    tasks = [(files[i:i + FILES_PER_TASK], str(raw_dir), settings)
             for i in range(0, len(files), FILES_PER_TASK)]
    workers = settings.workers if len(files) >= 4 * FILES_PER_TASK else 1
    parts = map_ordered(read_files, tasks, workers, chunk_size=1)
    if not parts:
        return IngestResult(_docs_frame([]), rejects_frame([]), plan.n_listed, plan.ledger, 0)
    docs = pl.concat([d for d, _ in parts]).sort("source")
    rejects = pl.concat([r for _, r in parts]).sort("source")
    return IngestResult(docs, rejects, plan.n_listed, plan.ledger, len(files))


def _docs_frame(docs: list[Doc]) -> pl.DataFrame:
    if not docs:
        return pl.DataFrame(schema=DOCUMENT_SCHEMA)
    return pl.DataFrame({f.name: [getattr(d, f.name) for d in docs] for f in fields(Doc)},
                        schema=DOCUMENT_SCHEMA).sort("source")


def rejects_frame(rejects: list[Reject]) -> pl.DataFrame:
    from pipeline.schema import REJECTED

    if not rejects:
        return pl.DataFrame(schema=REJECTED)
    return pl.DataFrame({f.name: [getattr(r, f.name) for r in rejects] for f in fields(Reject)},
                        schema=REJECTED).sort("source")
