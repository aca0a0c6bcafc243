"""Quality of near-duplicate detection on a labelled corpus built from real article bodies.

    uv run python bench/eval_dedup.py [--seed 7] [--sweep]

Prints pairwise precision / recall / F1 and adjusted Rand index of the clusters against the
labels, recall per variant kind, false merges per distractor kind, and a baseline: MinHash at
Jaccard 0.8 over whole-page scrapes (article inside its page's navigation, footer and links).
Targets: pairwise F1 >= 0.97 with precision >= 0.99, no false merges.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from dataclasses import replace
from pathlib import Path

import polars as pl

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _dedup_corpus import VARIANT_KINDS, Doc, build_eval_corpus  # noqa: E402

from pipeline.dedup import DedupSettings, deduplicate  # noqa: E402


def _c2(x: pl.Expr) -> pl.Expr:
    return (x * (x - 1) / 2).sum()


def pair_scores(labels: pl.DataFrame) -> dict[str, float]:
    """Pairwise precision/recall/F1 and ARI from (label, cluster) per document."""
    n = labels.height
    both = labels.group_by("label", "cluster").len().select(_c2(pl.col("len"))).item()
    by_label = labels.group_by("label").len().select(_c2(pl.col("len"))).item()
    by_cluster = labels.group_by("cluster").len().select(_c2(pl.col("len"))).item()
    p = both / by_cluster if by_cluster else 1.0
    r = both / by_label if by_label else 1.0
    f1 = 2 * p * r / (p + r) if p + r else 0.0
    total = n * (n - 1) / 2
    expected = by_label * by_cluster / total if total else 0.0
    max_index = (by_label + by_cluster) / 2
    ari = (both - expected) / (max_index - expected) if max_index != expected else 1.0
    return {"precision": p, "recall": r, "f1": f1, "ari": ari, "true_pairs": by_label,
            "predicted_pairs": by_cluster}


def evaluate(docs: list[Doc], extra: dict, settings: DedupSettings) -> dict:
    frame = pl.DataFrame({
        "doc_id": [d.doc_id for d in docs], "text": [d.text for d in docs],
        "published": pl.Series([None] * len(docs), dtype=pl.Date),
    })
    t = time.perf_counter()
    res = deduplicate(frame, settings=settings)
    secs = time.perf_counter() - t
    cl = dict(zip(res.assignments["doc_id"].to_list(), res.assignments["cluster_id"].to_list(),
                  strict=True))
    labels = pl.DataFrame({"label": [d.label for d in docs], "cluster": [cl[d.doc_id] for d in docs]})
    out = pair_scores(labels)
    recall = {}
    for kind in (*VARIANT_KINDS, "template", "quotes"):
        got = [cl[d.doc_id] == cl[d.doc_id.split("-")[0] + "-orig"] for d in docs
               if d.kind == kind]
        recall[kind] = (sum(got), len(got))
    false = {k: (sum(cl[a] == cl[b] for a, b in pairs), len(pairs))
             for k, pairs in extra["distractors"].items()}
    out.update(by_kind=recall, false_merges=false, seconds=secs, stats=res.stats)
    return out


def whole_page_baseline(docs: list[Doc], extra: dict, seed: int) -> dict:
    """MinHash at Jaccard 0.8 over whole pages: the original inside its own page, each copy
    inside another site's page (syndication) or its own (re-scrape)."""
    arts = extra["articles"]
    rng = random.Random(seed)
    ids = sorted(a for a in arts if arts[a].page_lines)

    def frame_of(art_id: str) -> tuple[list[str], list[str]]:
        a = arts[art_id]
        body = set(a.paragraphs)
        hits = [i for i, line in enumerate(a.page_lines) if line.strip() in body]
        if not hits:
            return a.page_lines[:20], a.page_lines[-20:]
        return a.page_lines[: hits[0]], a.page_lines[hits[-1] + 1 :]

    rows = []
    for d in docs:
        src = d.doc_id.split("-")[0]
        if d.kind == "original" and arts[src].page_lines:
            rows.append((d.doc_id, "\n".join(arts[src].page_lines)))
        elif d.kind in VARIANT_KINDS and arts[src].page_lines:
            host = src if d.kind == "rescrape_clutter" else rng.choice(ids)
            head, tail = frame_of(host)
            rows.append((d.doc_id, "\n".join(head + [d.text] + tail)))
    frame = pl.DataFrame({"doc_id": [r[0] for r in rows], "text": [r[1] for r in rows]})
    s = DedupSettings(jaccard_threshold=0.8, containment_threshold=1.0,
                      lead_jaccard_threshold=0.8, lead_containment_threshold=1.0,
                      min_containment_shingles=10**9, lead_bands=1, lead_rows=1)
    res = deduplicate(frame, settings=s)
    cl = dict(zip(res.assignments["doc_id"].to_list(), res.assignments["cluster_id"].to_list(),
                  strict=True))
    per_kind = {}
    for kind in VARIANT_KINDS:
        got = [cl[d.doc_id] == cl[d.doc_id.split("-")[0] + "-orig"] for d in docs
               if d.kind == kind and d.doc_id.split("-")[0] + "-orig" in cl]
        per_kind[kind] = (sum(got), len(got))
    same_site = [(a, b) for a, b in extra["distractors"]["same_site"] if a in cl and b in cl]
    return {"recall": per_kind, "same_site_merges": (sum(cl[a] == cl[b] for a, b in same_site),
                                                     len(same_site))}


