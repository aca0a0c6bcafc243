"""Per-document extraction: HTML through trafilatura, plus language identification.

trafilatura is the one place the pipeline loops in Python per document (the library demands it),
so the work is done in worker processes (`pipeline.parallel`) with a per-document time limit.
"""

from __future__ import annotations

import signal
import threading
import time
from dataclasses import dataclass
from typing import Any

from pipeline.html.screen import screen_html

# Options passed to trafilatura for every page. Comments off (comment widgets are boilerplate),
# no network: we only hand it the page (parsed once by extract_html), never a URL to fetch.
TRAFILATURA_OPTIONS: dict[str, Any] = {
    "include_comments": False,
    "include_tables": True,
    "include_images": False,
    "include_links": False,
    "with_metadata": True,
    "favor_precision": False,
    # favor_recall measured on the WCXB dev set (bench/eval_boilerplate.py): F1 0.932 -> 0.934.
    "favor_recall": True,
    "deduplicate": False,
}
# trafilatura's default ("balanced") mode, run as a second opinion on pages where recall mode kept
# a small share of the page (`pipeline.html.select`).
BALANCED_OPTIONS: dict[str, Any] = TRAFILATURA_OPTIONS | {"favor_recall": False}


class ExtractionTimeout(BaseException):
    """Raised inside a worker when one document exceeds its time limit.

    A BaseException, not an Exception: trafilatura and htmldate wrap many steps in
    `except Exception` and would swallow the alarm, and the page would run unlimited."""


def hostile_html(html: str) -> str | None:
    """What the pre-parse screen changes in `html` (`pipeline.html.screen`: a tag of more than
    MAX_TAG_ATTRIBUTES attributes is cut to its first ones), or None. Pages are no longer refused
    for it: the screened page is parsed."""
    return screen_html(html).note


@dataclass(frozen=True)
class ExtractedHtml:
    """What trafilatura gives for one page: body text (one paragraph a line) and metadata."""

    text: str
    title: str | None
    published: str | None  # ISO date string, parsed to a date later in a vectorised step
    site: str | None
    url: str | None
    hostname: str | None
    language: str | None
    # Where `text` comes from: "trafilatura" (its body), "trafilatura_recall" (trafilatura kept a
    # teaser or one section: the boilerplate engine's text of the whole rendered page replaced
    # it, html_fallback.recall_fallback), "rendered_text" (trafilatura found no article, or too
    # little: the engine's text of the whole rendered page, html_fallback.rescue_fallback).
    # The extract step may still make it "trafilatura_balanced" (`select.choose`).
    extractor: str = "trafilatura"
    # A page where recall mode kept a fragment and trafilatura's default mode far more
    # (`select.py`): the default mode's text and the page's rendered lines, for the extract step's
    # referee (`select.choose`). None on every other page.
    alt_text: str | None = None
    page_text: str | None = None


@dataclass(frozen=True)
class NoArticle:
    """Why a page gave no text: what was found, for the reject's detail."""

    detail: str


def _on_alarm(signum: int, frame: object) -> None:
    raise ExtractionTimeout


