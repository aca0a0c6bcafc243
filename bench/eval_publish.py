"""Does a real batch publish? `curate run` over each dev set's pages as a raw folder, as text
scrapes and as HTML, printing what became of every page: published or not (exit code), rejects
by stage and reason, quarantined rows by expectation, warnings.

    uv run --no-sync python bench/eval_publish.py [--sets wcxb-article-dev dragnet-dev]
        [--kinds text html] [--json FILE]

Each run is a full `curate run` (Dagster in-process, the Great Expectations gate) into a fresh
curated folder under the cache directory, so it measures what a user would get.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import polars as pl

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _devdata import SETS, cache_dir, devdata_dir  # noqa: E402

REPO = Path(__file__).resolve().parents[1]


def one_run(raw: Path) -> dict:
    cur = Path(tempfile.mkdtemp(prefix="eval-publish-", dir=cache_dir()))
    try:
        proc = subprocess.run(
            [sys.executable, "-m", "pipeline.cli", "run", "--raw-dir", str(raw), "--curated-dir",
             str(cur), "--full-rebuild"], cwd=REPO, capture_output=True, text=True)
        out: dict = {"exit": proc.returncode, "stdout_tail": proc.stdout.splitlines()[-12:]}
        if (cur / "latest" / "manifest.json").is_file():
            m = json.loads((cur / "latest" / "manifest.json").read_text())
            rej = pl.read_parquet(cur / "latest" / "rejected.parquet")
            out |= {
                "raw_documents": m["raw_documents"],
                "articles": m["tables"]["articles"]["rows"],
                "duplicates": m["tables"]["duplicates"]["rows"],
                "rejected_by_reason": {f"{s}/{r}": n for s, r, n in rej.group_by(
                    "stage", "reason").len().sort("stage", "reason").iter_rows()},
                "quarantined_by_expectation": m["validation"].get("quarantined_by_expectation"),
                "quarantined_copies": m["validation"].get("quarantined_copies", 0),
                "warnings": m["validation"].get("warnings"),
            }
        elif (cur / "attempts").is_dir():
            attempt = next((cur / "attempts").iterdir()) / "attempt.json"
            out["blocked"] = json.loads(attempt.read_text()).get("blocked")
        return out
    finally:
        shutil.rmtree(cur, ignore_errors=True)


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--sets", nargs="+", default=list(SETS))
    p.add_argument("--kinds", nargs="+", default=["text", "html"])
    p.add_argument("--json")
    args = p.parse_args()
    results = {}
    for name in args.sets:
        root = devdata_dir(name)
        for kind in args.kinds:
            r = one_run(root / kind)
            results[f"{name}/{kind}"] = r
            print(f"\n{name} as {kind}: exit {r['exit']}, "
                  f"{r.get('articles', 0)} articles, {r.get('duplicates', 0)} duplicates "
                  f"of {r.get('raw_documents', '?')} raw documents")
            for k, v in (r.get("rejected_by_reason") or {}).items():
                print(f"  rejected {k}: {v}")
            for k, v in (r.get("quarantined_by_expectation") or {}).items():
                print(f"  quarantined {k}: {v}")
            for w in r.get("warnings") or []:
                print(f"  warning: {w}")
            for b in r.get("blocked") or []:
                print(f"  BLOCKED: {b}")
            if r["exit"] not in (0,):
                print("\n".join("  | " + x for x in r["stdout_tail"]))
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2))
    return 0 if all(r["exit"] == 0 for r in results.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
