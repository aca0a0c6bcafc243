"""End-to-end benchmark of the pipeline on a generated corpus (bench/corpus.py).

    uv run --no-sync python bench/bench_pipeline.py --docs 10000 --kind text
    uv run --no-sync python bench/bench_pipeline.py --docs 10000 --kind html
    uv run --no-sync python bench/bench_pipeline.py --docs 10000 --kind text --profile

The corpus is cached under bench/out/corpus-<kind>-<docs>-s<seed>-<layout>/ (the real-page
corpus, the default: corpus-pages-v<corpus_pages.VERSION>-<docs>-...). Each measured run
is its own subprocess: the pipeline (process = read, extract, clean and sign in chunks over
worker processes; then dedupe, stage, validate, publish; each timed), then the references side by side:
  (a) HTML corpora: trafilatura alone, multiprocessing Pool(N) over bare_extraction with the
      pipeline's TRAFILATURA_OPTIONS, on every HTML document of the corpus;
  (b) text corpora: a plain-Python text path: read files, a per-line loop of a handful of
      boilerplate regexes, datasketch MinHash (128 perm) over word 5-shingles + MinHashLSH (0.8).
Peak memory: ru_maxrss of the subprocess tree (RUSAGE_CHILDREN: the largest single process)
and the sampled sum of RSS over the process tree (/proc, every 50 ms), per stage and overall.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
OUT = REPO / "bench" / "out"
MiB = 1024 * 1024


# ---------------------------------------------------------------------------------------------
# Memory: RSS of a process tree, sampled


def _children(pid: int) -> list[int]:
    out = []
    try:
        for tid in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{tid}/children") as f:
                out += [int(x) for x in f.read().split()]
    except OSError:
        pass
    return out


def tree_rss(pid: int) -> int:
    """Sum of RSS (bytes) of pid and all its descendants."""
    total, todo, page = 0, [pid], os.sysconf("SC_PAGE_SIZE")
    while todo:
        p = todo.pop()
        try:
            with open(f"/proc/{p}/statm") as f:
                total += int(f.read().split()[1]) * page
        except OSError:
            continue
        todo += _children(p)
    return total


class Sampler(threading.Thread):
    """Samples tree_rss(pid); `peak` overall and `stage_peak` since the last reset()."""

    def __init__(self, pid: int, every: float = 0.05) -> None:
        super().__init__(daemon=True)
        self.pid, self.every = pid, every
        self.peak = self.stage_peak = 0
        self._stop_ev = threading.Event()

    def run(self) -> None:
        while not self._stop_ev.is_set():
            rss = tree_rss(self.pid)
            self.peak = max(self.peak, rss)
            self.stage_peak = max(self.stage_peak, rss)
            self._stop_ev.wait(self.every)

    def reset(self) -> int:
        """Peak of the stage that just ended (one fresh sample included); starts a new stage."""
        rss = tree_rss(self.pid)
        got = max(self.stage_peak, rss)
        self.stage_peak = rss
        self.peak = max(self.peak, rss)
        return got

    def stop(self) -> None:
        self._stop_ev.set()


def maxrss_mib(who: int) -> float:
    return resource.getrusage(who).ru_maxrss / 1024  # Linux: KiB


# ---------------------------------------------------------------------------------------------
# Child runs (one subprocess each)


def child_pipeline(raw: Path, workers: int, result_file: Path, executor: str = "local",
                   ray_address: str = "") -> None:
    import polars as pl

    from pipeline import publishing, run
    from pipeline.settings import Settings

    curated = Path(tempfile.mkdtemp(prefix="bench-curated-", dir=OUT))
    settings = Settings(raw_dir=raw, curated_dir=curated, workers=workers, full_rebuild=True,
                        executor=executor, ray_address=ray_address)
    sampler = Sampler(os.getpid())
    sampler.start()
    rows: list[dict] = []
    t_start = time.perf_counter()
    state: dict = {}

    def cpu(who: int) -> float:
        r = resource.getrusage(who)
        return r.ru_utime + r.ru_stime

    def timed(name: str, fn):
        sampler.reset()
        t = time.perf_counter()
        c0, w0 = cpu(resource.RUSAGE_SELF), cpu(resource.RUSAGE_CHILDREN)
        out = fn()
        dt = time.perf_counter() - t
        rows.append({"stage": name, "seconds": dt, "tree_peak_mib": sampler.reset() / MiB,
                     # CPU seconds (user + system) of the main process (all its threads), and
                     # of the worker processes that ended during the stage
                     "main_cpu_s": cpu(resource.RUSAGE_SELF) - c0,
                     "workers_cpu_s": cpu(resource.RUSAGE_CHILDREN) - w0,
                     "self_maxrss_mib": maxrss_mib(resource.RUSAGE_SELF),
                     "children_maxrss_mib": maxrss_mib(resource.RUSAGE_CHILDREN)})
        return out

    done = timed("process", lambda: run.process_run(settings))
    raw_step = done.raw
    n = raw_step.stats["raw_documents"]
    state["raw"] = raw_step.stats
    ex = done.extract
    dd = timed("dedupe", lambda: run.dedupe_batch(done, settings))
    st = timed("stage", lambda: run.stage_batch(done, dd, settings))
    st.write_ahead()  # as the job does: tables written while the gate validates
    report = timed("validate", lambda: publishing.audit(st, curated, "bench-run"))
    pub = timed("publish", lambda: publishing.publish(st, curated, "bench-run"))
    total = time.perf_counter() - t_start
    sampler.stop()
    result = {
        "raw_documents": n, "stages": rows, "e2e_seconds": total,
        "tree_peak_mib": sampler.peak / MiB,
        "self_maxrss_mib": maxrss_mib(resource.RUSAGE_SELF),
        "children_maxrss_mib": maxrss_mib(resource.RUSAGE_CHILDREN),
        "validation_success": bool(report.success),
        "quarantined": report.quarantined_by_expectation(),
        "warnings": [o.label for o in report.warnings()],
        "failed_expectations": [
            f"{o.table}.{o.expectation}({o.kwargs.get('column', '')}: {o.unexpected_count} "
            f"unexpected, e.g. {str(o.sample[:2])[:120]})" for o in report.failed()][:20],
        "version": pub.version,
        "stats": {"raw": raw_step.stats, "extract": ex.stats, "staged": st.stats,
                  "dedupe": {k: v for k, v in dd.stats.items() if not k.startswith("dedup.")
                             or isinstance(v, int)}},
        "html_docs": int(raw_step.documents.filter(pl.col("kind") == "html").height),
    }
    result_file.write_text(json.dumps(result, default=str))
    shutil.rmtree(curated, ignore_errors=True)


def _raw_docs(raw: Path) -> list[tuple[str, str, str | None]]:
    """(kind, body, url) of every raw document, as the pipeline's ingest reads them (untimed)."""
    from pipeline.ingest import ingest
    from pipeline.settings import Settings

    got = ingest(raw, Settings(raw_dir=raw, workers=1))
    return list(got.documents.select("kind", "body", "url").iter_rows())


