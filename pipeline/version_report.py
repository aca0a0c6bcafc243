"""A one-page HTML report of a published version, for a person rather than a program.

`build_report(version_dir)` reads the version's Parquet tables (Polars) and manifest.json and
writes `report.html` beside them: the counts, rejects by reason, removed lines by category,
duplicate clusters (biggest first, with their sources), the distributions of article length and
publication date, and the validation summary. Charts are inline SVG drawn here: the page has no
external assets, no scripts and needs no network, so it opens from disk or any file server.

Dagster-free on purpose: the publish asset, the CLI or a person can call it on any version.
"""

from __future__ import annotations

import html
import json
import os
from datetime import date, timedelta
from pathlib import Path

import polars as pl

from pipeline import schema
from pipeline.svg import column_svg, empty_svg, hbar_svg, nice_step

REPORT_NAME = "report.html"
MAX_CLUSTERS = 50  # duplicate clusters listed on the page (the biggest)
MAX_SOURCES = 12  # sources shown per cluster before "… and N more"
MAX_BARS = 25  # categories in a bar chart before the rest is grouped as "other"

_E = html.escape


def build_report(version_dir: Path) -> Path:
    """Write `<version_dir>/report.html` and return its path. Missing tables count as empty and
    a missing manifest or validation summary is said so on the page; an existing report is
    replaced atomically (readers never see half a page)."""
    version_dir = Path(version_dir)
    manifest = _read_manifest(version_dir)
    tables = {name: _read_table(version_dir, name) for name in schema.TABLES}
    page = render_report(manifest, tables, version_dir)
    out = version_dir / REPORT_NAME
    tmp = version_dir / f".{REPORT_NAME}.tmp"
    tmp.write_text(page, encoding="utf-8")
    os.replace(tmp, out)
    return out


def _read_manifest(version_dir: Path) -> dict:
    f = version_dir / "manifest.json"
    try:
        return json.loads(f.read_text())
    except (OSError, ValueError):
        return {}


def removed_summary(rem: pl.DataFrame | pl.LazyFrame) -> pl.DataFrame:
    """Removed lines per (category, rule): `n` lines and an example `text` (the table itself
    runs to tens of millions of rows on a large corpus; the page only shows these)."""
    if "n" in rem.collect_schema().names():
        return rem.lazy().collect() if isinstance(rem, pl.LazyFrame) else rem
    out = (rem.lazy().group_by("category", "rule")
           .agg(pl.len().cast(pl.Int64).alias("n"), pl.col("text").min())
           .collect(engine="streaming"))
    return out.sort("category", "rule", nulls_last=True)


def _read_table(version_dir: Path, name: str) -> pl.DataFrame:
    f = version_dir / f"{name}.parquet"
    if not f.is_file():
        return removed_summary(schema.empty(name)) if name == "removed_lines" \
            else schema.empty(name)
    if name == "removed_lines":
        return removed_summary(pl.scan_parquet(f))
    cols = [c for c in schema.TABLES[name] if not (name == "articles" and c == "text")]
    try:
        df = pl.read_parquet(f, columns=cols, allow_missing_columns=True)
    except TypeError:  # an older Polars without allow_missing_columns
        df = pl.read_parquet(f)
    missing = [c for c in cols if c not in df.columns]
    if missing:
        df = df.with_columns(pl.lit(None, dtype=schema.TABLES[name][c]).alias(c) for c in missing)
    return df


# --------------------------------------------------------------------------------------------
# the page


