"""`curate`: run the pipeline, list versions, clean files without publishing."""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from pipeline.settings import Settings

if TYPE_CHECKING:
    from pipeline.steps import Staged


def _settings(args: argparse.Namespace) -> Settings:
    kw = {}
    if getattr(args, "raw_dir", None):
        kw["raw_dir"] = Path(args.raw_dir).resolve()
    if getattr(args, "curated_dir", None):
        kw["curated_dir"] = Path(args.curated_dir).resolve()
    if getattr(args, "workers", None):
        kw["workers"] = args.workers
    if getattr(args, "full_rebuild", False):
        kw["full_rebuild"] = True
    if getattr(args, "allow_shrink", False):
        kw["allow_shrink"] = True
    if getattr(args, "expectations_dir", None):
        kw["expectations_dir"] = Path(args.expectations_dir).resolve()
    if getattr(args, "executor", None):
        kw["executor"] = args.executor
    if getattr(args, "ray_address", None):
        kw["ray_address"] = args.ray_address
    return Settings(**kw)


def cmd_run(args: argparse.Namespace) -> int:
    """Materialise every asset in-process (the same job the UI and the schedule run)."""

    from pipeline.definitions import build_definitions
    from pipeline.publishing import gate_dir

    settings = _settings(args)
    if not settings.raw_dir.is_dir():
        print(f"error: raw folder {settings.raw_dir} does not exist", file=sys.stderr)
        return 2
    defs = build_definitions(settings, in_memory=True)
    job = defs.resolve_job_def("curate")
    instance = _instance()
    level = "INFO" if args.verbose else "WARNING"
    result = job.execute_in_process(
        instance=instance, raise_on_error=False,
        run_config={"loggers": {"console": {"config": {"log_level": level}}}})
    staged = _output(result, "curated_batch")
    if staged is not None:
        st = staged.stats
        print(f"raw documents: {st.get('raw_documents', '?')} in {settings.raw_dir}")
        print(f"rejected: {st.get('rejected')}{_reasons(staged)}   duplicates: "
              f"{st.get('duplicates')}   articles: {st.get('articles')}")
    validation = (staged.validation if staged is not None else None) or {}
    report = gate_dir(settings.curated_dir, result.run_id) / "report.txt"
    if validation.get("blocked"):
        print("validation BLOCKED the batch: nothing was published; the latest version is "
              "unchanged.")
        if report.is_file():
            print(report.read_text().rstrip())
        print(f"results and Data Docs kept under {settings.curated_dir / 'attempts'}")
        shutil.rmtree(report.parent, ignore_errors=True)
        return EXIT_BLOCKED
    if not result.success:
        shutil.rmtree(report.parent, ignore_errors=True)
        errors = [(ev.step_key, ev.step_failure_data.error) for ev in result.all_events
                  if ev.is_step_failure and ev.step_failure_data and ev.step_failure_data.error]
        for step, err in errors:
            busy = _find_cause(err, "StoreBusy") or _find_cause(err, "StoreConflict")
            if busy is not None:
                print(f"error: {busy.message.strip().split(': ', 1)[-1]}", file=sys.stderr)
                return 75  # EX_TEMPFAIL: try again later
            refused = next(filter(None, (_find_cause(err, n) for n in
                                         ("VersionCorrupt", "UnsafeStore", "RebuildRefused",
                                          "SharedStorageError"))), None)
            if refused is not None:
                print(f"error: {refused.message.strip().split(': ', 1)[-1]}", file=sys.stderr)
                return 1
            root = _find_cause(err, None)
            print(f"step {step} failed: {root.cls_name}: {root.message.strip()}", file=sys.stderr)
        print("run FAILED", file=sys.stderr)
        return 1
    pub = _output(result, "published_version")
    if pub is None:  # nothing new, or the same content: no materialization, the latest stands
        from pipeline.orchestration.assets import unchanged_summary

        pub = unchanged_summary(settings.curated_dir)
        if pub is None:
            print("nothing published: the raw folder held nothing to curate")
            return 0
    _print_validation(validation)
    if pub["created"]:
        print(f"published version {pub['version']}: {pub['path']}")
    else:
        print(f"unchanged: the data equals version {pub['version']}, nothing new published "
              f"({pub['path']})")
    print("rows: " + ", ".join(f"{t} {n}" for t, n in pub["rows"].items()))
    report = Path(pub["path"]) / "report.html"
    if report.is_file():
        print(f"report: {report}")
    print(f"read it: pl.read_parquet('{settings.curated_dir / 'latest' / 'articles.parquet'}')")
    return 0


# Exit codes of `curate run`: 0 published (warnings and quarantined rows included) or nothing
def _reasons(staged: Staged) -> str:
    """" (hard_link 2, empty 1)": the reject reasons of a run, most frequent first."""
    rejected = staged.tables.get("rejected")
    if rejected is None or rejected.height == 0:
        return ""
    counts = rejected.group_by("reason").len().sort(["len", "reason"], descending=[True, False])
    shown = ", ".join(f"{r} {n}" for r, n in counts.head(5).iter_rows())
    return f" ({shown}{', ...' if counts.height > 5 else ''})"


