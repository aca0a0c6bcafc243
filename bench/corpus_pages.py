"""A benchmark corpus that looks like users' data: real whole-page text scrapes.

    uv run --no-sync python bench/corpus_pages.py --docs 100000 --out /tmp/pages

Every document is one real page's whole-page scrape from the dev sets (`text/<id>.txt` of WCXB
dev and Dragnet dev: its real navigation, teasers, sidebars, comments and footer, at its real
length) with its article's lines replaced by 8-15 real article paragraphs drawn from both sets'
gold texts, the short clutter lines between them kept in place (`_devdata.fill`: ~149 lines
and ~8.2 KB a document on average), so no two documents are the same article while every page
template recurs (same-site templates, ~2,000 of them). ~7 % of the documents are copies of an
earlier one (half byte-identical re-scrapes, half the same article in its page with a few words
changed), as in a real crawl.

Deterministic: document i depends only on (seed, i); chunks of 1,000 documents (one sub-folder
of .txt files each) are written by parallel processes.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from multiprocessing import get_context
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _devdata import SETS, devdata_dir, fill, page_templates  # noqa: E402

CHUNK = 1000
# The construction's version, in the cached corpus's folder name (bench_pipeline.corpus_dir):
# 2 since session 21 (the clutter inside the article span kept, `_devdata.fill`).
VERSION = 2
_PAGES: list[dict] | None = None
_PARAS: list[str] | None = None


def _load() -> tuple[list[dict], list[str]]:
    """Every page (`_devdata.page_templates`); the pool of gold paragraphs."""
    global _PAGES, _PARAS
    if _PAGES is None:
        _PAGES, _PARAS = page_templates()
    return _PAGES, _PARAS  # type: ignore[return-value]


def _draw(seed: int, i: int) -> tuple[dict, list[str]]:
    """Document i's page and article paragraphs."""
    pages, paras = _load()
    rng = random.Random(seed * 1_000_003 + i)
    page = pages[rng.randrange(len(pages))]
    return page, [paras[rng.randrange(len(paras))] for _ in range(rng.randint(8, 15))]


def article(seed: int, i: int) -> list[str]:
    """The article paragraphs of document i as an original (drawn at random from the pool, so
    two documents can share a paragraph: a few pool paragraphs are gold texts of 1,000+ words
    without line breaks)."""
    return _draw(seed, i)[1]


def document(seed: int, i: int) -> str:
    page, body = _draw(seed, i)
    return fill(page, body)


def _copy_of(seed: int, i: int) -> tuple[int, str] | None:
    """(index of the original, kind) when document i is a copy of an earlier one."""
    rng = random.Random(seed * 7_919 + i)
    if i < 10 or rng.random() >= 0.07:
        return None
    return rng.randrange(i), ("exact" if rng.random() < 0.5 else "edited")


def _text(seed: int, i: int) -> str:
    c = _copy_of(seed, i)
    if c is None:
        return document(seed, i)
    orig, kind = c
    text = document(seed, orig)
    if kind == "exact":
        return text
    rng = random.Random(seed + i)
    words = text.split(" ")
    for _ in range(5):
        words[rng.randrange(len(words))] = rng.choice(["new", "local", "several", "key"])
    return " ".join(words)


def _write_chunk(args: tuple[Path, int, int, int]) -> tuple[int, int]:
    out, seed, start, stop = args
    folder = out / "raw" / f"c{start // CHUNK:05d}"
    folder.mkdir(parents=True, exist_ok=True)
    n_bytes = 0
    for i in range(start, stop):
        data = _text(seed, i).encode()
        (folder / f"{i:08d}.txt").write_bytes(data)
        n_bytes += len(data)
    return stop - start, n_bytes


def generate(out: Path, docs: int, seed: int = 0, processes: int | None = None) -> dict:
    t0 = time.perf_counter()
    out.mkdir(parents=True, exist_ok=True)
    tasks = [(out, seed, s, min(docs, s + CHUNK)) for s in range(0, docs, CHUNK)]
    with get_context("spawn").Pool(processes) as pool:
        done = pool.map(_write_chunk, tasks)
    stats = {"docs": sum(n for n, _ in done), "bytes_on_disk": sum(b for _, b in done),
             "counts": {"copies": sum(_copy_of(seed, i) is not None for i in range(docs))},
             "seconds": round(time.perf_counter() - t0, 1), "kind": "pages", "seed": seed,
             "version": VERSION}
    (out / "corpus.json").write_text(json.dumps(stats, indent=2))
    return stats


def html_pages() -> list[bytes]:
    """Both dev sets' real HTML pages (2,090: WCXB dev and Dragnet dev), as scraped, in case
    order."""
    out = []
    for name in SETS:
        root = devdata_dir(name)
        for line in (root / "cases.jsonl").read_text().splitlines():
            out.append((root / "html" / f"{json.loads(line)['id']}.html").read_bytes())
    return out


def generate_html(out: Path, docs: int, seed: int = 0) -> dict:
    """HTML end to end on real pages (issue 21): document i is one of the dev sets' 2,090 real
    HTML pages (their real sizes, scripts and templates; 139 KB on average), in an order
    shuffled by `seed`; past the first 2,090, every page comes again with an HTML comment
    appended (`<!-- copy k -->`), so it is not a byte-identical copy: each is extracted, and
    then dropped as a duplicate of the first, as a re-scrape would be."""
    t0 = time.perf_counter()
    pages = html_pages()
    order = list(range(len(pages)))
    random.Random(seed).shuffle(order)
    n_bytes = 0
    for i in range(docs):
        folder = out / "raw" / f"c{i // CHUNK:05d}"
        folder.mkdir(parents=True, exist_ok=True)
        k, j = divmod(i, len(pages))
        data = pages[order[j]] + (f"\n<!-- copy {k} -->\n".encode() if k else b"")
        (folder / f"{i:08d}.html").write_bytes(data)
        n_bytes += len(data)
    stats = {"docs": docs, "bytes_on_disk": n_bytes, "counts": {"pages": len(pages)},
             "seconds": round(time.perf_counter() - t0, 1), "kind": "devhtml", "seed": seed}
    (out / "corpus.json").write_text(json.dumps(stats, indent=2))
    return stats


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--docs", type=int, default=10_000)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--processes", type=int)
    ap.add_argument("--out", type=Path, required=True)
    a = ap.parse_args()
    s = generate(a.out, a.docs, a.seed, a.processes)
    print(json.dumps(s))


if __name__ == "__main__":
    main()
