"""The pipeline's assets: each runs one step of the batch (`batch`, over `pipeline.steps` and
`pipeline.publishing`) and attaches what the UI shows.

    raw_scrapes (external: the raw folder) -> documents -> deduplicated -> curated_batch
        -> published_version            (validation_gate, validation_warnings on curated_batch)

One group, so the lineage opens on the whole graph. No partitions: a version is a snapshot of
the whole corpus, deduplicated across every day and site (a new copy of an old article must
find it), and runs are already incremental by file (the version's ledger of path, size and
mtime), so a day's new or replaced files are what the next run reads; partitions per day or
sub-folder would show one "materialized" partition per day for data that lives in one version.

Each asset may run alone (the UI's Materialize on one asset, a re-execution): a step whose
upstream asset is not part of the run recomputes it (`handover`), incremental on the latest
version. Nothing new under the raw folder (and the same suites) is a run that records no
materialization: `documents` yields no output, the later steps are skipped, and
`published_version` gets an observation saying which version stands.
"""

from pathlib import Path

import dagster as dg
import polars as pl

from pipeline import publishing, store
from pipeline.hashing import hash_bytes
from pipeline.orchestration import batch
from pipeline.orchestration.display import (
    CORE,
    column_schema,
    plain,
    preview,
    stats_metadata,
    validation_metadata,
    version_links,
)
from pipeline.orchestration.resources import CurationConfig
from pipeline.schema import TABLES
from pipeline.settings import PROJECT_ROOT

GROUP = "news_curation"
OWNERS = ["team:news-curation"]
RAW_KEY = batch.RAW


def code_version(*patterns: str) -> str:
    """A hash of the files a step's result depends on (globs under the project folder), so the
    UI flags an asset whose code changed since it was materialized."""
    files = sorted({f for p in patterns for f in PROJECT_ROOT.glob(p) if f.is_file()})
    return hash_bytes(*(f.relative_to(PROJECT_ROOT).as_posix().encode() + b"\0" + f.read_bytes()
                        for f in files))[:12]


def raw_scrapes_spec(raw_dir: Path) -> dg.AssetSpec:
    """The raw folder as an external asset: what the pipeline reads, written by the scrapers
    (each run's read step records an observation of it: files, listing fingerprint)."""
    return dg.AssetSpec(
        RAW_KEY, group_name=GROUP, owners=OWNERS, kinds={"file"},
        tags={"domain": "news", "layer": "raw"},
        description="Raw web scrapes of news articles as the scrapers leave them: plain text "
                    "and HTML pages, alone or batched as JSONL or WARC, optionally gzipped, "
                    "in any sub-folder layout. Read-only for the pipeline.",
        metadata={"path": dg.MetadataValue.path(str(raw_dir))})


@dg.asset(group_name=GROUP, owners=OWNERS, kinds={"python", "polars", "trafilatura"},
          tags={"domain": "news", "layer": "staging", "step": "read"},
          deps=[RAW_KEY], output_required=False,
          code_version=code_version("pipeline/ingest/*.py", "pipeline/decode.py",
                                    "pipeline/html/*.py", "pipeline/language.py",
                                    "pipeline/boilerplate/**/*.py", "pipeline/chunks.py",
                                    "pipeline/skip_copies.py", "pipeline/run.py",
                                    "pipeline/steps/read.py", "pipeline/steps/extract.py",
                                    "pipeline/steps/clean.py"),
          description="The run's new raw documents (files the latest version has not read; "
                      "every file with `full_rebuild`), read with their provenance, HTML "
                      "through trafilatura, every line through the boilerplate engine (removed "
                      "lines audited with category and rule), in chunks of files over worker "
                      "processes. Unreadable input and pages with no article are rejected "
                      "with a reason. Counts are of this run's batch. Nothing new: no "
                      "materialization, and the later steps are skipped.")
