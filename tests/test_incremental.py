"""Incremental runs: only unseen documents are processed, against the published corpus; N
incremental runs give what one full rebuild over the same files gives."""

from __future__ import annotations

import os
import shutil
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import polars as pl

from pipeline import run, steps, store
from pipeline.settings import Settings

NOW = datetime(2026, 1, 1, tzinfo=UTC)


def publish(settings: Settings) -> store.PublishResult:
    st = run.run_steps(settings, now=NOW)
    return store.publish(settings.curated_dir, st.version_tables(),
                         metadata={"raw_documents": st.n_raw_documents})


def comparable(cur: Path) -> dict[str, pl.DataFrame]:
    art = pl.read_parquet(cur / "latest" / "articles.parquet").drop("ingested_at").sort("doc_id")
    dup = pl.read_parquet(cur / "latest" / "duplicates.parquet").select(
        "doc_id", "duplicate_of").sort("doc_id")
    rej = pl.read_parquet(cur / "latest" / "rejected.parquet").select(
        "doc_id", "reason").sort("doc_id")
    # Removed lines of the kept articles. (A byte-identical copy arriving in a later batch is
    # cleaned before dedup finds it identical, so its lines are audited too: documented.)
    rem = pl.read_parquet(cur / "latest" / "removed_lines.parquet").filter(
        pl.col("doc_id").is_in(art["doc_id"].implode())).sort("doc_id", "line_no")
    return {"articles": art, "duplicates": dup, "rejected": rej, "removed_lines": rem}


def test_incremental_runs_equal_a_full_rebuild(tmp_path: Path, sample_raw: Path):
    files = sorted(p for p in sample_raw.rglob("*") if p.is_file())
    # Arrival order chosen so that later batches hold copies that out-rank published articles
    # (HTML copies with titles) and a bad file.
    batches = [files[i::3] for i in range(3)]
    raw = tmp_path / "incoming"
    raw.mkdir()
    inc = Settings(raw_dir=raw, curated_dir=tmp_path / "inc", workers=1)
    (raw / "bad.txt").write_bytes(b"")
    for batch in batches:
        for f in batch:
            dst = raw / f.relative_to(sample_raw)
            dst.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(f, dst)
        assert publish(inc).created
    # Nothing new: the next incremental run changes nothing.
    st = run.run_steps(inc, now=NOW)
    assert st.unchanged
    full = Settings(raw_dir=raw, curated_dir=tmp_path / "full", workers=1, full_rebuild=True)
    publish(full)
    a, b = comparable(tmp_path / "inc"), comparable(tmp_path / "full")
    for name in a:
        assert a[name].equals(b[name]), name
    m = store.read_manifest(tmp_path / "inc")
    assert m["raw_documents"] == 11 == int(a["articles"]["n_copies"].sum()) + a["rejected"].height


def test_changed_dedup_thresholds_recluster_a_version_with_nothing_new(
        tmp_path: Path, sample_raw: Path):
    """A version whose clusters were made with other thresholds (an earlier release's) is not
    "nothing new": the next run re-clusters its stored index, so it is what a rebuild gives
    now. (The version is real; only the thresholds its index records are an older release's.)"""
    s = Settings(raw_dir=sample_raw, curated_dir=tmp_path / "cur", workers=1)
    publish(s)
    done = run.process_run(s)
    prev = done.raw.previous
    assert prev is not None and prev.index is not None
    assert run.nothing_new(done, s) and steps.index_current(prev)
    older = prev.index.with_columns(pl.lit("j=0.5;c=0.7;cmin=10;cratio=0.2").alias("cluster_params"))
    done.raw.previous = replace(prev, index=older)
    assert not run.nothing_new(done, s)
    dd = run.dedupe_batch(done, s)
    assert dd.stats["dedup.reclustered_index"] == 1 and "unchanged" not in dd.stats
    assert dd.index["cluster_params"].unique().to_list() == [prev.index["cluster_params"][0]]
    same = {r["doc_id"]: r["cluster_id"] for r in dd.index.iter_rows(named=True)}
    assert same == dict(zip(prev.index["doc_id"], prev.index["cluster_id"], strict=True))
    staged = run.stage_batch(done, dd, s, now=NOW)
    assert not staged.unchanged  # a new version: its index records the thresholds now
    assert staged.index["cluster_params"].unique().to_list() == [prev.index["cluster_params"][0]]
    # (Published, it is the version on disk again, whose index holds these thresholds: the
    # store keeps the version instead of writing an identical one.)
    r = store.publish(s.curated_dir, staged.version_tables(),
                      metadata={"raw_documents": staged.n_raw_documents})
    assert r.version == 1 and not r.created