def _traf(task: tuple[str, str | None]):
    import trafilatura

    from pipeline.html.extract import TRAFILATURA_OPTIONS

    html, url = task
    try:
        doc = trafilatura.bare_extraction(html, url=url, **TRAFILATURA_OPTIONS)
    except Exception:  # noqa: BLE001
        return 0
    return len(doc.text or "") if doc is not None else 0


def child_trafilatura(raw: Path, workers: int, result_file: Path) -> None:
    from multiprocessing import get_context

    docs = [(b, u) for k, b, u in _raw_docs(raw) if k == "html"]
    t = time.perf_counter()
    with get_context("spawn").Pool(workers) as pool:
        chars = sum(pool.imap(_traf, docs, chunksize=16))
    dt = time.perf_counter() - t
    result_file.write_text(json.dumps({"docs": len(docs), "seconds": dt, "chars": chars,
                                       "children_maxrss_mib": maxrss_mib(
                                           resource.RUSAGE_CHILDREN)}))


# The reference's boilerplate: a handful of whole-line regexes, applied line by line.
REFERENCE_PATTERNS = [
    r"^\s*(advertisement|sponsored|story continues below advertisement)\s*$",
    r"^\s*(share|tweet|email|copy link|share on \w+|follow us.*)( this( article)?)?\s*$",
    r"^\s*(sign up|subscribe|get the|enter your email).{0,80}(newsletter|inbox|briefing|"
    r"subscribe).*$",
    r"^\s*(we use cookies|accept all cookies|manage cookie|this site uses cookies).*$",
    r"^\s*(related articles|recommended stories|read more:?|most read|trending|popular now|"
    r"more from .*)\s*$",
    r"^\s*(\d+ comments|comments|join the conversation|show comments|be the first to comment)"
    r"\s*$",
    r"^\s*(support|donate|become a member|your contribution).{0,100}$",
    r"^.*\((getty images|ap photo|reuters|afp via getty images|shutterstock)\)\s*$",
    r"^\s*(home\s*>.*|skip to (main )?content|menu|search|log in|sign in|back to top)\s*$",
    r"^\s*(by [A-Z][\w.' -]+|published .*|updated .*|\d{4}-\d\d-\d\d)\s*$",
    r"^\s*(©|privacy policy|about us|about\b|terms of use).*$",
    r"^\s*-\s.*$",
]


