"""Template lines across documents, whatever their site (issue 17): a line that recurs in many
different documents of a batch is template; a syndicated article's lines are not."""

from __future__ import annotations

import random

import polars as pl

from pipeline.boilerplate import clean_documents

WORDS = [
    "council", "budget", "river", "school", "bridge", "mayor", "vote", "city", "plan", "water",
    "power", "market", "court", "police", "hospital", "road", "train", "season", "report",
    "farmers", "weather", "festival", "library",
]


def paragraph(r: random.Random) -> str:
    """A prose paragraph: two sentences of a dozen words, with stopwords."""
    out = []
    for _ in range(2):
        w = [r.choice(WORDS) for _ in range(12)]
        out.append(f"The {w[0]} and the {w[1]} of " + " ".join(w[2:]) + " were in the news.")
    return " ".join(out)


# Lines no phrase of the catalogue knows: only their recurrence tells they are template.
TEMPLATE_TOP = ["The Valley Gazette serves the valley since 1901",
                "Ten things to do in the valley this weekend",
                "The gazette is printed on recycled paper in the old mill by the river."]
TEMPLATE_END = ["Letters to the editor go to the office on Mill Street",
                "Our reporters cover the valley, the hills and the river towns every day."]


# Another site's header and footer, for the run-wide tests.
NETWORK_TOP = ["Welcome to the valley news network and its many weekly readers",
               "The network reports on the valley and the hills for every reader."]
NETWORK_END = ["The network is owned by its readers and printed by the old river mill.",
               "Write to the network at the mill on the river road in the valley."]


def page(article: list[str]) -> str:
    return "\n".join([*TEMPLATE_TOP, *article, *TEMPLATE_END])


def test_lines_repeated_across_documents_are_template_not_articles():
    r = random.Random(7)
    articles = [[paragraph(r) for _ in range(6)] for _ in range(8)]
    syndicated = [paragraph(r) for _ in range(6)]
    docs = {f"t{i}": page(a) for i, a in enumerate(articles)}
    # One article syndicated by six sites, each with a template of its own (no site line).
    for i in range(6):
        docs[f"s{i}"] = "\n".join([f"Site number {i} front page headlines today",
                                   *syndicated, f"Subscribe to the site number {i} letter now"])
    res = clean_documents(pl.DataFrame({"doc_id": list(docs), "text": list(docs.values())}))
    text = dict(zip(res.documents["doc_id"], res.documents["text"], strict=True))
    rem = res.removed.filter(pl.col("rule") == "repeated_template")
    for i, a in enumerate(articles):
        assert text[f"t{i}"] == "\n\n".join(a)  # every sentence of the article, no template
    for line in TEMPLATE_TOP + TEMPLATE_END:
        assert rem.filter(pl.col("text") == line).height == len(articles), line
    assert set(rem["category"].to_list()) == {"template"}
    for i in range(6):  # the syndicated article counts once: it is kept whole everywhere
        assert all(p in text[f"s{i}"] for p in syndicated)


def test_short_common_lines_are_not_judged_by_recurrence():
    """"Pros", "Conclusion" or a number recur on many pages as their own headings."""
    r = random.Random(3)
    docs = {f"d{i}": "\n".join(["Pros", paragraph(r), paragraph(r), "Conclusion", paragraph(r),
                                paragraph(r), paragraph(r)]) for i in range(8)}
    res = clean_documents(pl.DataFrame({"doc_id": list(docs), "text": list(docs.values())}))
    assert res.removed.filter(pl.col("rule") == "repeated_template").is_empty()


def long_paragraph(r: random.Random) -> str:
    """A paragraph of 30+ words (a long line: recurrence alone needs 8 documents)."""
    return " ".join(paragraph(r) for _ in range(2))


def test_long_template_paragraphs_that_recur_together_are_template():
    """An "about us" box of long paragraphs on five pages of one template (no site line): each
    paragraph recurs next to the same neighbour, which a quote reused by other articles does
    not."""
    r = random.Random(11)
    about = [long_paragraph(r) for _ in range(3)]
    quote = long_paragraph(r)
    docs = {}
    for i in range(5):
        body = [paragraph(r) for _ in range(6)]
        body.insert(1 + i % 4, quote)  # the same quote, in other company in every article
        docs[f"d{i}"] = "\n".join([*body, *about])
    res = clean_documents(pl.DataFrame({"doc_id": list(docs), "text": list(docs.values())}))
    text = dict(zip(res.documents["doc_id"], res.documents["text"], strict=True))
    rem = res.removed.filter(pl.col("rule") == "repeated_template")
    for p in about:
        assert rem.filter(pl.col("text") == p).height == 5
    for i in range(5):
        assert quote in text[f"d{i}"]
        assert not any(p in text[f"d{i}"] for p in about)


def _clean_in_chunks(chunks: list[dict[str, str]]) -> dict[str, str]:
    """Each chunk cleaned on its own, with the pairs counted over all of them (what the chunked
    pass does with its workers' summaries)."""
    from pipeline.boilerplate import recurrence, recurring_summary

    frames = [pl.DataFrame({"doc_id": list(c), "text": list(c.values())}) for c in chunks]
    counts = recurrence.count_batch(pl.concat([recurring_summary(f) for f in frames]))
    out = {}
    for f in frames:
        res = clean_documents(f, run_pairs=counts)
        out.update(zip(res.documents["doc_id"], res.documents["text"], strict=True))
    return out


