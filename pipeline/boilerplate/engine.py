"""The boilerplate engine: applies the rule catalogue to all lines of a batch at once.

Documents are exploded into a lines frame (one row per non-blank line); what depends on a line's
text alone (features, phrase rules) is computed once per distinct text of the batch and gathered
back. Every step is a Polars expression over that frame (matching.py: how regexes are run fast;
blocks.py: sections, templates and the article block with segmented window scans). Steps, in
order of precedence for the audit:

1. metadata: title, dateline and site lines in the page header move into metadata;
2. line rules (phrases and shapes) remove wherever they hit;
3. section rules: a heading opens a block that runs until article prose resumes (or to the end);
4. context rules: captions' alt text, teaser headlines, site templates;
5. article block (text scrapes): the maximum-scoring run of lines, scored jusText-style (prose
   words count for, short / menu-like lines against), is the article; lines outside it go, and
   short lines inside it (sub-headings, quote fragments like "he said.") stay; a second pass
   pulls it towards the story's lede (the first prose under the line repeating the page's
   title) when the first pass chose a block away from it. A page this leaves under the
   publishing bound gets back its own short-lined run or its captions (rescue.py: a poem, a
   round-up of headlines, a gallery);
6. the line model (model.py, whole-page text scrapes only; off unless `PARAMS.line_model`): a
   small classifier over the lines' features and the steps' verdicts removes non-prose lines the
   rules kept, or brings back lines only the article-block step dropped, where it is confident;
   audited as "model:<name>:<score>".
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from . import blocks, metadata, model, recurrence, siblings
from . import windows as W
from .features import WORDLESS_SCRIPTS, lead_in, line_features, prose_expr
from .matching import apply_rules, category, lowercase
from .params import PARAMS
from .reflow import reflow
from .rescue import rescued
from .rules import CATEGORIES, rules_of

_DOC_SCHEMA = {
    "doc_id": pl.String,
    "text": pl.String,
    "kind": pl.String,
    "site_key": pl.String,
    "title": pl.String,
}
_OUT_DOCS = {"doc_id": pl.String, "text": pl.String, "n_words": pl.UInt32, "title": pl.String,
             "published": pl.Date, "site": pl.String}
_OUT_REMOVED = {"doc_id": pl.String, "line_no": pl.UInt32, "text": pl.String,
                "category": pl.String, "rule": pl.String}


@dataclass
class CleanResult:
    """Clean documents, the audit of removed lines, and counters."""

    documents: pl.DataFrame
    removed: pl.DataFrame
    stats: dict[str, int]


def _prepare(docs: pl.DataFrame) -> pl.DataFrame:
    cols = []
    for name, dtype in _DOC_SCHEMA.items():
        if name in docs.columns:
            cols.append(pl.col(name).cast(dtype))
        else:
            cols.append(pl.lit("text" if name == "kind" else None, dtype).alias(name))
    return docs.select(cols).with_columns(
        pl.col("kind").fill_null("text"),
        pl.int_range(pl.len(), dtype=pl.UInt32).alias("d"),
    )


def _explode(docs: pl.DataFrame) -> pl.DataFrame:
    """One row per non-blank line: d, line_no (1-based, in the input), line (stripped), rid
    (row number), idx (position among the document's non-blank lines), is_html. A hard-wrapped
    text scrape's paragraphs are joined first, each a line numbered as its first input line
    (`reflow.py`)."""
    raw = docs.select(
        "d",
        pl.col("text").fill_null("").str.split("\n").alias("line"),
    ).with_columns(
        pl.col("line").list.eval(pl.int_range(1, pl.len() + 1, dtype=pl.UInt32)).alias("line_no")
    )
    lines = reflow(raw.explode("line", "line_no"), docs)
    lines = lines.with_columns(pl.col("line").str.strip_chars())
    lines = lines.filter(pl.col("line").str.len_bytes() > 0)
    rid = pl.int_range(pl.len(), dtype=pl.UInt32)
    lines = lines.with_columns(rid.alias("rid"))
    first = pl.when(W.is_first()).then(pl.col("rid")).forward_fill()
    return lines.with_columns(
        (pl.col("rid") - first).alias("idx"),
        W.per_doc(docs["kind"] == "html").alias("is_html"),
    )


def _distinct_texts(lines: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The batch's distinct line texts (column `line`, in order of first appearance), and the
    lines with `u`, the row of each line's text among them, and `h`, the text's 64-bit hash
    (the template rules' key for a line: `blocks.repeated`, `blocks.templates`).

    Page templates repeat: menus, share bars and footers recur on every page of a site (and
    "Home", "Share", "Reply" on most sites), so what depends on the text alone (line features,
    every phrase rule: most of the engine's time) runs on far fewer rows: the dev sets' 2,090
    pages, each once, hold 436k lines and 225k distinct texts; a chunk of 4,000 pages of the
    benchmark corpus (bench/corpus_pages.py: real page templates, each used several times) 588k
    lines and 126k distinct texts. Texts are grouped by their 64-bit hash (half the cost of
    grouping the strings), and the grouping is checked exactly: on a collision they are grouped
    by the strings."""
    h = lines["line"].hash()
    first = h.is_first_distinct()
    texts = lines.select("line").filter(first)
    keys = pl.DataFrame({"h": h.filter(first)}).with_row_index("u")
    u = pl.DataFrame({"h": h}).join(keys, on="h", how="left", maintain_order="left")["u"]
    if not (texts["line"].gather(u) == lines["line"]).all():
        texts = lines.select(pl.col("line").unique(maintain_order=True))
        u = lines.select("line").join(texts.with_row_index("u"), on="line", how="left",
                                      maintain_order="left")["u"]
    return texts, lines.with_columns(u, h.alias("h"))


def _hashed_lines(docs: pl.DataFrame) -> pl.DataFrame:
    lines = _explode(_prepare(docs))
    return lines.with_columns(lines["line"].hash().alias("h"))


def _doc_keys(docs: pl.DataFrame) -> pl.Series:
    """Run-wide 64-bit keys of a batch's documents (their doc_id's hash; the row number where
    the frame has no doc_id: a batch that is the whole run), for `recurrence.summary`. The
    pipeline's doc_ids are never null (a null would hash to one key for all)."""
    if "doc_id" not in docs.columns:
        return pl.Series("doc", range(docs.height), pl.UInt64)
    return docs["doc_id"].cast(pl.String).hash().alias("doc")


def recurring_summary(docs: pl.DataFrame) -> pl.DataFrame:
    """The batch's line pairs, long lines and document fingerprints, for counting the pairs over
    a whole run (`recurrence.summary`)."""
    return recurrence.summary(_hashed_lines(docs), _doc_keys(docs))


def run_facts(docs: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """What the chunked pass needs of a chunk before any chunk is cleaned, from one split of
    its lines: `recurring_summary`, and (doc_id, first, last) of its text documents
    (`siblings.line_ends`)."""
    lines = _hashed_lines(docs)
    ends = siblings.line_ends(lines)
    ids = docs["doc_id"].cast(pl.String).gather(ends["d"])
    return (recurrence.summary(lines, _doc_keys(docs)),
            ends.select(ids.alias("doc_id"), "first", "last"))


def clean_documents(docs: pl.DataFrame, line_model: bool | None = None,
                    run_pairs: pl.DataFrame | None = None,
                    context: pl.DataFrame | None = None, rescue: bool = True) -> CleanResult:
    """Strip boilerplate from a batch of documents (see module docstring for the steps).
    `line_model`: run step 6 (None: `PARAMS.line_model`). `run_pairs`: the run's recurring
    line pairs (`recurrence.count`), when the batch is one chunk of a run; None: the batch is
    the whole run, and its own pair counts (`blocks.repeated`) are all there is to count.
    `context`: documents of other chunks the batch's rules see (as `docs`; the chunked pass
    lends a chunk the siblings its pages have elsewhere in the run: `siblings.py`), neither
    cleaned nor returned. `rescue`: give a page the rules would empty what `rescue.py` finds
    (off for the HTML fallback's read of a whole rendered page: `html.render.engine_text`)."""
    n_own = docs.height
    if context is not None and context.height:
        docs = pl.concat([_prepare(docs), _prepare(context)]).drop("d")
    docs, lines, meta_docs, texts = annotate(docs, run_pairs, rescue)
    if PARAMS.line_model if line_model is None else line_model:
        lines = model.apply(lines, texts=texts)
        # (a line given back that the model then took is not counted as given back)
        lines = lines.with_columns(pl.col("rescued") & pl.col("rule").is_null())
    lines = lines.select("d", "line_no", "line", "n_words", "rule", "category", "rescued")
    if docs.height > n_own:  # (own documents first: d < n_own)
        docs, lines = docs.head(n_own), lines.filter(pl.col("d") < n_own)
        meta_docs = meta_docs.filter(pl.col("d") < n_own)
    return _results(docs, lines, meta_docs)


def annotate(docs: pl.DataFrame, run_pairs: pl.DataFrame | None = None, rescue: bool = True
             ) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """Steps 1-5 of the module docstring: (prepared docs, the lines frame with every feature and
    the catalogue's decision in `rule` / `category`, per-document metadata, the batch's distinct
    line texts with their features, which `u` in the lines frame points at). Kept apart from
    `clean_documents` so that the line model's training (bench/train_lines.py) sees exactly the
    frame the model is applied to at run time (step 6)."""
    docs = _prepare(docs)
    n_docs = docs.height
    lines = _explode(docs)
    # Features and phrase rules depend on the line's text alone: computed once per distinct
    # text (`_distinct_texts`) and gathered back.
    texts, lines = _distinct_texts(lines)
    texts = texts.with_columns(line_features(pl.col("line")))
    texts = texts.with_columns(prose_expr().alias("prose"))
    texts = lowercase(texts.with_columns(lead_in(texts)))
    feats = [c for c in texts.columns if c not in ("line", "_low_all")]
    lines = lines.with_columns(texts[c].gather(lines["u"]) for c in feats)

    rule_sets = {"line_rule": "line", "weak_rule": "weak", "head_rule": "section"}
    lines = apply_rules(lines, {out: rules_of(kind) for out, kind in rule_sets.items()}, texts)
    # (a post's lead-in depends on the line rules only: marked once for both passes' sections
    # and article blocks)
    lines = lines.with_columns(blocks.post_lead_in().alias("post_lead_in"))
    # Pass 1: where is the article, with every section closing where prose resumes? (Before
    # the template rules: a line inside a section, a teaser under "Related", is no lead.)
    lines = blocks.sections(lines, first_pass=True)
    lines = blocks.templates(lines, docs, run_pairs)
    lines = lines.with_columns(pl.coalesce("line_rule", "sec_rule").alias("hard_rule"))
    lines = lines.with_columns(blocks.lede(lines, docs["title"]))
    lines = blocks.article_block(lines, n_docs, first_pass=True)
    lines = lines.with_columns(siblings.where_dominant(lines))
    # Pass 2: headings after the article's start may close the page; then context rules.
    lines = blocks.sections(lines, first_pass=False)
    # (Columns used twice are materialised first: an expression is re-evaluated at each use.)
    lines = lines.with_columns(pl.coalesce(category("line_rule"), pl.col("sec_cat")).alias("_c"))
    cat0 = pl.col("_c")
    lines = lines.with_columns(
        W.nxt(cat0).alias("next_category"), W.prv(cat0).alias("prev_category")
    ).drop("_c")
    lines = apply_rules(lines, {"ctx_rule": rules_of("context")})
    heading = pl.when(pl.col("head_rule").is_not_null()).then(pl.col("sec_rule"))
    lines = lines.with_columns(
        pl.coalesce(heading, "line_rule", "sec_rule", "ctx_rule").alias("hard_rule")
    )
    lines = blocks.article_block(lines, n_docs, first_pass=False)
    lines = blocks.block_flags(blocks.second_block(lines, n_docs)).drop(
        "_score", "_bs2", "_be2")

    head = lines.filter(pl.col("header")).select(
        "d", "rid", "idx", "line", "n_words", "ends_sentence",
        pl.col("hard_rule").alias("removed_by"),
    )
    title_norm = docs.select(metadata.norm(pl.col("title")).alias("t"))["t"]
    head = head.with_columns(W.per_doc(title_norm).alias("given_title_norm"))
    meta_docs, meta_lines = metadata.detect(head)
    meta_rule = W.scatter(lines.height, meta_lines["rid"], meta_lines["meta_rule"])

    rule = pl.coalesce(meta_rule, "hard_rule",
                       pl.when(~pl.col("in_block")).then(pl.lit("article_block")))
    lines = lines.with_columns(rule.alias("rule"))
    back = rescued(lines) if rescue else lines["rule"]
    lines = lines.with_columns((pl.col("rule").is_not_null() & back.is_null()).alias("rescued"),
                               back.alias("rule"))
    cat = (
        pl.when(pl.col("rule") == "article_block")
        .then(category("weak_rule").fill_null("off_article"))
        .otherwise(category("rule"))
    )
    return docs, lines.with_columns(cat.alias("category")), meta_docs, texts


def _results(docs: pl.DataFrame, lines: pl.DataFrame, meta_docs: pl.DataFrame) -> CleanResult:
    # Kept lines: runs of whitespace (tabs, doubled spaces) made one space, so the text reads
    # evenly and its words are its spaces + 1 a line, plus a word for each character of a script
    # written without spaces (`features.WORDLESS_SCRIPTS`). (Removed lines stay as they were: the
    # audit shows the page's own text.)
    kept = lines.filter(pl.col("rule").is_null()).with_columns(
        pl.col("line").str.replace_all(r"\s{2,}|[\s&&[^ ]]", " ").alias("line"))
    # (Those scripts are counted on the lines with a non-ASCII character only: the regex scans
    # every byte, and most kept lines are ASCII.)
    wide = kept.select(pl.int_range(pl.len(), dtype=pl.UInt32).alias("r"), "line").filter(
        pl.col("line").str.len_bytes() != pl.col("line").str.len_chars())
    wordless = W.scatter(kept.height, wide["r"],
                         wide["line"].str.count_matches(WORDLESS_SCRIPTS), fill=0)
    kept = kept.with_columns(
        (pl.col("line").str.count_matches(" ") + 1 + wordless).alias("n_words"))
    bodies = kept.group_by("d").agg(pl.col("line").str.join("\n\n").alias("body"),
                                    pl.col("n_words").sum().alias("n_words"))
    documents = (
        docs.select("d", "doc_id")
        .join(bodies, on="d", how="left")
        .join(meta_docs, on="d", how="left")
        .sort("d")
        .select(
            "doc_id",
            pl.col("body").fill_null("").alias("text"),
            pl.col("n_words").fill_null(0).cast(pl.UInt32),
            pl.col("title").cast(pl.String),
            pl.col("published").cast(pl.Date),
            pl.col("site").cast(pl.String),
        )
    )
    removed = lines.filter(pl.col("rule").is_not_null()).select(
        W.per_doc(docs["doc_id"]).alias("doc_id"), "line_no", pl.col("line").alias("text"),
        "category", "rule",
    )
    counts = dict(removed.group_by("category").len().iter_rows())
    stats = {
        "lines_in": lines.height,
        "lines_kept": kept.height,
        "lines_removed": removed.height,
        # kept on pages the rules would have emptied (rescue.py)
        "lines_rescued": int(lines["rescued"].sum()),
    } | {f"removed.{c}": int(counts.get(c, 0)) for c in CATEGORIES}
    return CleanResult(documents=documents.cast(_OUT_DOCS),
                       removed=removed.cast(_OUT_REMOVED), stats=stats)


def clean_text(text: str, kind: str = "text", title: str | None = None, rescue: bool = True
               ) -> CleanResult:
    """One-document convenience wrapper (doc_id "doc")."""
    frame = pl.DataFrame(
        {"doc_id": ["doc"], "text": [text], "kind": [kind], "site_key": [None], "title": [title]},
        schema=_DOC_SCHEMA,
    )
    return clean_documents(frame, rescue=rescue)
