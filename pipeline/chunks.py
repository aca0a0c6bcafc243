"""The per-document work of a run, in chunks of raw files over worker processes, in two passes.

1. `prepare_chunk`: a worker reads a chunk of raw files and extracts its documents (the same
   `steps.extract` as a single batch), writes them to an Arrow file in the run's work folder,
   and sums up their consecutive line pairs (`boilerplate.recurrence`).
2. The main process counts those pairs over the whole run (`count_pairs`: partition by
   partition, bounded in memory): a page template recurs with the same neighbours in many
   documents, whichever chunks they fell in.
3. `clean_chunk`: a worker cleans and signs one chunk's documents with the run's recurring pairs
   (the same `steps.clean` / `dedup.sign_texts` as a single batch) and writes the clean
   documents and removed lines to Parquet parts.

The same worker processes serve both passes. Only small facts come back to the main process
(rejects, ids and raw hashes, MinHash signatures, counts). Raw bodies and clean texts never
cross a process boundary, both cores do the per-document work, and a worker's memory follows its
chunk, not the corpus.

What needs every document runs in the main process on those facts: byte-identical copies
(same raw hash across chunks), the recurring line pairs, and near-duplicate clustering (the LSH
join). A worker already leaves unprocessed the copies whose smaller-id twin an earlier chunk or
its own holds (`skip_copies`: about half of them; the rest are processed and dropped here). The
site-template rule and the batch's own recurring lines see the documents within a chunk, copies
left unprocessed excluded (chunks are consecutive files in sorted order, so the result does not
depend on the worker count or the listing order).

Cost of the run-wide count (100k real-page scrapes, `bench_pipeline.py`): the summaries and the
Arrow files ~0.1 s of a 2,000-document chunk's ~1.7 s, the pairs' joins and guard in the engine
~0.05 s, the count ~1 s in the main process: about 11 % of the throughput (bench/README.md,
"Session 9 numbers"). Since session 17 the summary files are removed during the second pass
(`remove_files`), not at the barrier, where their unlinks were most of the count's time.

Profile that led here (100k text scrapes, whole batches through the main process): reading
33 s (bodies pickled back from workers), cleaning 61 s (Polars in one process), signing 36 s,
content hashes 12 s (single-threaded regexes); 136 s end to end on a quiet machine.
"""

from __future__ import annotations

import contextlib
import fcntl
import math
import os
import shutil
import tempfile
import threading
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from pipeline import executors, schema, skip_copies, steps
from pipeline.dedup.settings import DedupSettings
from pipeline.dedup.sign import Signed
from pipeline.ingest import DOCUMENT_SCHEMA, FilePlan, plan_files, prefetch, read_files
from pipeline.settings import Settings

# Raw bytes a worker takes at a time: big enough that the boilerplate engine's per-batch costs
# are spread thin, small enough to spread the work over both cores and to keep a worker's
# memory bounded (~20x the chunk at peak).
CHUNK_BYTES = 24 * 1024 * 1024
# Files a chunk holds at most (many tiny files: the per-file cost dominates).
CHUNK_FILES = 4000
# Worker environment. One Polars thread per worker: the workers fill the cores. Allocators told
# to keep freed memory for reuse: a chunk allocates and frees ~0.5 GB of short-lived buffers,
# and handing them back to the kernel cost a third as much system time as the work itself (120k
# page faults a chunk; measured: system time 0.34 -> 0.10 s, page faults 116k -> 9k per chunk
# of 2,100 documents). A worker's memory then stays at its peak, which is bounded by the chunk.
WORKER_ENV = {
    "POLARS_MAX_THREADS": "1",
    "_RJEM_MALLOC_CONF": "dirty_decay_ms:-1,muzzy_decay_ms:-1",  # Polars' jemalloc
    "MALLOC_MMAP_THRESHOLD_": str(32 * 1024 * 1024),  # glibc (NumPy, Python): heap, not mmap
    "MALLOC_TRIM_THRESHOLD_": str(1024 * 1024 * 1024),
    "MALLOC_TOP_PAD_": str(256 * 1024 * 1024),
}

