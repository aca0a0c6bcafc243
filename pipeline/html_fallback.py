"""Whole-page rendering of HTML as text lines, and the recall fallback for trafilatura.

trafilatura's loss on the dev set is mostly recall: on a few percent of pages it picks a small
part of the article (a teaser, one section) because the body sits in markup it does not expect.
The whole page rendered as text (one block a line, like a text scrape) and cleaned by the
boilerplate engine keeps the article on those pages; `extract_html` compares the two.

WCXB dev set, trafilatura + engine as the pipeline runs them (F1, all / tune / held-out split):
0.935 / 0.931 / 0.948 without the fallback, 0.943 / 0.941 / 0.950 with it. The rendering costs
~3 ms a page; the engine (~50 ms) runs only when the whole page holds 2.5x trafilatura's words.
Tried and not kept (no gain on either split): a union of trafilatura's paragraphs and engine-kept
lines inside trafilatura's span (precision loss), trafilatura's favor_precision output as a third
candidate, and choosing the engine's text when it is a cleaner super- or subset of trafilatura's.
"""

from __future__ import annotations

import re

from lxml import etree
from lxml import html as lxml_html

# Elements whose content is never page text. Not <button> or <form>: an unclosed one can hold
# the whole page.
_SKIP = frozenset({
    "script", "style", "noscript", "template", "svg", "math", "head", "iframe", "canvas",
    "select", "datalist",
})
# Elements that start and end a line.
_BLOCK = frozenset({
    "address", "article", "aside", "blockquote", "body", "br", "caption", "center", "dd",
    "details", "dialog", "div", "dl", "dt", "fieldset", "figcaption", "figure", "footer", "h1",
    "h2", "h3", "h4", "h5", "h6", "header", "hr", "html", "legend", "li", "main", "menu", "nav",
    "ol", "p", "pre", "section", "summary", "table", "tbody", "td", "tfoot", "th", "thead", "tr",
    "ul",
})


def render_lines(tree: etree._Element, skip: frozenset[str] = _SKIP) -> list[str]:
    """Text of the page, one block a line (whitespace collapsed, empty lines dropped)."""
    etree.strip_tags(tree, etree.Comment, etree.ProcessingInstruction)  # their tails stay
    parts: list[str] = []
    skipping: etree._Element | None = None
    for event, el in etree.iterwalk(tree, events=("start", "end")):
        tag = el.tag
        if skipping is not None:
            if el is skipping and event == "end":
                skipping = None
                if el.tail:
                    parts.append(el.tail)
            continue
        if not isinstance(tag, str):  # comments, processing instructions: only their tail
            if event == "end" and el.tail:
                parts.append(el.tail)
            continue
        tag = tag.lower()
        if event == "start":
            if tag in skip:
                skipping = el
                continue
            if tag in _BLOCK:
                parts.append("\n")
            if el.text:
                parts.append(el.text)
        else:
            if tag in _BLOCK:
                parts.append("\n")
            if el.tail and el is not tree:
                parts.append(el.tail)
    out = []
    for line in "".join(parts).split("\n"):
        line = " ".join(line.split())
        if line:
            out.append(line)
    return out


_XML_DECL = re.compile(r"^\s*<\?xml[^>]*>")


def parse(html: str) -> etree._Element | None:
    """lxml tree of the page, or None when there is nothing to parse."""
    try:
        return lxml_html.document_fromstring(html)
    except ValueError:  # a str with an XML encoding declaration: lxml refuses it
        try:
            return lxml_html.document_fromstring(_XML_DECL.sub("", html, count=1))
        except (etree.ParserError, ValueError):
            return None
    except etree.ParserError:
        return None


_WORD = re.compile(r"\w+")

# trafilatura's text is replaced when it holds fewer words than this share of what the engine keeps
# from the whole page. Tuned on the WCXB dev set (bench/eval_boilerplate.py, tune split; the
# held-out split agrees): 0.3-0.4 are equal within noise, 0.5 and up start replacing good output.
FALLBACK_RATIO = 0.4
# ...and only when the engine's text is long enough to be an article itself.
FALLBACK_MIN_WORDS = 50


def n_words(text: str) -> int:
    return len(_WORD.findall(text))


def engine_text(page: str, title: str | None = None) -> str:
    """What the boilerplate engine keeps of `page` cleaned as a text scrape, one line a block."""
    if not page.strip():
        return ""
    from pipeline.boilerplate.engine import clean_text

    res = clean_text(page, kind="text", title=title)
    kept = res.documents["text"][0] or ""
    return "\n".join(line for line in kept.split("\n") if line.strip())


def recall_fallback(html: str, text: str, title: str | None = None) -> str | None:
    """The engine's text of the whole page when it holds far more than trafilatura's `text`
    (trafilatura kept a teaser or one section of the article), else None."""
    tree = parse(html)
    if tree is None:
        return None
    lines = render_lines(tree)
    have = n_words(text)
    # The engine keeps at most the whole page: skip it when even that cannot win.
    page_words = sum(n_words(line) for line in lines)
    if page_words < FALLBACK_MIN_WORDS or have >= FALLBACK_RATIO * page_words:
        return None
    kept = engine_text("\n".join(lines), title)
    k = n_words(kept)
    if k >= FALLBACK_MIN_WORDS and have < FALLBACK_RATIO * k:
        return kept
    return None
