"""Containment: nothing read from a document (URL, file name, metadata) makes the pipeline write
outside its curated folder or touch the network. URLs such as file:///etc/passwd or
http://127.0.0.1 are recorded as strings, never fetched; trafilatura never downloads."""

from __future__ import annotations

import json
import os
import socket
from io import BytesIO
from pathlib import Path

import pytest

from pipeline.html.extract import extract_task
from pipeline.ingest import ingest
from pipeline.settings import Settings

BODY = ("The council voted on Tuesday to approve the new budget for the coming year, after a "
        "long debate about schools, roads and the harbour. ")
HOSTILE_URLS = ["file:///etc/passwd", "http://127.0.0.1:1/admin", "http://[::1]:9/",
                "https://169.254.169.254/latest/meta-data/", "../../../../etc/passwd",
                "/etc/passwd", "ftp://127.0.0.1/x", "gopher://127.0.0.1:25/_HELO"]
PASSWD_MARK = "root:x:0:0"


@pytest.fixture
def no_network(monkeypatch):
    """Every way out (connect, DNS) recorded and refused."""
    attempts: list[str] = []

    def refuse(what):
        def f(*args, **kwargs):
            attempts.append(f"{what}{args[1:] if what.startswith('socket.') else args}")
            raise OSError(f"network blocked by test: {what}")
        return f

    monkeypatch.setattr(socket.socket, "connect", refuse("socket.connect"))
    monkeypatch.setattr(socket.socket, "connect_ex", refuse("socket.connect_ex"))
    monkeypatch.setattr(socket.socket, "sendto", refuse("socket.sendto"))
    monkeypatch.setattr(socket, "create_connection", refuse("create_connection"))
    monkeypatch.setattr(socket, "getaddrinfo", refuse("getaddrinfo"))
    monkeypatch.setattr(socket, "gethostbyname", refuse("gethostbyname"))
    return attempts


def page(n: int, extra: str = "") -> str:
    return (f"<html><head><title>Budget {n}</title>{extra}</head><body><article>"
            f"<h1>Budget {n}</h1><p>{BODY}</p><p>{BODY} Part {n}.</p></article></body></html>")


LURES = (
    '<base href="http://127.0.0.1:1/"><link rel="stylesheet" href="http://127.0.0.1:1/s.css">'
    '<meta http-equiv="refresh" content="0; url=http://127.0.0.1:1/">'
    '<link rel="canonical" href="file:///etc/passwd"><meta property="og:url" '
    'content="http://169.254.169.254/"><script src="http://127.0.0.1:1/x.js"></script>'
    '<iframe src="file:///etc/passwd"></iframe><img src="http://127.0.0.1:1/i.png">'
    '<object data="file:///etc/passwd"></object>'
)


def test_network_guard_works(no_network):
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", 9))
    with pytest.raises(OSError), socket.socket() as s:
        s.connect(("127.0.0.1", 9))
    assert len(no_network) == 2


@pytest.mark.parametrize("url", [None, *HOSTILE_URLS])
def test_extraction_never_touches_the_network(no_network, url):
    got = extract_task(("d", page(1, LURES), url, 10.0))
    assert got["error"] is None, got
    assert no_network == []
    assert PASSWD_MARK not in got["text"]


def test_external_entities_are_not_resolved(no_network):
    html = ("<?xml version='1.0'?><!DOCTYPE html [<!ENTITY e SYSTEM 'file:///etc/passwd'>"
            "<!ENTITY n SYSTEM 'http://127.0.0.1:1/x'>]>" + page(2).replace(
                "<p>", "<p>&e; &n; ", 1))
    got = extract_task(("d", html, None, 10.0))
    assert no_network == []
    assert PASSWD_MARK not in (got.get("text") or "")


