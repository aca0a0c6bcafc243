"""Engine behaviour: sections, site templates, metadata lines, the article block, edge cases."""

from __future__ import annotations

import datetime as dt
import random

import polars as pl
import pytest
from samples import PROSE

from pipeline.boilerplate import clean_documents, clean_text

OTHER_STORY = (
    "In other news from the region, the rail operator confirmed that the coastal line will close "
    "for three weekends in May while the track is renewed, and buses will replace the trains."
)
OTHER_STORY_2 = (
    "Meanwhile the city museum has reopened its maritime gallery after a long refit, showing "
    "models, charts and letters that were donated by the families of former harbour pilots."
)


# Readers' comments under the sample article (long prose lines, as comments are).
REPLIES = [
    "I rode that ferry every morning for a decade and the old quay was a disgrace; the new "
    "terminal cannot come soon enough for those of us who commute across the bay.",
    "The council promised the same thing ten years ago and nothing happened, so forgive me "
    "if I wait to see the cranes on site before I believe a word of this announcement.",
    "Does anyone know whether the night service will keep running while the works go on, "
    "because the article does not say and half my shift depends on the last crossing.",
    "Good news at last for the harbour, although I doubt that the traders will ever see a "
    "cent of the compensation that they are asking the council to pay them for the delay.",
]


def _kept(res) -> list[str]:
    text = res.documents["text"][0]
    return text.split("\n\n") if text else []


def test_related_section_at_end_runs_to_end_even_over_paragraphs() -> None:
    headline = "Coastal rail line to close for repairs"
    text = "\n".join(
        [*PROSE, "Related Stories", headline, headline, "2 days ago", OTHER_STORY,
         "Museum reopens maritime gallery", OTHER_STORY_2]
    )
    res = clean_text(text)
    assert _kept(res) == PROSE
    assert set(res.removed["category"]) <= {"related", "metadata"}  # "2 days ago": a dateline
    assert res.removed.filter(pl.col("text") == OTHER_STORY)["rule"][0] == "related_heading_core"


def test_inline_section_ends_where_article_resumes() -> None:
    text = "\n".join(
        [*PROSE[:2], "Read more", "Coastal rail line to close for repairs", *PROSE[2:]]
    )
    res = clean_text(text)
    assert _kept(res) == PROSE
    assert res.removed["rule"].to_list() == ["read_more_heading", "read_more_heading"]


def test_comments_section_at_end() -> None:
    text = "\n".join([*PROSE, "12 Comments", "Jo Smith", "March 3, 2031 at 9:14 am",
                      "Great piece, I have been waiting for this terminal for years!", "Reply"])
    res = clean_text(text)
    assert _kept(res) == PROSE
    assert set(res.removed["category"]) == {"comments"}


def test_comment_thread_without_heading_and_author_bio() -> None:
    thread = ["Maria Lopez says", "June 2, 2031 at 7:05 pm",
              "Lovely write-up, we took the ferry last summer and it was packed every day.",
              "Reply to comment", "Tom Berg says:", "Agreed, the old quay needed the work badly."]
    res = clean_text("\n".join([*PROSE, *thread]))
    assert _kept(res) == PROSE
    assert set(res.removed["category"]) == {"comments"}
    bio = "Anna Berg is a senior reporter at Harbour Daily covering transport and the coast."
    res = clean_text("\n".join([*PROSE, bio, "View all posts by Anna Berg"]))
    assert _kept(res) == PROSE
    assert res.removed["rule"].to_list() == ["author_bio", "read_more_from"]


def test_comment_thread_longer_than_its_article_is_not_the_article() -> None:
    """A short post under a long comment thread (2012 blogs): the thread is prose too, and
    longer, but once three comment bylines mark it, it starts where the first one follows
    the article (`until="thread"`), in the pass that chooses the article as well."""
    post = PROSE[:2]
    replies = REPLIES[:3]
    thread = []
    for k, who in enumerate(["Maria Lopez", "Tom Berg", "Ann Ray", "Li Wei", "Sam Okafor"]):
        thread += [f"{who} — June {k + 2}, 2031, 7:0{k} pm", *replies[k % 3:], *replies[:k % 3]]
    # the page's clutter between the post and its thread (tags, share bar, archive links)
    clutter = ["Tags: ferry, harbour, council", "Share this:", "Twitter", "Facebook", "Email",
               "Print", "Previous post", "Next post", "Archives", "October 2012",
               "September 2012", "August 2012", "Categories", "Local news", "Transport"]
    res = clean_text("\n".join([*post, *clutter, *thread]))
    assert _kept(res) == post
    in_thread = res.removed.filter(pl.col("text").is_in(thread))
    assert in_thread.height == len(thread) and set(in_thread["category"]) == {"comments"}
    assert set(in_thread["rule"]) == {"comment_byline_time"}


def test_a_thread_whose_bylines_follow_their_comments_starts_at_its_heading() -> None:
    """Movable Type and TypePad threads put each byline under its comment: the first comment
    lies between the "Comments" heading and the first byline. The thread starts at the heading
    (`blocks._lead_in`), so that comment, longer than the short post, is not the article. A
    "Comments" link with no prose above it (above a story's first lines) starts nothing."""
    post = PROSE[:1]
    thread = ["Comments"]
    for k, who in enumerate(["Maria Lopez", "Tom Berg", "Ann Ray", "Li Wei"]):
        thread += [REPLIES[k], REPLIES[(k + 1) % 4],
                   f"Posted by: {who} at November 13, 2012 6:3{k} AM"]
    res = clean_text("\n".join(["Ferry terminal delayed again", *post, *thread]))
    assert _kept(res) == post
    assert set(res.removed.filter(pl.col("text").is_in(thread))["category"]) == {"comments"}
    # a "Comments" link above the story: the story stays (the thread starts at its first
    # byline, as before: the comment above that byline has no heading to start from)
    story = PROSE[:3]
    res = clean_text("\n".join(["Ferry terminal delayed again", "Comments", *story,
                                *thread[1:]]))
    assert _kept(res)[:3] == story
    # ... and a "Comments" link under its first paragraph, the story going on below it: more
    # than one comment's worth of lines above the first byline, so the story stays
    res = clean_text("\n".join(["Ferry terminal delayed again", PROSE[0], "Comments",
                                *PROSE[1:4], *thread[1:]]))
    assert _kept(res)[:4] == PROSE[:4]


