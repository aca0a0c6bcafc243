"""Deterministic news-like raw corpus for the end-to-end benchmark (bench/bench_pipeline.py).

    uv run --no-sync python bench/corpus.py --docs 10000 --kind text --out /tmp/raw

Every document is a function of (seed, its index) only, so chunks are generated in parallel
processes and the output does not depend on the process count.

* Articles: bodies are built from sentences of the WCXB dev set's gold texts (bench/_devdata.py),
  2-4 random sentences a paragraph, so every paragraph line is new and two distinct articles are
  distinct for MinHash; without the dev set, from a synthetic vocabulary. ~12 KB a text scrape.
* Sites: 50 sites, each with its own header, menu, breadcrumb, footer and legal lines.
* Clutter of every catalogue category: related-articles blocks with other articles' headlines,
  newsletter / cookie / donation / app / share / paywall / advertising prompts, image captions
  "(Getty Images)", breadcrumbs, datelines and bylines, a title repeat, comment widgets.
* Duplicates (~30 % of documents) of an earlier article: byte-identical re-scrape, same article
  with other clutter, syndicated copy (wire byline, other site), truncated copy (paywall), lightly
  edited copy, HTML copy of a text article (text-only corpora: other typography/paragraphing).
* Layout: documents come in chunks of 1,000 (one index range each); a chunk is one sub-folder of
  .txt files (2 % gzipped), one JSONL batch (url, text|html, fetched_at), one sub-folder of .html
  pages, or one gzipped WARC file. `--layout jsonl` puts text corpora in JSONL batches only (the
  layout for 1M documents: 1,000 files instead of 1,000,000).

labels/<chunk>.jsonl (next to raw/, not inside it) records each document's source, base article
and duplicate kind.
"""

from __future__ import annotations

import argparse
import gzip
import html as htmlmod
import json
import os
import random
import re
import sys
import time
from io import BytesIO
from multiprocessing import get_context
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

CHUNK = 1000
N_SITES = 50
P_NEW = 0.7
DUP_KINDS = {"exact": 0.25, "reclutter": 0.20, "syndicated": 0.15, "truncated": 0.10,
             "light_edit": 0.15, "html_copy": 0.15}
KINDS = ("text", "html", "mixed")
# Chunk format cycles (chunk c gets CYCLE[c % len(CYCLE)]).
CYCLES = {
    "text": ["txt", "txt", "txt", "txt", "txt", "txt", "jsonl_text"],
    "html": ["html", "jsonl_html", "warc", "html", "jsonl_html", "html"],
    "mixed": ["txt", "html", "jsonl_text", "txt", "warc", "txt", "jsonl_html", "txt",
              "jsonl_mixed", "txt"],
}
HTML_FORMATS = {"html", "jsonl_html", "warc"}

SECTIONS = ["World", "Politics", "Business", "Markets", "Technology", "Science", "Health",
            "Sport", "Culture", "Opinion", "Climate", "Europe", "Asia", "Americas", "Africa",
            "Middle East", "Media", "Travel", "Lifestyle", "Video", "Podcasts", "Weather"]
SITE_WORDS = ["Daily", "Herald", "Tribune", "Courier", "Gazette", "Observer", "Post", "Times",
              "Chronicle", "Ledger", "Dispatch", "Sentinel", "Record", "Journal", "Monitor",
              "Review", "Standard", "Express", "Echo", "Star"]
CITIES = ["Northfield", "Riverton", "Lakeside", "Eastbrook", "Westport", "Harbor City",
          "Pine Valley", "Granite Falls", "Redmond Bay", "Ashford", "Clearwater", "Oakridge"]
NAMES = ["Jane Doe", "Mark Rivera", "Priya Shah", "Tom Becker", "Ana Lima", "Chen Wei",
         "Sofia Rossi", "Omar Haddad", "Lena Fischer", "Kwame Mensah", "Yuki Tanaka",
         "Olivia Brown", "Diego Martinez", "Fatima Noor", "Ivan Petrov", "Grace Okafor"]
