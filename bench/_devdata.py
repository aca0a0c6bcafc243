"""Locate (and if needed unpack) the dev sets (WCXB article dev, Dragnet dev), shared by the
quality evaluations.

The set lives outside the repository: /work/devdata on a developer machine, and only as a tarball in
../shared/devdata/ on CI. Unpacking goes to a user cache dir, never into the repo.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import tarfile
import tempfile
from collections import Counter
from pathlib import Path

NAME = "wcxb-article-dev"
DRAGNET = "dragnet-dev"
SETS = (NAME, DRAGNET)
REPO = Path(__file__).resolve().parents[1]
HELD_OUT_MOD = 4  # domains with md5(domain) % 4 == 0 are held out (about a quarter)


def held_out(domain: str) -> bool:
    """Is the domain in the held-out split? Whole domains, so that a rule tuned on a site's
    pages is measured on sites it never saw; the same split in every evaluation."""
    return int(hashlib.md5(domain.encode()).hexdigest(), 16) % HELD_OUT_MOD == 0


def cache_dir() -> Path:
    """Where evaluations may cache derived data (outside the repo)."""
    base = os.environ.get("NEWS_CURATION_CACHE") or os.environ.get("XDG_CACHE_HOME")
    root = Path(base) if base else Path.home() / ".cache"
    path = root / "news-curation"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _candidates(name: str) -> list[Path]:
    env = os.environ.get("WCXB_DEV_DIR") if name == NAME else None
    out = [Path(env)] if env else []
    out += [REPO.parent / "devdata" / name, Path("/work/devdata") / name, cache_dir() / name]
    return out


def devdata_dir(name: str = NAME) -> Path:
    """Directory holding cases.jsonl, html/, text/, gold/ of dev set `name` (`SETS`); unpacks
    the shared tarball on first use."""
    for cand in _candidates(name):
        if (cand / "cases.jsonl").is_file():
            return cand
    tarball = REPO.parent / "shared" / "devdata" / f"{name}.tar.gz"
    if not tarball.is_file():
        raise FileNotFoundError(f"dev set not found: no {name}/ dir and no {tarball}")
    # Unpack beside the final place, then rename: an interrupted unpack leaves no half set.
    target = cache_dir()
    tmp = Path(tempfile.mkdtemp(prefix=".unpack-", dir=target))
    try:
        with tarfile.open(tarball) as tar:
            tar.extractall(tmp, filter="data")
        if not (target / name).exists():
            (tmp / name).rename(target / name)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return target / name


_CANONICAL = re.compile(r"<link\b[^>]*\brel=[\"']?canonical\b[^>]*>|"
                        r"<meta\b[^>]*\b(?:property|name)=[\"']og:url[\"'][^>]*>", re.I)
_HOST = re.compile(r"https?://([^/\"'\s>:?#]+)", re.I)


def case_domain(case: dict, html: str | None = None) -> str:
    """The case's domain (for splitting by domain): its `domain` field, else the host of its URL,
    else (Dragnet carries neither) the host of the page's canonical / og:url link, else the
    host its absolute links name most often. Deterministic; "www." dropped."""
    dom = case.get("domain") or ""
    if not dom and case.get("url"):
        m = _HOST.search(case["url"])
        dom = m.group(1) if m else ""
    if not dom and html:
        tag = _CANONICAL.search(html)
        m = _HOST.search(tag.group(0)) if tag else None
        if m:
            dom = m.group(1)
        else:
            hosts = Counter(h.lower() for h in _HOST.findall(html))
            dom = min(hosts, key=lambda h: (-hosts[h], h)) if hosts else ""
    return re.sub(r"^www\d*\.", "", dom.lower()) or f"unknown-{case['id']}"


def page_domain(root: Path, case: dict) -> str:
    """`case_domain` of a case of the set at `root`, reading its HTML page only when the case
    names neither a domain nor a URL (Dragnet): one place for what every evaluation splits by."""
    html = None
    if not case.get("domain") and not case.get("url"):
        page = root / "html" / f"{case['id']}.html"
        html = page.read_bytes().decode("utf-8", "replace") if page.is_file() else None
    return case_domain(case, html)


# Five Dragnet gold files are UTF-16LE whose BOM was re-encoded as UTF-8 ("ÿþ" = c3 bf c3 be):
# read as UTF-8 their paragraphs carry a NUL byte per character. Their non-ASCII characters are
# a mix: some UTF-8 bytes (an odd count, after which a UTF-16 decode reads CJK garbage), some
# UTF-16 code units (U+2019 "’" as 19 20).
_MOJIBAKE_UTF16_BOM = b"\xc3\xbf\xc3\xbe"
_UTF16_PUNCT = re.compile("([\x10-\x1f]) ")  # U+2010-U+201F (dashes, quotes) without NULs


# Where eight Dragnet golds (the UTF-16 ones among them) go on with the page's comments: the
# Dragnet data's own delimiter ("!@#$%^&*()  COMMENTS", once "CORRECTED" or nothing after it).
_COMMENTS_DELIMITER = "!@#$%^&*()"


def read_gold(path: Path, comments: bool = False) -> str:
    """A gold text; the mojibake'd UTF-16 files of Dragnet mostly recovered: their NUL bytes
    dropped, the rest read as UTF-8, and the UTF-16 dashes and quotes put back (their words
    come out right; a few other characters do not: "…" reads "& ", Cyrillic is lost).

    The gold is the page's main content before its comments (the set's README): eight Dragnet
    golds go on with the comments after the Dragnet data's delimiter, 26,493 words on pages
    whose content has 109-2,916; they are cut there unless `comments` (the corpora that draw
    paragraphs from the golds keep them: any real prose will do there)."""
    data = path.read_bytes()
    if data.startswith(_MOJIBAKE_UTF16_BOM):
        text = data[len(_MOJIBAKE_UTF16_BOM):].replace(b"\0", b"").decode("utf-8", "replace")
        text = _UTF16_PUNCT.sub(lambda m: chr(0x2000 + ord(m.group(1))), text)
    else:
        text = data.decode("utf-8", errors="replace")
    return text if comments else text.split(_COMMENTS_DELIMITER, 1)[0]


PARA_MIN_WORDS = 12  # an article paragraph of the pool; shorter lines in an article are clutter
CLUTTER_MAX_LINES = 8  # lines of in-article clutter a drawn paragraph brings at most (`fill`)


def page_templates() -> tuple[list[dict], list[str]]:
    """Both dev sets' whole-page text scrapes whose article is found in the scrape (20+ lines,
    2+ gold lines, one of them a paragraph of `PARA_MIN_WORDS`+ words): dicts of `lines`, `a` /
    `b` (the first and last line matching a gold line), `slots` (the lines matching gold lines),
    `paras` (those of them that are paragraphs), `set`, `case` and `root`; and the pool of gold
    paragraphs of `PARA_MIN_WORDS`+ words. What the real-page corpora (`corpus_pages.py`,
    `eval_templates.py`) put different articles into (`fill`)."""
    import json

    pages, paras = [], []
    for name in SETS:
        root = devdata_dir(name)
        for line in (root / "cases.jsonl").read_text().splitlines():
            case = json.loads(line)
            lines = (root / "text" / f"{case['id']}.txt").read_text(errors="replace").splitlines()
            text = read_gold(root / "gold" / f"{case['id']}.txt", comments=True)
            gold = [g.strip() for g in text.splitlines() if g.strip()]
            paras += [g for g in gold if len(g.split()) >= PARA_MIN_WORDS]
            # (the article's lines: its gold before the comments, which eight Dragnet golds go
            # on with; a drawn paragraph put among them would be a comment under its heading)
            article = text.split(_COMMENTS_DELIMITER, 1)[0]
            wanted = {g.strip() for g in article.splitlines() if g.strip()}
            idx = [i for i, s in enumerate(lines) if s.strip() in wanted]
            long = [i for i in idx if len(lines[i].split()) >= PARA_MIN_WORDS]
            if len(idx) >= 2 and long and len(lines) >= 20:
                pages.append({"lines": lines, "a": idx[0], "b": idx[-1], "slots": idx,
                              "paras": long, "set": name, "case": case, "root": root})
    return pages, paras


def fill(page: dict, body: list[str]) -> str:
    """A page's whole-page scrape (`page_templates`) with another article in it. The page's
    navigation, sidebars, comments and footer stay as they are (the lines above `a` and below
    `b`). The article's paragraphs (`paras`) give way to the paragraphs of `body`, spread over
    them in order (paragraph j where the article's paragraph j * paragraphs // len(body) was);
    its other gold lines (its own headings, dek, kicker) go with it; and the clutter inside the
    article stays with the paragraphs: the short lines that are not the article's (captions,
    photo credits, "Advertisement", share bars, prices, inline "Read more" links) between a
    paragraph that was replaced and the article's next paragraph, `CLUTTER_MAX_LINES` at most.
    So an article shorter than the page's own brings its share of the clutter, not all
    of it, and not a long run of the original article's own short lines (a table's rows, a
    list's items after its last paragraph), which kept would be the same in every document of
    the template as no real site's next article is. For the same reason what stands between
    `a` and the first paragraph (a byline, a dateline, a dek; on some pages the header, when
    the headline matches a gold line there) goes with the original article. Longer lines
    inside the span that are not gold go with it too: they are mostly its own paragraphs,
    which the gold quotes a little differently. Until session 21 the whole span was replaced,
    clutter included: 147 lines and 8.4 KB a document on average, against the dev sets' 210
    lines and 12.6 KB whole pages."""
    lines, slots, paras, a, b = page["lines"], page["slots"], page["paras"], page["a"], page["b"]
    at: dict[int, list[str]] = {}
    for j, para in enumerate(body):
        at.setdefault(paras[j * len(paras) // len(body)], []).append(para)
    article, own = set(slots), set(paras)
    out = lines[:a]
    room = 0  # clutter lines the paragraph above may still bring
    for i in range(a, b + 1):
        if i in article:
            if i in own:
                room = CLUTTER_MAX_LINES if i in at else 0
            out += at.get(i, [])
        elif room and len(lines[i].split()) < PARA_MIN_WORDS:
            out.append(lines[i])
            room -= 1
    return "\n".join(out + lines[b + 1:]) + "\n"