def child_reference(raw: Path, max_docs: int, result_file: Path) -> None:
    """Plain-Python text path: read + decode, per-line regex loop, datasketch MinHash LSH."""
    import gzip

    from datasketch import MinHash, MinHashLSH

    pats = [re.compile(p, re.I) for p in REFERENCE_PATTERNS]
    t0 = time.perf_counter()
    bodies: list[str] = []
    for path in sorted(raw.rglob("*")):
        if len(bodies) >= max_docs:
            break
        if not path.is_file():
            continue
        data = path.read_bytes()
        if path.suffix == ".gz":
            data = gzip.decompress(data)
            name = path.stem
        else:
            name = path.name
        if name.endswith((".txt", ".text")):
            bodies.append(data.decode("utf-8", "replace"))
        elif name.endswith(".jsonl"):
            for line in data.splitlines():
                if line.strip():
                    rec = json.loads(line)
                    if isinstance(rec.get("text"), str):
                        bodies.append(rec["text"])
    bodies = bodies[:max_docs]
    t_read = time.perf_counter() - t0
    t1 = time.perf_counter()
    cleaned = []
    for b in bodies:
        keep = [ln for ln in (x.strip() for x in b.split("\n"))
                if ln and not any(p.match(ln) for p in pats)]
        cleaned.append("\n".join(keep))
    t_clean = time.perf_counter() - t1
    t2 = time.perf_counter()
    lsh = MinHashLSH(threshold=0.8, num_perm=128)
    dups = 0
    for i, text in enumerate(cleaned):
        words = text.lower().split()
        shingles = {" ".join(words[k:k + 5]).encode() for k in range(max(1, len(words) - 4))}
        m = MinHash(num_perm=128)
        m.update_batch(list(shingles))
        if lsh.query(m):
            dups += 1
        else:
            lsh.insert(str(i), m)
    t_dedup = time.perf_counter() - t2
    result_file.write_text(json.dumps({
        "docs": len(bodies), "read_seconds": t_read, "clean_seconds": t_clean,
        "dedup_seconds": t_dedup, "seconds": time.perf_counter() - t0, "near_dups": dups,
        "self_maxrss_mib": maxrss_mib(resource.RUSAGE_SELF)}))


