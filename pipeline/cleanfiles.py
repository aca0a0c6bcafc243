"""`curate clean`: the read-extract-clean steps over given files, nothing published."""

from __future__ import annotations

import sys
from pathlib import Path

import polars as pl

from pipeline import steps
from pipeline.ingest import Doc, Reject, _docs_frame, read_file, rejects_frame
from pipeline.settings import Settings


def output_name(source: str) -> str:
    """`a/b/page.html.gz` -> `page.txt`; a record of a batch, `batch.jsonl#3` -> `batch.3.txt`."""
    path, _, record = source.partition("#")
    name = Path(path).name
    stem = name.split(".")[0] or name
    return f"{stem}.{record}.txt" if record else f"{stem}.txt"


def clean_paths(paths: list[Path], out: Path | None, explain: bool = False, workers: int = 1
                ) -> int:
    docs: list[Doc] = []
    rejects: list[Reject] = []
    settings = Settings(workers=workers)
    for p in paths:
        if not p.is_file():
            print(f"error: {p}: no such file", file=sys.stderr)
            return 2
        for item in read_file(p.resolve(), p.resolve().parent, settings):
            (docs if isinstance(item, Doc) else rejects).append(item)
    raw = steps.RawStep(_docs_frame(docs), pl.DataFrame(), rejects_frame(rejects), "", {})
    ex = steps.extract(raw, settings)
    cl = steps.clean(ex)
    bad = pl.concat([raw.rejected, ex.rejected, cl.rejected])
    for src, reason, detail in bad.select("source", "reason", "detail").iter_rows():
        print(f"rejected {src}: {reason} ({detail})", file=sys.stderr)
    if out:
        out.mkdir(parents=True, exist_ok=True)
    removed = cl.removed_lines
    for row in cl.documents.sort("source").iter_rows(named=True):
        name = output_name(row["source"])
        if out:
            (out / name).write_text(row["text"] + "\n", encoding="utf-8")
            print(f"{row['source']} -> {out / name}")
        else:
            print(f"=== {row['source']}")
            print(row["text"])
        meta = {k: row[k] for k in ("title", "published", "site", "language") if row[k]}
        if explain:
            print(f"--- {row['source']}: metadata {meta}")
            lines = removed.filter(pl.col("doc_id") == row["doc_id"]).sort("line_no")
            print(f"--- {row['source']}: {lines.height} lines removed")
            for ln, text, cat, rule in lines.select("line_no", "text", "category", "rule"
                                                   ).iter_rows():
                print(f"  {ln:>4}  [{cat}/{rule}]  {text[:120]}")
    return 1 if bad.height and cl.documents.is_empty() else 0