def render_report(manifest: dict, tables: dict[str, pl.DataFrame], version_dir: Path | None = None
                  ) -> str:
    """The report as an HTML string (build_report writes it to disk)."""
    art, rej, dup = (tables[t] for t in ("articles", "rejected", "duplicates"))
    rem = removed_summary(tables["removed_lines"])
    n_removed = int(rem["n"].sum() or 0)
    stats = manifest.get("stats") or {}
    represented = int(art["n_copies"].sum() or 0) if art.height else 0
    raw = manifest.get("raw_documents", stats.get("raw_documents"))
    if raw is None:
        raw = represented + rej.height
    version = manifest.get("version", "?")
    folder = version_folder(manifest, version_dir)
    title = f"Curated news — version {version}" + (f" ({folder.name})" if folder else "")

    counts = [
        ("Raw documents", raw, "documents read from the raw folder"),
        ("Articles", art.height, "distinct articles published"),
        ("Duplicates", dup.height, "copies folded into an article"),
        ("Rejected", rej.height, "documents that could not be used"),
        ("Removed lines", n_removed, "boilerplate lines cut from bodies"),
    ]
    balanced = represented + rej.height == raw
    accounting = (f"{represented:,} documents represented by the articles (articles and their "
                  f"duplicates) + {rej.height:,} rejected "
                  f"{'=' if balanced else '≠'} {raw:,} raw documents")

    body = [
        f"<header><h1>{_E(title)}</h1>{_header_facts(manifest, version_dir)}</header>",
        '<section class="cards">' + "".join(
            f'<div class="card" id="count-{_slug(label)}"><div class="num">{_num(n)}</div>'
            f'<div class="lbl">{_E(label)}</div><div class="hint">{_E(hint)}</div></div>'
            for label, n, hint in counts) + "</section>",
        f'<p class="accounting {"ok" if balanced else "bad"}">{_E(accounting)}</p>',
        _validation_section(manifest.get("validation"), version_dir),
        '<div class="grid">',
        _section("Article length", "n_words of each published article",
                 _words_histogram(art), "length"),
        _section("Publication date", "the published date of each article",
                 _date_histogram(art), "dates"),
        "</div>",
        '<div class="grid">',
        _section("Rejects by reason", f"{rej.height:,} rejected documents",
                 _by_category(rej, "reason", "rejects") + _reject_examples(rej), "rejects"),
        _section("Removed lines by category", f"{n_removed:,} lines removed",
                 _by_category(rem, "category", "removed", weight="n") + _removed_rules(rem), "removed"),
        "</div>",
        '<div class="grid">',
        _section("Articles by language", "", _by_category(art, "language", "languages"),
                 "languages"),
        _section("Articles by site", "", _by_category(art, "site", "sites"), "sites"),
        "</div>",
        _section("Duplicate clusters", "articles with copies, biggest first",
                 _clusters(art, dup), "clusters"),
    ]
    return (
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{_E(title)}</title><style>{_CSS}</style></head>\n<body>\n"
        + "\n".join(body) + "\n</body></html>\n")


def version_folder(m: dict, version_dir: Path | None) -> Path | None:
    """The folder the version lives in once published: `build_report` runs while the version
    is still under `.staging/<id>` (it appears with the version in one rename), so the page
    names `<curated>/versions/vNNNNNN`, not the staging folder that is gone by then."""
    if version_dir is None:
        return None
    version_dir = Path(version_dir)
    v = m.get("version")
    if version_dir.parent.name == ".staging" and isinstance(v, int):
        return version_dir.parent.parent / "versions" / f"v{v:06d}"
    return version_dir


def _header_facts(m: dict, version_dir: Path | None) -> str:
    folder = version_folder(m, version_dir)
    facts = [
        ("folder", str(folder) if folder else None),
        ("created", m.get("created_at")),
        ("parent version", m.get("parent_version")),
        ("code", m.get("code_version")),
        ("input fingerprint", m.get("input_fingerprint")),
    ]
    return '<p class="facts">' + " · ".join(
        f"{_E(k)}: <code>{_E(str(v))}</code>" for k, v in facts if v not in (None, "")) + "</p>"


def _section(title: str, sub: str, content: str, sid: str) -> str:
    s = f' <span class="sub">{_E(sub)}</span>' if sub else ""
    return f'<section class="panel" id="{sid}"><h2>{_E(title)}{s}</h2>{content}</section>'