def child_floor(raw: Path, result_file: Path) -> None:
    """Issue 21's floor: what one core does with no pipeline at all. Every .txt file read and
    decoded, lines of under 5 words dropped, the rest hashed (xxh3), one Parquet file written
    (doc, hash, text). The pipeline on both cores is compared with it."""
    import polars as pl
    import xxhash

    t0 = time.perf_counter()
    names, hashes, texts = [], [], []
    for path in sorted(raw.rglob("*.txt")):
        text = path.read_bytes().decode("utf-8", "replace")
        kept = "\n".join(ln for ln in text.split("\n") if len(ln.split()) >= 5)
        names.append(path.name)
        hashes.append(xxhash.xxh3_64_hexdigest(kept.encode()))
        texts.append(kept)
    out = Path(tempfile.mkdtemp(prefix="bench-floor-", dir=OUT))
    pl.DataFrame({"doc": names, "hash": hashes, "text": texts}).write_parquet(
        out / "floor.parquet", compression="zstd")
    shutil.rmtree(out, ignore_errors=True)
    result_file.write_text(json.dumps({"docs": len(names), "seconds": time.perf_counter() - t0,
                                       "self_maxrss_mib": maxrss_mib(resource.RUSAGE_SELF)}))


# ---------------------------------------------------------------------------------------------
# Parent


def corpus_dir(docs: int, kind: str, seed: int, layout: str) -> Path:
    from bench import corpus_pages

    # (the construction's version: a corpus built another way is never reused stale)
    version = f"-v{corpus_pages.VERSION}" if kind == "pages" else ""
    return OUT / f"corpus-{kind}{version}-{docs}-s{seed}-{layout}"


def ensure_corpus(docs: int, kind: str, seed: int, layout: str, regen: bool) -> Path:
    from bench import corpus, corpus_pages

    d = corpus_dir(docs, kind, seed, layout)
    if regen or not (d / "corpus.json").is_file():
        shutil.rmtree(d, ignore_errors=True)
        d.mkdir(parents=True)
        print(f"generating {docs} {kind} docs ({layout}) -> {d} ...", flush=True)
        s = (corpus_pages.generate(d, docs, seed) if kind == "pages"
             else corpus_pages.generate_html(d, docs, seed) if kind == "devhtml"
             else corpus.generate(d, docs, kind, seed, layout))
        print(f"  {s['bytes_on_disk'] / MiB:.0f} MiB in {s['seconds']} s; {s['counts']}",
              flush=True)
    else:
        print(f"reusing {d}", flush=True)
    return d


def run_child(args: list[str], profile: bool = False) -> tuple[dict, dict]:
    """Run this script in `--child` mode; (its JSON result, tree memory of the run)."""
    fd, name = tempfile.mkstemp(suffix=".json", dir=OUT)
    os.close(fd)
    res_file = Path(name)
    cmd = [sys.executable, __file__, "--child", *args, "--result", str(res_file)]
    if profile:
        cmd.append("--profile")
    before = maxrss_mib(resource.RUSAGE_CHILDREN)
    proc = subprocess.Popen(cmd)
    sampler = Sampler(proc.pid)
    sampler.start()
    rc = proc.wait()
    sampler.stop()
    after = maxrss_mib(resource.RUSAGE_CHILDREN)
    if rc != 0:
        res_file.unlink(missing_ok=True)
        for d in OUT.glob("bench-curated-*"):  # a crashed child leaves its curated folder
            shutil.rmtree(d, ignore_errors=True)
        raise SystemExit(f"child {args[0]} failed with exit code {rc}")
    result = json.loads(res_file.read_text())
    res_file.unlink()
    # ru_maxrss(RUSAGE_CHILDREN) is the max over reaped descendants; it only rises, so a value
    # that did not rise means this child stayed below an earlier one.
    return result, {"tree_peak_mib": sampler.peak / MiB,
                    "max_process_rss_mib": after if after > before else None}


def load() -> str:
    return "load avg " + " ".join(f"{x:.2f}" for x in os.getloadavg())