def test_a_thread_lead_in_is_bounded() -> None:
    """`P.thread_lead_in_lines`: a comments heading further above the first byline than that
    starts nothing, however long the thread's comments are."""
    from pipeline.boilerplate.params import PARAMS

    def page(lines_per_comment: int) -> list[str]:
        thread = ["Comments"]
        for k, who in enumerate(["Maria Lopez", "Tom Berg", "Ann Ray"]):
            thread += [REPLIES[(k + j) % 4] for j in range(lines_per_comment)]
            thread.append(f"Posted by: {who} at November 13, 2012 6:3{k} AM")
        return ["Ferry terminal delayed again", PROSE[0], *thread]

    n = PARAMS.thread_lead_in_lines
    assert _kept(clean_text("\n".join(page(n - 1)))) == PROSE[:1]  # heading n lines above
    assert REPLIES[0] in _kept(clean_text("\n".join(page(n))))   # n + 1 lines: not taken


def test_comments_under_a_comments_heading_outweighing_a_short_post() -> None:
    """Comments longer than their post, with bylines no thread rule knows ("written by Jo,
    October 18, 2012"): the "Comments (5)" heading under 50+ words of post closes the page in
    the pass that chooses the article, so the post is the article and the comments go. A
    "Comments" link under a story's first paragraph, the story going on below it, does not."""
    post = PROSE[:2]
    replies = REPLIES
    thread = []
    for k, reply in enumerate(replies):
        thread += [f"written by reader {k}, October {k + 18}, 2012", reply, replies[-1 - k]]
    clutter = ["via: harbourdaily.example", "Email this", "Hits: 2531", "Tags: ferry, harbour",
               "Share this:", "Twitter", "Facebook", "Print", "Previous post", "Next post"]
    res = clean_text("\n".join([*post, *clutter, "Comments (5)", *thread]))
    assert _kept(res) == post
    assert set(res.removed.filter(pl.col("text").is_in(thread))["category"]) == {"comments"}
    # the heading as a link under the story's first 50+ words: the story resumes and is kept
    story = [*PROSE, OTHER_STORY_2]
    res = clean_text("\n".join([*story[:2], "Comments", *story[2:]]))
    assert _kept(res) == story
    # a "Most Popular" box of teasers, each a paragraph, under the same short post
    teasers = []
    for k, reply in enumerate(replies):
        teasers += [f"Popular story number {k} of the week", reply]
    res = clean_text("\n".join([*post, *clutter, "Most Popular", *teasers]))
    assert _kept(res) == post
    assert set(res.removed.filter(pl.col("text").is_in(teasers))["category"]) == {"related"}


def test_a_comment_count_heading_keeps_the_page_closed_over_long_comments() -> None:
    """"{ 12 comments }" under a whole story: the thread below (commenters' names on lines of
    their own, comments of several paragraphs) stays out, though its long runs of prose would
    reopen the page after a bare "Comments"; and it stays out past a later heading that opens
    a section of its own ("Add a comment", a byline no thread rule counts to three). The same
    count linked under a story's first paragraph (alistapart.com's "124 Comments"), the story
    going on below it: kept."""
    story = [*PROSE, OTHER_STORY]
    thread = []
    for k, name in enumerate(["Hesham Zebida", "Jason Manheim", "Johan"]):
        thread += [name, *REPLIES[k:], *REPLIES[:k]]
    res = clean_text("\n".join([*story, "{ 12 comments }", *thread]))
    assert _kept(res) == story
    gone = res.removed.filter(pl.col("text").is_in(thread))
    assert gone.height == len(thread) and set(gone["rule"]) == {"comments_count_heading"}
    later = ["Jo Smith says:", *REPLIES, "Add a comment", *REPLIES[::-1]]
    res = clean_text("\n".join([*story, "{ 2 comments }", *later]))
    assert _kept(res) == story
    assert set(res.removed.filter(pl.col("text").is_in(REPLIES))["category"]) == {"comments"}
    longer = [*PROSE, OTHER_STORY, OTHER_STORY_2]
    res = clean_text("\n".join([*longer[:2], "124 Comments", *longer[2:]]))
    assert _kept(res) == longer


def test_a_thread_needs_text_under_its_bylines() -> None:
    """Comment bylines with their comments under them: a thread, to the end of the page. The
    same bylines one under another, as a dated list would be: no thread, and the article's
    prose below the list is kept."""
    thread = []
    for k, reply in enumerate(REPLIES):
        thread += [f"Reader {k} - October {k + 20}, 2012 at 10:15 am", reply]
    res = clean_text("\n".join([*PROSE, *thread]))
    assert _kept(res) == list(PROSE)
    gone = res.removed.filter(pl.col("text").is_in(thread))
    assert gone.height == len(thread) and set(gone["category"]) == {"comments"}
    dated = [f"Reader {k} - October {k + 20}, 2012 at 10:15 am" for k in range(4)]
    after = [PROSE[3], PROSE[4], OTHER_STORY, OTHER_STORY_2]
    res = clean_text("\n".join([*PROSE[:3], *dated, *after]))
    assert _kept(res)[-4:] == after


def test_html_output_keeps_short_lines() -> None:
    lines = [PROSE[0], "Key dates:", "- March: dredging ends", "- May: first berth opens",
             PROSE[1], "Advertisement", PROSE[2]]
    res = clean_text("\n".join(lines), kind="html")
    assert _kept(res) == [x for x in lines if x != "Advertisement"]


