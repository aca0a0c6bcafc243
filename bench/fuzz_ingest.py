"""Fuzz the ingest side (read_file, decode, gunzip, the HTML pre-screen) for N seconds.

    uv run --frozen python bench/fuzz_ingest.py 60            # atheris if installed, else hypothesis
    uv run --frozen python bench/fuzz_ingest.py 60 --hypothesis
    uv run --frozen python bench/fuzz_ingest.py 3600 --hypothesis --inputs 100000

Each input's first byte picks a file type (.txt .html .jsonl .warc, optionally .gz); the rest is
the file. Invariants checked per input: read_file never raises and yields Doc/Reject rows with a
reason, valid UTF-8 strings, and frames Polars accepts; every reject reason is in the catalogue
(pipeline.reasons); every input leaves at least one row (accounted for: the closing line counts
inputs by outcome and checks the counts add up); decode raises only Unreadable; gunzip raises
only Unreadable and never returns more than its limit; no input takes longer than --slow
seconds. Prints the number of inputs tried and every failure (inputs saved under
bench/out/fuzz/). atheris is not a project dependency: without it, a hypothesis-driven random
run of the same harness is used, and the script says so.

Generators (hypothesis): random bytes, mutations of realistic seeds, nested compression (gzip in
gzip, zlib in gzip, gzip payloads inside WARC records, mixed members) and WARC header shapes
(long and many header lines, lying or missing Content-Length, chunked transfer encoding,
Content-Encoding, odd version lines, bare LF, non-ASCII header bytes).
"""

from __future__ import annotations

import argparse
import contextlib
import gzip
import hashlib
import json
import os
import sys
import tempfile
import time
import traceback
import zlib
from collections import Counter
from io import BytesIO
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from pipeline.decode import Unreadable, decode, gunzip  # noqa: E402
from pipeline.html.extract import hostile_html  # noqa: E402
from pipeline.ingest import Doc, Reject, _docs_frame, read_file, rejects_frame  # noqa: E402
from pipeline.reasons import REASONS  # noqa: E402
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
        self.outcomes: Counter[str] = Counter()  # per input: "documents" or its first reason
        self.rows: Counter[str] = Counter()  # per row: "document" or the reject reason
        self.slowest = 0.0

    def one(self, data: bytes) -> None:
        self.n += 1
        t = time.perf_counter()
        try:
            # warcio writes a warning per bad record to stderr: kept out of the fuzz log.
            with open(os.devnull, "w") as null, contextlib.redirect_stderr(null):
                outcome = self._check(data)
        except Exception:  # noqa: BLE001 - a fuzz failure: recorded, the run goes on
            self._fail(traceback.format_exc(limit=6), data)
            self.outcomes["FAILED"] += 1
            return
        self.outcomes[outcome] += 1
        dt = time.perf_counter() - t
        self.slowest = max(self.slowest, dt)
        if dt > self.slow_s:
            self._fail(f"slow input: {dt:.2f} s > {self.slow_s} s", data)

    def _check(self, data: bytes) -> str:
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
                assert it.reason in REASONS and REASONS[it.reason].stage == it.stage, it
                self.rows[it.reason] += 1
            else:
                self.rows["document"] += 1
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
        return "documents" if docs else f"rejected:{rejects[0].reason}"

    def _fail(self, why: str, data: bytes) -> None:
        OUT.mkdir(parents=True, exist_ok=True)
        name = OUT / f"crash-{hashlib.sha1(data).hexdigest()[:12]}.bin"
        name.write_bytes(data)
        self.failures.append((why, data))
        print(f"FAILURE #{len(self.failures)} ({len(data)} bytes, saved {name}):\n{why}",
              flush=True)

    def report(self, engine: str, seconds: float) -> int:
        accounted = sum(self.outcomes.values())
        print(f"{engine}: {self.n} inputs in {seconds:.0f} s, {len(self.failures)} failures, "
              f"slowest input {self.slowest:.2f} s")
        print(f"accounted for: {accounted} of {self.n} inputs (each left at least one row): "
              + ", ".join(f"{k} {v}" for k, v in self.outcomes.most_common(12)))
        print("rows: " + ", ".join(f"{k} {v}" for k, v in self.rows.most_common()))
        ok = not self.failures and accounted == self.n
        return 0 if ok else 1


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
           bytes([4]) + gzip.compress(b"") * 50,
           # nested compression: gzip in gzip (a .warc.gz inflated twice was 6.3 GB)
           bytes([7]) + gzip.compress(gzip.compress(warc)),
           bytes([7]) + gzip.compress(gzip.compress(b"WARC/1.0\r\nX: " + b"a" * 200_000)),
           bytes([3]) + gzip.compress(warc) + warc,
           # WARC header shapes: a long line, many lines, chunked, a gzip payload
           bytes([3]) + warc_record(b"X-Long: " + b"a" * 100_000 + b"\r\n", page.encode()),
           bytes([3]) + warc_record(b"X-A: b\r\n" * 5000, page.encode()),
           bytes([3]) + warc_record(b"", b"5\r\nhello\r\n0\r\n\r\n",
                                    http=b"Transfer-Encoding: chunked\r\n"),
           bytes([3]) + warc_record(b"", gzip.compress(page.encode()),
                                    http=b"Content-Encoding: gzip\r\n")]
    return out