def fmt_rate(n: int, s: float) -> str:
    return f"{n / s:10.1f}" if s > 0 else "       inf"


def report_pipeline(res: dict, mem: dict, label: str) -> None:
    n = res["raw_documents"]
    print(f"\n== pipeline, {label}: {n} raw documents  [{load()}]")
    print(f"{'stage':10} {'seconds':>9} {'docs/s':>10} {'tree peak MiB':>14} "
          f"{'main maxrss':>12} {'workers maxrss':>15} {'main CPU s':>11} {'workers CPU s':>14}")
    for r in res["stages"]:
        print(f"{r['stage']:10} {r['seconds']:9.2f} {fmt_rate(n, r['seconds'])} "
              f"{r['tree_peak_mib']:14.0f} {r['self_maxrss_mib']:12.0f} "
              f"{r['children_maxrss_mib']:15.0f} {r.get('main_cpu_s', 0):11.2f} "
              f"{r.get('workers_cpu_s', 0):14.2f}")
    print(f"{'end-to-end':10} {res['e2e_seconds']:9.2f} {fmt_rate(n, res['e2e_seconds'])} "
          f"{max(res['tree_peak_mib'], mem['tree_peak_mib']):14.0f} "
          f"{res['self_maxrss_mib']:12.0f} {res['children_maxrss_mib']:15.0f}")
    print(f"validation success: {res['validation_success']} "
          f"{res['failed_expectations'] or ''}")
    st = res["stats"]["staged"]
    print(f"articles {st.get('articles')}  duplicates {st.get('duplicates')}  rejected "
          f"{st.get('rejected')}  removed lines {st.get('removed_lines')}  "
          f"byte-identical {res['stats']['raw'].get('byte_identical_copies')}")


