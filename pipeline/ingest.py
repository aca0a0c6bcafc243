"""Read every raw document under data/raw with its provenance; unreadable input becomes a reject.

Formats: .txt, .html/.htm, .jsonl/.ndjson (one record a line: url, html or text, fetched_at),
.warc (response records with HTML); each optionally gzip-compressed (.gz). Files whose name
starts with a dot are not documents (editor and OS litter) and are skipped.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
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
    raw_dir = Path(raw_dir)
    if not raw_dir.is_dir():
        return []
    files = [
        p
        for p in raw_dir.rglob("*")
        if p.is_file()
        and not p.is_symlink()
        and not any(part.startswith(".") for part in p.relative_to(raw_dir).parts)
    ]
    return sorted(files, key=lambda p: p.relative_to(raw_dir).as_posix())


def format_of(path: Path) -> tuple[str | None, bool]:
    """(format, gzipped) from the file name: 'a.warc.gz' -> ('warc', True)."""
    suffixes = [s.lower() for s in path.suffixes]
    gz = bool(suffixes) and suffixes[-1] in (".gz", ".gzip")
    if gz:
        suffixes = suffixes[:-1]
    fmt = FORMATS.get(suffixes[-1]) if suffixes else None
    return fmt, gz


def read_file(path: Path, raw_dir: Path, settings: Settings) -> Iterator[Doc | Reject]:
    """All documents of one raw file, or rejects saying why they could not be read."""
    rel = path.relative_to(raw_dir).as_posix()
    try:
        size = path.stat().st_size
        if size > settings.max_file_bytes:
            yield Reject(doc_id_for(rel, b""), rel, "ingest", "too_large",
                         f"{size} bytes > max_file_bytes {settings.max_file_bytes}", size)
            return
        data = path.read_bytes()
    except OSError as e:
        yield Reject(doc_id_for(rel, b""), rel, "ingest", "unreadable", str(e), 0)
        return
    file_id = doc_id_for(rel, data)
    fmt, gz = format_of(path)
    if fmt is None:
        yield Reject(file_id, rel, "ingest", "unsupported_format",
                     f"unknown file type {''.join(path.suffixes) or '(none)'}", len(data))
        return
    try:
        if gz:
            data = gunzip(data, settings.max_file_bytes)
    except Unreadable as e:
        yield Reject(file_id, rel, "ingest", e.reason, e.detail, len(data))
        return
    if fmt == "jsonl":
        yield from _read_jsonl(data, rel, settings)
    elif fmt == "warc":
        yield from _read_warc(data, rel, settings)
    else:
        yield _single(data, rel, file_id, fmt, settings)


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


def _read_jsonl(data: bytes, rel: str, settings: Settings) -> Iterator[Doc | Reject]:
    lines = data.split(b"\n")
    for i, line in enumerate(lines):
        if not line.strip():
            continue  # blank lines separate nothing: not records
        source = f"{rel}#{i}"
        did = doc_id_for(source, line)
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
                  len(line), body.replace("\x00", ""))


def _read_warc(data: bytes, rel: str, settings: Settings) -> Iterator[Doc | Reject]:
    from warcio.archiveiterator import ArchiveIterator

    i = -1
    try:
        for i, record in enumerate(ArchiveIterator(BytesIO(data), ensure_http_headers=False)):
            if record.format != "warc":
                raise ValueError("not a WARC record (no WARC/1.x header)")
            if record.rec_type != "response":
                continue  # warcinfo, request, metadata: not documents
            source = f"{rel}#{i}"
            url = record.rec_headers.get_header("WARC-Target-URI")
            fetched = record.rec_headers.get_header("WARC-Date")
            payload = record.content_stream().read(settings.max_document_bytes + 1)
            did = doc_id_for(source, payload)
            ctype = (record.http_headers.get_header("Content-Type") or "") if record.http_headers \
                else ""
            if getattr(record.raw_stream, "limit", 0):
                yield Reject(did, source, "ingest", "warc_truncated",
                             "record shorter than its Content-Length", len(payload))
                return
            if len(payload) > settings.max_document_bytes:
                yield Reject(did, source, "ingest", "too_large",
                             "WARC payload > max_document_bytes", len(payload))
                continue
            if ctype and "html" not in ctype.lower() and "text" not in ctype.lower():
                yield Reject(did, source, "ingest", "unsupported_format",
                             f"WARC response of type {ctype!r}, not HTML", len(payload))
                continue
            try:
                text, enc = decode(payload, html=True)
            except Unreadable as e:
                yield Reject(did, source, "ingest", e.reason, e.detail, len(payload))
                continue
            yield Doc(did, hash_bytes(payload), source, "warc", "html", url, fetched, enc,
                      len(payload), text)
    except Exception as e:  # warcio raises many types on a broken stream
        source = f"{rel}#{i + 1}"
        yield Reject(doc_id_for(source, data), source, "ingest", "warc_corrupt",
                     f"{type(e).__name__}: {e}"[:300], len(data))
        return
    if i == -1:
        yield Reject(doc_id_for(rel, data), rel, "ingest", "warc_corrupt",
                     "no WARC records in the file", len(data))


@dataclass
class IngestResult:
    documents: pl.DataFrame  # DOCUMENT_SCHEMA, sorted by source
    rejected: pl.DataFrame   # REJECT_COLUMNS
    n_files: int


def ingest(raw_dir: Path, settings: Settings) -> IngestResult:
    """Read every file under raw_dir. Output order does not depend on the file system."""
    files = list_raw_files(raw_dir)
    docs: list[Doc] = []
    rejects: list[Reject] = []
    for path in files:
        for item in read_file(path, Path(raw_dir), settings):
            (docs if isinstance(item, Doc) else rejects).append(item)
    return IngestResult(_docs_frame(docs), rejects_frame(rejects), len(files))


def _docs_frame(docs: list[Doc]) -> pl.DataFrame:
    if not docs:
        return pl.DataFrame(schema=DOCUMENT_SCHEMA)
    return pl.DataFrame([d.__dict__ for d in docs], schema=DOCUMENT_SCHEMA).sort("source")


def rejects_frame(rejects: list[Reject]) -> pl.DataFrame:
    from pipeline.schema import REJECTED

    if not rejects:
        return pl.DataFrame(schema=REJECTED)
    return pl.DataFrame([r.__dict__ for r in rejects], schema=REJECTED).sort("source")
