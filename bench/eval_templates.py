"""Same template, different articles: does the pipeline keep each article and merge none?

    uv run --no-sync python bench/eval_templates.py                   # 10,000 documents
    uv run --no-sync python bench/eval_templates.py --docs 4000 --templates 128

Builds documents that are never copies of each other: each is one real page's whole-page text
scrape from the dev sets (its navigation, teasers, cookie banners, comments and footer) with its
article's paragraphs replaced by 8-15 real article paragraphs drawn at random from both sets'
gold texts, the clutter between them kept (`_devdata.fill`: captions, credits, ad slots; until
session 21 the whole article span was replaced, clutter included).
`--templates` pages are used in turn, so each page template recurs every `--templates`
documents, without any site line to tell the site-template rule whose it is (the situation of
issues 17 and 18: text scrapes that do not name their site). The corpus is run through
`run.run_steps` (read, extract, clean, dedupe, stage; no gate) into a throw-away store, and the
script prints:

- documents dropped as duplicates, by method, and how many of them share over half their
  article's words with the document they were merged with (the paragraph pool holds a few whole
  1,000-4,000-word articles on one line, so two documents drawn from it can share 80-90 % of
  their words: a merge, not a false one); the others are false merges, counted by why (a
  paragraph shared with the document they were merged with, or none: joined through a third);
- documents rejected, by reason (every one is a lost article);
- boilerplate F1 of the kept text against the inserted paragraphs (the metric of
  `eval_boilerplate.py`), over all documents and split by the template page's origin (dev set,
  tune or held-out domain);
- documents whose kept text is mostly template (precision < 0.5).

Nothing in the pipeline is tuned on this: the pages and paragraphs are the dev sets', the
split by domain is the one `eval_boilerplate.py` uses.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path

import polars as pl

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

from _devdata import fill, held_out, page_domain, page_templates  # noqa: E402
from eval_boilerplate import doc_scores, prf  # noqa: E402


def load_pages() -> tuple[list[dict], list[str]]:
    """Pages (lines, article lines, set, held_out) with an article span found in the text
    scrape, and the pool of gold paragraphs (12+ words)."""
    pages, paras = page_templates()
    for p in pages:
        p["held_out"] = held_out(page_domain(p["root"], p["case"]))
    return pages, paras


def build(out: Path, docs: int, templates: int, seed: int) -> list[dict]:
    """Write the raw folder; return each document's truth (source, article, template page)."""
    pages, paras = load_pages()
    rng = random.Random(seed)
    chosen = rng.sample(range(len(pages)), templates)
    truth = []
    for i in range(docs):
        page = pages[chosen[i % templates]]
        body = [paras[rng.randrange(len(paras))] for _ in range(rng.randint(8, 15))]
        text = fill(page, body)
        rel = f"t{i // 1000:03d}/{i:06d}.txt"
        f = out / rel
        f.parent.mkdir(parents=True, exist_ok=True)
        f.write_text(text)
        truth.append({"source": rel, "gold": "\n".join(body), "set": page["set"],
                      "held_out": page["held_out"], "template": chosen[i % templates]})
    return truth


def _shares_most(gold: str, other: str) -> bool:
    """Does an article share over half its words with another (paragraphs drawn from the pool
    that both hold)?"""
    mine = set(gold.split("\n"))
    return 2 * sum(len(p.split()) for p in mine & set(other.split("\n"))) > sum(
        len(p.split()) for p in mine)


