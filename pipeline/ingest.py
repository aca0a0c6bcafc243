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
"""

from __future__ import annotations

import errno
import json
import os
import stat
from collections.abc import Iterator
from dataclasses import dataclass, fields, replace
from functools import lru_cache
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


def list_raw_files(raw_dir: Path, settings: Settings | None = None) -> list[Path]:
    """Every file below raw_dir a run reads (regular files, and links to files within the
    allowed roots), sorted by relative path (determinism), dotfiles skipped. Entries a run
    refuses (special files, links leading out, unlistable folders) are not in it."""
    return [Path(p) for _, p, st in _scan_raw(Path(raw_dir), settings) if st is not None]


def has_entries(raw_dir: Path) -> bool:
    """Whether the raw folder holds anything a run would account for (a file, a link, a
    special file, a folder it cannot list), dotfiles aside: stops at the first one."""
    if not Path(raw_dir).is_dir():
        return False
    todo = [str(raw_dir)]
    while todo:
        try:
            entries = list(os.scandir(todo.pop()))
        except OSError:
            return True  # a folder that cannot be listed is an entry (a reject)
        for e in entries:
            if e.name.startswith("."):
                continue
            try:
                if e.is_dir(follow_symlinks=False):
                    todo.append(e.path)
                    continue
            except OSError:
                pass
            return True
    return False


def _roots(raw_dir: Path | str, settings: Settings | None) -> tuple[str, ...]:
    extra = tuple(str(r) for r in (getattr(settings, "raw_allowed_roots", None) or ()))
    return _real_roots(str(raw_dir), extra)


@lru_cache(maxsize=64)
def _real_roots(raw: str, extra: tuple[str, ...]) -> tuple[str, ...]:
    """The raw folder and the allowed roots, resolved (links and `..` gone): what a followed
    link's target must stay within."""
    return tuple(dict.fromkeys(os.path.realpath(p) for p in (raw, *extra)))


def _inside(real: str, roots: tuple[str, ...]) -> bool:
    return any(real == r or real.startswith(r.rstrip("/") + "/") for r in roots)


def _allow_hard_links(settings: Settings | None) -> bool:
    return bool(getattr(settings, "raw_allow_hard_links", False))


def _scan_raw(raw_dir: Path, settings: Settings | None = None
              ) -> list[tuple[str, str, os.stat_result | None]]:
    """(relative path, path, stat) of every entry below raw_dir a run must account for, sorted
    by relative path. `stat` is that of a regular file to read (of a followed link's target),
    or None for an entry read_file examines and rejects with its reason (a special file, a link
    leading out or in a loop, a folder that cannot be listed, an entry that vanished, a hard
    link): None keeps it out of the ledger, so it is examined again next run.

    The real folders are walked first, then the links to folders (in name order, each target
    folder listed once): the listing does not depend on the file system's order. os.scandir
    knows each entry's type without a system call, so a file costs one lstat (100k files:
    ~0.5 s; pathlib's rglob + is_file + stat took 2.1 s). The raw folder itself failing to list
    raises (the run fails: nothing would be read)."""
    raw_dir = Path(raw_dir)
    if settings is None:
        settings = Settings(raw_dir=raw_dir)
    if not raw_dir.is_dir():
        return []
    roots = _roots(raw_dir, settings)
    hard_ok = _allow_hard_links(settings)
    out: list[tuple[str, str, os.stat_result | None]] = []
    visited: set[tuple[int, int]] = set()
    links: list[tuple[str, str]] = []

    def file_stat(st: os.stat_result | None) -> os.stat_result | None:
        if st is None or not stat.S_ISREG(st.st_mode):
            return None  # a FIFO, socket or device: read_file refuses it, never opens it
        if st.st_nlink > 1 and not hard_ok:
            return None  # refused by read_file (hard_link)
        return st

    def walk(top: str, top_rel: str) -> None:
        todo = [(top, top_rel)]
        while todo:
            folder, rel = todo.pop()
            try:
                st = os.stat(folder)
                entries = sorted(os.scandir(folder), key=lambda e: e.name)
            except OSError:
                if not rel:
                    raise  # the raw folder itself: the run fails rather than read nothing
                out.append((rel.rstrip("/"), folder, None))  # read_file: unlistable_folder
                continue
            visited.add((st.st_dev, st.st_ino))
            for e in reversed(entries):  # popped in name order
                if e.name.startswith("."):
                    continue
                try:
                    if e.is_symlink():
                        links.append((f"{rel}{e.name}", e.path))
                        continue
                    if e.is_dir(follow_symlinks=False):
                        todo.append((e.path, f"{rel}{e.name}/"))
                        continue
                    fst = file_stat(e.stat(follow_symlinks=False))
                except OSError:
                    fst = None  # vanished or unreadable: read_file turns it into a reject
                out.append((f"{rel}{e.name}", e.path, fst))

    walk(str(raw_dir), "")
    while links:
        batch, links = sorted(links), []
        for rel, path in batch:
            try:
                real = os.path.realpath(path)
                st = os.stat(path)
            except (OSError, ValueError):
                out.append((rel, path, None))  # dangling or a loop of links: unreadable
                continue
            if not _inside(real, roots):
                out.append((rel, path, None))  # read_file: symlink_outside
            elif stat.S_ISDIR(st.st_mode):
                if (st.st_dev, st.st_ino) in visited:
                    out.append((rel, path, None))  # read_file: symlink_loop
                else:
                    walk(path, f"{rel}/")
            else:
                out.append((rel, path, file_stat(st)))
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
# warcio reads WARC and HTTP header lines with an unbounded readline() (quadratic in the line:
# a 60 MB line took 71 s): its reader here caps a line, and the header bytes of one record.
WARC_LINE_BYTES = 64 * 1024
WARC_HEADER_BYTES = 1024 * 1024


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


