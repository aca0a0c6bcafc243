"""The real-page corpora's construction (bench/_devdata.fill): another article in a page."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))
from _devdata import CLUTTER_MAX_LINES, fill  # noqa: E402

LONG = "word " * 14  # a paragraph-length line (PARA_MIN_WORDS+ words)


def _page() -> dict:
    lines = ["Menu", "Headline of the page", "By Jo Smith",
             f"first {LONG}", "Photo: the harbour", f"second {LONG}", "Advertisement",
             f"third {LONG}", "Share this", f"an unquoted paragraph {LONG}", f"fourth {LONG}",
             "Footer"]
    # gold: the headline and the four paragraphs (the page's own text between them differs)
    return {"lines": lines, "slots": [1, 3, 5, 7, 10], "paras": [3, 5, 7, 10], "a": 1, "b": 10}


def test_paragraphs_take_the_article_paragraphs_places_with_their_clutter() -> None:
    out = fill(_page(), ["X1", "X2", "X3", "X4"]).splitlines()
    # (the byline above the first paragraph is the original article's: it goes with it)
    assert out == ["Menu", "X1", "Photo: the harbour", "X2", "Advertisement", "X3",
                   "Share this", "X4", "Footer"]


def test_a_shorter_article_brings_only_its_share_of_the_clutter() -> None:
    out = fill(_page(), ["X1", "X2"]).splitlines()
    # X1 where the first paragraph was, X2 where the third was: the clutter after the second
    # (replaced by nothing) goes, the headline (a short gold line) too
    assert out == ["Menu", "X1", "Photo: the harbour", "X2", "Share this", "Footer"]


def test_a_longer_article_stacks_its_paragraphs() -> None:
    out = fill(_page(), [f"X{i}" for i in range(8)]).splitlines()
    assert out[1:3] == ["X0", "X1"] and out[-3:] == ["X6", "X7", "Footer"]
    assert sum(line.startswith("X") for line in out) == 8


@pytest.mark.parametrize("n", [1, 3, 15])
def test_every_paragraph_is_placed_once_in_order(n: int) -> None:
    body = [f"X{i}" for i in range(n)]
    out = fill(_page(), body).splitlines()
    assert [line for line in out if line.startswith("X")] == body


def test_a_paragraph_brings_its_clutter_up_to_the_cap() -> None:
    """A paragraph brings the short lines under it up to the article's next paragraph (past a
    heading of the original article's, which goes), CLUTTER_MAX_LINES at most: a long run of
    the original article's short lines (a table's rows) would be the same in every document
    of the template."""
    rows = [f"row {k}" for k in range(CLUTTER_MAX_LINES + 5)]
    lines = ["Menu", f"first {LONG}", "Photo: the harbour", "A subheading", "Sponsored",
             f"second {LONG}", *rows, "Last gold line", "Footer"]
    page = {"lines": lines, "slots": [1, 3, 5, 5 + len(rows) + 1], "paras": [1, 5],
            "a": 1, "b": 5 + len(rows) + 1}
    out = fill(page, ["X1", "X2"]).splitlines()
    assert out == ["Menu", "X1", "Photo: the harbour", "Sponsored", "X2",
                   *rows[:CLUTTER_MAX_LINES], "Footer"]
    # a paragraph left without one of `body` brings none
    assert fill(page, ["X1"]).splitlines() == ["Menu", "X1", "Photo: the harbour", "Sponsored",
                                               "Footer"]
