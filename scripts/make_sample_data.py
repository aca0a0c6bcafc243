"""Make the bundled sample inputs beyond the five seed scrapes, so every input format is exercised.

Run once from the repo root (`uv run python scripts/make_sample_data.py`); its output is committed
under data/raw/. Each file is a copy of a seed article in another format and template, so the
sample run also shows deduplication: an HTML page, a JSONL batch (text and HTML records), a WARC
file and a byte-identical re-scrape.
"""

from __future__ import annotations

import html
import json
import shutil
from io import BytesIO
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "data" / "raw" / "seeds"
RAW = ROOT / "data" / "raw"


def gold() -> dict:
    return json.loads((ROOT / "tests" / "data" / "seeds_gold.json").read_text())


def page(title: str, site: str, date: str, paragraphs: list[str], clutter: dict[str, list[str]]) -> str:
    esc = html.escape
    body = "\n".join(f"<p>{esc(p)}</p>" for p in paragraphs)
    related = "".join(f'<li><a href="/news/{i}">{esc(t)}</a></li>' for i, t in
                      enumerate(clutter.get("related", [])))
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{esc(title)} | {esc(site)}</title>
<meta property="og:site_name" content="{esc(site)}">
<meta property="article:published_time" content="{date}T09:30:00+00:00">
</head><body>
<header><nav><a href="/">Home</a> <a href="/world">World</a> <a href="/business">Business</a>
<a href="/subscribe">Subscribe</a></nav></header>
<main><article>
<h1>{esc(title)}</h1>
<div class="byline">By Staff Reporter · {date}</div>
<div class="share"><a href="#">Share on Facebook</a> <a href="#">Share on X</a></div>
{body}
</article>
<aside><h2>Related Articles</h2><ul>{related}</ul></aside>
<section class="newsletter"><p>Sign up for our daily newsletter to get the top stories in your
inbox.</p></section>
</main>
<footer><a href="/about">About us</a> <a href="/privacy">Privacy policy</a>
<p>© 2025 {esc(site)}. All rights reserved.</p></footer>
</body></html>
"""


def main() -> None:
    g = gold()
    names = sorted(g)
    # 1. HTML page: seed 003's article in a news-site template.
    s3 = g[names[3]]
    (RAW / "html").mkdir(parents=True, exist_ok=True)
    (RAW / "html" / "musk-praises-soviet-space-program.html").write_text(page(
        "Musk praises Soviet space program and Tsiolkovsky", "Space Daily", "2021-04-23",
        s3["body_lines"], {"related": ["Starship prototype lands", "ISS crew rotation delayed"]}),
        encoding="utf-8")
    # 2. JSONL batch: seed 004 as text with other clutter; seed 001 as an HTML record.
    s4, s1 = g[names[4]], g[names[1]]
    text4 = "\n".join(["Menu", "Search", "Kremlin wishes to deal with Elon Musk to go to Mars", ""]
                      + s4["body_lines"] + ["", "Share this article", "Most Read",
                                            "Markets slide as oil jumps"])
    records = [
        {"url": "https://example-wire.test/europe/kremlin-musk-mars", "text": text4,
         "fetched_at": "2025-03-18T12:00:00Z"},
        {"url": "https://example-news.test/world/putin-musk-korolev",
         "html": page("Putin compares Elon Musk to Soviet space hero Korolev", "Example News",
                      "2025-04-17", s1["body_lines"], {"related": ["Markets today"]}),
         "fetched_at": "2025-04-17T08:00:00Z"},
    ]
    (RAW / "batches").mkdir(parents=True, exist_ok=True)
    with open(RAW / "batches" / "2025-04-17.jsonl", "w", encoding="utf-8") as f:
        for r in records:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")
    # 3. WARC: seed 002's article as an HTTP response, gzip per record.
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    s2 = g[names[2]]
    buf = BytesIO()
    writer = WARCWriter(buf, gzip=True)
    payload = page(s2["title"], "RT", s2["published"], s2["body_lines"],
                   {"related": ["Russia hosts first Global Digital Forum"]}).encode("utf-8")
    http = StatusAndHeaders("200 OK", [("Content-Type", "text/html; charset=utf-8")],
                            protocol="HTTP/1.1")
    rec = writer.create_warc_record("https://example-rt.test/news/putin-musk-korolev",
                                    "response", payload=BytesIO(payload), http_headers=http,
                                    warc_headers_dict={"WARC-Date": "2025-04-16T10:00:00Z"})
    writer.write_record(rec)
    (RAW / "warc").mkdir(parents=True, exist_ok=True)
    (RAW / "warc" / "crawl-2025-04-16.warc.gz").write_bytes(buf.getvalue())
    # 4. Byte-identical re-scrape of seed 000.
    (RAW / "rescrape").mkdir(parents=True, exist_ok=True)
    shutil.copyfile(SEEDS / names[0], RAW / "rescrape" / names[0])


if __name__ == "__main__":
    main()
