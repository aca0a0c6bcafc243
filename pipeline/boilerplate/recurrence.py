"""Line pairs that recur across a whole run: the run-wide half of the template rules (issue 17).

`blocks.repeated` counts, within one batch (a chunk of the run, ~24 MB), the different
documents that carry a line, and a line next to the same recurring neighbour. A site whose
pages are spread thinly over the run (one or two a chunk) never reaches those counts: on 10,000
pages of 1,000 templates (each recurring every 1,000 pages, two or three times a chunk),
`bench/eval_templates.py --templates 1000` kept 208 articles that were mostly template and
dropped 110 different articles as duplicates of each other. So the chunked pass counts the
pairs over the whole run first, in two steps, bounded in memory:

1. `summary`, per chunk (in the workers): every pair of consecutive lines of a document, one of
   them 3+ words long, as a 64-bit key, with the document's key; every long line of a document
   (its hash); and the document's fingerprint (`fingerprint_lead`: the hash of its long lines).
   Rows (key, doc, kind), written in `PARTITIONS` files by key.
2. `count`, in the main process, one partition at a time: (a) the documents of the run that
   carry each long line; a document's lead is its smallest long line that fewer than
   `P.repeated_min_docs` documents carry (its own text: a template's lines recur in every page
   of the template, an article's in its few copies), else its fingerprint; (b) the distinct
   leads of each pair key; the keys with at least `P.repeated_pair_min_docs` are the run's
   recurring pairs, which the engine reads back (`run_pair_docs`) as it does its own batch's
   pairs. Copies of one article (a page, a copy of it cut short behind a paywall, the bare
   article, an edited page) share lines their other versions lack, and so, mostly, their
   lead, and count once, as `blocks.repeated` counts them in a batch: told apart by their
   fingerprints, the first third that four versions shared recurred in four documents, the
   rest in three, and the page lost its first third as a template that the rest of the article
   leaves (session 29; `eval_dedup_pages.py` pages with three or more copies).

Pairs, not single lines: a template line recurs with the same neighbours, while a paragraph or
a quote reused by different articles comes in different company each time (the benchmark
corpus reuses each pool paragraph ~26 times at 100k; counted alone, those would be template).
Deterministic: the counts do not depend on the order of the chunks or the worker count.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from . import windows as W
from .params import PARAMS as P

PAIR_MULT = 0x9E3779B97F4A7C15  # odd: (a, b) -> a * m + b (wrapping) keeps the pair's order
LEAD_MULT = 0xD6E8FEB86659FD93  # odd: h -> h * m (wrapping) is a second order of line hashes
PARTITIONS = 16  # files a chunk's summary is cut into; `count` holds one partition at a time
LONG_BYTES = 40  # a line this long may be a document's lead (~7 words: `P.prose_min_words`)
WIDE_BYTES = 15  # a pair needs one line this long (~3 words: `P.repeated_min_words`)

SUMMARY_SCHEMA = {"key": pl.UInt64(), "doc": pl.UInt64(), "kind": pl.UInt8()}
PAIR, LONG, PRINT = 0, 1, 2  # summary rows: a line pair, a long line, a document's fingerprint
COUNTS_SCHEMA = {"key": pl.UInt64(), "run_docs": pl.UInt32()}


def pair_key(first: pl.Expr, second: pl.Expr) -> pl.Expr:
    """The key of two consecutive lines' hashes (UInt64), in that order."""
    return first * pl.lit(PAIR_MULT, pl.UInt64) + second