WIRES = ["Associated Press", "Reuters", "Agence France-Presse", "Bloomberg", "The Conversation"]
MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December"]
CLUTTER = {
    "newsletter": ["Sign up for our daily newsletter to get the top stories in your inbox.",
                   "Subscribe to our newsletter", "Get the Morning Briefing delivered free",
                   "Enter your email address to subscribe"],
    "cookie": ["We use cookies to improve your experience. By continuing you agree to our "
               "Cookie Policy.", "Accept all cookies", "Manage cookie preferences",
               "This site uses cookies. Learn more"],
    "donation": ["Support independent journalism. Donate today.",
                 "Your contribution keeps our reporting free for everyone. Support us",
                 "Become a member"],
    "app": ["Download our app for the latest news", "Get the app on iOS and Android",
            "Open in app"],
    "share": ["Share this article", "Share on Facebook", "Share on X", "Tweet", "Copy link",
              "Follow us on Instagram", "Email this"],
    "advertising": ["Advertisement", "ADVERTISEMENT", "Story continues below advertisement",
                    "Sponsored", "Click here to read more"],
    "paywall": ["Subscribe to continue reading.", "Already a subscriber? Log in",
                "You have reached your free article limit"],
    "comments": ["Join the conversation", "Comments", "Show comments", "Be the first to comment",
                 "Comments are closed for this article"],
}
CAPTION_SOURCES = ["(Getty Images)", "(AP Photo)", "(Reuters)", "(AFP via Getty Images)",
                   "Photo: Getty Images", "(Shutterstock)"]

# ---------------------------------------------------------------------------------------------
# Sentence pool


_POOL: list[str] | None = None


def _synthetic_pool(n: int = 60_000) -> list[str]:
    rng = random.Random(12345)
    letters = "abcdefghijklmnopqrstuvwxyz"
    vocab = ["".join(rng.choice(letters) for _ in range(rng.randint(2, 11))) for _ in range(20000)]
    out = []
    for _ in range(n):
        words = rng.choices(vocab, k=rng.randint(8, 32))
        out.append(" ".join(words).capitalize() + ".")
    return out


def sentence_pool() -> list[str]:
    """Sentences of the dev set's gold texts (40-400 chars), or synthetic sentences."""
    global _POOL
    if _POOL is not None:
        return _POOL
    try:
        from bench._devdata import devdata_dir

        d = devdata_dir()
        split = re.compile(r"(?<=[.!?])\s+(?=[A-Z\"“‘(])")
        pool: list[str] = []
        for f in sorted((d / "gold").glob("*.txt")):
            for para in f.read_text(encoding="utf-8").splitlines():
                for s in split.split(para.strip()):
                    if 40 <= len(s) <= 400 and not s.isupper() and (s[0].isalnum()
                                                                     or s[0] in "\"“‘("):
                        pool.append(s)
        _POOL = sorted(set(pool)) if len(pool) > 5000 else _synthetic_pool()
    except (FileNotFoundError, OSError):
        _POOL = _synthetic_pool()
    return _POOL


# ---------------------------------------------------------------------------------------------
# Sites


def site(k: int) -> dict:
    rng = random.Random(f"site-{k}")
    name = f"The {rng.choice(CITIES)} {rng.choice(SITE_WORDS)}" if k % 3 else \
        f"{rng.choice(CITIES)} {rng.choice(SITE_WORDS)}"
    name = f"{name} {k}" if k >= 20 else name
    domain = re.sub(r"[^a-z0-9]+", "", name.lower().replace("the ", "")) + ".example"
    menu = rng.sample(SECTIONS, rng.randint(6, 12))
    return {
        "name": name, "domain": domain, "menu": menu,
        "header": [rng.choice(["Skip to content", "Skip to main content", "Menu"]), name,
                   rng.choice(["Search", "Search the site", "Log in", "Sign in"]),
                   " | ".join(menu)],
        "footer": [rng.choice(["About us", "About"]) + " | Contact | Careers | Advertise",
                   "Privacy Policy | Terms of Use | Cookie Settings",
                   f"© {rng.randint(2019, 2025)} {name}. All rights reserved.",
                   rng.choice(["Back to top", "Top", "Follow us"])],
        "style": rng.randint(0, 2),
    }


_SITES = [site(k) for k in range(N_SITES)]

# ---------------------------------------------------------------------------------------------
# Articles: base content is a function of (seed, j)


