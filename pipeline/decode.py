"""Bytes to text: gzip with a size cap, binary detection, encoding detection.

Each failure raises `Unreadable` with a stable reason code, so a bad file becomes a `rejected`
row instead of stopping the run.
"""

from __future__ import annotations

import codecs
import re
import zlib

from charset_normalizer import from_bytes


class Unreadable(Exception):
    """A document that cannot be read; `reason` is a stable code, the message the detail."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail


_BOMS = [
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
]
# Bounded repetition: a page of "<meta<meta<meta..." cannot make the search quadratic.
_META_CHARSET = re.compile(rb"""<meta[^>]{1,1024}?charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]{1,40})""",
                           re.I)
# Browsers read these labels as their supersets (WHATWG encoding standard).
_ALIASES = {"iso-8859-1": "cp1252", "latin1": "cp1252", "latin-1": "cp1252", "ascii": "cp1252",
            "us-ascii": "cp1252", "iso-8859-9": "cp1254", "tis-620": "cp874"}


# A page's own charset declaration is only followed for an ASCII-compatible web encoding. A
# hostile page can name any Python codec ("undefined", "idna", "punycode", "utf-7",
# "unicode_escape", ...); the WHATWG standard reads a declared UTF-16/32 as UTF-8 (the
# declaration was itself read as ASCII), which the strict UTF-8 pass has already tried.
_NOT_DECLARABLE = {"undefined", "idna", "punycode", "utf-7", "unicode-escape", "raw-unicode-escape",
                   "utf-16", "utf-16-le", "utf-16-be", "utf-32", "utf-32-le", "utf-32-be",
                   "mbcs", "oem", "charmap"}
_NUL = re.compile(rb"[^\0]")
_BLOCK = 1 << 16


_WESTERN = {"English", "Spanish", "French", "German", "Italian", "Portuguese", "Dutch", "Danish",
            "Swedish", "Norwegian", "Finnish", "Catalan", "Indonesian"}


def gunzip(data: bytes, limit: int) -> bytes:
    """Inflate every gzip member of `data`, refusing to produce more than `limit` bytes
    (a gzip bomb is rejected after reading at most `limit` bytes of output).

    Input is fed in blocks from a memoryview, so a file of a million tiny members costs linear
    time (slicing the remaining input for each member would be quadratic)."""
    view = memoryview(data)
    n = len(data)
    out: list[bytes] = []
    total = 0
    pos = 0
    while True:
        m = _NUL.search(data, pos)  # NUL padding between members is allowed (and ignored)
        if m is None:
            break
        pos = m.start()
        d = zlib.decompressobj(wbits=47)  # 32 + 15: gzip or zlib header, max window
        while True:
            end = min(pos + _BLOCK, n)
            try:
                chunk = d.decompress(view[pos:end], limit - total + 1)
            except zlib.error as e:
                raise Unreadable("gzip_corrupt", str(e)) from e
            total += len(chunk)
            out.append(chunk)
            if total > limit or d.unconsumed_tail:
                raise Unreadable("too_large", f"inflates to more than {limit} bytes")
            if d.eof:
                pos = end - len(d.unused_data)
                break
            pos = end
            if pos >= n:
                raise Unreadable("gzip_truncated", "compressed stream ends before its end marker")
    return b"".join(out)


# Control bytes that never occur in text (tab, newlines, form feed and escape excepted).
_CONTROL_BYTES = bytes(b for b in range(32) if b not in (9, 10, 12, 13, 27))


def _try(data: bytes, encoding: str) -> str | None:
    try:
        return data.decode(encoding)
    except (ValueError, LookupError, TypeError):
        # ValueError covers UnicodeError, which codecs such as "undefined" or "idna" raise
        # instead of UnicodeDecodeError; LookupError an unknown or non-text codec.
        return None


def _declared(label: bytes) -> str | None:
    """The codec to try for a page's declared charset, or None when the label is not one a web
    page may declare (unknown, not a text encoding, not ASCII-compatible)."""
    name = label.decode("ascii", "replace").lower()
    name = _ALIASES.get(name, name)
    try:
        info = codecs.lookup(name)
    except (LookupError, ValueError):
        return None
    canonical = info.name.replace("_", "-")
    if canonical in _NOT_DECLARABLE or not getattr(info, "_is_text_encoding", True):
        return None
    if _try(b"<meta charset=>", name) != "<meta charset=>":
        return None  # the declaration was found as ASCII: the encoding must read ASCII as ASCII
    return name


def _utf16_without_bom(data: bytes) -> tuple[str, str] | None:
    """UTF-16 without a byte-order mark, told by its zero bytes: text in a Latin script has a
    zero in every other byte (the high byte), on odd positions (little-endian) or even ones."""
    head = data[:4096]
    if len(head) < 8 or b"\0" not in head:  # (the usual case: one C-speed search)
        return None
    even, odd = head[0::2], head[1::2]
    z_even, z_odd = even.count(0), odd.count(0)
    if z_odd > 0.3 * len(odd) and z_even < 0.02 * len(even):
        enc = "utf-16-le"
    elif z_even > 0.3 * len(even) and z_odd < 0.02 * len(odd):
        enc = "utf-16-be"
    else:
        return None
    text = _try(data[: len(data) - len(data) % 2], enc)
    if text is None:
        return None
    try:
        return _check_text(text), enc
    except Unreadable:
        return None


def _mostly_utf8(data: bytes) -> str | None:
    """UTF-8 with a few invalid bytes (a damaged download, a truncated sequence): kept as UTF-8,
    the bad bytes replaced by U+FFFD, when the valid multi-byte characters outnumber them ten to
    one. A legacy code page (windows-1252 accents, curly quotes) has few or no valid UTF-8
    sequences and goes on to the declared charset or the detector."""
    text = data.decode("utf-8", "replace")
    bad = text.count("\ufffd") - data.count(b"\xef\xbf\xbd")
    non_ascii = len(text) - len(text.encode("ascii", "ignore"))
    return text if bad > 0 and non_ascii - bad >= 10 * bad else None


def decode(data: bytes, *, html: bool = False) -> tuple[str, str]:
    """Decode raw bytes to text; returns (text, encoding). BOM, then UTF-16 without a BOM, then
    strict UTF-8, then UTF-8 with a few bad bytes, then the page's declared charset (HTML), then
    charset-normalizer's detection."""
    if not data or data.isspace():  # (not data.strip(): no copy of the document)
        raise Unreadable("empty", "no content")
    for bom, enc in _BOMS:
        if data.startswith(bom):
            text = _try(data, enc)
            if text is None:
                raise Unreadable("undecodable", f"invalid {enc} after its byte-order mark")
            return _check_text(text), enc
    utf16 = _utf16_without_bom(data)
    if utf16 is not None:
        return utf16
    head = data[:8192]
    controls = len(head) - len(head.translate(None, _CONTROL_BYTES))
    if b"\0" in head or controls > len(head) * 0.05:  # (`controls` is reused below)
        raise Unreadable("binary", "control bytes: not a text or HTML document")
    text = _try(data, "utf-8")
    if text is not None:
        return _check_utf8(text, head, controls), "utf-8"
    text = _mostly_utf8(data)
    if text is not None:
        return _check_text(text), "utf-8"
    if html:
        m = _META_CHARSET.search(data[:8192])
        enc = _declared(m.group(1)) if m else None
        if enc:
            text = _try(data, enc)
            if text is not None:
                return _check_text(text), enc
    best = from_bytes(data[: 1024 * 1024]).best()
    if best is None or best.encoding is None:
        raise Unreadable("undecodable", "no text encoding fits these bytes")
    encoding = best.encoding
    if best.language in _WESTERN and encoding != "cp1252" and _try(data, "cp1252") is not None:
        # On short texts the detector confuses single-byte Latin code pages; for a Western
        # European language windows-1252 is the de-facto encoding (as browsers assume).
        encoding = "cp1252"
    text = _try(data, encoding)
    if text is None:
        raise Unreadable("undecodable", f"detected {best.encoding} but the bytes do not decode")
    return _check_text(text), encoding


