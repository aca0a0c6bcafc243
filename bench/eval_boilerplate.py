"""Quality of boilerplate stripping on the dev sets (ScrapingHub benchmark metric: F1 over 4-token
shingles, per-document precision and recall averaged; a rejected page scores 0).

Both dev sets (`bench/_devdata.py`): WCXB article dev (709 pages, 2025) and Dragnet dev (1,381
news and blog pages, 2012; its cases carry no domain, so it is read from the page's canonical
link: `_devdata.case_domain`). Each is reported whole and split by domain (held-out: md5(domain)
% 4 == 0, about a quarter; tune: the rest), so nothing is tuned on what measures it:

- text scrapes: keep-everything vs the engine (ours);
- HTML: trafilatura alone (our options, favor_recall off), trafilatura favor_recall, extract_html
  before the engine, and ours (extract_html + engine, as pipeline/steps runs them); `--ablate`
  adds the engine over trafilatura's own outputs;
- jusText (3.x, default parameters) on the same HTML, the classic paragraph classifier and the
  text path's baseline: with its English stoplist (the ScrapingHub benchmark's setting) and with
  every stoplist it ships (language-agnostic, as trafilatura's own jusText fallback uses it).

trafilatura's and jusText's outputs are cached outside the repo (`_devdata.cache_dir()`): the
baselines per library version and options, ours per the code of pipeline/html and
pipeline/boilerplate.

    uv run --no-sync python bench/eval_boilerplate.py [--set wcxb|dragnet|all] [--no-html]
        [--no-cache] [--ablate] [--alone] [--wrap WIDTH ...] [--limit N] [--dump DIR] [--time N]

`--alone` adds a row where every text page is cleaned on its own (a batch of one: no other page
of its site, no run-wide line pairs), as for a user whose batch holds one page per site. The dev
sets hold several pages of many sites, and the template rules use them: the gap between the
two rows is what the set's numbers owe to that.

`--wrap 78` adds rows where every text scrape is first hard-wrapped at 78 columns (`wrap`: as
lynx, w3m or html2text deliver a page; their paragraphs are then several lines, none a
sentence): the engine on those scrapes (`boilerplate/reflow.py` is what joins them again).
Several widths may be given. (Keeping everything scores as on the scrapes as they are: the
metric does not see line breaks.)

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
import textwrap
import time
from collections import Counter
from multiprocessing import get_context
from pathlib import Path

import polars as pl

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from _devdata import (  # noqa: E402
    HELD_OUT_MOD,
    cache_dir,
    devdata_dir,
    held_out,
    page_domain,
    read_gold,
)

from pipeline.boilerplate import clean_documents  # noqa: E402

TOKEN = re.compile(r"\w+")
TRAF_VERSION = __import__("trafilatura").__version__


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


def _justext(data: bytes) -> list[str]:
    """jusText's kept paragraphs, one a line: English stoplist, then every stoplist."""
    import justext

    global _JT_ALL
    if _JT_ALL is None:
        _JT_ALL = frozenset(w for lang in justext.get_stoplists()
                            for w in justext.get_stoplist(lang))
    texts = []
    for stoplist in (justext.get_stoplist("English"), _JT_ALL):
        try:
            paras = justext.justext(data, stoplist)
        except Exception:  # a page jusText chokes on counts as empty output
            paras = []
        texts.append("\n".join(p.text for p in paras if not p.is_boilerplate))
    return texts


_JT_ALL: frozenset[str] | None = None


