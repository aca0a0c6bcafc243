"""Near-duplicate thresholds, tried without re-running the pipeline: re-cluster the signature
indexes that `eval_dedup_pages.py --keep DIR` left, under other cluster settings.

    uv run --no-sync python bench/recluster_dedup.py DIR [DIR ...] \
        [--set min_containment_ratio=0.1 --set containment_threshold=0.8 ...]

Each DIR is a `--keep` folder of `eval_dedup_pages.py` (its `seed-<n>/` runs; `--scatter`
runs too). The thresholds are cluster parameters (`DedupSettings.cluster_params`): a
version's stored index holds every signature they are applied to, so `deduplicate` re-joins
all its documents under new ones without any text. The index is always re-joined here, with
the settings given or today's defaults (its stored clusters are not reused), so the first row
("defaults, re-joined") is the baseline the others compare with; a warning says when the runs
were made with other thresholds or another signature scheme than today's. Byte-identical
copies follow the twin the run processed (`raw_hashes.parquet`), as in the run.

Printed, over all the runs given (pairs summed, not seed means): pair precision / recall /
F1, false pairs, and recall by kind of copy, as `eval_dedup_pages.py` counts them (a document
the run rejected or quarantined is in no cluster: its pairs are missed, whatever the settings
tried; `same_story_pages` is not reported). Session 20 used it to show that a lower size-ratio
guard finds a few truncated copies and merges hundreds of pairs of different articles
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

from pipeline.dedup import DedupSettings, deduplicate, scheme_for  # noqa: E402

# What `--set` may change: the thresholds (`DedupSettings.cluster_params`), the containment
# bands (made again from the stored signatures, `index.with_anchors`) and the batch size.
# The other fields decide the stored signatures themselves.
SETTABLE = ("jaccard_threshold", "containment_threshold", "lead_jaccard_threshold",
            "lead_containment_threshold", "min_containment_shingles", "min_containment_ratio",
            "lead_min_containment_ratio", "strict_containment_threshold",
            "strict_containment_min_equal", "anchors", "anchor_rows",
            "batch_size")


def _page_id(source: str) -> str:
    """The dev-set page a raw file of the evaluation is, or is a copy of."""
    return re.sub(r"^\d+-", "", source.rsplit("/", 1)[-1]).removesuffix(".txt")


def _stored(run: Path) -> pl.DataFrame:
    return pl.read_parquet(run / "curated" / "latest" / "dedup_index.parquet")


def recluster(run: Path, settings: DedupSettings) -> dict[str, str]:
    """source -> cluster of every document of the run's stored index (and of its
    byte-identical copies), re-joined under `settings`."""
    cur = run / "curated" / "latest"
    art = pl.read_parquet(cur / "articles.parquet", columns=["doc_id", "source"])
    dup = pl.read_parquet(cur / "duplicates.parquet")
    source = dict(zip(art["doc_id"], art["source"], strict=True)) | dict(
        zip(dup["doc_id"], dup["source"], strict=True))
    # (a cluster_params no settings give: every stored document is joined again)
    index = _stored(run).with_columns(pl.lit("re-join").alias("cluster_params"))
    none = pl.DataFrame(schema={"doc_id": pl.String, "text": pl.String, "published": pl.Date})
    got = deduplicate(none, index=index, settings=settings).assignments
    by_doc = dict(zip(got["doc_id"], got["cluster_id"], strict=True))
    cluster = {source[d]: c for d, c in by_doc.items() if d in source}
    # A byte-identical copy was never signed: it follows the twin the run processed, the one
    # document of its raw hash in the index (`duplicate_of` names the old cluster's
    # representative, which other settings may put elsewhere).
    hashes = pl.read_parquet(cur / "raw_hashes.parquet")
    twin = {h: d for d, h in zip(hashes["doc_id"], hashes["raw_hash"], strict=True)
            if d in by_doc}
    copies = dup.filter(pl.col("method") == "exact_raw").join(hashes, on="doc_id")
    for src, h in zip(copies["source"], copies["raw_hash"], strict=True):
        if h in twin:
            cluster[src] = by_doc[twin[h]]
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
        # (`--scatter` runs put every file under a hashed folder: "ab/copies/<kind>/...")
        page_src = {_page_id(src): src for src in sources if re.search(r"(?:^|/)pages/", src)}
        for src in sources:
            m = re.search(r"(?:^|/)copies/([^/]+)/", src)
            if m is None:
                continue
            orig = page_src.get(_page_id(src))
            total[m[1]] += 1
            found[m[1]] += int(src in cluster and cluster.get(orig) == cluster[src])
        if not total and any("copies/" in src for src in sources):
            raise SystemExit(f"{run}: copies found but none read as <kind>/<n>-<page>.txt")
    p = tp / (tp + fp) if tp + fp else 1.0
    r = tp / true_pairs if true_pairs else 1.0
    return {"precision": p, "recall": r, "f1": 2 * p * r / (p + r) if p + r else 0.0,
            "fp": fp, "by_kind": {k: found[k] / total[k] for k in sorted(total)}}


def _settings(pairs: list[str]) -> DedupSettings:
    kinds = {f.name: str(f.type) for f in fields(DedupSettings)}
    changes: dict[str, int | float] = {}
    for pair in pairs:
        name, eq, value = pair.partition("=")
        if not eq or not value:
            raise SystemExit(f"--set {pair!r}: give NAME=VALUE")
        if name not in SETTABLE:
            raise SystemExit(f"--set {name}: one of {', '.join(SETTABLE)} (the others decide "
                             "the stored signatures)")
        changes[name] = float(value) if "float" in kinds[name] else int(value)
    return replace(DedupSettings(), **changes)


def _check_stored(runs: list[Path]) -> None:
    """Warn when the runs' indexes were made with other thresholds or another signature
    scheme than today's defaults: the first row is then today's defaults, not the runs'."""
    base = DedupSettings()
    for run in runs:
        index = _stored(run)
        params = index["cluster_params"].unique().to_list()
        schemes = index["scheme"].unique().to_list()
        if params not in ([], [base.cluster_params()]) or schemes not in ([], [scheme_for(base)]):
            print(f"warning: {run} was clustered with {params} / {schemes}, not today's "
                  f"defaults; its first row is re-joined under today's")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("keep", type=Path, nargs="+", help="eval_dedup_pages.py --keep folders")
    ap.add_argument("--set", action="append", default=[], metavar="NAME=VALUE",
                    help=f"a DedupSettings field to change, one of {', '.join(SETTABLE)}; "
                         "repeatable")
    a = ap.parse_args()
    runs = sorted({run.resolve() for keep in a.keep
                   for run in ([keep] if (keep / "curated").is_dir() else keep.glob("seed-*"))
                   if (run / "curated" / "latest" / "dedup_index.parquet").exists()})
    if not runs:
        raise SystemExit("no seed-*/curated/latest/dedup_index.parquet under the folders")
    _check_stored(runs)
    story = pages.same_story([p for p in pages._pages() if p["gold"]])
    print(f"{len(runs)} runs: {', '.join(f'{r.parent.name}/{r.name}' for r in runs)}")
    rows = [("defaults, re-joined", DedupSettings())]
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
