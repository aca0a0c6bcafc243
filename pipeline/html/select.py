"""A second opinion for HTML pages where trafilatura's recall mode kept a fragment (issue 17:
"HTML never below trafilatura alone, on any set").

The pipeline runs trafilatura with `favor_recall` (one extraction a page: the cheaper mode, and
the better one on both dev sets on average). On a few pages that mode keeps a fragment of a long
article (a teaser, one section, a sidebar) where trafilatura's default ("balanced") mode, whose
recall escalation and comparison with readability and jusText do not run in recall mode, keeps
the whole of it: on WCXB dev, 12 pages lose 50-90 % of their F1 (timeout.com keeps 203 of 6,062
words; fullstack.com 424 of 3,423). On the 2012 news and blogs of the Dragnet dev set the same
disagreement mostly goes the other way: the default mode adds a comment thread, an author box or
another post. So neither mode can simply replace the other, and word counts alone do not tell
the two cases apart (the recall fallback of `render.py`, which swaps in the engine's text of
the whole page, was turned off for that reason).

Three tests, each from a different source, decide per page:
1. `needs_second_look` (in the extraction worker, cheap): recall mode kept under
   `page_share` of the page's words (trafilatura's own under-extraction test for its
   escalation, at half its threshold, and in words where it counts characters). Only then is
   the default mode run (a second extraction: ~1.7x the cost of the first, on 6 % of the dev
   sets' pages).
2. The default mode's text is at least `min_ratio` times longer (trafilatura's own acceptance
   ratio for an escalated retry). The page's extraction row then carries both texts and its
   rendered lines (`CANDIDATE_COLUMNS`) to `choose`.
3. `choose` (at the end of the extract step, batched over its pages, so that everything after
   extraction reads the final text): the boilerplate engine reads each such page's rendered
   text as a text scrape (the same engine and rules as every text document, over the batch, so a
   site's template lines recur) and acts as the referee. The default mode's text is taken when
   the engine keeps at least `referee_ratio` times the words recall mode kept (the engine,
   too, finds far more article than the fragment) and agrees with the default mode's text more
   than with recall mode's (word 4-shingle F1). The page's `extractor` is then
   "trafilatura_balanced".

Measured with `bench/eval_boilerplate.py` (both dev sets, tune and held-out splits): see
bench/README.md, session 23.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl
from lxml import etree

from pipeline.html.render import SKIP_TAGS, n_words

BALANCED = "trafilatura_balanced"
"""The `extractor` of a page whose text is trafilatura's default mode's (chosen by `choose`)."""


@dataclass(frozen=True)
class SelectParams:
    """The second opinion's thresholds (module docstring)."""

    page_share: float = 0.1
    """Recall mode's words under this share of the page's words: run the default mode too.
    trafilatura's own test before its recall escalation has 0.2 (`core.ESCALATION_PAGE_SHARE`);
    half of it here, for cost: the second run is ~1.7x the first (37-75 ms on these dev pages),
    and at 0.2 it ran on 11 % of the dev sets' pages (Dragnet's short posts in long pages), at
    0.1 on 6 %, with 10 of the 11 WCXB pages it changes."""
    max_words: int = 1000
    """... and under this many words (a text this long is an article in itself, as
    `render.FALLBACK_MAX_WORDS`; it also spares the page-word count on most long pages)."""
    max_page_words: int = 50_000
    """... on a page of at most this many words: its rendered text travels with the extraction row
    and the engine reads it in `choose`, outside the page's time limit (a generated page of an 8 MB
    list is no article to mend)."""
    min_ratio: float = 1.5
    """The default mode's text must have this many times recall mode's words to be a candidate
    (trafilatura's acceptance ratio for its escalated retry, `core.ESCALATION_ACCEPT_RATIO`)."""
    referee_ratio: float = 4.0
    """The engine's text of the whole page must have this many times recall mode's words:
    recall mode kept a fragment of what a second reader also finds (on Dragnet's short blog
    posts the engine keeps the post plus an author box or a few comments: 1.7-3.8x)."""
    shingle: int = 4
    """Words per shingle of the agreement measure (the dedup step's normalised words)."""


PARAMS = SelectParams()

def page_words(tree: etree._Element) -> int:
    """Words of the page's text, without scripts and styles (about: two blocks with no space
    between them count as one word where they meet): a count, not a rendering (the tree
    is left as it is, for trafilatura's second run). C-level serialisation, ~0.3 ms a page."""
    words = n_words(etree.tostring(tree, method="text", encoding=str, with_tail=False))
    for el in tree.iter(SKIP_TAGS):  # (the elements the rendering drops)
        if next(el.iterancestors(SKIP_TAGS), None) is None:  # (a script in <head>: once)
            words -= n_words(etree.tostring(el, method="text", encoding=str, with_tail=False))
    return max(words, 0)