def test_fragments_inside_article_are_kept() -> None:
    lines = [PROSE[0], "'We will not give up on this harbour,'", "she said.", PROSE[1],
             "Why the delay?", PROSE[2], "@harbourboard", PROSE[3]]
    res = clean_text("\n".join(lines))
    assert _kept(res) == lines


def test_page_chrome_outside_article_block_goes() -> None:
    nav = ["News", "Sport", "Business", "Culture", "Weather", "Local", "Opinion"]
    foot = ["About the paper", "Work for us", "Our apps", "Archive", "Contact the newsroom"]
    res = clean_text("\n".join([*nav, *PROSE, *foot]))
    assert _kept(res) == PROSE
    assert set(res.removed["rule"]) <= {"article_block", "logo_furniture"}


def _site_docs(n: int) -> pl.DataFrame:
    rows = []
    for i in range(n):
        body = [f"Story {i}: " + p for p in PROSE[: 2 + i % 3]]
        # A template line that no phrase rule knows, on every page of the site.
        text = "\n".join(["Harbour Daily - independent since 1892 and proud of it.", *body])
        rows.append({"doc_id": f"d{i}", "text": text, "kind": "text",
                     "site_key": "harbourdaily.example", "title": None})
    # A second site with a single page carrying the same line: not a template there.
    rows.append({"doc_id": "other", "text": "\n".join(
        ["Harbour Daily - independent since 1892 and proud of it.", *PROSE]),
        "kind": "text", "site_key": "elsewhere.example", "title": None})
    return pl.DataFrame(rows)


def test_site_template_rule_is_deterministic_under_shuffling() -> None:
    docs = _site_docs(6)
    base = clean_documents(docs)
    tmpl = base.removed.filter(pl.col("rule") == "site_template")
    assert set(tmpl["doc_id"]) == {f"d{i}" for i in range(6)}
    assert set(tmpl["category"]) == {"template"}
    for seed in range(3):
        order = list(range(docs.height))
        random.Random(seed).shuffle(order)
        res = clean_documents(docs[order])
        a = base.documents.sort("doc_id")
        b = res.documents.sort("doc_id")
        assert a.equals(b)
        assert base.removed.sort("doc_id", "line_no").equals(res.removed.sort("doc_id", "line_no"))


def test_copies_of_one_article_are_not_template() -> None:
    rows = [{"doc_id": f"c{i}", "text": "\n".join(PROSE), "kind": "text",
             "site_key": "copies.example", "title": None} for i in range(5)]
    res = clean_documents(pl.DataFrame(rows))
    assert res.documents["text"].to_list() == ["\n\n".join(PROSE)] * 5


def test_edited_versions_of_one_story_are_not_template() -> None:
    # Three versions of a story on one site, each with a different extra paragraph first.
    rows = [{"doc_id": f"v{i}", "text": "\n".join([f"Update {i}: " + PROSE[i], *PROSE]),
             "kind": "text", "site_key": "versions.example", "title": None} for i in range(3)]
    res = clean_documents(pl.DataFrame(rows))
    assert res.removed.filter(pl.col("rule") == "site_template").height == 0


def test_title_date_and_site_lines_move_to_metadata() -> None:
    title = "Ferry terminal delayed until spring"
    text = "\n".join([f"{title} | Harbour Daily", "Menu", title, "Harbour Daily 07.03.2031",
                      *PROSE])
    res = clean_text(text)
    doc = res.documents.row(0, named=True)
    assert doc["title"] == title
    assert doc["published"] == dt.date(2031, 3, 7)
    assert doc["site"] == "Harbour Daily"
    assert _kept(res) == PROSE
    meta = res.removed.filter(pl.col("category") == "metadata")
    assert set(meta["rule"]) == {"title_repeat", "dateline"}


def test_date_formats_and_labels() -> None:
    for line, want in [
        ("Published: 2031-03-07", dt.date(2031, 3, 7)),
        ("March 7, 2031", dt.date(2031, 3, 7)),
        ("7 March 2031", dt.date(2031, 3, 7)),
        ("Friday, Mar. 7, 2031", dt.date(2031, 3, 7)),
        ("03/17/2031", dt.date(2031, 3, 17)),
    ]:
        res = clean_text("\n".join([line, *PROSE]))
        assert res.documents["published"][0] == want, line
        assert _kept(res) == PROSE


def test_no_metadata_when_absent() -> None:
    res = clean_text("\n".join(PROSE))
    doc = res.documents.row(0, named=True)
    assert (doc["title"], doc["published"], doc["site"]) == (None, None, None)


def test_known_title_repeat_is_dropped_in_html_output() -> None:
    title = "Ferry terminal delayed until spring"
    res = clean_text("\n".join([title, *PROSE]), kind="html", title=title)
    assert _kept(res) == PROSE
    assert res.documents["title"][0] == title


def test_empty_input_and_empty_documents() -> None:
    empty = pl.DataFrame(schema={"doc_id": pl.String, "text": pl.String, "kind": pl.String,
                                 "site_key": pl.String, "title": pl.String})
    res = clean_documents(empty)
    assert res.documents.height == 0 and res.removed.height == 0
    assert res.documents.schema == pl.Schema({"doc_id": pl.String, "text": pl.String,
                                              "n_words": pl.UInt32, "title": pl.String,
                                              "published": pl.Date, "site": pl.String})
    assert res.removed.schema["line_no"] == pl.UInt32
    assert res.stats["lines_in"] == 0
    docs = pl.DataFrame({"doc_id": ["a", "b", "c"], "text": ["", None, "Advertisement\r\nShare"],
                         "kind": ["text"] * 3, "site_key": [None] * 3, "title": [None] * 3})
    res = clean_documents(docs)
    assert res.documents["text"].to_list() == ["", "", ""]
    assert res.removed.filter(pl.col("doc_id") == "c")["line_no"].to_list() == [1, 2]


