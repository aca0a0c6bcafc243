"""`curate clean`: the read-extract-clean steps over given files, nothing published."""

from __future__ import annotations

import sys
from dataclasses import replace
from pathlib import Path

import polars as pl

from pipeline import steps
from pipeline.hashing import hash_bytes
from pipeline.ingest import FORMATS, Doc, Reject, _display_name, _docs_frame, read_file, rejects_frame
from pipeline.settings import Settings

# The extensions `curate clean` reads (those of pipeline.ingest), each maybe gzipped: only these
# are taken off a name, so "bbc.co.uk_news_01.txt" -> "bbc.co.uk_news_01".
_READ_SUFFIXES = tuple(sorted(FORMATS))
_GZ_SUFFIXES = (".gz", ".gzip")


def output_name(source: str) -> str:
    """`a/b/page.html.gz` -> `page.txt`, `bbc.co.uk_news_01.txt` -> `bbc.co.uk_news_01.txt`; a
    record of a batch, `batch.jsonl#3` -> `batch.3.txt`. Only a read extension (and a .gz after
    it) is taken off: other dots are part of the name."""
    path, _, record = source.partition("#")
    name = Path(path).name
    stem = name
    low = stem.lower()
    if low.endswith(_GZ_SUFFIXES):
        cut = stem[:stem.rindex(".")]
        if cut.lower().endswith(_READ_SUFFIXES):
            stem, low = cut, cut.lower()
    if low.endswith(_READ_SUFFIXES):
        stem = stem[:stem.rindex(".")]
    stem = stem or name
    return f"{stem}.{record}.txt" if record else f"{stem}.txt"


def unique_names(sources: list[str]) -> dict[str, str]:
    """Output file name of each source (in the order given): `output_name`, and on a collision
    with an earlier one "-2", "-3"... before ".txt", so no output overwrites another."""
    taken: set[str] = set()
    out: dict[str, str] = {}
    for src in sources:
        name = output_name(src)
        base, n = name[: -len(".txt")], 1
        while name.lower() in taken:  # case-insensitive file systems (macOS, Windows)
            n += 1
            name = f"{base}-{n}.txt"
        taken.add(name.lower())
        out[src] = name
    return out


def _as_given(item: Doc | Reject, given: str, read_as: str) -> Doc | Reject:
    """`item` (read from the file `read_as`, symlinks resolved) under the path the user gave:
    its source names that path (outputs are named from it), and its id is made from it, so the
    same file given twice (two links to it) is two documents, not one id twice."""
    source = given + item.source[len(read_as):] if item.source.startswith(read_as) else given
    doc_id = hash_bytes(source.encode("utf-8", "surrogatepass"), item.doc_id.encode())[:24]
    return replace(item, source=source, doc_id=doc_id)


def clean_paths(paths: list[Path], out: Path | None, explain: bool = False, workers: int = 1
                ) -> int:
    docs: list[Doc] = []
    rejects: list[Reject] = []
    # The user names the files: a hard-linked one is read (the raw-folder rule is about files a
    # folder listing finds, whose other names may be anywhere).
    settings = Settings(workers=workers, raw_allow_hard_links=True)
    given: set[str] = set()
    for p in paths:
        if not p.is_file():
            print(f"error: {p}: no such file", file=sys.stderr)
            return 2
        if str(p) in given:  # the same path twice: one document
            continue
        given.add(str(p))
        real = p.resolve()  # read through a link the user gave on purpose
        for item in read_file(real, real.parent, settings):
            item = _as_given(item, _display_name(str(p)), _display_name(real.name))
            (docs if isinstance(item, Doc) else rejects).append(item)
    raw = steps.RawStep(_docs_frame(docs), pl.DataFrame(), rejects_frame(rejects), "", {})
    ex = steps.extract(raw, settings)
    cl = steps.clean(ex)
    bad = pl.concat([raw.rejected, ex.rejected, cl.rejected])
    for src, reason, detail in bad.select("source", "reason", "detail").iter_rows():
        print(f"rejected {src}: {reason} ({detail})", file=sys.stderr)
    if out:
        out.mkdir(parents=True, exist_ok=True)
    removed = cl.removed_lines
    if explain:  # a page the cleaning emptied: which rules took its lines
        for src, doc_id in cl.rejected.sort("source").select("source", "doc_id").iter_rows():
            _explain_removed(src, removed.filter(pl.col("doc_id") == doc_id))
    kept = cl.documents.sort("source")
    names = unique_names(kept["source"].to_list())
    for row in kept.iter_rows(named=True):
        name = names[row["source"]]
        if out:
            (out / name).write_text(row["text"] + "\n", encoding="utf-8")
            note = "" if name == output_name(row["source"]) else \
                f"  ({output_name(row['source'])} is another input's)"
            print(f"{row['source']} -> {out / name}{note}")
        else:
            print(f"=== {row['source']}")
            print(row["text"])
        meta = {k: row[k] for k in ("title", "published", "site", "language") if row[k]}
        if explain:
            print(f"--- {row['source']}: metadata {meta}")
            _explain_removed(row["source"], removed.filter(pl.col("doc_id") == row["doc_id"]))
    return 1 if bad.height and cl.documents.is_empty() else 0


def _explain_removed(source: str, lines: pl.DataFrame) -> None:
    lines = lines.sort("line_no")
    print(f"--- {source}: {lines.height} lines removed")
    for ln, text, cat, rule in lines.select("line_no", "text", "category", "rule").iter_rows():
        print(f"  {ln:>4}  [{cat}/{rule}]  {text[:120]}")