def _extract_one(args: tuple[str, str, str, str]) -> tuple[str, list]:
    """One page: `which` = "ours" (extract_html: text, title, extractor, and the second
    opinion's candidate text and rendered page, `pipeline.html.select`), "base" (trafilatura
    alone with our options, favor_recall off and on: two texts) or "justext" (two texts)."""
    case_id, path, url, which = args
    if which == "justext":
        return case_id, _justext(Path(path).read_bytes())
    html = Path(path).read_bytes().decode("utf-8", errors="replace")
    if which == "base":
        import trafilatura

        from pipeline.html.extract import TRAFILATURA_OPTIONS

        texts = []
        for recall in (False, True):
            opts = TRAFILATURA_OPTIONS | {"favor_recall": recall}
            try:
                doc = trafilatura.bare_extraction(html, url=url or None, **opts)
            except Exception:  # a page trafilatura chokes on counts as empty output
                doc = None
            texts.append((doc.text or "") if doc is not None else "")
        return case_id, texts
    from pipeline.html.extract import extract_html

    try:
        out = extract_html(html, url or None)
    except Exception:  # a page trafilatura chokes on counts as empty output
        out = None
    return case_id, ([out.text, out.title, out.extractor, out.alt_text, out.page_text] if out
                     else ["", None, "none", None, None])


def second_opinion(cases: list[dict], ours: dict[str, list]) -> tuple[dict[str, str], Counter]:
    """extract_html's texts after the extract step's referee (`pipeline.html.select.choose`),
    over the set's pages as one batch (as the extract step sees a chunk), and where each text
    comes from."""
    from pipeline.html.select import choose

    frame = pl.DataFrame(
        [(c["id"], *ours[c["id"]][:2], c["domain"], *ours[c["id"]][2:5]) for c in cases],
        schema={"doc_id": pl.String, "text": pl.String, "title": pl.String,
                "site_key": pl.String, "extractor": pl.String, "alt_text": pl.String,
                "page_text": pl.String}, orient="row")
    chosen, _ = choose(frame.with_columns(pl.lit("html").alias("kind")))
    return (dict(zip(chosen["doc_id"], chosen["text"], strict=True)),
            Counter(chosen["extractor"].to_list()))


def _code_key(which: str) -> str:
    """Cache key: trafilatura's version and options, and for "ours" the code of the HTML path
    (extract, render, metadata, screen and the boilerplate engine the fallbacks run)."""
    import trafilatura

    from pipeline.html import extract
    from pipeline.html.extract import TRAFILATURA_OPTIONS

    if which == "justext":
        from importlib.metadata import version

        return hashlib.md5(f"justext-{version('justext')}-v1".encode()).hexdigest()[:10]
    blob = json.dumps(TRAFILATURA_OPTIONS, sort_keys=True).encode() + trafilatura.__version__.encode()
    if which == "ours":
        html_dir = Path(extract.__file__).parent
        files = sorted(html_dir.glob("*.py")) + sorted((html_dir.parent / "boilerplate").glob("*.py"))
        blob += b"".join(f.read_bytes() for f in files)
    return hashlib.md5(blob).hexdigest()[:10]


def extract_all(name: str, root: Path, cases: list[dict], which: str, use_cache: bool
                ) -> dict[str, list]:
    """`_extract_one` over every page (2 processes); cached outside the repo per set, variant
    and `_code_key`."""
    cache = cache_dir() / f"{name}-{which}-{_code_key(which)}.json"
    data: dict[str, list] = {}
    if use_cache and cache.is_file():
        data = json.loads(cache.read_text())
    todo = [c for c in cases if c["id"] not in data]
    if todo:
        jobs = [(c["id"], str(root / "html" / f"{c['id']}.html"), c.get("url") or "", which)
                for c in todo]
        with get_context("spawn").Pool(2) as pool:
            data.update(pool.map(_extract_one, jobs, chunksize=8))
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


def run_engine(frame: pl.DataFrame, run_pairs: bool = False
               ) -> tuple[dict[str, str], pl.DataFrame, float]:
    """The engine over a set's pages; `run_pairs`: as a run's chunked pass cleans them, with
    the run's recurring line pairs (`recurrence`), which the pass always counts. The text path
    uses them (until session 14 it did not, and scored Dragnet's text 0.887 / 0.888 / 0.882
    where the pipeline gets 0.894 / 0.893 / 0.896); the HTML rows since session 15."""
    from pipeline.boilerplate import recurrence
    from pipeline.boilerplate.engine import recurring_summary

    t0 = time.perf_counter()
    pairs = recurrence.count_batch(recurring_summary(frame)) if run_pairs else None
    res = clean_documents(frame, run_pairs=pairs)
    dt = time.perf_counter() - t0
    return dict(zip(res.documents["doc_id"], res.documents["text"], strict=True)), res.removed, dt


