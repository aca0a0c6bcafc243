"""The rule catalogue: each category catches lines it has never seen, and leaves prose alone."""

from __future__ import annotations

import re

import polars as pl
import pytest
from samples import PROSE

from pipeline.boilerplate import CATEGORIES, RULES, Rule, clean_text, leftover_markers
from pipeline.boilerplate import rules as rules_mod


def article_with(line: str, where: int | None = 2) -> str:
    """Five prose paragraphs with `line` inserted at paragraph position `where`; None: where
    the line's rule would find it, under the article when the rule closes the page (a comment
    form's line: `Rule.closes`), else between the second and third paragraphs."""
    if where is None:
        where = len(PROSE) if _closing(line) else 2
    paras = PROSE[:where] + [line] + PROSE[where:]
    return "\n\n".join(paras)


def _closing(line: str) -> bool:
    """Does a closing rule (`Rule.closes`) take `line`, standing under the article?"""
    res = clean_text("\n\n".join([*PROSE, line]))
    rule = res.removed.filter(pl.col("text") == line.strip())["rule"]
    return any(r.closes and r.name in set(rule) for r in RULES)


# Lines not taken from any seed or dev page, one or more per category.
UNSEEN: dict[str, list[str]] = {
    "donation": ["Your contribution helps keep our newsroom independent.", "Donate now"],
    "related": ["Read more: Ferry fares to rise again next winter", "View all posts by Anna Berg"],
    "comments": ["Be the first to comment", "Your email address will not be published.",
                 "When your reply is ready, click Submit Comment."],
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
    res = clean_text(article_with(line, where=None))
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
    # session 27: stories about the things that session's furniture rules name (the review's)
    "Users need to enable JavaScript to use the new Gmail interface, Google said.",
    "About 1% of visitors have JavaScript disabled, according to figures Yahoo published.",
    "Hulu requires Adobe Flash to play its videos, which Apple's iPad does not support.",
    "Adobe urged users to install the latest version of Flash Player after the attack.",
    "Internet Explorer 8 does not support the video tag, so the site falls back to Flash.",
    "About a quarter of all websites are now powered by WordPress, according to W3Techs.",
    "By signing the agreement, both countries accepted the terms of the ceasefire, officials "
    "said.",
    "\"I earn a commission on every policy I sell,\" she said, adding that rates had doubled.",
    "Wikipedia's text is licensed under a Creative Commons license, which lets anyone reuse it.",
    "Google argued that it is not responsible for the content of third-party websites that "
    "appear in its results.",
    "The views expressed are those of the author and do not reflect the position of the board.",
    # session 28: stories about what advice_disclaimer names
    "The company says its symptom checker is not medical advice and urges users to see a doctor.",
    "Regulators found that the website's tips were labelled for informational purposes only.",
    "The information in this report is not financial advice, the bank's analysts cautioned.",
    # (the session's review: sentences the first version of advice_disclaimer took)
    "In this post, I'll explain why you should not take tax advice from strangers on TikTok.",
    "This article has been updated to clarify that the agency did not issue new advice on masks.",
    "Teachers are welcome to use the photos on our site for educational purposes, with credit.",
    "The information in this article comes from interviews conducted for the purposes of the "
    "study.",
    # (... and affiliate_disclosure at 60 words)
    "Many influencers who use affiliate links never tell their followers about them, the "
    "Federal Trade Commission said on Tuesday in a report that reviewed more than eight "
    "hundred accounts on four platforms and found that fewer than one in ten disclosed the "
    "payments they received from the brands.",
    "Under the new FTC guidance, influencers who may earn a commission from links in their "
    "posts must disclose it.",
    "Comments are closed on weekends.",
    "Your comment has been posted to the council's consultation page, a spokesman said.",
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


# Rules added for lines trafilatura keeps (WCXB dev set, HTML path): for each, an unseen line it
# must remove (with what follows, for a section heading that closes the page) and a prose line
# that shares its words and must stay.
ADDED: list[tuple[str, str, str | None, str]] = [
    # (rule, line, following line for sections or None, prose that must stay)
    ("comments_title_heading", "27 Comments on “Ferry terminal delayed again”",
     "Great piece, we have been waiting for this terminal for years and it is still not open.",
     "Two comments on the plan were sent to the council before the vote on Friday evening."),
    ("comments_title_one_heading", "One response to “Ferry terminal delayed again”",
     "Great piece, we have been waiting for this terminal for years and it is still not open.",
     "One response to the delay: build a second quay, the council said on Friday."),
    ("comment_byline_day", "Lora Lee On Thursday, November 1 at 2:57 pm",
     "Great piece, we have been waiting for this terminal for years and it is still not open.",
     "Book Sale On Saturday, June 1 at 10:00 AM"),
    ("comment_url_byline", "http://harbourwatch.example/ harbourwatcher",
     "Great piece, we have been waiting for this terminal for years and it is still not open.",
     "https://www.nhs.uk/flu NHS flu advice"),
    ("comment_url_byline", "http://twitter.com/jolind Jo L. Lind",
     "Great piece, we have been waiting for this terminal for years and it is still not open.",
     "https://harbour.example/plans the quay plans"),
    ("comments_count_heading", "sound off (78 Responses)",
     "Great piece, we have been waiting for this terminal for years and it is still not open.",
     "Residents were asked to sound off, and 78 responses reached the council by Friday."),
    ("comments_count_heading", "{ 167 comments }",
     "Great piece, we have been waiting for this terminal for years and it is still not open.",
     "The 167 comments on the plan were sent to the council before the vote on Friday."),
    # (a count in brackets: the count rule comes before comments_heading, which takes it too)
    ("comments_count_heading", "Comments (408)",
     "Great piece, we have been waiting for this terminal for years and it is still not open.",
     "No comments from the city"),
    ("republish_heading", "Republish this story",
     "You may republish our articles for free, online or in print, under a Creative Commons "
     "license, as long as you credit the harbour newsroom.",
     "The magazine agreed to republish the story in print next week, the editor told staff."),
    ("related_heading_core", "Read This Next",
     "Coastal rail line to close for repairs over the winter months, operator says.",
     "Read this next to the harbour map and the route becomes clear, the guide suggests."),
    ("cookie_category", "Functional cookies help us remember your choices on this website, such "
     "as your language and region, and cannot be switched off.", None,
     "The bakery said that the cookies it sells are baked every morning in the old harbour oven."),
    ("cookie_category", "Cookie Duration Description cookielawinfo-checkbox-necessary 11 months",
     None, "The cookie jar on the counter lasted eleven months before anyone noticed it."),
    ("cookie_category", "Necessary cookies are absolutely essential for the website to function "
     "properly. These cookies ensure basic functionalities and security features.", None,
     "Third-party cookies are small files that let advertisers follow readers across websites."),
    ("advert_label", "Advertisement - Continue Reading Below", None,
     "The advertisement ran below the fold, and readers kept reading the story anyway."),
    ("byline_label", "Article reviewed by:", None,
     "The article was reviewed by two editors before it went to print on Friday."),
    ("byline", "Written by: Anna Berg, Senior Analyst", None,
     "Written by hand, the letters of Anna Berg filled three boxes in the harbour archive."),
    ("no_card_cta", "Try it free for 30 days. No credit card needed.", None,
     "You can try the ferry app free for a month, no credit card required, the operator said."),
    ("call_to_action", "Schedule your personalized demo!", None,
     "The operator will schedule a demo of the new ticket machines for councillors next week."),
    ("inline_button", "Check Price at Harbour Outfitters", None,
     "Check the price at the harbour kiosk before you board, the operator advised."),
    ("inline_button", "Read full review", None,
     "Read the full review of the harbour plan before the council votes on it in May."),
    ("inline_button", "Book now", None,
     "Book now, the operator urged, because the winter crossings sell out within days."),
    ("call_to_action", "Start a free 14-day trial", None,
     "Passengers can start a free trial of the season ticket in May, the operator said."),
    ("newsletter_signup", "Harbour news sent straight to your inbox every Friday", None,
     "The council said the harbour plans would go on display at the library next week."),
    # 2010s blog threads and comment forms (issue 17, Dragnet dev set, text path)
    ("comment_reply_meta", "by Jo Lind on March 3, 2031 at 9:14 pm. Reply #",
     "Great piece, we have been waiting for this terminal for years and it is still not open.",
     "By 9:14 pm the ferry was gone, and nobody on the quay was left to reply to the crew."),
    ("comment_reply_meta", "Posted by Jo Lind on March 3, 2031 at 8:47 am | permalink | Reply",
     "Thanks for writing this up, I shared it with everyone at the harbour office today.",
     "Posted at 8:47 am, the notice asked residents to reply before the end of the month."),
    ("comment_thread_widget", "Flag as Inappropriate", None,
     "Residents were asked to flag as inappropriate any post that named the harbour staff."),
    ("comment_thread_widget", "Login or register to post comments", None,
     "Residents must register to post comments on the council's harbour consultation site."),
    ("comment_author", "Jo Lind said,",
     "I have taken this ferry for twenty years and it has never once been on time in winter.",
     "Jo Lind said, after the vote, that the harbour would need a new ferry within five years."),
    # Blogger's comment byline ("Jo Lind said..."); a quote's lead-in ("said:") is not one
    ("comment_author", "Jo Lind said...",
     "I have taken this ferry for twenty years and it has never once been on time in winter.",
     "Analyst Jo Lind said:"),
    # session 23: a date before the byline's name; a quotation's lead-in with a comma is not one
    ("comment_author", "On October 26, 2031 at 2:08am, Jo Lind said...",
     "I have taken this ferry for twenty years and it has never once been on time in winter.",
     "As you may recall, the harbour master writes:"),
    # "support now" opens an appeal; inside prose it is a product's
    ("donation_appeal", "Support now: every gift keeps the Harbour Daily free to read.", None,
     "The new card bypasses the few ferries capable of contactless support now, the council "
     "said on Tuesday after the vote on the harbour budget."),
    # session 26: a nonprofit newsroom's appeal asked of the reader; news of a grant is not
    ("donation_ask", "Since you made it to the bottom of this article, we have a small "
     "favor to ask.", None,
     "The state may consider chipping in $2 million for the bridge repairs, the governor's "
     "office said on Tuesday."),
    ("donation_ask", "If you believe stories like this one matter, please consider pitching "
     "in what you can.", None,
     "Councillors will consider supporting the project at Tuesday's meeting, where the "
     "harbour budget is also on the agenda."),
    ("donation_ask", "Consider a donation if you like what you see here!", None,
     "Every dollar you give to a registered charity is tax-deductible, the harbour trust "
     "reminded its members on Monday."),
    # session 27: a page's <noscript> notice; a how-to's step about the same setting is not
    ("noscript_notice", "Javascript is not enabled on your browser. Please enable javascript to "
     "use the community features on this page.", None,
     "To enable JavaScript in the harbour office's browser, the clerk opened its settings and "
     "ticked the box."),
    ("noscript_notice", "This site requires JavaScript to run correctly. Please turn on "
     "JavaScript or unblock scripts", None,
     "The ferry app requires JavaScript, the operator said, which older phones cannot run."),
    # a news site's disclaimer under its links; a story about responsibility for content is not
    ("external_links_note", "The Harbour Daily is not responsible for the content of external "
     "sites.", None,
     "The council said it is not responsible for the content of the harbour master's blog, "
     "which it called external to its work."),
    # a newsroom's call for tips; a story about a tip is not
    ("news_tip_prompt", "Have a news tip?", None,
     "Police said they have a tip that led them to the harbour on Tuesday night."),
    ("news_tip_prompt", "Do you have more information about this topic? If so, please click "
     "here to contact the editors of Harbour Daily.", None,
     "Do you have more information about this topic? Residents asked the editors of the harbour "
     "plan at Tuesday's meeting."),
    ("comments_heading", "Comment & Contribute",
     "I have taken this ferry for twenty years and it has never once been on time in winter.",
     "Residents can comment and contribute to the harbour plan until the end of May."),
    # a gallery's pager; a count in a sentence is not
    ("pager", "Prev Next", None,
     "The harbour master said the previous and next ferries would both be cancelled."),
    ("pager", "3 of 12", None, "3 of 12 ferries were cancelled on Tuesday, the operator said."),
    # a trade site's sponsored downloads; a story about a white paper is not
    ("resource_promo", "Protecting the Mobile Harbour | White Paper", None,
     "The council published a white paper on the harbour budget on Tuesday."),
    ("inline_button", "Download now! »", None,
     "Residents can download the harbour plan now from the council's website."),
    ("caption_gallery", "hide caption", None,
     "The harbour master asked the paper to hide the caption under the photo of the quay."),
    ("noscript_notice", "Media requires JavaScript and Adobe Flash to play.", None,
     "The harbour's new ticket machines require Adobe software that the council no longer "
     "licenses, the operator said."),
    ("platform_credit", "Harbour Notes is powered by Blogger. Start your own blog.", None,
     "The harbour's booking site is powered by a system the council bought in 2019."),
    ("reprint_notice", "Reprints & Permissions", None,
     "The paper said reprints and permissions for the harbour photos are handled by its "
     "archive."),
    ("related_heading", "Featured Stories",
     "Ten things to know about the harbour's new ferries, from fares to timetables and more",
     "The harbour's featured stories this year included the new ferry terminal."),
    ("skip_link", "Post navigation", None,
     "The post navigation system on the new ferries was made in Norway, the operator said."),
    ("license_notice", "All photos are licensed under a Creative Commons Attribution 3.0 "
     "License.", None,
     "The council licensed the harbour photos to the paper under a five-year agreement."),
    ("opinion_disclaimer", "The opinions expressed here are my own and do not reflect the views "
     "of my employer.", None,
     "The statement does not reflect the views of the harbour board, its chair said on Monday."),
    ("affiliate_disclosure", "Support us! Harbour Runner may earn a small commission from "
     "affiliate links in this article.", None,
     "Agents may earn a commission from links in their posts, the ferry operator said."),
    ("comments_closed_on", "Comments are now closed on Harbour Notes.", None,
     "Comments are now closed on the harbour plan."),
    ("comment_form", "This is only a preview. Your comment has not yet been posted.", None,
     "Your comment has been posted to the harbour board, the ferry captain was told."),
    ("affiliate_note", "We are a reader-supported harbour guide and do not accept payment from "
     "ferry lines to promote their crossings. When you click on some of the links on our site "
     "and book a trip, we earn a small commission at no cost to you. This keeps the guide "
     "running and free of charge.", None,
     "\"We get a commission on every ticket, but it is a small one,\" said Jo Lind, who runs a "
     "ferry booking desk from her kitchen table in Harbourtown and has sold tickets for ten "
     "years to the islands and back."),
    ("advice_disclaimer", "The information on this blog is for informational purposes only and "
     "should not be considered medical advice.", None,
     "The ferry company says its new timetable app is not meant as travel advice for storms."),
    ("share_prompt", "If you liked this article, please help spread the news on the following "
     "sites:", None,
     "If you liked the old ferries, the harbour museum will show two of them from May."),
    ("affiliate_disclosure", "When you buy through links on our site, we may earn an affiliate "
     "commission.", None,
     "The harbour agents earn a commission on every ticket they sell, the council said."),
    ("newsletter_signup", "We respect your privacy.", None,
     "We respect your privacy, the harbour master told residents at Tuesday's meeting about "
     "the new cameras."),
    ("share_buttons", "Opens in new window", None,
     "The new ferry terminal opens in a new building next to the old quay in May."),
    ("form_prompt", "Please fill out the form below, and one of our producers will follow up "
     "within 48 hours.", None,
     "Residents who want a permit must fill out a form at the harbour office, the council said."),
    ("related_heading", "If you enjoyed this article, you may also like:",
     "Ten things to know about the harbour's new ferries, from fares to timetables and more",
     "If you enjoyed the old ferries, you may also like the museum's new exhibition, its "
     "curator said."),
    ("tag_list", "Related Topics: Harbour, Ferries, Councils", None,
     "Related topics such as the harbour budget will be discussed at the next meeting."),
    # a caption's sentence with its credit after it; a quote's "credit:" inside prose is not
    ("caption_credit_tail", "The pressure ring lights up when you brush too hard. Credit: Jo "
     "Lind", None,
     "The council gave the harbour master credit: without her plan, the ferries would have "
     "stopped running in 2019."),
    # Substack's own lines between a post's paragraphs
    ("inline_subscribe", "Thanks for reading Harbour Notes! Subscribe for free to receive new "
     "posts and support my work.", None,
     "Readers can subscribe to receive new posts about the ferry timetable, the operator "
     "said on Monday."),
    ("inline_subscribe", "Thanks for reading Harbour Notes! This post is public so feel free to "
     "share it.", None,
     "The harbour master said the post is public and will be advertised in the spring."),
    ("caption_credit_tail", "The new quay at dawn. (Credit: Jo Lind)", None,
     "The ferry takes a digital wallet (credit/debit cards, cash, etc.)"),
    ("donate_button", "Double my donation", None,
     "The charity said the match would double every donation made before the end of May."),
    ("comment_form", "Your comment is awaiting moderation.", None,
     "The council said the comments it received on the harbour plan would be published in May."),
    ("comment_notice", "Comments are moderated, and will not appear until the author has approved "
     "them.", None,
     "Facebook said on Tuesday that all comments will be moderated by a team of reviewers in "
     "Dublin from next month."),
    ("comment_policy", "Guidelines: Reader feedback should be within the guidelines of the "
     "harbour community. Please keep your comments relevant to the topic and do not share "
     "personal details.", None,
     "The harbour office said comments that break its rules will be removed from the "
     "consultation site within a day."),
    ("comment_policy", "Comments may be no longer than 2000 characters and will post to the "
     "site shortly after submitting.", None,
     "Comments on the harbour plan may be sent to the council until the end of May."),
    ("comment_policy", "Please read our Community Guidelines.", None,
     "The council will read the community's guidelines for the harbour before the vote."),
    ("comment_form_name", "Mail (will not be published) (required)", None,
     "The mail will not be published until the council has approved the harbour plan."),
    # session 26: the commenter's fields close the page (`closes`); any form's do not
    ("comment_form_name", "Email (required) (Address never made public)", None,
     "The address of the harbour master is never made public, the council said on Monday."),
    ("comment_form_name", "Email (won't be published) (required)", None,
     "The names of the bidders won't be published until the harbour contract is signed."),
    ("comment_form_field", "Email (Required)", None,
     "Email is required for the ferry's booking system, the operator said on Monday."),
    # session 8: comment bylines of 2010s platforms (Slashcode, SB Nation, Movable Type),
    # blog author boxes flattened into one line, separator lines; each with a near miss
    ("comment_author", "by jolind (1234) writes: on Tuesday July 24, @11:35AM (#40750343)",
     "I have taken this ferry for twenty years and it has never once been on time in winter.",
     "The mayor said, on Tuesday July 24 at 11:35 am"),
    ("comment_reply_meta", "by jolind on Aug 9, 2012 10:23 AM EDT via mobile up reply actions",
     "Great piece, we have been waiting for this terminal for years and it is still not open.",
     "She emailed the harbour office at 4:30 pm via her lawyer and got no reply"),
    ("comment_reply_meta", "jolind wrote on November 12th, 2012 at 5:23 pm Link To Comment | "
     "Reply To Comment",
     "Thanks for writing this up, I shared it with everyone at the harbour office today.",
     "The clerk wrote on November 12th, 2012 at 5:23 pm that a link to the comment form would follow"),
    ("comment_posted_by", "Posted by: Jo Lind at November 7, 2012 1:56 PM",
     "I have taken this ferry for twenty years and it has never once been on time in winter.",
     "Posted by the harbour office at 1:56 pm, the notice asked residents to reply"),
    # session 20: a breadcrumb trail under its label
    ("breadcrumb", "You are here: Home / Harbour / Ferry terminal delayed again", None,
     "You are here: that is what the sign at the quay says, in four languages, to every visitor."),
    # session 20: TypePad's bar and seconds
    ("comment_posted_by", "Posted by: Jo Lind | Mar 26, 2007 2:00:18 PM",
     "I have taken this ferry for twenty years and it has never once been on time in winter.",
     "Posted by: the harbour office | the ferry leaves daily, first crossing 6:00:00 AM"),
    # session 18: a WordPress comment form's heading with its "Cancel reply" link (what follows
    # is the form and the sidebar), and the agency's credit then the photographer (the AP's)
    ("comment_policy", "Guidelines: Reader feedback should be within the guidelines of the harbour "
     "community. These guidelines will be used to identify those comments that will be removed "
     "from display on the site. Please keep your comments relevant to the topic, not abusive or "
     "combatant towards other readers, and do not share any personal details. Use the Report "
     "link to help keep the community at its best. Comments may be no longer than 2000 "
     "characters and will post to the site shortly after submitting. Comments that break these "
     "rules will be removed, and readers who break them again will be blocked from the site.",
     None, "Comments on the harbour plan may be sent to the council until the end of May."),
    ("related_heading_words", "More Technology Headlines", "Harbour Ferries Go Electric",
     "Top officials dismissed the headlines."),
    ("post_footer", "This entry was posted in Harbour and tagged ferries, quays by Jo Lind. "
     "Bookmark the permalink.", None,
     "This entry was written in 1862 by a private of the 20th Maine, on the eve of the "
     "battle, and it describes the march in the rain."),
    ("post_footer", "This entry was posted on Monday, March 3rd, 2031 at 4:48 pm and is filed "
     "under Harbour.", None,
     "This entry was filed by the ferry company on Monday, and the judge will hear it in May."),
    ("feed_link", "Harbour Notes - A blog about ferries, quays and the people who run them. (RSS)",
     None, "The council now publishes its harbour minutes as an RSS feed for the residents."),
    ("related_heading_words", "Related posts worth a look", "New work: Ferry Terminal (9)",
     "Related content is sold separately."),
    ("comments_title_heading", "8 appreciated comments on “New work: Harbour Bank”",
     "Thanks, this is brilliant work and a logo the whole town will recognise at a glance.",
     "8 angry comments on the harbour plan were read out at the council meeting on Monday."),
    ("comments_disqus", "Please enable JavaScript to view the comments powered by Disqus. "
     "blog comments powered by Disqus",
     "Great piece, we have been waiting for this terminal for years and it is still not open.",
     "Please enable the new comments system on the council website, the mayor said."),
    ("comments_disqus", "blog comments powered by Disqus",
     "Great piece, we have been waiting for this terminal for years and it is still not open.",
     "The council's new comments page is powered by a Disqus plug-in, the mayor said."),
    ("comments_disqus", "Please enable JavaScript to view the comments powered by Disqus.",
     "Great piece, we have been waiting for this terminal for years and it is still not open.",
     "Enable JavaScript to view the comments, the help page of the council website says."),
    ("comment_form_heading", "Speak Your Mind Cancel reply", "Some HTML is okay.",
     "The council did not cancel the reply it had sent to the ferry operator on Monday."),
    ("caption_credit_tail", "Jamaica's Usain Bolt competes in a men's 200-meter semifinal in "
     "the Olympic Stadium in London, Wednesday, Aug. 8, 2012. (AP Photo/David J. Phillip)", None,
     "Support for the harbour plan fell to 38 percent, according to a poll (Reuters/Ipsos)."),
    ("separator", "\u200d", None,
     "The ferry\u200d's new timetable starts on Monday, the harbour office said."),
    ("separator", "————————————————————", None,
     "The ferry — late again, and full — left the harbour at noon, the operator said."),
    # platform lines a page carries alone (a batch's template rules took them where a site
    # had pages enough)
    ("form_notice", "Oops! Something went wrong while submitting the form.", None,
     "Something went wrong with the ferry's booking form, and the council apologised."),
    ("official_site_banner", "An official website of the United States government", None,
     "The harbour is an official website of the county's heritage trail, the council says."),
    ("comments_closed", "Comments are closed.", None,
     "Comments are closed on the harbour plan, the council said, after a record 900 replies."),
    ("share_buttons", "Email This BlogThis! Share to Twitter Share to Facebook", None,
     "The mayor asked residents to email this office before they share the plan on Facebook."),
    ("skip_link", "Skip to main | Skip to sidebar", None,
     "The ferry skips the main quay in winter, and the council says it will not change that."),
    ("legal_notice", "Harbour.com is the official web site of the Harbour Ferry Company. "
     + "Harbour, the Harbour Shield and the word mark Harbour Ferries are registered "
     "trademarks of the Harbour Ferry Company and may not be used without permission. " * 3
     + "© Harbour Ferry Company 2031. All Rights Reserved.", None,
     "The ferry company said all rights reserved in the 1904 lease stayed with it, and that "
     "the council's use of the trademarks on its posters, its timetables and a mural on the "
     "quay broke the lease, according to the complaint the company filed in court on Monday."),
    ("archive_months", "Select Month July 2031 June 2031 May 2031 April 2031 March 2031",
     None, "Select Month in the Group By box of the harbour's spreadsheet and press OK."),
    ("archive_months", "July 2031 (4) June 2031 (7) May 2031 (2) April 2031 (5)",
     None, "The ferry ran in July 2031, June 2031 and May 2031, the council's report says."),
    ("official_site_banner", "A lock ( ) or https:// means you've safely connected to the "
     ".gov website. Share sensitive information only on official, secure websites.", None,
     "A lock on the harbour gate means the quay is closed to the public, the council says."),
    ("share_buttons", "Add to del.icio.us", None,
     "Residents can add to the harbour fund at the library, the council said on Monday."),
    ("skip_link", "Increase Text Size", None,
     "The council will increase the text size of its harbour notices after complaints."),
    ("logo_furniture", "Was this page helpful?", None,
     "Was the ferry helpful to the town? The council asked residents in a survey this spring."),
    ("subscribe_button", "First Name *", None,
     "First, the name of the ferry: residents voted for Harbour Star at the council meeting."),
    ("print_edition_note", "A version of this article appeared in print on March 3, 2031, on "
     "page A 4 of the Harbour edition with the headline: Ferry Runs Late Again.", None,
     "A version of this story appeared on the council's website before the ferry vote."),
    ("author_box", "About Jo Lind Jo Lind is the author of The Harbour Book, hosts the Ferry "
     "Podcast and has written about coastal towns for two decades.", None,
     "About Elon Musk Harbour Films is a new documentary that opens on Friday in the town."),
    # A pattern's counted repeat is what it says: "follow [\\w ]{0,30}" is a short follow
    # prompt, not a sentence that opens with "Follow" (the fast scan's open repeat hit both;
    # `matching.exact_regex` re-tests its hits), "[\\w .&-]{1,30} logo" a logo's alt text.
    ("share_buttons", "Follow us on Mastodon", None,
     "Follow the ferry timetable rules printed on the back of every harbour season ticket."),
    ("logo_furniture", "Harbour Daily logo", None,
     "The steps the council took when it chose the new harbour logo"),
    # A credit is a short tail of a caption, not a sentence that happens to hold an agency's
    # name after a slash or a parenthesis ("pool", "EPA").
    ("caption_credit_tail", "The harbour master on the quay. (Kin Cheung/Associated Press)", None,
     "The baths have three parts: a room for changing, a tap/shower area for rinsing off, "
     "and the pool area."),
    ("caption_credit_tail", "The new ferry at the quay. (Image Source)", None,
     "Ferry emissions fell by a tenth in 2030, the council's figures show (EPA 2031)."),
    ("caption_credit_tail", "The quay at dawn. (Photos courtesy of the harbour office)", None,
     "Guests of the harbour hotel can use the sauna/steam room and the pool."),
    ("newsletter_signup", "By clicking Sign Up, you will receive emails from Harbour Daily.", None,
     "Users can opt out by clicking a link, a change the regulator agreed to in May."),
    ("newsletter_signup", "E-Newsletter", None,
     "Patients can join by signing up for clinical trials at the harbour hospital, the council "
     "said."),
    ("newsletter_signup", "Our Weekly Harbour Newsletter", None,
     "Each week the harbour office sends the timetable to a list of twenty local newsletters"),
    ("newsletter_signup", "By signing up, you agree to our Terms and Privacy Policy.", None,
     "Residents can have their mooring permits renewed by signing up through the harbour "
     "office's website, the council said."),
    ("newsletter_signup", "By clicking Subscribe, you agree to our Terms and Privacy Policy.",
     None, "Residents can see the new timetable by clicking on the Ferries tab of the council's "
     "website, the harbour master said."),
]


@pytest.mark.parametrize(("rule", "line", "after", "prose"), ADDED)
def test_added_rule_fires_and_leaves_prose(rule: str, line: str, after: str | None,
                                           prose: str) -> None:
    text = "\n\n".join([*PROSE, line, after]) if after else article_with(line, where=None)
    res = clean_text(text)
    hit = res.removed.filter(pl.col("text") == line)
    assert hit.height == 1 and hit["rule"][0] == rule, f"{line!r}: {hit.rows()}"
    assert res.documents["text"][0].split("\n\n") == PROSE
    if after:
        assert res.removed.filter(pl.col("text") == after).height == 1
    kept = clean_text(article_with(prose)).documents["text"][0].split("\n\n")
    assert prose in kept, f"{rule} removed prose {prose!r}"
    assert clean_text(article_with(prose), kind="html").documents["text"][0].count(prose) == 1


def test_only_a_line_or_context_rule_is_inline() -> None:
    from pipeline.boilerplate.rules import Rule

    Rule("ok", "advertising", "line", r"^book now$", inline=True)
    Rule("ok_ctx", "caption", "context", predicate=lambda: pl.col("n_words") <= 6, inline=True)
    for kind in ("weak", "section"):
        with pytest.raises(ValueError, match="inline"):
            Rule("bad", "advertising", kind, r"^book now$", inline=True)


def test_only_an_until_end_section_may_stay_closed() -> None:
    from pipeline.boilerplate.rules import Rule

    Rule("ok", "comments", "section", r"^\d+ comments$", until="end", reopens=False)
    for kind, until in (("line", "prose"), ("section", "prose"), ("section", "thread")):
        with pytest.raises(ValueError, match="may not reopen"):
            Rule("bad", "comments", kind, r"^\d+ comments$", until=until, reopens=False)


def test_separators_between_paragraphs_do_not_split_the_article() -> None:
    """Rules between paragraphs ("————", "* * *") are dropped and never cut the article block
    short (they used to cost as much as a removed line, so a page whose paragraphs they
    separate lost all but one)."""
    text = "\n\n".join(p for para in PROSE for p in (para, "————————————", "* * *"))
    res = clean_text(text)
    assert res.documents["text"][0].split("\n\n") == PROSE
    assert set(res.removed["rule"].to_list()) == {"separator"}


@pytest.mark.parametrize("dateline", ["Updated July 23, 2012, 11:57 p.m. ET",
                                      "Published March 3, 2012 at 10:04 am"])
def test_a_dateline_between_paragraphs_opens_no_comment_thread(dateline: str) -> None:
    """A story's dateline has a comment byline's shape (a name-like word, a date, a time), so
    `comment_byline_time` opened a thread there and the paragraphs under it went as comments;
    its `unless` veto leaves the line to the metadata rules. A commenter's byline of the
    same shape still opens the thread."""
    res = clean_text("\n\n".join([*PROSE[:2], dateline, *PROSE[2:]]))
    assert res.documents["text"][0].split("\n\n") == PROSE
    assert res.removed.filter(pl.col("text") == dateline)["category"].to_list() == ["metadata"]
    thread = clean_text("\n\n".join([*PROSE[:2], "Jo Lind March 3, 2012 at 10:04 am", *PROSE[2:]]))
    assert "comment_byline_time" in thread.removed["rule"].to_list()


def test_unless_is_only_for_a_pattern_rule() -> None:
    Rule("ok", "comments", "line", r"^\d+ comments$", unless=r"^0 ")
    with pytest.raises(ValueError, match="unless"):
        Rule("bad", "comments", "line", predicate=lambda: pl.col("n_words") < 3, unless="x")


_SHORT_POST = ("Leelee looks like she has walked out of the pages of a vintage magazine in her "
               "bright red dress at the show.")
_COMMENTS = [
    ("Maria", "I can't take my eyes off this picture and I can't tell which is the reason, the "
              "beauty of the model or the dress, or the light in the room behind her."),
    ("Karin", "I love this look so much! I just have to learn how to wear a red like that, it "
              "never works on me, but on her it looks like the most natural thing there is."),
    ("Amber", "The mixing of the colours is spot on, and those shoes are just the right mix of "
              "quirky and adorable. Once again you have nailed it, a flawless look for autumn."),
    ("Jessie", "The dress and the bag are my two favourite parts of the look; I am shocked they "
               "are vintage, they go hand in hand with the new collection of this season."),
]


def test_a_short_post_under_a_counted_thread_of_dated_permalinks_is_kept() -> None:
    """TypePad-style threads ("Maria" / "September 29, 2012, | Permalink" / the comment) under
    "57 Comments": each byline is a comment's (comment_date_permalink), and the thread starts
    under its count heading although the post above it has only 20 words
    (`P.thread_headed_min_prose_words`): the comments, each longer than the post, go."""
    lines = ["AT THE SHOW - A FASHION BLOG", "About / Contact", "AT THE SHOW", _SHORT_POST,
             "57 Comments"]
    for name, comment in _COMMENTS:
        lines += [name, "September 29, 2012, | Permalink", comment]
    r = clean_text("\n".join(lines))
    assert r.documents["text"][0] == _SHORT_POST
    rules = dict(zip(r.removed["text"], r.removed["rule"], strict=False))
    assert rules["September 29, 2012, | Permalink"] == "comment_date_permalink"


def test_a_date_and_permalink_is_no_byline_with_more_on_the_line() -> None:
    rule = next(r for r in RULES if r.name == "comment_date_permalink")
    pat = re.compile(rule.pattern)
    assert pat.search("september 29, 2012, | permalink")
    assert pat.search("november 05, 2012 | permalink")
    assert not pat.search("posted on september 29, 2012 | permalink to the story and more")
    assert not pat.search("september 29, 2012")


def test_an_articles_own_byline_under_a_count_link_in_its_header_starts_no_thread() -> None:
    """"57 Comments" in a story's header, its byline below it, then the story and its comments:
    the byline's text (the story) is longer than any comment below, so no thread starts
    there (`P.thread_headed_min_prose_words` is for a short post above its thread)."""
    para = ("The council voted on Tuesday to close the old harbour road for repairs, a decision "
            "that residents had asked for since the storms of last winter damaged its wall.")
    story = [para, para.replace("Tuesday", "Monday"), para.replace("Tuesday", "Friday")]
    page = ["Harbour road to close",
            "The town's oldest road will shut for the whole of the winter months.",
            "57 Comments", "Erin Smith — June 24th, 2012, 9:00 am", *story]
    for name, comment in [("Jo Smith", "Great news at last."), ("Al Brown", "About time too."),
                          ("Ed Stone", "Seen it coming!")]:
        page += [f"{name} — June 24th, 2012, 9:30 am", comment]
    r = clean_text("\n".join(page))
    assert r.documents["text"][0].split("\n\n") == story


def test_a_split_scan_hits_what_its_union_hits() -> None:
    """`Rule.split_scan` scans each top-level alternative on its own (the union of
    caption_credit_tail's blew up the regex DFA): the lines hit are the union's, and only an
    unanchored pattern may ask for it."""
    from pipeline.boilerplate import matching
    lines = ["The new quay at dawn. (AP Photo/Jo Lind)", "Ferries wait at the quay / Reuters",
             "The ring lights up when you brush too hard. Credit: Jo Lind", "(Photo: Jo Lind)",
             "The ferry takes a digital wallet (credit/debit cards, cash, etc.)", *PROSE]
    frame = matching.lowercase(pl.DataFrame({"line": lines}).with_columns(
        pl.col("line").str.count_matches(" ").add(1).alias("n_words")))
    split = [r for r in RULES if r.split_scan]
    assert split
    for r in split:
        fast = frame.select(matching._hit_expr(r).alias("hit"))["hit"].to_list()
        union = frame.select((pl.col(matching._text_col(r)).str.contains(
            matching.fast_regex(r.pattern or "")) & (pl.col("n_words") <= (r.max_words or 10**6))
        ).alias("hit"))["hit"].to_list()
        assert fast == union and any(fast), r.name
    with pytest.raises(ValueError, match="split_scan"):
        Rule("x", "caption", "line", r"^photo:|^credit:", split_scan=True)
