"""The clean step's boilerplate engine on real whole-page scrapes, in one process (issue 21).

    uv run --no-sync python bench/corpus_pages.py --docs 16000 --out /tmp/pages16k
    uv run --no-sync python bench/bench_clean_pages.py prep --raw /tmp/pages16k/raw --out F.parquet
    POLARS_MAX_THREADS=1 uv run --no-sync python bench/bench_clean_pages.py time --docs F.parquet \
        [--limit 8000] [--chunk 4000]
    uv run --no-sync python bench/bench_clean_pages.py dump --docs F.parquet --out DIR [--variant]
    uv run --no-sync python bench/bench_clean_pages.py compare DIR_A DIR_B
    uv run --no-sync python bench/bench_clean_pages.py profile --docs F.parquet [--chunk 4000]

prep: the engine's input frame exactly as a chunk worker builds it (read -> extract -> the
clean step's `site_key`), saved once so that timing reads no files (the read step keeps 12,947
of the 16,000 files: byte-identical copies and rejects go). time: `clean_in_batches` (what
`steps.clean` calls) over chunks of `--chunk` documents (a worker's chunk is 4,000 files; the
workers run Polars on one thread, hence POLARS_MAX_THREADS=1); prints the seconds, so run it
under an A/B timer for medians. dump / compare: every output frame of the engine, to show that
a change of code changes no output (`--variant`: with site keys and HTML documents too).
profile: seconds per engine stage and per rule expression (each rule's regex run alone on the
chunk's distinct line texts).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import polars as pl

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from pipeline.boilerplate import clean_documents  # noqa: E402
from pipeline.steps.clean import clean_in_batches  # noqa: E402

INPUT_COLS = ["doc_id", "text", "kind", "site_key", "title"]


def prep(raw: Path, out: Path) -> None:
    from pipeline import steps
    from pipeline.ingest.plan import read_files
    from pipeline.settings import Settings
    from pipeline.steps.extract import site_key

    settings = Settings(raw_dir=raw, workers=1)
    paths = sorted(str(p) for p in raw.rglob("*.txt"))
    docs, rejects = read_files((paths, str(raw), settings))
    raw_step = steps.RawStep(docs, docs.clear().select("doc_id", "source", pl.col("doc_id")
                                                       .alias("duplicate_of")), rejects, "")
    ex = steps.extract(raw_step, settings)
    frame = ex.documents.with_columns(site_key()).select(INPUT_COLS)
    frame.write_parquet(out)
    print(f"{frame.height} documents -> {out}")


def _chunks(docs: pl.DataFrame, chunk: int) -> list[pl.DataFrame]:
    return [docs.slice(off, chunk) for off in range(0, docs.height, chunk)]


def time_clean(docs: pl.DataFrame, chunk: int) -> None:
    clean_documents(docs.head(200))  # warm-up: regex compilation, imports
    t0, c0 = time.perf_counter(), time.process_time()
    for part in _chunks(docs, chunk):
        clean_in_batches(part)
    dt, cpu = time.perf_counter() - t0, time.process_time() - c0
    print(f"{docs.height} docs in chunks of {chunk}: {dt:.3f} s ({docs.height / dt:,.0f} docs/s; "
          f"cpu {cpu:.2f} s)")


def variant(docs: pl.DataFrame) -> pl.DataFrame:
    """The same pages with the engine's other paths switched on: a site key (the page's first
    line: pages of one template share it, so the site-template rule fires) and every third
    document given as trafilatura output (kind "html")."""
    return docs.with_columns(
        pl.col("text").str.extract(r"^([^\n]*)").alias("site_key"),
        pl.when(pl.int_range(pl.len()) % 3 == 0).then(pl.lit("html")).otherwise(pl.col("kind"))
        .alias("kind"),
    )


def dump(docs: pl.DataFrame, chunk: int, out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    for i, part in enumerate(_chunks(docs, chunk)):
        res = clean_in_batches(part)
        res.documents.write_parquet(out / f"documents{i:03d}.parquet")
        res.removed.write_parquet(out / f"removed{i:03d}.parquet")
        pl.DataFrame([res.stats]).write_parquet(out / f"stats{i:03d}.parquet")


def compare(a: Path, b: Path) -> int:
    from polars.testing import assert_frame_equal

    names = sorted(p.name for p in a.glob("*.parquet"))
    if names != sorted(p.name for p in b.glob("*.parquet")):
        print("different sets of files")
        return 1
    for name in names:
        assert_frame_equal(pl.read_parquet(a / name), pl.read_parquet(b / name))
    n_docs = sum(pl.read_parquet(a / n).height for n in names if n.startswith("documents"))
    n_rem = sum(pl.read_parquet(a / n).height for n in names if n.startswith("removed"))
    print(f"identical: {len(names)} frames, {n_docs} documents, {n_rem} removed lines")
    return 0


def profile(docs: pl.DataFrame, chunk: int) -> None:
    """Seconds per engine stage (cProfile's cumulative view of the engine's functions) and per
    rule: each rule's hit expression alone over the distinct line texts of one chunk."""
    import cProfile
    import pstats

    from pipeline.boilerplate import engine, matching
    from pipeline.boilerplate.features import line_features, prose_expr
    from pipeline.boilerplate.rules import rules_of

    part = docs.head(chunk)
    clean_documents(part.head(200))
    prof = cProfile.Profile()
    prof.enable()
    clean_in_batches(part)
    prof.disable()
    pstats.Stats(prof).sort_stats("cumulative").print_stats(r"boilerplate|polars/dataframe", 30)

    lines = engine._explode(engine._prepare(part))
    texts, _ = engine._distinct_texts(lines)  # the rows the engine runs phrase rules on
    lines = texts.with_columns(line_features(pl.col("line"))).with_columns(
        prose_expr().alias("prose"))
    lines = matching.lowercase(lines)
    print(f"{lines.height} distinct texts, {lines['line'].str.len_bytes().sum() / 1e6:.1f} MB")
    timings = []
    for kind in ("line", "weak", "section"):
        for r in rules_of(kind):
            if r.pattern is None:
                continue
            expr = matching._hit_expr(r)
            t0 = time.perf_counter()
            n = lines.select(expr.sum()).item()
            timings.append((time.perf_counter() - t0, kind, r.name, n,
                            matching._merge_key(r) is not None))
    for dt, kind, name, n, merged in sorted(timings, reverse=True)[:40]:
        print(f"{dt * 1000:8.1f} ms  {kind:<8} {name:<26} hits {n:>6} {'(anchored)' if merged else ''}")
    print(f"sum {sum(t[0] for t in timings):.2f} s over {len(timings)} rules (one thread each)")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("prep")
    p.add_argument("--raw", type=Path, required=True)
    p.add_argument("--out", type=Path, required=True)
    for name in ("time", "dump", "profile"):
        p = sub.add_parser(name)
        p.add_argument("--docs", type=Path, required=True)
        p.add_argument("--chunk", type=int, default=4000)
        p.add_argument("--limit", type=int, default=0)
        p.add_argument("--variant", action="store_true", help="site keys and HTML documents")
        if name == "dump":
            p.add_argument("--out", type=Path, required=True)
    p = sub.add_parser("compare")
    p.add_argument("a", type=Path)
    p.add_argument("b", type=Path)
    a = ap.parse_args()
    if a.cmd == "prep":
        prep(a.raw, a.out)
        return 0
    if a.cmd == "compare":
        return compare(a.a, a.b)
    docs = pl.read_parquet(a.docs)
    if a.limit:
        docs = docs.head(a.limit)
    if a.variant:
        docs = variant(docs)
    if a.cmd == "time":
        time_clean(docs, a.chunk)
    elif a.cmd == "dump":
        dump(docs, a.chunk, a.out)
    else:
        profile(docs, a.chunk)
    return 0


if __name__ == "__main__":
    sys.exit(main())