def _rng(seed: int, j: int, salt: int = 0) -> random.Random:
    return random.Random(seed * 1_000_003_000 + j * 7 + salt)


def role(seed: int, i: int) -> str:
    """'new' or a duplicate kind; documents 0..19 are always new."""
    r = _rng(seed, i, 1)
    if i < 20 or r.random() < P_NEW:
        return "new"
    return r.choices(list(DUP_KINDS), weights=list(DUP_KINDS.values()))[0]


def original_of(seed: int, i: int) -> int:
    """The earlier new article a duplicate copies (a few tries, else document 0)."""
    r = _rng(seed, i, 2)
    lo = max(0, i - 50_000)  # copies arrive within a crawl window
    for _ in range(8):
        j = r.randrange(lo, i)
        if role(seed, j) == "new":
            return j
    return 0


def title_of(seed: int, j: int) -> str:
    r = _rng(seed, j, 3)
    s = r.choice(sentence_pool())
    words = s.rstrip(".!?").split()[: r.randint(6, 11)]
    return " ".join(w.capitalize() if len(w) > 3 else w for w in words)


def article(seed: int, j: int) -> dict:
    r = _rng(seed, j, 4)
    pool = sentence_pool()
    target = int(min(40_000, max(1500, r.lognormvariate(9.2, 0.45))))  # mean ~11 KB body
    paras: list[str] = []
    size = 0
    while size < target:
        p = " ".join(r.choices(pool, k=r.randint(2, 4)))
        paras.append(p)
        size += len(p) + 1
    y, m, d = r.randint(2023, 2025), r.randint(1, 12), r.randint(1, 28)
    return {"j": j, "site": r.randrange(N_SITES), "title": title_of(seed, j), "paras": paras,
            "date": f"{y}-{m:02d}-{d:02d}", "author": r.choice(NAMES), "city": r.choice(CITIES),
            "section": r.choice(SECTIONS)}


def variant(seed: int, i: int, kind: str, a: dict) -> dict:
    """A copy of article `a` as document i would carry it."""
    from bench._dedup_corpus import html_vs_text, light_edit, syndicated, truncated

    r = _rng(seed, i, 5)
    a = dict(a)
    if kind == "syndicated":
        a["paras"] = syndicated(a["paras"], r, [])
        a["site"] = (a["site"] + r.randint(1, N_SITES - 1)) % N_SITES
        a["wire"] = r.choice(WIRES)
    elif kind == "truncated":
        a["paras"] = truncated(a["paras"], r, [])
        a["paywall"] = True
    elif kind == "light_edit":
        a["paras"] = light_edit(a["paras"], r, [_Others(a["paras"])])
    elif kind == "html_copy_text":
        a["paras"] = html_vs_text(a["paras"], r, [])
    return a


class _Others:
    """Stands in for a dedup-corpus Article (light_edit draws replacement words from it)."""

    def __init__(self, paras: list[str]) -> None:
        self.paragraphs = paras


# ---------------------------------------------------------------------------------------------
# Rendering


def _human_date(iso: str) -> str:
    y, m, d = iso.split("-")
    return f"{MONTHS[int(m) - 1]} {int(d)}, {y}"


def _related(seed: int, r: random.Random, j: int) -> list[str]:
    return [title_of(seed, r.randrange(0, max(1, j + 1000))) for _ in range(r.randint(3, 6))]


