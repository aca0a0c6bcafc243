"""Per-document extraction: HTML through trafilatura, plus language identification.

trafilatura is the one place the pipeline loops in Python per document (the library demands it),
so the work is done in worker processes (`pipeline.parallel`) with a per-document time limit.
"""

from __future__ import annotations

import signal
import threading
from dataclasses import dataclass
from typing import Any

# Options passed to trafilatura for every page. Comments off (comment widgets are boilerplate),
# no network: we only hand it a string, and never a URL to fetch.
TRAFILATURA_OPTIONS: dict[str, Any] = {
    "include_comments": False,
    "include_tables": True,
    "include_images": False,
    "include_links": False,
    "with_metadata": True,
    "favor_precision": False,
    "favor_recall": False,
    "deduplicate": False,
}


class ExtractionTimeout(Exception):
    """Raised inside a worker when one document exceeds its time limit."""


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
    """Main text and metadata of one page, or None when trafilatura finds no article body."""
    import trafilatura

    doc = trafilatura.bare_extraction(html, url=url, **TRAFILATURA_OPTIONS)
    if doc is None:
        return None
    text = (doc.text or "").strip()
    if not text:
        return None
    return ExtractedHtml(
        text=text,
        title=_clean(doc.title),
        published=_clean(doc.date),
        site=_clean(doc.sitename),
        url=_clean(doc.url) or url,
        hostname=_clean(doc.hostname),
        language=_clean(doc.language),
    )


def _clean(value: object) -> str | None:
    if value is None:
        return None
    s = str(value).strip()
    return s or None


def detect_language(text: str) -> str | None:
    """ISO 639-1 code of `text` (py3langid's bundled model: offline, ~0.1 ms a document)."""
    sample = text[:2000].strip()
    if not sample:
        return None
    import py3langid

    lang, _score = py3langid.classify(sample)
    return lang


def extract_task(task: tuple[str, str, str | None, float]) -> dict[str, Any]:
    """Worker entry point: (doc_id, html, url, timeout) -> a row of extracted fields, or a reject
    reason. Never raises, so one bad page cannot stop a batch."""
    doc_id, html, url, timeout = task
    try:
        got = with_time_limit(timeout, extract_html, html, url)
    except ExtractionTimeout:
        return {"doc_id": doc_id, "error": "extract_timeout",
                "detail": f"trafilatura took longer than {timeout:g} s"}
    except RecursionError:
        return {"doc_id": doc_id, "error": "extract_error", "detail": "document nested too deeply"}
    except Exception as e:  # noqa: BLE001 - any library failure is a reject, with its message
        return {"doc_id": doc_id, "error": "extract_error", "detail": f"{type(e).__name__}: {e}"[:300]}
    if got is None:
        return {"doc_id": doc_id, "error": "no_article", "detail": "no article body found in the page"}
    return {"doc_id": doc_id, "error": None, "detail": None, **got.__dict__}
