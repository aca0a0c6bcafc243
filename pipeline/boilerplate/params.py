"""Every threshold of the boilerplate engine, in one documented object (as `dedup/settings.py`
does for deduplication). The rule catalogue (`rules.py`) holds what a rule matches; these are
the numbers the engine weighs lines and blocks with. They were tuned on the dev sets' tune
splits (bench/eval_boilerplate.py), never on the held-out domains.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class BoilerplateParams:
    # Prose (features.py): what a line of an article looks like.
    prose_min_words: int = 7
    """A sentence-ended line at least this long, with stopwords, is prose."""
    prose_long_words: int = 25
    """A line this long with any sentence punctuation is prose."""
    prose_min_stop_ratio: float = 0.15
    """Share of stopwords a prose line needs."""

    # The article block (blocks.py): lines scored, the best-scoring block kept.
    section_end_min_prose_words: int = 50
    """An "until end" heading only ends the page after this much prose."""
    section_resume_lines: int = 4
    """Consecutive prose lines that re-open the article after such a heading."""
    stay_closed_min_prose_words: int = 150
    """... except after a heading that does not reopen (a comment count, rules with
    reopens=False) with this much prose above it in the page (from the page's start, in both
    passes: `blocks._closes_page` says why): the thread that follows has long comments. With
    less above, it is a count linked under a story's first paragraph ("124 Comments",
    alistapart.com), and prose below reopens as after any heading."""
    closer_min_words: int = 7
    """A line of a closing rule (`closes` in the catalogue: a comment form's heading, fields
    and notices, "Comments are closed.") closes the page, in both passes and whatever follows,
    once a line of this many words or more with sentence punctuation, that no rule took,
    stands above it below the page's first line (a comment form under a post has the post
    above it, prose or a photo's caption: "Simply beautiful! Unreleased new material from the
    band"; a site's tagline or a headline has no sentence punctuation). Unlike a comments
    heading (50 words of prose, `section_end_min_prose_words`), a closing line is no link
    under a story's first paragraph, so the post above it may be short: a 25-word post lost
    the article block to a sidebar blurb below its comment form (Dragnet R630, cleaned alone),
    and a page whose post is a caption kept the whole sidebar (`blocks.block_flags`: a page
    without prose keeps its lines above the form only)."""
    thread_min_bylines: int = 3
    """A comment thread (rules with until="thread": comment bylines) starts at a byline that
    this many bylines follow, itself included."""
    thread_min_byline_gap: int = 2
    """... and whose next byline is at least this many lines below it: a comment has its text
    under its byline; a dated list in an article ("1. The first iPhone - June 29, 2007") has
    its items one under another."""
    thread_min_prose_words: int = 50
    """...and that has this many words of prose before it in the page (an article's own byline,
    above its text, starts none)."""
    thread_headed_min_prose_words: int = 10
    """...or, under a comments heading ("57 Comments") at most thread_lead_in_lines above it,
    this many (`blocks._thread_starts`: a 20-word photo post under a count heading and its
    thread; the thread was found only where 50 words of comments had gone by, and the first
    comments outweighed the post)."""
    thread_lead_in_lines: int = 8
    """...or at a comments heading this many lines above that byline or fewer (and no further
    than the thread's longest stretch between two bylines), with prose above the heading in
    the page (`blocks._lead_in`: Movable Type and TypePad bylines stand under their comments).
    Measured (session 20, bench/eval_boilerplate.py, with comment_posted_by's TypePad form):
    Dragnet 5 pages better, none worse, WCXB unchanged, batch and alone."""
    lede_max_lines: int = 10
    """The lede (`blocks.lede`) is the first prose line at most this many lines under the
    headline."""
    lede_bonus: int = 50
    lede_near_lines: int = 10
    """Second pass of the article block: a block that neither holds the lede nor starts within
    lede_near_lines below it lies away from the story; the lede then scores lede_bonus more
    (`blocks.article_block`)."""
    alt_text_max_per_page: int = 2
    """`caption_alt_text` takes a short label above a caption on pages with at most this many
    such labels: more are a listicle's item headings (bench/README.md, session 27)."""
    prose_score_cap: int = 100
    """One huge paragraph may not outweigh everything else."""
    prose_offset: int = 5
    """A prose line scores its words minus this (short prose pulls the block less)."""
    short_line_penalty: int = 1
    """Score of a short line that is not prose (prose scores its word count)."""
    weak_line_penalty: int = 3
    """... of a line with weak boilerplate evidence (menu shapes, bullets)."""
    heading_score: int = 0
    """... of a short line followed by prose (a sub-heading)."""
    second_block_share: float = 0.5
    """A second run of the article, apart from the block, is kept when it scores at least
    this share of the block and no removed line lies between them (`blocks.second_block`)."""
    rescue_min_words: int = 20
    rescue_min_line_words: int = 4
    rescue_max_listing_share: float = 1 / 3
    """A text page left under rescue_min_words words (the publishing bound,
    `validation.settings.min_words`) gets back its own run of lines that only the article block
    removed (the run holding the lede, else the first holding a kept line), when the run reaches
    rescue_min_words and rescue_min_line_words words a line on average (not a menu) and no
    more than rescue_max_listing_share of its lines teasers, pager or menu items (not a listing)
    (`rescue.py`: a poem, a round-up of headlines); a page, text or HTML, that no run saves
    gets back its own captions of prose_long_words+ words above any section (a gallery)."""
    rule_line_penalty: int = 25
    """... of a line a rule removed (lines of a page-closing section: minus words)."""
    template_line_penalty: int = 5
    template_short_words: int = 8
    """... of a line a template rule removed (it recurs across documents: site_template,
    repeated_template, sibling_template) of at most template_short_words words: an ad slot, a
    photo credit, a price line, "Follow @nytimesworld for breaking news and headlines." between
    an article's paragraphs, whose -rule_line_penalty each split the article where it stood.
    Longer recurring lines keep -rule_line_penalty: a cookie notice, an "about us" box or "See
    a sample reprint in PDF format. Order a reprint of this article now" must not join the
    article. Measured (session 21) on the corpus with the article's own clutter
    (`bench/_devdata.fill`): eval_templates.py F1 0.969 -> 0.978, false merges 46 -> 7;
    eval_dedup_corpus.py at 20k, articles dropped as another's duplicate 119 -> 49.
    eval_boilerplate.py (with comments_disqus): Dragnet 0.902 -> 0.903 (8 pages better, 3
    worse), WCXB 0.930 unchanged (5 pages a little worse, -0.065 in all); each page alone, this
    weight changes nothing (template rules need a batch).
    Tried, on earlier variants of that corpus: no word limit (four online.wsj.com pages lost
    0.02-0.08: their reprint line joined the block); -short_line_penalty (1) for every such
    line (WCXB 6 pages worse: a site's blurb above the post joined it); -1 only between two
    prose lines (a fifth of the gain on eval_templates.py). Short lines that read as prose
    weighed -rule_line_penalty until session 28: weighed as the others, three nytimes.com pages
    (Dragnet, held out) kept the first paragraph that "Connect With Us on Twitter / Follow
    @nytimesworld ..." cut off (0.86-0.97 -> 0.93-0.99), no page worse on either set, and
    eval_templates.py's recall 0.964 -> 0.965."""
    section_line_penalty: int = 5
    """... of a line inside an inline section (a teaser box within the article)."""
    template_min_site_docs: int = 3
    """A site needs this many distinct documents before a line repeated across them is
    treated as its template."""
    repeated_min_docs: int = 4
    """A line carried by this many different documents of a batch (a chunk of the run, any
    site; copies of one article count once) is template ("repeated_template"). Also what a
    document's own text is when pairs are counted over a run: its long lines that fewer
    documents carry (`recurrence.py`)."""
    repeated_min_words: int = 3
    """... and has at least this many words: "Pros", "Conclusion", "Yes" or a number recur on
    many pages of different sites as their own headings and cells, not as a template."""
    repeated_long_words: int = 20
    repeated_long_min_docs: int = 8
    """... a line longer than repeated_long_words needs this many (a quote or a wire paragraph
    reused by a few different articles is not template)."""
    repeated_pair_min_docs: int = 4
    """... or this many carrying it next to the same recurring line, above or below it (a
    template's own paragraphs, a cookie banner's or an "about us" box's, recur together; a
    quote reused by different articles comes in different company)."""
    run_pairs_min_inside_words: int = 50
    run_pairs_min_kept_ratio: float = 1.0
    """Pairs counted over the whole run (recurrence.py) remove a document's lines only where
    they wrap the prose they leave (this many words between them, half the prose left), or
    where the prose left is at least this many times the prose they take: a syndicated article
    in the templates of several sites recurs too, and there it is the block the recurring
    lines form, not the one they wrap."""
    run_pairs_brief_words: int = 60
    """... or where the prose they take is under this many words: a sidebar blurb or an author
    bio (25-50 words), the only prose of a blog's short posts, is no syndicated article, and
    kept it was every post's clean text, the same on every page of the blog (eval_dedup_pages:
    P 0.954 -> 0.969 alone). The price, not measured (no evaluation holds such copies): a
    brief under 60 words syndicated in four or more sites' templates of one run goes too."""
    run_pairs_subset_share: float = 0.5
    """A document's recurring prose lines carried by at most this share of the documents that
    carry the recurring lines wrapping them (its first and last) are kept: a template recurs on
    every page of its site, while an article that recurs on only some of them (five re-scrapes of
    one page, each with another teaser above the article) is that page's, not the site's."""
    sibling_min_lines: int = 5
    sibling_min_share: float = 0.5
    sibling_max_docs: int = 6
    sibling_max_long_prose: int = 2
    sibling_min_block_share: float = 0.5
    """Two pages of one template, too few for the counts above (`siblings.py`): they share at
    least sibling_min_lines lines carried by at most sibling_max_docs documents of the batch,
    at least sibling_min_share of the smaller page's distinct lines, at most
    sibling_max_long_prose of them prose of `prose_long_words`+ words (a blog's bio and licence
    notice are one or two; at 3, two articles of a four-page site that share two paragraphs and
    a notice lost them); each carries the other's last such line (a footer) and neither the
    other's first line (a title). What one shares with the other is its
    template, taken away where it holds at least sibling_min_block_share of the prose words of
    the page's first-pass article block. Measured (session 15): eval_dedup_pages seeds 1-3
    P 0.9903 -> 0.9964, recall unchanged; Dragnet text +0.003, 7 pages better, none worse;
    WCXB unchanged; sibling_max_docs 3 instead of 6: P 0.9952 (an "other_template" copy hosted
    in a blog's template makes its lines four documents')."""
    line_model: bool = False
    """Run the learned line model (model.py) after the rules. Off by default: over today's
    rules (retrained on them, session 13) it raises the tune splits' text F1 (WCXB 0.925 ->
    0.933, Dragnet 0.887 -> 0.896) but not the held-out domains' (0.935 -> 0.934, 0.882 ->
    0.881), and it costs about a fifth of the end-to-end throughput on real pages (1,852 ->
    1,543 docs/s at 100k, session 6); see bench/README.md."""
    wrap_max_width: int = 100
    wrap_min_width: int = 60
    wrap_max_long_lines: int = 5
    wrap_min_fill: float = 0.8
    wrap_min_share: float = 0.6
    wrap_min_breaks: int = 5
    wrap_min_lower_share: float = 0.25
    """Hard-wrapped text scrapes (`reflow.py`: lynx, w3m, html2text wrap at 72-80 columns): a
    text document of more than wrap_min_breaks lines, at most wrap_max_long_lines of them
    longer than wrap_max_width characters, whose width (95th percentile of the lengths of its
    lines of two words or more) is at least wrap_min_width, and whose lines of at least
    wrap_min_fill of that width followed by a non-blank line were broken where the next word
    did not fit (wrap_min_share of them and at least wrap_min_breaks), wrap_min_lower_share
    of those breaks going on with a lowercase letter, has those lines joined to the next.
    Measured (session 22) on both dev sets' pages wrapped at 72-80 columns, and on the pages
    as scraped (three change, all for the better; without the width floor and the lowercase
    test seven pages of short lines were joined, one losing its text): bench/README.md."""
    html_header_lines: int = 3
    """trafilatura output: only its first lines may repeat the title."""
    html_section_end_max_after: float = 0.5
    """HTML: prose after an "until end" heading, relative to before, that still ends the page."""

    # Metadata lines (metadata.py): title, dateline and site lines moved into columns.
    header_max_lines: int = 40
    """Metadata lines are looked for in the page's first lines only."""
    title_min_words: int = 3
    title_max_words: int = 30
    dateline_max_words: int = 10
    site_max_words: int = 5


PARAMS = BoilerplateParams()