META_SCHEMA = {k: v for k, v in DOCUMENT_SCHEMA.items() if k != "body"}


@dataclass
class ChunkTask:
    index: int
    paths: list[str]
    raw_dir: str
    settings: Settings
    out_dir: str
    seen_file: str | None  # Parquet of doc_ids the version this run builds on already holds


@dataclass
class ChunkResult:
    index: int
    meta: pl.DataFrame            # every document read (META_SCHEMA), before byte-identical collapse
    seen: pl.Series               # doc_ids skipped as already published
    skipped: pl.Series            # doc_ids of byte-identical copies left unprocessed
    rejected: dict[str, pl.DataFrame]  # per stage (read, extract, clean), schema.REJECTED
    cleaned_ids: pl.DataFrame     # doc_id, published of each row of the cleaned part
    signed: Signed                # MinHash facts of those rows
    stats: dict[str, dict[str, int]] = field(default_factory=dict)  # per step
    parts: dict[str, str] = field(default_factory=dict)  # table -> Parquet part


def plan_chunks(files: list[Path], sizes: list[int], chunk_bytes: int = CHUNK_BYTES,
                chunk_files: int = CHUNK_FILES) -> list[list[str]]:
    """Consecutive files (sorted order) cut into chunks of about equal weight, none over
    `chunk_bytes` or `chunk_files` (a file weighs the larger of its share of either; a file
    larger than a chunk is a chunk of its own).

    Equal, not guided (full chunks, then smaller ones at the end so no worker idles long):
    chunk boundaries decide what the template rules see together (`blocks.repeated`: a line
    recurring in several documents of a chunk), and the small tail chunks of guided scheduling
    saw too few pages of each template. On 10,000 pages of 256 templates (bench/eval_templates.py)
    every article that kept its template lay in the last 35 % of the files, cut into chunks of
    4-10 MB; with equal chunks 106 -> 0 such documents and 59 -> 8 false merges. What a worker
    may idle at the end is half a chunk on average (~1 s of a 100k-document run); an even number
    of chunks lets the default two workers end together. Fixed numbers, not the worker count,
    so the result does not depend on it."""
    if not files:
        return []
    weights = [max(n / chunk_bytes, 1 / chunk_files) for n in sizes]
    total = sum(weights)
    n_chunks = max(1, math.ceil(total - 1e-9))
    n_chunks += n_chunks % 2 if n_chunks > 1 else 0  # even: two workers (the default) end together
    chunks: list[list[str]] = []
    cur: list[str] = []
    share, size = -1, 0.0
    before = 0.0
    for p, w in zip(files, weights, strict=True):
        # the equal share of the file's midpoint on the weight line, in order
        i = min(n_chunks - 1, int(n_chunks * (before + w / 2) / total))
        before += w
        if cur and (i != share or size + w > 1.0 + 1e-9 or w >= 1.0):
            chunks.append(cur)
            cur, size = [], 0.0
        cur.append(str(p))
        share, size = i, size + w
        if w >= 1.0:  # larger than a chunk: alone
            chunks.append(cur)
            cur, size = [], 0.0
    if cur:
        chunks.append(cur)
    return chunks


@dataclass
class Prepared:
    """What the first pass of a chunk leaves: its extracted documents in a file (`spill`), its
    line-pair summary in `recurrence.PARTITIONS` files, and the facts of reading."""

    index: int
    meta: pl.DataFrame
    seen: pl.Series
    skipped: pl.Series
    rejected: dict[str, pl.DataFrame]  # read, extract
    stats: dict[str, dict[str, int]]
    spill: str
    pairs: list[str]
    ends: pl.DataFrame = field(default_factory=lambda: pl.DataFrame(schema=ENDS_SCHEMA))


# Per text document of a chunk: the hashes of its first and last non-blank lines (a title, a
# footer): what finds the pages a document's siblings have in other chunks (`sibling_context`).
ENDS_SCHEMA = {"doc_id": pl.String(), "first": pl.UInt64(), "last": pl.UInt64()}