def one_round(a: argparse.Namespace, common: list[str], layout: str, workers: int,
              k: int) -> dict:
    """The pipeline, then its reference(s), each in a fresh subprocess: one round's results."""
    if a.repeat > 1:
        print(f"\n######## round {k + 1} of {a.repeat}", flush=True)
    out: dict = {}
    if a.executor == "ray":  # the local backend first, in the same round, for the ratio
        lres, lmem = run_child(["pipeline", *common], profile=a.profile)
        report_pipeline(lres, lmem, f"{a.kind}, {layout}, local, workers={workers}")
        out["pipeline_local"] = lres
        common = [*common, "--executor", "ray", "--ray-address", a.ray_address]
    res, mem = run_child(["pipeline", *common], profile=a.profile)
    label = (f"{a.kind}, {layout}, {a.executor}, workers={workers}"
             + (" (profiled)" if a.profile else ""))
    report_pipeline(res, mem, label)
    if a.executor == "ray":
        local_rate = lres["raw_documents"] / lres["e2e_seconds"]
        ray_rate = res["raw_documents"] / res["e2e_seconds"]
        out["ray_ratio"] = ray_rate / local_rate
        print(f"\n== ray {ray_rate:.1f} docs/s vs local {local_rate:.1f} docs/s = "
              f"{ray_rate / local_rate:.2f} x (target >= 0.85)")
    print(f"peak memory: tree (sampled, sum of processes) {mem['tree_peak_mib']:.0f} MiB; "
          f"largest single process (ru_maxrss) {mem['max_process_rss_mib'] or 'n/a'} MiB")
    out |= {"pipeline": res, "pipeline_memory": mem}
    n, e2e = res["raw_documents"], res["e2e_seconds"]
    if not a.skip_reference and res["html_docs"]:
        tr, tmem = run_child(["trafilatura", *common])
        out["trafilatura"] = {**tr, **tmem}
        rate = tr["docs"] / tr["seconds"]
        print(f"\n== (a) trafilatura alone, Pool({workers}) over {tr['docs']} HTML docs  "
              f"[{load()}]")
        print(f"   {tr['seconds']:.2f} s, {rate:.1f} docs/s, tree peak "
              f"{tmem['tree_peak_mib']:.0f} MiB")
        if a.kind in ("html", "devhtml"):
            ratio = (n / e2e) / rate
            out["html_ratio"] = ratio
            print(f"   pipeline HTML e2e {n / e2e:.1f} docs/s = {ratio:.2f} x trafilatura alone "
                  f"(target >= 0.85); process stage (read+extract+clean+sign) alone "
                  f"{(n / res['stages'][0]['seconds']) / rate:.2f} x")
        else:
            print("   (mixed corpus: pipeline e2e includes text documents; ratio not comparable)")
    if not a.skip_reference and a.kind in ("pages", "text", "mixed"):
        rf, rmem = run_child(["reference", *common])
        out["reference"] = {**rf, **rmem}
        rate = rf["docs"] / rf["seconds"]
        print(f"\n== (b) plain-Python text reference (regex loop + datasketch LSH) on "
              f"{rf['docs']} docs  [{load()}]")
        print(f"   read {rf['read_seconds']:.2f} s, clean {rf['clean_seconds']:.2f} s, "
              f"minhash+lsh {rf['dedup_seconds']:.2f} s; total {rf['seconds']:.2f} s = "
              f"{rate:.1f} docs/s; peak {rmem['tree_peak_mib']:.0f} MiB; "
              f"{rf['near_dups']} dups found")
        ratio = (n / e2e) / rate
        out["text_ratio"] = ratio
        print(f"   pipeline text e2e {n / e2e:.1f} docs/s = {ratio:.2f} x the reference "
              "(pipeline uses every core; the reference one)")
    if not a.skip_reference and a.kind in ("pages", "text"):
        fl, fmem = run_child(["floor", *common])
        out["floor"] = {**fl, **fmem}
        rate = fl["docs"] / fl["seconds"]
        ratio = (n / e2e) / rate
        out["floor_ratio"] = ratio
        print(f"\n== (c) the floor, one core: read, drop lines under 5 words, hash, one Parquet "
              f"file; {fl['docs']} docs  [{load()}]")
        print(f"   {fl['seconds']:.2f} s = {rate:.1f} docs/s; pipeline text e2e {n / e2e:.1f} "
              f"docs/s = {ratio:.2f} x the floor")
    return out