class _Refused(Exception):
    """An entry of the raw folder that is not read, with the reason code and detail."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(detail)
        self.reason = reason
        self.detail = detail


_KINDS = {stat.S_IFIFO: "FIFO (named pipe)", stat.S_IFSOCK: "socket",
          stat.S_IFCHR: "character device", stat.S_IFBLK: "block device"}


def _kind(mode: int) -> str:
    return _KINDS.get(stat.S_IFMT(mode), "special file")


def _fd_path(fd: int, fallback: str) -> str:
    """The real path of an open file (Linux: /proc/self/fd), to check that what was opened is
    within the roots whatever links an intermediate folder was swapped for."""
    try:
        return os.readlink(f"/proc/self/fd/{fd}")
    except OSError:
        return os.path.realpath(fallback)


def _refuse_folder(path: Path, linked: bool) -> _Refused:
    """A folder reached as a raw entry: the listing could not read it, or (a link) it was
    listed under another name already."""
    try:
        with os.scandir(path) as it:
            next(it, None)
    except OSError as e:
        return _Refused("unlistable_folder", f"the folder cannot be listed: "
                                             f"{e.strerror or e}; its files were not read")
    if linked:
        return _Refused("symlink_loop", f"a link to the folder {os.path.realpath(path)}, "
                                        "listed already under another name (or a parent of "
                                        "the link): read once, under that name")
    return _Refused("unlistable_folder", "the folder could not be listed when the run started;"
                                         " its files were not read")


def _open_raw(path: Path, roots: tuple[str, ...] | None, hard_ok: bool) -> int:
    """An fd of the regular file `path` names, or _Refused / OSError. A link is followed only
    to a target within `roots` (None: no check); a FIFO or device is never opened; the opened
    file is checked again (type, hard links, real path)."""
    try:
        lst = os.lstat(path)
    except OSError as e:
        if e.errno == errno.ENAMETOOLONG:
            raise _Refused("path_too_long", f"its path has {len(os.fsencode(path))} bytes, more "
                                            "than the system opens: never read") from e
        raise
    target = str(path)
    linked = stat.S_ISLNK(lst.st_mode)
    if linked:
        real = os.path.realpath(path)
        if roots is not None and not _inside(real, roots):
            raise _Refused("symlink_outside", f"a symbolic link to {real}, outside the raw "
                                              "folder and raw_allowed_roots: not followed")
        try:
            lst = os.stat(real)
        except OSError as e:
            raise OSError(e.errno, f"a symbolic link to {real}, which cannot be read: "
                                   f"{e.strerror}") from e
        target = real
    if stat.S_ISDIR(lst.st_mode):
        raise _refuse_folder(path, linked)
    if not stat.S_ISREG(lst.st_mode):
        raise _Refused("special_file", f"a {_kind(lst.st_mode)}: never opened (reading it "
                                       "could block the run or never end)")
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0) \
        | getattr(os, "O_CLOEXEC", 0)
    fd = os.open(target, flags)
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise _Refused("special_file", f"replaced by a {_kind(st.st_mode)} after listing: "
                                           "never read")
        if st.st_nlink > 1 and not hard_ok:
            raise _Refused("hard_link", f"a file with {st.st_nlink} hard links: its other "
                                        "names may be anywhere on the machine; not read")
        if roots is not None:
            real = _fd_path(fd, target)
            if not _inside(real, roots):
                raise _Refused("symlink_outside", f"reached through a linked folder at {real}, "
                                                  "outside the raw folder and raw_allowed_roots")
    except BaseException:
        os.close(fd)
        raise
    return fd


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
    builds on. Entries without a stat (refused or vanished) have nulls: never in the stored
    ledger, examined again every run."""
    rows = []
    for rel, _, st in files:
        rows.append((_display_name(rel),
                     st.st_size if st else None, st.st_mtime_ns if st else None, len(rows)))
    return pl.DataFrame(rows, schema={**FILES_SCHEMA, "i": pl.UInt32()}, orient="row")


