"""Every input format is read with provenance; every kind of unreadable input is a reject."""

from __future__ import annotations

import gzip
import json
from io import BytesIO
from pathlib import Path

import pytest

from pipeline.ingest import format_of, ingest
from pipeline.settings import Settings

HTML = "<html><head><title>T</title></head><body><article><p>{}</p></article></body></html>"
BODY = "The council voted on Tuesday to approve the new budget for the coming year."


def run(raw: Path, **kw):
    return ingest(raw, Settings(raw_dir=raw, workers=1, **kw))


def warc_bytes(records: list[tuple[str, bytes, str]], gz: bool = True) -> bytes:
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    buf = BytesIO()
    w = WARCWriter(buf, gzip=gz)
    for url, payload, ctype in records:
        http = StatusAndHeaders("200 OK", [("Content-Type", ctype)], protocol="HTTP/1.1")
        w.write_record(w.create_warc_record(url, "response", payload=BytesIO(payload),
                                            http_headers=http))
    return buf.getvalue()


def test_every_format(raw_dir: Path):
    (raw_dir / "a.txt").write_text(BODY)
    (raw_dir / "b.html").write_text(HTML.format(BODY))
    (raw_dir / "c.htm.gz").write_bytes(gzip.compress(HTML.format(BODY + " Again.").encode()))
    (raw_dir / "sub").mkdir()
    (raw_dir / "sub" / "d.txt.gz").write_bytes(gzip.compress(b"Second text. " + BODY.encode()))
    lines = [json.dumps({"url": "https://x.test/1", "text": BODY + " 1",
                         "fetched_at": "2025-01-01T00:00:00Z"}),
             json.dumps({"html": HTML.format(BODY + " 2")})]
    (raw_dir / "e.jsonl").write_text("\n".join(lines) + "\n")
    (raw_dir / "f.jsonl.gz").write_bytes(gzip.compress((lines[0] + "\n").encode()))
    (raw_dir / "g.warc.gz").write_bytes(warc_bytes(
        [("https://w.test/a", HTML.format(BODY).encode(), "text/html; charset=utf-8"),
         ("https://w.test/b", HTML.format(BODY + "!").encode(), "text/html")]))
    (raw_dir / "h.warc").write_bytes(warc_bytes(
        [("https://w.test/c", HTML.format(BODY + "?").encode(), "text/html")], gz=False))
    got = run(raw_dir)
    assert got.rejected.is_empty(), got.rejected
    docs = got.documents
    assert docs.height == 10
    by = dict(zip(docs["source"], docs["kind"], strict=True))
    assert by["a.txt"] == "text" and by["b.html"] == "html" and by["c.htm.gz"] == "html"
    assert by["sub/d.txt.gz"] == "text"
    assert by["e.jsonl#0"] == "text" and by["e.jsonl#1"] == "html"
    assert {"g.warc.gz#0", "g.warc.gz#1", "h.warc#0"} <= set(by)
    urls = dict(zip(docs["source"], docs["url"], strict=True))
    assert urls["e.jsonl#0"] == "https://x.test/1" and urls["g.warc.gz#1"] == "https://w.test/b"
    assert docs["doc_id"].n_unique() == docs.height
    # The same record in a plain and a gzipped batch: different documents, same payload hash.
    h = dict(zip(docs["source"], docs["raw_hash"], strict=True))
    assert h["e.jsonl#0"] == h["f.jsonl.gz#0"]


def test_ids_are_stable_and_order_free(raw_dir: Path):
    for i in range(5):
        (raw_dir / f"{i}.txt").write_text(f"{BODY} {i}")
    a = run(raw_dir).documents
    b = run(raw_dir).documents
    assert a.equals(b)


@pytest.mark.parametrize(
    "name,data,reason",
    [
        ("empty.txt", b"", "empty"),
        ("blank.txt", b"  \n\t\n ", "empty"),
        ("image.txt", bytes(range(256)) * 40, "binary"),
        ("pic.png", b"\x89PNG\r\n\x1a\n" + b"\0" * 100, "unsupported_format"),
        ("cut.txt.gz", gzip.compress(BODY.encode() * 50)[:-30], "gzip_truncated"),
        ("junk.html.gz", b"\x1f\x8b\x08\x00garbage-not-deflate", "gzip_corrupt"),
        ("bad.warc", b"this is not a warc file at all\n", "warc_corrupt"),
    ],
)
def test_unreadable_file_is_rejected_with_reason(raw_dir: Path, name, data, reason):
    (raw_dir / "good.txt").write_text(BODY)
    (raw_dir / name).write_bytes(data)
    got = run(raw_dir)
    assert got.documents["source"].to_list() == ["good.txt"]
    rej = got.rejected.filter(got.rejected["source"].str.starts_with(name))
    assert rej.height == 1 and rej["reason"][0] == reason, rej


