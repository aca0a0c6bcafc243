"""Byte-identical copies left unprocessed by the chunked pass (pipeline/skip_copies.py): only
copies whose smaller-id twin the worker has already seen, the same whatever the timing, and a
failed chunk never leaves the later ones waiting."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import polars as pl
import pytest

from pipeline import chunks, run, skip_copies
from pipeline.settings import Settings


def _docs(*pairs: tuple[str, str]) -> pl.DataFrame:
    return pl.DataFrame(pairs, schema={"doc_id": pl.String(), "raw_hash": pl.String()},
                        orient="row")


def _skip(work: Path, index: int, docs: pl.DataFrame) -> list[str]:
    return sorted(skip_copies.skippable(docs, work, index).to_list())


def test_skips_only_copies_whose_smaller_twin_came_first(tmp_path: Path):
    try:
        # chunk 0: a twin pair inside the chunk -> the larger id goes
        assert _skip(tmp_path, 0, _docs(("d5", "A"), ("d2", "A"), ("d9", "B"))) == ["d5"]
        # chunk 1: A's smaller twin (d2) came earlier -> d3 goes; B's earlier twin d9 is larger
        # -> d1 must be processed (it stands for B); C is new
        assert _skip(tmp_path, 1, _docs(("d3", "A"), ("d1", "B"), ("d7", "C"))) == ["d3"]
        # chunk 2: d9 was processed in chunk 0 but d1 is smaller: the later copy of B goes
        assert _skip(tmp_path, 2, _docs(("d8", "B"), ("d0", "C"))) == ["d8"]
    finally:
        skip_copies.forget(tmp_path)


def test_waits_for_an_earlier_chunk_and_never_looks_ahead(tmp_path: Path, monkeypatch):
    monkeypatch.setattr(skip_copies, "WAIT_S", 10.0)  # a failure here must not hang the suite

    def publish_late() -> None:
        time.sleep(0.2)
        skip_copies.publish(tmp_path, 0, _docs(("c5", "Z")))

    t = threading.Thread(target=publish_late)
    t.start()
    try:
        t0 = time.monotonic()
        assert _skip(tmp_path, 1, _docs(("c3", "Z"))) == []  # waited for chunk 0: c5 > c3
        assert time.monotonic() - t0 >= 0.15
        assert _skip(tmp_path, 2, _docs(("c4", "Z"))) == ["c4"]  # c3 came first
        # The same process then gets chunk 0 (out of order): what chunks 1 and 2 hold must not
        # count (c3 < c5 would skip c5, the only one chunk 0 knows).
        assert _skip(tmp_path, 0, _docs(("c5", "Z"))) == []
    finally:
        t.join()
        skip_copies.forget(tmp_path)


def test_gives_up_when_an_earlier_chunk_never_comes(tmp_path: Path):
    known = skip_copies.Earlier(tmp_path)
    with pytest.raises(TimeoutError, match="chunk 0"):
        known.load_until(1, wait_s=0.05)


def test_a_chunk_that_fails_to_read_still_unblocks_the_later_ones(tmp_path: Path,
                                                                   monkeypatch):
    def broken(task):
        raise MemoryError("no room")

    monkeypatch.setattr(chunks, "read_files", broken)
    s = Settings(raw_dir=tmp_path, curated_dir=tmp_path / "cur", workers=1)
    task = chunks.ChunkTask(0, [], str(tmp_path), s, str(tmp_path), None)
    with pytest.raises(MemoryError):
        chunks.prepare_chunk(task)
    assert pl.read_parquet(tmp_path / "h000000.parquet").is_empty()


def test_chunked_pass_leaves_copies_unprocessed_with_the_result_unchanged(
        sample_raw: Path, tmp_path: Path, monkeypatch):
    """Byte-identical copies in later chunks are not processed; every document still ends in
    exactly one place, and the copies point at their twin."""
    src = next(p for p in sorted(sample_raw.rglob("*")) if p.suffix == ".txt")
    for i in range(3):  # copies sort after the original: later chunks
        (sample_raw / f"zz_copy{i}.txt").write_bytes(src.read_bytes())
    monkeypatch.setattr(chunks, "CHUNK_BYTES", 20_000)
    s = Settings(raw_dir=sample_raw, curated_dir=tmp_path / "cur", workers=1, full_rebuild=True)
    done = run.process_run(s)
    st = done.raw.stats
    assert st["chunks"] >= 3
    assert st["byte_identical_copies"] >= 3
    assert 1 <= st["byte_identical_copies_unprocessed"] <= st["byte_identical_copies"]
    copies = done.raw.copies
    assert copies.filter(pl.col("source").str.starts_with("zz_copy")).height >= 2
    # only unique documents left the pass: none of the copies has a cleaned row
    cleaned = done.clean.documents.collect()["doc_id"]
    assert not cleaned.is_in(copies["doc_id"].implode()).any()
    chunks.discard(done.clean.work_dir)