def render_text(seed: int, a: dict, clutter_seed: int) -> str:
    """A whole-page text scrape: site chrome, metadata lines, body with clutter, widgets."""
    r = _rng(seed, a["j"], 100 + clutter_seed)
    s = _SITES[a["site"]]
    head = r.random()
    out: list[str] = [""]
    if head < 0.8:  # the page's <title>, as text scrapes carry it
        out.append(f"{a['title']} {r.choice(['|', '-', '–'])} {s['name']}")
    out += s["header"]
    crumb = a["title"] if 0.8 <= head < 0.9 else r.choice(s["menu"])
    out += [f"Home > {a['section']} > {crumb}", ""]
    if r.random() < 0.5:
        out.append(r.choice(CLUTTER["cookie"]))
    out.append(a["title"])
    if "wire" in a:
        out.append(f"By {a['author']}, {a['wire']}")
    else:
        out.append(f"By {a['author']}" + (f" | {a['city']}" if r.random() < 0.5 else ""))
    out.append(r.choice([f"Published {_human_date(a['date'])}", a["date"],
                         f"Updated {_human_date(a['date'])} at {r.randint(1, 12)}:"
                         f"{r.randint(0, 59):02d} {r.choice(['AM', 'PM'])}"]))
    out.append(r.choice(CLUTTER["share"]))
    if r.random() < 0.6:
        out.append(f"{r.choice(pool_caption(a))} {r.choice(CAPTION_SOURCES)}")
    body = list(a["paras"])
    for _ in range(r.randint(1, 4)):
        cat = r.choice(["advertising", "newsletter", "app", "share", "donation"])
        body.insert(r.randint(1, len(body)), r.choice(CLUTTER[cat]))
    if r.random() < 0.7 and len(body) > 3:
        k = r.randint(2, len(body) - 1)
        body[k:k] = [r.choice(["Related Articles", "Recommended Stories", "Read more:",
                               "More from " + s["name"]]),
                     *[f"- {t}" for t in _related(seed, r, a["j"])]]
    out += body
    if a.get("paywall"):
        out.append(r.choice(CLUTTER["paywall"]))
    out.append("")
    if r.random() < 0.7:
        out.append(r.choice(CLUTTER["donation"]))
    out += [r.choice(["Most Read", "Trending", "Popular now"]),
            *_related(seed, r, a["j"])[:4]]
    if r.random() < 0.6:
        n = r.randint(0, 400)
        out += [f"{n} Comments", r.choice(CLUTTER["comments"])]
    if r.random() < 0.5:
        out.append(r.choice(CLUTTER["app"]))
    if r.random() < 0.3:
        out.append(a["title"])  # title repeated at the foot (print / share block)
    out += [r.choice(CLUTTER["newsletter"]), "", *s["footer"], ""]
    return "\n".join(out)


