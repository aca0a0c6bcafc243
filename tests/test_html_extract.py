"""extract_html: trafilatura plus the whole-page fallbacks (pipeline/html/render.py; the recall
fallback is off by default since issue 17)."""

from __future__ import annotations

import time

import pytest
import trafilatura
from samples import LIBRARY as PARAS

from pipeline.html import render as html_fallback
from pipeline.html.extract import TRAFILATURA_OPTIONS, extract_html, extract_task
from pipeline.html.render import parse, render_lines

NAV = "<nav><ul>" + "".join(f"<li><a href='/s{i}'>Section {i}</a></li>" for i in range(8)) + "</ul></nav>"


def _page(body: str) -> str:
    return ("<html><head><title>Council approves library budget</title></head><body>"
            f"{NAV}{body}<footer><p>Copyright 2025 Example News. All rights reserved.</p></footer>"
            "</body></html>")


def _paras(ps: list[str]) -> str:
    return "".join(f"<p>{p}</p>" for p in ps)


NORMAL = _page(f"<article><h1>Council approves library budget</h1>{_paras(PARAS)}</article>")
# Only the lead is in <article>; the rest sits in a container trafilatura drops as page footer.
MISSED = _page(f"<article><h1>Council approves library budget</h1>{_paras(PARAS[:1])}</article>"
               f"<div class='footer'>{_paras(PARAS[1:])}</div>")


def _traf_text(html: str) -> str:
    doc = trafilatura.bare_extraction(html, **TRAFILATURA_OPTIONS)
    return doc.text if doc is not None else ""


def test_normal_page_is_trafilatura_output():
    got = extract_html(NORMAL, "https://example.com/news/library")
    assert got is not None
    assert got.text == _traf_text(NORMAL).strip()
    assert all(p in got.text for p in PARAS)
    assert "Section 3" not in got.text and "Copyright" not in got.text


def test_recall_fallback_is_off_by_default():
    # Off since issue 17 (it lost on the 2012 news-and-blogs dev set): trafilatura's text stays.
    assert html_fallback.RECALL_FALLBACK is False
    got = extract_html(MISSED, "https://example.com/news/library")
    assert got is not None and got.extractor == "trafilatura"
    assert got.text == _traf_text(MISSED).strip()


def test_fallback_recovers_article_trafilatura_misses(monkeypatch):
    monkeypatch.setattr(html_fallback, "RECALL_FALLBACK", True)
    traf = _traf_text(MISSED)
    assert PARAS[0] in traf and PARAS[3] not in traf  # the premise: trafilatura keeps the lead only
    got = extract_html(MISSED, "https://example.com/news/library")
    assert got is not None
    assert all(p in got.text for p in PARAS)
    assert "Section 3" not in got.text and "Copyright" not in got.text
    assert got.title == "Council approves library budget"  # trafilatura's metadata kept
    assert "\n\n" not in got.text  # one paragraph a line, like trafilatura's text


def test_fallback_not_run_when_trafilatura_has_most_of_the_page(monkeypatch):
    def boom(*a, **k):
        raise AssertionError("engine should not run")

    monkeypatch.setattr(html_fallback, "engine_text", boom)
    assert extract_html(NORMAL) is not None


def test_short_page_gets_no_recall_fallback(monkeypatch):
    html = _page("<div class='footer'><p>Subscribe to our newsletter today.</p></div>")
    text = _traf_text(html).strip()
    monkeypatch.setattr(html_fallback, "engine_text", lambda *a, **k: "x " * 1000)
    assert html_fallback.recall_fallback(parse(html), text) is None  # too few words on the page
    monkeypatch.undo()
    # trafilatura keeps the menu, too little for an article: the no-article fallback runs the
    # engine over the page, which finds no article either, so trafilatura's text stays.
    got = extract_html(html)
    assert got is None or (got.text == text and got.extractor == "trafilatura")


def test_render_lines_blocks_and_skips():
    tree = parse("<html><head><title>t</title><style>p{}</style></head><body>"
                 "<div>Hello <b>bold</b> text<script>var x;</script> more<p>para</p>end"
                 "<!-- c -->tail</div><ul><li>a<li>b</ul>"
                 "<button>An unclosed button <p>still holds text</p></body></html>")
    assert render_lines(tree) == ["Hello bold text more", "para", "endtail", "a", "b",
                                  "An unclosed button", "still holds text"]


def test_render_lines_deep_nesting_no_recursion():
    html = "<html><body>" + "<div>" * 5000 + "deep" + "</div>" * 5000 + "</body></html>"
    tree = parse(html)
    assert tree is not None
    render_lines(tree)  # an iterative walk: no RecursionError however deep lxml lets it go


def test_time_limit_covers_the_fallback(monkeypatch):
    def slow(*a, **k):
        time.sleep(5)
        return ""

    monkeypatch.setattr(html_fallback, "engine_text", slow)
    monkeypatch.setattr(html_fallback, "RECALL_FALLBACK", True)
    t0 = time.perf_counter()
    out = extract_task(("d1", MISSED, None, 0.5))
    assert out["error"] == "extract_timeout"
    assert time.perf_counter() - t0 < 4  # (the fallback sleeps 5 s)


@pytest.mark.parametrize("html", ["", "<html></html>", "<html><body><div></div></body></html>"])
def test_degenerate_input(html):
    assert extract_html(html) is None