def test_crlf_blank_lines_and_line_numbers() -> None:
    text = "\r\n\r\n" + "\r\n\r\n".join(PROSE[:3]) + "\r\n\r\nAdvertisement\r\n" + PROSE[3]
    res = clean_text(text)
    assert _kept(res) == PROSE[:4]
    assert res.removed["line_no"].to_list() == [9]
    assert res.stats["lines_in"] == 5 and res.stats["lines_kept"] == 4


def test_whitespace_runs_become_one_space_and_words_are_counted() -> None:
    res = clean_text("\n".join([*PROSE, "The  council\tvoted   on\u00a0the plan late on Tuesday night, "
                                "members said."]))
    text = res.documents["text"][0]
    assert "  " not in text and "\t" not in text and "\u00a0" not in text
    assert res.documents["n_words"][0] == len(text.split())


def test_a_short_post_under_its_headline_beats_a_longer_blurb_elsewhere() -> None:
    """A one-paragraph post under its headline (the line that repeats the page's title) is the
    article, not the longer blurb further down that outscored it (blocks.lede); without the
    headline on the page the blurb still wins, and a story whose block starts a few lines under
    its subtitle (a table of contents between them) keeps the block it had."""
    menu = ["Home", "News", "Sport", "Weather", "Contact"]
    clutter = ["Share", "Tweet", "Email", "Posted in News", "Tags: ferry", "Previous post",
               "Next post", "Archives", "March 2012", "April 2012"]
    blurb = [OTHER_STORY, OTHER_STORY_2]
    page = ["Ferry terminal delayed again | Harbour Daily", *menu, "Ferry terminal delayed again",
            PROSE[0], *clutter, *blurb]
    res = clean_text("\n".join(page))
    assert _kept(res) == [PROSE[0]]
    assert res.documents["title"][0] == "Ferry terminal delayed again"
    assert set(res.removed.filter(pl.col("text").is_in(blurb))["rule"]) == {"article_block"}
    no_headline = [line for line in page if line != "Ferry terminal delayed again"]
    assert _kept(clean_text("\n".join(no_headline))) == blurb
    # subtitle, a table of contents, then the story: the story alone, as before
    toc = ["Contents", "1. The delay", "2. The cost", "3. What next"]
    story = [*PROSE, OTHER_STORY_2]
    subtitle = "Why the harbour will wait two more years for its new ferry terminal, and who pays."
    res = clean_text("\n".join(["Ferry terminal delayed again | Harbour Daily", *menu,
                                "Ferry terminal delayed again", subtitle, *toc, *story]))
    assert _kept(res) == story


def test_a_notice_under_every_headline_of_a_site_is_no_lede() -> None:
    """A notice under each headline of a site is prose, but other documents of the batch carry
    it too (`P.repeated_min_docs` of them): it is not the lede, and the story further down
    stays the article alone."""
    notice = ("Every story on this site is checked by two of our editors before it goes out, "
              "and we list any corrections we make in a box at the foot of the page.")
    menu = ["News", "Sport", "Weather", "Markets", "Business", "Tech", "Opinion", "Life",
            "Arts", "Travel", "Food", "Music"]
    stories = [PROSE, [OTHER_STORY, OTHER_STORY_2, *REPLIES[:2]], REPLIES,
               [OTHER_STORY_2, *PROSE[1:3], OTHER_STORY]]
    pages = []
    for k, story in enumerate(stories):
        head = f"Harbour story number {k} of the week"
        pages.append("\n".join([f"{head} - Harbour Daily", head, notice, *menu, *story]))
    res = clean_documents(pl.DataFrame({"doc_id": list("abcd"), "text": pages}))
    for k, story in enumerate(stories):
        assert res.documents["text"][k].split("\n\n") == story


def test_the_lede_is_the_first_prose_under_the_line_repeating_the_title() -> None:
    """blocks.lede: the headline repeats the page's title (here its first line, "Title |
    Site"); the lede is the first prose line under it. A first line a rule takes (a cookie
    notice that the page repeats) names no headline."""
    from pipeline.boilerplate import engine

    def ledes(page: list[str]) -> list[str]:
        _, lines, _, _ = engine.annotate(pl.DataFrame(
            {"doc_id": ["a"], "text": ["\n".join(page)], "kind": ["text"]}))
        return lines.filter(pl.col("_lede"))["line"].to_list()

    menu = ["News", "Sport", "Weather"]
    head = "Ferry terminal delayed again"
    assert ledes([f"{head} | Harbour Daily", *menu, head, "By Jo Smith", *PROSE]) == [PROSE[0]]
    assert ledes([f"{head} | Harbour Daily", *menu, *PROSE]) == []  # no headline on the page
    cookie = "We use cookies to give you the best experience on our website"
    assert ledes([cookie, *menu, cookie, *PROSE]) == []


def test_buttons_between_paragraphs_do_not_split_the_article() -> None:
    """A review or shopping page puts a button under each item ("Check price at ..."): the
    buttons go (rule inline_button) and every paragraph stays. Scored as removed lines, the
    buttons used to cut the article block after its first paragraph or two."""
    paras = [p for para in PROSE for p in (para, "Check Price at Harbour Outfitters")]
    res = clean_text("\n\n".join(["Best ferry gear of the year", *paras]))
    assert res.documents["text"][0].split("\n\n")[-len(PROSE):] == PROSE
    assert res.removed.filter(pl.col("rule") == "inline_button").height == len(PROSE)


