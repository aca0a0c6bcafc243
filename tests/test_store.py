"""The versioned store: atomic versions, the latest pointer, old versions readable, four readers."""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from pathlib import Path

import polars as pl
import pytest

from pipeline import schema, store
from pipeline.reader import load_articles, load_table, versions


def articles(n: int, tag: str = "a") -> pl.DataFrame:
    return schema.conform(pl.DataFrame({
        "doc_id": [f"{tag}{i:04d}" for i in range(n)],
        "source": [f"s/{i}.txt" for i in range(n)],
        "language": ["en"] * n,
        "text": [f"Article {tag} number {i} says something." for i in range(n)],
        "n_words": [6] * n,
        "content_hash": [f"h{tag}{i}" for i in range(n)],
        "cluster_id": [f"{tag}{i:04d}" for i in range(n)],
        "n_copies": [1] * n,
        "ingested_at": [datetime(2025, 1, 1, tzinfo=UTC)] * n,
    }), "articles")


def tables(n: int, tag: str = "a") -> dict[str, pl.DataFrame]:
    return {"articles": articles(n, tag), "rejected": schema.empty("rejected"),
            "duplicates": schema.empty("duplicates"), "removed_lines": schema.empty("removed_lines")}


def test_publish_versions_and_latest(tmp_path: Path):
    cur = tmp_path / "curated"
    r1 = store.publish(cur, tables(3, "a"), metadata={"note": 1})
    r2 = store.publish(cur, tables(5, "b"), metadata={"note": 2})
    assert (r1.version, r2.version) == (1, 2) and r1.created and r2.created
    assert store.list_versions(cur) == [1, 2]
    assert (cur / "LATEST").read_text().strip() == "2"
    assert os.readlink(cur / "latest") == "versions/v000002"
    assert load_articles(curated_dir=cur).height == 5
    assert load_articles(1, curated_dir=cur).height == 3  # the old version stays readable
    m = store.read_manifest(cur, 1)
    assert m["tables"]["articles"]["rows"] == 3 and m["note"] == 1
    assert m["tables"]["articles"]["schema"]["published"] == "Date"
    v = versions(cur)
    assert [x["version"] for x in v] == [1, 2] and v[1]["latest"]


def test_same_content_publishes_nothing(tmp_path: Path):
    cur = tmp_path / "curated"
    store.publish(cur, tables(3), metadata={})
    again = store.publish(cur, tables(3), metadata={})
    assert not again.created and again.version == 1
    assert store.list_versions(cur) == [1]
    forced = store.publish(cur, tables(3), metadata={}, force=True)
    assert forced.created and forced.version == 2


def test_checksums_match_files(tmp_path: Path):
    cur = tmp_path / "curated"
    r = store.publish(cur, tables(2), metadata={})
    for _name, info in r.manifest["tables"].items():
        assert store._sha256(r.path / info["file"]) == info["sha256"]


def test_failed_publish_leaves_nothing_visible(tmp_path: Path):
    cur = tmp_path / "curated"
    store.publish(cur, tables(2), metadata={})
    bad = tables(3, "z")
    bad["broken"] = object()  # not a frame: writing it fails midway
    with pytest.raises(AttributeError):
        store.publish(cur, bad, metadata={})
    assert store.list_versions(cur) == [1]
    assert load_articles(curated_dir=cur).height == 2
    assert not any((cur / ".staging").iterdir())


def test_recover_cleans_a_killed_run(tmp_path: Path):
    cur = tmp_path / "curated"
    store.publish(cur, tables(2), metadata={})
    # What a run killed mid-write leaves: a staging folder, a version folder without manifest,
    # a temp pointer, and a LATEST naming a version that never completed.
    (cur / ".staging" / "dead").mkdir(parents=True)
    (cur / ".staging" / "dead" / "articles.parquet").write_bytes(b"PAR1 half")
    (cur / "versions" / "v000002").mkdir()
    (cur / ".LATEST.tmp").write_text("2")
    (cur / "LATEST").write_text("2\n")
    assert store.latest_version(cur) == 1  # readers ignore the incomplete version already
    with store.locked(cur):
        done = store.recover(cur)
    assert len(done) == 3
    assert (cur / "LATEST").read_text().strip() == "1"
    r = store.publish(cur, tables(4), metadata={})
    # Number 2 was half-published (a folder and LATEST named it): burnt, never reused (issue 22).
    assert r.version == 3 and load_articles(curated_dir=cur).height == 4


def test_second_publisher_fails_fast(tmp_path: Path):
    cur = tmp_path / "curated"
    with store.locked(cur), pytest.raises(store.StoreBusy, match="another run"):
        store.publish(cur, tables(1), metadata={})


def test_attachments_appear_with_the_version(tmp_path: Path):
    cur = tmp_path / "curated"
    rep = tmp_path / "rep"
    rep.mkdir()
    (rep / "result.json").write_text(json.dumps({"success": True}))
    r = store.publish(cur, tables(1), metadata={}, attachments={"validation": rep})
    assert (r.path / "validation" / "result.json").is_file()


def test_four_readers_without_our_package(tmp_path: Path):
    cur = tmp_path / "curated"
    store.publish(cur, tables(3, "a"), metadata={})
    store.publish(cur, tables(4, "b"), metadata={})
    latest = cur / "latest" / "articles.parquet"
    v1 = cur / "versions" / "v000001" / "articles.parquet"

    assert pl.read_parquet(latest).height == 4
    assert pl.read_parquet(v1).height == 3

    import pandas as pd

    df = pd.read_parquet(latest)
    assert len(df) == 4 and list(df.columns) == list(schema.ARTICLES)

    import pyarrow.parquet as pq

    t = pq.read_table(v1)
    assert t.num_rows == 3 and t.schema.field("n_words").type == "uint32"

    import duckdb

    n = duckdb.sql(f"select count(*) from read_parquet('{latest}')").fetchall()[0][0]
    assert n == 4
    ids = duckdb.sql(f"select min(doc_id) from '{v1}'").fetchall()[0][0]
    assert ids == "a0000"
    assert load_table("articles", 1, cur).equals(pl.read_parquet(v1))


def test_publish_refuses_a_batch_read_before_another_version(tmp_path: Path):
    cur = tmp_path / "curated"
    store.publish(cur, tables(2), metadata={})
    # A run that read the store when version 1 was the latest, while another published v2.
    store.publish(cur, tables(3, "b"), metadata={})
    with pytest.raises(store.StoreConflict, match="another run published version 2"):
        store.publish(cur, tables(4, "c"), metadata={}, expect_latest=1)
    assert store.list_versions(cur) == [1, 2]
    assert store.publish(cur, tables(4, "c"), metadata={}, expect_latest=2).version == 3
