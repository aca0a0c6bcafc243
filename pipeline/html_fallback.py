"""Whole-page rendering of HTML as text lines, and the recall fallback for trafilatura.

trafilatura's loss on the dev set is mostly recall: on a few percent of pages it picks a small
part of the article (a teaser, one section) because the body sits in markup it does not expect.
The whole page rendered as text (one block a line, like a text scrape) and cleaned by the
boilerplate engine keeps the article on those pages; `extract_html` compares the two.
"""

from __future__ import annotations

from lxml import etree
from lxml import html as lxml_html

# Elements whose content is never page text.
_SKIP = frozenset({
    "script", "style", "noscript", "template", "svg", "math", "head", "iframe", "object",
    "embed", "canvas", "select", "option", "button", "input", "textarea", "video", "audio",
    "map", "picture", "source", "form",
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


def parse(html: str) -> etree._Element | None:
    try:
        return lxml_html.document_fromstring(html)
    except (etree.ParserError, ValueError):
        return None