def test_a_lead_in_ending_in_an_ellipsis_starts_the_post() -> None:
    """A blog post's first paragraph that ends in an ellipsis ("Below are more details from
    the designer…") is no teaser when running text follows it: it starts the article (it used
    to score 0 and the block began below it). WordPress's excerpt of another post ("[…]") right
    above the article stays out."""
    lead = ("How beautiful is this harbour wedding shoot? I love the bold colour of the sails "
            "against the grey stone of the old quay, a really nice mix of the colourful and "
            "the plain, with the boats of the ferry line behind the guests all afternoon. Below are "
            "more details from the planner\u2026")
    excerpt = ("One challenge I see when planning any event on the water is deciding where the "
               "guests should wait for the boats. So I have put together a simple guide, and "
               "we will start by chatting about the tides and the ferries of the old harbour in "
               "summer [\u2026]")
    page = ["Harbour Weddings | Ideas Blog", "Home", "Magazine", excerpt,
            "Harbour wedding in the old port", lead, *PROSE, "Tweet", "7 comments"]
    text = clean_text("\n".join(page)).documents["text"][0]
    assert text.split("\n\n")[:2] == [lead, PROSE[0]]
    page = ["Harbour Weddings | Ideas Blog", "Home", "Magazine", excerpt, *PROSE, "Tweet"]
    text = clean_text("\n".join(page)).documents["text"][0]
    assert excerpt not in text and PROSE[0] in text
    # A teaser short enough for the weak rule teaser_ellipsis stays a teaser; and one above a
    # line a rule removes (a cookie notice) is no lead-in, whatever follows.
    short = ("Planning a wedding on the water? Here is how we chose the boats, the flowers "
             "and the music for a summer party on the old quay\u2026")
    page = ["Harbour Weddings | Ideas Blog", "Home", short, *PROSE, "Tweet"]
    assert short not in clean_text("\n".join(page)).documents["text"][0]
    cookie = ("This site uses cookies to improve your experience, and by continuing you agree "
              "to it.")
    page = [*PROSE, "Read more", "Harbour wedding in the old port", lead, cookie, "Home"]
    assert lead not in clean_text("\n".join(page)).documents["text"][0]


def test_a_lead_in_under_a_related_heading_closes_its_section() -> None:
    """A blog's previous-post link opens a related section ("« Older post: ..."); the post's
    first paragraph ends in an ellipsis, so it is no prose, and the section used to run over it
    to the next prose line. A lead-in right above running text closes the section as prose
    does, and stays with the post."""
    lead = ("I will not be writing a real post tonight because I will be spending the whole "
            "day on the water defending my title in the harbour regatta against Jo, who has "
            "been threatening to beat me for weeks now. She was a beginner in July, but she "
            "has been sailing every evening since. So it is on\u2026")
    page = ["Harbour Notes", "Home", "Recommended Reading", "Meet the Crew",
            "\u00ab Interview With the Harbour Master, Part Two", "Nov 05 2031",
            "Harbour Regatta Updates", "Posted by Sam Lee in News", lead, *PROSE, "Tweet"]
    text = clean_text("\n".join(page)).documents["text"][0]
    assert text.split("\n\n")[:2] == [lead, PROSE[0]]


def test_a_caption_between_the_dek_and_the_story_does_not_split_it() -> None:
    """A copy cut short by a paywall: headline, dek, byline, a photo's caption, two short
    paragraphs, the prompt, then a product review's long blurb. The caption goes (a caption
    rule) but scores like a separator: the dek and the paragraphs stay one article. Scored as
    any removed line, the caption cut the dek off and the dek alone was kept (a truncated copy
    of eval_dedup_pages then missed its original)."""
    head = "Ferry terminal could open a year early"
    dek = ("The new ferry terminal, officials say, could open its doors a full year before "
           "the date the council set last spring.")
    story = ["The harbour board met on Tuesday evening to hear the builders' report on the "
             "piling, the new quay wall and the waiting hall.",
             "Citing the mild winter, the builders said the piling is already two months ahead "
             "of the plan they agreed with the council last year, and the hall's steel frame "
             "goes up next month."]
    review = ("The bottom line: the Harbour Explorer is not the fastest boat on the bay, but "
              "its quiet engine, roomy deck, low running costs and the best cabin in its class "
              "make it a top choice for families who want a weekend on the water without the "
              "fuss, the mooring fees or the insurance bills of a much bigger cruiser.")
    page = [f"{head} | Harbour Daily", "News", "Sport", head, dek, "By Jo Smith",
            "(Credit: Harbour Board)", *story, "Subscribe to continue reading",
            "Already a subscriber? Log in", "Topics:", "Ferries,", "Harbour", "Tags:",
            "Council,", "Quay wall", "Read the full review", "Harbour Explorer 24 (2031)", review]
    res = clean_text("\n".join(page))
    text = res.documents["text"][0]
    assert dek in text and all(line in text for line in story)
    assert review not in text
    assert res.removed.filter(pl.col("category") == "caption").height == 1


def test_a_table_of_figures_between_paragraphs_does_not_split_the_article() -> None:
    """A market report: two paragraphs, a table (a place's name, then its figures: a price,
    two changes, a date), and two more paragraphs under it. The figures say nothing either way
    (like a rule between paragraphs); scored as short lines (-1, or -3 under a weak shape rule),
    they cut the article at the table and the paragraphs under it were lost."""
    above = ["Home prices in July rose 3.2 % from a year earlier across the nineteen markets "
             "the report follows, and were flat from June.",
             "The number of homes for sale fell again, by more than a quarter from last July, "
             "and the agents we spoke to expect no relief before the spring."]
    table = ["Market", "Median price", "Yearly change", "Monthly change", "Updated"]
    for town, price, year, month in [("Phoenix", "$83", "28.7%", "-2.1%"),
                                     ("Inland Empire", "$105", "6.4%", "1.8%"),
                                     ("Los Angeles", "$253", "1.7%", "1.1%"),
                                     ("Sacramento", "$117", "3.4%", "1.6%"),
                                     ("San Diego", "$215", "3.1%", "1.4%"),
                                     ("San Jose", "$379", "11.9%", "4.0%"),
                                     ("Denver", "$147", "8.5%", "-0.2%"),
                                     ("Boston", "$216", "0.5%", "-1.5%")]:
        table += [town, price, year, month, "8/1/2012"]
    below = ["As has been the story all year, inventory is down across the nation, with the "
             "coastal markets still falling faster than the rest of the country.",
             "There are fewer bank-owned listings for sale, and owners who bought at the peak "
             "cannot sell without a loss, so they stay put and wait for prices to recover."]
    page = ["Home prices up 3% on last year | Market Blog", "Home", "Blog", "About",
            *above, *table, *below, "Leave a comment", "Name (required)"]
    text = clean_text("\n".join(page)).documents["text"][0]
    assert all(p in text for p in above + below)
    assert "Leave a comment" not in text


