"""Labelled near-duplicate corpora for the dedup evaluation and benchmark (deterministic, seeded).

Real article bodies come from the WCXB dev set (gold/*.txt). The set lives outside the repo:
/work/devdata on a developer machine, only a tarball in ../shared/devdata on CI; it is unpacked
into a cache dir on first use. Each variant kind mimics one way a copy of an article reaches us
(re-scrape with clutter, syndication, paywall truncation, light edit, HTML-vs-text), each
distractor kind one way two different articles look alike (same site, shared template lines,
shared quotes, one event written up by three outlets).
"""

from __future__ import annotations

import json
import os
import random
import re
import tarfile
from dataclasses import dataclass
from pathlib import Path

NAME = "wcxb-article-dev"
REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"

VARIANT_KINDS = ("rescrape_clutter", "syndicated", "truncated", "light_edit", "html_vs_text")
DISTRACTOR_KINDS = ("same_site", "shared_template", "shared_quotes", "same_event")


def _cache_dir() -> Path:
    base = os.environ.get("NEWS_CURATION_CACHE") or os.environ.get("XDG_CACHE_HOME")
    path = (Path(base) if base else Path.home() / ".cache") / "news-curation"
    path.mkdir(parents=True, exist_ok=True)
    return path


def devdata_dir() -> Path:
    """The unpacked dev set: an existing copy, else the shared tarball unpacked into the cache."""
    env = os.environ.get("WCXB_DEV_DIR")
    cands = ([Path(env)] if env else []) + [
        REPO.parent / "devdata" / NAME, Path("/work/devdata") / NAME, _cache_dir() / NAME,
    ]
    for c in cands:
        if (c / "cases.jsonl").is_file():
            return c
    tarball = SHARED / "devdata" / f"{NAME}.tar.gz"
    if not tarball.is_file():
        raise FileNotFoundError(f"no {NAME} directory and no {tarball}")
    with tarfile.open(tarball) as tar:
        tar.extractall(_cache_dir(), filter="data")
    return _cache_dir() / NAME


@dataclass
class Article:
    id: str
    domain: str
    paragraphs: list[str]
    page_lines: list[str]  # the whole-page scrape (text/<id>.txt), for the whole-page baseline

    @property
    def body(self) -> str:
        return "\n\n".join(self.paragraphs)


def load_articles() -> list[Article]:
    d = devdata_dir()
    out = []
    for line in (d / "cases.jsonl").read_text().splitlines():
        case = json.loads(line)
        gold = (d / "gold" / f"{case['id']}.txt").read_text(encoding="utf-8")
        paras = [p.strip() for p in gold.splitlines() if p.strip()]
        page_file = d / "text" / f"{case['id']}.txt"
        page = page_file.read_text(encoding="utf-8").splitlines() if page_file.is_file() else []
        if paras:
            out.append(Article(case["id"], case["domain"], paras, page))
    return sorted(out, key=lambda a: a.id)


def seed_bodies() -> dict[str, str]:
    """The five seed articles' gold bodies (000-002: one event, three outlets)."""
    gold = json.loads((SHARED / "seeds" / "gold.json").read_text())
    return {name[:3]: "\n\n".join(v["body_lines"]) for name, v in sorted(gold.items())}


# ------------------------------------------------------------------------------------------
# Variants: copies of one article that must land in its cluster.

CLUTTER = [
    "Advertisement", "ADVERTISEMENT", "Share this article", "Share on Facebook", "Tweet",
    "Related Articles", "Subscribe to our newsletter", "Click here to read more",
    "Story continues below advertisement", "Photo: Getty Images", "Most Popular",
    "Sign up for our daily newsletter to get the latest headlines", "Recommended for you",
    "Skip to content", "Sponsored", "Copy link",
]
NAMES = ["Jane Doe", "Mark Rivera", "Priya Shah", "Tom Becker", "Ana Lima", "Chen Wei"]
WIRES = ["Associated Press", "Reuters", "Agence France-Presse", "The Conversation", "Bloomberg"]
FILLER = [
    "The company did not immediately respond to a request for comment.",
    "This story has been updated with additional information.",
    "Officials said more details would be released later this week.",
    "Editor's note: an earlier version of this story misstated a date.",
]


