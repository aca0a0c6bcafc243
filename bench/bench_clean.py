"""Throughput of `clean_documents` on text documents (the cleaning step alone).

    uv run python bench/bench_clean.py [-n 20000] [--source synthetic|dev|both] [--batch 0]

synthetic: news-page-like scrapes (menu, title, byline, 8-20 paragraphs, inline teaser, related
block, footer; ~55 lines). dev: the WCXB dev-set whole-page text scrapes replicated (~250 lines a
page: a heavier, worst-case load). Prints docs/s and lines/s.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import time
from pathlib import Path

import polars as pl

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from pipeline.boilerplate import clean_documents  # noqa: E402

_WORD_TEXT = (
    "the a of to and in that for on with as was by at from his her their it said year new "
    "city council government police market company minister people report week plan court "
    "after before during while about against between under over local national officials "
    "percent million health school water energy price workers union election vote law"
)
WORDS = _WORD_TEXT.split(" ")
MENU = ["Home", "News", "Sport", "Business", "Opinion", "Culture", "Weather", "Video",
        "Podcasts", "Subscribe", "Sign in", "Search"]
FOOT = ["About us", "Contact", "Privacy Policy", "Terms of Use", "Advertise with us",
        "© 2031 Example Media. All rights reserved.", "Follow us", "Facebook", "Twitter"]


def _sentence(rng: random.Random) -> str:
    words = [rng.choice(WORDS) for _ in range(rng.randint(8, 28))]
    return " ".join(words).capitalize() + rng.choice([".", ".", ".", "?", ","])


def synthetic(n: int, seed: int = 7) -> pl.DataFrame:
    rng = random.Random(seed)
    rows = []
    for i in range(n):
        title = " ".join(rng.choice(WORDS) for _ in range(rng.randint(5, 11))).title()
        lines = rng.sample(MENU, rng.randint(6, 12)) + [f"{title} | Example {i % 300}", title,
                                                        "By Jane Doe", "March 3, 2031"]
        for p in range(rng.randint(8, 20)):
            lines.append(" ".join(_sentence(rng) for _ in range(rng.randint(1, 4))))
            if p == 3:
                lines += ["Read more", " ".join(rng.choice(WORDS) for _ in range(7)).title()]
            if rng.random() < 0.15:
                lines.append("Advertisement")
        lines += ["Related Articles"] + [
            " ".join(rng.choice(WORDS) for _ in range(8)).title() for _ in range(5)
        ]
        lines += rng.sample(FOOT, 6)
        rows.append((f"s{i}", "\n".join(lines), f"example{i % 300}.com"))
    return pl.DataFrame(
        {"doc_id": [r[0] for r in rows], "text": [r[1] for r in rows],
         "kind": ["text"] * n, "site_key": [r[2] for r in rows], "title": [None] * n},
        schema={"doc_id": pl.String, "text": pl.String, "kind": pl.String,
                "site_key": pl.String, "title": pl.String},
    )


def dev_replicated(n: int) -> pl.DataFrame:
    from _devdata import devdata_dir

    root = devdata_dir()
    cases = [json.loads(line) for line in (root / "cases.jsonl").open()]
    texts = [(root / "text" / f"{c['id']}.txt").read_text() for c in cases]
    sites = [c["domain"] for c in cases]
    return pl.DataFrame(
        {"doc_id": [f"r{i}" for i in range(n)], "text": [texts[i % len(texts)] for i in range(n)],
         "kind": ["text"] * n, "site_key": [sites[i % len(sites)] for i in range(n)],
         "title": [None] * n},
        schema={"doc_id": pl.String, "text": pl.String, "kind": pl.String,
                "site_key": pl.String, "title": pl.String},
    )


def run(name: str, docs: pl.DataFrame, batch: int) -> None:
    clean_documents(docs.head(200))  # warm-up (regex compilation, imports)
    t0, c0 = time.perf_counter(), time.process_time()
    lines_in = 0
    step = batch or docs.height
    for off in range(0, docs.height, step):
        lines_in += clean_documents(docs.slice(off, step)).stats["lines_in"]
    dt, cpu = time.perf_counter() - t0, time.process_time() - c0
    # CPU seconds (all threads) tell whether a slow wall time came from a busy machine.
    print(f"{name:<10} {docs.height} docs, {lines_in} lines in {dt:.2f}s: "
          f"{docs.height / dt:,.0f} docs/s, {lines_in / dt:,.0f} lines/s "
          f"({lines_in / docs.height:.0f} lines/doc, batch {step}; cpu {cpu:.2f}s, "
          f"load {os.getloadavg()[0]:.1f})")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("-n", type=int, default=20_000)
    ap.add_argument("--source", choices=["synthetic", "dev", "both"], default="both")
    ap.add_argument("--batch", type=int, default=0, help="documents per call (0: all at once)")
    args = ap.parse_args()
    if args.source in ("synthetic", "both"):
        run("synthetic", synthetic(args.n), args.batch)
    if args.source in ("dev", "both"):
        try:
            docs = dev_replicated(args.n)
        except FileNotFoundError as exc:
            print(f"dev: skipped ({exc})")
            return
        run("dev", docs, args.batch)


if __name__ == "__main__":
    main()