def test_fallback_when_trafilatura_finds_nothing(monkeypatch):
    monkeypatch.setattr(trafilatura, "bare_extraction", lambda *a, **k: None)
    got = extract_html(NORMAL, "https://example.com/news/library")
    assert got is not None
    assert all(p in got.text for p in PARAS)
    assert got.title == "Council approves library budget"  # metadata read separately
    assert got.url == "https://example.com/news/library"


def test_parse_xml_declaration_and_empty():
    tree = parse('<?xml version="1.0" encoding="utf-8"?>\n<html><body><p>Hi there</p></body></html>')
    assert tree is not None and render_lines(tree) == ["Hi there"]
    assert parse("") is None


DATED = ("<html><head><title>Council approves library budget | Example News</title>"
         "<meta property='og:site_name' content='Example News'>"
         "<meta property='article:published_time' content='2025-03-04T10:00:00Z'>"
         "<!-- a comment --><?php echo 1; ?></head><body>"
         f"{NAV}<article><h1>Council approves library budget</h1>{_paras(PARAS)}</article>"
         "</body></html>")


def test_page_is_parsed_once_and_trafilatura_gets_the_tree(monkeypatch):
    seen = []
    real = trafilatura.bare_extraction

    def spy(filecontent, *a, **k):
        seen.append(filecontent)
        return real(filecontent, *a, **k)

    monkeypatch.setattr(trafilatura, "bare_extraction", spy)
    got = extract_html(DATED, "https://example.com/news/library")
    assert len(seen) == 1 and not isinstance(seen[0], str)
    # Same text and metadata as trafilatura parsing the string itself.
    ref = real(DATED, url="https://example.com/news/library", **TRAFILATURA_OPTIONS)
    assert got is not None and got.text == ref.text.strip()
    assert (got.title, got.published, got.site) == (ref.title, ref.date, ref.sitename)
    assert got.published == "2025-03-04" and got.site == "Example News"


@pytest.mark.parametrize("html", [
    "<div><p>Just one line of text here.</p></div>",  # a bare fragment: trafilatura refuses it
    f"<div><h1>Council approves library budget</h1>{_paras(PARAS)}</div>",
    f"<!-- a comment -->\n<body><article>{_paras(PARAS)}</article></body>",
])
def test_page_without_html_tag_up_front_is_read_as_trafilatura_reads_it(monkeypatch, html):
    """No <html> in the first 50 characters: trafilatura's own loader judges whether this is
    HTML at all; extract_html builds the tree as that loader does (from the screened page) and
    gets trafilatura's text."""
    ref = trafilatura.bare_extraction(html, **TRAFILATURA_OPTIONS)
    seen = []
    real = trafilatura.bare_extraction
    monkeypatch.setattr(trafilatura, "bare_extraction",
                        lambda fc, *a, **k: seen.append(fc) or real(fc, *a, **k))
    got = extract_html(html)
    if ref is None:
        assert got is None and seen == []  # the loader refused it: trafilatura not even asked
    else:
        assert got is not None and got.text == ref.text.strip() and got.extractor == "trafilatura"
        assert (got.title, got.published, got.site) == (ref.title, ref.date, ref.sitename)
        assert not isinstance(seen[0], str)


def test_textarea_is_not_page_text():
    tree = parse("<html><body><p>Story text</p><textarea>&lt;p&gt;embed code&lt;/p&gt;</textarea>"
                 "tail</body></html>")
    assert render_lines(tree) == ["Story text", "tail"]


def test_render_drops_characters_lxml_refuses():
    # The parser lets control characters through, but lxml refuses to set them on a node.
    tree = parse("<html><body><p>a\x0bb\x0cc</p>d\x0be<div>f</div></body></html>")
    assert tree is not None and render_lines(tree) == ["abc", "de", "f"]


def test_long_trafilatura_text_is_never_replaced(monkeypatch):
    def boom(*a, **k):
        raise AssertionError("engine should not run")

    monkeypatch.setattr(html_fallback, "engine_text", boom)
    text = " ".join(["word"] * html_fallback.FALLBACK_MAX_WORDS)
    tree = parse("<html><body>" + "<p>" + " ".join(["other"] * 30) + "</p>" * 500 + "</body></html>")
    assert html_fallback.recall_fallback(tree, text) is None


def test_engine_not_run_when_long_lines_cannot_win(monkeypatch):
    def boom(*a, **k):
        raise AssertionError("engine should not run")

    monkeypatch.setattr(html_fallback, "engine_text", boom)
    # Many words on the page, but in short menu lines only: the engine could not keep 2.5x the
    # 60 words trafilatura found.
    menu = "".join(f"<li>Section {i} news</li>" for i in range(200))
    tree = parse(f"<html><body><ul>{menu}</ul></body></html>")
    assert html_fallback.recall_fallback(tree, " ".join(["w"] * 60)) is None


def test_repeated_long_paragraphs_are_kept_once():
    body = _paras(PARAS[:3]) + f"<div class='print-copy'>{_paras(PARAS[:3])}</div>"
    got = extract_html(_page(f"<article><h1>Council approves library budget</h1>{body}</article>"))
    assert got is not None
    assert [got.text.count(p) for p in PARAS[:3]] == [1, 1, 1]
    short = "Read the full budget.\nRead the full budget."  # short lines may recur
    assert html_fallback.drop_repeats(short) == short
