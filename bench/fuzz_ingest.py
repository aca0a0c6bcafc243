"""Fuzz the ingest side (read_file, decode, gunzip, the HTML pre-screen) for N seconds.

    uv run --frozen python bench/fuzz_ingest.py 60            # atheris if installed, else hypothesis
    uv run --frozen python bench/fuzz_ingest.py 60 --hypothesis

Each input's first byte picks a file type (.txt .html .jsonl .warc, optionally .gz); the rest is
the file. Invariants checked per input: read_file never raises and yields Doc/Reject rows with a
reason, valid UTF-8 strings, and frames Polars accepts; decode raises only Unreadable; gunzip
raises only Unreadable and never returns more than its limit; no input takes longer than
--slow seconds. Prints the number of inputs tried and every failure (inputs saved under
bench/out/fuzz/). atheris is not a project dependency: without it, a hypothesis-driven random
run of the same harness is used, and the script says so.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import sys
import tempfile
import time
import traceback
from io import BytesIO
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from pipeline.decode import Unreadable, decode, gunzip  # noqa: E402
from pipeline.html.extract import hostile_html  # noqa: E402
from pipeline.ingest import Doc, Reject, _docs_frame, read_file, rejects_frame  # noqa: E402
from pipeline.settings import Settings  # noqa: E402

SUFFIXES = [".txt", ".html", ".jsonl", ".warc", ".txt.gz", ".html.gz", ".jsonl.gz", ".warc.gz"]
OUT = HERE / "out" / "fuzz"
GZ_LIMIT = 1 << 20


class Harness:
    def __init__(self, slow_s: float) -> None:
        self.tmp = Path(tempfile.mkdtemp(prefix="fuzz-ingest-"))
        self.raw = self.tmp / "raw"
        self.raw.mkdir()
        # Small caps so big inputs exercise the limits quickly.
        self.settings = Settings(raw_dir=self.raw, curated_dir=self.tmp / "cur", workers=1,
                                 max_file_bytes=GZ_LIMIT, max_document_bytes=256 * 1024)
        self.slow_s = slow_s
        self.n = 0
        self.failures: list[tuple[str, bytes]] = []

    def one(self, data: bytes) -> None:
        self.n += 1
        t = time.perf_counter()
        try:
            self._check(data)
        except Exception:  # noqa: BLE001 - a fuzz failure: recorded, the run goes on
            self._fail(traceback.format_exc(limit=6), data)
            return
        dt = time.perf_counter() - t
        if dt > self.slow_s:
            self._fail(f"slow input: {dt:.2f} s > {self.slow_s} s", data)

    def _check(self, data: bytes) -> None:
        suffix = SUFFIXES[data[0] % len(SUFFIXES)] if data else ".txt"
        body = data[1:]
        path = self.raw / f"f{suffix}"
        for p in self.raw.iterdir():
            p.unlink()
        path.write_bytes(body)
        items = list(read_file(path, self.raw, self.settings))
        for it in items:
            assert isinstance(it, (Doc, Reject)), it
            for v in it.__dict__.values():
                if isinstance(v, str):
                    v.encode("utf-8")  # raises on a lone surrogate
            if isinstance(it, Reject):
                assert it.reason and it.detail is not None, it
            else:
                assert it.body.strip(), it
        docs = [i for i in items if isinstance(i, Doc)]
        rejects = [i for i in items if isinstance(i, Reject)]
        _docs_frame(docs)
        rejects_frame(rejects)
        ids = [i.doc_id for i in items]
        assert len(ids) == len(set(ids)), "duplicate doc_id within one file"
        assert items, "a file left no row at all"
        for html in (False, True):
            try:
                text, _enc = decode(body, html=html)
                text.encode("utf-8", "surrogatepass")
            except Unreadable:
                pass
        try:
            out = gunzip(body, GZ_LIMIT)
            assert len(out) <= GZ_LIMIT
        except Unreadable:
            pass
        hostile_html(body.decode("latin-1"))

    def _fail(self, why: str, data: bytes) -> None:
        OUT.mkdir(parents=True, exist_ok=True)
        name = OUT / f"crash-{hashlib.sha1(data).hexdigest()[:12]}.bin"
        name.write_bytes(data)
        self.failures.append((why, data))
        print(f"FAILURE #{len(self.failures)} ({len(data)} bytes, saved {name}):\n{why}",
              flush=True)

    def report(self, engine: str, seconds: float) -> int:
        print(f"{engine}: {self.n} inputs in {seconds:.0f} s, {len(self.failures)} failures")
        return 1 if self.failures else 0


def seeds() -> list[bytes]:
    """Realistic inputs for the mutators to start from, one per file type."""
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    page = ("<html><head><meta charset='utf-8'><title>T</title></head><body><article><p>"
            "Café council voted on Tuesday — “budget” approved.</p></article></body></html>")
    buf = BytesIO()
    w = WARCWriter(buf, gzip=False)
    http = StatusAndHeaders("200 OK", [("Content-Type", "text/html")], protocol="HTTP/1.1")
    w.write_record(w.create_warc_record("http://127.0.0.1/", "response",
                                        payload=BytesIO(page.encode()), http_headers=http))
    warc = buf.getvalue()
    jsonl = "\n".join([json.dumps({"url": "file:///etc/passwd", "html": page}),
                       json.dumps({"text": "plain \ud800"}, ensure_ascii=True), "{bad"]).encode()
    out = [bytes([0]) + "Plain text, déjà vu.".encode("cp1252"), bytes([1]) + page.encode(),
           bytes([2]) + jsonl, bytes([3]) + warc, bytes([4]) + gzip.compress(b"text " * 50),
           bytes([5]) + gzip.compress(page.encode()), bytes([6]) + gzip.compress(jsonl),
           bytes([7]) + gzip.compress(warc), bytes([1]) + b'<meta charset="undefined">\xe9',
           bytes([4]) + gzip.compress(b"") * 50]
    return out


def run_atheris(h: Harness, seconds: int) -> int:
    import atheris

    corpus = Path(tempfile.mkdtemp(prefix="fuzz-corpus-"))
    for i, s in enumerate(seeds()):
        (corpus / f"seed{i}").write_bytes(s)
    t0 = time.time()

    def test_one(data: bytes) -> None:
        h.one(data)

    import atexit

    atexit.register(lambda: h.report("atheris", time.time() - t0))
    atheris.Setup([sys.argv[0], f"-max_total_time={seconds}", "-rss_limit_mb=4096",
                   "-max_len=200000", str(corpus)], test_one)
    atheris.Fuzz()
    return 0


def run_hypothesis(h: Harness, seconds: int) -> int:
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    base = seeds()

    @st.composite
    def mutated(draw) -> bytes:
        data = bytearray(draw(st.sampled_from(base)))
        for _ in range(draw(st.integers(0, 6))):
            op = draw(st.integers(0, 4))
            pos = draw(st.integers(0, max(0, len(data) - 1)))
            if op == 0 and data:  # flip a byte
                data[pos] = draw(st.integers(0, 255))
            elif op == 1:  # insert junk
                data[pos:pos] = draw(st.binary(max_size=40))
            elif op == 2:  # truncate
                del data[pos:]
            elif op == 3:  # repeat a slice (grows inputs: many members, long lines)
                data[pos:pos] = bytes(data[pos:pos + 64]) * draw(st.integers(1, 200))
            else:  # splice another seed
                data += draw(st.sampled_from(base))
        return bytes(data)

    inputs = st.one_of(st.binary(min_size=1, max_size=4000), mutated())
    deadline = time.time() + seconds
    t0 = time.time()
    rounds = 0
    while time.time() < deadline:
        rounds += 1

        @settings(max_examples=200, deadline=None, database=None, derandomize=False,
                  suppress_health_check=list(HealthCheck))
        @given(inputs)
        def prop(data: bytes) -> None:
            if time.time() < deadline:
                h.one(data)

        prop()
    print("atheris is not installed: ran a hypothesis-driven random search of the same harness "
          "instead (pip install atheris for coverage-guided fuzzing)")
    return h.report(f"hypothesis ({rounds} rounds)", time.time() - t0)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("seconds", type=int, nargs="?", default=60)
    ap.add_argument("--hypothesis", action="store_true", help="skip atheris even if installed")
    ap.add_argument("--slow", type=float, default=5.0, help="flag inputs slower than this")
    args = ap.parse_args()
    h = Harness(args.slow)
    if not args.hypothesis:
        try:
            import atheris  # noqa: F401
        except ImportError:
            pass
        else:
            return run_atheris(h, args.seconds)
    return run_hypothesis(h, args.seconds)


if __name__ == "__main__":
    sys.exit(main())
