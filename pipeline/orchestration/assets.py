"""The pipeline's assets: each calls one step of `pipeline.steps` and attaches its stats."""


import shutil
from pathlib import Path

import dagster as dg
import polars as pl

from pipeline import steps, store
from pipeline.chunks import Processed, discard
from pipeline.orchestration.metadata import preview, stats_metadata
from pipeline.orchestration.resources import CurationConfig
from pipeline.report import build_report

INGEST, TRANSFORM, PUBLISH = "ingest", "transform", "publish"


@dg.asset(group_name=INGEST, kinds={"polars", "trafilatura"},
          description="Every raw document under data/raw (txt, HTML, JSONL, WARC, gzip) read with "
                      "its provenance, HTML through trafilatura, every line through the "
                      "boilerplate engine (removed lines audited with category and rule; title, "
                      "date and site lines moved into metadata), in chunks of files over worker "
                      "processes. Unreadable input and pages with no article are rejected with "
                      "a reason.")
def documents(context: dg.AssetExecutionContext, curation: CurationConfig
              ) -> dg.Output[Processed]:
    s = curation.settings()
    done = steps.process_run(s)
    raw, ex, cl = done.raw, done.extract, done.clean
    prev = raw.previous
    if prev is not None:
        context.log.info(f"incremental: building on version {prev.version}; "
                         f"{raw.stats['already_published']} documents already published")
    rejected = pl.concat([raw.rejected, ex.rejected, cl.rejected])
    return dg.Output(done, metadata={
        **stats_metadata({f"read.{k}": v for k, v in raw.stats.items()}),
        **stats_metadata({f"extract.{k}": v for k, v in ex.stats.items()}),
        **stats_metadata({f"clean.{k}": v for k, v in cl.stats.items()}),
        "raw_dir": dg.MetadataValue.path(str(s.raw_dir)),
        "input_fingerprint": raw.fingerprint,
        "mode": "full rebuild" if prev is None else f"incremental on v{prev.version}",
        "rejects": preview(rejected, ["source", "stage", "reason", "detail"]),
        "removed_sample": preview(cl.removed_lines, ["doc_id", "line_no", "category", "rule",
                                                     "text"], rows=20),
        "preview": preview(cl.documents, ["source", "kind", "title", "published", "site",
                                          "language", "text"]),
    })


@dg.asset(group_name=TRANSFORM, kinds={"polars"},
          description="Exact and near-duplicate detection (MinHash LSH over the clean body, "
                      "verified); one representative per cluster, every copy audited.")
def deduplicated(context: dg.AssetExecutionContext, documents: Processed
                 ) -> dg.Output[steps.DedupStep]:
    dd = steps.dedupe(documents.clean, documents.raw, documents.raw.previous)
    return dg.Output(dd, metadata={
        **stats_metadata(dd.stats),
        "duplicates_sample": preview(dd.duplicates, ["source", "duplicate_of", "similarity", "method"],
                              rows=20),
    })


@dg.asset(group_name=PUBLISH, kinds={"polars"},
          description="The next version's tables in the data contract's schema, staged for the "
                      "validation gate (write-audit-publish).")
def curated_batch(context: dg.AssetExecutionContext, curation: CurationConfig,
                  documents: Processed, deduplicated: steps.DedupStep
                  ) -> dg.Output[steps.Staged]:
    prev = documents.raw.previous
    seen = steps.first_seen(Path(curation.curated_dir)) if prev is None else None
    st = steps.stage(documents.raw, documents.extract, documents.clean, deduplicated,
                     previous_articles=seen, prev=prev)
    st.write_ahead()  # written while the gate validates; published by moving the files
    return dg.Output(st, metadata={
        **stats_metadata(st.stats),
        "preview": preview(st.tables["articles"], ["title", "site", "published", "language",
                                                   "n_words", "n_copies", "source"]),
    })


@dg.asset(group_name=PUBLISH, kinds={"parquet"},
          description="Publishes the validated batch as a new immutable version (all tables at "
                      "once, with a manifest) and moves the latest pointer; an unchanged batch "
                      "publishes nothing.")
def published_version(context: dg.AssetExecutionContext, curation: CurationConfig,
                      curated_batch: steps.Staged) -> dg.Output[dict]:
    from pipeline.orchestration.gate import gate_dir, load_gate

    curated = Path(curation.curated_dir)
    if curated_batch.unchanged:
        discard(curated_batch.work_dir)
        store.repair(curated)  # what a killed run may have left, even when nothing is new
        v = store.latest_version(curated)
        m = store.read_manifest(curated, v)
        context.log.info(f"nothing new under the raw folder: version {v} stays the latest")
        rows = {t: i["rows"] for t, i in m["tables"].items()}
        return dg.Output({"version": v, "path": str(store.version_path(curated, v)),
                          "created": False, "rows": rows},
                         metadata={"version": dg.MetadataValue.int(v), "new_version": False,
                                   "version_path": dg.MetadataValue.path(
                                       str(store.version_path(curated, v)))})
    report_dir = gate_dir(curated, context.run_id)
    gate = load_gate(report_dir)
    result = store.publish(
        curated, curated_batch.version_tables(), ahead=curated_batch.ahead,
        metadata={"input_fingerprint": curated_batch.fingerprint,
                  "code_version": steps.code_version(),
                  "raw_documents": curated_batch.n_raw_documents,
                  "stats": curated_batch.stats, "validation": gate},
        attachments={"validation": report_dir} if report_dir.is_dir() else None,
        before_visible=build_report, expect_latest=curated_batch.base_version)
    discard(curated_batch.work_dir)  # the tables read from the chunked pass's parts: published
    summary = {"version": result.version, "path": str(result.path), "created": result.created,
               "rows": {t: i["rows"] for t, i in result.manifest["tables"].items()}}
    md = {
        "version": dg.MetadataValue.int(result.version),
        "version_path": dg.MetadataValue.path(str(result.path)),
        "new_version": dg.MetadataValue.bool(result.created),
        **{f"rows.{t}": dg.MetadataValue.int(n) for t, n in summary["rows"].items()},
    }
    validation = result.manifest.get("validation") or {}
    if validation:
        md["validation"] = dg.MetadataValue.json(validation)
    if not result.created:
        context.log.info(f"content unchanged: version {result.version} is already current")
    docs = next((result.path / "validation").rglob("index.html"), None) \
        if (result.path / "validation").is_dir() else None
    if docs:
        md["validation_docs"] = dg.MetadataValue.path(str(docs))
    if (result.path / "report.html").is_file():
        md["report"] = dg.MetadataValue.path(str(result.path / "report.html"))
    shutil.rmtree(report_dir, ignore_errors=True)  # kept inside the version now
    return dg.Output(summary, metadata=md)


ASSETS = [documents, deduplicated, curated_batch, published_version]