def with_time_limit(seconds: float, fn, *args, **kwargs):
    """Run `fn` with a wall-clock limit using SIGALRM. Worker processes run it in their main
    thread; elsewhere (a thread of a host process) signals are unavailable and it runs unlimited."""
    if seconds <= 0 or threading.current_thread() is not threading.main_thread():
        return fn(*args, **kwargs)
    previous = signal.signal(signal.SIGALRM, _on_alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        return fn(*args, **kwargs)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def extract_html(html: str, url: str | None = None) -> ExtractedHtml | None:
    """Main text and metadata of one page, or None when no article body is found (see
    `extract_page`)."""
    got = extract_page(html, url)
    return got if isinstance(got, ExtractedHtml) else None


def trafilatura_tree(html: str) -> Any:
    """The tree trafilatura's own loader (`trafilatura.utils.load_html`) makes of `html`, or None
    where it judges the page no HTML (a bare fragment). Its repairs of the string (control
    characters, a doctype, `<html/>`) are made first and the screen after them, so the page
    libxml2 reads is the screened one: screening first would let the repairs change what the
    screen read (dropping a "/" turns "--/>" into a comment's end)."""
    from lxml.html import fromstring
    from trafilatura.utils import HTML_PARSER, fromstring_bytes, is_dubious_html, repair_faulty_html

    beginning = html[:50].lower()
    page = screen_html(repair_faulty_html(html, beginning)).html
    tree, bytes_tried = None, False
    try:
        tree = fromstring(page, parser=HTML_PARSER)
    except ValueError:  # "Unicode strings with encoding declaration are not supported."
        tree, bytes_tried = fromstring_bytes(page), True
    except Exception:  # noqa: BLE001 - trafilatura logs and goes on with no tree
        tree = None
    if (tree is None or len(tree) < 1) and not bytes_tried:
        tree = fromstring_bytes(page)
    if tree is not None and is_dubious_html(beginning) and len(tree) < 2:
        return None
    return tree


def _minimum() -> tuple[int, int]:
    """Words and characters an article needs to pass the clean step (its default bounds)."""
    from pipeline.validation.settings import DEFAULT_SETTINGS

    return DEFAULT_SETTINGS.min_words, DEFAULT_SETTINGS.min_text_chars


def extract_page(html: str, url: str | None = None, budget_s: float | None = None
                 ) -> ExtractedHtml | NoArticle:
    """Main text and metadata of one page, or why there is none.

    The page is screened (`screen`), then parsed once (lxml): its metadata is read from that
    tree (`metadata`: the fields we keep, by trafilatura's rules) and trafilatura picks the
    body from it (on its own copy). Two fallbacks use the whole page rendered as text and cleaned
    by the boilerplate engine (`render`), with the same metadata:
    - trafilatura kept far less than the engine (a teaser, one section): the engine's text
      replaces it (`recall_fallback`, extractor "trafilatura_recall"); off by default
      (`render.RECALL_FALLBACK`, issue 17: it lost on 2012 news and blogs);
    - trafilatura found no article, or too little to pass the clean step (20 words, 100
      characters by default): the engine's text is used when it has enough
      (`rescue_fallback`, extractor "rendered_text"). Only when it has not either is the page
      without an article.
    Where recall mode kept a small share of the page, trafilatura's default mode runs too, and a
    far longer text of it goes with the rendered page to the referee (`select.py`), unless the
    first extraction used a third of `budget_s` (the page's time limit: a slow page that
    finishes in recall mode is not lost to the second run). A page without "html" in its first
    50 characters (read by trafilatura's own loader, below) gets no second look."""
    import trafilatura

    from pipeline.html import render, select
    from pipeline.html.metadata import extractor, page_metadata
    from pipeline.html.render import (
        Rendering,
        drop_repeats,
        n_words,
        parse,
        recall_fallback,
        rescue_fallback,
    )

    started = time.monotonic()  # (after the imports: a worker's first page pays for them)
    tree = parse(screen_html(html).html, screened=True)
    traf_tree = None
    alt_text = None
    if tree is not None and "html" in html[:50].lower():
        options = extractor(TRAFILATURA_OPTIONS, url)
        meta = page_metadata(tree, url, options.date_params)
        options.url = url or meta.url  # what trafilatura hands its extractors with metadata on
        doc = trafilatura.bare_extraction(tree, options=options)
        got = (doc.text or "").strip() if doc is not None else ""
        in_time = budget_s is None or time.monotonic() - started < budget_s / 3
        if got and in_time and select.needs_second_look(got, tree):  # (before the rendering)
            balanced = extractor(BALANCED_OPTIONS, url)
            balanced.url = options.url
            second = trafilatura.bare_extraction(tree, options=balanced)
            alt = drop_repeats((second.text or "").strip()) if second is not None else ""
            alt_text = alt if select.is_candidate(got, alt) else None
    else:
        # No <html> up front: trafilatura's own loader judges whether this is HTML at all (it
        # rejects bare fragments), so its tree is made as it would make it.
        traf_tree = trafilatura_tree(html)
        doc = trafilatura.bare_extraction(traf_tree, url=url, **TRAFILATURA_OPTIONS) \
            if traf_tree is not None else None
        meta = doc
    text = (doc.text or "").strip() if doc is not None else ""
    title = _clean(meta.title) if meta is not None else None
    page = Rendering(tree)
    source = "trafilatura"
    fallback = recall_fallback(page, text, title) if render.RECALL_FALLBACK else None
    if fallback:
        text, source = fallback, "trafilatura_recall"
    text = drop_repeats(text)
    min_words, min_chars = _minimum()
    if n_words(text) < min_words or len(text) < min_chars:
        rescue = rescue_fallback(page, text, title, min_words, min_chars)
        if rescue:
            text, source = drop_repeats(rescue), "rendered_text"
    if not text:
        return NoArticle(_no_article(tree, page, title, min_words, min_chars))
    page_text = "\n".join(page.lines) if alt_text is not None and source == "trafilatura" \
        else None
    alt_text = alt_text if page_text is not None else None
    if source != "trafilatura" and meta is None and traf_tree is not None:
        # no body found, so no metadata came with it; bare_extraction worked on a copy
        meta = trafilatura.extract_metadata(traf_tree, default_url=url)
    if meta is None:
        return ExtractedHtml(text=text, title=None, published=None, site=None, url=url,
                             hostname=None, language=None, extractor=source,
                             alt_text=alt_text, page_text=page_text)
    return ExtractedHtml(
        text=text,
        title=_clean(meta.title),
        published=_clean(meta.date),
        site=_clean(meta.sitename),
        url=_clean(meta.url) or url,
        hostname=_clean(meta.hostname),
        language=None,  # trafilatura sets it only when asked to filter by language
        extractor=source,
        alt_text=alt_text,
        page_text=page_text,
    )


def _no_article(tree: Any, page: Any, title: str | None, min_words: int, min_chars: int) -> str:
    """The reject's detail for a page with no article: what was there, and what to do."""
    from pipeline.html.render import n_words

    if tree is None:
        return ("nothing to parse: the page is empty or not HTML; if the file is plain text, give "
                "it a .txt name so it is cleaned as text")
    words = n_words(page.text)
    if words == 0:
        return ("the page holds no text, only markup: if it is built by JavaScript in the "
                "browser, scrape the rendered page (or its text) instead of the HTML source")
    kept = n_words(page.kept(title))
    found = "all boilerplate" if kept == 0 else \
        f"{kept} kept by the text engine, short of an article ({min_words} words, {min_chars} characters)"
    return (f"no article found by trafilatura or the text engine: {words} words of page text, "
            f"{found}; if the page does hold an article, check that the scrape caught it (a "
            "consent wall, a paywall, or a page built by JavaScript leave only boilerplate)")


def _clean(value: object) -> str | None:
    if value is None:
        return None
    s = str(value).strip()
    return s or None


def extract_task(task: tuple[str, str, str | None, float]) -> dict[str, Any]:
    """Worker entry point: (doc_id, html, url, timeout) -> a row of extracted fields (with
    `extractor`, where the text comes from), or a reject reason. Never raises, so one bad page
    cannot stop a batch. Reasons: no_article, extract_timeout, extract_error."""
    doc_id, html, url, timeout = task
    try:
        got = with_time_limit(timeout, extract_page, html, url, timeout)
    except ExtractionTimeout:
        return {"doc_id": doc_id, "error": "extract_timeout",
                "detail": f"extracting the page ({len(html):,} characters) took longer than "
                          f"{timeout:g} s (extract_timeout_s): raise extract_timeout_s to give such "
                          "pages more time; a page this slow is often generated junk"}
    except RecursionError:
        return {"doc_id": doc_id, "error": "extract_error",
                "detail": "elements nested too deeply for the extractor (Python's recursion "
                          "limit): the page is malformed or hostile; nothing to do unless it "
                          "holds an article, then save its text as .txt"}
    except Exception as e:  # noqa: BLE001 - any library failure is a reject, with its message
        return {"doc_id": doc_id, "error": "extract_error",
                "detail": (f"the extractor failed on this page: {type(e).__name__}: {e}"[:240]
                           + " (a bug: report it with the page)")}
    if isinstance(got, NoArticle):
        return {"doc_id": doc_id, "error": "no_article", "detail": got.detail}
    return {"doc_id": doc_id, "error": None, "detail": None, **got.__dict__}
