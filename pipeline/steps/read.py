"""Step 1, read: raw documents with their provenance; byte-identical copies collapsed before
any parsing (the copy with the smallest doc_id stands for its twins), rejects with reasons.
The chunked pass (`pipeline.chunks`) reads its files with `ingest.read_files` and uses these
helpers; `read_raw` reads a whole folder at once (the tests' one-batch oracle)."""

from __future__ import annotations

from dataclasses import dataclass, field

import polars as pl

from pipeline.hashing import hash_bytes
from pipeline.ingest import ingest
from pipeline.settings import Settings
from pipeline.steps.contract import base_stats, counts_by
from pipeline.steps.previous import Previous


@dataclass
class RawStep:
    documents: pl.DataFrame   # unique raw documents (ingest.DOCUMENT_SCHEMA)
    copies: pl.DataFrame      # byte-identical copies: doc_id, source, duplicate_of
    rejected: pl.DataFrame    # schema.REJECTED
    fingerprint: str          # of every raw file's (path, size, mtime)
    stats: dict[str, int] = field(default_factory=dict)
    previous: Previous | None = None  # the published version an incremental run builds on
    files: pl.DataFrame | None = None  # ledger: path, size, mtime_ns of every raw file
    base_version: int | None = None  # the latest version when the raw folder was read
    # doc_id, source, raw_hash of every document read (byte-identical copies included): the
    # version's raw-hash table is built from it (`steps.retire`)
    hashes: pl.DataFrame | None = None
    seen_again: pl.Series | None = None  # published documents found again in the files read
    carried: pl.DataFrame | None = None  # published documents that are copies now (retire)
    retired: pl.Series | None = None     # doc_ids leaving the published tables (retire)
    gone: int = 0  # published documents no longer in the raw folder, or processed again

    def release_bodies(self) -> None:
        """Drop the raw bodies once extracted (no later step reads them): at 100k documents
        they are over a GB of memory."""
        if "body" in self.documents.columns:
            self.documents = self.documents.drop("body")

    @property
    def all_copies(self) -> pl.DataFrame:
        """Byte-identical copies (doc_id, source, duplicate_of: their group's smallest doc_id):
        this run's, and the version's documents that are copies now (`steps.retire`)."""
        return self.copies if self.carried is None else pl.concat([self.copies, self.carried])

    @property
    def nothing_new(self) -> bool:
        return (self.documents.is_empty() and self.copies.is_empty()
                and self.rejected.is_empty()
                and not self.gone)  # (no new document: no demoted or carried copy changes)


def read_raw(settings: Settings, seen: pl.Series | None = None,
             unchanged: pl.DataFrame | None = None) -> RawStep:
    """Read data/raw. With `seen` (doc_ids of the published version) and `unchanged` (its file
    ledger), only files changed since and documents not seen before go on: an incremental run."""
    got = ingest(settings.raw_dir, settings, unchanged)
    docs, rejected, seen_ids = drop_seen(got.documents, got.rejected, seen)
    unique, copies = split_copies(docs)
    stats = raw_stats(got.n_files, got.n_read, docs, copies, rejected, seen_ids.len())
    return RawStep(unique, copies, rejected, files_fingerprint(got.files), stats,
                   files=got.files, hashes=docs.select("doc_id", "source", "raw_hash"),
                   seen_again=seen_ids)


def drop_seen(docs: pl.DataFrame, rejected: pl.DataFrame, seen: pl.Series | None
              ) -> tuple[pl.DataFrame, pl.DataFrame, pl.Series]:
    """Documents and rejects whose doc_id the published version does not hold yet, and the
    doc_ids dropped (an incremental run: they are still in their files, `steps.retire`)."""
    if seen is None or not seen.len():
        return docs, rejected, pl.Series("doc_id", [], pl.String)
    known = pl.col("doc_id").is_in(seen.implode())
    dropped = pl.concat([docs.filter(known)["doc_id"], rejected.filter(known)["doc_id"]])
    return docs.filter(~known), rejected.filter(~known), dropped


def split_copies(docs: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(unique documents, byte-identical copies: doc_id, source, duplicate_of). The copy with
    the smallest doc_id stands for its twins: order-independent."""
    docs = docs.with_columns(pl.col("doc_id").min().over("raw_hash").alias("_rep"))
    copies = docs.filter(pl.col("doc_id") != pl.col("_rep")).select(
        "doc_id", "source", pl.col("_rep").alias("duplicate_of")).sort("doc_id")
    return docs.filter(pl.col("doc_id") == pl.col("_rep")).drop("_rep"), copies


def files_fingerprint(files: pl.DataFrame) -> str:
    """What a version stands on: every raw file's path, size and modification time."""
    return hash_bytes(*(f"{p}\t{n}\t{t}".encode() for p, n, t in files.sort("path").iter_rows()))


def raw_stats(n_files: int, n_read: int, docs: pl.DataFrame, copies: pl.DataFrame,
              rejected: pl.DataFrame, n_seen: int) -> dict[str, int]:
    """The read step's counts (documents read include the byte-identical copies)."""
    return {
        "files": n_files,
        "files_read": n_read,
        "raw_documents": docs.height + rejected.height,
        "already_published": n_seen,
        "documents_read": docs.height,
        "byte_identical_copies": copies.height,
        "rejected": rejected.height,
        **counts_by(rejected, "reason", "rejected"),
        **base_stats(docs.height + rejected.height, docs.height, rejected),
    }