def pool_caption(a: dict) -> list[str]:
    words = a["title"].split()
    return [" ".join(words[: max(3, len(words) // 2)]), f"{a['city']} residents",
            f"{a['author']} reports"]


_SCRIPT = ("<script>window.dataLayer=window.dataLayer||[];function gtag(){dataLayer.push("
           "arguments)}gtag('js',new Date());gtag('config','G-XXXX');" + "var a=1;" * 300
           + "</script>")
_STYLE = "<style>" + "".join(f".c{i}{{margin:{i}px;padding:{i % 7}px}}" for i in range(400)) \
    + "</style>"


def render_html(seed: int, a: dict, clutter_seed: int) -> str:
    """A news page (~35 KB): head metadata, scripts, nav, article, asides, comments, footer."""
    r = _rng(seed, a["j"], 200 + clutter_seed)
    s = _SITES[a["site"]]
    e = htmlmod.escape
    nav = "".join(f'<li><a href="/{m.lower().replace(" ", "-")}">{e(m)}</a></li>'
                  for m in s["menu"] * 3)
    body = [f"<p>{e(p)}</p>" for p in a["paras"]]
    for _ in range(r.randint(1, 3)):
        body.insert(r.randint(1, len(body)),
                    f'<div class="ad">{e(r.choice(CLUTTER["advertising"]))}</div>')
    if r.random() < 0.6:
        body.insert(1, f'<figure><img src="/img/{a["j"]}.jpg"><figcaption>'
                       f'{e(r.choice(pool_caption(a)))} {e(r.choice(CAPTION_SOURCES))}'
                       '</figcaption></figure>')
    related = "".join(f'<li><a href="/news/{k}">{e(t)}</a></li>'
                      for k, t in enumerate(_related(seed, r, a["j"])))
    byline = f"By {e(a['author'])}" + (f", {e(a['wire'])}" if "wire" in a else "")
    comments = "".join(f'<div class="comment"><b>{e(r.choice(NAMES))}</b><p>'
                       f'{e(r.choice(sentence_pool()))}</p></div>' for _ in range(r.randint(0, 5)))
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{e(a['title'])} | {e(s['name'])}</title>
<meta property="og:site_name" content="{e(s['name'])}">
<meta property="og:title" content="{e(a['title'])}">
<meta property="article:published_time" content="{a['date']}T09:30:00+00:00">
<meta name="author" content="{e(a['author'])}">
{_STYLE}{_SCRIPT}</head><body>
<div class="cookie-banner"><p>{e(r.choice(CLUTTER['cookie']))}</p><button>Accept</button></div>
<header><div class="logo">{e(s['name'])}</div><nav><ul>{nav}</ul></nav></header>
<nav class="breadcrumb"><a href="/">Home</a> › <a href="/s">{e(a['section'])}</a></nav>
<main><article>
<h1>{e(a['title'])}</h1>
<div class="byline">{byline} · <time datetime="{a['date']}">{_human_date(a['date'])}</time></div>
<div class="share"><a href="#">Share on Facebook</a> <a href="#">Share on X</a>
<a href="#">Copy link</a></div>
{chr(10).join(body)}
{'<p class="paywall">' + e(CLUTTER['paywall'][0]) + '</p>' if a.get('paywall') else ''}
</article>
<aside><h2>Related Articles</h2><ul>{related}</ul></aside>
<section class="newsletter"><p>{e(r.choice(CLUTTER['newsletter']))}</p></section>
<section class="donate"><p>{e(r.choice(CLUTTER['donation']))}</p></section>
<section class="comments"><h3>{r.randint(0, 300)} Comments</h3>{comments}</section>
</main>
<footer><ul>{''.join(f'<li>{e(x)}</li>' for x in s['footer'])}</ul>
<p>{e(r.choice(CLUTTER['app']))}</p></footer>
{_SCRIPT}
</body></html>
"""


def document(seed: int, i: int, fmt_html: bool) -> tuple[dict, str, str, str]:
    """(article, role, base index, body) of document i rendered as HTML or text."""
    kind = role(seed, i)
    if kind == "new":
        a, j, clutter = article(seed, i), i, 0
    else:
        j = original_of(seed, i)
        base = article(seed, j)
        vkind = "html_copy_text" if kind == "html_copy" and not fmt_html else kind
        a = variant(seed, i, vkind, base)
        clutter = 0 if kind == "exact" else 1 + i
    if kind == "html_copy" and fmt_html:
        body = render_html(seed, a, clutter)
    elif kind == "html_copy":
        body = render_text(seed, a, clutter)
    else:
        body = (render_html if fmt_html else render_text)(seed, a, clutter)
    return a, kind, str(j), body


def _url(a: dict, i: int) -> str:
    s = _SITES[a["site"]]
    slug = re.sub(r"[^a-z0-9]+", "-", a["title"].lower()).strip("-")[:60]
    return f"https://www.{s['domain']}/{a['section'].lower().replace(' ', '-')}/{slug}-{i}"


def _fetched(a: dict, i: int) -> str:
    return f"{a['date']}T{(i % 24):02d}:{(i * 7) % 60:02d}:00Z"


def write_chunk(args: tuple[int, int, int, str, str, str]) -> dict[str, int]:
    """Write documents [c*CHUNK, min(n, (c+1)*CHUNK)) in chunk c's format."""
    seed, c, n, kind, layout, root = args
    raw, labels = Path(root) / "raw", Path(root) / "labels"
    cycle = CYCLES[kind]
    fmt = "jsonl_text" if layout == "jsonl" and kind == "text" else cycle[c % len(cycle)]
    lo, hi = c * CHUNK, min(n, (c + 1) * CHUNK)
    counts: dict[str, int] = {}
    recs, labs = [], []
    warc = None
    if fmt == "warc":
        from warcio.statusandheaders import StatusAndHeaders
        from warcio.warcwriter import WARCWriter

        buf = BytesIO()
        warc = WARCWriter(buf, gzip=True)
    folder = raw / fmt / f"{c:05d}"
    if fmt in ("txt", "html"):
        folder.mkdir(parents=True, exist_ok=True)
    for i in range(lo, hi):
        html_doc = fmt in HTML_FORMATS or (fmt == "jsonl_mixed" and i % 2 == 0)
        a, dkind, j, body = document(seed, i, html_doc)
        counts[dkind] = counts.get(dkind, 0) + 1
        if fmt == "txt":
            name = f"{i:07d}.txt"
            if i % 50 == 7:
                source = f"{fmt}/{c:05d}/{name}.gz"
                (folder / (name + ".gz")).write_bytes(gzip.compress(body.encode(), 1, mtime=0))
            else:
                source = f"{fmt}/{c:05d}/{name}"
                (folder / name).write_text(body, encoding="utf-8")
        elif fmt == "html":
            source = f"{fmt}/{c:05d}/{i:07d}.html"
            (folder / f"{i:07d}.html").write_text(body, encoding="utf-8")
        elif fmt == "warc":
            source = f"warc/{c:05d}.warc.gz#{i - lo}"
            http = StatusAndHeaders("200 OK", [("Content-Type", "text/html; charset=utf-8")],
                                    protocol="HTTP/1.1")
            rec = warc.create_warc_record(_url(a, i), "response",
                                          payload=BytesIO(body.encode()), http_headers=http,
                                          warc_headers_dict={"WARC-Date": _fetched(a, i)})
            warc.write_record(rec)
        else:
            source = f"{fmt}/{c:05d}.jsonl#{i - lo}"
            recs.append(json.dumps({"url": _url(a, i), ("html" if html_doc else "text"): body,
                                    "fetched_at": _fetched(a, i)}, ensure_ascii=False))
        labs.append(json.dumps({"i": i, "source": source, "base": int(j), "kind": dkind,
                                "format": fmt, "html": html_doc}))
    if recs:
        (raw / fmt).mkdir(parents=True, exist_ok=True)
        (raw / fmt / f"{c:05d}.jsonl").write_text("\n".join(recs) + "\n", encoding="utf-8")
    if warc is not None:
        (raw / "warc").mkdir(parents=True, exist_ok=True)
        (raw / "warc" / f"{c:05d}.warc.gz").write_bytes(buf.getvalue())
    labels.mkdir(parents=True, exist_ok=True)
    (labels / f"{c:05d}.jsonl").write_text("\n".join(labs) + "\n")
    counts[f"format.{fmt}"] = hi - lo
    return counts


def generate(out: Path, docs: int, kind: str = "text", seed: int = 0, layout: str = "files",
             processes: int | None = None) -> dict:
    """Write the corpus under out/raw (and out/labels); returns a summary (also out/corpus.json)."""
    out = Path(out)
    t0 = time.perf_counter()
    n_chunks = (docs + CHUNK - 1) // CHUNK
    tasks = [(seed, c, docs, kind, layout, str(out)) for c in range(n_chunks)]
    processes = processes or min(os.cpu_count() or 1, n_chunks)
    totals: dict[str, int] = {}
    if processes > 1:
        with get_context("fork").Pool(processes) as pool:
            results = pool.imap_unordered(write_chunk, tasks)
            for res in results:
                for k, v in res.items():
                    totals[k] = totals.get(k, 0) + v
    else:
        for t in tasks:
            for k, v in write_chunk(t).items():
                totals[k] = totals.get(k, 0) + v
    n_bytes = sum(f.stat().st_size for f in (out / "raw").rglob("*") if f.is_file())
    summary = {"docs": docs, "kind": kind, "seed": seed, "layout": layout,
               "bytes_on_disk": n_bytes, "seconds": round(time.perf_counter() - t0, 1),
               "counts": dict(sorted(totals.items()))}
    (out / "corpus.json").write_text(json.dumps(summary, indent=2))
    return summary


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--docs", type=int, default=10_000)
    ap.add_argument("--kind", choices=KINDS, default="text")
    ap.add_argument("--layout", choices=("files", "jsonl"), default="files",
                    help="text documents as .txt files in sub-folders of 1,000 (files) or in "
                         "JSONL batches of 1,000 'text' records (jsonl)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--processes", type=int, default=None)
    ap.add_argument("--out", type=Path, required=True,
                    help="folder to create; documents go to OUT/raw")
    a = ap.parse_args(argv)
    if (a.out / "raw").exists():
        sys.exit(f"{a.out / 'raw'} exists; remove it first")
    print(json.dumps(generate(a.out, a.docs, a.kind, a.seed, a.layout, a.processes), indent=2))


if __name__ == "__main__":
    main()
