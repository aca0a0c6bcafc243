"""The chunked pass (pipeline/chunks.py): chunk plans, equality with one batch in memory and
across worker counts, and the life of a run's work folder."""

from __future__ import annotations

import fcntl
import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import polars as pl
import pytest

from pipeline import chunks, run, steps
from pipeline.settings import Settings

NOW = datetime(2026, 1, 1, tzinfo=UTC)
KEYS = {"articles": ["doc_id"], "rejected": ["doc_id"], "duplicates": ["doc_id"],
        "removed_lines": ["doc_id", "line_no"]}


def test_plan_cuts_consecutive_files_into_equal_chunks():
    files = [f"f{i:03d}" for i in range(210)]
    sizes = [1_000_000] * 210
    plan = chunks.plan_chunks(files, sizes, chunk_bytes=20_000_000)
    assert [f for c in plan for f in c] == files  # every file once, in order
    # 210 MB in chunks of at most 20: 11, made even (two workers end together), so 12 of 17-18
    # files; no small tail chunk (the template rules see as many documents in the last chunk as
    # in the first)
    assert len(plan) == 12 and {len(c) for c in plan} <= {17, 18}
    assert chunks.plan_chunks(files, sizes, chunk_bytes=20_000_000) == plan
    # Many tiny files: at most chunk_files a chunk.
    tiny = chunks.plan_chunks(files, [10] * 210, chunk_bytes=20_000_000, chunk_files=50)
    assert len(tiny) == 6 and max(len(c) for c in tiny) <= 50
    # A file larger than a chunk is a chunk of its own; nothing is dropped.
    big = chunks.plan_chunks(["a", "b", "c"], [5, 100, 5], chunk_bytes=10)
    assert [f for c in big for f in c] == ["a", "b", "c"] and ["b"] in big
    assert chunks.plan_chunks([], []) == []


def _tables(staged: steps.Staged) -> dict[str, pl.DataFrame]:
    out = {}
    for name, df in staged.tables.items():
        df = df.collect() if isinstance(df, pl.LazyFrame) else df
        out[name] = df.drop("ingested_at", strict=False).sort(KEYS[name])
    return out


def _single_batch(s: Settings) -> dict[str, pl.DataFrame]:
    raw = run.begin_run(s)
    ex = steps.extract(raw, s)
    raw.release_bodies()
    cl = steps.clean(ex, workers=1)
    return _tables(steps.stage(raw, ex, cl, steps.dedupe(cl, raw), now=NOW))


@pytest.mark.parametrize("workers", [1, 2])
def test_many_chunks_give_the_tables_of_one_batch(sample_raw: Path, tmp_path: Path,
                                                  monkeypatch, workers: int):
    """Chunks of a few files each (byte-identical copies and duplicates in other chunks than
    their originals), in-process or over two workers: the same tables as one batch."""
    monkeypatch.setattr(chunks, "CHUNK_BYTES", 20_000)
    s = Settings(raw_dir=sample_raw, curated_dir=tmp_path / f"cur{workers}", workers=workers,
                 full_rebuild=True)
    done = run.process_run(s)
    assert done.raw.stats["chunks"] >= 3
    staged = steps.stage(done.raw, done.extract, done.clean,
                         steps.dedupe(done.clean, done.raw), now=NOW)
    got = _tables(staged)
    want = _single_batch(Settings(raw_dir=sample_raw, curated_dir=tmp_path / "one", workers=1,
                                  full_rebuild=True))
    for name in KEYS:
        assert got[name].equals(want[name]), name
    chunks.discard(staged.work_dir)
    assert not Path(staged.work_dir).exists()


