"""Parsing and whole-page rendering of HTML, and the recall fallback for trafilatura.

`extract_html` parses each page once (`parse`: screened by `screen` first, then lxml, comments
and processing instructions dropped as trafilatura's own parser does) and hands the tree to
trafilatura, which works on a copy: same text and metadata (title, date, site name) as from the
string on all 709 WCXB dev pages and 1000 synthetic ones. The tree is then free for `render_text`,
which writes line breaks into it and serialises it once in C (2-3x faster than a Python walk).

The recall fallback below is off by default since issue 17 (`RECALL_FALLBACK`: it gains on WCXB
and loses more on the 2012 Dragnet news and blogs); the notes that follow are its WCXB history.

trafilatura's loss on the dev set is mostly recall: on a few percent of pages it picks a small
part of the article (a teaser, one section) because the body sits in markup it does not expect.
The whole page rendered as text (one block a line, like a text scrape) and cleaned by the
boilerplate engine keeps the article on those pages; `recall_fallback` compares the two.

WCXB dev set, trafilatura + engine as the pipeline runs them (F1, all / tune / held-out split):
0.936 / 0.931 / 0.949 without the fallback, 0.945 / 0.942 / 0.952 with it (it replaces 19 pages),
0.945 / 0.942 / 0.954 once repeated paragraphs are dropped (`drop_repeats`).
Cost (bench/eval_boilerplate.py --time, one process): the engine has a fixed ~50 ms a call, so it
runs only when trafilatura kept < 1000 words, the page holds 2.5x its words, and so do the page's
lines of 10+ words (29 dev pages; the word gate alone: 58, for the same F1). extract_html
vs trafilatura alone: dev set 31.6 vs 29.2 ms/page (0.92x throughput; parsing twice and the
Python walk: 38.5 ms, 0.76x), synthetic corpus (bench/out/corpus-html-10000-s0-files, 1000
pages) 2.42 vs 2.34 ms/page (0.93-0.97x over runs; was 3.26 ms, 0.72x). Since the metadata
comes from `metadata` (only the fields we keep) and one Extractor serves every page:
1.99 vs 2.60 ms/page on 600 synthetic pages (1.3x), the same output on 2,209 pages.
Tried and not kept (no gain on either split): a union of trafilatura's paragraphs and engine-kept
lines inside trafilatura's span (precision loss), trafilatura's favor_precision output as a third
candidate (oracle +0.006, but no cheap test tells when; it wins on 1 page in 10 and costs a full
extraction), choosing the engine's text when it is a cleaner super- or subset of trafilatura's
(also with the gate widened to 0.5-0.6: +0.0003), pruning related/share/comment/newsletter
containers by class before trafilatura (-0.005), dropping link-only lines (-0.001), and skipping
nav/footer/aside or hidden elements in the rendering (no change).

The same rendering is the no-article fallback (`rescue_fallback`, issue 15): when trafilatura
finds no article, or too little for the clean step to keep (20 words, 100 characters), the
engine's text of the whole page is used if it has enough; only then is a page without an article.
On the 2,090 dev pages (WCXB + dragnet) trafilatura always found enough, so nothing changed there;
it recovers pages trafilatura skips whole (a short article in a container it takes for comments)
or where it keeps the menu only (tests/test_door.py).
"""

from __future__ import annotations

import re

from lxml import etree
from lxml import html as lxml_html

# Elements whose content is never page text. Not <button> or <form>: an unclosed one can hold
# the whole page. <textarea> holds form input (on news pages: "republish this story" HTML).
_SKIP = frozenset({
    "script", "style", "noscript", "template", "svg", "math", "head", "iframe", "canvas",
    "select", "datalist", "textarea",
})
# Elements that start and end a line.
_BLOCK = frozenset({
    "address", "article", "aside", "blockquote", "body", "br", "caption", "center", "dd",
    "details", "dialog", "div", "dl", "dt", "fieldset", "figcaption", "figure", "footer", "h1",
    "h2", "h3", "h4", "h5", "h6", "header", "hr", "html", "legend", "li", "main", "menu", "nav",
    "ol", "p", "pre", "section", "summary", "table", "tbody", "td", "tfoot", "th", "thead", "tr",
    "ul",
})
SKIP_TAGS = tuple(sorted(_SKIP))  # (also `select.page_words`: text that is no page text)
_BLOCK_TAGS = tuple(sorted(_BLOCK))