def _validation_section(v: dict | None, version_dir: Path | None) -> str:
    if not v:
        return _section("Validation", "", '<p class="muted">No validation summary in the '
                        "manifest: this version was published without the gate's results.</p>",
                        "validation")
    ok = bool(v.get("success"))
    verdict = (f'<span class="badge {"pass" if ok else "fail"}">'
               f'{"PASSED" if ok else "BLOCKED"}</span> {_num(v.get("failed", 0))} of '
               f'{_num(v.get("evaluated", 0))} expectations failed')
    rows = "".join(
        f"<tr><td>{_E(str(name))}</td><td>{_num(t.get('evaluated', 0))}</td>"
        f'<td class="{"bad" if t.get("failed") else ""}">{_num(t.get("failed", 0))}</td>'
        f"<td>{_num(t['rows']) if 'rows' in t else ''}</td></tr>"
        for name, t in (v.get("tables") or {}).items())
    table = ("<table><thead><tr><th>table</th><th>evaluated</th><th>failed</th><th>rows</th>"
             f"</tr></thead><tbody>{rows}</tbody></table>") if rows else ""
    failed = v.get("failed_expectations") or []
    flist = ("<ul class=\"failed\">" + "".join(f"<li><code>{_E(str(f))}</code></li>"
                                               for f in failed) + "</ul>") if failed else ""
    quarantined = v.get("quarantined_by_expectation") or {}
    if quarantined:
        flist += (f"<p>{_num(v.get('quarantined', 0))} articles quarantined (moved to "
                  "<code>rejected</code>, stage <code>validation</code>)"
                  + (f", with {_num(v['quarantined_copies'])} of their copies"
                     if v.get("quarantined_copies") else "") + ":</p><ul>"
                  + "".join(f"<li><code>{_E(str(k))}</code>: {_num(n)}</li>"
                            for k, n in quarantined.items()) + "</ul>")
    warnings = v.get("warnings") or []
    if warnings:
        flist += ("<p>Warnings:</p><ul>" + "".join(f"<li><code>{_E(str(w))}</code></li>"
                                                   for w in warnings) + "</ul>")
    docs = ""
    if version_dir is not None and (version_dir / "validation").is_dir():
        idx = next(iter(sorted((version_dir / "validation").rglob("index.html"))), None)
        if idx is not None:
            rel = idx.relative_to(version_dir).as_posix()
            docs = f'<p><a href="{_E(rel)}">Great Expectations Data Docs</a></p>'
    return _section("Validation", "", f"<p>{verdict}</p>{table}{flist}{docs}", "validation")


# --------------------------------------------------------------------------------------------
# tables and bars


def _counts(df: pl.DataFrame, col: str, weight: str | None = None) -> list[tuple[str, int]]:
    """(value, rows) of `col`, most frequent first; `weight`: a column of row counts to sum."""
    if df.height == 0:
        return []
    w = pl.col(weight) if weight else pl.lit(1)
    c = (df.select(pl.col(col).cast(pl.String).fill_null("(none)").alias("k"), w.alias("w"))
         .group_by("k").agg(pl.col("w").sum().alias("len"))
         .sort(["len", "k"], descending=[True, False]))
    return [(k, int(n)) for k, n in c.iter_rows()]


def _by_category(df: pl.DataFrame, col: str, sid: str, weight: str | None = None) -> str:
    items = _counts(df, col, weight)
    if not items:
        return '<p class="muted">None.</p>'
    if len(items) > MAX_BARS:
        rest = sum(n for _, n in items[MAX_BARS - 1:])
        items = items[: MAX_BARS - 1] + [(f"other ({len(items) - MAX_BARS + 1})", rest)]
    return hbar_svg(items, label=f"{sid} by {col}")


def _reject_examples(rej: pl.DataFrame) -> str:
    if rej.height == 0:
        return ""
    ex = (rej.group_by("reason", maintain_order=True)
          .agg(pl.col("source").first(), pl.col("detail").first(), pl.len().alias("n"))
          .sort(["n", "reason"], descending=[True, False]).head(MAX_BARS))
    rows = "".join(f"<tr><td>{_E(str(r))}</td><td><code>{_E(_cut(s))}</code></td>"
                   f"<td>{_E(_cut(d, 120))}</td></tr>" for r, s, d, _ in ex.iter_rows())
    return ("<details><summary>an example of each reason</summary><table><thead><tr>"
            f"<th>reason</th><th>source</th><th>detail</th></tr></thead><tbody>{rows}</tbody>"
            "</table></details>")


def _removed_rules(rem: pl.DataFrame) -> str:
    if rem.height == 0:
        return ""
    ex = (rem.select("category", "rule", "n", "text")
          .sort(["n", "category", "rule"], descending=[True, False, False]).head(30))
    rows = "".join(f"<tr><td>{_E(str(c))}</td><td>{_E(str(r))}</td><td>{n:,}</td>"
                   f"<td>{_E(_cut(t, 90))}</td></tr>" for c, r, n, t in ex.iter_rows())
    return ("<details><summary>by rule, with an example line</summary><table><thead><tr>"
            "<th>category</th><th>rule</th><th>lines</th><th>example</th></tr></thead>"
            f"<tbody>{rows}</tbody></table></details>")