def _clean_alone(frame: pl.DataFrame) -> tuple[dict[str, str], pl.DataFrame]:
    got = [clean_documents(frame.slice(i, 1)) for i in range(frame.height)]
    return ({r.documents["doc_id"][0]: r.documents["text"][0] for r in got},
            pl.concat([r.removed for r in got]))


def run_alone(frame: pl.DataFrame, workers: int = 2) -> tuple[dict[str, str], pl.DataFrame]:
    """The engine over each page on its own (a batch of one), over `workers` processes: the
    texts, and the removed lines."""
    parts = [p for i in range(workers) if (p := frame[i::workers]).height]
    with get_context("spawn").Pool(workers) as pool:
        done = pool.map(_clean_alone, parts)
    return {k: v for texts, _ in done for k, v in texts.items()}, pl.concat([r for _, r in done])


def with_header(preds: dict[str, str], removed: pl.DataFrame) -> dict[str, str]:
    """Each text with its headline (the last line the engine took as a repeat of the title)
    and its dateline put back above it. A diagnostic, not a variant of the pipeline: both
    sets' golds count a page's headline and date as its text, while the pipeline's contract
    (the seeds' gold.json) has them in the title and published columns only; the row says what
    that choice costs (session 15: WCXB -0.002, Dragnet +0.005; bylines and every title line
    back cost more precision than they gain recall)."""
    lines = removed.filter(pl.col("rule").is_in(["title_repeat", "dateline"])).sort(
        "doc_id", "line_no")
    title = lines.filter(pl.col("rule") == "title_repeat").group_by(
        "doc_id", maintain_order=True).last()
    head = (pl.concat([title, lines.filter(pl.col("rule") == "dateline")])
            .sort("doc_id", "line_no").group_by("doc_id", maintain_order=True)
            .agg(pl.col("text").str.join("\n")))
    got = dict(zip(head["doc_id"], head["text"], strict=True))
    return {k: (f"{got[k]}\n{v}" if k in got else v) for k, v in preds.items()}


def split_scores(preds: dict[str, str], golds: dict[str, str], cases: list[dict]
                 ) -> dict[str, tuple[float, float, float]]:
    """P/R/F1 on the whole set and on the tune / held-out splits by domain."""
    parts = {"all": cases, "tune": [c for c in cases if not held_out(c["domain"])]}
    parts["held-out"] = [c for c in cases if held_out(c["domain"])]
    return {part: prf([doc_scores(preds.get(c["id"], ""), golds[c["id"]]) for c in cs])
            for part, cs in parts.items()}


def report(name: str, preds: dict[str, str], golds: dict[str, str], cases: list[dict],
           base: dict[str, tuple[float, float, float]] | None = None
           ) -> dict[str, tuple[float, float, float]]:
    """One row: P/R/F1 per split (with the F1 difference to `base` when given)."""
    scores = split_scores(preds, golds, cases)
    cells = []
    for part, (p, r, f) in scores.items():
        delta = f" ({f - base[part][2]:+.3f})" if base else ""
        cells.append(f"{part} P={p:.3f} R={r:.3f} F1={f:.3f}{delta}")
    print(f"  {name:<34} " + "  ".join(cells))
    return scores


