"""Near-duplicate thresholds, tried without re-running the pipeline: re-cluster the signature
indexes that `eval_dedup_pages.py --keep DIR` left, under other cluster settings.

    uv run --no-sync python bench/recluster_dedup.py DIR [DIR ...] \
        [--set min_containment_ratio=0.1 --set containment_threshold=0.8 ...]

Each DIR is a `--keep` folder of `eval_dedup_pages.py` (its `seed-<n>/` runs). The thresholds
are cluster parameters (`DedupSettings.cluster_params`): a version's stored index holds every
signature they are applied to, so `deduplicate` re-joins all its documents under new ones
without any text. The index is always re-joined here, with the settings given or the defaults
(its stored clusters are not reused), so the first row ("as stored, re-joined") is the
baseline the others compare with. Byte-identical copies follow their twin, as in the run.

Printed, over all the runs given (pairs summed): pair precision / recall / F1, false pairs,
and recall by kind of copy, as `eval_dedup_pages.py` counts them (a rejected document is in
no cluster: its pairs are missed). Session 20 used it to show that a lower size-ratio guard
finds a few truncated copies and merges hundreds of pairs of different articles
(bench/README.md, "Session 20 numbers").
"""

from __future__ import annotations

import argparse
import itertools
import re
import sys
from collections import Counter, defaultdict
from dataclasses import fields, replace
from pathlib import Path

import polars as pl

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import eval_dedup_pages as pages  # noqa: E402

from pipeline.dedup import DedupSettings, deduplicate  # noqa: E402


def _page_id(source: str) -> str:
    """The dev-set page a raw file of the evaluation is, or is a copy of."""
    return re.sub(r"^\d+-", "", source.rsplit("/", 1)[-1]).removesuffix(".txt")


def recluster(run: Path, settings: DedupSettings) -> dict[str, str]:
    """source -> cluster of every document of the run's stored index (and of its
    byte-identical copies), re-joined under `settings`."""
    cur = run / "curated" / "latest"
    art = pl.read_parquet(cur / "articles.parquet", columns=["doc_id", "source"])
    dup = pl.read_parquet(cur / "duplicates.parquet")
    source = dict(zip(art["doc_id"], art["source"], strict=True)) | dict(
        zip(dup["doc_id"], dup["source"], strict=True))
    # (a cluster_params no settings give: every stored document is joined again)
    index = pl.read_parquet(cur / "dedup_index.parquet").with_columns(
        pl.lit("re-join").alias("cluster_params"))
    none = pl.DataFrame(schema={"doc_id": pl.String, "text": pl.String, "published": pl.Date})
    got = deduplicate(none, index=index, settings=settings).assignments
    cluster = {source[d]: c for d, c in zip(got["doc_id"], got["cluster_id"], strict=True)
               if d in source}
    twins = dup.filter(pl.col("method") == "exact_raw")
    for src, twin in zip(twins["source"], twins["duplicate_of"], strict=True):
        if source.get(twin) in cluster:
            cluster[src] = cluster[source[twin]]
    return cluster


def score(runs: list[Path], settings: DedupSettings, story: dict[str, str]) -> dict:
    tp = fp = true_pairs = 0
    found: Counter[str] = Counter()
    total: Counter[str] = Counter()
    for run in runs:
        cluster = recluster(run, settings)
        raw = run / "raw"
        sources = sorted(str(p.relative_to(raw)) for p in raw.rglob("*.txt"))
        label = {s: story[_page_id(s)] for s in sources}
        members: dict[str, list[str]] = defaultdict(list)
        for src, c in cluster.items():
            members[c].append(src)
        for group in members.values():
            for x, y in itertools.combinations(group, 2):
                tp, fp = (tp + 1, fp) if label[x] == label[y] else (tp, fp + 1)
        true_pairs += sum(n * (n - 1) // 2 for n in Counter(label.values()).values())
        for src in sources:
            if not src.startswith("copies/"):
                continue
            kind, orig = src.split("/")[1], f"pages/{_page_id(src)}.txt"
            total[kind] += 1
            found[kind] += int(src in cluster and cluster.get(orig) == cluster[src])
    p = tp / (tp + fp) if tp + fp else 1.0
    r = tp / true_pairs if true_pairs else 1.0
    return {"precision": p, "recall": r, "f1": 2 * p * r / (p + r) if p + r else 0.0,
            "fp": fp, "by_kind": {k: found[k] / total[k] for k in sorted(total)}}


def _settings(pairs: list[str]) -> DedupSettings:
    kinds = {f.name: f.type for f in fields(DedupSettings)}
    changes = {}
    for pair in pairs:
        name, _, value = pair.partition("=")
        if name not in kinds:
            raise SystemExit(f"unknown setting {name!r}; one of {sorted(kinds)}")
        changes[name] = float(value) if "float" in str(kinds[name]) else int(value)
    return replace(DedupSettings(), **changes)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("keep", type=Path, nargs="+", help="eval_dedup_pages.py --keep folders")
    ap.add_argument("--set", action="append", default=[], metavar="NAME=VALUE",
                    help="a DedupSettings field to change (cluster parameters only: the "
                         "signatures are stored as they were made); repeatable")
    a = ap.parse_args()
    runs = sorted(run for keep in a.keep for run in keep.glob("seed-*")
                  if (run / "curated" / "latest" / "dedup_index.parquet").exists())
    if not runs:
        raise SystemExit("no seed-*/curated/latest/dedup_index.parquet under the folders")
    story = pages.same_story([p for p in pages._pages() if p["gold"]])
    print(f"{len(runs)} runs: {', '.join(f'{r.parent.name}/{r.name}' for r in runs)}")
    rows = [("as stored, re-joined", DedupSettings())]
    if a.set:
        rows.append((" ".join(a.set), _settings(a.set)))
    for name, settings in rows:
        s = score(runs, settings, story)
        kinds = "  ".join(f"{k} {v:.3f}" for k, v in s["by_kind"].items())
        print(f"{name}: P {s['precision']:.4f}  R {s['recall']:.4f}  F1 {s['f1']:.4f}  "
              f"false pairs {s['fp']}\n    recall by kind: {kinds}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