def _clusters(art: pl.DataFrame, dup: pl.DataFrame) -> str:
    if dup.height == 0:
        return '<p class="muted">No duplicates: every article was seen once.</p>'
    groups = (dup.group_by("duplicate_of")
              .agg(pl.len().alias("n_dup"),
                   pl.struct("source", "method", "similarity").sort_by("source").alias("copies"))
              .join(art.select(pl.col("doc_id").alias("duplicate_of"), "title", "source", "site"),
                    on="duplicate_of", how="left")
              .sort(["n_dup", "duplicate_of"], descending=[True, False]))
    n_clusters = groups.height
    sizes = [(f"{k + 1} copies", int(n)) for k, n in
             groups.group_by("n_dup").len().sort("n_dup", descending=True).iter_rows()]
    out = [f"<p>{n_clusters:,} clusters hold {dup.height:,} duplicates. "
           "Cluster sizes (the article and its copies):</p>",
           hbar_svg(sizes, label="duplicate cluster sizes")]
    out.append('<ol class="clusters">')
    for row in groups.head(MAX_CLUSTERS).iter_rows(named=True):
        title = row["title"] or "(untitled)"
        keep = row["source"] or row["duplicate_of"]
        copies = row["copies"]
        items = "".join(
            f"<li><code>{_E(_cut(c['source']))}</code> <span class=\"muted\">"
            f"{_E(str(c['method']))}{_sim(c['similarity'])}</span></li>"
            for c in copies[:MAX_SOURCES])
        if len(copies) > MAX_SOURCES:
            items += f'<li class="muted">… and {len(copies) - MAX_SOURCES:,} more</li>'
        site = f' <span class="muted">{_E(row["site"])}</span>' if row["site"] else ""
        out.append(
            f'<li><div class="ctitle"><span class="badge n">{row["n_dup"] + 1}</span> '
            f"{_E(_cut(title, 140))}{site}</div>"
            f'<div class="kept">kept: <code>{_E(_cut(keep))}</code></div><ul>{items}</ul></li>')
    out.append("</ol>")
    if n_clusters > MAX_CLUSTERS:
        out.append(f'<p class="muted">… and {n_clusters - MAX_CLUSTERS:,} smaller clusters '
                   "(see duplicates.parquet).</p>")
    return "".join(out)


# --------------------------------------------------------------------------------------------
# distributions