def rule_audit(removed: pl.DataFrame, golds: dict[str, str], cases: list[dict]) -> pl.DataFrame:
    """Each removed line with its article share: the share of its 4-token shingles the
    page's gold holds (the metric's own unit; a line of under 4 tokens carries no weight and is
    left out), its words and its split. What a rule costs the article, line by line."""
    split = {c["id"]: "held-out" if held_out(c["domain"]) else "tune" for c in cases}
    gold_sh = {cid: set(shingles(g)) for cid, g in golds.items()}
    rows = []
    for doc, line_no, text, rule in removed.select("doc_id", "line_no", "text", "rule").rows():
        sh = shingles(text)
        if not sh:
            continue
        share = sum(n for s, n in sh.items() if s in gold_sh.get(doc, ())) / sum(sh.values())
        rows.append((doc, split.get(doc, "tune"), line_no, rule, len(TOKEN.findall(text)),
                     share, text))
    return pl.DataFrame(rows, schema={"doc_id": pl.String, "split": pl.String,
                                      "line_no": pl.UInt32, "rule": pl.String,
                                      "words": pl.Int64, "article_share": pl.Float64,
                                      "text": pl.String}, orient="row")


def print_rule_audit(audit: pl.DataFrame, top: int = 25) -> None:
    """Per rule, the words it removed and how many of them were article (a line counts as
    article when at least half its shingles are in the gold), tune and held-out apart: the
    rules that cost the article most first. Lines of under 4 tokens are left out (the metric
    cannot see them): the counts are of longer lines."""
    art = pl.col("article_share") >= 0.5
    t = audit.group_by("rule").agg(
        pl.len().alias("lines"),
        pl.col("words").sum().alias("words"),
        *[pl.col("words").filter(art & (pl.col("split") == sp)).sum().alias(f"article_{sp}")
          for sp in ("tune", "held-out")],
        pl.col("doc_id").filter(art).n_unique().alias("pages"),
    ).with_columns((pl.col("article_tune") + pl.col("article_held-out")).alias("_a")
                   ).sort(["_a", "rule"], descending=[True, False]).head(top)
    print(f"    rules by article words removed (top {top}; lines of 4+ words; rule: lines, "
          "words, article words tune / held-out, pages):")
    for r in t.iter_rows(named=True):
        print(f"      {r['rule']:<28} {r['lines']:>6} {r['words']:>7}  {r['article_tune']:>6} / "
              f"{r['article_held-out']:<6} {r['pages']:>4}")


def audit_rules(args: argparse.Namespace, name: str, kind: str, removed: pl.DataFrame,
                golds: dict[str, str], cases: list[dict]) -> None:
    """`--rules`: print the audit of one path's removed lines; with `--dump`, write every line
    of it to `<dump>/<set>/<kind>-rule-audit.parquet`."""
    audit = rule_audit(removed, golds, cases)
    print_rule_audit(audit)
    if args.dump:
        (args.dump / name).mkdir(parents=True, exist_ok=True)
        audit.write_parquet(args.dump / name / f"{kind}-rule-audit.parquet")


def category_counts(removed: pl.DataFrame) -> str:
    counts = removed.group_by("category").len().sort("len", descending=True)
    return ", ".join(f"{c}={n}" for c, n in counts.iter_rows())


def wrap(text: str, width: int) -> str:
    """A text scrape as a text-mode browser renders it: every line wrapped at `width` columns
    (greedy, words never broken, as textwrap, lynx and html2text wrap)."""
    return "\n".join(part for line in text.split("\n")
                     for part in (textwrap.wrap(line, width, break_long_words=False,
                                                break_on_hyphens=False) or [""]))


def engine_frame(cases: list[dict], texts: dict[str, str], kind: str,
                 titles: dict[str, str | None]) -> pl.DataFrame:
    """The engine's input for the dev pages: one row a page (an HTML page's domain as its site
    key)."""
    return pl.DataFrame(
        {
            "doc_id": [c["id"] for c in cases],
            "text": [texts[c["id"]] for c in cases],
            "kind": [kind] * len(cases),
            # (a text scrape names no site: the clean step has none for it, and the site-
            # template rule does not run; trafilatura gives an HTML page its host)
            "site_key": [c["domain"] if kind == "html" else None for c in cases],
            "title": [titles.get(c["id"]) for c in cases],
        },
        schema={"doc_id": pl.String, "text": pl.String, "kind": pl.String,
                "site_key": pl.String, "title": pl.String},
    )


