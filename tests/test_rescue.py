"""The short-page rescue (`pipeline/boilerplate/rescue.py`): a page whose article is made of
short lines gets them back instead of being rejected as too short; nothing else changes."""

from __future__ import annotations

import polars as pl

from pipeline.boilerplate.engine import clean_text
from pipeline.boilerplate.params import PARAMS
from pipeline.validation.settings import DEFAULT_SETTINGS

VERSES = [
    "The gulls come home across the bay,",
    "The fishing boats are tied,",
    "The lamps are lit along the quay,",
    "And slowly turns the tide.",
    "The nets are drying on the stones,",
    "The children run to bed,",
    "The old men smoke and count their bones,",
    "And nod and shake the head.",
    "A bell is ringing out at sea,",
    "The wind is coming round,",
    "And all the harbour waits for me",
    "Without a single sound.",
]
POEM_PAGE = "\n".join([
    "Evening on the Harbour - The Verse Blog", "The Verse Blog", "Home", "About", "Archives",
    "Evening on the Harbour", "Posted by Mary Lane", *VERSES,
    "Posted October 27, 2012 @ 3:28 PM by Mary Lane", "TOPICS: poems, harbour",
    "Recent Posts", "Morning in the Valley", "A Song for the Road", "Contact us",
])

GALLERY_PAGE = "\n".join([
    "Fans show their team pride on Halloween - Football Blog", "Home",
    "Fans show their team pride on Halloween", "By Staff |",
    "Fans went out on Halloween showing off their best impressions of the players.",
    *[f"(@fan{i}/Twitter)" for i in range(8)],
    "Share this:", "Facebook", "Twitter", "Email",
    "Rich Eisen Blog", "Fantasy", "November 2012", "October 2012", "September 2012",
    "Cancel", "Post was not sent - check your email addresses!",
    "Email check failed, please try again", "Sorry, your blog cannot share posts by email.",
])


def test_rescue_bound_is_the_publishing_bound():
    assert PARAMS.rescue_min_words == DEFAULT_SETTINGS.min_words


def test_a_poem_is_kept_whole_and_the_page_around_it_still_goes():
    r = clean_text(POEM_PAGE)
    kept = r.documents["text"][0].split("\n\n")
    assert kept == VERSES
    rules = dict(zip(r.removed["text"], r.removed["rule"], strict=True))
    assert rules["Posted by Mary Lane"] == "byline"
    assert rules["TOPICS: poems, harbour"] == "tag_list"
    assert "Morning in the Valley" in rules


def test_a_gallery_is_not_given_a_run_away_from_its_sentence():
    r = clean_text(GALLERY_PAGE)
    text = r.documents["text"][0]
    assert "Post was not sent" not in text and "Email check failed" not in text
    assert r.documents["n_words"][0] < DEFAULT_SETTINGS.min_words


def test_a_page_with_enough_article_is_untouched():
    prose = ("The council voted on Tuesday to close the old harbour road for repairs, a decision "
             "that residents had asked for since the storms of last winter damaged its wall.")
    page = "\n".join(["Harbour road to close - Town News", "Home", "Harbour road to close",
                      prose, prose.replace("Tuesday", "Monday"), "Recent Posts",
                      "Morning in the Valley", "A Song for the Road"])
    r = clean_text(page)
    assert r.documents["text"][0].split("\n\n") == [prose, prose.replace("Tuesday", "Monday")]
    assert {"Morning in the Valley", "A Song for the Road"} <= set(r.removed["text"])


def test_a_gallerys_only_caption_is_its_story():
    """trafilatura's whole text of a photo page is one caption with its credit: the caption
    rule would empty the page; it is the page's story."""
    caption = ("A boy poses with a painting at the art exhibition in the city centre. In one of "
               "the few exhibitions where photography and touch are encouraged, visitors sit on "
               "the paintings and even stick their heads into them. (Photo Press/Getty Images)")
    r = clean_text(caption, kind="html")
    assert r.documents["text"][0] == caption and r.removed.is_empty()
    # beside a story of its own, the same caption still goes as a caption
    prose = ("The council voted on Tuesday to close the old harbour road for repairs, a decision "
             "that residents had asked for since the storms of last winter damaged its wall.")
    r = clean_text("\n".join([prose, caption]), kind="html")
    assert r.documents["text"][0] == prose
    assert r.removed["category"].to_list() == ["caption"]


def _batch(*texts: str, kind: str = "text"):
    from pipeline.boilerplate.engine import clean_documents

    return clean_documents(pl.DataFrame({"doc_id": [f"d{i}" for i in range(len(texts))],
                                         "text": list(texts), "kind": [kind] * len(texts)}))


def test_a_rescrape_in_the_batch_does_not_take_the_poem_away():
    """A re-scrape of the page (its footer differs) carries the verses too: a copy, not a
    template; both keep the poem. Three posts of one blog whose only other lines are its
    archive list keep no archive (`test_boilerplate_engine`)."""
    rescrape = POEM_PAGE.replace("Contact us", "Contact us today")
    res = _batch(POEM_PAGE, rescrape)
    assert [t.split("\n\n") for t in res.documents["text"]] == [VERSES, VERSES]
    alone = clean_text(POEM_PAGE).stats["lines_rescued"]
    assert alone > len(VERSES) // 2 and res.stats["lines_rescued"] == 2 * alone


def test_a_page_of_teasers_is_not_given_them_back():
    page = "\n".join(["Latest from the harbour - Town News", "Latest from the harbour",
                      "The council met again on Tuesday night about the road.",
                      *[f"Harbour road {w} closes for the winter repairs …"
                        for w in ("north", "south", "east", "west")],
                      "Copyright 2031 Town News"])
    r = clean_text(page)
    assert r.documents["n_words"][0] < DEFAULT_SETTINGS.min_words
    assert r.stats["lines_rescued"] == 0


def test_a_caption_inside_a_comment_thread_is_the_threads():
    comment = ("I was there on the day and it really was as crowded as the picture shows, the "
               "whole square full of people waiting for the parade. (Photo Press/Getty Images)")
    page = "\n".join(["Watch the video below.", "3 Comments",
                      "Jo Smith — June 24th, 2012, 9:00 am", comment,
                      "Al Brown — June 24th, 2012, 9:30 am", "Great video, thanks.",
                      "Ed Stone — June 24th, 2012, 9:45 am", "Seen it twice now!"])
    r = clean_text(page, kind="html")
    assert comment not in r.documents["text"][0]


def test_the_html_fallbacks_read_of_a_whole_page_rescues_nothing():
    """`html.render.engine_text` (the whole rendered page, where trafilatura found too little)
    may replace trafilatura's text: there a page the rules empty is more often an index."""
    from pipeline.html.render import engine_text

    assert len(engine_text(POEM_PAGE).split()) < DEFAULT_SETTINGS.min_words
    assert len(clean_text(POEM_PAGE).documents["text"][0].split()) > DEFAULT_SETTINGS.min_words
