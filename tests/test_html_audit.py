"""The audit of the HTML cut (pipeline/html/audit.py): rendered lines = kept + removed."""

from __future__ import annotations

import polars as pl
from samples import LIBRARY

from pipeline.boilerplate import clean_documents
from pipeline.html.audit import cut_audit
from pipeline.html.extract import extract_html
from pipeline.html.render import parse, render_lines

PROSE = LIBRARY[:3]
PAGE = (
    "<html><head><title>Council approves library budget</title></head><body>"
    "<nav><ul><li><a href='/'>Home</a></li><li><a href='/news'>News</a></li></ul></nav>"
    "<article><h1>Council approves library budget</h1>"
    + "".join(f"<p>{p}</p>" for p in PROSE)
    + "<p>Share on Facebook</p></article>"
    "<div class='newsletter'><p>Sign up for our daily newsletter</p></div>"
    "<footer><p>Copyright 2025 Example News. All rights reserved.</p></footer></body></html>"
)


def _norm(s: str) -> str:
    return " ".join(s.split())


def test_rendered_lines_are_kept_plus_removed():
    got = extract_html(PAGE, "https://example.com/news/library")
    assert got is not None
    res = clean_documents(pl.DataFrame(
        {"doc_id": ["d"], "text": [got.text], "kind": ["html"], "title": [got.title]}))
    clean = res.documents["text"][0]
    audit = cut_audit(PAGE, clean, res.removed)
    rendered = [_norm(line) for line in render_lines(parse(PAGE))]
    clean_norm = "\n".join(_norm(x) for x in clean.split("\n"))
    kept = [line for line in rendered if line in clean_norm]
    removed = audit["text"].map_elements(_norm, return_dtype=str).to_list()
    assert sorted(kept + removed) == sorted(rendered)
    assert set(audit["stage"]) <= {"trafilatura", "engine"}
    assert audit["rule"].null_count() == 0 and audit["category"].null_count() == 0
    by_text = {r["text"]: r for r in audit.iter_rows(named=True)}
    # trafilatura left out the footer; the catalogue names it
    assert by_text["Copyright 2025 Example News. All rights reserved."]["stage"] == "trafilatura"
    assert by_text["Copyright 2025 Example News. All rights reserved."]["category"] == "furniture"
    assert all(p not in by_text for p in PROSE)


def test_engine_removals_keep_their_rule():
    text = PROSE[0] + "\nShare on Facebook"
    res = clean_documents(pl.DataFrame(
        {"doc_id": ["d"], "text": [text], "kind": ["html"]}))
    page = f"<html><body><p>{PROSE[0]}</p><p>Share on Facebook</p></body></html>"
    audit = cut_audit(page, res.documents["text"][0], res.removed)
    assert audit.select("text", "stage", "category").rows() == [
        ("Share on Facebook", "engine", "share")]
