"""The HTML run report: built from a small version published with pipeline.store."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import UTC, date, datetime
from pathlib import Path

import polars as pl
import pytest

from pipeline import schema, store
from pipeline.version_report import build_report

SVG = re.compile(r"<svg\b.*?</svg>", re.S)

VALIDATION = {"success": False, "evaluated": 12, "failed": 1,
              "failed_expectations": ["articles.expect_column_values_to_not_be_null(title)"],
              "tables": {"articles": {"evaluated": 8, "failed": 1, "rows": 4},
                         "batch": {"evaluated": 4, "failed": 0}}}


def _articles() -> pl.DataFrame:
    now = datetime(2025, 5, 1, tzinfo=UTC)
    rows = [
        # doc_id, source, site, title, published, n_words, n_copies
        ("a1", "seeds/a.txt", "Example News", "Big story", date(2025, 4, 1), 120, 4),
        ("a2", "html/b.html", "Space Daily", "Rocket <script>alert(1)</script>", date(2025, 4, 3),
         480, 2),
        ("a3", "warc/c.warc.gz#0", None, None, None, 950, 1),
        ("a4", "batches/d.jsonl#2", "Example News", "Quiet day", date(2025, 4, 20), 75, 1),
    ]
    return schema.conform(pl.DataFrame(
        {"doc_id": [r[0] for r in rows], "source": [r[1] for r in rows],
         "site": [r[2] for r in rows], "title": [r[3] for r in rows],
         "published": [r[4] for r in rows], "n_words": [r[5] for r in rows],
         "n_copies": [r[6] for r in rows], "language": ["en"] * 3 + ["de"],
         "text": ["body"] * 4, "cluster_id": [r[0] for r in rows],
         "content_hash": ["h"] * 4, "url": [None] * 4, "ingested_at": [now] * 4},
        schema_overrides={"published": pl.Date}), "articles")


def _tables() -> dict[str, pl.DataFrame]:
    dup = schema.conform(pl.DataFrame({
        "doc_id": ["d1", "d2", "d3", "d4"],
        "source": ["rescrape/a.txt", "mirror/a.html", "warc/x.warc.gz#3", "seeds/b-copy.txt"],
        "duplicate_of": ["a1", "a1", "a1", "a2"],
        "similarity": [1.0, 0.93, 0.88, 1.0],
        "method": ["exact_raw", "near", "near", "exact_text"]}), "duplicates")
    rej = schema.conform(pl.DataFrame({
        "doc_id": ["r1", "r2", "r3"], "source": ["bad/empty.txt", "bad/noise.bin", "bad/e2.txt"],
        "stage": ["ingest"] * 3, "reason": ["empty", "binary", "empty"],
        "detail": ["0 bytes", "NUL bytes", "0 bytes"], "n_bytes": [0, 100, 0]}), "rejected")
    rem = schema.conform(pl.DataFrame({
        "doc_id": ["a1"] * 5 + ["a2"] * 2, "line_no": list(range(7)),
        "text": ["Share", "Most Read", "Subscribe now", "Comments (3)", "Related", "Share", "x"],
        "category": ["share", "related", "newsletter", "comments", "related", "share", "share"],
        "rule": ["share_buttons", "related_heading", "newsletter", "comments", "related_heading",
                 "share_buttons", "share_buttons"]}), "removed_lines")
    return {"articles": _articles(), "rejected": rej, "duplicates": dup, "removed_lines": rem}


def _publish(cur: Path, tables: dict[str, pl.DataFrame], validation: dict | None) -> Path:
    art = tables["articles"]
    raw = int(art["n_copies"].sum() or 0) + tables["rejected"].height
    res = store.publish(cur, tables, metadata={
        "input_fingerprint": "f" * 32, "code_version": "0.1.0+test", "raw_documents": raw,
        "stats": {"raw_documents": raw}, "validation": validation})
    return res.path


def _count(page: str, card: str) -> str:
    m = re.search(rf'id="count-{card}"><div class="num">([^<]+)</div>', page)
    assert m, f"no {card} card"
    return m.group(1)


def test_report_has_counts_charts_clusters_and_validation(tmp_path: Path):
    vdir = _publish(tmp_path / "curated", _tables(), VALIDATION)
    out = build_report(vdir)
    assert out == vdir / "report.html" and out.is_file()
    page = out.read_text()

    # The counts: 4 articles standing for 8 raw documents, + 3 rejected = 11 raw.
    assert _count(page, "raw-documents") == "11"
    assert _count(page, "articles") == "4"
    assert _count(page, "duplicates") == "4"
    assert _count(page, "rejected") == "3"
    assert _count(page, "removed-lines") == "7"
    assert 'class="accounting ok"' in page

    # Inline SVG charts, each well-formed XML: length, dates, rejects, removed, languages,
    # sites, cluster sizes.
    svgs = SVG.findall(page)
    assert len(svgs) >= 7
    for s in svgs:
        ET.fromstring(s)
    length = re.search(r'id="length">.*?</section>', page, re.S).group(0)
    assert "<svg" in length and "<rect" in length and "median" in length
    dates = re.search(r'id="dates">.*?</section>', page, re.S).group(0)
    assert "<svg" in dates and "1 without a date" in dates and "2025-04-01" in dates

    # Rejects by reason and removed lines by category, most first.
    rejects = re.search(r'id="rejects">.*?</section>', page, re.S).group(0)
    assert rejects.index(">empty<") < rejects.index(">binary<")
    removed = re.search(r'id="removed">.*?</section>', page, re.S).group(0)
    assert removed.index(">share<") < removed.index(">related<") < removed.index(">comments<")

    # Duplicate clusters, biggest first, with every source.
    clusters = re.search(r'id="clusters">.*?</section>', page, re.S).group(0)
    assert clusters.index("Big story") < clusters.index("Rocket")
    for src in ("seeds/a.txt", "rescrape/a.txt", "mirror/a.html", "warc/x.warc.gz#3",
                "seeds/b-copy.txt"):
        assert src in clusters
    assert '<span class="badge n">4</span>' in clusters  # a1 and its three copies

    # Validation summary from the manifest.
    val = re.search(r'id="validation">.*?</section>', page, re.S).group(0)
    assert "BLOCKED" in val and "1 of 12 expectations failed" in val
    assert "expect_column_values_to_not_be_null(title)" in val

    # Hostile text is escaped; the page loads nothing from anywhere.
    assert "<script" not in page and "&lt;script&gt;" in page
    assert not re.search(r"<(link|img|iframe|object)\b|\bsrc=", page)
    assert "http://" not in page.replace('xmlns="http://www.w3.org/2000/svg"', "")
    assert "https://" not in page


def test_report_without_validation_or_data(tmp_path: Path):
    tables = {t: schema.empty(t) for t in ("articles", "rejected", "duplicates", "removed_lines")}
    vdir = _publish(tmp_path / "curated", tables, None)
    page = build_report(vdir).read_text()
    assert _count(page, "articles") == "0" and _count(page, "raw-documents") == "0"
    assert "No validation summary" in page
    assert "No duplicates" in page
    for s in SVG.findall(page):
        ET.fromstring(s)


def test_report_is_rebuilt_in_place(tmp_path: Path):
    vdir = _publish(tmp_path / "curated", _tables(), VALIDATION)
    first = build_report(vdir).read_text()
    (vdir / "report.html").write_text("stale")
    assert build_report(vdir).read_text() == first
    assert not list(vdir.glob(".*.tmp"))
    # The report is not part of the version's content: publishing the same tables again is
    # still "unchanged".
    again = store.publish(tmp_path / "curated", _tables(), metadata={})
    assert again.created is False


@pytest.mark.parametrize("span_days,unit", [(10, "day"), (400, "month"), (4000, "year")])
def test_date_histogram_picks_a_readable_unit(tmp_path: Path, span_days: int, unit: str):
    tables = _tables()
    art = tables["articles"].with_columns(
        pl.when(pl.col("doc_id") == "a4").then(pl.lit(date(2025, 4, 1)) + pl.duration(
            days=span_days)).otherwise(pl.col("published")).cast(pl.Date).alias("published"))
    tables["articles"] = art
    vdir = _publish(tmp_path / "curated", tables, VALIDATION)
    page = build_report(vdir).read_text()
    assert f"articles per {unit} of publication" in page