def test_urls_in_records_are_only_strings(raw_dir: Path, no_network):
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    (raw_dir / "a.jsonl").write_text("\n".join(
        json.dumps({"url": u, "html": page(i, LURES), "fetched_at": u})
        for i, u in enumerate(HOSTILE_URLS)) + "\n")
    buf = BytesIO()
    w = WARCWriter(buf, gzip=True)
    for i, u in enumerate(HOSTILE_URLS):
        http = StatusAndHeaders("200 OK", [("Content-Type", "text/html"),
                                           ("Location", u), ("Link", f"<{u}>; rel=canonical")],
                                protocol="HTTP/1.1")
        w.write_record(w.create_warc_record(u, "response", payload=BytesIO(page(i).encode()),
                                            http_headers=http))
    (raw_dir / "b.warc.gz").write_bytes(buf.getvalue())
    got = ingest(raw_dir, Settings(raw_dir=raw_dir, workers=1))
    assert got.rejected.is_empty(), got.rejected
    urls = got.documents.sort("source")["url"].to_list()
    assert sorted(urls) == sorted(HOSTILE_URLS * 2)
    assert not any(PASSWD_MARK in b for b in got.documents["body"])
    assert no_network == []


def _tree(root: Path) -> dict[str, tuple[int, int]]:
    out = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            p = Path(dirpath) / name
            st = p.lstat()
            out[str(p.relative_to(root))] = (st.st_size, st.st_mtime_ns)
    return out


def test_full_run_stays_in_its_folders_and_offline(sample_raw: Path, tmp_path: Path,
                                                   monkeypatch, no_network, capsys):
    """A run over documents whose names, URLs and metadata point elsewhere writes only under the
    curated folder (and Dagster's home), reads only the raw folder, connects nowhere — also with
    the telemetry opt-outs of the test environment removed, as a user would run it."""
    from pipeline import store
    from pipeline.cli import main as curate
    from pipeline.reader import load_table

    monkeypatch.delenv("GX_ANALYTICS_ENABLED", raising=False)
    hostile = sample_raw / "hostile"
    hostile.mkdir()
    names = ["..%2f..%2fescape.txt", "-o ..", "$(touch pwned).txt", "`id`.html",
             "file:etc:passwd.txt", "~root.txt", "a\nb.jsonl"]
    for i, name in enumerate(names):
        (hostile / name).write_text(
            json.dumps({"url": HOSTILE_URLS[i % len(HOSTILE_URLS)], "html": page(10 + i, LURES),
                        "fetched_at": "../../x"}) + "\n" if name.endswith(".jsonl")
            else page(10 + i, LURES) if name.endswith(".html")
            else f"{BODY} Story {i} about {name}. " * 3)
    (hostile / "urls.jsonl").write_text("\n".join(
        json.dumps({"url": u, "text": f"{BODY} Item {i}. " * 2,
                    "title": "../../../../tmp/pwned", "site": "/etc"})
        for i, u in enumerate(HOSTILE_URLS)) + "\n")
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "keep.txt").write_text("untouched")
    work = tmp_path / "cwd"
    work.mkdir()
    monkeypatch.chdir(work)
    cur = tmp_path / "curated"
    before_raw, before_out = _tree(sample_raw), _tree(outside)
    home = Path(os.environ["DAGSTER_HOME"])
    allowed = {cur, home}

    code = curate(["run", "--raw-dir", str(sample_raw), "--curated-dir", str(cur),
                   "--workers", "1"])
    out = capsys.readouterr()
    assert code == 0, out.out + out.err[-3000:]
    assert no_network == [], no_network
    assert _tree(sample_raw) == before_raw  # the raw folder is only read
    assert _tree(outside) == before_out
    assert list(work.iterdir()) == []  # nothing in the working directory
    new_top = {p for p in tmp_path.iterdir()} - {sample_raw, outside, work}
    assert new_top <= allowed, new_top
    for p in cur.rglob("*"):  # nothing under curated links out of it
        if p.is_symlink():
            assert (p.parent / os.readlink(p)).resolve().is_relative_to(cur.resolve())
    assert not list(Path("/tmp").glob("pwned*")) and not (Path("/") / "pwned").exists()
    art = load_table("articles", "latest", cur)
    rej = load_table("rejected", "latest", cur)
    m = store.read_manifest(cur)
    assert m["raw_documents"] == int(art["n_copies"].sum()) + rej.height