def prepare_chunk(task: ChunkTask) -> Prepared:
    """Worker entry point, first pass: read -> extract one chunk; its documents to a file, and
    the summary of its line pairs that the run's count of recurring pairs needs."""
    from dataclasses import replace

    from pipeline.boilerplate import recurrence
    from pipeline.boilerplate.engine import run_facts

    one = replace(task.settings, workers=1)  # already in a worker: no nested pools
    try:
        docs, rejects = read_files((task.paths, task.raw_dir, one))
        seen = pl.read_parquet(task.seen_file)["doc_id"] if task.seen_file else None
        docs, rejects, seen_ids = steps.drop_seen(docs, rejects, seen)
    except BaseException:  # later chunks wait for this one's hashes: never leave them hanging
        skip_copies.publish(Path(task.out_dir), task.index, docs=None)
        raise
    skip = skip_copies.skippable(docs, Path(task.out_dir), task.index)  # publishes the hashes
    meta = docs.select(list(META_SCHEMA))
    docs = docs.filter(~pl.col("doc_id").is_in(skip.implode()))
    raw = steps.RawStep(docs, docs.clear().select("doc_id", "source", pl.col("doc_id")
                                                  .alias("duplicate_of")), rejects, "")
    ex = steps.extract(raw, one)
    del docs, raw
    out = Path(task.out_dir)
    stem = out / f"c{task.index:06d}"
    spill = f"{stem}.extracted.arrow"
    ex.documents.write_ipc(spill, compression="uncompressed")  # read back once, soon
    summary, ends = run_facts(ex.documents)
    pairs = recurrence.write_summary(summary, Path(f"{stem}.pairs"))
    return Prepared(task.index, meta, seen_ids, skip,
                    {"read": schema.conform(rejects, "rejected"), "extract": ex.rejected},
                    {"extract": ex.stats}, spill, pairs, ends.cast(ENDS_SCHEMA))


@dataclass
class CleanTask:
    index: int
    spill: str      # the chunk's extracted documents (`Prepared.spill`)
    out_dir: str
    run_pairs: str  # Arrow file of the run's recurring line pairs (recurrence.count)
    context: list[tuple[str, list[str]]] = field(default_factory=list)  # (spill, doc_ids)


@dataclass
class Cleaned:
    """What the second pass of a chunk sends back (with its `Prepared`: a `ChunkResult`)."""

    rejected: pl.DataFrame
    cleaned_ids: pl.DataFrame
    signed: Signed
    stats: dict[str, int]
    parts: dict[str, str]


def clean_chunk(task: CleanTask) -> Cleaned:
    """Worker entry point, second pass: clean -> sign one chunk's extracted documents, with the
    run's recurring line pairs; parts to `out_dir`."""
    docs = pl.read_ipc(task.spill)
    ex = steps.ExtractStep(docs, schema.empty("rejected"), {})
    context = [pl.scan_ipc(spill).filter(pl.col("doc_id").is_in(ids)).collect()
               for spill, ids in task.context]
    cl = steps.clean(ex, workers=1, run_pairs=pl.read_ipc(task.run_pairs),
                     context=pl.concat(context) if context else None)
    del docs, ex
    out = Path(task.out_dir)
    parts = {"cleaned": str(out / f"c{task.index:06d}.cleaned.parquet"),
             "removed_lines": str(out / f"c{task.index:06d}.removed.parquet")}
    # Uncompressed: the parts live only until the version is published (read a few times, by
    # streaming scans: staging, validation, publishing); Parquet's dictionary pages already
    # shrink the removed lines' repeated texts. On a chunk of 2,372 real pages (one thread):
    # writing both 0.066 s against 0.12 s with lz4, 17.5 MB against 11.6 MB on disk (Arrow
    # IPC: 0.02 s but 37.5 MB, no dictionaries).
    cl.documents.write_parquet(parts["cleaned"], compression="uncompressed")
    cl.removed_lines.write_parquet(parts["removed_lines"], compression="uncompressed")
    return Cleaned(cl.rejected, cl.signed_ids, cl.signed, cl.stats, parts)


