"""Page metadata (title, date, URL, host, site name) from a parsed page, with trafilatura's rules.

trafilatura's `extract_metadata` also finds authors, categories, tags and a licence, which the
pipeline does not keep: on the synthetic HTML corpus those cost ~0.4 ms a page (categories and
tags alone ~0.3 ms: two XPath scans over every link; the author search deep-copies the page), a
seventh of a page's extraction. This runs the same trafilatura functions, in the same order, for
the fields we keep; `tests/test_html_metadata.py` checks it gives `extract_metadata`'s fields.

The extraction proper then runs with `with_metadata=False` and one `Extractor` built per
process (building one reads trafilatura's config file each time: ~0.1 ms a page).
"""

from __future__ import annotations

from contextlib import suppress
from copy import copy
from dataclasses import dataclass
from functools import cache
from typing import Any


@dataclass
class PageMetadata:
    title: str | None = None
    date: str | None = None
    url: str | None = None
    hostname: str | None = None
    sitename: str | None = None


@cache
def _template(options: tuple[tuple[str, Any], ...]) -> Any:
    """One trafilatura Extractor for these bare_extraction options (metadata off)."""
    from trafilatura.settings import Extractor

    o = dict(options)
    return Extractor(
        output_format="python", fast=o.get("fast", False),
        precision=o.get("favor_precision", False), recall=o.get("favor_recall", False),
        comments=o.get("include_comments", True), formatting=o.get("include_formatting"),
        links=o.get("include_links", False), images=o.get("include_images", False),
        tables=o.get("include_tables", True), dedup=o.get("deduplicate", False),
        lang=o.get("target_language"), with_metadata=False)


def extractor(options: dict[str, Any], url: str | None) -> Any:
    """An Extractor for one page: the per-process template with the page's URL."""
    ex = copy(_template(tuple(sorted(options.items()))))
    ex.url = url
    ex.source = url and url.encode("utf-8", "replace").decode("utf-8")
    return ex


def page_metadata(tree: Any, url: str | None, date_params: dict[str, Any]) -> PageMetadata:
    """trafilatura's `extract_metadata` for title, date, URL, host name and site name only.
    `date_params`: the Extractor's (htmldate options, built once)."""
    from courlan import extract_domain
    from htmldate import find_date
    from trafilatura.metadata import (
        META_URL,
        examine_meta,
        extract_meta_json,
        extract_sitename,
        extract_title,
        extract_url,
    )

    meta = examine_meta(tree)
    with suppress(Exception):  # trafilatura tolerates its JSON-LD parser's bugs too
        meta = extract_meta_json(tree, meta)
    if not meta.title:
        meta.title = extract_title(tree)
    if not meta.url:
        meta.url = extract_url(tree, url)
    if meta.url:
        meta.hostname = extract_domain(meta.url, fast=True)
    meta.date = find_date(tree, **{**date_params, "url": meta.url})
    if not meta.sitename:
        meta.sitename = extract_sitename(tree)
    if meta.sitename:
        meta.sitename = meta.sitename.lstrip("@")
        if meta.sitename and "." not in meta.sitename and not meta.sitename[0].isupper():
            meta.sitename = meta.sitename.title()
    elif meta.url:
        m = META_URL.match(meta.url)
        if m:
            meta.sitename = m[1]
    meta.clean_and_trim()  # length cap, entities, whitespace: as extract_metadata ends
    return PageMetadata(title=meta.title, date=meta.date, url=meta.url, hostname=meta.hostname,
                        sitename=meta.sitename)
