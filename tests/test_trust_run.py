"""Issue 22, findings 5 and 9: a full rebuild that would lose much of the published corpus, or
a run on an empty raw folder, stops unless asked; workers die with the process that started
them."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from pipeline import run, store
from pipeline.settings import Settings

REPO = Path(__file__).resolve().parents[1]


def publish(settings: Settings) -> store.PublishResult:
    st = run.run_steps(settings)
    return store.publish(settings.curated_dir, st.version_tables(),
                         metadata={"raw_documents": st.n_raw_documents})


# ---------------------------------------------------------------------------------------------
# 5. A rebuild that would shrink the corpus, an empty raw folder


def test_empty_raw_folder_stops_unless_allowed(tmp_path: Path, sample_raw: Path):
    """An empty or unmounted raw folder and --full-rebuild published an empty latest version."""
    cur = tmp_path / "curated"
    publish(Settings(raw_dir=sample_raw, curated_dir=cur, workers=1))
    empty = tmp_path / "mnt"
    empty.mkdir()
    (empty / ".keep").write_text("")  # dotfiles are not documents
    (empty / "2024").mkdir()  # nor are empty folders
    before = set((cur / ".work").glob("run-*"))
    for full in (True, False):
        s = Settings(raw_dir=empty, curated_dir=cur, workers=1, full_rebuild=full)
        with pytest.raises(store.RebuildRefused, match="holds no files: is it mounted"):
            run.process_run(s)
    assert store.list_versions(cur) == [1]
    assert set((cur / ".work").glob("run-*")) == before  # refused before any work
    s = Settings(raw_dir=empty, curated_dir=cur, workers=1, full_rebuild=True, allow_shrink=True)
    done = run.process_run(s)
    assert done.raw.stats["files"] == 0


def test_full_rebuild_that_loses_articles_stops_unless_allowed(tmp_path: Path,
                                                                sample_raw: Path):
    cur = tmp_path / "curated"
    v1 = publish(Settings(raw_dir=sample_raw, curated_dir=cur, workers=1))
    n_articles = v1.manifest["tables"]["articles"]["rows"]
    # A sub-folder that went missing (an unmounted disk): a rebuild would drop its articles.
    shutil.rmtree(sample_raw / "seeds")
    full = Settings(raw_dir=sample_raw, curated_dir=cur, workers=1, full_rebuild=True)
    before = set((cur / ".work").glob("run-*"))
    with pytest.raises(store.RebuildRefused) as e:
        run.process_run(full)
    msg = str(e.value)
    assert f"of the {n_articles} articles of version 1" in msg and "--allow-shrink" in msg
    assert "seeds/" in msg  # an example of what would go
    assert set((cur / ".work").glob("run-*")) <= before  # the refused run's parts are gone
    # Incremental runs build on the version and lose nothing: not refused.
    run.process_run(Settings(raw_dir=sample_raw, curated_dir=cur, workers=1))
    # Explicitly allowed: the smaller version is built.
    allowed = Settings(raw_dir=sample_raw, curated_dir=cur, workers=1, full_rebuild=True,
                       allow_shrink=True)
    assert publish(allowed).version == 2
    assert store.list_versions(cur) == [1, 2]


def test_full_rebuild_of_the_same_folder_is_not_refused(tmp_path: Path, sample_raw: Path):
    cur = tmp_path / "curated"
    publish(Settings(raw_dir=sample_raw, curated_dir=cur, workers=1))
    full = Settings(raw_dir=sample_raw, curated_dir=cur, workers=1, full_rebuild=True)
    assert not publish(full).created  # same content: unchanged, nothing refused


def test_cli_prints_the_refusal(tmp_path: Path, capsys):
    from pipeline.cli import main as curate

    raw = tmp_path / "raw"
    raw.mkdir()
    code = curate(["run", "--raw-dir", str(raw), "--curated-dir", str(tmp_path / "cur"),
                   "--workers", "1", "--full-rebuild"])
    out = capsys.readouterr()
    assert code != 0 and "holds no files: is it mounted?" in out.err
    assert store.list_versions(tmp_path / "cur") == []
    # --allow-shrink reaches the run (through the Dagster resource): the guard lets it pass.
    curate(["run", "--raw-dir", str(raw), "--curated-dir", str(tmp_path / "cur"),
            "--workers", "1", "--full-rebuild", "--allow-shrink"])
    out = capsys.readouterr()
    assert "holds no files" not in out.out + out.err


# ---------------------------------------------------------------------------------------------
# 9. Workers die with their parent

HELPER = '''
import os, sys, time
from pathlib import Path


def slow(x):
    Path(os.environ["PIDS_DIR"], str(os.getpid())).write_text(str(x))
    time.sleep(120)
    return x


def main():
    from pipeline.parallel import map_ordered
    print("parent", os.getpid(), flush=True)
    map_ordered(slow, list(range(8)), 2, chunk_size=1)


if __name__ == "__main__":
    main()
'''


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError, IndexError):
        return False
    return state not in ("Z", "X")


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="needs /proc")
def test_sigkilled_parent_leaves_no_worker_alive(tmp_path: Path):
    """6 of 6 SIGKILLs of the main process left 2 workers alive for ever (~420 MB)."""
    (tmp_path / "helper_mod.py").write_text(textwrap.dedent(HELPER))
    pids_dir = tmp_path / "pids"
    pids_dir.mkdir()
    env = {**os.environ, "PIDS_DIR": str(pids_dir),
           "PYTHONPATH": os.pathsep.join([str(tmp_path), str(REPO)])}
    proc = subprocess.Popen([sys.executable, str(tmp_path / "helper_mod.py")], cwd=tmp_path,
                            env=env, stdout=subprocess.PIPE, text=True)
    workers: list[int] = []
    try:
        assert proc.stdout.readline().startswith("parent")
        deadline = time.time() + 60
        while len(workers) < 2 and time.time() < deadline:
            workers = [int(p.name) for p in pids_dir.iterdir()]
            time.sleep(0.1)
        assert len(workers) == 2, "the workers did not start"
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
        deadline = time.time() + 10
        while any(_alive(w) for w in workers) and time.time() < deadline:
            time.sleep(0.1)
        assert not [w for w in workers if _alive(w)], "workers outlived their parent"
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        for w in workers:  # only the workers this test started
            if _alive(w):
                os.kill(w, signal.SIGKILL)


def test_die_with_parent_exits_when_the_parent_is_already_gone(tmp_path: Path):
    code = ("import os; from pipeline.parallel import die_with_parent; "
            "die_with_parent(os.getppid() + 999999); print('still here')")
    p = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True,
                       timeout=60)
    assert p.returncode == 1 and "still here" not in p.stdout and not p.stderr.strip(), p.stderr
