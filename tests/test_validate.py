"""The GX gate: clean batches pass, each broken invariant fails under the right expectation."""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import sys
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path

import polars as pl
import pytest

from pipeline.schema import conform
from pipeline.validation import (
    DEFAULT_EXPECTATIONS_DIR,
    SuiteLoadError,
    ValidationReport,
    ValidationSettings,
    load_suites,
    validate_tables,
)
from pipeline.validation.runner import write_fallback_html
from pipeline.validation.views import first_marker

NOW = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)
MARKERS = [r"(?m)^\s*Related Articles\s*$", r"(?m)^\s*Share this:?\s*$"]
N = 40

Tables = dict[str, pl.DataFrame]


def clean_tables() -> Tables:
    """A small valid batch: 40 kept articles (2 copies of #0), 3 rejected, 1 duplicate."""
    body = "Lorem ipsum dolor sit amet consectetur " * 10
    articles = pl.DataFrame(
        {
            "doc_id": [f"doc-{i}" for i in range(N)],
            "source": ["crawl-a"] * N,
            "url": [f"https://news.example/{i}" for i in range(N)],
            "site": ["news.example"] * N,
            "title": [f"Title {i}" for i in range(N)],
            "published": [date(2026, 11, 1 + i % 20) for i in range(N)],
            "language": ["en", "de"] * (N // 2),
            "text": [f"{body}\n\nParagraph {i} ends here." for i in range(N)],
            "n_words": [64] * N,
            "content_hash": [f"hash-{i}" for i in range(N)],
            "cluster_id": [f"cl-{i}" for i in range(N)],
            "n_copies": [2] + [1] * (N - 1),
            "ingested_at": [NOW] * N,
        }
    )
    rejected = pl.DataFrame(
        {
            "doc_id": ["rej-1", "rej-2", "rej-3"],
            "source": ["crawl-a"] * 3,
            "stage": ["ingest", "extract", "clean"],
            "reason": ["empty", "no_article", "too_short"],
            "detail": [None, "xx", "12 words"],
            "n_bytes": [100, 2000, 300],
        }
    )
    duplicates = pl.DataFrame(
        {
            "doc_id": ["dup-1"],
            "source": ["crawl-a"],
            "duplicate_of": ["doc-0"],
            "similarity": [1.0],
            "method": ["exact"],
        }
    )
    removed = pl.DataFrame(
        {
            "doc_id": ["doc-1", "doc-1"],
            "line_no": [3, 9],
            "text": ["Related Articles", "Share"],
            "category": ["related", "social"],
            "rule": ["related_heading", "share_line"],
        }
    )
    return {
        "articles": conform(articles, "articles"),
        "rejected": conform(rejected, "rejected"),
        "duplicates": conform(duplicates, "duplicates"),
        "removed_lines": conform(removed, "removed_lines"),
    }


def n_raw(tables: Tables) -> int:
    """The accounting identity for a correct batch."""
    return int(tables["articles"]["n_copies"].sum()) + tables["rejected"].height


def run(tmp_path: Path, tables: Tables, raw: int | None = None, **kw) -> ValidationReport:
    return validate_tables(
        tables,
        n_raw_documents=n_raw(tables) if raw is None else raw,
        markers=MARKERS,
        out_dir=tmp_path / "validation",
        now=NOW,
        **kw,
    )


def edit_articles(name: str, expr: pl.Expr, where: pl.Expr | None = None) -> Callable[[Tables], Tables]:
    """Mutator replacing articles column `name` (optionally only on rows matching `where`)."""

    def apply(t: Tables) -> Tables:
        new = expr if where is None else pl.when(where).then(expr).otherwise(pl.col(name))
        return t | {"articles": t["articles"].with_columns(new.alias(name))}

    return apply


def test_clean_batch_passes_and_writes_results(tmp_path: Path) -> None:
    report = run(tmp_path, clean_tables())
    assert report.success, report.to_text()
    assert report.failed() == []
    assert report.result_paths["json"].is_file()
    assert report.result_paths["docs"].name == "index.html"
    assert report.result_paths["docs"].is_file()
    assert list(report.result_paths["docs"].parent.glob("validations/**/*.html"))
    saved = json.loads(report.result_paths["json"].read_text())
    assert saved["success"] is True
    assert set(saved["suites"]) == {"articles", "rejected", "duplicates", "removed_lines", "batch"}
    summary = report.summary()
    assert summary["failed"] == 0
    assert summary["evaluated"] == len(report.outcomes) > 30
    assert summary["tables"]["articles"]["rows"] == N
    json.dumps(summary)
    page = write_fallback_html(saved["suites"], tmp_path / "fallback" / "index.html")
    assert "expect_column_values_to_be_unique" in page.read_text()


def test_gate_makes_no_network_calls(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError(f"network access attempted: {args}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    assert run(tmp_path, clean_tables()).success


def test_empty_batch_passes(tmp_path: Path) -> None:
    tables = {k: v.clear() for k, v in clean_tables().items()}
    report = run(tmp_path, tables, raw=0)
    assert report.success, report.to_text()


# case: (mutation, the expectations that fail, their action)
CASES: dict[str, tuple[Callable[[Tables], Tables], set[str], str]] = {
    "leftover marker": (
        edit_articles("text", pl.col("text") + "\nRelated Articles\nMore text.", pl.col("doc_id") == "doc-7"),
        {"articles.expect_column_values_to_be_null(text_marker)"},
        "quarantine",
    ),
    "duplicate doc_id": (
        edit_articles("doc_id", pl.lit("doc-1"), pl.col("doc_id") == "doc-2"),
        {"articles.expect_column_values_to_be_unique(doc_id)"},
        "block",
    ),
    "duplicate content_hash": (
        edit_articles("content_hash", pl.lit("hash-1"), pl.col("doc_id") == "doc-2"),
        {"articles.expect_column_values_to_be_unique(content_hash)"},
        "block",
    ),
    "date in the future": (
        edit_articles("published", pl.lit(date(2026, 12, 25)), pl.col("doc_id") == "doc-3"),
        {"articles.expect_column_values_to_be_between(published_age_days)"},
        "quarantine",
    ),
    "absurdly old date": (
        edit_articles("published", pl.lit(date(1970, 1, 1)), pl.col("doc_id") == "doc-3"),
        {"articles.expect_column_values_to_be_between(published_age_days)"},
        "quarantine",
    ),
    "null language": (
        edit_articles("language", pl.lit(None, dtype=pl.String()), pl.col("doc_id") == "doc-4"),
        {"articles.expect_column_values_to_not_be_null(language)"},
        "block",
    ),
    "language not allowed": (
        edit_articles("language", pl.lit("xx"), pl.col("doc_id") == "doc-4"),
        {"articles.expect_column_values_to_be_in_set(language)"},
        "quarantine",
    ),
    "title share below floor": (
        edit_articles(
            "title",
            pl.lit(None, dtype=pl.String()),
            pl.col("doc_id").str.extract(r"(\d+)$").cast(pl.Int32) % 10 != 0,
        ),
        {"articles.expect_column_values_to_not_be_null(title)"},
        "warn",
    ),
    "text too short": (
        edit_articles("text", pl.lit("Short."), pl.col("doc_id") == "doc-5"),
        {"articles.expect_column_values_to_be_between(text_n_chars)"},
        "quarantine",
    ),
    "contract dtype drift": (
        edit_articles("published", pl.col("published").cast(pl.Datetime("us"))),
        {"batch.expect_column_values_to_be_null(articles_schema)"},
        "block",
    ),
    "reject reason not in the catalogue": (
        lambda t: t | {"rejected": t["rejected"].with_columns(
            pl.when(pl.col("doc_id") == "rej-2").then(pl.lit("page_was_odd"))
            .otherwise(pl.col("reason")).alias("reason"))},
        {"rejected.expect_column_values_to_be_in_set(reason_known)"},
        "block",
    ),
    "doc both kept and rejected": (
        lambda t: (
            t
            | {
                "rejected": t["rejected"].with_columns(
                    pl.when(pl.col("doc_id") == "rej-1")
                    .then(pl.lit("doc-9"))
                    .otherwise(pl.col("doc_id"))
                    .alias("doc_id")
                )
            }
        ),
        {"rejected.expect_column_values_to_be_in_set(doc_id_in_articles)"},
        "block",
    ),
}


@pytest.mark.parametrize("case", list(CASES))
def test_broken_batch_acts_by_expectation(tmp_path: Path, case: str) -> None:
    """A block expectation blocks the batch; a quarantine one lists the failing rows (the rest
    publishes); a warn one is reported and nothing else."""
    mutate, expected, action = CASES[case]
    tables = mutate(clean_tables())
    report = run(tmp_path, tables, raw=n_raw(clean_tables()))
    assert {o.label for o in report.failed()} == expected, report.to_text()
    assert {o.action for o in report.failed()} == {action}
    assert all(o.label in report.to_text() or o.expectation in report.to_text() for o in report.failed())
    if action == "block":
        assert not report.success and report.blocked and not report.quarantine
    elif action == "quarantine":
        assert report.success, report.to_text()
        failing = {d for o in report.failed() for d, _ in o.rows}
        assert {d for d, _, _ in report.quarantine} == failing and len(failing) == 1
        assert all(reason in expected for _, reason, _ in report.quarantine)
    else:
        assert report.success and not report.quarantine
        assert [o.label for o in report.warnings()] == sorted(expected)


def test_failure_names_offending_doc_ids(tmp_path: Path) -> None:
    mutate, _, _ = CASES["leftover marker"]
    report = run(tmp_path, mutate(clean_tables()))
    (outcome,) = report.failed()
    assert outcome.unexpected_count == 1
    assert outcome.sample[0]["doc_id"] == "doc-7"
    assert outcome.sample[0]["text_marker"] == MARKERS[0]
    assert "doc-7" in report.to_text()


def test_broken_accounting_fails(tmp_path: Path) -> None:
    tables = clean_tables()
    report = run(tmp_path, tables, raw=n_raw(tables) + 5)
    assert {o.label for o in report.failed()} == {
        "batch.expect_column_pair_values_to_be_equal(n_raw_documents,n_accounted)"
    }
    assert report.failed()[0].sample == [{"n_raw_documents": n_raw(tables) + 5, "n_accounted": n_raw(tables)}]


def test_settings_override_suite_thresholds(tmp_path: Path) -> None:
    settings = ValidationSettings(allowed_languages=("en",), min_title_share=0.0)
    report = run(tmp_path, clean_tables(), settings=settings)
    (outcome,) = report.failed()
    assert outcome.label == "articles.expect_column_values_to_be_in_set(language)"
    assert outcome.kwargs["value_set"] == ["en"]
    assert outcome.unexpected_count == N // 2


def copy_suites(tmp_path: Path) -> Path:
    folder = tmp_path / "expectations"
    shutil.copytree(DEFAULT_EXPECTATIONS_DIR, folder)
    return folder


def add_expectation(folder: Path, suite: str, entry: dict) -> None:
    path = folder / f"{suite}.json"
    data = json.loads(path.read_text())
    data["expectations"].append(entry)
    path.write_text(json.dumps(data, indent=2))


def test_expectation_added_to_suite_file_applies_without_code_change(tmp_path: Path) -> None:
    folder = copy_suites(tmp_path)
    add_expectation(
        folder,
        "articles",
        {
            "type": "expect_table_row_count_to_be_between",
            "kwargs": {"min_value": 10**9, "max_value": 10**10},
            "meta": {"action": "block"},
        },
    )
    report = run(tmp_path, clean_tables(), expectations_dir=folder)
    (outcome,) = report.failed()
    assert outcome.label == "articles.expect_table_row_count_to_be_between()"
    assert outcome.observed == N


@pytest.mark.parametrize(
    ("entry", "needle"),
    [
        (
            {"type": "expect_column_values_to_be_awesome", "kwargs": {"column": "doc_id"},
             "meta": {"action": "block"}},
            "expect_column_values_to_be_awesome",
        ),
        ({"type": "expect_column_values_to_be_unique", "kwargs": {"colum": "doc_id"},
          "meta": {"action": "block"}}, "colum"),
        ({"type": "expect_column_values_to_be_unique", "kwargs": {"column": "doc_id"}}, "action None"),
        ({"type": "expect_column_values_to_be_unique", "kwargs": {"column": "doc_id"},
          "meta": {"action": "drop"}}, "action 'drop'"),
        ({"type": "expect_column_values_to_be_unique", "kwargs": {"column": "doc_id"},
          "meta": {"action": "quarantine"}}, "quarantine applies to article rows"),
        (
            {
                "type": "expect_column_values_to_be_between",
                "kwargs": {"column": "n_words", "min_value": {"$PARAMETER": "no_such_setting"}},
                "meta": {"action": "block"},
            },
            "no_such_setting",
        ),
    ],
)
def test_unloadable_expectation_raises(tmp_path: Path, entry: dict, needle: str) -> None:
    folder = copy_suites(tmp_path)
    add_expectation(folder, "rejected", entry)
    with pytest.raises(SuiteLoadError, match=needle):
        load_suites(folder)
    with pytest.raises(SuiteLoadError, match="rejected.json"):
        run(tmp_path, clean_tables(), expectations_dir=folder)


def test_missing_or_stray_suite_file_raises(tmp_path: Path) -> None:
    folder = copy_suites(tmp_path)
    (folder / "duplicates.json").rename(folder / "duplicate.json")
    with pytest.raises(SuiteLoadError, match="duplicates"):
        load_suites(folder)


def test_load_suites_keeps_every_expectation() -> None:
    suites = load_suites()
    for name, suite in suites.items():
        raw = json.loads((DEFAULT_EXPECTATIONS_DIR / f"{name}.json").read_text())
        assert len(suite.expectations) == len(raw["expectations"]) > 0


def test_first_marker_names_the_rule_and_ignores_inline_text() -> None:
    text = pl.Series(
        [
            "Body.\n\nRelated Articles\n\nMore",
            "We saw Related Articles inline.",
            "Body\nShare this:\n",
            None,
            "Prefix (lookbehind) here",
        ]
    )
    markers = [*MARKERS, r"(?<=Prefix )\(lookbehind\)"]  # not supported by Rust's regex
    assert first_marker(text, markers).to_list() == [
        MARKERS[0],
        None,
        MARKERS[1],
        None,
        markers[2],
    ]


def test_package_import_does_not_import_gx() -> None:
    code = "import sys, pipeline.validation; assert 'great_expectations' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True, cwd=Path(__file__).parents[1])


@pytest.mark.parametrize(
    ("entry", "needle"),
    [
        ({"type": "expect_column_values_to_not_be_null", "kwargs": {"column": "title", "mostly": 0.5},
          "meta": {"action": "quarantine"}}, "mostly"),
        ({"type": "expect_table_row_count_to_be_between", "kwargs": {"min_value": 1},
          "meta": {"action": "quarantine"}}, "judges each row"),
    ],
)
def test_quarantine_needs_a_row_level_expectation(tmp_path: Path, entry: dict, needle: str) -> None:
    folder = copy_suites(tmp_path)
    add_expectation(folder, "articles", entry)
    with pytest.raises(SuiteLoadError, match=needle):
        load_suites(folder)


def test_every_suite_entry_declares_an_action() -> None:
    for path in DEFAULT_EXPECTATIONS_DIR.glob("*.json"):
        for entry in json.loads(path.read_text())["expectations"]:
            assert entry["meta"]["action"] in {"block", "quarantine", "warn"}, (path, entry)


def test_a_batch_that_keeps_no_article_is_blocked(tmp_path: Path) -> None:
    """Every document rejected (a folder of hard links, unreadable files, pages without an
    article): no empty version is published; the gate says why."""
    t = clean_tables()
    tables = {**{k: v.clear() for k, v in t.items()}, "rejected": t["rejected"]}
    report = run(tmp_path, tables)
    assert not report.success
    assert "n_articles" in report.to_text()