def test_a_template_spread_thinly_over_the_run_is_found_by_its_recurring_pairs():
    """Two pages of one template in each of three chunks: too few for a chunk's own counts
    (four documents), enough over the run; the articles between header and footer stay."""
    r = random.Random(5)
    header, footer = NETWORK_TOP, NETWORK_END
    articles = {f"c{c}d{i}": [paragraph(r) for _ in range(5)] for c in range(3) for i in range(2)}
    chunks = [{k: "\n".join([*header, *a, *footer]) for k, a in articles.items()
               if k.startswith(f"c{c}")} for c in range(3)]
    alone = {}
    for c in chunks:  # each chunk as its own run: the template stays
        res = clean_documents(pl.DataFrame({"doc_id": list(c), "text": list(c.values())}))
        alone.update(zip(res.documents["doc_id"], res.documents["text"], strict=True))
    assert all(header[1] in alone[k] for k in articles)
    text = _clean_in_chunks(chunks)
    for k, a in articles.items():
        assert text[k] == "\n\n".join(a), k


def test_a_syndicated_article_is_kept_where_its_hosts_templates_are_unique():
    """One article on six sites, each in a template of its own with some prose: the article's
    pairs recur in six documents, but it is the block they form, not one they wrap."""
    r = random.Random(9)
    story = [paragraph(r) for _ in range(6)]
    chunks = [{f"s{c}{i}": "\n".join([
        f"Site {c}{i} home news sport weather",
        f"Site {c}{i} is a small local paper that reports on its town and has done so for "
        "many years for the readers of the town.",
        *story, f"Subscribe to site {c}{i} now"]) for i in range(2)} for c in range(3)]
    text = _clean_in_chunks(chunks)
    for k, t in text.items():
        assert all(p in t for p in story), k
    # All six in one batch: the batch's own pairs (six documents) go through the same guard.
    text = _clean_in_chunks([{k: v for c in chunks for k, v in c.items()}])
    assert len(text) == 6
    for k, t in text.items():
        assert all(p in t for p in story), k


def test_rescrapes_of_one_page_keep_their_article():
    """Five scrapes of one page, each with another teaser after the article: the article's
    lines recur with their neighbours in five documents, but they are one article, not a
    template; in one batch as over a run. (Their leads may differ where the number of lines
    after the article does; what is below a heading after the article is not what a template
    would leave, `recurrence.wrapping`.)"""
    r = random.Random(3)
    header, footer = NETWORK_TOP, NETWORK_END
    article = [paragraph(r) for _ in range(6)]
    docs = {f"v{i}": "\n".join([*header, *article, "Related",
                                long_paragraph(r) + " " + paragraph(r), *footer])
            for i in range(5)}
    # ... and five whose comment threads grew between the scrapes (1 to 9 comments).
    grown = {f"g{i}": "\n".join([*header, *article, "Comments",
                                 *[long_paragraph(r) for _ in range(2 * i + 1)], *footer])
             for i in range(5)}
    for pages in (docs, grown):
        for chunks in ([pages], [{k: v} for k, v in pages.items()]):
            text = _clean_in_chunks(chunks)
            for k, t in text.items():
                assert all(p in t for p in article), k
        res = clean_documents(pl.DataFrame({"doc_id": list(pages), "text": list(pages.values())}))
        for t in res.documents["text"]:
            assert all(p in t for p in article)


def test_rescrapes_with_a_long_teaser_above_the_article_keep_it():
    """Five re-scrapes of one page, each with another long teaser between the site's header and
    the article, among five other pages of the site: the header and footer recur in ten
    documents, the article in five (only the re-scrapes), and every re-scrape has a lead of its
    own. The article is what a subset of the site's pages share, not the site's template
    (`recurrence._site_wide`): kept, in one batch as over a run; the template still goes."""
    r = random.Random(11)
    header, footer = NETWORK_TOP, NETWORK_END
    article = [paragraph(r) for _ in range(6)]
    rescrapes = {f"v{i}": "\n".join([*header, long_paragraph(r) + " " + long_paragraph(r),
                                     *article, *footer]) for i in range(5)}
    others = {f"o{i}": "\n".join([*header, *[paragraph(r) for _ in range(5)], *footer])
              for i in range(5)}
    pages = rescrapes | others
    for chunks in ([pages], [{k: v} for k, v in pages.items()]):
        text = _clean_in_chunks(chunks)
        for k in rescrapes:
            assert all(p in text[k] for p in article), (len(chunks), k)
        for k in pages:
            assert header[1] not in text[k] and footer[0] not in text[k], (len(chunks), k)


def test_an_article_in_several_versions_keeps_its_first_part_in_each():
    """One article in four versions of a run: its page, a copy of the page cut after a third
    behind a paywall prompt, the bare article, and the page with two paragraphs edited. The
    first third recurs with its neighbours in four documents, the rest in three: counted by
    documents, the first third looked like a template the rest of the article leaves (the page
    lost it). Copies of one article count once over a run as in a batch: every version keeps
    every paragraph it has, in one batch and with each version in a chunk of its own."""
    r = random.Random(21)
    header, footer = NETWORK_TOP, NETWORK_END
    article = [paragraph(r) + " " + paragraph(r) for _ in range(9)]
    edited = [*article[:4], paragraph(r), *article[5:7], paragraph(r), article[8]]
    prompt = ["Subscribe to continue reading", "You have reached your limit of free articles."]
    versions = {"page": "\n".join([*header, *article, *footer]),
                "cut": "\n".join([*header, *article[:3], *prompt, *footer]),
                "bare": "\n".join(article),
                "edit": "\n".join([*header, *edited, *footer])}
    own = {"page": article, "cut": article[:3], "bare": article, "edit": edited}
    for chunks in ([versions], [{k: v} for k, v in versions.items()]):
        text = _clean_in_chunks(chunks)
        for k, paras in own.items():
            assert all(p in text[k] for p in paras), (len(chunks), k)
