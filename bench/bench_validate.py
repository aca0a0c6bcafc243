"""Bench the validation gate: GX import time and validation time on N synthetic articles.

    uv run python bench/bench_validate.py --n 100000

Why: GX on pandas is slow on wide text, so the gate derives small columns in Polars first;
this shows what that costs at production size (~4 KB bodies).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import polars as pl

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from pipeline.schema import conform, empty  # noqa: E402

STAND_IN_MARKERS = [r"(?m)^\s*Related Articles\s*$", r"(?m)^\s*(Share|Tweet|Email) this\s*$"]


def catalogue_markers() -> list[str]:
    """The boilerplate catalogue's leftover markers (what the pipeline really passes)."""
    from pipeline.boilerplate import leftover_markers

    return leftover_markers()


def marker_costs(text: pl.Series, markers: list[str]) -> None:
    """Seconds per marker on `text`: one slow regex dominates the gate's Polars time."""
    for m in markers:
        t = time.perf_counter()
        text.str.contains(m)
        print(f"  {time.perf_counter() - t:6.2f}s  {m[:70]}")


def synthetic_articles(n: int, text_bytes: int, seed: int = 0) -> pl.DataFrame:
    """`n` valid articles with ~`text_bytes` bodies in paragraphs (a pool of distinct bodies)."""
    rng = random.Random(seed)
    vocab = [
        "".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(rng.randint(2, 10)))
        for _ in range(5000)
    ]
    pool = []
    for _ in range(min(n, 2000)):
        words, size = [], 0
        while size < text_bytes:
            words.append(rng.choice(vocab))
            size += len(words[-1]) + 1
        paras = [" ".join(words[i : i + 80]) for i in range(0, len(words), 80)]
        pool.append("\n\n".join(paras))
    now = datetime(2026, 11, 21, tzinfo=UTC)
    df = pl.DataFrame({"i": pl.int_range(n, eager=True)}).with_columns(
        doc_id=pl.format("doc-{}", "i"),
        source=pl.lit("bench"),
        url=pl.format("https://news.example/{}", "i"),
        site=pl.lit("news.example"),
        title=pl.format("Title {}", "i"),
        published=pl.lit(date(2026, 11, 20)) - pl.duration(days=pl.col("i") % 3000),
        language=pl.lit("en"),
        text=pl.Series(pool).gather(pl.Series(range(n)) % len(pool)),
        content_hash=pl.format("hash-{}", "i"),
        cluster_id=pl.format("cl-{}", "i"),
        n_copies=pl.lit(1),
        ingested_at=pl.lit(now - timedelta(hours=1)),
    )
    df = df.with_columns(n_words=pl.col("text").str.count_matches(r"\S+"))
    return conform(df, "articles")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=100_000, help="articles (default 100k)")
    ap.add_argument("--text-bytes", type=int, default=4096, help="body size (default 4 KB)")
    ap.add_argument("--stand-in-markers", action="store_true", help="2 simple regexes instead")
    ap.add_argument("--marker-costs", action="store_true", help="time each marker alone")
    ap.add_argument("--out", type=Path, default=Path(__file__).parent / "out" / "validate")
    args = ap.parse_args()

    t = time.perf_counter()
    articles = synthetic_articles(args.n, args.text_bytes)
    print(
        f"built {args.n} articles, {articles['text'].str.len_bytes().sum() / 1e6:.0f} MB text"
        f" in {time.perf_counter() - t:.1f}s"
    )
    tables = {
        "articles": articles,
        "rejected": empty("rejected"),
        "duplicates": empty("duplicates"),
        "removed_lines": empty("removed_lines"),
    }
    os.environ["GX_ANALYTICS_ENABLED"] = "false"
    t = time.perf_counter()
    import great_expectations  # noqa: F401

    print(f"GX import: {time.perf_counter() - t:.2f}s")
    from pipeline.validation import validate_tables

    out = args.out
    marker_list = STAND_IN_MARKERS if args.stand_in_markers else catalogue_markers()
    print(f"{len(marker_list)} leftover markers")
    if args.marker_costs:
        marker_costs(articles["text"], marker_list)
    for attempt in ("first", "second"):
        t = time.perf_counter()
        report = validate_tables(
            tables,
            n_raw_documents=args.n,
            markers=marker_list,
            out_dir=out / attempt,
            now=datetime(2026, 11, 21, 12, tzinfo=UTC),
        )
        total = time.perf_counter() - t
        timings = json.loads(report.result_paths["json"].read_text())["timings_s"]
        print(
            f"validate ({attempt}): {total:.2f}s total, polars derive {timings['derive']:.2f}s, "
            f"success={report.success}, {len(report.outcomes)} expectations"
        )
    print(f"results: {out}")


if __name__ == "__main__":
    main()
