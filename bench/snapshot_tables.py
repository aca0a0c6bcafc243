"""A digest of the tables a run publishes, to show that a change of structure changes no output.

    uv run --no-sync python bench/snapshot_tables.py --raw data/raw --out before.json
    ... change the code ...
    uv run --no-sync python bench/snapshot_tables.py --raw data/raw --compare before.json

Runs the whole write-audit-publish protocol (`pipeline.run` + `pipeline.publishing`) into a
temporary curated folder, then hashes each table sorted by its key, without `ingested_at` (the
clock). `--compare` exits 1 and names the tables that differ.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import shutil
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

import polars as pl

KEYS = {"articles": ["doc_id"], "duplicates": ["doc_id"], "rejected": ["doc_id"],
        "removed_lines": ["doc_id", "line_no"]}


def snapshot(raw: Path, workers: int) -> dict[str, dict]:
    from pipeline import publishing, run
    from pipeline.settings import Settings

    cur = Path(tempfile.mkdtemp(prefix="snapshot-"))
    try:
        s = Settings(raw_dir=raw, curated_dir=cur, workers=workers, full_rebuild=True)
        st = run.run_steps(s, now=datetime(2026, 1, 1, tzinfo=UTC))
        report = publishing.audit(st, cur, "snapshot")
        if not report.success:
            raise SystemExit(f"blocked: {report.blocked}")
        publishing.publish(st, cur, "snapshot")
        out = {}
        for name, key in KEYS.items():
            df = pl.read_parquet(cur / "latest" / f"{name}.parquet")
            df = df.drop([c for c in ("ingested_at",) if c in df.columns]).sort(key)
            digest = hashlib.sha256()
            for batch in df.iter_slices(10_000):
                digest.update(batch.write_ipc(None).getvalue())
            out[name] = {"rows": df.height, "sha256": digest.hexdigest()}
        return out
    finally:
        shutil.rmtree(cur, ignore_errors=True)


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--raw", type=Path, required=True)
    p.add_argument("--workers", type=int, default=2)
    g = p.add_mutually_exclusive_group(required=True)
    g.add_argument("--out", type=Path)
    g.add_argument("--compare", type=Path)
    args = p.parse_args()
    snap = snapshot(args.raw.resolve(), args.workers)
    for name, info in snap.items():
        print(f"{name:<14} {info['rows']:>9} rows  {info['sha256'][:16]}")
    if args.out:
        args.out.write_text(json.dumps(snap, indent=2))
        return 0
    before = json.loads(args.compare.read_text())
    differ = [n for n in snap if snap[n] != before.get(n)]
    print("same tables" if not differ else f"DIFFERENT: {', '.join(differ)}")
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main())