# new; 1 a step failed; 2 bad arguments; 3 validation blocked the batch; 75 the store is busy.
EXIT_BLOCKED = 3


def _output(result, node: str):
    try:
        return result.output_for_node(node)
    except Exception:  # noqa: BLE001 - the step did not run or failed
        return None


def _print_validation(v: dict) -> None:
    """The gate's verdict in the run summary: quarantined rows by expectation, warnings."""
    if not v:
        return
    q = v.get("quarantined", 0)
    print(f"validation passed: {v.get('evaluated', 0)} expectations; {q} articles quarantined"
          + (f" (+{v['quarantined_copies']} of their copies)" if v.get("quarantined_copies") else "")
          + f", {len(v.get('warnings', []))} warnings")
    for label, n in (v.get("quarantined_by_expectation") or {}).items():
        print(f"  quarantined {n}: {label}")
    for label in v.get("warnings", []):
        print(f"  warning: {label}")
    if q:
        print("  quarantined rows: the version's `rejected` table (stage 'validation'), its "
              "report.html and Data Docs")


def _instance():
    """The Dagster instance runs are recorded in: DAGSTER_HOME's (so `make ui` shows CLI runs)
    or an ephemeral one. Two first runs on a fresh home can race creating its SQLite schema;
    the loser retries once."""
    import dagster as dg

    if not os.environ.get("DAGSTER_HOME"):
        return dg.DagsterInstance.ephemeral()
    try:
        return dg.DagsterInstance.get()
    except Exception:  # noqa: BLE001 - sqlite "already exists" while another run migrates
        import time

        time.sleep(2.0)
        return dg.DagsterInstance.get()


def _find_cause(err, cls_name: str | None):
    """The first error named `cls_name` in a Dagster error's cause chain (None: the deepest)."""
    seen = err
    while err is not None:
        if cls_name is not None and err.cls_name == cls_name:
            return err
        seen = err
        err = err.cause
    return None if cls_name is not None else seen


def _materialization_stats(result) -> dict[str, dict]:
    out: dict[str, dict] = {}
    for ev in result.get_asset_materialization_events():
        mat = ev.event_specific_data.materialization
        out[mat.asset_key.to_user_string()] = {k: getattr(v, "value", v)
                                               for k, v in mat.metadata.items()}
    return out


def cmd_versions(args: argparse.Namespace) -> int:
    from pipeline.reader import versions

    settings = _settings(args)
    vs = versions(settings.curated_dir)
    if not vs:
        print(f"no versions under {settings.curated_dir}")
        return 0
    if args.json:
        print(json.dumps(vs, indent=2))
        return 0
    for v in vs:
        rows = "  ".join(f"{t}={n}" for t, n in v["rows"].items() if t != "dedup_index")
        mark = "  <- latest" if v["latest"] else ""
        print(f"v{v['version']:<4} {v['created_at']}  {rows}{mark}")
    return 0


def cmd_clean(args: argparse.Namespace) -> int:
    from pipeline.cleanfiles import clean_paths

    return clean_paths([Path(p) for p in args.paths], Path(args.out) if args.out else None,
                       explain=args.explain, workers=args.workers or 1)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="curate", description=__doc__)
    sub = p.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("run", help="run the whole pipeline and publish a version")
    r.add_argument("--raw-dir")
    r.add_argument("--curated-dir")
    r.add_argument("--workers", type=int, help="worker processes (default: all cores)")
    r.add_argument("--full-rebuild", action="store_true",
                   help="rebuild every table from all of the raw folder (default: incremental)")
    r.add_argument("--allow-shrink", action="store_true",
                   help="run even if a full rebuild drops more than rebuild_max_loss of the "
                        "published articles, or the raw folder is empty")
    r.add_argument("-v", "--verbose", action="store_true", help="show Dagster's step log")
    r.add_argument("--expectations-dir", help="Great Expectations suites (default: expectations/)")
    r.add_argument("--executor", choices=("local", "ray"),
                   help="where the per-document pass and the dedup join run (default: local, "
                        "or CURATE_EXECUTOR)")
    r.add_argument("--ray-address", help="the Ray cluster to join (default: RAY_ADDRESS, else a "
                                         "Ray instance started on this machine)")
    r.set_defaults(fn=cmd_run)
    v = sub.add_parser("versions", help="list published versions with row counts")
    v.add_argument("--curated-dir")
    v.add_argument("--json", action="store_true")
    v.set_defaults(fn=cmd_versions)
    c = sub.add_parser("clean", help="clean files without publishing")
    c.add_argument("paths", nargs="+")
    c.add_argument("--out", help="folder for one cleaned .txt per input (default: print)")
    c.add_argument("--explain", action="store_true", help="show each removed line and why")
    c.add_argument("--workers", type=int)
    c.set_defaults(fn=cmd_clean)
    args = p.parse_args(argv)
    return args.fn(args)


if __name__ == "__main__":
    sys.exit(main())
