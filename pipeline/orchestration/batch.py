"""A run's batch, step by step, for the assets and the checks (Dagster-thin: the work is in
`pipeline.run`, `pipeline.steps` and `pipeline.publishing`).

Each `need_*` returns the step's value in this run: the one an earlier step of the run handed
over (`handover`), or, when that asset is not part of the run (one asset or one check run from
the UI), the same value recomputed here, incremental on the latest version. `Unchanged` stands
for "nothing new under the raw folder since the latest version, and the same suites": the
steps after reading do nothing and record no materialization.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import dagster as dg

from pipeline import chunks, publishing, run, steps, store
from pipeline.chunks import Processed
from pipeline.orchestration import handover
from pipeline.orchestration.display import version_links
from pipeline.settings import Settings
from pipeline.validation import ValidationReport

RAW = dg.AssetKey("raw_scrapes")
PUBLISHED = dg.AssetKey("published_version")


@dataclass(frozen=True)
class Unchanged:
    """Nothing new under the raw folder since `version`, and the same suites and settings."""

    version: int
    fingerprint: str
    files: int

    def message(self) -> str:
        return (f"nothing new under the raw folder since version {self.version} "
                f"({self.files} files, listing {self.fingerprint[:12]}): no step after reading "
                "runs, and no asset records a materialization")


Context = dg.AssetExecutionContext | dg.AssetCheckExecutionContext


def _run_id(context: Context) -> str:
    return context.run.run_id


def _observe(context: Context, key: dg.AssetKey, metadata: dict[str, Any]) -> None:
    context.op_execution_context.log_event(dg.AssetObservation(asset_key=key, metadata=metadata))


def read(context: Context, s: Settings) -> Processed | Unchanged:
    """The `documents` step: read, extract and clean the new raw documents (chunks over worker
    processes). Returns `Unchanged` when the raw folder holds nothing the latest version has not
    read and the suites are the same (its work folder is removed at once)."""
    done = run.process_run(s)
    raw, prev = done.raw, done.raw.previous
    _observe(context, RAW, {
        "path": dg.MetadataValue.path(str(s.raw_dir)),
        "files": dg.MetadataValue.int(int(raw.stats.get("files", 0))),
        "listing_fingerprint": dg.MetadataValue.text(raw.fingerprint),
    })
    got: Processed | Unchanged = done
    if run.nothing_new(done, s):
        chunks.discard(done.work_dir)
        store.repair(s.curated_dir)  # what a killed run may have left, even when nothing is new
        got = Unchanged(prev.version, raw.fingerprint, int(raw.stats.get("files", 0)))
        context.log.info(got.message())
        _observe(context, PUBLISHED, unchanged_metadata(s.curated_dir, got.version,
                                                        "nothing new under the raw folder"))
    handover.remember(_run_id(context), "documents", got)
    return got


def unchanged_metadata(curated: Path, version: int, why: str) -> dict[str, dg.MetadataValue]:
    """What an observation of `published_version` says when a run published nothing."""
    path = store.version_path(curated, version)
    return {"version": dg.MetadataValue.int(version), "new_version": dg.MetadataValue.bool(False),
            "why": dg.MetadataValue.text(why), "version_path": dg.MetadataValue.path(str(path)),
            **version_links(path)}


def dedupe(context: Context, s: Settings, docs: Processed) -> steps.DedupStep:
    """The `deduplicated` step: exact and near-duplicate clusters with the previous version."""
    dd = run.dedupe_batch(docs, s)
    handover.remember(_run_id(context), "deduplicated", dd)
    return dd


def stage_and_audit(context: Context, s: Settings, docs: Processed, dd: steps.DedupStep
                    ) -> tuple[steps.Staged, ValidationReport | None]:
    """The `curated_batch` step: the next version's tables, audited by the gate (quarantined
    rows moved to `rejected`, a blocked attempt kept under attempts/). The report is None when
    the batch is unchanged (nothing to validate)."""
    curated = Path(s.curated_dir)
    st = run.stage_batch(docs, dd, s)
    report = None
    if st.unchanged:
        publishing.keep_latest(st, curated)
    else:
        if st.revalidate:
            context.log.info("the suites changed since the latest version: re-checking it")
        st.write_ahead()  # written while the gate validates; published by moving the files
        report = publishing.audit(st, curated, _run_id(context), s.expectations_dir)
        for line in report.to_text().splitlines()[:40]:
            (context.log.info if report.success else context.log.warning)(line)
    handover.remember(_run_id(context), "curated_batch", st)
    return st, report


def need_documents(context: Context, s: Settings, value: Any = handover.NOT_IN_RUN
                   ) -> Processed | Unchanged:
    if value is handover.NOT_IN_RUN:
        value = handover.recall(_run_id(context), "documents")
    if value is handover.NOT_IN_RUN:
        context.log.info("documents is not part of this run: reading the raw folder for it")
        value = read(context, s)
    return value


def need_deduplicated(context: Context, s: Settings, value: Any = handover.NOT_IN_RUN,
                      documents: Any = handover.NOT_IN_RUN
                      ) -> tuple[Processed | Unchanged, steps.DedupStep | None]:
    """(documents, deduplicated) of this run; deduplicated is None when nothing is new."""
    docs = need_documents(context, s, documents)
    if isinstance(docs, Unchanged):
        return docs, None
    if value is handover.NOT_IN_RUN:
        value = handover.recall(_run_id(context), "deduplicated")
    if value is handover.NOT_IN_RUN:
        context.log.info("deduplicated is not part of this run: deduplicating for it")
        value = dedupe(context, s, docs)
    return docs, value


def need_batch(context: Context, s: Settings, value: Any = handover.NOT_IN_RUN
               ) -> steps.Staged | Unchanged:
    """The audited batch of this run (recomputed when curated_batch is not part of it)."""
    if value is handover.NOT_IN_RUN:
        value = handover.recall(_run_id(context), "curated_batch")
    if value is not handover.NOT_IN_RUN:
        return value
    docs, dd = need_deduplicated(context, s)
    if isinstance(docs, Unchanged):
        return docs
    context.log.info("curated_batch is not part of this run: staging and validating for it")
    st, _ = stage_and_audit(context, s, docs, dd)
    return st
