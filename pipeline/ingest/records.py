"""What reading produces: documents (DOCUMENT_SCHEMA) and rejects, the formats by file name,
and the small helpers that keep their text safe to store."""

from __future__ import annotations

import os
from dataclasses import dataclass, fields, replace
from pathlib import Path

import polars as pl

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


# Formats whose body is a whole file through `decode.decode` (a strict codec, or U+FFFD for
# bad bytes: never a lone surrogate): `_safe` does not encode it again to check. JSONL bodies
# (JSON "\ud800" escapes) and WARC records are checked.
_DECODED_FORMATS = ("txt", "html")
_TEXT_FIELDS = ("source", "url", "fetched_at", "detail", "encoding")


def _safe(item: Doc | Reject) -> Doc | Reject:
    """Every string of a row valid UTF-8 (one bad string would fail the whole batch's frame)."""
    changes = {}
    decoded = isinstance(item, Doc) and item.format in _DECODED_FORMATS
    for name in _TEXT_FIELDS if decoded else (*_TEXT_FIELDS, "body"):
        v = getattr(item, name, None)
        if isinstance(v, str):
            fixed = _utf8(v)
            if fixed is not v:
                changes[name] = fixed
    return replace(item, **changes) if changes else item


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