def _result(pre: Prepared, cl: Cleaned) -> ChunkResult:
    return ChunkResult(pre.index, pre.meta, pre.seen, pre.skipped,
                       {**pre.rejected, "clean": cl.rejected}, cl.cleaned_ids, cl.signed,
                       {**pre.stats, "clean": cl.stats}, cl.parts)


def sibling_context(prepared: list[Prepared]) -> dict[int, list[tuple[str, list[str]]]]:
    """Per chunk: the documents of other chunks it should see, as (spill, doc_ids). The
    `sibling_template` rule compares the pages of one template that a batch holds too few of
    for any count (a blog's two or three posts: `boilerplate/siblings.py`); a run cuts its files
    into chunks by path, and where a scraper names its files at random the posts of one blog
    fall into different chunks (`bench/eval_dedup_pages.py --scatter`). So a text document
    whose last line (a footer) 2 to `sibling_max_docs` documents of the run end with, and
    whose first line (a title) differs from one of theirs in another chunk, has that one
    lent to its chunk's engine, which decides as it does within a chunk. Few: a footer that
    many pages share is a big site's, which the count rules see. Deterministic: from the
    files' contents and the chunk plan alone."""
    from pipeline.boilerplate.params import PARAMS

    ends = [p.ends.with_columns(pl.lit(p.index, pl.UInt32).alias("chunk")) for p in prepared
            if p.ends.height]
    if len(ends) < 2:
        return {}
    ends = pl.concat(ends)
    size = pl.len().over("last")
    small = ends.filter(size.is_between(2, PARAMS.sibling_max_docs))
    pairs = small.join(small, on="last", suffix="_o").filter(
        (pl.col("chunk") != pl.col("chunk_o")) & (pl.col("first") != pl.col("first_o")))
    if pairs.is_empty():
        return {}
    spill = {p.index: p.spill for p in prepared}
    lent = pairs.group_by("chunk", "chunk_o").agg(pl.col("doc_id_o").unique().sort())
    out: dict[int, list[tuple[str, list[str]]]] = {}
    for chunk, other, ids in lent.sort("chunk", "chunk_o").iter_rows():
        out.setdefault(chunk, []).append((spill[other], ids))
    return out


def count_pairs(prepared: list[Prepared], work_dir: Path) -> str:
    """The run's recurring line pairs from every chunk's summary (`recurrence.count`, one
    partition at a time), in an Arrow file of the work folder. The summaries stay: the caller
    removes them (`remove_files`) while the workers clean."""
    from pipeline.boilerplate import recurrence

    counts = recurrence.count([[p.pairs[i] for p in prepared]
                               for i in range(recurrence.PARTITIONS)])
    path = work_dir / "run_pairs.arrow"
    counts.write_ipc(path, compression="uncompressed")
    return str(path)


def remove_files(paths: list[str]) -> threading.Thread:
    """Remove files in a background thread (started; join it). Between the two passes both
    workers wait for the main process, and removing the 16 summary files of every chunk took
    longer there than counting them (0.69 of count_pairs' 1.03 s at 20k documents, on an ext4
    mounted with `discard`); during the second pass the main process only waits."""
    def run() -> None:
        for f in paths:
            # (a file that cannot be removed stays in the work folder, removed with it)
            with contextlib.suppress(OSError):
                Path(f).unlink(missing_ok=True)

    thread = threading.Thread(target=run, name="remove-summaries", daemon=True)
    thread.start()
    return thread


@dataclass
class Processed:
    """Every chunk's facts, combined: what `steps.dedupe` and `steps.stage` need. The clean
    documents and removed lines are lazy scans of the parts in `work_dir`, which must stay until
    the version is published (`discard` then)."""

    raw: steps.RawStep          # documents without bodies
    extract: steps.ExtractStep  # rejects and counts; no documents
    clean: steps.CleanStep      # documents and removed lines of unique documents
    work_dir: Path