def summary(lines: pl.DataFrame, doc_keys: pl.Series) -> pl.DataFrame:
    """(key, doc, kind) of a batch's lines frame (columns d, line, h: the line's hash; ordered
    by document, then position), `doc_keys[d]` the run-wide key of document d: step 1 of the
    module docstring. Not made distinct here: `count` does it once over the run. Lengths in
    bytes stand for words here (a long line: 40 bytes, about 7 words; a line worth a pair: 15,
    about 3 words), which spares counting them."""
    if lines.is_empty():
        return pl.DataFrame(schema=SUMMARY_SCHEMA)
    size = pl.col("line").str.len_bytes()
    h = pl.col("h")
    keys = doc_keys.cast(pl.UInt64)
    frame = lines.select("d", "h", (size >= LONG_BYTES).alias("long"),
                         (size >= WIDE_BYTES).alias("wide"), keys.gather(lines["d"]).alias("doc"))
    wide = pl.col("wide")
    pairs = frame.select(pl.when(wide | W.nxt(wide)).then(pair_key(h, W.nxt(h))).alias("key"),
                         "doc", pl.lit(PAIR, pl.UInt8).alias("kind")).drop_nulls("key")
    longs = frame.filter("long").select(h.alias("key"), "doc", pl.lit(LONG, pl.UInt8).alias("kind"))
    prints = fingerprint_lead(frame, pl.col("long"))
    prints = prints.select(pl.col("lead").alias("key"),
                           keys.gather(prints["d"]).alias("doc"),
                           pl.lit(PRINT, pl.UInt8).alias("kind"))
    return pl.concat([pairs, longs, prints]).cast(SUMMARY_SCHEMA)


def fingerprint_lead(frame: pl.DataFrame, long: pl.Expr) -> pl.DataFrame:
    """(d, lead) of a lines frame (d, h; in document order): the hash of the document's `long`
    lines, in order (the smallest hash of its lines if it has none).

    A document's lead over the run when no long line of its own is left (`count`), and what
    told documents apart before session 29: two documents share it only when their long lines
    are the same. Pages of one template around different articles always get different leads,
    however long the template: the middle long line, the lead before (issue 17, session 9), was
    the template's own line on pages whose template has more long lines than their article,
    and their template was not counted over the run (`bench/eval_templates.py --templates
    1900`: 148 of 10,000 articles kept mostly template; 13 with this lead). Re-scrapes of one
    page whose teasers, comments or counters differ get different leads too: `wrapping` keeps
    their article."""
    got = frame.group_by("d").agg(pl.col("h").filter(long).alias("_l"),
                                  pl.col("h").min().alias("_m"))
    return got.select("d", pl.when(pl.col("_l").list.len() > 0).then(pl.col("_l").hash(5))
                      .otherwise(pl.col("_m")).alias("lead"))


def write_summary(frame: pl.DataFrame, stem: Path) -> list[str]:
    """Write a chunk's summary as PARTITIONS files `<stem>.<p>.arrow` (by key); their paths."""
    parts = frame.with_columns((pl.col("key") % PARTITIONS).cast(pl.UInt8).alias("_p"))
    by = parts.partition_by("_p", as_dict=True, include_key=False)
    out = []
    for p in range(PARTITIONS):
        path = f"{stem}.{p:02d}.arrow"
        by.get((p,), frame.clear()).write_ipc(path, compression="uncompressed")
        out.append(path)
    return out


def count(partitions: list[list[str]]) -> pl.DataFrame:
    """Step 2: the run's recurring pairs (key, run_docs: distinct leads), from every chunk's
    summary files, partition by partition (`partitions[p]`: the files of partition p)."""
    return _recurring([pl.scan_ipc(files) for files in partitions if files])


def count_batch(frame: pl.DataFrame) -> pl.DataFrame:
    """Step 2 over one summary (a batch of over `CLEAN_BATCH_DOCS` documents, cleaned in parts)."""
    return _recurring([frame.lazy()])