def needs_second_look(text: str, tree: etree._Element | None,
                      params: SelectParams = PARAMS) -> bool:
    """Did recall mode keep a small share of the page (test 1 of the module docstring)?"""
    if tree is None:
        return False
    have = n_words(text)
    if have >= params.max_words:
        return False
    page = page_words(tree)
    return have < params.page_share * page and page <= params.max_page_words


def is_candidate(text: str, alt: str, params: SelectParams = PARAMS) -> bool:
    """Is the default mode's text long enough to be weighed against recall mode's (test 2)?"""
    return n_words(alt) >= params.min_ratio * max(n_words(text), 1)


def _shingle_sets(texts: list[str], k: int) -> list[np.ndarray]:
    """Each text's distinct word k-shingle hashes, by the dedup step's tokeniser and shingler
    (`pipeline.dedup.shingles`: its normalisation of words is defined there, once)."""
    from pipeline.dedup.shingles import offsets, shingle, tokenize

    tokens, counts = tokenize(pl.Series(texts, dtype=pl.String), seed=0)
    sh = shingle(tokens, counts, k, seed=0)
    ends = offsets(sh.counts)
    return [np.unique(sh.hashes[ends[i]:ends[i + 1]]) for i in range(len(texts))]


def _f1(a: np.ndarray, b: np.ndarray) -> float:
    both = np.intersect1d(a, b, assume_unique=True).size
    return 2 * both / (a.size + b.size) if both else 0.0


def agreement(a: str, b: str, k: int = PARAMS.shingle) -> float:
    """F1 of two texts' word k-shingle sets (0 when either is empty)."""
    return _f1(*_shingle_sets([a, b], k))


CANDIDATE_COLUMNS = {"alt_text": pl.String(), "page_text": pl.String()}
"""What an HTML page's extraction row carries to `choose` when it is a candidate: the default
mode's text and the page's rendered lines (null on every other page)."""


def choose(docs: pl.DataFrame, params: SelectParams = PARAMS) -> tuple[pl.DataFrame, dict[str, int]]:
    """`docs` (the extracted documents: doc_id, text, kind, title, site_key, extractor and the
    `CANDIDATE_COLUMNS`) with the default mode's text where the referee prefers it (test 3), the
    candidate columns dropped; and counts (`html_candidates`, `html_balanced`).

    The engine reads the candidates' rendered pages in one batch (site keys as given, so pages of
    one site share their template lines). A Python loop over the candidates only: a few percent
    of HTML pages, none of the text documents."""
    if not set(CANDIDATE_COLUMNS) <= set(docs.columns):
        return docs, {"html_candidates": 0, "html_balanced": 0}
    cand = docs.filter(pl.col("alt_text").is_not_null() & pl.col("page_text").is_not_null())
    docs = docs.drop(list(CANDIDATE_COLUMNS))
    if cand.is_empty():
        return docs, {"html_candidates": 0, "html_balanced": 0}
    from pipeline.boilerplate import clean_documents

    pages = cand.select("doc_id", pl.col("page_text").alias("text"), pl.lit("text").alias("kind"),
                        "site_key", "title")
    read = clean_documents(pages).documents.select("doc_id", pl.col("text").alias("referee"))
    rows = cand.join(read, on="doc_id", how="left").select(
        "doc_id", pl.col("text").fill_null(""), "alt_text", pl.col("referee").fill_null("")).rows()
    sets = _shingle_sets([t for row in rows for t in row[1:]], params.shingle)
    taken = []
    for i, (doc_id, text, alt, referee) in enumerate(rows):
        s_text, s_alt, s_ref = sets[3 * i:3 * i + 3]
        if (n_words(referee) >= params.referee_ratio * max(n_words(text), 1)
                and _f1(s_alt, s_ref) > _f1(s_text, s_ref)):
            taken.append((doc_id, alt))
    if taken:
        alt = pl.DataFrame(taken, schema={"doc_id": pl.String(), "_alt": pl.String()},
                           orient="row")
        docs = docs.join(alt, on="doc_id", how="left", maintain_order="left").with_columns(
            pl.coalesce("_alt", "text").alias("text"),
            pl.when(pl.col("_alt").is_not_null()).then(pl.lit(BALANCED))
            .otherwise(pl.col("extractor")).alias("extractor"),
        ).drop("_alt")
    return docs, {"html_candidates": cand.height, "html_balanced": len(taken)}
