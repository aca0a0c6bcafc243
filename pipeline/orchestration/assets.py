"""The pipeline's assets: each calls one step of `pipeline.steps` and attaches its stats."""


from pathlib import Path

import dagster as dg
import polars as pl

from pipeline import publishing, run, steps, store
from pipeline.chunks import Processed
from pipeline.orchestration.display import preview, stats_metadata, validation_metadata
from pipeline.orchestration.resources import CurationConfig

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
    done = run.process_run(s)
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


@dg.asset(group_name=PUBLISH, kinds={"polars", "great_expectations"},
          description="The next version's tables in the data contract's schema, audited by the "
                      "Great Expectations suites (write-audit-publish): rows a quarantine "
                      "expectation fails move to `rejected`; a failed block expectation stops "
                      "the batch (the validation_gate check); warnings are recorded.")
def curated_batch(context: dg.AssetExecutionContext, curation: CurationConfig,
                  documents: Processed, deduplicated: steps.DedupStep
                  ) -> dg.Output[steps.Staged]:
    s = curation.settings()
    prev = documents.raw.previous
    seen = run.first_seen(Path(curation.curated_dir)) if prev is None else None
    st = steps.stage(documents.raw, documents.extract, documents.clean, deduplicated,
                     previous_articles=seen, prev=prev,
                     revalidate=publishing.suites_changed(prev, s.expectations_dir))
    md: dict[str, dg.MetadataValue] = {}
    if not st.unchanged:
        if st.revalidate:
            context.log.info("the suites changed since the latest version: re-checking it")
        st.write_ahead()  # written while the gate validates; published by moving the files
        report = publishing.audit(st, s.curated_dir, context.run.run_id, s.expectations_dir)
        md = validation_metadata(report, st.validation)
        for line in report.to_text().splitlines()[:40]:
            (context.log.info if report.success else context.log.warning)(line)
    return dg.Output(st, metadata={
        **stats_metadata(st.stats), **md,
        "preview": preview(st.tables["articles"], ["title", "site", "published", "language",
                                                   "n_words", "n_copies", "source"]),
    })


@dg.asset(group_name=PUBLISH, kinds={"parquet"},
          description="Publishes the validated batch as a new immutable version (all tables at "
                      "once, with a manifest) and moves the latest pointer; an unchanged batch "
                      "publishes nothing.")
def published_version(context: dg.AssetExecutionContext, curation: CurationConfig,
                      curated_batch: steps.Staged) -> dg.Output[dict]:
    curated = Path(curation.curated_dir)
    if curated_batch.unchanged:
        v = publishing.keep_latest(curated_batch, curated)
        m = store.read_manifest(curated, v)
        context.log.info(f"nothing new under the raw folder: version {v} stays the latest")
        rows = {t: i["rows"] for t, i in m["tables"].items()}
        return dg.Output({"version": v, "path": str(store.version_path(curated, v)),
                          "created": False, "rows": rows, "validation": m.get("validation")},
                         metadata={"version": dg.MetadataValue.int(v), "new_version": False,
                                   "version_path": dg.MetadataValue.path(
                                       str(store.version_path(curated, v)))})
    result = publishing.publish(curated_batch, curated, context.run.run_id)
    summary = {"version": result.version, "path": str(result.path), "created": result.created,
               "rows": {t: i["rows"] for t, i in result.manifest["tables"].items()},
               "validation": curated_batch.validation}
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
    return dg.Output(summary, metadata=md)


ASSETS = [documents, deduplicated, curated_batch, published_version]
