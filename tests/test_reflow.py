"""Hard-wrapped text scrapes (lynx, w3m, html2text): paragraphs joined before the engine reads a
line (pipeline/boilerplate/reflow.py), and nothing else touched."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import polars as pl
import pytest
from samples import LIBRARY, PROSE

from pipeline.boilerplate import clean_documents, clean_text
from pipeline.boilerplate.engine import _explode, _prepare

NAV = ["Home", "News", "World", "Business", "Sport", "Contact us"]
COOKIE = ("We use cookies to improve your experience on our site and to show you relevant "
          "advertising. By continuing to browse you agree to our use of cookies.")


def _wrap(lines: list[str], width: int = 78) -> str:
    """Each line greedily wrapped at `width`, paragraphs apart by a blank line (html2text)."""
    return "\n\n".join("\n".join(textwrap.wrap(line, width, break_long_words=False))
                         for line in lines) + "\n"


def _lines(text: str, kind: str = "text") -> pl.DataFrame:
    docs = pl.DataFrame({"doc_id": ["a"], "text": [text], "kind": [kind]})
    return _explode(_prepare(docs)).select("line_no", "line")


def _words(text: str) -> list[str]:
    return text.split()


def test_wrapped_paragraphs_are_joined_and_numbered_by_their_first_line() -> None:
    text = _wrap([*NAV, *PROSE])
    lines = _lines(text)
    assert lines["line"].to_list() == [*NAV, *PROSE]
    starts = [i + 1 for i, line in enumerate(text.split("\n"))
              if line and (i == 0 or not text.split("\n")[i - 1])]
    assert lines["line_no"].to_list() == starts


def test_the_engine_keeps_the_same_article_from_a_wrapped_scrape() -> None:
    page = [*NAV, COOKIE, *PROSE, "Share this article"]
    flat = clean_text("\n".join(page) + "\n")
    wrapped = clean_text(_wrap(page))
    assert _words(wrapped.documents["text"][0]) == _words(flat.documents["text"][0])
    assert _words(wrapped.documents["text"][0]) == _words(" ".join(PROSE))
    # The removed cookie notice is audited once, joined, at the line it starts on.
    cookie = wrapped.removed.filter(pl.col("text").str.starts_with("We use cookies"))
    assert cookie["text"].to_list() == [COOKIE]
    first = 1 + _wrap(page).split("\n").index(textwrap.wrap(COOKIE, 78)[0])
    assert cookie["line_no"].to_list() == [first]


def test_a_word_hyphenated_at_the_break_joins_without_a_space() -> None:
    wrapped = [
        "The report on the regional rail network was published on Monday by the long-",
        "awaited commission, and it recommends that the operator replace its ageing",
        "fleet within ten years.",
    ]
    text = "\n\n".join(["\n".join(wrapped)] * 6) + "\n"
    joined = ("The report on the regional rail network was published on Monday by the "
              "long-awaited commission, and it recommends that the operator replace its ageing "
              "fleet within ten years.")
    assert _lines(text)["line"].to_list() == [joined] * 6


@pytest.mark.parametrize("page", [
    # a menu and a list of headlines: short lines, none continuing the one above
    [*NAV, *[f"Headline number {i}: the council approves a budget for {i} schools"
             for i in range(12)], "Copyright 2026 The Example Times"],
    # an ordinary scrape: a paragraph a line
    [*NAV, *PROSE, *LIBRARY],
])
def test_pages_that_are_not_wrapped_pass_through_unchanged(page: list[str]) -> None:
    text = "\n".join(page) + "\n"
    lines = _lines(text)
    assert lines["line"].to_list() == page
    assert lines["line_no"].to_list() == list(range(1, len(page) + 1))


def test_html_documents_are_never_reflowed() -> None:
    text = _wrap([*PROSE, *LIBRARY])
    assert _lines(text, kind="html").height == len(text.strip().replace("\n\n", "\n").split("\n"))


def test_a_batch_reflows_only_its_wrapped_documents() -> None:
    """Two wrapped documents side by side (no line joins across them) and a flat one."""
    docs = pl.DataFrame({"doc_id": ["w1", "flat", "w2", "w3"],
                         "text": [_wrap(PROSE), "\n".join(LIBRARY), _wrap(LIBRARY),
                                  _wrap(PROSE)]})
    lines = _explode(_prepare(docs))
    got = {docs["doc_id"][d]: g["line"].to_list()
           for (d,), g in lines.group_by("d", maintain_order=True)}
    assert got == {"w1": PROSE, "flat": LIBRARY, "w2": LIBRARY, "w3": PROSE}
    flat = lines.filter(pl.col("d") == 1)["line_no"].to_list()
    assert flat == list(range(1, len(LIBRARY) + 1))
    res = clean_documents(docs)
    assert [_words(t) for t in res.documents["text"]] == [
        _words(" ".join(PROSE)), _words(" ".join(LIBRARY)), _words(" ".join(LIBRARY)),
        _words(" ".join(PROSE))]


def test_crlf_and_trailing_spaces_do_not_reach_the_joined_line() -> None:
    wrapped = _wrap(PROSE).replace("\n", "  \r\n")
    assert _lines(wrapped)["line"].to_list() == PROSE


def test_a_url_longer_than_the_width_does_not_hide_the_wrapping() -> None:
    url = "https://www.example.com/" + "a" * 90
    text = _wrap([*PROSE[:3], url, *PROSE[3:]])
    assert _lines(text)["line"].to_list() == [*PROSE[:3], url, *PROSE[3:]]


def test_real_pages_wrapped_at_78_get_their_lines_back(devdata_root: Path) -> None:
    """The WCXB dev set's whole-page scrapes, each line wrapped at 78 columns as html2text does:
    most of the original long lines come back whole (87 %: the dev scrapes put no blank line
    between paragraphs, so a paragraph whose last line is nearly full runs into the next), and
    of the pages as scraped (a paragraph a line) at most two change (one, urgefitness.com, is
    itself hard-wrapped)."""
    cases = [json.loads(line) for line in (devdata_root / "cases.jsonl").open()]
    texts = [(devdata_root / "text" / f"{c['id']}.txt").read_text(errors="replace")
             for c in cases]
    as_is = pl.DataFrame({"doc_id": [c["id"] for c in cases], "text": texts})
    wrapped = as_is.with_columns(pl.Series("text", [
        "\n".join(p for line in t.split("\n") for p in (textwrap.wrap(line, 78) or [""]))
        for t in texts]))
    original = _explode(_prepare(as_is)).select("d", "line_no", "line")
    got = _explode(_prepare(wrapped))
    # every original line that was wrapped at all: found again as one line of its page
    # (whitespace runs made one space: textwrap turns a tab into spaces)
    one_space = pl.col("line").str.replace_all(r"\s+", " ")
    long = original.filter(pl.col("line").str.len_chars() > 78).with_columns(one_space)
    back = long.join(got.select("d", one_space), on=["d", "line"], how="semi")
    assert back.height >= 0.85 * long.height, (back.height, long.height)
    non_blank = [sum(1 for line in t.split("\n") if line.strip()) for t in texts]
    counts = original.group_by("d").len().sort("d")
    changed = [cases[d]["id"] for d, n in counts.iter_rows() if n != non_blank[d]]
    assert len(changed) <= 2, changed