# Comments and processing instructions are dropped while parsing (their tails stay), as
# trafilatura's own parser does: the tree can be handed to trafilatura as it is.
_PARSER = lxml_html.HTMLParser(remove_comments=True, remove_pis=True, collect_ids=False)
_XML_DECL = re.compile(r"^\s*<\?xml[^>]*>")
# Characters libxml2 refuses in a str (trafilatura strips the same before parsing).
_INVALID_XML_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def parse(html: str, *, screened: bool = False) -> etree._Element | None:
    """lxml tree of the page (comments and processing instructions dropped), or None when there
    is nothing to parse. The page passes `screen.screen_html` first (a tag with thousands
    of attributes would hold libxml2 for seconds to hours), unless the caller did it
    (`screened`)."""
    from pipeline.html.screen import screen_html

    if not screened:
        html = screen_html(html).html
    try:
        return lxml_html.document_fromstring(html, parser=_PARSER)
    except ValueError:  # an XML encoding declaration, or characters lxml refuses in a str
        try:
            # Dropping characters can join two tags' worth of text into one: screened again.
            fixed = screen_html(_INVALID_XML_CHARS.sub("", _XML_DECL.sub("", html, count=1))).html
            return lxml_html.document_fromstring(fixed, parser=_PARSER)
        except (etree.ParserError, ValueError):
            return None
    except etree.ParserError:
        return None


def render_text(tree: etree._Element) -> str:
    """Text of the page with a line break around every block (whitespace not yet collapsed).

    Destructive: drops the skipped elements (their tails stay) and writes the breaks into the
    tree, so that one C-level serialisation does the walk (2-3x faster than walking in Python).
    Render a tree nothing else reads afterwards (trafilatura works on its own copy)."""
    etree.strip_tags(tree, etree.Comment, etree.ProcessingInstruction)  # their tails stay
    for el in list(tree.iter(SKIP_TAGS)):
        if el is not tree:
            el.drop_tree()  # keeps the tail
    for el in tree.iter(_BLOCK_TAGS):
        text = el.text
        try:
            el.text = "\n" + text if text else "\n"
        except ValueError:  # the parser let through a character lxml refuses to set
            el.text = "\n" + _INVALID_XML_CHARS.sub("", text)
        if el is not tree:
            tail = el.tail
            try:
                el.tail = "\n" + tail if tail else "\n"
            except ValueError:
                el.tail = "\n" + _INVALID_XML_CHARS.sub("", tail)
    if isinstance(tree.tag, str) and tree.tag.lower() in _SKIP:
        return ""
    return etree.tostring(tree, method="text", encoding=str, with_tail=False)


def text_lines(text: str) -> list[str]:
    """Lines of a rendering: whitespace collapsed, empty lines dropped."""
    out = []
    for line in text.split("\n"):
        line = " ".join(line.split())
        if line:
            out.append(line)
    return out


def render_lines(tree: etree._Element) -> list[str]:
    """Text of the page, one block a line (whitespace collapsed, empty lines dropped).
    Destructive, like `render_text`."""
    return text_lines(render_text(tree))


# Whether `extract_page` runs the recall fallback at all. Off (issue 17): measured on both dev sets
# with bench/eval_boilerplate.py (F1 of extract_html + engine, all / tune / held-out), it gains on
# the 2025 pages it was tuned on and loses far more on 2012 news and blogs, where the engine's text
# of the whole page is the article plus its comment thread, author box and related headlines:
#   WCXB (709 pages, fires on 19):     0.945 / 0.942 / 0.954 with it, 0.936 / 0.931 / 0.948 without
#   Dragnet (1,381 pages, fires on 78): 0.882 / 0.882 / 0.883 with it, 0.909 / 0.912 / 0.898 without
# (trafilatura alone: WCXB 0.932 / 0.928 / 0.942, Dragnet 0.906 / 0.910 / 0.894). No page-level
# feature tried (trafilatura's words, the engine's words and their ratio, the share of trafilatura's
# text inside the engine's) tells the 18 WCXB gains from the 74 Dragnet losses. The no-article
# fallback (`rescue_fallback`) stays: it only replaces text the clean step would reject.
RECALL_FALLBACK = False
# trafilatura's text is replaced when it holds fewer words than this share of what the engine keeps
# from the whole page. Tuned on the WCXB dev set (bench/eval_boilerplate.py, tune split; the
# held-out split agrees): 0.3-0.4 are equal within noise, 0.5 and up start replacing good output.
FALLBACK_RATIO = 0.4
# ...and only when the engine's text is long enough to be an article itself.
FALLBACK_MIN_WORDS = 50
# The engine keeps mostly lines of running text: it runs (~50 ms) only when the page's lines of
# at least this many words could outweigh trafilatura's text (dev set: 31 runs instead of 58,
# the same pages replaced).
LONG_LINE_WORDS = 10
# trafilatura's text this long is an article in itself, not a teaser: never replaced (dev set: the
# replaced pages held 40-600 words; above, the engine's longer text was the article plus its
# comment thread).
FALLBACK_MAX_WORDS = 1000


