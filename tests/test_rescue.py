"""The short-page rescue (`pipeline/boilerplate/rescue.py`): a page whose article is made of
short lines gets them back instead of being rejected as too short; nothing else changes."""

from __future__ import annotations

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