def documents(context: dg.AssetExecutionContext, curation: CurationConfig):
    s = curation.settings()
    got = batch.read(context, s)
    if isinstance(got, batch.Unchanged):
        return
    raw, ex, cl = got.raw, got.extract, got.clean
    prev = raw.previous
    if prev is not None:
        context.log.info(f"incremental: building on version {prev.version}; "
                         f"{raw.stats['already_published']} documents already published")
    stats = {**{f"read.{k}": v for k, v in raw.stats.items()},
             **{f"extract.{k}": v for k, v in ex.stats.items()},
             **{f"clean.{k}": v for k, v in cl.stats.items()}}
    rejected = pl.concat([raw.rejected, ex.rejected, cl.rejected])
    yield dg.Output(got, metadata={
        **stats_metadata(stats, CORE["documents"]),
        "mode": "full rebuild" if prev is None else f"incremental on v{prev.version}",
        "input_fingerprint": raw.fingerprint,
        "raw_dir": dg.MetadataValue.path(str(s.raw_dir)),
        "rejects": preview(rejected, ["source", "stage", "reason", "detail"]),
        "removed_sample": preview(cl.removed_lines, ["doc_id", "line_no", "category", "rule",
                                                     "text"], rows=20),
        "preview": preview(cl.documents, ["source", "kind", "title", "published", "site",
                                          "language", "text"]),
    })


@dg.asset(group_name=GROUP, owners=OWNERS, kinds={"python", "polars"},
          tags={"domain": "news", "layer": "staging", "step": "dedupe"},
          output_required=False,
          code_version=code_version("pipeline/dedup/**/*.py", "pipeline/steps/dedupe.py"),
          description="Exact and near-duplicate detection of the run's documents against the "
                      "whole corpus (MinHash LSH over the clean body, verified; the latest "
                      "version's signature index): one representative per cluster, every copy "
                      "audited. Counts are of this run's batch.")
def deduplicated(context: dg.AssetExecutionContext, curation: CurationConfig, documents):
    s = curation.settings()
    docs = batch.need_documents(context, s, documents)
    if isinstance(docs, batch.Unchanged):
        return
    dd = batch.dedupe(context, s, docs)
    yield dg.Output(dd, metadata={
        **stats_metadata(dd.stats, CORE["deduplicated"]),
        "duplicates_sample": preview(dd.duplicates, ["source", "duplicate_of", "similarity",
                                                     "method"], rows=20),
    })


@dg.asset(group_name=GROUP, owners=OWNERS, kinds={"python", "polars", "great_expectations"},
          tags={"domain": "news", "layer": "staging", "step": "validate"},
          output_required=False,
          code_version=code_version("pipeline/steps/stage.py", "pipeline/schema.py",
                                    "pipeline/validation/*.py", "pipeline/publishing.py",
                                    "expectations/*.json"),
          description="The next version's tables in the data contract's schema (the latest "
                      "version's rows and this run's), audited by the Great Expectations "
                      "suites (write-audit-publish): rows a quarantine expectation fails move "
                      "to `rejected`; a failed block expectation stops the batch (the "
                      "validation_gate check); warnings are recorded. Counts are corpus "
                      "totals.")
def curated_batch(context: dg.AssetExecutionContext, curation: CurationConfig, documents,
                  deduplicated):
    s = curation.settings()
    docs, dd = batch.need_deduplicated(context, s, deduplicated, documents)
    if isinstance(docs, batch.Unchanged):
        return
    st, report = batch.stage_and_audit(context, s, docs, dd)
    if report is None:  # nothing new and the same suites: nothing to validate or publish
        context.log.info("nothing new to stage: the latest version stands")
        return
    yield dg.Output(st, metadata={
        **stats_metadata(st.stats, CORE["curated_batch"]),
        **validation_metadata(report, st.validation or {}),
        "dagster/row_count": dg.MetadataValue.int(int(st.stats.get("articles", 0))),
        "preview": preview(st.tables["articles"], ["title", "site", "published", "language",
                                                   "n_words", "n_copies", "source"]),
    })


@dg.asset(group_name=GROUP, owners=OWNERS, kinds={"python", "parquet"},
          tags={"domain": "news", "layer": "published", "step": "publish"},
          output_required=False,
          code_version=code_version("pipeline/store/*.py", "pipeline/publishing.py",
                                    "pipeline/version_report.py"),
          metadata={"dagster/column_schema": column_schema()},
          description="The curated dataset: a new immutable version of every table (articles, "
                      "duplicates, rejected, removed_lines; one folder, a manifest, report.html "
                      "and the Data Docs), published atomically after the validation gate "
                      "passed; `latest` points at it. A batch whose content equals the latest "
                      "version publishes nothing and records no materialization (an "
                      "observation says which version stands). Row counts are corpus totals.")