def _sentences(p: str) -> list[str]:
    return [s for s in re.split(r"(?<=[.!?])\s+", p) if s]


def rescrape_clutter(paras: list[str], rng: random.Random, others: list[Article]) -> list[str]:
    out = list(paras)
    for _ in range(rng.randint(1, 3)):
        out.insert(rng.randint(0, len(out)), rng.choice(CLUTTER))
    if rng.random() < 0.5:
        other = rng.choice(others)
        out.insert(rng.randint(1, len(out)), "Read more: " + _sentences(other.paragraphs[0])[0][:90])
    return out


def syndicated(paras: list[str], rng: random.Random, others: list[Article]) -> list[str]:
    out = list(paras)
    wire = rng.choice(WIRES)
    if rng.random() < 0.5:
        out.insert(0, f"By {rng.choice(NAMES)}, {wire}")
    else:
        out[0] = f"{rng.choice(['WASHINGTON', 'LONDON', 'NEW YORK', 'PARIS'])} ({wire}) — " + out[0]
    if len(out) > 4 and rng.random() < 0.5:
        out.pop()
    out.append(rng.choice([
        f"© 2025 {wire}. All rights reserved.",
        f"This article was originally published by {wire}. Republished with permission.",
    ]))
    return out


def truncated(paras: list[str], rng: random.Random, others: list[Article]) -> list[str]:
    words = sum(len(p.split()) for p in paras)
    budget = int(words * rng.uniform(0.3, 0.6))
    out: list[str] = []
    for p in paras:
        w = p.split()
        if len(w) <= budget:
            out.append(p)
            budget -= len(w)
        else:
            if budget > 0:
                out.append(" ".join(w[:budget]) + "…")
            break
    if rng.random() < 0.5:
        out.append(rng.choice(["Subscribe to continue reading.", "This content is for subscribers."]))
    return out or paras[:1]


def light_edit(paras: list[str], rng: random.Random, others: list[Article]) -> list[str]:
    out = list(paras)
    vocab = [w for p in rng.choice(others).paragraphs for w in p.split()] or ["news"]
    for _ in range(rng.randint(2, 5)):
        i = rng.randrange(len(out))
        w = out[i].split()
        if w:
            w[rng.randrange(len(w))] = rng.choice(vocab)
            out[i] = " ".join(w)
    i = rng.randrange(len(out))
    sents = _sentences(out[i])
    if rng.random() < 0.5 and len(sents) > 1:
        sents.pop(rng.randrange(len(sents)))
    else:
        sents.insert(rng.randint(0, len(sents)), rng.choice(FILLER))
    out[i] = " ".join(sents)
    return out


def html_vs_text(paras: list[str], rng: random.Random, others: list[Article]) -> list[str]:
    table = {"’": "'", "‘": "'", "“": '"', "”": '"', "—": " -- ", "–": "-", "…": "..."}
    if rng.random() < 0.5:
        table = {v.strip(): k for k, v in table.items() if v.strip() in ("'", '"', "--")} | {
            "'": "’", '"': "”", " - ": " – "}
    out = []
    for p in paras:
        for a, b in table.items():
            p = p.replace(a, b)
        p = p.replace(". ", ".  ") if rng.random() < 0.3 else p
        out.append(p)
    merged: list[str] = []
    for p in out:  # different paragraphing: merge some, split others
        r = rng.random()
        if merged and r < 0.2:
            merged[-1] = merged[-1] + " " + p
        elif r > 0.85 and len(_sentences(p)) > 1:
            s = _sentences(p)
            k = len(s) // 2
            merged += [" ".join(s[:k]), " ".join(s[k:])]
        else:
            merged.append(p)
    return merged


