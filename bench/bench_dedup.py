"""Throughput and peak memory of the dedup step, against datasketch on the same input.

    uv run python bench/bench_dedup.py                # 100k generated documents
    uv run python bench/bench_dedup.py --n 1000000    # 1M (read lazily from Parquet, batch by batch)

The corpus (~600 words a document, 20 % copies made by the variant kinds) is written to Parquet
first; each measurement then runs in a fresh subprocess, so its peak RSS (ru_maxrss) is its own.
Printed: docs/s and peak RSS of `deduplicate`; datasketch MinHash + MinHashLSH (128 perms, 16x8
bands, the same 5-word shingles) on the first --ds-n documents, extrapolated linearly; NumPy
universal-hashing MinHash on --np-n documents (the alternative to rensa), extrapolated too.
Targets: >= 10,000 docs/s at 100k on 2 cores; 1M within 4 GiB peak.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))


def _peak_mib() -> float:
    """Peak RSS of this process (VmHWM: unlike ru_maxrss, not inherited from the parent that
    forked it, which here held the whole generated corpus)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def _load() -> str:
    return Path("/proc/loadavg").read_text().split()[0]


def write_corpus(n: int, path: Path) -> float:
    import polars as pl
    import pyarrow.parquet as pq
    from _dedup_corpus import bench_chunks

    writer = None
    total_bytes = 0
    for ids, texts in bench_chunks(n):
        df = pl.DataFrame({"doc_id": ids, "text": texts,
                           "published": pl.Series([None] * len(ids), dtype=pl.Date)})
        total_bytes += int(df["text"].str.len_bytes().sum())
        table = df.to_arrow()
        if writer is None:
            writer = pq.ParquetWriter(path, table.schema)
        writer.write_table(table, row_group_size=10_000)
    assert writer is not None
    writer.close()
    return total_bytes / n


def worker_dedup(path: str, lazy: bool) -> dict:
    import polars as pl

    from pipeline.dedup import deduplicate

    docs = pl.scan_parquet(path) if lazy else pl.read_parquet(path)
    rss_input = _peak_mib()
    t, c = time.perf_counter(), _cpu()
    res = deduplicate(docs)
    secs, cpu = time.perf_counter() - t, _cpu() - c
    n = res.stats["docs_in"]
    return {"docs": n, "seconds": secs, "docs_per_s": n / secs, "peak_rss_mib": _peak_mib(),
            "rss_after_input_mib": rss_input, "cpu_seconds": cpu, "stats": res.stats}


def worker_datasketch(path: str, n: int) -> dict:
    import polars as pl
    from datasketch import MinHash, MinHashLSH

    from pipeline.dedup.shingles import normalised_words

    df = pl.read_parquet(path, n_rows=n)
    t, c = time.perf_counter(), _cpu()
    words = normalised_words(df["text"]).to_list()
    lsh = MinHashLSH(num_perm=128, params=(16, 8))
    pairs = 0
    for doc_id, w in zip(df["doc_id"].to_list(), words, strict=True):
        m = MinHash(num_perm=128)
        m.update_batch([" ".join(w[i : i + 5]).encode() for i in range(max(1, len(w) - 4))])
        pairs += len(lsh.query(m))
        lsh.insert(doc_id, m)
    secs = time.perf_counter() - t
    return {"docs": df.height, "seconds": secs, "docs_per_s": df.height / secs,
            "candidate_pairs": pairs, "peak_rss_mib": _peak_mib(), "cpu_seconds": _cpu() - c}


def worker_numpy(path: str, n: int) -> dict:
    """MinHash by universal hashing, (a*x + b) mod 2^61-1 per permutation, over the same
    shingle hashes rensa gets (the alternative design)."""
    import numpy as np
    import polars as pl

    from pipeline.dedup.shingles import offsets, shingle, tokenize

    df = pl.read_parquet(path, n_rows=n)
    t = time.perf_counter()
    tok, counts = tokenize(df["text"], 1)
    sh = shingle(tok, counts, 5, 1)
    t_sh = time.perf_counter() - t
    rng = np.random.default_rng(1)
    prime = np.uint64((1 << 61) - 1)
    a = rng.integers(1, 1 << 61, 128, dtype=np.uint64)
    b = rng.integers(0, 1 << 61, 128, dtype=np.uint64)
    x = (sh.hashes >> np.uint64(3)) % prime
    offs = offsets(sh.counts)
    sig = np.empty((len(counts), 128), dtype=np.uint64)
    for p in range(128):
        h = (x * a[p] + b[p]) % prime  # wrapping product: a hash family, not exact mod-p maths
        sig[:, p] = np.minimum.reduceat(h, offs[:-1].clip(max=len(h) - 1))
    secs = time.perf_counter() - t
    return {"docs": df.height, "seconds": secs, "docs_per_s": df.height / secs,
            "seconds_shingling": t_sh}