def _recurring(parts: list[pl.LazyFrame]) -> pl.DataFrame:
    """Step 2 of the module docstring over the partitions of the run's summary."""
    kind, key = pl.col("kind"), pl.col("key")
    mixed = key * pl.lit(LEAD_MULT, pl.UInt64)  # (a second order of the same lines)
    if not parts:
        return pl.DataFrame(schema=COUNTS_SCHEMA)
    # (a) the documents carrying each long line; per document, its smallest line of its own,
    # folded partition by partition (one row per document held, not one per partition)
    own = pl.DataFrame(schema={"doc": pl.UInt64, "own": pl.UInt64, "own2": pl.UInt64})
    prints = pl.DataFrame(schema={"doc": pl.UInt64, "print": pl.UInt64})
    for part in parts:
        longs = part.filter(kind == LONG).select("key", "doc").unique()
        got = (longs.filter(pl.len().over("key") < P.repeated_min_docs).group_by("doc")
               .agg(key.min().alias("own"), mixed.min().alias("own2")).collect())
        own = pl.concat([own, got]).group_by("doc").agg(pl.col("own", "own2").min())
        prints = pl.concat([prints, part.filter(kind == PRINT)
                            .select("doc", key.alias("print")).collect()])
    leads = prints.group_by("doc").agg(pl.col("print").min()).join(
        own, on="doc", how="left",
    ).select("doc", pl.coalesce("own", "print").alias("lead"),
             pl.coalesce("own2", "print").alias("lead2")).lazy()
    # (b) the distinct leads of each pair key, in either order (the larger count: two
    # different articles that drew one paragraph from a pool share it as their smallest line
    # of their own in one order, rarely in both)
    found = [part.filter(kind == PAIR).select("key", "doc").join(leads, on="doc")
             .group_by("key").agg(pl.max_horizontal(pl.col("lead").n_unique(),
                                                    pl.col("lead2").n_unique()).alias("run_docs"))
             .filter(pl.col("run_docs") >= P.repeated_pair_min_docs).collect()
             for part in parts]
    return pl.concat(found).sort("key").cast(COUNTS_SCHEMA)


def run_pair_docs(lines: pl.DataFrame, counts: pl.DataFrame) -> pl.Series:
    """Per line of `lines` (d, h): the run's distinct documents carrying it next to its line
    above or below, whichever is more (0 when neither pair recurs). Unguarded: `blocks.repeated`
    passes the larger of these and the batch's own pair counts through `wrapping`."""
    if counts.is_empty() or lines.is_empty():
        return pl.Series("run_pair_docs", [0] * lines.height, pl.UInt32)
    h = pl.col("h")
    keys = lines.select(pair_key(h, W.nxt(h)).alias("kn"), pair_key(W.prv(h), h).alias("kp"))
    for col in ("kn", "kp"):
        keys = keys.join(counts.rename({"key": col, "run_docs": f"{col}_n"}), on=col,
                         how="left", maintain_order="left")
    docs = keys.select(pl.max_horizontal("kn_n", "kp_n").fill_null(0).cast(pl.UInt32)
                       .alias("n"))["n"]
    return docs  # unguarded: blocks.repeated guards it with the batch's own (`wrapping`)


def after_heading() -> pl.Expr:
    """Per line of a lines frame (d, prose, n_words, head_rule): at or below the document's
    first heading (a section rule's line) with `P.section_end_min_prose_words` words of prose
    above it: where a page's "Related" teasers and comment threads are, which differ between
    re-scrapes of one page while its article does not."""
    pw = pl.when(pl.col("prose")).then(pl.col("n_words")).otherwise(0).cast(pl.Int64)
    above = W.seg_cum_sum(pw) - pw
    return W.seg_cum_sum(
        (pl.col("head_rule").is_not_null() & (above >= P.section_end_min_prose_words))
        .cast(pl.Int32)) > 0