def test_gzip_bomb_is_capped(raw_dir: Path):
    bomb = gzip.compress(b"\0" * (20 * 1024 * 1024))  # ~20 KB that inflates to 20 MB
    (raw_dir / "bomb.txt.gz").write_bytes(bomb)
    got = run(raw_dir, max_file_bytes=4 * 1024 * 1024)
    assert got.rejected["reason"].to_list() == ["too_large"]


def test_jsonl_bad_lines_do_not_stop_the_batch(raw_dir: Path):
    lines = [json.dumps({"text": BODY}), "{not json", json.dumps([1, 2]),
             json.dumps({"url": "u", "text": ""}), json.dumps({"text": BODY + " two"}),
             '{"text": "cut off mid rec']
    (raw_dir / "batch.jsonl").write_text("\n".join(lines))
    got = run(raw_dir)
    assert got.documents["source"].to_list() == ["batch.jsonl#0", "batch.jsonl#4"]
    reasons = dict(zip(got.rejected["source"], got.rejected["reason"], strict=True))
    assert reasons == {"batch.jsonl#1": "json_malformed", "batch.jsonl#2": "json_malformed",
                       "batch.jsonl#3": "no_body", "batch.jsonl#5": "json_malformed"}


def test_truncated_warc(raw_dir: Path):
    data = warc_bytes([("https://w.test/a", HTML.format(BODY).encode(), "text/html"),
                       ("https://w.test/b", HTML.format(BODY * 40).encode(), "text/html")],
                      gz=False)
    (raw_dir / "cut.warc").write_bytes(data[: len(data) - 700])
    got = run(raw_dir)
    assert got.documents["source"].to_list() == ["cut.warc#0"]
    assert got.rejected["reason"].to_list() in (["warc_truncated"], ["warc_corrupt"])


def test_non_html_warc_response_rejected(raw_dir: Path):
    (raw_dir / "img.warc.gz").write_bytes(warc_bytes([("https://w.test/i.png", b"\x89PNG" * 10,
                                                       "image/png")]))
    got = run(raw_dir)
    assert got.rejected["reason"].to_list() == ["unsupported_format"]


@pytest.mark.parametrize("encoding", ["cp1252", "latin-1", "utf-16", "shift_jis", "koi8-r"])
def test_encodings(raw_dir: Path, encoding: str):
    text = {"shift_jis": "東京で新しい予算が承認されました。市議会は火曜日に投票しました。" * 5,
            "koi8-r": "Городской совет во вторник утвердил новый бюджет на следующий год. " * 5,
            "latin-1": "Café owners said the naïve rules cost £5 more « déjà vu ». " * 5,
            }.get(encoding, "Café owners said the naïve rules cost €5 more — a “déjà vu”. " * 5)
    (raw_dir / "x.txt").write_bytes(text.encode(encoding))
    got = run(raw_dir)
    assert got.rejected.is_empty(), got.rejected
    assert got.documents["body"][0].strip() == text.strip()


def test_html_declared_charset(raw_dir: Path):
    page = ('<html><head><meta charset="windows-1252"></head><body><p>'
            + "Prices rose 5 € — “sharply” said the café. " * 20 + "</p></body></html>")
    (raw_dir / "p.html").write_bytes(page.encode("cp1252"))
    got = run(raw_dir)
    assert "“sharply”" in got.documents["body"][0]


def test_dotfiles_skipped_and_format_names():
    assert format_of(Path("a.WARC.GZ")) == ("warc", True)
    assert format_of(Path("a.txt")) == ("txt", False)
    assert format_of(Path("README")) == (None, False)


def test_oversized_file_rejected(raw_dir: Path):
    (raw_dir / "big.txt").write_text("word " * 5000)
    got = run(raw_dir, max_file_bytes=1000)
    assert got.rejected["reason"].to_list() == ["too_large"]
