"""A run's entry points: the version it builds on, the chunked pass over the raw folder, and
the steps from raw files to the staged tables (`run_steps`, without Dagster). Above `chunks`
and `steps`: the chunked pass imports the steps, and this module imports both.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import polars as pl

from pipeline import chunks, executors, ingest, store
from pipeline.hashing import hash_bytes
from pipeline.settings import Settings
from pipeline.steps import (
    DedupStep,
    Previous,
    RawStep,
    Staged,
    dedupe,
    index_current,
    read_raw,
    retire,
    stage,
)
from pipeline.validation.settings import DEFAULT_SETTINGS as DEFAULT_VALIDATION
from pipeline.validation.suites import fingerprint


def load_previous(curated: Path) -> Previous | None:
    """The latest version as an incremental run builds on it (None: no version yet)."""
    v = store.latest_version(curated)
    if v is None:
        return None
    path = store.version_path(curated, v)
    m = store.verify(curated, v)  # sizes and sha256 against its manifest, or VersionCorrupt

    def read(name: str) -> pl.DataFrame | None:
        f = path / f"{name}.parquet"
        return pl.read_parquet(f) if f.is_file() else None

    # Files the version could not read are read again (their rejects retired, issue 22).
    files, rejected, n_retired = ingest.retry_unread(read("raw_files"), read("rejected"))

    # Articles and removed lines (gigabytes of text, tens of millions of lines on a large
    # corpus) stay lazy scans: the version's files are immutable, a run joins and appends.
    removed = path / "removed_lines.parquet"
    return Previous(v, int(m.get("raw_documents", 0)) - n_retired,
                    pl.scan_parquet(path / "articles.parquet"), read("duplicates"),
                    rejected,
                    pl.scan_parquet(removed) if removed.is_file() else None,
                    read("dedup_index"), files,
                    (m.get("validation") or {}).get("fingerprint"), read("raw_hashes"))


def code_version() -> str:
    """Package version plus a hash of the package's source: changes with any code change,
    needs no git."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        v = version("news-curation")
    except PackageNotFoundError:
        v = "0"
    files = sorted(Path(__file__).resolve().parent.rglob("*.py"))
    digest = hash_bytes(*(f.read_bytes() for f in files))[:12]
    return f"{v}+{digest}"


def first_seen(curated: Path) -> pl.DataFrame | None:
    """doc_id and ingested_at of the latest version's articles (a full rebuild keeps when each
    document was first seen); two columns read, not the texts. From the newest version whose
    articles verify: a damaged latest version lends no history to the rebuild that replaces it."""
    v = store.intact_version(curated, ("articles",))
    if v is None:
        return None
    return pl.read_parquet(store.version_path(curated, v) / "articles.parquet",
                           columns=["doc_id", "ingested_at"])


def check_start(settings: Settings) -> None:
    """Refusals before any work (issue 22): the curated and raw folders apart, the store's
    folders real ones, the raw folder not empty (unless allow_shrink)."""
    store.check_folders(settings.raw_dir, settings.curated_dir)
    store.check_layout(settings.curated_dir)
    store.check_not_empty(settings.raw_dir, ingest.has_entries(settings.raw_dir),
                          settings.allow_shrink)


def check_rebuild(settings: Settings, raw: RawStep) -> None:
    """A full rebuild that would drop more than settings.rebuild_max_loss of the published
    articles stops here, before the gate and publishing (unless allow_shrink)."""
    if settings.full_rebuild:
        sources = pl.concat([raw.documents["source"], raw.copies["source"]])
        store.check_rebuild(settings.curated_dir, sources, settings.rebuild_max_loss,
                            settings.allow_shrink, settings.raw_dir)


def plan_retirement(settings: Settings, prev: Previous | None
                    ) -> tuple[retire.Plan, pl.Series | None, pl.DataFrame | None,
                               ingest.FilePlan | None]:
    """What an incremental run will retire (`steps.retire`), and the `seen` doc_ids, file
    ledger and file plan it reads with: the documents to process again are taken out of the
    first two, and their files put in the plan (None: list the raw folder again)."""
    if prev is None:
        return retire.plan(None, pl.DataFrame(), pl.Series()), None, None, None
    files = ingest.plan_files(settings.raw_dir, prev.files, settings)
    the_plan = retire.plan(prev, files.ledger, pl.Series(files.names or [], dtype=pl.String))
    seen, unchanged = prev.seen(), prev.files
    if the_plan.reread.len():
        seen = seen.filter(~seen.is_in(the_plan.reread.implode()))
        unchanged = unchanged.filter(~pl.col("path").is_in(the_plan.reread_files.implode()))
        return the_plan, seen, unchanged, None
    return the_plan, seen, unchanged, files