def _merges_by_why(dups: pl.DataFrame, gold_of: dict[str, str],
                   source_of: dict[str, str]) -> dict[str, int]:
    """The documents dropped as duplicates by why, from the articles alone: "shares most words"
    with the document it was merged with (a merge, not a false one: `_shares_most`); or a false
    merge that "shares a paragraph" with it (both drew one from the pool; the dropped one's
    clean text is then mostly that paragraph, or it is the container); or one that "shares
    none": it joined that cluster through a third document (clusters are connected components;
    a one-paragraph document contained in two articles bridges them)."""
    out = {"shares most words": 0, "shares a paragraph": 0, "shares none": 0}
    for r in dups.iter_rows(named=True):
        other = gold_of[source_of[r["duplicate_of"]]] if r["duplicate_of"] in source_of else ""
        mine = gold_of[r["source"]]
        common = set(mine.split("\n")) & set(other.split("\n")) - {""}
        why = ("shares most words" if other and _shares_most(mine, other)
               else "shares a paragraph" if common else "shares none")
        out[why] += 1
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--docs", type=int, default=10_000)
    ap.add_argument("--templates", type=int, default=256)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--keep", type=Path, help="keep the raw and curated folders here")
    ap.add_argument("--json", type=Path, help="write the numbers here")
    args = ap.parse_args()

    from pipeline import run
    from pipeline.settings import Settings

    work = args.keep or Path(tempfile.mkdtemp(prefix="eval-templates-"))
    raw, cur = work / "raw", work / "curated"
    shutil.rmtree(raw, ignore_errors=True)
    shutil.rmtree(cur, ignore_errors=True)
    t0 = time.perf_counter()
    truth = build(raw, args.docs, args.templates, args.seed)
    t1 = time.perf_counter()
    st = run.run_steps(Settings(raw_dir=raw, curated_dir=cur, workers=args.workers))
    t2 = time.perf_counter()
    tables = {k: (v.collect() if isinstance(v, pl.LazyFrame) else v) for k, v in st.tables.items()}
    arts, dups, rej = tables["articles"], tables["duplicates"], tables["rejected"]
    text_of = dict(zip(arts["source"].to_list(), arts["text"].to_list(), strict=True))
    gold_of = {t["source"]: t["gold"] for t in truth}
    source_of = dict(zip(arts["doc_id"].to_list(), arts["source"].to_list(), strict=True))
    source_of |= dict(zip(dups["doc_id"].to_list(), dups["source"].to_list(), strict=True))
    why = _merges_by_why(dups, gold_of, source_of)
    shared = why.pop("shares most words")

    rows: dict[str, list] = {"all": []}
    mostly_template = 0
    for t in truth:
        pred = text_of.get(t["source"], "")
        s = doc_scores(pred, t["gold"])
        split = f"{t['set']}/{'held-out' if t['held_out'] else 'tune'}"
        rows["all"].append(s)
        rows.setdefault(split, []).append(s)
        if t["source"] in text_of and s[0] + s[1] > 0 and s[0] / (s[0] + s[1]) < 0.5:
            mostly_template += 1
    out = {
        "docs": args.docs, "templates": args.templates,
        "duplicates": dups.height,
        "duplicates_sharing_most_words": shared,
        "false_merges": dups.height - shared,
        "false_merges_by_why": why,
        "duplicates_by_method": dict(dups.group_by("method").len().sort("method").iter_rows()),
        "rejected": rej.height,
        "rejected_by_reason": dict(rej.group_by("reason").len().sort("reason").iter_rows()),
        "mostly_template": mostly_template,
        "f1": {k: round(prf(v)[2], 4) for k, v in sorted(rows.items())},
        "p": {k: round(prf(v)[0], 4) for k, v in sorted(rows.items())},
        "r": {k: round(prf(v)[1], 4) for k, v in sorted(rows.items())},
        "n": {k: len(v) for k, v in sorted(rows.items())},
        "seconds_build": round(t1 - t0, 1), "seconds_pipeline": round(t2 - t1, 1),
    }
    print(f"{args.docs} documents, {args.templates} page templates, none a copy of another "
          f"(pipeline {out['seconds_pipeline']} s)")
    print(f"  dropped as duplicates: {out['duplicates']} {out['duplicates_by_method']}; "
          f"false merges {out['false_merges']} (the others share over half their article's "
          f"words with the document they were merged with: {shared})")
    print(f"  false merges by why: {why}")
    print(f"  rejected (lost articles): {out['rejected']} {out['rejected_by_reason']}")
    print(f"  kept text mostly template (precision < 0.5): {mostly_template}")
    print(f"  {'split':<24} {'n':>6} {'P':>7} {'R':>7} {'F1':>7}")
    for k in sorted(rows):
        print(f"  {k:<24} {out['n'][k]:>6} {out['p'][k]:>7.3f} {out['r'][k]:>7.3f} "
              f"{out['f1'][k]:>7.3f}")
    if args.json:
        args.json.write_text(json.dumps(out, indent=2))
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