def wrapping(lines: pl.DataFrame, docs: pl.Series, below: pl.Series) -> pl.Series:
    """`docs` (per line: documents carrying its pair, the batch's or the run's), zeroed in the
    documents where the flagged lines do not wrap the prose they leave (see below). `below`:
    `after_heading` of the lines."""
    # Syndication: one article on many sites, each copy in a template of its own, recurs in
    # many different documents too, and there what is left of each copy is its site's template.
    # Which of the two recurs cannot be told from the counts; where it sits can: a page
    # template wraps its article (a header above it, a footer below), while a syndicated
    # article is one block with its host's template around it. So a document loses its lines
    # that recur over the run only if the prose they leave lies mostly between them (at least
    # `P.run_pairs_min_inside_words` words, and half of the prose left), or if what they leave
    # is at least `P.run_pairs_min_kept_ratio` times the prose they take, or if the prose they
    # take is too short to be an article (`P.run_pairs_brief_words`: a blog's sidebar blurb).
    flag = (docs >= P.repeated_pair_min_docs) & (lines["n_words"] >= P.repeated_min_words)
    if not flag.any():
        return pl.Series("run_pair_docs", [0] * lines.height, pl.UInt32)
    flag, docs = _site_wide(lines, flag, docs)
    # (Prose below a heading after the article, teasers or comments, is not what is left: five
    # re-scrapes of one page whose comment threads grew would lose their article to it.)
    frame = lines.select(
        "d", "idx", pl.lit(flag).alias("f"),
        pl.when(pl.col("prose") & pl.col("line_rule").is_null() & ~pl.lit(below))
        .then(pl.col("n_words")).otherwise(0).cast(pl.Int64).alias("pw"),
    )
    pw, f, idx = pl.col("pw"), pl.col("f"), pl.col("idx")
    span = frame.filter(f).group_by("d").agg(idx.min().alias("first"), idx.max().alias("last"),
                                             pw.sum().alias("taken"))
    inside = ~f & (idx > pl.col("first")) & (idx < pl.col("last"))
    per_doc = frame.join(span, on="d", how="inner").group_by("d").agg(
        pl.col("taken").first(), pw.filter(~f).sum().alias("left"),
        pw.filter(inside).sum().alias("enclosed"))
    enclosed, left = pl.col("enclosed"), pl.col("left")
    ok = per_doc.filter(
        ((enclosed >= P.run_pairs_min_inside_words) & (2 * enclosed >= left))
        | (left >= pl.col("taken") * P.run_pairs_min_kept_ratio)
        | (pl.col("taken") < P.run_pairs_brief_words))["d"]
    keep = frame["d"].is_in(ok.implode())
    return pl.Series("run_pair_docs", docs, pl.UInt32).set(~keep, 0)


def _site_wide(lines: pl.DataFrame, flag: pl.Series, docs: pl.Series
               ) -> tuple[pl.Series, pl.Series]:
    """`flag` and `docs` without the flagged prose lines that recur in at most
    `P.run_pairs_subset_share` of the documents that carry the document's first and last
    flagged lines (the fewer of the two): content a subset of a site's pages share, not its
    template. Five re-scrapes of one page, each with another long teaser above the article, on
    a site with five other pages in the run: the header and footer recur in ten documents, the
    article in five, and the teaser it leaves lies between header and article; without this
    the five lost their article (in one batch already, and over a run where each re-scrape's
    teaser is a long line of its own, its lead: `_recurring`). Un-flagging them changes what
    the guard weighs: the header and footer around the kept article still go (the test
    asserts both).

    Known limit (review): where a page's first and last recurring lines are both shared by many
    sites (a consent banner above, a network footer below), its own template's prose recurs in
    fewer than half as many documents and is kept. Measuring against the runs of recurring lines
    next to each line instead cost more than it saved (`eval_templates.py --templates 1000`:
    24 dropped / 55 mostly template, against 9 / 18; 1900: 27 / 43 against 14 / 13): a
    template's lines recur in slightly different numbers of documents, line by line."""
    count = pl.Series("c", docs, pl.UInt32).set(~flag, 0)
    frame = lines.select("d", "idx").with_columns(count, pl.lit(flag).alias("f"))
    ends = frame.filter("f").group_by("d").agg(  # (rows keep their document order in a group)
        pl.col("c").first().alias("a"), pl.col("c").last().alias("b"))
    wrap = frame.join(ends, on="d", how="left", maintain_order="left").select(
        pl.min_horizontal("a", "b").fill_null(0).alias("w"))["w"]
    subset = flag & lines["prose"] & (count <= wrap * P.run_pairs_subset_share)
    if not subset.any():
        return flag, docs
    return flag & ~subset, pl.Series("run_pair_docs", docs, pl.UInt32).set(subset, 0)