def _words_histogram(art: pl.DataFrame) -> str:
    words = [int(w) for w in art["n_words"].drop_nulls().to_list()]
    if not words:
        return empty_svg("no articles")
    step = nice_step(max(max(words) - min(words), 1) / 20)
    lo = min(words) // step * step  # bins start at a round number below the shortest
    n_bins = (max(words) - lo) // step + 1
    counts = [0] * n_bins
    for w in words:
        counts[(w - lo) // step] += 1
    bins = [(f"{lo + i * step:,}–{lo + (i + 1) * step - 1:,}" if step > 1 else f"{lo + i:,}", c)
            for i, c in enumerate(counts)]
    med = sorted(words)[len(words) // 2]
    caption = (f'<p class="muted">{len(words):,} articles · median {med:,} words · '
               f"shortest {min(words):,} · longest {max(words):,}</p>")
    return column_svg(bins, label="article length in words", x_title="words") + caption


def _date_histogram(art: pl.DataFrame) -> str:
    dates: list[date] = art["published"].drop_nulls().to_list()
    missing = art.height - len(dates)
    note = (f'<p class="muted">{len(dates):,} dated · {missing:,} without a date'
            + (f" · {min(dates).isoformat()} to {max(dates).isoformat()}" if dates else "")
            + "</p>")
    if not dates:
        return empty_svg("no dated articles") + note
    lo, hi = min(dates), max(dates)
    span = (hi - lo).days
    if span <= 62:
        keys = [lo + timedelta(days=i) for i in range(span + 1)]
        labels = [d.isoformat() for d in keys]
        index = {d: i for i, d in enumerate(keys)}
        pos = [index[d] for d in dates]
        unit = "day"
    elif span <= 6 * 366:
        months = (hi.year - lo.year) * 12 + hi.month - lo.month + 1
        labels = [f"{lo.year + (lo.month - 1 + i) // 12}-{(lo.month - 1 + i) % 12 + 1:02d}"
                  for i in range(months)]
        pos = [(d.year - lo.year) * 12 + d.month - lo.month for d in dates]
        unit = "month"
    else:
        labels = [str(y) for y in range(lo.year, hi.year + 1)]
        pos = [d.year - lo.year for d in dates]
        unit = "year"
    counts = [0] * len(labels)
    for p in pos:
        counts[p] += 1
    return column_svg(list(zip(labels, counts, strict=True)),
                      label=f"articles per {unit} of publication", x_title=unit) + note


# --------------------------------------------------------------------------------------------
# small helpers


def _num(n) -> str:
    return f"{n:,}" if isinstance(n, int) else _E(str(n))


def _cut(s, n: int = 80) -> str:
    s = "" if s is None else str(s).replace("\n", " ")
    return s if len(s) <= n else s[: n - 1] + "…"


def _sim(x) -> str:
    return "" if x is None else f" · {x:.2f}"


def _slug(s: str) -> str:
    return "-".join(s.lower().split())


_CSS = """
:root{--ink:#1d2433;--muted:#6b7385;--line:#e3e6ee;--bar:#4f6bed;--ok:#1f9254;--bad:#c23b3b;
--bg:#f6f7fb}
*{box-sizing:border-box}
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--ink);
background:var(--bg);margin:0;padding:24px 32px;max-width:1280px}
h1{font-size:24px;margin:0 0 4px}h2{font-size:16px;margin:0 0 12px}
.sub,.muted{color:var(--muted);font-weight:normal;font-size:13px}
.facts{color:var(--muted);margin:0 0 16px;font-size:12px}
code{font:12px ui-monospace,SFMono-Regular,Menlo,monospace;background:#eef0f6;padding:1px 4px;
border-radius:3px;word-break:break-all}
.cards{display:grid;grid-template-columns:repeat(5,1fr);gap:12px;margin-bottom:8px}
.card{background:#fff;border:1px solid var(--line);border-radius:8px;padding:14px 16px}
.card .num{font-size:30px;font-weight:600}.card .lbl{font-weight:600}
.card .hint{color:var(--muted);font-size:12px}
.accounting{font-size:13px;margin:4px 0 16px}.accounting.ok::before{content:"✓ ";color:var(--ok)}
.accounting.bad{color:var(--bad)}.accounting.bad::before{content:"✗ "}
.grid{display:grid;grid-template-columns:1fr 1fr;gap:16px}
.panel{background:#fff;border:1px solid var(--line);border-radius:8px;padding:16px 18px;
margin-bottom:16px;overflow-x:auto}
svg{max-width:100%;height:auto;display:block}
svg .bar{fill:var(--bar)}svg .grid{stroke:var(--line)}svg .axis{stroke:#9aa1b2}
svg .lab{font:12px system-ui,sans-serif;fill:var(--ink)}
svg .val,svg .tick{font:11px system-ui,sans-serif;fill:var(--muted)}
table{border-collapse:collapse;margin:8px 0;font-size:13px}
th,td{border-bottom:1px solid var(--line);padding:4px 10px;text-align:left;vertical-align:top}
td.bad{color:var(--bad);font-weight:600}
.badge{display:inline-block;border-radius:10px;padding:1px 9px;font-size:12px;font-weight:700;
color:#fff}.badge.pass{background:var(--ok)}.badge.fail{background:var(--bad)}
.badge.n{background:var(--bar);min-width:26px;text-align:center}
ol.clusters{padding-left:22px}ol.clusters>li{margin:0 0 12px}ol.clusters ul{margin:4px 0;
padding-left:18px}.ctitle{font-weight:600}.kept{font-size:12px;margin-top:2px}
details{margin-top:10px}summary{cursor:pointer;color:var(--muted)}
ul.failed li{color:var(--bad)}
@media (max-width:900px){.grid{grid-template-columns:1fr}.cards{grid-template-columns:1fr 1fr}}
"""