def published_version(context: dg.AssetExecutionContext, curation: CurationConfig,
                      curated_batch):
    s = curation.settings()
    curated = Path(s.curated_dir)
    st = batch.need_batch(context, s, curated_batch)
    if isinstance(st, batch.Unchanged) or st.unchanged:
        context.log.info("nothing new: the latest version stands")
        return
    blocked = (st.validation or {}).get("blocked")
    if blocked:  # only when the gate ran in this step (the check blocks a whole-graph run)
        raise dg.Failure(description="validation blocked the batch: nothing was published "
                                     "(the attempt is kept under attempts/): "
                                     + "; ".join(map(str, blocked)))
    result = publishing.publish(st, curated, context.run.run_id)
    if not result.created:
        msg = f"content unchanged: version {result.version} is already current"
        context.log.info(msg)
        context.op_execution_context.log_event(dg.AssetObservation(
            asset_key=context.asset_key,
            metadata=batch.unchanged_metadata(curated, result.version, msg)))
        return
    yield dg.Output(published_summary(result, curated), metadata=published_metadata(result,
                                                                                    curated))


def published_summary(result: store.PublishResult, curated: Path) -> dict:
    """The asset's value (what `curate run` prints): version, folder, rows, validation."""
    return {"version": result.version, "path": str(result.path), "created": result.created,
            "rows": {t: i["rows"] for t, i in result.manifest["tables"].items()},
            "validation": result.manifest.get("validation")}


def unchanged_summary(curated: Path) -> dict | None:
    """`published_summary` of the latest version, for a run that published nothing (None: the
    store has no version)."""
    v = store.latest_version(curated)
    if v is None:
        return None
    m = store.read_manifest(curated, v)
    return {"version": v, "path": str(store.version_path(curated, v)), "created": False,
            "rows": {t: i["rows"] for t, i in m["tables"].items()},
            "validation": m.get("validation")}


def _rows(manifest: dict) -> dict[str, int]:
    return {t: int(i.get("rows", 0)) for t, i in (manifest.get("tables") or {}).items()}


def published_metadata(result: store.PublishResult, curated: Path) -> dict[str, dg.MetadataValue]:
    """The same keys on every materialization: corpus totals (`rows.*`, plotted), what this
    version added to its parent (`added.*`), links into the version, the gate's counts."""
    m = result.manifest
    rows = _rows(m)
    parent = m.get("parent_version")
    try:
        before = _rows(store.read_manifest(curated, parent)) if parent else {}
    except (OSError, ValueError):  # the parent's folder is gone or damaged: no increments
        before = {}
    v = m.get("validation") or {}
    md: dict[str, dg.MetadataValue] = {
        "version": dg.MetadataValue.int(result.version),
        "version_path": dg.MetadataValue.path(str(result.path)),
        **version_links(result.path),
        "dagster/row_count": dg.MetadataValue.int(rows.get("articles", 0)),
        "dagster/column_schema": column_schema(),
        **{f"rows.{t}": dg.MetadataValue.int(rows.get(t, 0)) for t in TABLES},
        **{f"added.{t}": dg.MetadataValue.int(rows.get(t, 0) - before.get(t, 0))
           for t in TABLES},
        "parent_version": dg.MetadataValue.text(f"v{parent:06d}" if parent else "none"),
        "code_version": dg.MetadataValue.text(str(m.get("code_version", ""))),
        "validation.passed": dg.MetadataValue.bool(bool(v.get("success", False))),
        "validation.evaluated": dg.MetadataValue.int(int(v.get("evaluated", 0))),
        "validation.quarantined": dg.MetadataValue.int(int(v.get("quarantined", 0))),
        "validation.warnings": dg.MetadataValue.int(len(v.get("warnings") or [])),
        "validation": dg.MetadataValue.json(plain({
            k: v.get(k) for k in ("success", "failed_expectations", "quarantined_by_expectation",
                                  "warnings", "blocked")})),
    }
    articles = result.path / "articles.parquet"
    if articles.is_file():
        md["preview"] = preview(pl.scan_parquet(articles), ["title", "site", "published",
                                                            "language", "n_words", "n_copies"])
    return md


ASSETS = [documents, deduplicated, curated_batch, published_version]