def warc_record(extra_warc: bytes, payload: bytes, http: bytes = b"",
                length: int | None = None, version: bytes = b"WARC/1.0",
                eol: bytes = b"\r\n") -> bytes:
    """One WARC response record built by hand (warcio's writer refuses the odd shapes)."""
    block = (b"HTTP/1.1 200 OK" + eol + b"Content-Type: text/html" + eol + http.replace(
        b"\r\n", eol) + eol + payload)
    n = len(block) if length is None else length
    head = (version + eol + b"WARC-Type: response" + eol + b"WARC-Target-URI: http://x.test/"
            + eol + b"WARC-Date: 2024-01-01T00:00:00Z" + eol + extra_warc.replace(b"\r\n", eol)
            + b"Content-Length: " + str(n).encode() + eol + eol)
    return head + block + eol + eol


def nested(data: bytes, layers: list[str]) -> bytes:
    """`data` compressed by each layer in turn: gzip, zlib, raw deflate, or a gzip member
    followed by plain bytes."""
    for layer in layers:
        if layer == "gzip":
            data = gzip.compress(data, 6)
        elif layer == "zlib":
            data = zlib.compress(data)
        elif layer == "deflate":
            c = zlib.compressobj(6, zlib.DEFLATED, -15)
            data = c.compress(data) + c.flush()
        else:  # a member, then the same bytes uncompressed
            data = gzip.compress(data) + data
    return data


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


def run_hypothesis(h: Harness, seconds: int, max_inputs: int = 0) -> int:
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

    page = (b"<html><head><title>T</title></head><body><article><p>The council voted on "
            b"Tuesday; the budget was approved after a long debate.</p></article></body></html>")
    lines = st.sampled_from([
        b"X-A: b\r\n", b"X-Long: " + b"a" * 70_000 + b"\r\n", b"\r\n", b"no colon\r\n",
        b"WARC-Type: resource\r\n", b"Content-Length: -5\r\n", b"Content-Length: 999999999\r\n",
        b"X-\xff\xfe: \x80\r\n", b"X-Bare: lf\n", b" continuation\r\n"])

    @st.composite
    def warc_shapes(draw) -> bytes:
        records = []
        for _ in range(draw(st.integers(1, 3))):
            extra = b"".join(draw(st.lists(lines, max_size=4)))
            extra += b"X-Many: 1\r\n" * draw(st.sampled_from([0, 0, 0, 0, 10, 3000, 90_000]))
            http = draw(st.sampled_from([b"", b"Transfer-Encoding: chunked\r\n",
                                         b"Content-Encoding: gzip\r\n",
                                         b"Content-Encoding: deflate\r\n",
                                         b"Content-Encoding: br\r\n"]))
            payload = page
            if b"chunked" in http:
                size = draw(st.sampled_from([b"5", b"ffffffff", b"-1", b"x" * 100, b"0"]))
                payload = size + b"\r\n" + page[:5] + b"\r\n0\r\n\r\n"
            elif b"gzip" in http:
                payload = nested(page * draw(st.integers(1, 300)), ["gzip"] * draw(
                    st.integers(1, 2)))
            elif b"deflate" in http:
                payload = nested(page, ["deflate"])
            length = draw(st.sampled_from([None, None, 0, 3, 10**9]))
            version = draw(st.sampled_from([b"WARC/1.0", b"WARC/1.1", b"WARC/0.9", b"HTTP/1.0",
                                            b"WARC/1.0" + b" " * 70_000]))
            eol = draw(st.sampled_from([b"\r\n", b"\n"]))
            records.append(warc_record(extra, payload, http, length, version, eol))
        data = b"".join(records)
        gz = draw(st.booleans())
        if gz:
            data = b"".join(gzip.compress(r) for r in records) if draw(st.booleans()) \
                else gzip.compress(data)
        return bytes([7 if gz else 3]) + data

    @st.composite
    def nested_shapes(draw) -> bytes:
        inner = draw(st.sampled_from([page, b"WARC/1.0\r\nX: " + b"a" * 300_000,
                                      b'{"text": "' + b"word " * 500 + b'"}\n',
                                      b"plain text " * 1000, base[3][1:]]))
        layers = draw(st.lists(st.sampled_from(["gzip", "gzip", "zlib", "deflate", "member"]),
                               min_size=1, max_size=4))
        return bytes([draw(st.integers(0, 7))]) + nested(inner, layers)

    inputs = st.one_of(st.binary(min_size=1, max_size=4000), mutated(), warc_shapes(),
                       nested_shapes())
    deadline = time.time() + seconds
    t0 = time.time()
    rounds = 0
    def more() -> bool:
        return time.time() < deadline and not (max_inputs and h.n >= max_inputs)

    while more():
        rounds += 1

        @settings(max_examples=200, deadline=None, database=None, derandomize=False,
                  suppress_health_check=list(HealthCheck))
        @given(inputs)
        def prop(data: bytes) -> None:
            if more():
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
    ap.add_argument("--inputs", type=int, default=0,
                    help="stop after this many inputs (hypothesis; 0: run for `seconds`)")
    args = ap.parse_args()
    h = Harness(args.slow)
    if not args.hypothesis:
        try:
            import atheris  # noqa: F401
        except ImportError:
            pass
        else:
            return run_atheris(h, args.seconds)
    return run_hypothesis(h, args.seconds, args.inputs)


if __name__ == "__main__":
    sys.exit(main())
