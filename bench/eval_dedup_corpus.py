"""Near-duplicates at scale on the benchmark's real-page corpus: how many articles are dropped
as another article's duplicate, and how many copies are found?

    uv run --no-sync python bench/eval_dedup_corpus.py [--docs 100000] [--also anchors=16 ...]

The corpus is `bench_pipeline.py`'s default (`corpus_pages.py`, cached under bench/out/): real
whole-page scrapes of both dev sets around 8-15 real article paragraphs drawn at random, each
page template recurring (~50 times at 100k documents), ~7 % copies of an earlier document
(half byte-identical, half with five words changed). Its labels come from its construction
(`corpus_pages._copy_of`; `label`: a copy of document j holds the text j would have as an
original, so j's article when j is an original, an article of its own when j is a copy).
What the cleaning leaves of a template grows with the corpus, so this is where a dedup setting
shows what it costs at scale, which the 2,683 documents of `eval_dedup_pages.py` cannot.

The documents are read, extracted, cleaned and signed once (`run.process_run`, as in a run);
then the dedup step runs with the default settings and with each `--also` variant (fields of
`DedupSettings`, `name=value,...`). Signing settings cannot vary here (the signatures are the
workers'), except `anchors`: the containment bands follow from the signatures. Printed per
setting: articles dropped as a duplicate of another article (a lost article; apart, those that
share over half their article's words with it, drawn from the same pool paragraphs), copies
found with another document of their article, candidate pairs and the largest LSH bucket.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from dataclasses import fields, replace
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

import corpus_pages  # noqa: E402
from bench_pipeline import ensure_corpus  # noqa: E402

from pipeline import chunks, run  # noqa: E402
from pipeline.dedup import DedupSettings, deduplicate, scheme_for  # noqa: E402
from pipeline.dedup.sign import Signed, containment_bands  # noqa: E402
from pipeline.settings import Settings  # noqa: E402


def label(seed: int, i: int) -> int:
    """The article document i holds: a copy of document j holds the text j would have as an
    original (`corpus_pages._text`), which is j's article only when j is one; a copy of a copy
    holds an article of its own (shared with any other copy of that copy)."""
    c = corpus_pages._copy_of(seed, i)
    return i if c is None else c[0]


def _words(seed: int, i: int) -> int:
    return sum(len(p.split()) for p in corpus_pages.article(seed, label(seed, i)))


def _shared_words(seed: int, i: int, j: int) -> int:
    other = set(corpus_pages.article(seed, label(seed, j)))
    return sum(len(p.split()) for p in set(corpus_pages.article(seed, label(seed, i))) & other)


def variant(text: str) -> DedupSettings:
    """DedupSettings with `name=value` fields changed (comma-separated)."""
    types = {f.name: f.type for f in fields(DedupSettings)}
    kw: dict[str, int | float] = {}
    for part in text.split(","):
        name, value = part.split("=")
        if name not in types:
            raise SystemExit(f"no DedupSettings field {name!r}")
        kw[name] = int(value) if types[name] in (int, "int") else float(value)
    return replace(DedupSettings(), **kw)


def score(done: chunks.Processed, s: DedupSettings, seed: int, n: int) -> dict:
    """Dedup the processed corpus with `s`; the counts against the corpus's labels."""
    signed = done.clean.signed
    assert signed is not None, "the chunked pass signs the documents"
    base = DedupSettings()
    if scheme_for(replace(s, anchors=0)) != scheme_for(replace(base, anchors=0)):
        raise SystemExit("only thresholds and anchors can vary: the signatures are the run's")
    if s.anchors != base.anchors:  # the containment bands follow from the signatures
        head = signed.bands[:, : s.bands + s.lead_bands]
        signed = Signed(signed.text_key, signed.n_words, signed.n_shingles, signed.signature,
                        np.concatenate([head, containment_bands(signed.signature, s)], axis=1))
    res = deduplicate(done.clean.signed_ids, signed=signed, settings=s)
    num = {d: int(Path(src).stem) for d, src in
           done.raw.documents.select("doc_id", "source").iter_rows()}
    cluster = {num[d]: c for d, c in res.assignments.select("doc_id", "cluster_id").iter_rows()}
    for _, src, dup in done.raw.all_copies.select("doc_id", "source", "duplicate_of").iter_rows():
        if num.get(dup) in cluster:  # byte-identical copies
            cluster[int(Path(src).stem)] = cluster[num[dup]]
    lost = [(i, num[cluster[i]]) for d, i in num.items() if i in cluster and cluster[i] != d
            and label(seed, num[cluster[i]]) != label(seed, i)]
    # ... of which the two share most of their article's words: the corpus draws paragraphs
    # from a pool at random, and some are whole articles of 1,000+ words.
    shared = sum(1 for i, r in lost if _shared_words(seed, i, r) * 2 > _words(seed, i))
    members: dict[int, list[int]] = {}
    for i in cluster:
        members.setdefault(label(seed, i), []).append(i)
    # A copy is found when it shares a cluster with another document of its article (a copy of
    # a copy that is the only one of its article has nothing to be found with).
    findable = [i for i in cluster if corpus_pages._copy_of(seed, i) is not None
                and len(members[label(seed, i)]) > 1]
    found = sum(any(cluster[j] == cluster[i] for j in members[label(seed, i)] if j != i)
                for i in findable)
    return {"lost": len(lost), "lost_shared": shared, "copies": len(findable), "found": found,
            "candidates": res.stats["candidate_pairs"], "largest": res.stats["largest_bucket"]}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--docs", type=int, default=100_000)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--also", nargs="*", default=[], help="DedupSettings variants: name=value,...")
    a = ap.parse_args()
    corpus = ensure_corpus(a.docs, "pages", a.seed, "files", regen=False)
    work = Path(tempfile.mkdtemp(prefix="eval-dedup-corpus-"))
    try:
        done = run.process_run(Settings(raw_dir=corpus / "raw", curated_dir=work / "curated"))
        print(f"{a.docs} documents of {corpus.name}")
        for name, s in [("default", DedupSettings()), *((v, variant(v)) for v in a.also)]:
            r = score(done, s, a.seed, a.docs)
            print(f"  {name}: articles dropped as another article's duplicate {r['lost']} "
                  f"({r['lost_shared']} sharing over half their article's words with it); "
                  f"copies found {r['found']} / {r['copies']}; candidate pairs "
                  f"{r['candidates']:,}, largest bucket {r['largest']}", flush=True)
        chunks.discard(done.work_dir)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