def test_incremental_processes_only_new_documents(tmp_path: Path, sample_raw: Path):
    s = Settings(raw_dir=sample_raw, curated_dir=tmp_path / "cur", workers=1)
    publish(s)
    (sample_raw / "new.txt").write_text(
        "A brand new story about the city council.\n\n" + "The council met on Monday and "
        "approved a plan to repair every bridge in the county within five years. " * 4)
    prev = run.load_previous(s.curated_dir)
    raw = steps.read_raw(s, prev.seen())
    assert raw.documents["source"].to_list() == ["new.txt"]
    assert raw.stats["already_published"] == 10
    # With the version's file ledger, unchanged files are not even read.
    raw = steps.read_raw(s, prev.seen(), prev.files)
    assert raw.documents["source"].to_list() == ["new.txt"]
    assert raw.stats["files_read"] == 1 and raw.stats["files"] == 10
    r = publish(s)
    assert r.created and r.version == 2
    art = pl.read_parquet(r.path / "articles.parquet")
    assert art.height == 6 and "new.txt" in art["source"].to_list()


# --- incremental = rebuild when files are copied, modified and deleted (issue 22, finding 6) ---

SEEDS = Path(__file__).resolve().parents[1] / "data" / "raw" / "seeds"


def _pool() -> list[bytes]:
    """Contents a raw file can take: the seeds, a near copy and a truncated copy of one, a
    write-up of the same seed re-cut, a short text (rejected) and an empty file (rejected)."""
    seeds = [p.read_bytes() for p in sorted(SEEDS.glob("*.txt"))]
    lines = seeds[2].decode().splitlines()
    return [*seeds,
            ("\n".join(lines[:-3]) + "\nA closing line added by the syndicating site.\n").encode(),
            "\n".join(lines[: len(lines) * 2 // 3]).encode(),
            b"Too short to be news.\n", b""]


POOL = _pool()
NAMES = [f"{d}/f{i}.txt" for d in ("a", "b") for i in range(4)]


def _full_tables(cur: Path) -> dict[str, pl.DataFrame]:
    v = cur / "latest"
    keys = {"articles": ["doc_id"], "duplicates": ["doc_id"], "rejected": ["doc_id"],
            "removed_lines": ["doc_id", "line_no"], "dedup_index": ["doc_id"],
            "raw_hashes": ["doc_id"]}
    out = {n: pl.read_parquet(v / f"{n}.parquet").sort(k) for n, k in keys.items()}
    out["articles"] = out["articles"].drop("ingested_at")
    out["raw_documents"] = pl.DataFrame({"n": [store.read_manifest(cur)["raw_documents"]]})
    return out


def _apply(raw: Path, ops: list[tuple[int, int | None]], clock: list[int]) -> None:
    for name_i, content_i in ops:
        f = raw / NAMES[name_i]
        if content_i is None:
            f.unlink(missing_ok=True)
            continue
        f.parent.mkdir(parents=True, exist_ok=True)
        f.write_bytes(POOL[content_i])
        clock[0] += 10**9  # distinct mtimes: a rewrite of the same size is still a change
        os.utime(f, ns=(clock[0], clock[0]))


def test_incremental_equals_rebuild_with_copies_modified_and_deleted_files(tmp_path: Path):
    """Runs that add byte-identical copies (with smaller and larger doc_ids than the published
    twin), near copies, modify and delete files: after each run, the incremental version is
    the full rebuild's, table for table (methods, similarities, removed lines, rejects and
    their details, the raw-document count, the signature index and the raw hashes)."""
    from hypothesis import HealthCheck, example, given, settings
    from hypothesis import strategies as st

    op = st.tuples(st.integers(0, len(NAMES) - 1),
                   st.one_of(st.none(), st.integers(0, len(POOL) - 1)))
    runs = st.lists(st.lists(op, min_size=1, max_size=5), min_size=2, max_size=4)
    first = [(i, i % 5) for i in range(5)] + [(5, 0)]  # one byte-identical pair from the start
    case = iter(range(10**6))

    @settings(max_examples=12, deadline=None, suppress_health_check=list(HealthCheck),
              derandomize=True)
    @given(runs)
    # near and truncated copies of f2's seed, then f2 (their representative) deleted, then
    # its byte-identical twin f5's file modified, then the seed back under a new name
    @example([[(6, 5), (7, 6)], [(2, None)], [(5, 2)], [(1, 2), (4, None)]])
    # a published article's twin f5 deleted, then its file rewritten, then a rejected text
    # with copies, one deleted
    @example([[(5, None)], [(0, 7), (6, 7), (7, 7)], [(6, None), (0, 0)]])
    def check(later: list[list[tuple[int, int | None]]]) -> None:
        root = tmp_path / f"case{next(case)}"
        raw = root / "raw"
        raw.mkdir(parents=True)
        clock = [1_700_000_000 * 10**9]
        inc = Settings(raw_dir=raw, curated_dir=root / "inc", workers=1, allow_shrink=True)
        for k, ops in enumerate([first, *later]):
            _apply(raw, ops, clock)
            if not any(raw.rglob("*.txt")):
                _apply(raw, [(7, 1)], clock)
            st_ = run.run_steps(inc, now=NOW)
            if not st_.unchanged:
                store.publish(inc.curated_dir, st_.version_tables(),
                              metadata={"raw_documents": st_.n_raw_documents})
            full = Settings(raw_dir=raw, curated_dir=root / f"full{k}", workers=1,
                            full_rebuild=True, allow_shrink=True)
            publish(full)
            a, b = _full_tables(inc.curated_dir), _full_tables(full.curated_dir)
            for name in b:
                assert a[name].equals(b[name]), (k, name, a[name], b[name])

    check()


def test_late_byte_identical_copies_keep_the_smallest_doc_id(tmp_path: Path):
    """The published article stays when a byte-identical copy with a larger doc_id arrives; a
    copy with a smaller doc_id takes its place and the published one becomes its exact_raw
    copy (the rebuild's choice, whatever the order of arrival)."""
    from pipeline.hashing import doc_id_for

    raw = tmp_path / "raw"
    raw.mkdir()
    body = POOL[0]
    names = sorted((f"n{i}.txt" for i in range(6)), key=lambda n: doc_id_for(n, body))
    small, mid, large = names[0], names[2], names[5]
    s = Settings(raw_dir=raw, curated_dir=tmp_path / "cur", workers=1)
    (raw / mid).write_bytes(body)
    publish(s)
    (raw / large).write_bytes(body)
    publish(s)
    art = pl.read_parquet(tmp_path / "cur" / "latest" / "articles.parquet")
    assert art["source"].to_list() == [mid] and art["n_copies"].to_list() == [2]
    dup = pl.read_parquet(tmp_path / "cur" / "latest" / "duplicates.parquet")
    assert dup.select("source", "method").rows() == [(large, "exact_raw")]
    (raw / small).write_bytes(body)
    publish(s)
    art = pl.read_parquet(tmp_path / "cur" / "latest" / "articles.parquet")
    assert art["source"].to_list() == [small] and art["n_copies"].to_list() == [3]
    dup = pl.read_parquet(tmp_path / "cur" / "latest" / "duplicates.parquet").sort("source")
    assert dup.select("source", "duplicate_of", "method").rows() == [
        (n, art["doc_id"][0], "exact_raw") for n in sorted([mid, large])]
    rem = pl.read_parquet(tmp_path / "cur" / "latest" / "removed_lines.parquet")
    assert rem["doc_id"].unique().to_list() == art["doc_id"].to_list()


def test_modified_and_deleted_files_retire_their_documents(tmp_path: Path):
    """A modified raw file replaces its old document; a deleted one's document is retired,
    from every table and from the count of raw documents."""
    raw = tmp_path / "raw"
    raw.mkdir()
    s = Settings(raw_dir=raw, curated_dir=tmp_path / "cur", workers=1, allow_shrink=True)
    for i in range(3):
        (raw / f"s{i}.txt").write_bytes(POOL[i])
    publish(s)
    (raw / "s0.txt").write_bytes(POOL[3])
    os.utime(raw / "s0.txt", ns=(2 * 10**18, 2 * 10**18))
    (raw / "s1.txt").unlink()
    r = publish(s)
    assert r.created
    art = pl.read_parquet(r.path / "articles.parquet")
    assert sorted(art["source"].to_list()) == ["s0.txt", "s2.txt"]
    assert art.filter(pl.col("source") == "s0.txt")["text"][0].split("\n")[0] in POOL[3].decode()
    rem = pl.read_parquet(r.path / "removed_lines.parquet")
    assert set(rem["doc_id"].to_list()) <= set(art["doc_id"].to_list())
    assert store.read_manifest(s.curated_dir)["raw_documents"] == 2
    assert pl.read_parquet(r.path / "dedup_index.parquet").height == 2
