"""The line model (pipeline/boilerplate/model.py): audited, confined to whole-page text
scrapes, and its exported trees evaluated as the trainer wrote them."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import polars as pl

from pipeline.boilerplate import clean_documents, engine, model
from pipeline.boilerplate.rules import CATEGORIES


def _pages(devdata_root: Path, n: int = 60) -> pl.DataFrame:
    cases = [json.loads(x) for x in (devdata_root / "cases.jsonl").read_text().splitlines()][:n]
    return pl.DataFrame({
        "doc_id": [c["id"] for c in cases],
        "text": [(devdata_root / "text" / f"{c['id']}.txt").read_text(errors="replace")
                 for c in cases]})


def test_model_lines_are_audited_with_name_score_and_category(devdata_root: Path):
    w = model.load()
    assert w is not None, "the package ships its weights"
    res = clean_documents(_pages(devdata_root), line_model=True)  # off by default
    by_model = res.removed.filter(pl.col("rule").str.starts_with("model:"))
    assert by_model.height > 0
    pat = re.compile(rf"^model:{re.escape(w['name'])}:(0(\.\d+)?|1(\.0+)?)$")
    for rule, cat in by_model.select("rule", "category").iter_rows():
        assert pat.match(rule), rule
        assert float(rule.rsplit(":", 1)[1]) <= w["remove_below"] + 0.005
        assert cat in CATEGORIES


def test_model_leaves_html_and_short_texts_to_the_rules(devdata_root: Path):
    pages = _pages(devdata_root, 30)
    for kind in ("html", "text"):
        docs = pages.with_columns(pl.lit(kind).alias("kind"))
        if kind == "text":  # short: the first 30 lines of each page
            docs = docs.with_columns(pl.col("text").str.split("\n").list.head(30).list.join("\n"))
        _, lines, _, texts = engine.annotate(docs)
        after = model.apply(lines, texts=texts)
        assert after["rule"].equals(lines["rule"]) and after["category"].equals(lines["category"])


def test_features_once_per_distinct_text_equal_line_by_line(devdata_root: Path):
    _, lines, _, texts = engine.annotate(_pages(devdata_root, 40))
    a, b = model.apply(lines, texts=texts), model.apply(lines.drop("u"))
    assert a["rule"].equals(b["rule"]) and a["category"].equals(b["category"])
    assert a["rule"].str.starts_with("model:").sum() > 0


def test_tree_evaluation_matches_a_walk_down_each_tree():
    """`tree_logit` (vectorised, bottom-up) against the plain walk from root to leaf."""
    w = model.load()
    assert w is not None
    trees = w["models"]["remove"]
    rng = np.random.default_rng(0)
    x = rng.normal(size=(200, len(w["features"]))) * 3
    got = model.tree_logit(trees, np.asfortranarray(x))
    want = np.full(len(x), trees["base"])
    for feat, thr, left, right, value in trees["trees"]:
        for i, row in enumerate(x):
            j = 0
            while left[j] >= 0:
                j = left[j] if row[feat[j]] <= thr[j] else right[j]
            want[i] += value[j]
    assert np.allclose(got, want)


def test_a_long_article_keeps_every_prose_paragraph(devdata_root: Path):
    """Far longer than any training page (300 paragraphs of real article prose): the model may
    not take its sentences for boilerplate (it removes only lines that are not prose)."""
    import random

    cases = [json.loads(x) for x in (devdata_root / "cases.jsonl").read_text().splitlines()]
    paras = [g.strip() for c in cases[:300]
             for g in (devdata_root / "gold" / f"{c['id']}.txt").read_text(
                 errors="replace").splitlines() if len(g.split()) >= 12]
    text = "A long report\n\n" + "\n\n".join(random.Random(1).sample(paras, 300))
    res = clean_documents(pl.DataFrame({"doc_id": ["long"], "text": [text]}), line_model=True)
    removed = res.removed.filter(pl.col("rule").str.starts_with("model:"))
    kept = res.documents["text"][0]
    assert removed.height <= 10  # stray non-prose lines (lists, short cells) at most
    assert len(kept.split()) >= 0.97 * len(text.split())