SETS = {"wcxb": "wcxb-article-dev", "dragnet": "dragnet-dev"}


def load_set(name: str, limit: int) -> tuple[Path, list[dict], dict[str, str], dict[str, str]]:
    """Cases (each with its `domain`, inferred from the page where the set has none), golds
    and whole-page text scrapes of one dev set."""
    root = devdata_dir(SETS[name])
    cases = [json.loads(line) for line in (root / "cases.jsonl").open()]
    if limit:
        cases = cases[:limit]
    for c in cases:
        c["domain"] = page_domain(root, c)
    # (read_gold: five Dragnet golds are UTF-16 behind a mojibake'd BOM; read as UTF-8 they
    # scored every extractor 0 on those pages)
    golds = {c["id"]: read_gold(root / "gold" / f"{c['id']}.txt") for c in cases}
    texts = {c["id"]: (root / "text" / f"{c['id']}.txt").read_text() for c in cases}
    return root, cases, golds, texts


def evaluate(name: str, args: argparse.Namespace) -> dict[str, dict]:
    root, cases, golds, texts = load_set(name, args.limit)
    n_held = sum(held_out(c["domain"]) for c in cases)
    n_dom = len({c["domain"] for c in cases})
    print(f"== {name}: {root} ({len(cases)} pages, {n_dom} domains; held-out "
          f"{n_held} pages, md5(domain) % {HELD_OUT_MOD} == 0)")
    if args.time:
        time_extract(root, cases, args.time)
        return {}
    out = {}
    print(" text scrapes:")
    out["text: keep everything"] = keep = report("text: keep everything", texts, golds, cases)
    text_preds, removed, dt = run_engine(engine_frame(cases, texts, "text", {}), run_pairs=True)
    out["text: engine"] = report("text: engine (ours)", text_preds, golds, cases, keep)
    print(f"    removed by category: {category_counts(removed)}  ({dt:.2f}s)")
    if args.rules:
        audit_rules(args, name, "text", removed, golds, cases)
    report("  (diagnostic: + headline, dateline)", with_header(text_preds, removed),
           golds, cases, out["text: engine"])
    for width in args.wrap:
        wrapped = {k: wrap(v, width) for k, v in texts.items()}
        got, _, _ = run_engine(engine_frame(cases, wrapped, "text", {}), run_pairs=True)
        out[f"text: engine, wrapped {width}"] = report(
            f"text: engine, wrapped at {width}", got, golds, cases, out["text: engine"])
    if args.alone:
        t0 = time.perf_counter()
        alone, alone_removed = run_alone(engine_frame(cases, texts, "text", {}))
        out["text: engine, alone"] = report("text: engine, each page alone", alone, golds, cases,
                                            out["text: engine"])
        print(f"    ({time.perf_counter() - t0:.1f}s; the difference is to the row above)")
        if args.dump:
            _dump(args.dump / name / "text-alone", alone, golds, cases, alone_removed)
    if args.dump:
        _dump(args.dump / name / "text", text_preds, golds, cases, removed)
    if args.no_html:
        return out

    t0 = time.perf_counter()
    base = extract_all(name, root, cases, "base", use_cache=not args.no_cache)
    ours = extract_all(name, root, cases, "ours", use_cache=not args.no_cache)
    jt = extract_all(name, root, cases, "justext", use_cache=not args.no_cache)
    print(f" HTML ({time.perf_counter() - t0:.1f}s extracting; trafilatura {TRAF_VERSION}):")
    plain = {cid: base[cid][0] for cid in golds}
    recall = {cid: base[cid][1] for cid in golds}
    out["html: trafilatura"] = ref = report("html: trafilatura alone", plain, golds, cases)
    out["html: favor_recall"] = report("html: trafilatura favor_recall", recall, golds, cases, ref)
    out["justext: English"] = report("jusText, English stoplist", {cid: jt[cid][0] for cid in golds},
                                     golds, cases, ref)
    out["justext: all"] = report("jusText, every stoplist", {cid: jt[cid][1] for cid in golds},
                                 golds, cases, ref)
    titles = {cid: ours[cid][1] for cid in golds}
    raw, sources = second_opinion(cases, ours)
    out["html: extract_html"] = report("html: extract_html (before engine)", raw, golds, cases, ref)
    html_preds, hremoved, dt = run_engine(engine_frame(cases, raw, "html", titles), run_pairs=True)
    out["html: ours"] = report("html: ours (extract_html+engine)", html_preds, golds, cases, ref)
    print(f"    removed by category: {category_counts(hremoved)}  ({dt:.2f}s)")
    print(f"    text source: {', '.join(f'{k}={v}' for k, v in sources.most_common())}")
    if args.rules:
        audit_rules(args, name, "html", hremoved, golds, cases)
    if args.ablate:
        for label, preds in (("trafilatura+engine", plain), ("favor_recall+engine", recall)):
            got, _, _ = run_engine(engine_frame(cases, preds, "html", titles), run_pairs=True)
            report(f"html: {label}", got, golds, cases, ref)
    if args.dump:
        _dump(args.dump / name / "html", html_preds, golds, cases, hremoved)
        _dump(args.dump / name / "trafilatura", plain, golds, cases, hremoved.clear())
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--set", choices=[*SETS, "all"], default="all", help="dev set(s) to evaluate")
    ap.add_argument("--no-html", action="store_true", help="skip the trafilatura evaluation")
    ap.add_argument("--no-cache", action="store_true", help="re-run trafilatura")
    ap.add_argument("--ablate", action="store_true",
                    help="also: the engine over trafilatura's own output (plain, favor_recall)")
    ap.add_argument("--alone", action="store_true",
                    help="also: the text engine on each page alone (a batch of one)")
    ap.add_argument("--wrap", type=int, nargs="+", default=[], metavar="WIDTH",
                    help="also: the text scrapes hard-wrapped at WIDTH columns (lynx, html2text)")
    ap.add_argument("--rules", action="store_true",
                    help="also: per rule, the words it removed and how many were article "
                         "(tune / held-out); with --dump, every removed line with its share")
    ap.add_argument("--limit", type=int, default=0)
    ap.add_argument("--dump", type=Path, help="write per-document scores and outputs here")
    ap.add_argument("--time", type=int, default=0, metavar="N",
                    help="time extract_html against trafilatura alone on N pages, then exit")
    args = ap.parse_args()
    names = list(SETS) if args.set == "all" else [args.set]
    results = {name: evaluate(name, args) for name in names}
    if args.time:
        return
    print("\nsummary, F1 (all / tune / held-out):")
    for name, res in results.items():
        for row in ("html: trafilatura", "html: favor_recall", "html: ours", "justext: English",
                    "justext: all", "text: keep everything", "text: engine",
                    "text: engine, alone",
                    *(f"text: engine, wrapped {w}" for w in args.wrap)):
            if row not in res:
                continue
            f1 = " / ".join(f"{res[row][part][2]:.3f}" for part in ("all", "tune", "held-out"))
            print(f"  {name:<8} {row:<28} {f1}")
        if "html: ours" not in res:  # (--no-html)
            continue
        worst = min(res["html: ours"][p][2] - res["html: trafilatura"][p][2]
                    for p in ("all", "tune", "held-out"))
        print(f"  {name:<8} html ours - trafilatura alone, worst split: {worst:+.3f}")
        worst = min(res["text: engine"][p][2] - max(res["justext: English"][p][2],
                                                    res["justext: all"][p][2])
                    for p in ("all", "tune", "held-out"))
        print(f"  {name:<8} text ours - best jusText, worst split: {worst:+.3f}")


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