# Control characters are single bytes of UTF-8 (never part of a longer sequence): counted in
# the UTF-8 bytes with bytes.translate (`_CONTROL_BYTES`), 10x faster than a regex.
_REPLACEMENT = "\ufffd".encode()
# UTF-8 continuation bytes: the characters of a UTF-8 head are its bytes without them.
_CONTINUATION = bytes(range(0x80, 0xC0))


def _check_utf8(text: str, head: bytes, controls: int) -> str:
    """`_check_text` of a text strictly decoded from UTF-8, on the characters of its first
    8,192 bytes (`head`, holding `controls` control bytes) instead of its first 8,192
    characters: the same control characters and U+FFFD against the same count of characters,
    taken from the bytes as they are (most real pages are not pure ASCII, and re-encoding the
    head of every one cost a third of reading it)."""
    if not text or text.isspace():
        raise Unreadable("empty", "only whitespace")
    n_chars = len(head.translate(None, _CONTINUATION))
    if controls + head.count(_REPLACEMENT) > n_chars * 0.05:
        raise Unreadable("binary", "decoded text is mostly control or replacement characters")
    return text


def _check_text(text: str) -> str:
    if not text or text.isspace():
        raise Unreadable("empty", "only whitespace")
    head = text[:8192]
    b = head.encode("utf-8", "surrogatepass")
    bad = len(b) - len(b.translate(None, _CONTROL_BYTES)) + b.count(_REPLACEMENT)
    if bad > len(head) * 0.05:
        raise Unreadable("binary", "decoded text is mostly control or replacement characters")
    return text
