"""The whole pipeline through Dagster on the bundled sample and on hostile mixes: published
versions, accounting, idempotency, the validation gate, the CLI."""

from __future__ import annotations

import gzip
import json
import shutil
import subprocess
import sys
from pathlib import Path

import polars as pl

from pipeline import store
from pipeline.cli import main as curate
from pipeline.reader import load_articles, load_table

REPO = Path(__file__).resolve().parents[1]


def run(raw: Path, cur: Path, *extra: str) -> int:
    return curate(["run", "--raw-dir", str(raw), "--curated-dir", str(cur), "--workers", "1",
                   *extra])


def accounting(cur: Path, version: int | str = "latest") -> tuple[int, int, int, int]:
    m = store.read_manifest(cur, version)
    art = load_table("articles", version, cur)
    rej = load_table("rejected", version, cur)
    dup = load_table("duplicates", version, cur)
    return m["raw_documents"], int(art["n_copies"].sum()), rej.height, dup.height


def test_sample_run_publishes_then_is_idempotent(sample_raw: Path, tmp_path: Path, capsys):
    cur = tmp_path / "curated"
    assert run(sample_raw, cur) == 0
    out = capsys.readouterr().out
    assert "published version 1" in out
    art = load_articles(curated_dir=cur)
    # Five different articles: every extra sample file is a copy of one of the seeds.
    assert art.height == 5
    raw, copies, rejected, dups = accounting(cur)
    assert raw == 10 and copies + rejected == raw and dups == raw - art.height - rejected
    dup = load_table("duplicates", "latest", cur)
    assert "exact_raw" in dup["method"].to_list()
    assert set(dup["duplicate_of"]) <= set(art["doc_id"])  # every copy points at a kept article
    removed = load_table("removed_lines", "latest", cur)
    assert removed.height > 0 and removed["category"].null_count() == 0
    m = store.read_manifest(cur)
    assert m["validation"]["success"] is True
    assert m["input_fingerprint"] and m["code_version"]
    assert (cur / "latest" / "validation").is_dir()
    # A second run on the same data: same content, nothing new, said plainly.
    assert run(sample_raw, cur) == 0
    assert "unchanged" in capsys.readouterr().out
    assert store.list_versions(cur) == [1]


def test_bad_files_are_rejected_and_the_run_succeeds(sample_raw: Path, tmp_path: Path):
    cur = tmp_path / "curated"
    (sample_raw / "bad").mkdir()
    (sample_raw / "bad" / "empty.txt").write_bytes(b"")
    (sample_raw / "bad" / "noise.txt").write_bytes(bytes(range(256)) * 64)
    (sample_raw / "bad" / "cut.html.gz").write_bytes(gzip.compress(b"<p>x</p>" * 900)[:-40])
    (sample_raw / "bad" / "b.jsonl").write_text('{"text": "ok?"\n{"url": "u"}\n')
    (sample_raw / "bad" / "scripts.html").write_text(
        "<html><body><script>var a=1;</script></body></html>")
    (sample_raw / "bad" / "copy-of-empty.txt").write_bytes(b"")
    assert run(sample_raw, cur) == 0
    raw, copies, rejected, _ = accounting(cur)
    assert rejected == 7 and copies + rejected == raw == 17
    rej = load_table("rejected", "latest", cur)
    reasons = dict(zip(rej["source"], rej["reason"], strict=True))
    assert reasons["bad/empty.txt"] == "empty" and reasons["bad/noise.txt"] == "binary"
    assert reasons["bad/cut.html.gz"] == "gzip_truncated"
    assert reasons["bad/b.jsonl#0"] == "json_malformed" and reasons["bad/b.jsonl#1"] == "no_body"
    assert reasons["bad/scripts.html"] in {"no_article", "no_content"}
    assert rej["detail"].null_count() == 0


def test_failed_validation_publishes_nothing(sample_raw: Path, tmp_path: Path, capsys):
    cur = tmp_path / "curated"
    assert run(sample_raw, cur) == 0
    # A suite that cannot pass, added as a file: no code change.
    exp = tmp_path / "expectations"
    shutil.copytree(REPO / "expectations", exp)
    suite_file = exp / "articles.json"
    suite = json.loads(suite_file.read_text())
    suite["expectations"].append({"type": "expect_table_row_count_to_be_between",
                                  "kwargs": {"min_value": 1_000_000_000},
                                  "meta": {"action": "block"}})
    suite_file.write_text(json.dumps(suite))
    (sample_raw / "new.txt").write_text((REPO / "data/raw/seeds/003_b17d98120fb3e38d.txt")
                                        .read_text().replace("Musk", "Bezos"))
    code = curate(["run", "--raw-dir", str(sample_raw), "--curated-dir", str(cur), "--workers",
                   "1", "--expectations-dir", str(exp)])
    out = capsys.readouterr().out
    assert code == 3
    assert "validation BLOCKED" in out and "expect_table_row_count_to_be_between" in out
    assert store.list_versions(cur) == [1] and store.latest_version(cur) == 1
    attempts = list((cur / "attempts").iterdir())
    assert len(attempts) == 1 and (attempts[0] / "attempt.json").is_file()
    assert list(attempts[0].rglob("index.html"))  # the Data Docs of the failed attempt


def test_curate_versions_and_clean(sample_raw: Path, tmp_path: Path, capsys):
    cur = tmp_path / "curated"
    assert run(sample_raw, cur) == 0
    capsys.readouterr()
    assert curate(["versions", "--curated-dir", str(cur)]) == 0
    assert "v1" in capsys.readouterr().out
    out = tmp_path / "clean"
    seed = sample_raw / "seeds" / "002_f38825ccc8b9f2e1.txt"
    page = sample_raw / "html" / "musk-praises-soviet-space-program.html"
    assert curate(["clean", str(seed), str(page), "--out", str(out), "--explain"]) == 0
    text = capsys.readouterr().out
    assert (out / "002_f38825ccc8b9f2e1.txt").is_file()
    assert (out / "musk-praises-soviet-space-program.txt").is_file()
    assert "Related Articles" in text and "related" in text  # the explanation names the rule
    assert "Related Articles" not in (out / "002_f38825ccc8b9f2e1.txt").read_text()


def test_curate_clean_explains_a_page_it_rejects(tmp_path: Path, capsys):
    """A page the cleaning empties is rejected, and --explain says which rules took its lines."""
    page = tmp_path / "menu.txt"
    page.write_text("Home\nAbout us\nContact\nShare on Facebook\nSubscribe to our newsletter\n")
    assert curate(["clean", str(page), "--explain"]) == 1
    cap = capsys.readouterr()
    assert "rejected" in cap.err and str(page) in cap.err
    assert f"--- {page}: 5 lines removed" in cap.out
    assert "[share/" in cap.out and "[newsletter/" in cap.out


def test_dagster_cli_materializes_everything(sample_raw: Path, tmp_path: Path):
    cur = tmp_path / "curated"
    env_code = (
        "import os, sys; from dagster._cli import main; "
        "sys.argv=['dagster','asset','materialize','-m','pipeline.definitions','--select','*'];"
        "main()")
    env = {**__import__("os").environ, "CURATE_RAW_DIR": str(sample_raw),
           "CURATE_CURATED_DIR": str(cur), "CURATE_WORKERS": "1"}
    p = subprocess.run([sys.executable, "-c", env_code], cwd=REPO, env=env,
                       capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, p.stderr[-3000:]
    assert store.list_versions(cur) == [1]
    assert pl.read_parquet(cur / "latest" / "articles.parquet").height == 5