VARIANTS = {
    "rescrape_clutter": rescrape_clutter, "syndicated": syndicated, "truncated": truncated,
    "light_edit": light_edit, "html_vs_text": html_vs_text,
}


def site_template(rng: random.Random, site: str) -> tuple[list[str], list[str]]:
    """Intro and outro lines one site puts around every article (left over after cleaning)."""
    intro = [f"{site} | Independent reporting on the stories that shape our community since "
             f"{rng.randint(1950, 2010)}."]
    outro = [
        f"Copyright 2025 {site}. All rights reserved. This material may not be published, "
        "broadcast, rewritten or redistributed without permission.",
        f"Have a news tip? Email the {site} newsroom or call us; we read every message and "
        "protect our sources.",
    ]
    return intro, outro


def _shingles(text: str, k: int = 5) -> set[tuple[str, ...]]:
    w = re.findall(r"\w+", text.lower())
    return {tuple(w[i : i + k]) for i in range(max(1, len(w) - k + 1))}


def same_article_in_devset(arts: list[Article]) -> dict[str, str]:
    """Article id -> smallest id of the same article, for dev-set pages that are one article
    (exact 5-shingle containment >= 0.8 or Jaccard >= 0.5), found with an inverted index."""
    sets = {a.id: _shingles(a.body) for a in arts}
    post: dict[tuple[str, ...], list[str]] = {}
    for i, s in sets.items():
        for sh in s:
            post.setdefault(sh, []).append(i)
    shared: dict[tuple[str, str], int] = {}
    for ids in post.values():
        if 1 < len(ids) <= 50:
            for x in range(len(ids)):
                for y in range(x + 1, len(ids)):
                    shared[(ids[x], ids[y])] = shared.get((ids[x], ids[y]), 0) + 1
    parent = {a.id: a.id for a in arts}

    def find(x: str) -> str:
        while parent[x] != x:
            x = parent[x]
        return x

    for (a, b), n in shared.items():
        na, nb = len(sets[a]), len(sets[b])
        if n / min(na, nb) >= 0.8 or n / (na + nb - n) >= 0.5:
            ra, rb = sorted((find(a), find(b)))
            parent[rb] = ra
    return {a: find(a) for a in parent if find(a) != a}


@dataclass
class Doc:
    doc_id: str
    label: str  # the article it is a copy of
    kind: str  # "original", a variant kind, or "template"/"quotes"/"seed"
    text: str
    domain: str