def run_worker(args: list[str]) -> dict:
    out = subprocess.run([sys.executable, __file__, "--worker", *args], check=True,
                         capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=100_000)
    ap.add_argument("--ds-n", type=int, default=20_000, help="datasketch subset (extrapolated)")
    ap.add_argument("--np-n", type=int, default=10_000, help="NumPy MinHash subset")
    ap.add_argument("--lazy", action="store_true", help="scan Parquet lazily (default for >= 500k)")
    ap.add_argument("--keep", type=Path, help="write/reuse the corpus at this path")
    ap.add_argument("--worker", nargs="+", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.worker:
        kind, path, *rest = args.worker
        if kind == "dedup":
            res = worker_dedup(path, rest == ["lazy"])
        elif kind == "datasketch":
            res = worker_datasketch(path, int(rest[0]))
        else:
            res = worker_numpy(path, int(rest[0]))
        print(json.dumps(res))
        return

    with tempfile.TemporaryDirectory() as tmp:
        path = args.keep or Path(tmp) / f"corpus_{args.n}.parquet"
        if not path.exists():
            t = time.perf_counter()
            avg = write_corpus(args.n, path)
            print(f"corpus: {args.n} documents (about {args.n // 5:,} of them copies made by the "
                  f"variant kinds), {avg:.0f} bytes of text on average, generated in "
                  f"{time.perf_counter() - t:.0f} s -> {path.stat().st_size / 2**20:.0f} MiB Parquet")
        lazy = args.lazy or args.n >= 500_000
        print(f"machine load average before: {_load()} (2 cores; other jobs share them)")
        d = run_worker(["dedup", str(path)] + (["lazy"] if lazy else []))
        s = d["stats"]
        print(f"dedup (rensa R-MinHash, Polars band join): {d['docs']} docs in {d['seconds']:.2f} s"
              f" = {d['docs_per_s']:,.0f} docs/s; peak RSS {d['peak_rss_mib']:,.0f} MiB "
              f"(after {'scanning' if lazy else 'loading'} input: {d['rss_after_input_mib']:,.0f}"
              f" MiB); CPU {d['cpu_seconds']:.1f} s = {d['docs'] / d['cpu_seconds']:,.0f} docs "
              f"per CPU-second")
        print(f"  sign {s['seconds_sign']:.2f} s, cluster {s['seconds_cluster']:.2f} s; clusters "
              f"{s['clusters']}, duplicates {s['duplicates']} (exact {s['duplicates_exact_text']},"
              f" near {s['duplicates_near']}, containment {s['duplicates_containment']}); "
              f"candidate pairs {s['candidate_pairs']}, verified {s['verified_pairs']}, largest "
              f"bucket {s['largest_bucket']}")
        ds = run_worker(["datasketch", str(path), str(min(args.ds_n, args.n))])
        ext = args.n / ds["docs_per_s"]
        print(f"datasketch MinHash+MinHashLSH(16x8): {ds['docs']} docs in {ds['seconds']:.2f} s = "
              f"{ds['docs_per_s']:,.0f} docs/s, {ds['docs'] / ds['cpu_seconds']:,.0f} docs per "
              f"CPU-second (extrapolated to {args.n}: {ext:,.0f} s); speed ratio "
              f"dedup/datasketch = {d['docs_per_s'] / ds['docs_per_s']:.1f}x wall, "
              f"{(d['docs'] / d['cpu_seconds']) / (ds['docs'] / ds['cpu_seconds']):.1f}x per "
              "CPU-second")
        npm = run_worker(["numpy", str(path), str(min(args.np_n, args.n))])
        print(f"NumPy universal-hashing MinHash (signatures only, no LSH): {npm['docs']} docs in "
              f"{npm['seconds']:.2f} s = {npm['docs_per_s']:,.0f} docs/s (shingling "
              f"{npm['seconds_shingling']:.2f} s of it); rensa path end to end is "
              f"{d['docs_per_s'] / npm['docs_per_s']:.1f}x faster")
        print(f"machine load average after: {_load()}")


if __name__ == "__main__":
    main()
