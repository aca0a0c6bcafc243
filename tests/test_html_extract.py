"""extract_html: trafilatura plus the whole-page recall fallback (pipeline/html_fallback.py)."""

from __future__ import annotations

import time

import pytest
import trafilatura

from pipeline import html_fallback
from pipeline.extract import TRAFILATURA_OPTIONS, extract_html, extract_task
from pipeline.html_fallback import parse, render_lines

PARAS = [
    "The city council voted on Tuesday evening to approve a new budget for the public library "
    "system, ending months of debate over opening hours and staffing levels across the district.",
    "Supporters of the plan said the additional funding would allow branches to stay open later "
    "on weekdays, giving students and working parents more time to use the reading rooms.",
    "Opponents argued that the money should have gone to road repairs instead, pointing to a long "
    "list of complaints from residents about potholes and broken street lights in the area.",
    "The mayor said she was pleased with the outcome and thanked librarians for their patience "
    "during the negotiations, which at times became tense and drew large crowds to the chamber.",
    "Under the approved plan, three branches will also receive new computers and a small grant to "
    "expand their collections of books in languages spoken by recent immigrants to the town.",
    "A final vote on the road repair program is expected next month, after engineers finish a "
    "survey of the streets that residents have identified as most in need of attention this year.",
]
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


def test_fallback_recovers_article_trafilatura_misses():
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


def test_short_page_gets_no_fallback(monkeypatch):
    html = _page("<div class='footer'><p>Subscribe to our newsletter today.</p></div>")
    monkeypatch.setattr(html_fallback, "engine_text", lambda *a, **k: "x " * 1000)
    got = extract_html(html)
    assert got is None or got.text == _traf_text(html).strip()


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
    t0 = time.perf_counter()
    out = extract_task(("d1", MISSED, None, 0.5))
    assert out["error"] == "extract_timeout"
    assert time.perf_counter() - t0 < 3


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