def test_a_numbered_list_between_paragraphs_does_not_split_the_article() -> None:
    """Both teams' line-ups between two parts of a match preview: 18 numbered items, short
    lines, and scored as such (-1 each) they cut the article at the lists and the paragraph
    under them was lost. An item whose neighbour is an item too says nothing either way."""
    above = ["The visitors arrive with the league's best record on the road and the home side "
             "has lost three in a row, so the manager has shuffled the order again.",
             "He said before the game that the changes were about rest, not form, and that the "
             "regular order would be back for the weekend series."]
    players = ["Rajai Davis (R) LF", "Colby Rasmus (L) CF", "Edwin Encarnacion (R) 1B",
               "Yunel Escobar (R) SS", "David Cooper (L) DH", "Moises Sierra (R) RF",
               "Jeff Mathis (R) C", "Omar Vizquel (S) 2B", "Adeiny Hechavarria (R) 3B",
               "Sam Fuld (L) LF", "B.J. Upton (R) CF", "Matt Joyce (L) RF",
               "Evan Longoria (R) DH", "Ben Zobrist (S) SS", "Carlos Pena (L) 1B",
               "Jeff Keppinger (R) 3B", "Ryan Roberts (R) 2B", "Jose Lobaton (S) C"]
    lineups = ["Blue Jays", *[f"{i % 9 + 1}. {p}" for i, p in enumerate(players[:9])],
               "Rays", *[f"{i % 9 + 1}. {p}" for i, p in enumerate(players[9:])]]
    below = ["The starter has won his last four decisions and has not allowed more than two "
             "runs in any of them, so the manager kept him on regular rest."]
    page = ["Game thread: visitors at home side | Ball on a Budget", "Home", "Archives",
            "Roster", *above, *lineups, *below, "Leave a comment", "Name (required)"]
    text = clean_text("\n".join(page)).documents["text"][0]
    assert all(p in text for p in above + below)
    assert all(f". {p}" in text for p in players)


# A blog's short posts: each page its own title and one short caption, under the blog's
# sidebar blurb (the page's only prose, the same on every page) and archive list.
_BLURB = ("Hello stranger, I write about the harbour, the ferries and the people who keep them "
          "running, and you can follow me on every network here.")
_ARCHIVE = ["July 2031 (12)", "June 2031 (8)", "May 2031 (15)", "Photos of the week (40)"]
_POSTS = [("Sunset over the north quay", "Photographed by Jo from the old ferry ramp at dusk"),
          ("Morning fog at the dredger", "Taken before the first crossing of the day, at six"),
          ("The new berth at low tide", "A view from the harbour office roof on Sunday"),
          ("Gulls on the breakwater", "Shot with the long lens from the end of the pier"),
          ("Crates waiting for the ferry", "Seen on the way to work this week, by the gate")]


def _blog_posts() -> pl.DataFrame:
    texts = ["\n".join([title, caption, _BLURB, *_ARCHIVE]) for title, caption in _POSTS]
    return pl.DataFrame({"doc_id": [f"p{i}" for i in range(len(texts))], "text": texts,
                         "kind": ["text"] * len(texts)})


def test_a_blurb_that_is_every_short_posts_only_prose_is_template() -> None:
    """Over a run (its recurring line pairs, as the chunked pass counts them), the blurb goes
    from every post although it is the only prose left: a sidebar's 25 words are no syndicated
    article (`run_pairs_brief_words`). Kept, it was every post's clean text, the same on each
    page, and the dedup step merged the posts."""
    from pipeline.boilerplate import recurrence
    from pipeline.boilerplate.engine import recurring_summary

    docs = _blog_posts()
    run_pairs = recurrence.count_batch(recurring_summary(docs))
    res = clean_documents(docs, run_pairs=run_pairs)
    texts = res.documents["text"].to_list()
    assert all(_BLURB not in t for t in texts)
    assert len(set(texts)) == len(texts)


def test_a_page_without_prose_keeps_only_its_own_lines() -> None:
    """A page with no prose has no article block to choose: it keeps its lines except those
    other documents of the batch carry too (the blog's archive), which were every post's
    shared text (and made the posts near-duplicates of each other)."""
    # (three posts: too few for the archive to count as the batch's template)
    docs = _blog_posts().head(3).with_columns(
        pl.col("text").str.replace(_BLURB, "", literal=True))
    res = clean_documents(docs)
    for (title, caption), text in zip(_POSTS[:3], res.documents["text"], strict=True):
        assert caption in text and title in text
        assert not any(line in text for line in _ARCHIVE)


# Two posts of one blog (`siblings.py`): too few pages for any count, each post shorter than the
# blog's bio, which was each post's clean text, the same on both pages.
_NAV = ["Home", "About me", "Photo archive", "Contact", "Shop", "Subscribe by email"]
_BIO = ("Hello, I am Jo, and this blog has followed the harbour, its ferries, its dredgers and "
        "the people who keep them running since 2009; every photograph here is mine, and you "
        "may share them if you link back to this page.")
_FOOTER = ["Older posts", "Powered by a blog engine"]


