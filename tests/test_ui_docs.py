"""The Data Docs a person opens from the UI: our own static pages (issue 19, issue 22 item 8).
Document text sampled by an expectation is shown, never run; nothing loads from the network;
the pages render offline. The renderer alone is fast; the real gate and Chromium are `slow`."""

from __future__ import annotations

import json
import re
import shutil
from html.parser import HTMLParser
from pathlib import Path

import polars as pl
import pytest

from pipeline.validation import DEFAULT_EXPECTATIONS_DIR, validate_tables
from pipeline.validation.runner import render_docs, write_docs
from tests.ui_helpers import chromium, find_chromium

PAYLOADS = [
    "<script>document.body.setAttribute('data-pwned', 'script')</script>",
    "<img src=x onerror=\"document.body.setAttribute('data-pwned', 'img')\">",
    "javascript:alert(1)//\"><svg onload=alert(2)>",
    "https://evil.example/x.js",
]

NETWORK = re.compile(r"""(src|href|action|srcset)\s*=\s*["']?\s*(https?:)?//""", re.I)


def _gx_result(values: list[str]) -> dict:
    """One suite's GX result JSON (the shape `definition.run(...).to_json_dict()` gives) with
    `values` everywhere a GX result can carry document text."""
    return {"success": False, "results": [
        {"success": False,
         "expectation_config": {"type": "expect_column_values_to_match_regex",
                                "kwargs": {"column": "url", "regex": values[0]},
                                "meta": {"action": "warn", "why": values[1]}},
         "result": {"element_count": 3, "unexpected_count": 3, "unexpected_percent": 100.0,
                    "partial_unexpected_list": values,
                    "partial_unexpected_index_list": [{"doc_id": v, "url": v} for v in values],
                    "observed_value": values[2]},
         "exception_info": {"raised_exception": True, "exception_message": values[3]}},
        {"success": True,
         "expectation_config": {"type": "expect_column_values_to_not_be_null",
                                "kwargs": {"column": "doc_id"}, "meta": {"action": "block"}},
         "result": {"element_count": 3, "unexpected_count": 0}}]}


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))


SAFE_TAGS = {"html", "head", "meta", "title", "style", "body", "header", "h1", "h2", "p", "main",
             "span", "a", "code", "ul", "li", "table", "thead", "tbody", "tr", "th", "td", "br"}


def _assert_inert(page: str) -> None:
    """Only our own markup: no element or attribute comes from the data, no script, no event
    handler, no link or load outside the page's folder, a CSP that forbids both anyway."""
    for p in PAYLOADS:
        if "<" in p:  # markup shows as text (a plain URL may show as it is: it is not a link)
            assert p not in page, p
    parser = _Tags()
    parser.feed(page)
    for tag, attrs in parser.tags:
        assert tag in SAFE_TAGS, tag
        assert not any(k.startswith("on") for k in attrs), (tag, attrs)
        if tag == "a":
            assert not re.match(r"\s*(\w+:|//)", attrs.get("href") or ""), attrs
    assert not NETWORK.search(page), NETWORK.search(page)
    assert 'http-equiv="Content-Security-Policy"' in page and "default-src 'none'" in page


def test_docs_escape_document_text_and_load_nothing(tmp_path: Path):
    pages = render_docs({"articles": _gx_result(PAYLOADS), "it's <b>": _gx_result(PAYLOADS)})
    assert set(pages) == {"index.html", "validations/articles.html",
                          "validations/it's <b>.html"}
    for page in pages.values():
        _assert_inert(page)
    index = pages["index.html"]
    assert '<ul class="results" id="results">' in index
    assert re.findall(r'<li class="suite (\w+)"', index) == ["fail", "fail"]
    assert "&lt;script&gt;" in index  # shown as text
    assert "1 of 2 expectations met" in index
    out = write_docs({"articles": _gx_result(PAYLOADS)}, tmp_path / "docs")
    assert out == tmp_path / "docs" / "index.html" and out.is_file()
    assert (tmp_path / "docs" / "validations" / "articles.html").is_file()
    # Small enough to keep one per version (GX's site was 4.4 MB of static files per copy).
    assert sum(f.stat().st_size for f in (tmp_path / "docs").rglob("*")) < 100_000


def _articles_with_urls(urls: list[str]) -> dict[str, pl.DataFrame]:
    from tests.test_validate import clean_tables

    t = clean_tables()
    n = t["articles"].height
    urls = (urls * n)[:n]
    return t | {"articles": t["articles"].with_columns(pl.Series("url", urls))}


@pytest.mark.slow
def test_gate_docs_sampling_a_text_column_render_inert_in_chromium(tmp_path: Path):
    """A natural suite entry (url matches ^https?://, warn) samples hostile URLs: the real gate's
    Data Docs show them as text, and Chromium renders the page offline without running them."""
    from tests.test_validate import MARKERS, NOW, n_raw

    suites = tmp_path / "expectations"
    shutil.copytree(DEFAULT_EXPECTATIONS_DIR, suites)
    f = suites / "articles.json"
    data = json.loads(f.read_text())
    data["expectations"].append({
        "type": "expect_column_values_to_match_regex",
        "kwargs": {"column": "url", "regex": "^https?://", "mostly": 0.99},
        "meta": {"action": "warn", "why": "links a reader can follow"}})
    f.write_text(json.dumps(data))
    tables = _articles_with_urls(PAYLOADS[:3] + ["https://news.example/ok"] * 2)
    report = validate_tables(tables, n_raw_documents=n_raw(tables), markers=MARKERS,
                             out_dir=tmp_path / "gate", now=NOW, expectations_dir=suites)
    assert report.success and [o.label for o in report.warnings()] == [
        "articles.expect_column_values_to_match_regex(url)"]
    docs = report.result_paths["docs"]
    assert docs == tmp_path / "gate" / "data_docs" / "index.html"
    pages = [docs, *sorted((docs.parent / "validations").glob("*.html"))]
    for page in pages:
        _assert_inert(page.read_text())
    assert "&lt;script&gt;" in (docs.parent / "validations" / "articles.html").read_text()

    binary = find_chromium()
    if binary is None:
        pytest.skip("chromium is not installed (see .ci/run.chromium)")
    for page in (docs, docs.parent / "validations" / "articles.html"):
        dom = chromium(binary, page.as_uri(), tmp_path / f"profile-{page.stem}", dump_dom=True,
                       budget_ms=3000)
        assert "data-pwned" not in dom.split("<body", 1)[1].split(">", 1)[0]  # nothing ran
        assert "<img" not in dom and "<svg" not in dom  # text, not elements
        assert '<ul class="results"' in dom or "<table>" in dom
