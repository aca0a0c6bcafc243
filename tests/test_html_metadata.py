"""html_metadata: the fields we keep, exactly as trafilatura's extract_metadata finds them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import trafilatura
from trafilatura.settings import set_date_params

from pipeline.html.extract import TRAFILATURA_OPTIONS, extract_html
from pipeline.html.metadata import extractor, page_metadata
from pipeline.html.render import parse

BODY = "<article><h1>Council approves budget</h1>" + "".join(
    f"<p>Paragraph {i} of the story says what the council decided and why it matters to the "
    f"residents of the town, in plain words and at some length.</p>" for i in range(6)) + "</article>"
PAGES = {
    "bare": f"<html><body>{BODY}</body></html>",
    "title_with_site": "<html><head><title>Council approves budget | Example News</title></head>"
                       f"<body>{BODY}</body></html>",
    "title_with_domain": "<html><head><title>Council approves budget - example.com</title></head>"
                         f"<body>{BODY}</body></html>",
    "opengraph": "<html><head><meta property='og:title' content='OG title &amp; more'>"
                 "<meta property='og:site_name' content='@examplenews'>"
                 "<meta property='og:url' content='https://www.example.com/news/a'>"
                 "<meta property='article:published_time' content='2024-03-05T10:00:00Z'>"
                 f"</head><body>{BODY}</body></html>",
    "json_ld": "<html><head><script type='application/ld+json'>{\"@type\": \"NewsArticle\", "
               "\"headline\": \"LD headline\", \"datePublished\": \"2023-11-02\", "
               "\"publisher\": {\"@type\": \"Organization\", \"name\": \"LD News\"}}</script>"
               f"</head><body>{BODY}</body></html>",
    "broken_json_ld": "<html><head><script type='application/ld+json'>{\"headline\": \"x\", "
                      f"</script></head><body>{BODY}</body></html>",
    "canonical": "<html><head><link rel='canonical' href='https://news.example.org/2022/01/09/x'>"
                 f"<meta name='date' content='2022-01-09'></head><body>{BODY}</body></html>",
    "lowercase_site": "<html><head><meta name='application-name' content='daily post'></head>"
                      f"<body>{BODY}</body></html>",
}
FIELDS = ("title", "date", "url", "hostname", "sitename")


def _theirs(html: str, url: str | None) -> tuple:
    doc = trafilatura.extract_metadata(parse(html), url, set_date_params(True))
    return tuple(getattr(doc, f) for f in FIELDS)


def _ours(html: str, url: str | None) -> tuple:
    meta = page_metadata(parse(html), url, set_date_params(True))
    return tuple(getattr(meta, f) for f in FIELDS)


@pytest.mark.parametrize("name", sorted(PAGES))
@pytest.mark.parametrize("url", [None, "https://example.com/2024/05/06/council-budget"])
def test_same_fields_as_extract_metadata(name: str, url: str | None) -> None:
    assert _ours(PAGES[name], url) == _theirs(PAGES[name], url)


def test_some_pages_do_carry_metadata() -> None:
    """The comparison above is not between two empty results."""
    got = _ours(PAGES["opengraph"], None)
    assert got[0] == "OG title & more" and got[1] == "2024-03-05"
    assert got[4] == "examplenews".title()
    assert _ours(PAGES["json_ld"], None)[1] == "2023-11-02"
    assert _ours(PAGES["canonical"], None)[2:] == ("https://news.example.org/2022/01/09/x",
                                                   "example.org", "news.example.org")
    assert _ours(PAGES["lowercase_site"], None)[4] == "Daily Post"


def test_extract_html_matches_trafilatura_with_metadata() -> None:
    """Text and metadata as from bare_extraction(with_metadata=True) on the string."""
    for name, html in PAGES.items():
        ref = trafilatura.bare_extraction(html, **TRAFILATURA_OPTIONS)
        got = extract_html(html)
        assert got is not None and ref is not None, name
        assert got.text == ref.text.strip(), name
        assert (got.title, got.published, got.site) == (ref.title, ref.date, ref.sitename), name


def test_extractor_is_shared_but_per_page_url() -> None:
    a = extractor(TRAFILATURA_OPTIONS, "https://a.example/x")
    b = extractor(TRAFILATURA_OPTIONS, None)
    assert a.url == "https://a.example/x" and b.url is None and a is not b
    assert a.config is b.config and not a.with_metadata


def test_dev_set_pages_match_extract_metadata(devdata_root: Path) -> None:
    """Real pages (WCXB dev set, first 150): every field as trafilatura finds it."""
    root = devdata_root
    cases = [json.loads(line) for line in (root / "cases.jsonl").open()][:150]
    differ = []
    for c in cases:
        html = (root / "html" / f"{c['id']}.html").read_bytes().decode("utf-8", "replace")
        if parse(html) is None:
            continue
        if _ours(html, c.get("url")) != _theirs(html, c.get("url")):
            differ.append(c["id"])
    assert not differ
