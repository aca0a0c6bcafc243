"""The rule catalogue: each category catches lines it has never seen, and leaves prose alone."""

from __future__ import annotations

import re

import polars as pl
import pytest
from samples import PROSE

from pipeline.boilerplate import CATEGORIES, RULES, Rule, clean_text, leftover_markers
from pipeline.boilerplate import rules as rules_mod


def article_with(line: str, where: int = 2) -> str:
    """Five prose paragraphs with `line` inserted at paragraph position `where`."""
    paras = PROSE[:where] + [line] + PROSE[where:]
    return "\n\n".join(paras)


# Lines not taken from any seed or dev page, one or more per category.
UNSEEN: dict[str, list[str]] = {
    "donation": ["Your contribution helps keep our newsroom independent.", "Donate now"],
    "related": ["Read more: Ferry fares to rise again next winter", "View all posts by Anna Berg"],
    "comments": ["Be the first to comment", "Your email address will not be published."],
    "share": ["Share this story", "Facebook Twitter LinkedIn Email"],
    "app": ["Download our free news app for iPhone and Android", "Get the app"],
    "newsletter": ["Sign up for our weekly harbour newsletter", "Delivered straight to your inbox."],
    "cookie": ["We use cookies to improve your experience on our site.", "Accept all"],
    "advertising": ["ADVERTISEMENT", "Story continues below advertisement", "Request a free demo",
                    "Shop now"],
    "paywall": ["Subscribe to continue reading this article.", "Already a subscriber? Log in"],
    "caption": ["The old quay at dawn ( Getty Images )", "Photo: Reuters / Anna Berg",
                "(L) The mayor; (R) the harbour master. Getty Images / AFP"],
    "navigation": ["Skip to main content", "Home > News > Harbour", "Back to top"],
    "metadata": ["By Anna Berg and Tom Lund", "5 min read"],
    "furniture": ["© 2031 Harbour Daily Media. All rights reserved.", "Privacy Policy",
                  "site logo"],
}


@pytest.mark.parametrize(
    ("category", "line"), [(c, x) for c, xs in UNSEEN.items() for x in xs]
)
def test_category_catches_unseen_line(category: str, line: str) -> None:
    res = clean_text(article_with(line))
    hit = res.removed.filter(pl.col("text") == line.strip())
    assert hit.height == 1, f"{line!r} was kept"
    assert hit["category"][0] == category
    kept = res.documents["text"][0].split("\n\n")
    assert kept == PROSE, "article prose must all stay"
    assert res.stats[f"removed.{category}"] >= 1


def test_every_category_has_a_rule() -> None:
    used = {r.category for r in RULES}
    assert set(CATEGORIES) - used <= {"off_article"}
    assert set(UNSEEN) | {"template"} <= used


@pytest.mark.parametrize("sentence", PROSE + [
    "He said the app would be ready next year, but declined to share the details.",
    "Readers who subscribe to the print edition will see no change, the publisher said.",
    "The photo, taken by a Reuters photographer in 2019, shows the quay before the storm.",
    "Comments from the minister were reported widely.",
])
def test_prose_mentioning_phrases_is_kept(sentence: str) -> None:
    res = clean_text(article_with(sentence))
    assert sentence in res.documents["text"][0].split("\n\n")


def test_patterns_are_sane() -> None:
    names = [r.name for r in RULES]
    assert len(names) == len(set(names)), "rule names must be unique"
    for r in RULES:
        if r.pattern is None:
            continue
        empty_hit = pl.Series([""]).str.contains(r.pattern)[0]
        assert not empty_hit, f"{r.name} matches the empty line"
        if not r.case:  # matched against the lowercased line: no capital literals allowed
            stripped = re.sub(r"\\[A-Za-z]|\(\?[A-Za-z-]+[:)]|\{[^}]*\}|\\p\{\w+\}", "", r.pattern)
            assert not re.search(r"[A-Z]", stripped), f"{r.name} has capitals"


def test_adding_a_rule_is_one_entry(monkeypatch: pytest.MonkeyPatch) -> None:
    line = "Harbour Daily is best read with a cup of tea."
    before = clean_text(article_with(line))
    assert line in before.documents["text"][0]
    new = Rule("tea_plug", "furniture", "line", r"best read with a cup of tea")
    monkeypatch.setattr(rules_mod, "RULES", [*rules_mod.RULES, new])
    after = clean_text(article_with(line))
    assert line not in after.documents["text"][0]
    row = after.removed.filter(pl.col("text") == line).row(0, named=True)
    assert (row["rule"], row["category"]) == ("tea_plug", "furniture")


def test_rule_validation() -> None:
    with pytest.raises(ValueError):
        Rule("x", "no_such_category", "line", "x")
    with pytest.raises(ValueError):
        Rule("x", "share", "line")


def test_leftover_markers() -> None:
    markers = leftover_markers()
    assert markers
    s = pl.Series(["Related Articles", "Leave a Reply", "Advertisement", *PROSE,
                   "Comments from the minister were reported widely."])
    hits = [s.str.contains(m) for m in markers]
    any_hit = pl.select(pl.any_horizontal(hits)).to_series().to_list()
    assert any_hit[:3] == [True, True, True]
    assert not any(any_hit[3:])
