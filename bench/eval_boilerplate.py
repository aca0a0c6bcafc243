"""Quality of boilerplate stripping on the WCXB article dev set (ScrapingHub benchmark metric).

Prints P/R/F1 for whole-page text scrapes (keep-everything vs the engine) and for HTML (`extract_html`:
trafilatura with its whole-page recall fallback, alone and + the engine as pipeline/steps.py runs
them), on the whole set and on two splits by domain hash (tune / held-out),
plus removal counts per category.

    uv run python bench/eval_boilerplate.py [--no-html] [--limit N] [--dump DIR] [--time N]

`--time N` instead times `extract_html` against trafilatura alone on the first N pages (one
process, interleaved page by page) and prints ms/page and the throughput ratio.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import re
import sys
import time
from collections import Counter
from multiprocessing import get_context
from pathlib import Path

import polars as pl

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from _devdata import cache_dir, devdata_dir  # noqa: E402

from pipeline.boilerplate import clean_documents  # noqa: E402

TOKEN = re.compile(r"\w+")
HELD_OUT_MOD = 4  # domains with md5(domain) % 4 == 0 are held out (about a quarter)


def shingles(text: str, n: int = 4) -> Counter:
    """Multiset of case-sensitive `\\w+` 4-token shingles."""
    toks = TOKEN.findall(text)
    return Counter(tuple(toks[i : i + n]) for i in range(max(len(toks) - n + 1, 0)))


def doc_scores(pred: str, gold: str) -> tuple[float, float, float]:
    """Per-document TP/FP/FN over shingles, normalised to sum to 1."""
    p, g = shingles(pred), shingles(gold)
    tp = sum((p & g).values())
    fp = sum((p - g).values())
    fn = sum((g - p).values())
    total = tp + fp + fn
    if total == 0:
        return 0.0, 0.0, 0.0
    return tp / total, fp / total, fn / total


def prf(rows: list[tuple[float, float, float]]) -> tuple[float, float, float]:
    """Mean precision / recall over documents where defined, and F1 of the means."""
    ps = [tp / (tp + fp) for tp, fp, _ in rows if tp + fp > 0]
    rs = [tp / (tp + fn) for tp, _, fn in rows if tp + fn > 0]
    p = sum(ps) / len(ps) if ps else 0.0
    r = sum(rs) / len(rs) if rs else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return p, r, f


def held_out(domain: str) -> bool:
    return int(hashlib.md5(domain.encode()).hexdigest(), 16) % HELD_OUT_MOD == 0


def _extract_one(args: tuple[str, str, str]) -> tuple[str, str, str | None]:
    from pipeline.html.extract import extract_html

    case_id, path, url = args
    html = Path(path).read_bytes().decode("utf-8", errors="replace")
    try:
        out = extract_html(html, url)
    except Exception:  # a page trafilatura chokes on counts as empty output
        out = None
    return case_id, (out.text if out else ""), (out.title if out else None)


def extract_all(root: Path, cases: list[dict], use_cache: bool) -> dict[str, tuple[str, str | None]]:
    """extract_html (trafilatura + the whole-page recall fallback, as the pipeline runs it) over
    every page (2 processes); cached outside the repo per options and code of the HTML path
    (extract, html_fallback and the boilerplate engine the fallback runs)."""
    from pipeline.html import extract
    from pipeline.html import metadata as html_metadata
    from pipeline.html import render as html_fallback
    from pipeline.html.extract import TRAFILATURA_OPTIONS

    # The fallback runs the boilerplate engine, so its code and rules are part of the key too.
    files = [Path(m.__file__) for m in (extract, html_fallback, html_metadata)]
    files += sorted((Path(html_fallback.__file__).parent / "boilerplate").glob("*.py"))
    code = b"".join(f.read_bytes() for f in files)
    key = hashlib.md5(json.dumps(TRAFILATURA_OPTIONS, sort_keys=True).encode() + code).hexdigest()[:10]
    cache = cache_dir() / f"wcxb-trafilatura-{key}.json"
    if use_cache and cache.is_file():
        data = json.loads(cache.read_text())
        if all(c["id"] in data for c in cases):
            return {k: tuple(v) for k, v in data.items()}
    jobs = [(c["id"], str(root / "html" / f"{c['id']}.html"), c["url"]) for c in cases]
    with get_context("spawn").Pool(2) as pool:
        res = pool.map(_extract_one, jobs, chunksize=8)
    data = {cid: (text, title) for cid, text, title in res}
    cache.write_text(json.dumps(data))
    return data


def time_extract(root: Path, cases: list[dict], n: int) -> None:
    """ms/page of trafilatura alone (as extract_html calls it) and of extract_html, one process,
    after a warm-up pass; the two alternate page by page so load and cache effects hit both."""
    import trafilatura

    from pipeline.html.extract import TRAFILATURA_OPTIONS, extract_html

    pages = [((root / "html" / f"{c['id']}.html").read_bytes().decode("utf-8", errors="replace"),
              c["url"]) for c in cases[:n]]

    def traf(html: str, url: str) -> object:
        return trafilatura.bare_extraction(html, url=url, **TRAFILATURA_OPTIONS)

    fns = {"trafilatura": traf, "extract_html": extract_html}
    # Warm-up over every page first: trafilatura's date parser loads locale data lazily (up to
    # ~1.5 s the first time a language turns up), which would land on whichever call met it first.
    for html, url in pages:
        with contextlib.suppress(Exception):
            traf(html, url)
    for html, url in pages[:20]:
        extract_html(html, url)
    total = dict.fromkeys(fns, 0.0)
    for i, (html, url) in enumerate(pages):
        for name in (list(fns) if i % 2 == 0 else list(fns)[::-1]):
            t0 = time.perf_counter()
            with contextlib.suppress(Exception):  # a page that fails costs its time all the same
                fns[name](html, url)
            total[name] += time.perf_counter() - t0
    ms = {k: v / len(pages) * 1000 for k, v in total.items()}
    print(f"{len(pages)} pages, ms/page: trafilatura {ms['trafilatura']:.2f}, extract_html "
          f"{ms['extract_html']:.2f} (throughput ratio {ms['trafilatura'] / ms['extract_html']:.2f})")


def run_engine(frame: pl.DataFrame) -> tuple[dict[str, str], pl.DataFrame, float]:
    t0 = time.perf_counter()
    res = clean_documents(frame)
    dt = time.perf_counter() - t0
    return dict(zip(res.documents["doc_id"], res.documents["text"], strict=True)), res.removed, dt


def report(name: str, preds: dict[str, str], golds: dict[str, str], cases: list[dict]) -> None:
    parts = {"all": cases, "tune": [c for c in cases if not held_out(c["domain"])]}
    parts["held-out"] = [c for c in cases if held_out(c["domain"])]
    cells = []
    for part, cs in parts.items():
        p, r, f = prf([doc_scores(preds.get(c["id"], ""), golds[c["id"]]) for c in cs])
        cells.append(f"{part}({len(cs)}) P={p:.3f} R={r:.3f} F1={f:.3f}")
    print(f"{name:<28} " + "  ".join(cells))


def category_counts(removed: pl.DataFrame) -> str:
    counts = removed.group_by("category").len().sort("len", descending=True)
    return ", ".join(f"{c}={n}" for c, n in counts.iter_rows())


def engine_frame(cases: list[dict], texts: dict[str, str], kind: str,
                 titles: dict[str, str | None]) -> pl.DataFrame:
    """The engine's input for the dev pages: one row a page, the domain as site key."""
    return pl.DataFrame(
        {
            "doc_id": [c["id"] for c in cases],
            "text": [texts[c["id"]] for c in cases],
            "kind": [kind] * len(cases),
            "site_key": [c["domain"] for c in cases],
            "title": [titles.get(c["id"]) for c in cases],
        },
        schema={"doc_id": pl.String, "text": pl.String, "kind": pl.String,
                "site_key": pl.String, "title": pl.String},
    )


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--no-html", action="store_true", help="skip the trafilatura evaluation")
    ap.add_argument("--no-cache", action="store_true", help="re-run trafilatura")
    ap.add_argument("--limit", type=int, default=0)
    ap.add_argument("--dump", type=Path, help="write per-document scores and outputs here")
    ap.add_argument("--time", type=int, default=0, metavar="N",
                    help="time extract_html against trafilatura alone on N pages, then exit")
    args = ap.parse_args()

    root = devdata_dir()
    cases = [json.loads(line) for line in (root / "cases.jsonl").open()]
    if args.limit:
        cases = cases[: args.limit]
    golds = {c["id"]: (root / "gold" / f"{c['id']}.txt").read_text() for c in cases}
    texts = {c["id"]: (root / "text" / f"{c['id']}.txt").read_text() for c in cases}
    print(f"dev set: {root} ({len(cases)} pages)")
    if args.time:
        time_extract(root, cases, args.time)
        return

    report("text: keep everything", texts, golds, cases)
    frame = engine_frame(cases, texts, "text", {})
    text_preds, removed, dt = run_engine(frame)
    report("text: engine", text_preds, golds, cases)
    print(f"  text removed by category: {category_counts(removed)}  ({dt:.2f}s)")
    if args.dump:
        _dump(args.dump / "text", text_preds, golds, cases, removed)

    if args.no_html:
        return
    t0 = time.perf_counter()
    extracted = extract_all(root, cases, use_cache=not args.no_cache)
    print(f"  extract_html: {time.perf_counter() - t0:.1f}s")
    traf = {cid: extracted[cid][0] for cid in golds}
    report("html: extract_html", traf, golds, cases)
    hframe = engine_frame(cases, traf, "html", {cid: extracted[cid][1] for cid in golds})
    html_preds, hremoved, dt = run_engine(hframe)
    report("html: extract_html+engine", html_preds, golds, cases)
    print(f"  html removed by category: {category_counts(hremoved)}  ({dt:.2f}s)")
    if args.dump:
        _dump(args.dump / "html", html_preds, golds, cases, hremoved)


def _dump(out: Path, preds: dict[str, str], golds: dict[str, str], cases: list[dict],
          removed: pl.DataFrame) -> None:
    """Per-document scores (worst first) and outputs, for error analysis."""
    out.mkdir(parents=True, exist_ok=True)
    rows = []
    for c in cases:
        tp, fp, fn = doc_scores(preds.get(c["id"], ""), golds[c["id"]])
        rows.append({"id": c["id"], "domain": c["domain"], "tp": tp, "fp": fp, "fn": fn})
        (out / f"{c['id']}.pred.txt").write_text(preds.get(c["id"], ""))
    pl.DataFrame(rows).sort("tp").write_csv(out / "scores.csv")
    removed.write_parquet(out / "removed.parquet")


if __name__ == "__main__":
    main()
