"""Stable identifiers: xxh3-128 (fast, stable across platforms and versions), hex-encoded."""

from __future__ import annotations

import xxhash


def hash_bytes(*parts: bytes) -> str:
    """128-bit hex digest of the parts, separated so ("ab","c") != ("a","bc")."""
    h = xxhash.xxh3_128()
    for p in parts:
        h.update(len(p).to_bytes(8, "little"))
        h.update(p)
    return h.hexdigest()


def doc_id_for(source: str, payload: bytes) -> str:
    """A raw document's id: its provenance and its bytes, so two files with the same bytes stay
    two documents (one is then a byte-identical duplicate of the other), and the id is the same
    on every run."""
    return hash_bytes(source.encode("utf-8", "surrogatepass"), payload)[:24]
