"""Issue 22, findings 1 and 7: a version is verified before a run builds on it or calls the data
unchanged; version numbers are never reused; a stray version folder is reported, not fatal; the
store writes and deletes only inside the curated folder."""

from __future__ import annotations

import json
import os
import shutil
from datetime import UTC, datetime
from pathlib import Path

import polars as pl
import pytest
from test_store import articles

from pipeline import run, schema, store
from pipeline.settings import Settings

NOW = datetime(2026, 1, 1, tzinfo=UTC)


def tables(n: int, tag: str = "a") -> dict[str, pl.DataFrame]:
    dups = schema.conform(pl.DataFrame({
        "doc_id": [f"d{tag}{i}" for i in range(3)], "source": [f"s/d{tag}{i}.txt" for i in range(3)],
        "duplicate_of": [f"{tag}0000"] * 3, "similarity": [1.0] * 3,
        "method": ["exact_raw"] * 3}), "duplicates")
    return {"articles": articles(n, tag), "rejected": schema.empty("rejected"),
            "duplicates": dups, "removed_lines": schema.empty("removed_lines")}


def flip_byte(f: Path, at: float = 0.5) -> None:
    data = bytearray(f.read_bytes())
    i = int(len(data) * at)
    data[i] ^= 0x5A
    f.write_bytes(bytes(data))


# ---------------------------------------------------------------------------------------------
# 1. Verified versions


@pytest.mark.parametrize("table", ["articles", "duplicates", "removed_lines"])
def test_flipped_byte_refuses_to_build_on_the_version(tmp_path: Path, table: str):
    """One flipped byte in a table gave a new version with changed old articles and fresh
    checksums: the run now refuses, naming the file and what to do."""
    cur = tmp_path / "curated"
    store.publish(cur, tables(20), metadata={"raw_documents": 23})
    f = store.version_path(cur, 1) / f"{table}.parquet"
    flip_byte(f)
    with pytest.raises(store.VersionCorrupt) as e:
        run.load_previous(cur)
    msg = str(e.value)
    assert str(f) in msg and "sha256" in msg and "--full-rebuild" in msg


def test_truncated_table_is_named_with_its_size(tmp_path: Path):
    """Structural damage failed with a raw Polars error naming no file."""
    cur = tmp_path / "curated"
    store.publish(cur, tables(20), metadata={})
    f = store.version_path(cur, 1) / "articles.parquet"
    size = f.stat().st_size
    with open(f, "r+b") as fh:
        fh.truncate(size - 100)
    with pytest.raises(store.VersionCorrupt, match=rf"articles.parquet has {size - 100} bytes, "
                                                   rf"its manifest says {size}"):
        run.load_previous(cur)


def test_unchanged_is_not_said_of_a_damaged_version(tmp_path: Path):
    """A rebuild with the same content as a damaged latest version publishes it anew instead of
    pointing at the damaged files and saying "unchanged"."""
    cur = tmp_path / "curated"
    store.publish(cur, tables(20), metadata={})
    flip_byte(store.version_path(cur, 1) / "articles.parquet")
    again = store.publish(cur, tables(20), metadata={})
    assert again.created and again.version == 2
    store.verify(cur, 2)  # the new one is whole
    # An intact latest version with the same content: unchanged, as before.
    assert not store.publish(cur, tables(20), metadata={}).created


def test_full_rebuild_takes_history_from_an_intact_version(tmp_path: Path):
    """first_seen (when each document was first seen) skips a damaged latest version."""
    cur = tmp_path / "curated"
    store.publish(cur, tables(5, "a"), metadata={})
    store.publish(cur, tables(6, "b"), metadata={})
    flip_byte(store.version_path(cur, 2) / "articles.parquet")
    seen = run.first_seen(cur)
    assert seen is not None and sorted(seen["doc_id"]) == [f"a{i:04d}" for i in range(5)]


def test_stray_version_folder_is_reported_not_fatal(tmp_path: Path, caplog):
    """`versions/v000099/manifest.json` holding `{}` blocked every run."""
    cur = tmp_path / "curated"
    store.publish(cur, tables(3), metadata={"raw_documents": 6})
    stray = store.versions_dir(cur) / "v000099"
    stray.mkdir()
    (stray / "manifest.json").write_text("{}")
    (store.versions_dir(cur) / "v000098").mkdir()  # no manifest at all, not empty
    (store.versions_dir(cur) / "v000098" / "articles.parquet").write_bytes(b"PAR1")
    assert store.latest_version(cur) == 1
    assert store.list_versions(cur) == [1]
    strays = store.stray_versions(cur)
    assert any("v000099" in s and "empty manifest" in s for s in strays)
    assert any("v000098" in s and "no manifest" in s for s in strays)
    prev = run.load_previous(cur)
    assert prev is not None and prev.version == 1
    r = store.publish(cur, tables(4, "b"), metadata={})
    # Above every number any folder holds; the stray folders stay (reported), never deleted.
    assert r.version == 100 and stray.is_dir() and (store.versions_dir(cur) / "v000098").is_dir()
    assert r.manifest["stray_version_folders"] == strays
    assert "v000099" in caplog.text


