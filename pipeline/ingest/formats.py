"""Reading one file into documents: plain text and HTML pages, JSONL batches and WARC crawls,
each optionally gzipped, every inflation and header line bounded."""

from __future__ import annotations

import errno
import json
import os
import stat
from collections.abc import Iterator
from functools import lru_cache
from io import BytesIO
from pathlib import Path

from pipeline.decode import Unreadable, decode, gunzip
from pipeline.hashing import doc_id_for, hash_bytes
from pipeline.ingest.records import (
    _GZIP_MAGIC,
    MAX_RECORDS_PER_FILE,
    Doc,
    Reject,
    _display_name,
    _safe,
    _utf8,
    format_of,
)
from pipeline.ingest.scan import _allow_hard_links, _open_raw, _Refused, _roots
from pipeline.settings import Settings

# warcio reads WARC and HTTP header lines with an unbounded readline() (quadratic in the line:
# a 60 MB line took 71 s): its reader here caps a line, and the header bytes of one record.
WARC_LINE_BYTES = 64 * 1024


WARC_HEADER_BYTES = 1024 * 1024


def _read_capped(path: Path, limit: int, roots: tuple[str, ...] | None = None,
                 hard_ok: bool = True) -> tuple[bytes | None, int]:
    """(bytes, size) of a regular file, or (None, size) when it is larger than `limit`. Never
    follows a link out of `roots`, never opens a FIFO or device (nor blocks on one swapped in
    after listing), and never reads more than limit + 1 bytes (a file growing while it is read
    is still capped)."""
    fd = _open_raw(path, roots, hard_ok)
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
        items = [_safe(item) for item in _read_file(path, key, rel, settings,
                                                    _roots(raw_dir, settings))]
    except Exception as e:  # noqa: BLE001 - a hostile file must not stop the run
        yield Reject(doc_id_for(key, b"\0ingest_error"), rel, "ingest", "ingest_error",
                     _utf8(f"{type(e).__name__}: {e}")[:300], 0)
        return
    yield from items


def _read_file(path: Path, key: str, rel: str, settings: Settings,
               roots: tuple[str, ...] | None = None) -> Iterator[Doc | Reject]:
    try:
        data, size = _read_capped(path, settings.max_file_bytes, roots,
                                  _allow_hard_links(settings))
    except _Refused as r:
        yield Reject(doc_id_for(key, b"\0" + r.reason.encode()), rel, "ingest", r.reason,
                     _utf8(r.detail)[:300], 0)
        return
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
        if data.startswith(_GZIP_MAGIC):
            # gzip inside gzip: inflating it again (warcio would, without a cap) turned a
            # 3.6 KB file into 6.3 GB. A scrape is compressed once.
            yield Reject(file_id, rel, "ingest", "nested_compression",
                         "the inflated content is gzip again; inflate it yourself and drop "
                         "the result, named for its format", len(data))
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


def _file_encoding(data: bytes) -> str:
    """The encoding `decode` finds for a whole file (a JSONL batch written in latin-1, say);
    windows-1252 when it finds none."""
    try:
        return decode(data)[1]
    except Unreadable:
        return "cp1252"


def _read_jsonl(data: bytes, key: str, rel: str, settings: Settings) -> Iterator[Doc | Reject]:
    lines = data.split(b"\n")
    encoding: str | None = None  # the file's, found when a line is not UTF-8
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
            try:
                rec = json.loads(line)
            except UnicodeDecodeError:  # not UTF-8: the line is in the file's own encoding
                if encoding is None:
                    encoding = _file_encoding(data)
                rec = json.loads(line.decode(encoding, "replace"))
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


class WarcLimit(ValueError):
    """A WARC header line or a record's headers larger than the caps."""


@lru_cache(maxsize=1)
def _warc_classes() -> tuple[type, type]:
    """warcio's iterator over a reader that never inflates (the bytes were inflated, capped,
    before) and whose readline is bounded: warcio's own grows a line by `+=` without limit
    (quadratic time, ~3x the line in memory)."""
    from warcio.archiveiterator import ArchiveIterator
    from warcio.bufferedreaders import DecompressingBufferedReader
    from warcio.utils import BUFF_SIZE

    class CappedLineReader(DecompressingBufferedReader):
        def __init__(self, stream, block_size: int = BUFF_SIZE) -> None:
            super().__init__(stream, block_size=block_size, decomp_type=None)
            self.header_budget = WARC_HEADER_BYTES

        def readline(self, length: int | None = None) -> bytes:
            cap = WARC_LINE_BYTES if length is None or length < 0 else min(length,
                                                                            WARC_LINE_BYTES)
            if cap == 0:
                return b""
            self._fillbuff()
            if self.empty():
                return b""
            parts, n = [], 0
            while True:
                part = self.buff.readline(cap - n)
                parts.append(part)
                n += len(part)
                if part.endswith(b"\n") or n >= cap:
                    break
                self._fillbuff()
                if self.empty():
                    break
            line = b"".join(parts)
            self.header_budget -= n
            if n >= WARC_LINE_BYTES and not line.endswith(b"\n"):
                raise WarcLimit(f"a header line longer than {WARC_LINE_BYTES} bytes")
            if self.header_budget < 0:
                raise WarcLimit(f"more than {WARC_HEADER_BYTES} bytes of header lines in one "
                                "record")
            return line

    class CappedArchiveIterator(ArchiveIterator):
        def __init__(self, fileobj) -> None:
            super().__init__(fileobj, ensure_http_headers=False)
            self.reader = CappedLineReader(self.fh)

        def next_record_budget(self) -> None:
            if self.reader is not None:
                self.reader.header_budget = WARC_HEADER_BYTES

    return CappedArchiveIterator, CappedLineReader


def _read_warc(data: bytes, key: str, rel: str, settings: Settings) -> Iterator[Doc | Reject]:
    iterator_class, _ = _warc_classes()
    cap = _max_records(settings)
    limit = settings.max_document_bytes
    i = -1
    n_rows = 0
    types: set[str] = set()
    try:
        records = iterator_class(BytesIO(data))
        for i, record in enumerate(records):
            records.next_record_budget()
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