def distractor_margins(docs: list[Doc], extra: dict) -> dict[str, tuple[float, float]]:
    """Largest exact 5-shingle Jaccard and containment among the pairs that must stay apart."""
    from _dedup_corpus import _shingles

    text = {d.doc_id: d.text for d in docs}
    out = {}
    for kind, pairs in extra["distractors"].items():
        best_j = best_c = 0.0
        for a, b in pairs:
            sa, sb = _shingles(text[a]), _shingles(text[b])
            inter = len(sa & sb)
            best_j = max(best_j, inter / len(sa | sb))
            best_c = max(best_c, inter / min(len(sa), len(sb)))
        out[kind] = (best_j, best_c)
    return out


def _pct(x: tuple[int, int]) -> str:
    return f"{x[0]:4d}/{x[1]:<4d} {x[0] / x[1] if x[1] else 1.0:6.3f}"


def report(name: str, r: dict) -> None:
    print(f"== {name}  ({r['seconds']:.2f} s, {r['stats']['candidate_pairs']} candidate pairs, "
          f"{r['stats']['verified_pairs']} verified)")
    print(f"pairwise precision {r['precision']:.4f}  recall {r['recall']:.4f}  F1 {r['f1']:.4f}  "
          f"ARI {r['ari']:.4f}  (true pairs {r['true_pairs']:.0f}, predicted {r['predicted_pairs']:.0f})")
    print("recall per variant kind (copy in its original's cluster):")
    for k, v in r["by_kind"].items():
        print(f"  {k:18s} {_pct(v)}")
    print("false merges per distractor kind (pairs that must stay apart):")
    for k, v in r["false_merges"].items():
        print(f"  {k:18s} {v[0]:4d} of {v[1]}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--sweep", action="store_true", help="also try other shingle sizes/thresholds")
    ap.add_argument("--no-baseline", action="store_true")
    args = ap.parse_args()
    docs, extra = build_eval_corpus(args.seed)
    kinds: dict[str, int] = {}
    for d in docs:
        kinds[d.kind] = kinds.get(d.kind, 0) + 1
    print(f"corpus: {len(docs)} documents from {len(extra['articles'])} real articles; {kinds}")
    print(f"dev-set pages that are one article (labelled as one): {extra['devset_same_article']}")
    base = DedupSettings()
    report(f"default {base}", evaluate(docs, extra, base))
    print("closest must-stay-apart pairs (exact 5-shingle Jaccard / containment; thresholds "
          f"{base.jaccard_threshold} / {base.containment_threshold}, "
          f"{base.lead_jaccard_threshold} / {base.lead_containment_threshold} for pairs that "
          "begin alike):")
    for k, (j, c) in distractor_margins(docs, extra).items():
        print(f"  {k:18s} max Jaccard {j:.3f}  max containment {c:.3f}")
    if args.sweep:
        for kw in ({"shingle_size": 3}, {"shingle_size": 4},
                   {"jaccard_threshold": 0.6, "lead_jaccard_threshold": 0.6},
                   {"jaccard_threshold": 0.4, "lead_jaccard_threshold": 0.4},
                   {"containment_threshold": 0.8, "lead_containment_threshold": 0.8},
                   {"containment_threshold": 0.6, "lead_containment_threshold": 0.6},
                   {"jaccard_threshold": 0.5, "containment_threshold": 0.7}, {"anchors": 16},
                   {"bands": 13, "rows": 9}, {"bands": 9, "rows": 13}, {"bands": 32, "rows": 4},
                   {"lead_bands": 1, "lead_rows": 1}):
            report(str(kw), evaluate(docs, extra, replace(base, **kw)))
    if not args.no_baseline:
        b = whole_page_baseline(docs, extra, args.seed)
        print("baseline: MinHash LSH at Jaccard 0.8 on whole-page scrapes (no cleaning, no "
              "containment):")
        tot = [sum(v[0] for v in b["recall"].values()), sum(v[1] for v in b["recall"].values())]
        for k, v in b["recall"].items():
            print(f"  {k:18s} {_pct(v)}")
        print(f"  {'all copies':18s} {_pct((tot[0], tot[1]))}")
        print(f"  same-site different articles merged: {b['same_site_merges'][0]} of "
              f"{b['same_site_merges'][1]}")


if __name__ == "__main__":
    main()
