"""Validation actions end to end: quarantine moves outliers out and the rest publishes, warn
never stops a run, block (or a systemic quarantine share) publishes nothing; quarantined rows
and their copies are accounted for, and incremental runs equal a full rebuild."""

from __future__ import annotations

import json
import random
import shutil
from datetime import UTC, datetime
from pathlib import Path

import polars as pl
import pytest
from samples import PROSE

from pipeline import publishing, run, store
from pipeline.boilerplate import leftover_markers
from pipeline.cli import main as curate
from pipeline.settings import Settings
from pipeline.validation import validate_tables

REPO = Path(__file__).resolve().parents[1]
NOW = datetime(2026, 1, 1, tzinfo=UTC)
LONG = "articles.expect_column_values_to_be_between(text_n_chars)"
WORDS = "articles.expect_column_values_to_be_between(n_words)"

_WORDS = [
    "harbour", "council", "engineers", "ferry", "budget", "reserve", "vote", "traders", "spring",
    "delay", "quay", "clay", "piles", "berth", "channel", "dredging", "cost", "officials",
    "operator", "ticket", "crossing", "season", "visitors", "compensation", "report",
    "spokesperson", "month", "plan", "dispute", "terminal", "authority",
]


def article(seed: int, n_sentences: int = 6) -> str:
    """A plain article: a headline and paragraphs of distinct sentences (seeded)."""
    rng = random.Random(seed)
    paras = []
    for _ in range(n_sentences):
        words = [rng.choice(_WORDS) for _ in range(rng.randint(18, 30))]
        paras.append(" ".join(words).capitalize() + f", said source number {rng.randint(1, 10**9)}.")
    return f"Story {seed} about the harbour\n\n" + "\n\n".join(PROSE[seed % 5:] + paras) + "\n"


def huge_article(n_words: int = 50_000) -> str:
    rng = random.Random(7)
    lines = []
    while sum(len(x.split()) for x in lines) < n_words:
        lines.append(" ".join(rng.choice(_WORDS) for _ in range(40)).capitalize()
                     + f" ({len(lines)}).")
    return "A very long report\n\n" + "\n\n".join(lines) + "\n"


def curate_run(raw: Path, cur: Path, *extra: str) -> int:
    return curate(["run", "--raw-dir", str(raw), "--curated-dir", str(cur), "--workers", "1",
                   *extra])


def tables(cur: Path) -> dict[str, pl.DataFrame]:
    return {t: pl.read_parquet(cur / "latest" / f"{t}.parquet")
            for t in ("articles", "rejected", "duplicates", "removed_lines")}


def test_one_huge_article_is_quarantined_and_the_rest_publish(raw_dir: Path, tmp_path: Path,
                                                              capsys) -> None:
    for i in range(8):
        (raw_dir / f"story-{i}.txt").write_text(article(i))
    (raw_dir / "huge.txt").write_text(huge_article())
    shutil.copyfile(raw_dir / "huge.txt", raw_dir / "huge-again.txt")  # a byte-identical copy
    cur = tmp_path / "curated"
    assert curate_run(raw_dir, cur) == 0
    out = capsys.readouterr().out
    assert "published version 1" in out and "1 articles quarantined" in out and LONG in out
    t = tables(cur)
    assert t["articles"].height == 8
    q = t["rejected"].filter(pl.col("stage") == "validation")
    assert sorted(q["source"]) == ["huge-again.txt", "huge.txt"]  # the copy follows it
    assert set(q["reason"]) == {LONG}  # the first expectation it fails; the detail names the rest
    copy = pl.col("detail").str.starts_with("exact_raw copy of")
    original = q.filter(~copy).row(0, named=True)
    assert original["detail"].startswith("text_n_chars = ") and "max_value=200000" in original["detail"]
    assert WORDS in original["detail"]
    assert q.filter(copy)["detail"].item().startswith(f"exact_raw copy of {original['doc_id']}")
    # Every raw document in exactly one place.
    m = store.read_manifest(cur)
    assert m["raw_documents"] == 10 == int(t["articles"]["n_copies"].sum()) + t["rejected"].height
    assert t["duplicates"].height == int(t["articles"]["n_copies"].sum()) - t["articles"].height
    assert m["validation"]["quarantined_by_expectation"] == {LONG: 1}
    # What was published passes every quarantine and block expectation when validated again.
    again = validate_tables(t, n_raw_documents=m["raw_documents"], markers=leftover_markers(),
                            out_dir=tmp_path / "again")
    assert again.success and not again.quarantine and not again.blocking(), again.to_text()


def test_date_less_scrapes_publish_with_a_warning(raw_dir: Path, tmp_path: Path, capsys) -> None:
    for i in range(3):
        (raw_dir / f"note-{i}.txt").write_text(article(i + 20))
    cur = tmp_path / "curated"
    assert curate_run(raw_dir, cur) == 0
    out = capsys.readouterr().out
    assert "published version 1" in out
    assert "warning: articles.expect_column_values_to_not_be_null(published)" in out
    m = store.read_manifest(cur)
    assert "articles.expect_column_values_to_not_be_null(published)" in m["validation"]["warnings"]
    assert m["validation"]["success"] is True
    assert tables(cur)["articles"].height == 3


