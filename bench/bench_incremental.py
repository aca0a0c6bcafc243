"""How long an incremental run takes: N new documents against a published corpus.

    uv run --no-sync python bench/bench_incremental.py --corpus 100000 --new 100

Builds (or reuses) a generated text corpus (bench/corpus.py), publishes it once with a full run
(read, extract, clean, dedupe, stage, Great Expectations gate, publish), then drops N documents
of another seed into the raw folder and times the incremental run that follows, stage by stage,
and a run with nothing new. Prints seconds per stage and in all.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))


def timed_run(settings, label: str) -> dict[str, float]:
    from pipeline import publishing, run

    t: dict[str, float] = {}
    t0 = time.perf_counter()
    # loads the previous version; reads, extracts and cleans what changed
    done = run.process_run(settings)
    raw = done.raw
    t["load_previous+process"] = time.perf_counter() - t0
    s = time.perf_counter()
    st = run.stage_batch(done, run.dedupe_batch(done, settings), settings)
    t["dedupe+stage"] = time.perf_counter() - s
    if st.unchanged:
        publishing.keep_latest(st, settings.curated_dir)
        t["total"] = time.perf_counter() - t0
        print(f"{label}: nothing new ({raw.stats['already_published']} already published); "
              f"{t['total']:.2f} s")
        return t
    s = time.perf_counter()
    st.write_ahead()  # as the job does: tables written while the gate validates
    report = publishing.audit(st, settings.curated_dir, f"bench-{label}")
    t["validate"] = time.perf_counter() - s
    s = time.perf_counter()
    r = publishing.publish(st, settings.curated_dir, f"bench-{label}")
    t["publish"] = time.perf_counter() - s
    t["total"] = time.perf_counter() - t0
    print(f"{label}: {raw.stats['raw_documents']} new documents, version {r.version}, "
          f"validation {'passed' if report.success else 'FAILED'}, "
          f"{st.stats['articles']} articles")
    for k, v in t.items():
        print(f"   {k:<28} {v:8.2f} s")
    return t


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--corpus", type=int, default=100_000)
    ap.add_argument("--new", type=int, default=100)
    ap.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    args = ap.parse_args()

    from corpus import generate

    from pipeline.settings import Settings

    out = REPO / "bench" / "out"
    base = out / f"corpus-text-{args.corpus}-s0-files"
    if not (base / "corpus.json").is_file():
        print(f"generating {args.corpus} documents -> {base}")
        generate(base, args.corpus, kind="text", seed=0, layout="files")
    work = Path(tempfile.mkdtemp(dir=out, prefix="bench-incremental-"))
    try:
        raw = work / "raw"
        shutil.copytree(base / "raw", raw, copy_function=os.link)  # hard links: no copy cost
        # (hard links of the cached corpus, made by this script: allowed, see issue 22)
        s = Settings(raw_dir=raw, curated_dir=work / "curated", workers=args.workers,
                     raw_allow_hard_links=True)
        print(f"load average {os.getloadavg()}")
        timed_run(s, "full run")
        extra = work / "extra"
        generate(extra, args.new, kind="text", seed=1, layout="files")
        shutil.copytree(extra / "raw", raw / "new-batch")
        timed_run(s, f"incremental (+{args.new})")
        timed_run(s, "incremental (nothing new)")
        print(f"load average {os.getloadavg()}")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