def _sibling_posts() -> pl.DataFrame:
    texts = ["\n".join([f"{title} | Jo's harbour blog", *_NAV, title, caption, _BIO, *_FOOTER])
             for title, caption in _POSTS[:2]]
    return pl.DataFrame({"doc_id": ["p0", "p1"], "text": texts, "kind": ["text", "text"]})


def test_two_posts_of_one_blog_lose_what_they_share() -> None:
    """The bio and the menu the two posts share are their template ("sibling_template"), and
    each keeps its own headline (as its title) and caption: their clean texts differ."""
    res = clean_documents(_sibling_posts())
    texts = res.documents["text"].to_list()
    assert all(_BIO not in t for t in texts)
    assert res.documents["title"].to_list() == [title for title, _ in _POSTS[:2]]
    assert texts == [caption for _, caption in _POSTS[:2]]
    bio = res.removed.filter(pl.col("text") == _BIO)
    assert bio["rule"].to_list() == ["sibling_template"] * 2


def test_siblings_do_not_depend_on_the_batch_order() -> None:
    """The two posts among other documents, in any order: the same texts and removed lines."""
    docs = pl.concat([_sibling_posts(), _blog_posts().head(2).with_columns(
        pl.format("b{}", pl.col("doc_id")).alias("doc_id"))])
    base = clean_documents(docs)
    assert base.removed.filter(pl.col("rule") == "sibling_template").height > 0
    for seed in range(3):
        order = list(range(docs.height))
        random.Random(seed).shuffle(order)
        res = clean_documents(docs[order])
        assert base.documents.sort("doc_id").equals(res.documents.sort("doc_id"))
        assert base.removed.sort("doc_id", "line_no").equals(res.removed.sort("doc_id", "line_no"))


def test_pages_that_share_an_article_are_not_siblings() -> None:
    """An article syndicated in another site's template (a list under its headline: short
    lines, as a template's are), its re-scrape with another teaser, and its bare text: each
    keeps the article. (The other site's page ends with another footer; the re-scrape begins
    with the same title; the bare text begins with a line of the page.)"""
    items = [f"Step {i}: check the {part} before the crossing" for i, part in
             enumerate(["hull", "ramp", "engine", "radio", "lights", "pumps", "doors", "rails"])]
    body = ["Ferry checks, the list", PROSE[0], *items, PROSE[1]]
    page_a = ["Ferry checks, the list - Harbour News", "News", "Sport", *body,
              "Copyright Harbour News"]
    page_b = ["Ferry checks, the list | Coast Daily", "Weather", "Jobs", *body,
              "Coast Daily, all rights reserved"]
    rescrape = [*page_a[:3], "Most read: the tide tables", *page_a[3:]]
    texts = ["\n".join(lines) for lines in (page_a, page_b, rescrape, body)]
    docs = pl.DataFrame({"doc_id": ["a", "b", "r", "bare"], "text": texts,
                         "kind": ["text"] * 4})
    res = clean_documents(docs)
    for text in res.documents["text"]:
        assert PROSE[0] in text and items[3] in text
    assert "sibling_template" not in res.removed["rule"].to_list()


def test_numbered_comment_bylines_start_a_thread() -> None:
    """WordPress's numbered comments ("1. Jo Berg - 29 August, 2031", a date and no time)
    under a short post: a thread, closed to the end of the page; without the rule, the
    comments of several lines each reopened the page and outweighed the post."""
    post = [PROSE[0], PROSE[1]]
    thread = ["Comments »"]
    for k, who in enumerate(["Jo Berg", "Sam", "Ana Lund", "Piet", "Lise M"]):
        thread += [f"{k + 1}. {who} - {k + 2} August, 2031", *REPLIES[k % 4:], *REPLIES[:k % 4],
                   "Reply"]
    res = clean_text("\n".join(["The long trip home", *post, *thread]))
    assert _kept(res) == post
    bylines = res.removed.filter(pl.col("text").str.contains(r"^\d\. "))
    assert set(bylines["rule"]) == {"comment_numbered_byline"}