def process(settings: Settings, seen: pl.Series | None = None,
            unchanged: pl.DataFrame | None = None, work_dir: Path | None = None,
            plan: FilePlan | None = None) -> Processed:
    """Read, extract, clean and sign every changed raw file (see the module docstring).
    `plan`: the raw folder's listing against `unchanged`, when the caller has made it."""
    if plan is None:
        plan = plan_files(settings.raw_dir, unchanged, settings)
    own_dir = work_dir is None
    if own_dir:
        work_dir = new_work_dir(Path(settings.curated_dir))
    executors.check_shared_storage(work_dir, settings)  # Ray: every node writes the parts here
    seen_file = None
    if seen is not None and seen.len():
        seen_file = str(work_dir / "seen.parquet")
        pl.DataFrame({"doc_id": seen}).write_parquet(seen_file)
    chunks = plan_chunks(plan.todo, plan.sizes, CHUNK_BYTES, CHUNK_FILES)  # as set now
    tasks = [ChunkTask(i, c, str(settings.raw_dir), settings, str(work_dir), seen_file)
             for i, c in enumerate(chunks)]
    if len(tasks) > 1:  # a long pass: the main process waits, so GX can load meanwhile
        from pipeline.validation.runner import warm_up

        warm_up()
    # Two passes over the same workers: every chunk read and extracted (and its line pairs
    # summed up), the run's recurring pairs counted, then every chunk cleaned and signed.
    try:
        with executors.chunk_workers(settings, WORKER_ENV) as pool:
            try:
                prepared: list[Prepared] = executors.map_chunks(
                    prepare_chunk, tasks, settings, env=WORKER_ENV,
                    ahead=lambda t: prefetch(t.paths), pool=pool)
            finally:
                skip_copies.forget(work_dir)
            run_pairs = count_pairs(prepared, work_dir)
            context = sibling_context(prepared)
            removing = remove_files([f for p in prepared for f in p.pairs])
            try:
                cleaned: list[Cleaned] = executors.map_chunks(
                    clean_chunk, [CleanTask(p.index, p.spill, str(work_dir), run_pairs,
                                            context.get(p.index, []))
                                  for p in prepared], settings, env=WORKER_ENV, pool=pool)
            finally:
                removing.join()
    except BaseException:
        if own_dir:  # spills, summaries and parts of a failed pass: nobody will read them
            discard(work_dir)
        raise
    results = [_result(p, c) for p, c in zip(prepared, cleaned, strict=True)]
    for p in prepared:  # here, not in the task: a retried task reads its file again
        Path(p.spill).unlink(missing_ok=True)
    meta = (pl.concat([r.meta for r in results]) if results
            else pl.DataFrame(schema=META_SCHEMA))
    # Byte-identical copies across the whole run; the twins' own outputs are dropped, as if
    # never processed (the workers left about half of them unprocessed: `skip_copies`).
    unique, copies = steps.split_copies(meta)
    skipped = pl.concat([r.skipped for r in results]) if results else pl.Series(dtype=pl.String)
    if not skipped.is_in(copies["doc_id"].implode()).all():
        raise RuntimeError("a document left unprocessed as a byte-identical copy is not one")
    seen_ids = (pl.concat([r.seen for r in results]) if results
                else pl.Series("doc_id", [], pl.String))
    raw_rej, ex_rej, cl_rej = (
        pl.concat(parts) if (parts := [r.rejected[stage] for r in results])
        else schema.empty("rejected") for stage in ("read", "extract", "clean"))
    raw_stats = steps.raw_stats(plan.n_listed, len(plan.todo), meta, copies, raw_rej,
                                seen_ids.len()) | {
                                    "chunks": len(chunks),
                                    "byte_identical_copies_unprocessed": skipped.len()}
    raw = steps.RawStep(unique.sort("source"), copies, raw_rej,
                        steps.files_fingerprint(plan.ledger), raw_stats, files=plan.ledger,
                        hashes=meta.select("doc_id", "source", "raw_hash"), seen_again=seen_ids)

    ex_stats = steps.sum_stats([r.stats["extract"] for r in results])
    ex = steps.ExtractStep(pl.DataFrame(schema=steps.EXTRACTED_SCHEMA), ex_rej, ex_stats)

    # Clean documents and their signatures. The documents and removed lines stay in the parts
    # on disk (lazy scans): the main process never holds the texts.
    ids = pl.concat([r.cleaned_ids for r in results]) if results else pl.DataFrame(
        schema={"doc_id": pl.String(), "published": pl.Date()})
    signed = Signed.concat([r.signed for r in results], DedupSettings())
    docs = _scan([r.parts["cleaned"] for r in results], steps.CLEANED_SCHEMA)
    lines = _scan([r.parts["removed_lines"] for r in results], schema.REMOVED_LINES)
    cl_stats = steps.sum_stats([r.stats["clean"] for r in results])
    cl = steps.CleanStep(docs, lines, cl_rej, cl_stats, signed=signed, signed_ids=ids,
                         work_dir=work_dir)
    return drop(Processed(raw, ex, cl, work_dir), copies["doc_id"])