def n_words(text: str) -> int:
    """Whitespace-separated tokens (5x cheaper than counting \\w+ runs; the gate compares
    counts made the same way on both sides)."""
    return len(text.split())


# A paragraph of this many words that recurs verbatim in one page's text is kept once: a page
# that carries its article twice (a print or mobile copy), repeated pull quotes and sign-up boxes.
# Dev set: +0.0007 F1 (tune +0.0003, held-out +0.002); shorter repeats are mostly table cells and
# list items that recur legitimately.
REPEAT_MIN_WORDS = 12


def drop_repeats(text: str) -> str:
    """`text` (one paragraph a line) with later copies of long paragraphs dropped."""
    lines = text.split("\n")
    if len(set(map(str.strip, lines))) == len(lines):
        return text  # nothing repeats (most pages): no per-line work
    seen: set[str] = set()
    out = []
    for line in lines:
        key = line.strip()
        if key.count(" ") >= REPEAT_MIN_WORDS - 1 and len(key.split()) >= REPEAT_MIN_WORDS:
            if key in seen:
                continue
            seen.add(key)
        out.append(line)
    return "\n".join(out)


def engine_text(page: str, title: str | None = None) -> str:
    """What the boilerplate engine keeps of `page` cleaned as a text scrape, one line a block."""
    if not page.strip():
        return ""
    from pipeline.boilerplate.engine import clean_text

    # (No rescue: where trafilatura found too little, a page the rules empty is an index or
    # an error page more often than a poem, and this text may replace trafilatura's.)
    res = clean_text(page, kind="text", title=title, rescue=False)
    kept = res.documents["text"][0] or ""
    return "\n".join(line for line in kept.split("\n") if line.strip())


class Rendering:
    """The whole page rendered as text (`render_text`, destructive: nothing reads the tree
    afterwards), its lines, and what the engine keeps of them: each made once, when first asked
    for, and shared by the recall fallback and the no-article fallback."""

    def __init__(self, tree: etree._Element | None) -> None:
        self.tree = tree
        self._text: str | None = None
        self._lines: list[str] | None = None
        self._kept: dict[str | None, str] = {}

    @property
    def text(self) -> str:
        if self._text is None:
            self._text = render_text(self.tree) if self.tree is not None else ""
        return self._text

    @property
    def lines(self) -> list[str]:
        if self._lines is None:
            self._lines = text_lines(self.text)
        return self._lines

    def kept(self, title: str | None = None) -> str:
        """The engine's text of the page (one line a block)."""
        if title not in self._kept:
            self._kept[title] = engine_text("\n".join(self.lines), title)
        return self._kept[title]


def _rendering(tree: etree._Element | Rendering | None) -> Rendering:
    return tree if isinstance(tree, Rendering) else Rendering(tree)


def recall_fallback(tree: etree._Element | Rendering | None, text: str, title: str | None = None
                    ) -> str | None:
    """The engine's text of the whole page when it holds far more than trafilatura's `text`
    (trafilatura kept a teaser or one section of the article), else None.

    Renders `tree` destructively (see `render_text`) unless given its `Rendering`."""
    have = n_words(text)
    page = _rendering(tree)
    if page.tree is None or have >= FALLBACK_MAX_WORDS:
        return None
    # The engine keeps at most the whole page: skip it when even that cannot win.
    page_words = n_words(page.text)
    if page_words < FALLBACK_MIN_WORDS or have >= FALLBACK_RATIO * page_words:
        return None
    counts = [n_words(line) for line in page.lines]
    if have >= FALLBACK_RATIO * sum(n for n in counts if n >= LONG_LINE_WORDS):
        return None
    kept = page.kept(title)
    k = n_words(kept)
    if k >= FALLBACK_MIN_WORDS and have < FALLBACK_RATIO * k:
        return kept
    return None


def rescue_fallback(page: Rendering, text: str, title: str | None, min_words: int, min_chars: int
                    ) -> str | None:
    """When trafilatura's `text` is too little to be an article (under `min_words` words or
    `min_chars` characters: the page would be rejected), the engine's text of the whole page,
    if that is enough and more; else None. The page is then cleaned as a text scrape of it
    would be: what the pipeline does with every plain-text document.

    The recall fallback does not cover these pages: it wants 50 words from the engine, 10-word
    lines on the page, and 2.5x trafilatura's words."""
    if page.tree is None:
        return None
    kept = page.kept(title)
    k = n_words(kept)
    if k >= min_words and len(kept) >= min_chars and k > n_words(text):
        return kept
    return None