def summarise(rounds: list[dict]) -> None:
    """Medians over rounds: this VM's speed drifts by 10-15 % between runs minutes apart, and
    a pipeline run and its reference only compare within one round."""
    from statistics import median

    e2e = [r["pipeline"]["raw_documents"] / r["pipeline"]["e2e_seconds"] for r in rounds]
    print(f"\n== {len(rounds)} rounds: pipeline e2e docs/s "
          f"{', '.join(f'{x:.1f}' for x in e2e)}; median {median(e2e):.1f}")
    for key, what in (("html_ratio", "x trafilatura alone"), ("text_ratio", "x the reference"),
                      ("floor_ratio", "x the floor (one core)")):
        got = [r[key] for r in rounds if key in r]
        if got:
            print(f"   {key}: {', '.join(f'{x:.2f}' for x in got)}; median {median(got):.2f} "
                  f"{what}")


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--docs", type=int, default=10_000)
    ap.add_argument("--kind", choices=("pages", "text", "html", "devhtml", "mixed"),
                    default="pages",
                    help="pages (default): real whole-page text scrapes of the dev sets "
                         "(bench/corpus_pages.py); devhtml: the dev sets' real HTML pages "
                         "(corpus_pages.generate_html); text/html/mixed: the synthetic corpus "
                         "(bench/corpus.py)")
    ap.add_argument("--layout", choices=("files", "jsonl"), default=None,
                    help="text documents as .txt files in folders of 1,000 (default below "
                         "1M docs) or JSONL batches (default at 1M)")
    ap.add_argument("--workers", type=int, default=None,
                    help="pipeline workers and reference Pool size (default: every core)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--skip-reference", action="store_true")
    ap.add_argument("--reference-max-docs", type=int, default=20_000,
                    help="the plain-Python text reference runs on at most this many documents "
                         "(its docs/s is what is compared)")
    ap.add_argument("--profile", action="store_true",
                    help="profile the pipeline run (pyinstrument if installed, else cProfile: "
                         "top 25 by cumulative time)")
    ap.add_argument("--regen", action="store_true", help="regenerate the cached corpus")
    ap.add_argument("--repeat", type=int, default=1,
                    help="rounds of pipeline + reference, alternating; medians printed")
    ap.add_argument("--json", type=Path, default=None, help="also write all results here")
    ap.add_argument("--code", type=Path, default=None,
                    help="import `pipeline` from this folder instead of the repo (e.g. a "
                         "`git archive HEAD pipeline expectations` snapshot, when the working "
                         "tree is mid-edit)")
    # internal
    ap.add_argument("--child", choices=("pipeline", "trafilatura", "reference", "floor"))
    ap.add_argument("--raw", type=Path)
    ap.add_argument("--result", type=Path)
    ap.add_argument("--executor", choices=("local", "ray"), default="local",
                    help="ray: also run the local backend in the same round and print the ratio")
    ap.add_argument("--ray-address", default="",
                    help="Ray cluster to use (default: a Ray instance started for the run)")
    a = ap.parse_args(argv)
    workers = a.workers or os.cpu_count() or 1

    if a.code:
        sys.path.insert(0, str(a.code.resolve()))
    if a.child:
        if a.child == "pipeline":
            if a.profile:
                _profiled(lambda: child_pipeline(a.raw, workers, a.result, a.executor,
                                                 a.ray_address))
            else:
                child_pipeline(a.raw, workers, a.result, a.executor, a.ray_address)
        elif a.child == "trafilatura":
            child_trafilatura(a.raw, workers, a.result)
        elif a.child == "floor":
            child_floor(a.raw, a.result)
        else:
            child_reference(a.raw, a.reference_max_docs, a.result)
        return

    OUT.mkdir(parents=True, exist_ok=True)
    layout = a.layout or ("jsonl" if a.docs >= 1_000_000 and a.kind == "text" else "files")
    print(f"bench_pipeline: docs={a.docs} kind={a.kind} layout={layout} workers={workers} "
          f"[{load()}]", flush=True)
    d = ensure_corpus(a.docs, a.kind, a.seed, layout, a.regen)
    raw = d / "raw"
    common = ["--raw", str(raw), "--workers", str(workers),
              "--reference-max-docs", str(a.reference_max_docs),
              *(["--code", str(a.code.resolve())] if a.code else [])]
    rounds = [one_round(a, common, layout, workers, k) for k in range(a.repeat)]
    out = {"docs": a.docs, "kind": a.kind, "layout": layout, "workers": workers,
           "load_before": os.getloadavg(), **rounds[0], "rounds": rounds}
    if a.repeat > 1:
        summarise(rounds)
    print(f"\ndone [{load()}]")
    if a.json:
        a.json.write_text(json.dumps(out, indent=2, default=str))


def _profiled(fn) -> None:
    try:
        from pyinstrument import Profiler  # type: ignore[import-not-found]
    except ImportError:
        Profiler = None
    if Profiler is not None:
        p = Profiler()
        p.start()
        fn()
        p.stop()
        print(p.output_text(unicode=False, color=False, show_all=False))
        return
    import cProfile
    import pstats

    prof = cProfile.Profile()
    prof.enable()
    fn()
    prof.disable()
    print("\n== cProfile of the pipeline run (main process; workers not profiled), "
          "top 25 by cumulative time")
    pstats.Stats(prof).sort_stats("cumulative").print_stats(25)
    print("== top 25 by own (tottime) time")
    pstats.Stats(prof).sort_stats("tottime").print_stats(25)


if __name__ == "__main__":
    main()