def _review(cells: int) -> tuple[list[str], list[str], list[str]]:
    """A product review: four paragraphs, a spec table of `cells` short label cells (each -1
    in the article block), four more paragraphs."""
    above = [f"The {name} kettle boiled a full litre in {n} minutes in our tests, faster than "
             f"most of the field, and its lid opened with one hand every time we tried it."
             for name, n in (("Harbour", 3), ("Quay", 4), ("Pier", 5), ("Dock", 6))]
    table = [f"{label} {i}" for i in range(cells // 4)
             for label in ("Model", "Lid", "Handle", "Base")]
    below = [f"We also measured how warm the {part} got after ten boils in a row, since a "
             f"handle that heats up is the complaint we read most often from owners."
             for part in ("handle", "lid", "base", "switch")]
    return above, table, below


def test_a_long_table_between_two_halves_of_a_review_keeps_both() -> None:
    """A review whose prose a table of 200 cells splits in two: the cells outweigh either
    half, so the article block held one half and the other was lost. A second run that scores
    at least half the block's (`P.second_block_share`) with no removed line between them is
    the article's too."""
    above, table, below = _review(200)
    page = ["Best kettles of 2031 | Kitchen Lab", "Home", "Reviews", *above, *table, *below,
            "Leave a comment", "Name (required)"]
    text = clean_text("\n".join(page)).documents["text"][0]
    assert all(p in text for p in above + below)
    assert "Model 3" not in text and "Leave a comment" not in text


def test_a_second_run_after_a_removed_line_is_not_the_article() -> None:
    """The same page with a share prompt between the table and the second half: a line a rule
    removed there says the article ended (what follows a comment form, a teaser list or a
    footer is not the story), so only the first half stays."""
    above, table, below = _review(200)
    page = ["Best kettles of 2031 | Kitchen Lab", "Home", "Reviews", *above, *table,
            "Share this article", *below]
    text = clean_text("\n".join(page)).documents["text"][0]
    assert all(p in text for p in above)
    assert not any(p in text for p in below)


# Short paragraphs of five different stories, each page with the site's in-article furniture
# (a promotion between them and a link to the tide tables under them, on every page).
_SHORT_STORIES = [
    ["The ferry left the harbour at dawn with the new crew aboard for the first time.",
     "Passengers said the crossing was calm and the coffee on board was better than before."],
    ["The council voted to keep the old lighthouse open to visitors through the winter.",
     "Volunteers will run the tours, and the gift shop will open on weekends only."],
    ["A storm closed the pier for two days and moved sand across the whole promenade.",
     "Workers cleared the road by Monday, and the market opened again on the square."],
    ["The fishing fleet brought in its largest catch of the season on a cold Tuesday.",
     "Prices at the quay fell by a third, and the restaurants bought more than usual."],
    ["The harbour school held its open day with boat trips and a lifeboat display.",
     "Parents were shown the new workshop where pupils repair dinghies in the spring."],
]


@pytest.mark.parametrize("between", [0, 1])
def test_furniture_recurring_between_short_paragraphs_does_not_split_the_article(
        between: int) -> None:
    """A line a template rule removes between two paragraphs (here "repeated_template": it
    recurs on every page of the batch) weighs `template_line_penalty`, not a rule line's 25:
    the paragraphs on both sides stay one article. Weighed as any removed line, the first
    paragraph alone was each page's article. A short one that reads as a sentence ("The
    harbour desk is open every day.") weighs the same: at 25 it cut nytimes.com's first
    paragraph off its story."""
    furniture = ["Harbour Daily reader offers", "The harbour desk is open every day.",
                 "Tide tables and the harbour webcam"]
    menu = ["Home", "News", "Sport", "Weather", "Contact us"]
    others = [f for i, f in enumerate(furniture) if i != between]
    texts = ["\n".join([*menu, story[0], furniture[between], story[1], *others, *menu])
             for story in _SHORT_STORIES]
    res = clean_documents(pl.DataFrame({"doc_id": list("abcde"), "text": texts}))
    for story, text in zip(_SHORT_STORIES, res.documents["text"], strict=True):
        assert text.split("\n\n") == story
    gone = res.removed.filter(pl.col("text").is_in(furniture))
    assert gone.height == 3 * len(texts) and set(gone["rule"]) == {"repeated_template"}


def test_a_long_recurring_line_between_paragraphs_still_splits_the_article() -> None:
    """Only short recurring lines (`template_short_words`) weigh little: a longer one (a
    reprint offer, a site's notice) keeps a rule line's weight, and the block keeps one side."""
    notice = "See a sample reprint in PDF format and order a reprint of this article now"
    menu = ["Home", "News", "Sport", "Weather", "Contact us"]
    texts = ["\n".join([*menu, story[0], notice, story[1], *menu]) for story in _SHORT_STORIES]
    res = clean_documents(pl.DataFrame({"doc_id": list("abcde"), "text": texts}))
    for story, text in zip(_SHORT_STORIES, res.documents["text"], strict=True):
        assert text.split("\n\n") in ([story[0]], [story[1]])
    assert set(res.removed.filter(pl.col("text") == notice)["rule"]) == {"repeated_template"}


def test_a_comment_form_closes_the_page_under_a_short_post() -> None:
    """A 20-word post, its comment form, then the blog's sidebar with a longer blurb: the form
    ("Mail (will not be published)") closes the page once a sentence stands above it, so the
    blurb below it is not the article (it was, cleaned alone: Dragnet R630). A newsletter's
    "Name (Required)" / "Email (Required)" box between a story's paragraphs, or a sign-up form
    above it, closes nothing; nor does a "Leave a reply" link between a post's title and its
    text (a theme's, under a site tagline)."""
    post = ("Her portraits of actors, scientists and mathematicians are lovely, and the "
            "colours are even better in print, where the paper shows every brush stroke.")
    blurb = ("You can also like my page here or add me to your circles here, and the blog "
             "has its own video channel that you can follow for even more curious things "
             "from around the web every week.")
    form = ["Leave a comment", "Name (required)", "Mail (will not be published) (required)",
            "Website", "Submit Comment"]
    sidebar = ["About me", blurb, "Categories", "images", "videos", "Archives", "May 2012"]
    res = clean_text("\n".join(["The Curious Blog", "Portraits", post, *form, *sidebar]))
    assert _kept(res) == [post]
    assert set(res.removed.filter(pl.col("text").str.starts_with("Mail"))["rule"]) == {
        "comment_form_name"}
    # a photo post whose only text is a caption (no prose on the page): what stands above
    # the form is kept, the sidebar below it is not
    caption = "Wonderful animated video for the band's new single! Created by Jo Lind"
    res = clean_text("\n".join(["The Curious Blog", "New video", caption, *form, *sidebar]))
    assert blurb not in _kept(res) and caption in _kept(res)
    # a newsletter's sign-up box between two paragraphs of a story, or above it: the story
    # goes on
    box = ["The free Harbour Weekly newsletter delivers one story to your inbox every Monday.",
           "Name (Required)", "Email (Required)"]
    story = [*PROSE, OTHER_STORY]
    res = clean_text("\n".join(["Harbour Daily", *story[:2], *box, *story[2:]]))
    assert _kept(res)[-4:] == story[2:]
    assert _kept(clean_text("\n".join(["Harbour Daily", *box, *story]))) == story
    # a theme's "Leave a reply" link between the post's title and its text
    head = ["The Curious Blog", "Just another blog about curious things on the web", "Home",
            "About", "A new terminal for the harbour after ten years of delays", "Leave a reply"]
    assert _kept(clean_text("\n".join([*head, *story, "Leave a Reply"]))) == story
