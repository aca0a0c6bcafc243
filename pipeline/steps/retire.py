"""What an incremental run retires from the version it builds on, so that N incremental runs give
what one full rebuild over the same raw folder gives (issue 22, finding 6).

Three things change a published document's place without it being new:

- **its raw file changed or vanished.** A document of a modified file that is not in the file
  any more (its bytes changed, so its doc_id did), or of a deleted file, is retired: it leaves
  `articles`, `duplicates`, `rejected`, `removed_lines`, the signature index and the raw-hash
  table, and the manifest's `raw_documents` no longer counts it. The modified file's new
  documents come in as new ones.
- **a byte-identical twin arrives.** Of documents with the same raw bytes, the one with the
  smallest doc_id stands for all, whichever run read it first (the rule of `read.split_copies`,
  now across runs through the version's `raw_hashes` table). A later twin with a larger doc_id
  is an `exact_raw` copy of the published one and is not processed further; one with a smaller
  doc_id takes the published one's place, which becomes its `exact_raw` copy (demoted: its
  article row and removed lines leave, as in the rebuild, where it was never cleaned).
- **what it leaned on is retired.** A near-duplicate whose cluster loses a member may become a
  representative, and a byte-identical copy whose twin is retired may have to stand for its
  group; their clean texts were never stored, so their files are read again (`plan`) and they
  are processed as new documents. Which clusters a retirement breaks is known only once the
  changed files are read, so every cluster with a document in a changed or deleted file counts
  (a touched file whose bytes did not change costs a few documents read twice, nothing else).

A version written before the raw-hash table existed has no `hashes`: incremental runs on it
keep the old behaviour (`Previous.hashes` is None) until a full rebuild.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import polars as pl

from pipeline.steps.previous import Previous

HASHES_SCHEMA: dict[str, pl.DataType] = {"doc_id": pl.String(), "raw_hash": pl.String()}


@dataclass
class Plan:
    """Before reading: the raw files changed or deleted since the version, and the published
    documents read again because a retirement may leave them standing for their cluster."""

    affected: pl.Series   # display paths of files changed (read again) or deleted
    reread: pl.Series     # doc_ids processed again as new documents
    reread_files: pl.Series  # display paths of their files (read again even if unchanged)

    @property
    def empty(self) -> bool:
        return not (self.affected.len() or self.reread.len())


@dataclass
class Settled:
    """After reading: what leaves the version, and the byte-identical copies of the run."""

    previous: Previous         # the version without the retired documents
    copies: pl.DataFrame       # this run's documents that are copies (doc_id, source, duplicate_of)
    carried: pl.DataFrame      # the version's documents that are copies now (same columns)
    late_copies: pl.Series     # this run's documents found copies of published ones: not kept
    hashes: pl.DataFrame       # HASHES_SCHEMA of every document read, the version's and the run's
    retired: pl.Series         # doc_ids leaving the version's tables (incl. demoted and carried)
    n_gone: int                # documents no longer in the raw folder, or read again
    n_demoted: int             # published articles that are byte-identical copies now


def _with_file(docs: pl.DataFrame, paths: pl.Series) -> pl.DataFrame:
    """A `file` column: the raw file a source comes from (`path` or a record's `path#i`)."""
    stripped = pl.col("source").str.replace(r"#\d+$", "")
    return docs.with_columns(
        pl.when(pl.col("source").is_in(paths.implode())).then(pl.col("source"))
        .otherwise(stripped).alias("file"))


def plan(prev: Previous | None, ledger: pl.DataFrame, todo: pl.Series) -> Plan:
    """`ledger`: every raw file listed now (path, ...); `todo`: the paths this run reads (new
    or changed since the version's ledger)."""
    none = pl.Series("x", [], pl.String)
    if prev is None or prev.hashes is None or prev.files is None:
        return Plan(none, none, none)
    known = prev.files["path"]
    deleted = known.filter(~known.is_in(ledger["path"].implode()))
    changed = todo.filter(todo.is_in(known.implode()))
    affected = pl.concat([deleted, changed]).unique().sort()
    if not affected.len():
        return Plan(affected, none, none)
    docs = _with_file(prev.documents, pl.concat([known, ledger["path"]]))
    hit = docs.filter(pl.col("file").is_in(affected.implode()))
    # Clusters with a document in an affected file: their other members may stand alone next.
    broken = (prev.index.filter(pl.col("doc_id").is_in(hit["doc_id"].implode()))["cluster_id"]
              if prev.index is not None else none)
    members = prev.duplicates.filter(pl.col("duplicate_of").is_in(broken.implode()))["doc_id"]
    # Byte-identical twins of a document in an affected file (copies, or rejects that were).
    hashes = prev.hashes
    twins = hashes.filter(pl.col("raw_hash").is_in(
        hashes.filter(pl.col("doc_id").is_in(hit["doc_id"].implode()))["raw_hash"].implode()))
    again = docs.filter(
        (pl.col("doc_id").is_in(members.implode()) | pl.col("doc_id").is_in(
            twins["doc_id"].implode()))
        & ~pl.col("file").is_in(affected.implode()))
    return Plan(affected, again["doc_id"].sort(), again["file"].unique().sort())


def settle(prev: Previous, the_plan: Plan, read: pl.DataFrame, seen_again: pl.Series) -> Settled:
    """`read`: doc_id, source, raw_hash of every document this run read that the version did not
    hold (its re-read documents included), before the byte-identical collapse; `seen_again`:
    doc_ids of published documents found again in the files read."""
    assert prev.hashes is not None
    docs = _with_file(prev.documents, pl.concat([prev.files["path"], the_plan.affected])
                      if prev.files is not None else the_plan.affected)
    gone = docs.filter(
        (pl.col("file").is_in(the_plan.affected.implode())
         & ~pl.col("doc_id").is_in(seen_again.implode()))
        | pl.col("doc_id").is_in(the_plan.reread.implode()))["doc_id"].unique()
    kept_hashes = prev.hashes.filter(~pl.col("doc_id").is_in(gone.implode()))
    hashes = pl.concat([kept_hashes, read.select(list(HASHES_SCHEMA))]).unique(
        "doc_id", keep="first").sort("doc_id")
    # The smallest doc_id of each byte group stands for it, across runs.
    groups = hashes.with_columns(pl.col("doc_id").min().over("raw_hash").alias("duplicate_of"))
    copies_all = groups.filter(pl.col("doc_id") != pl.col("duplicate_of"))
    sources = pl.concat([docs.select("doc_id", "source"), read.select("doc_id", "source")])
    copies_all = copies_all.join(sources.unique("doc_id", keep="first"), on="doc_id",
                                 how="left").select("doc_id", "source", "duplicate_of")
    new_ids = read["doc_id"].implode()
    copies = copies_all.filter(pl.col("doc_id").is_in(new_ids)).sort("doc_id")
    carried = copies_all.filter(~pl.col("doc_id").is_in(new_ids)).sort("doc_id")
    retired = pl.concat([gone, carried["doc_id"]]).unique().sort()
    n_demoted = docs.filter((pl.col("table") == "articles")
                            & pl.col("doc_id").is_in(carried["doc_id"].implode())).height
    return Settled(without(prev, retired, len(gone)), copies, carried,
                   copies["doc_id"], hashes, retired, len(gone), n_demoted)


def without(prev: Previous, retired: pl.Series, n_gone: int) -> Previous:
    """The version's tables without the retired documents (the raw documents count loses those
    gone from the raw folder or read again; demoted ones stay raw documents, as copies)."""
    if not retired.len():
        return prev
    out = ~pl.col("doc_id").is_in(retired.implode())
    return replace(
        prev,
        raw_documents=prev.raw_documents - n_gone,
        articles=prev.articles.filter(out),
        duplicates=prev.duplicates.filter(out),
        rejected=prev.rejected.filter(out),
        removed_lines=prev.removed_lines.filter(out) if prev.removed_lines is not None else None,
        # the index keeps them: `dedupe` retires them there, so their clusters are joined again
    )