def test_work_folders_of_dead_runs_are_swept_live_ones_kept(tmp_path: Path):
    cur = tmp_path / "cur"
    mine = chunks.new_work_dir(cur)
    dead = cur / ".work" / "run-dead"
    dead.mkdir()
    (dead / "lock").touch()  # nobody holds its lock: its run is gone
    # A folder locked by another live process stays.
    live = cur / ".work" / "run-live"
    live.mkdir()
    holder = subprocess.Popen([sys.executable, "-c", (
        "import fcntl, os, sys, time\n"
        f"fd = os.open({str(live / 'lock')!r}, os.O_CREAT | os.O_RDWR)\n"
        "fcntl.flock(fd, fcntl.LOCK_EX)\n"
        "print('locked', flush=True)\n"
        "time.sleep(60)\n")], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "locked"
        other = chunks.new_work_dir(cur)
        assert not dead.exists()
        assert live.exists() and mine.exists() and other.exists()
        fd = os.open(mine / "lock", os.O_RDWR)
        try:  # this process holds its own folder's lock until discard
            with pytest.raises(OSError):
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        finally:
            os.close(fd)
    finally:
        holder.kill()
        holder.wait()
    chunks.discard(mine)
    chunks.discard(other)
    assert not mine.exists() and not other.exists()


def _square(x: int) -> int:
    import time

    time.sleep(0.01)  # slower than a prefetch: the prefetch thread keeps up
    return x * x


@pytest.mark.parametrize("workers", [1, 2])
def test_prefetch_runs_ahead_in_order_and_never_changes_results(workers: int):
    from pipeline.parallel import map_ordered

    seen: list[int] = []
    items = list(range(40))
    assert map_ordered(_square, items, workers, chunk_size=1, ahead=seen.append) == \
        [x * x for x in items]
    # In order, never more than workers + 1 items ahead of the finished ones, and (fn being
    # slower) all but the last few fetched before the map returned.
    assert seen == items[:len(seen)] and len(seen) >= len(items) - (workers + 1)


def test_prefetch_ignores_what_it_cannot_open(tmp_path: Path):
    from pipeline.ingest import prefetch

    (tmp_path / "ok.txt").write_text("hello")
    os.mkfifo(tmp_path / "pipe")  # opened non-blocking: no writer needed
    (tmp_path / "link").symlink_to(tmp_path / "ok.txt")  # not followed
    prefetch([str(tmp_path / n) for n in ("ok.txt", "missing.txt", "pipe", "link")])


def test_plan_never_exceeds_a_chunk_with_mixed_sizes():
    import random

    r = random.Random(4)
    for _ in range(200):
        n = r.randint(1, 60)
        sizes = [r.choice([1, 5, 30, 60, 99, 150]) for _ in range(n)]
        files = [f"f{i:03d}" for i in range(n)]
        plan = chunks.plan_chunks(files, sizes, chunk_bytes=100, chunk_files=10)
        assert [f for c in plan for f in c] == files
        size = dict(zip(files, sizes, strict=True))
        for c in plan:
            if len(c) > 1:  # a file larger than a chunk is alone; the others fit the caps
                assert sum(size[f] for f in c) <= 100 and len(c) <= 10, (sizes, c)
                assert all(size[f] < 100 for f in c)


def test_a_blogs_posts_in_different_chunks_still_see_each_other(tmp_path: Path, monkeypatch):
    """Two posts of one blog whose file names put them in different chunks (a scraper's random
    names): each chunk's engine is lent the other post (`chunks.sibling_context`), and both
    lose the blog's bio, as they do in one chunk (`boilerplate/siblings.py`)."""
    from samples import PROSE

    nav = ["Home", "About me", "Photo archive", "Contact", "Shop", "Subscribe by email"]
    bio = ("Hello, I am Jo, and this blog has followed the harbour, its ferries, its dredgers "
           "and the people who keep them running since 2009; every photograph here is mine, "
           "and you may share them if you link back to this page.")
    posts = {"a/post.txt": ("Sunset over the north quay", "Photographed by Jo from the ramp"),
             "z/post.txt": ("Morning fog at the dredger", "Taken before the first crossing")}
    raw = tmp_path / "raw"
    for name, (title, caption) in posts.items():
        (raw / name).parent.mkdir(parents=True, exist_ok=True)
        (raw / name).write_text("\n".join([f"{title} | Jo's harbour blog", *nav, title, caption,
                                           bio, "Older posts", "Powered by a blog engine"]))
    for i in range(4):  # other articles between them in the sorted order
        (raw / "m").mkdir(exist_ok=True)
        (raw / "m" / f"story{i}.txt").write_text(
            "\n\n".join([f"Harbour story {i}", *PROSE[i:], *PROSE[:i]]))
    monkeypatch.setattr(chunks, "CHUNK_BYTES", 1_000)
    s = Settings(raw_dir=raw, curated_dir=tmp_path / "cur", workers=1, full_rebuild=True)
    done = run.process_run(s)
    assert done.raw.stats["chunks"] >= 3
    texts = dict(done.clean.documents.select("source", "text").collect().iter_rows())
    rejected = set(done.clean.rejected["source"])
    for name in posts:  # a caption is too short to publish: rejected, with its reason
        assert name in rejected or bio not in texts[name]
    removed = done.clean.removed_lines.collect()
    assert removed.filter(pl.col("text") == bio)["rule"].to_list() == ["sibling_template"] * 2
    chunks.discard(done.work_dir)