def build_eval_corpus(seed: int = 7, p_variant: float = 0.45) -> tuple[list[Doc], dict]:
    """Labelled docs plus the distractor pairs that must not be merged."""
    rng = random.Random(seed)
    arts = load_articles()
    docs: list[Doc] = []
    for a in arts:
        docs.append(Doc(f"{a.id}-orig", a.id, "original", a.body, a.domain))
        others = [o for o in arts if o.id != a.id]
        for kind, fn in VARIANTS.items():
            r = random.Random(f"{seed}:{a.id}:{kind}")
            if r.random() < p_variant:
                docs.append(Doc(f"{a.id}-{kind}", a.id, kind, "\n\n".join(fn(a.paragraphs, r,
                                                                              others)), a.domain))
    distractors: dict[str, list[tuple[str, str]]] = {k: [] for k in DISTRACTOR_KINDS}
    same = same_article_in_devset(arts)
    for d in docs:  # the dev set itself holds a few copies of one article: one label for them
        d.label = same.get(d.label, d.label)
    by_domain: dict[str, list[Article]] = {}
    for a in arts:
        by_domain.setdefault(a.domain, []).append(a)
    for group in by_domain.values():
        for i in range(len(group)):
            for j in range(i + 1, len(group)):
                if same.get(group[i].id, group[i].id) != same.get(group[j].id, group[j].id):
                    distractors["same_site"].append((f"{group[i].id}-orig",
                                                     f"{group[j].id}-orig"))
    # Shared template: groups of 3 different articles wrapped in one fake site's template.
    pool = list(arts)
    rng.shuffle(pool)
    for g in range(60):
        group = pool[3 * g : 3 * g + 3]
        intro, outro = site_template(rng, f"The {rng.choice(['Valley', 'Harbor', 'County'])} "
                                          f"{rng.choice(['Herald', 'Ledger', 'Courier'])} {g}")
        ids = []
        for a in group:
            did = f"{a.id}-tmpl{g}"
            docs.append(Doc(did, a.id, "template", "\n\n".join(intro + a.paragraphs + outro),
                            a.domain))
            ids.append(did)
        distractors["shared_template"] += [(ids[0], ids[1]), (ids[0], ids[2]), (ids[1], ids[2])]
    # Shared quotes: article B plus two sentences quoted from article A (one event, two outlets).
    for g in range(100):
        a, b = pool[180 + 2 * g], pool[181 + 2 * g]
        quotes = [s for p in a.paragraphs for s in _sentences(p) if len(s.split()) > 8][:2]
        paras = list(b.paragraphs)
        for q in quotes:
            paras.insert(rng.randint(1, len(paras)), f"As one report put it: \u201c{q}\u201d")
        did = f"{b.id}-quotes"
        docs.append(Doc(did, b.id, "quotes", "\n\n".join(paras), b.domain))
        distractors["shared_quotes"].append((did, f"{a.id}-orig"))
    extra_info = {"devset_same_article": same}
    seeds = seed_bodies()
    for k, body in seeds.items():
        docs.append(Doc(f"seed-{k}", f"seed-{k}", "seed", body, "seed"))
    distractors["same_event"] += [("seed-000", "seed-001"), ("seed-000", "seed-002"),
                                  ("seed-001", "seed-002")]
    return docs, {"distractors": distractors, "articles": {a.id: a for a in arts}, **extra_info}


# ------------------------------------------------------------------------------------------
# Generated corpus for the throughput benchmark.


def _bench_vocab() -> tuple[list[str], list[float]]:
    import numpy as np

    try:
        words = [w for a in load_articles() for p in a.paragraphs for w in p.split()]
    except FileNotFoundError:
        words = [f"w{i}" for i in range(50_000)]
    vocab, freq = np.unique(np.array(words, dtype=object), return_counts=True)
    vocab = vocab[np.argsort(-freq, kind="stable")]
    p = 1.0 / np.arange(1, len(vocab) + 1) ** 1.05
    return vocab.tolist(), (p / p.sum()).tolist()


def bench_chunks(n: int, seed: int = 11, chunk: int = 100_000, dup_rate: float = 0.2):
    """Yield (doc_ids, texts) chunks, n documents in all, of ~600 words each: synthetic
    articles drawn from the real vocabulary (Zipf word frequencies), `dup_rate` of every chunk
    copies of its other documents made by the variant kinds, shuffled."""
    import numpy as np

    vocab_l, p_l = _bench_vocab()
    vocab = np.array(vocab_l, dtype=object)
    p = np.array(p_l)
    kinds = list(VARIANTS.values())
    fake = [Article("x", "x", ["Filler sentence for links."], [])]
    for c0 in range(0, n, chunk):
        m = min(chunk, n - c0)
        rng = np.random.default_rng([seed, c0])
        r = random.Random(f"{seed}:{c0}")
        n_orig = max(1, int(m * (1 - dup_rate)))
        lens = rng.integers(250, 950, n_orig)
        flat = vocab[rng.choice(len(vocab), size=int(lens.sum()), p=p)].tolist()
        texts: list[str] = []
        pos = 0
        for length in lens.tolist():
            w = flat[pos : pos + length]
            pos += length
            paras = [" ".join(w[a : a + 60]) + "." for a in range(0, length, 60)]
            texts.append("\n\n".join(paras))
        for _ in range(m - n_orig):
            src = texts[r.randrange(n_orig)]
            texts.append("\n\n".join(r.choice(kinds)(src.split("\n\n"), r, fake)))
        perm = rng.permutation(m)
        yield [f"d{c0 + i:08d}" for i in perm.tolist()], [texts[i] for i in perm.tolist()]