def test_version_numbers_are_never_reused(tmp_path: Path):
    """Deleting the newest version's manifest let the next run reuse its number for other data."""
    cur = tmp_path / "curated"
    store.publish(cur, tables(3, "a"), metadata={})
    store.publish(cur, tables(4, "b"), metadata={})
    (store.version_path(cur, 2) / "manifest.json").unlink()
    assert store.latest_version(cur) == 1
    r = store.publish(cur, tables(5, "c"), metadata={})
    assert r.version == 3
    # The whole folder of the newest version gone: its number is still burnt.
    shutil.rmtree(store.version_path(cur, 3))
    shutil.rmtree(store.version_path(cur, 2))
    r = store.publish(cur, tables(6, "d"), metadata={})
    assert r.version == 4
    assert store.list_versions(cur) == [1, 4]


def test_cli_refuses_a_damaged_version_with_its_file_name(sample_raw: Path, tmp_path: Path,
                                                          capsys):
    """A flipped articles.parquet with nothing new said "unchanged" and exited 0."""
    from pipeline.cli import main as curate

    cur = tmp_path / "curated"
    args = ["run", "--raw-dir", str(sample_raw), "--curated-dir", str(cur), "--workers", "1"]
    assert curate(args) == 0
    capsys.readouterr()
    f = store.version_path(cur, 1) / "articles.parquet"
    flip_byte(f)
    code = curate(args)
    out = capsys.readouterr()
    assert code != 0
    assert "unchanged" not in out.out
    assert str(f) in out.err and "VersionCorrupt" in out.err
    assert store.list_versions(cur) == [1]


# ---------------------------------------------------------------------------------------------
# 7. No write or delete outside the curated folder


def test_symlinked_staging_is_refused_and_its_target_untouched(tmp_path: Path):
    """With .staging a symlink, recover() deleted every folder in the link's target."""
    cur = tmp_path / "curated"
    store.publish(cur, tables(2), metadata={})
    outside = tmp_path / "precious"
    (outside / "project").mkdir(parents=True)
    (outside / "project" / "keep.txt").write_text("keep")
    shutil.rmtree(cur / ".staging")
    (cur / ".staging").symlink_to(outside)
    with pytest.raises(store.UnsafeStore, match=r"\.staging is a symbolic link"):
        store.publish(cur, tables(3, "b"), metadata={})
    with pytest.raises(store.UnsafeStore):
        store.repair(cur)
    assert (outside / "project" / "keep.txt").read_text() == "keep"
    assert store.list_versions(cur) == [1]


@pytest.mark.parametrize("name", [".work", "versions", "attempts", ".validation"])
def test_symlinked_store_folders_stop_a_run_before_it_writes(tmp_path: Path, name: str):
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "a.txt").write_text("The council met on Monday to discuss the harbour. " * 5)
    cur = tmp_path / "curated"
    cur.mkdir()
    outside = tmp_path / "elsewhere"
    (outside / "run-old").mkdir(parents=True)  # what the work-folder sweep would delete
    (outside / "run-old" / "x").write_text("x")
    (cur / name).symlink_to(outside)
    s = Settings(raw_dir=raw, curated_dir=cur, workers=1)
    with pytest.raises(store.UnsafeStore, match=f"{name} is a symbolic link"):
        run.process_run(s)
    assert (outside / "run-old" / "x").read_text() == "x"
    assert sorted(p.name for p in outside.iterdir()) == ["run-old"]


def test_planted_pointer_temp_file_is_not_written_through(tmp_path: Path):
    cur = tmp_path / "curated"
    store.publish(cur, tables(2), metadata={})
    victim = tmp_path / "victim.txt"
    victim.write_text("untouched")
    (cur / ".LATEST.tmp").symlink_to(victim)
    store.publish(cur, tables(3, "b"), metadata={})
    assert victim.read_text() == "untouched"
    assert (cur / "LATEST").read_text().strip() == "2"


def test_curated_folder_inside_the_raw_folder_is_refused(tmp_path: Path):
    """A curated folder inside the raw folder fed its own reports back in as news."""
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "a.txt").write_text("The council met on Monday to discuss the harbour. " * 5)
    with pytest.raises(store.UnsafeStore, match="inside the raw folder"):
        run.process_run(Settings(raw_dir=raw, curated_dir=raw / "curated", workers=1))
    assert not (raw / "curated").exists()
    with pytest.raises(store.UnsafeStore, match="inside the curated folder"):
        run.process_run(Settings(raw_dir=raw, curated_dir=tmp_path, workers=1))
    # Through a link: the same folders.
    (tmp_path / "alias").symlink_to(raw)
    with pytest.raises(store.UnsafeStore):
        run.process_run(Settings(raw_dir=tmp_path / "alias", curated_dir=raw / "c", workers=1))


def test_manifest_cannot_point_outside_its_version(tmp_path: Path):
    cur = tmp_path / "curated"
    store.publish(cur, tables(2), metadata={})
    m = store.version_path(cur, 1) / "manifest.json"
    doc = json.loads(m.read_text())
    doc["tables"]["articles"]["file"] = "../../../etc/passwd"
    m.write_text(json.dumps(doc))
    assert store.latest_version(cur) is None
    assert any("outside the version" in s for s in store.stray_versions(cur))
    assert os.path.exists(store.version_path(cur, 1))