# Reject reasons that mean "the file was not read": its ledger row is not stored, so the next
# run examines it again (the ledger records only files that were read).
NOT_READ = ("unreadable", "unlistable_folder", "special_file", "symlink_outside",
            "symlink_loop", "hard_link", "path_too_long")
# Of those, the ones a later run may find gone (a file restored, permissions fixed, a folder
# mounted): an incremental run retires them from the version it builds on and reads the file
# again; if it still fails, the same reject (same doc_id) comes back.
RETRIED = ("unreadable", "unlistable_folder")


def _file_rejects(reasons: tuple[str, ...]) -> pl.Expr:
    return (pl.col("stage") == "ingest") & pl.col("reason").is_in(list(reasons))


def read_ledger(files: pl.DataFrame | None, rejected: pl.DataFrame | pl.LazyFrame
                ) -> pl.DataFrame | None:
    """The ledger without the files whose reading failed (a NOT_READ reject names them): only
    files that were read are recorded, so a file rejected as unreadable is read again next
    run instead of being skipped as unchanged."""
    if files is None or files.is_empty():
        return files
    bad = rejected.lazy().filter(_file_rejects(NOT_READ)).select(
        pl.col("source").alias("path")).collect()
    if bad.is_empty():
        return files
    return files.join(bad, on="path", how="anti", maintain_order="left")


def retry_unread(files: pl.DataFrame | None, rejected: pl.DataFrame | None
                 ) -> tuple[pl.DataFrame | None, pl.DataFrame | None, int]:
    """For an incremental run over a version: (its ledger without the files rejected
    NOT_READ, its rejected table without the RETRIED rejects, how many were retired). The
    retired files are read again; a version written before the ledger was filtered gets the
    same treatment."""
    if rejected is None:
        return files, rejected, 0
    files = read_ledger(files, rejected)
    retire = _file_rejects(RETRIED)
    kept = rejected.filter(~retire)
    return files, kept, rejected.height - kept.height


@dataclass
class FilePlan:
    """What a run reads: the files that changed since the version it builds on."""

    todo: list[str]        # paths of the files to read, in sorted order
    sizes: list[int]       # their sizes in bytes (0 when unknown)
    ledger: pl.DataFrame   # FILES_SCHEMA: every raw file (stored with the version)
    n_listed: int          # files under the raw folder


def plan_files(raw_dir: Path, unchanged: pl.DataFrame | None = None,
               settings: Settings | None = None) -> FilePlan:
    """List raw_dir once (sorted, one stat per file). `unchanged`: a ledger (path, size,
    mtime_ns) of files already read by the version this run builds on; files with the same
    path, size and mtime are not read again. `settings`: the allowed roots of links and the
    hard-link rule (None: the defaults, which read CURATE_RAW_ALLOWED_ROOTS and
    CURATE_RAW_ALLOW_HARD_LINKS)."""
    raw_dir = Path(raw_dir)
    scanned = _scan_raw(raw_dir, settings)
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
    plan = plan_files(raw_dir, unchanged, settings)
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