def drop(done: Processed, ids: pl.Series) -> Processed:
    """The pass without the outputs of documents `ids` (byte-identical copies: of a twin in this
    run, or of a published one, `steps.retire`), as if they had never been processed. The
    counts of rejects and clean documents follow."""
    raw, ex, cl = done.raw, done.extract, done.clean
    gone = ids.implode()

    def rejects(df: pl.DataFrame) -> pl.DataFrame:
        return df.filter(~pl.col("doc_id").is_in(gone)).sort("source")

    raw.documents = raw.documents.filter(~pl.col("doc_id").is_in(gone))
    raw.rejected = rejects(raw.rejected)
    ex.rejected = rejects(ex.rejected)
    ex.stats.update({"rejected": ex.rejected.height,
                     **steps.counts_by(ex.rejected, "reason", "rejected")})
    cl.rejected = rejects(cl.rejected)
    ids_ = cl.signed_ids
    keep = ~ids_["doc_id"].is_in(gone).to_numpy()
    if not keep.all():
        cl.signed, cl.signed_ids = cl.signed.take(keep), ids_.filter(pl.Series(keep))
        away = pl.DataFrame({"doc_id": ids}).lazy()
        cl.documents = cl.documents.join(away, on="doc_id", how="anti", maintain_order="left")
        cl.removed_lines = cl.removed_lines.join(away, on="doc_id", how="anti",
                                                 maintain_order="left")
    cl.stats.update({"documents_out": cl.signed_ids.height, "rejected": cl.rejected.height})
    return done


def _scan(files: list[str], columns: dict[str, pl.DataType]) -> pl.LazyFrame:
    if not files:
        return pl.LazyFrame(schema=columns)
    return pl.scan_parquet(files)


# Work folders this process holds, with the open file whose lock marks them as in use.
_HELD: dict[Path, int] = {}


def new_work_dir(curated: Path) -> Path:
    """A fresh folder for one run's parts under curated/.work, locked (flock) while this process
    lives or until `discard`. Folders of runs that died (a kill, a failed gate) are not locked
    any more: they are removed here."""
    base = Path(curated) / ".work"
    base.mkdir(parents=True, exist_ok=True)
    for old in base.glob("run-*"):
        if old not in _HELD and _unlocked(old):
            shutil.rmtree(old, ignore_errors=True)
    work = Path(tempfile.mkdtemp(prefix="run-", dir=base))
    fd = os.open(work / "lock", os.O_CREAT | os.O_RDWR | os.O_CLOEXEC, 0o644)
    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    _HELD[work] = fd
    return work


def _unlocked(work: Path) -> bool:
    try:
        fd = os.open(work / "lock", os.O_RDWR | os.O_CLOEXEC)
    except OSError:
        return True  # no lock file: not a live run's
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return True
    except OSError:
        return False
    finally:
        os.close(fd)


def discard(work_dir: Path | None) -> None:
    """Remove a run's parts once its version is published (or the run gave up)."""
    if work_dir is None:
        return
    fd = _HELD.pop(Path(work_dir), None)
    shutil.rmtree(work_dir, ignore_errors=True)
    if fd is not None:
        os.close(fd)