def test_most_rows_failing_a_quarantine_expectation_block(raw_dir: Path, tmp_path: Path,
                                                          capsys) -> None:
    for i in range(12):
        (raw_dir / f"story-{i}.txt").write_text(article(i))
    exp = tmp_path / "expectations"
    shutil.copytree(REPO / "expectations", exp)
    suite = json.loads((exp / "articles.json").read_text())
    for e in suite["expectations"]:
        if e["kwargs"].get("column") == "n_words" and e["meta"]["action"] == "quarantine":
            e["kwargs"]["max_value"] = 30  # every article is "too long": a broken rule
    (exp / "articles.json").write_text(json.dumps(suite))
    cur = tmp_path / "curated"
    assert curate_run(raw_dir, cur, "--expectations-dir", str(exp)) == 3
    out = capsys.readouterr().out
    assert "BLOCKED" in out and "quarantine_block_share" in out
    assert store.list_versions(cur) == []
    assert len(list((cur / "attempts").iterdir())) == 1


def test_a_tightened_suite_rechecks_the_latest_version(raw_dir: Path, tmp_path: Path) -> None:
    for i in range(6):
        (raw_dir / f"story-{i}.txt").write_text(article(i, n_sentences=3 + 3 * (i == 0)))
    cur = tmp_path / "curated"
    assert curate_run(raw_dir, cur) == 0
    longest = tables(cur)["articles"].sort("n_words").row(-1, named=True)
    exp = tmp_path / "expectations"
    shutil.copytree(REPO / "expectations", exp)
    suite = json.loads((exp / "articles.json").read_text())
    for e in suite["expectations"]:
        if e["kwargs"].get("column") == "n_words" and e["meta"]["action"] == "quarantine":
            e["kwargs"]["max_value"] = longest["n_words"] - 1
    (exp / "articles.json").write_text(json.dumps(suite))
    # No raw file changed, yet the new suite takes effect: a new version without that row.
    assert curate_run(raw_dir, cur, "--expectations-dir", str(exp)) == 0
    assert store.list_versions(cur) == [1, 2]
    t = tables(cur)
    assert longest["doc_id"] not in t["articles"]["doc_id"].to_list()
    assert t["rejected"].filter(pl.col("stage") == "validation")["doc_id"].to_list() == [
        longest["doc_id"]]
    # Same suites again: nothing new.
    assert curate_run(raw_dir, cur, "--expectations-dir", str(exp)) == 0
    assert store.list_versions(cur) == [1, 2]


def _publish(settings: Settings, run_id: str) -> None:
    st = run.run_steps(settings, now=NOW)
    if st.unchanged:
        publishing.keep_latest(st, settings.curated_dir)
        return
    report = publishing.audit(st, settings.curated_dir, run_id)
    assert report.success, report.to_text()
    publishing.publish(st, settings.curated_dir, run_id)


def _comparable(cur: Path) -> dict[str, pl.DataFrame]:
    t = tables(cur)
    return {"articles": t["articles"].drop("ingested_at").sort("doc_id"),
            "duplicates": t["duplicates"].select("doc_id", "duplicate_of").sort("doc_id"),
            "rejected": t["rejected"].select("doc_id", "stage", "reason").sort("doc_id")}


@pytest.mark.parametrize("order", ["huge first", "copies first"])
def test_incremental_runs_with_quarantine_equal_a_full_rebuild(tmp_path: Path, order: str) -> None:
    files = {f"story-{i}.txt": article(i) for i in range(6)}
    files["huge.txt"] = huge_article()
    files["huge-copy.txt"] = files["huge.txt"]
    files["huge-edited.txt"] = files["huge.txt"].replace("A very long report", "A long report")
    files["story-0-copy.txt"] = files["story-0.txt"]
    names = sorted(files)
    first = {"huge.txt", "story-1.txt", "story-2.txt"}
    if order == "copies first":
        first = {"huge-copy.txt", "huge-edited.txt", "story-0-copy.txt"}
    batches = [[n for n in names if n in first], [n for n in names if n not in first]]
    raw = tmp_path / "raw"
    raw.mkdir()
    inc = Settings(raw_dir=raw, curated_dir=tmp_path / "inc", workers=1)
    for i, batch in enumerate(batches):
        for n in batch:
            (raw / n).write_text(files[n])
        _publish(inc, f"inc-{i}")
    full = Settings(raw_dir=raw, curated_dir=tmp_path / "full", workers=1, full_rebuild=True)
    _publish(full, "full")
    a, b = _comparable(tmp_path / "inc"), _comparable(tmp_path / "full")
    for name in a:
        assert a[name].equals(b[name]), (name, a[name], b[name])
    q = a["rejected"].filter(pl.col("stage") == "validation")
    assert q.height == 3  # the huge article, its byte-identical copy and its edited copy
    m = store.read_manifest(tmp_path / "inc")
    assert m["raw_documents"] == len(files) == int(
        tables(tmp_path / "inc")["articles"]["n_copies"].sum()) + a["rejected"].height