def settle(raw: RawStep, prev: Previous | None, the_plan: retire.Plan) -> pl.Series:
    """Give the read step its place against the version it builds on: retired documents out
    of `prev`, copies across runs (`steps.retire.settle`). Returns the doc_ids of this run's
    documents found to be copies of published ones (their outputs are dropped)."""
    raw.previous = prev
    none = pl.Series("doc_id", [], pl.String)
    if prev is None or prev.hashes is None:
        if prev is not None:  # a version without the raw-hash table: no table this time either
            raw.hashes = None
        return none
    assert raw.hashes is not None and raw.seen_again is not None
    got = retire.settle(prev, the_plan, raw.hashes, raw.seen_again)
    late = got.late_copies.filter(~got.late_copies.is_in(raw.copies["doc_id"].implode()))
    raw.previous, raw.copies, raw.carried = got.previous, got.copies, got.carried
    raw.hashes, raw.retired, raw.gone = got.hashes, got.retired, got.n_gone
    raw.stats.update({"retired_documents": got.n_gone,
                      "byte_identical_copies_of_published": late.len(),
                      "published_demoted_to_copies": got.n_demoted})
    return late


def begin_run(settings: Settings) -> RawStep:
    """Read the raw folder for a run (every body in memory, one step at a time: `extract`,
    `clean` follow): incremental on the latest version (only changed files, unseen documents)
    unless `settings.full_rebuild`. `process_run` does the same work in chunks."""
    check_start(settings)
    base = store.latest_version(settings.curated_dir)
    prev = None if settings.full_rebuild else load_previous(settings.curated_dir)
    the_plan, seen, unchanged, _ = plan_retirement(settings, prev)
    raw = read_raw(settings, seen, unchanged)
    check_rebuild(settings, raw)
    late = settle(raw, prev, the_plan)
    raw.documents = raw.documents.filter(~pl.col("doc_id").is_in(late.implode()))
    raw.base_version = base
    return raw


def process_run(settings: Settings) -> chunks.Processed:
    """Read, extract and clean every new document of a run in chunks over worker processes
    (`pipeline.chunks`): incremental on the latest version unless `settings.full_rebuild`.
    Returns `chunks.Processed` (.raw, .extract, .clean), ready for `dedupe` and `stage`."""
    check_start(settings)
    base = store.latest_version(settings.curated_dir)
    prev = None if settings.full_rebuild else load_previous(settings.curated_dir)
    the_plan, seen, unchanged, files = plan_retirement(settings, prev)
    done = chunks.process(settings, seen, unchanged, plan=files)
    try:
        check_rebuild(settings, done.raw)
    except store.RebuildRefused:
        chunks.discard(done.work_dir)
        raise
    late = settle(done.raw, prev, the_plan)
    if late.len():
        done = chunks.drop(done, late)
    done.raw.base_version = base
    return done


def suites_changed(prev: Previous | None, settings: Settings) -> bool:
    """Whether the suites or the gate's settings differ from those the latest version was
    validated with (then a run with nothing new re-checks that version). A version that
    recorded none (published without the gate, or by an older release) is taken as it is."""
    return (prev is not None and prev.validation_fingerprint is not None
            and prev.validation_fingerprint != fingerprint(settings.expectations_dir,
                                                           DEFAULT_VALIDATION))


def nothing_new(done: chunks.Processed, settings: Settings) -> bool:
    """Nothing under the raw folder the latest version has not read, the same suites and the
    same dedup thresholds: the steps after reading have nothing to do."""
    prev = done.raw.previous
    return (prev is not None and done.raw.nothing_new and not suites_changed(prev, settings)
            and index_current(prev))


def dedupe_batch(done: chunks.Processed, settings: Settings) -> DedupStep:
    """The dedupe step over a processed batch, on the configured executor."""
    return dedupe(done.clean, done.raw, done.raw.previous, mapper=executors.mapper(settings))


def stage_batch(done: chunks.Processed, dd: DedupStep, settings: Settings,
                now: datetime | None = None) -> Staged:
    """The next version's tables from a processed and deduplicated batch (ready for
    `publishing.audit`): incremental on `done.raw.previous`, re-checking it if the suites
    changed; a full rebuild keeps when each document was first seen."""
    prev = done.raw.previous
    seen = first_seen(settings.curated_dir) if prev is None else None
    return stage(done.raw, done.extract, done.clean, dd, previous_articles=seen, now=now,
                 prev=prev, revalidate=suites_changed(prev, settings))


def run_steps(settings: Settings, now: datetime | None = None) -> Staged:
    """Every step from data/raw to the staged tables, without Dagster or validation: what the
    assets run, in one call (benchmarks, tests, scripts)."""
    done = process_run(settings)
    return stage_batch(done, dedupe_batch(done, settings), settings, now=now)
