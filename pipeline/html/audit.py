"""The audit of the HTML cut: every line of a page's rendered text that is not in the clean text,
with the stage that removed it (issue 17).

trafilatura removes most of a page before the boilerplate engine sees it, and the engine's
`removed` frame only lists what the engine removed from trafilatura's text. `cut_audit` renders the
page as the fallbacks do (`render.render_lines`: one block a line) and accounts for each line:

- kept: its text (whitespace collapsed) lies in the clean text;
- stage "engine": the engine removed it (its category and rule from the engine's audit);
- stage "trafilatura": trafilatura left it out. Its category and rule are the catalogue's where a
  rule names one (the engine's rules run over the dropped lines as one text, kind "html": rules
  only, no article block), else category "off_article", rule "trafilatura".

So rendered lines = kept lines + removed lines, by normalised text. It costs a second parse and
one engine call a page (~5-50 ms): it is for explaining a page (`--explain`), not for every page
of a run; the clean step's audit keeps only the engine's removals.
"""

from __future__ import annotations

import polars as pl

from pipeline.html.render import parse, render_lines

AUDIT_SCHEMA = {"line_no": pl.UInt32, "text": pl.String, "stage": pl.String,
                "category": pl.String, "rule": pl.String}


def _norm(text: str) -> str:
    return " ".join(text.split())


def cut_audit(html: str, clean_text: str, engine_removed: pl.DataFrame | None = None,
              *, name_rules: bool = True) -> pl.DataFrame:
    """Lines of `html`'s rendering missing from `clean_text` (the document's final text), one row
    each: line_no (1-based, in the rendering), text, stage ("trafilatura" | "engine"), category,
    rule. `engine_removed` is the engine's audit for the document (columns text, category,
    rule), when there is one."""
    tree = parse(html)
    lines = render_lines(tree) if tree is not None else []
    kept = "\n".join(_norm(line) for line in clean_text.split("\n") if line.strip())
    by_engine: dict[str, tuple[str | None, str | None]] = {}
    if engine_removed is not None and engine_removed.height:
        for text, cat, rule in engine_removed.select("text", "category", "rule").iter_rows():
            by_engine.setdefault(_norm(text), (cat, rule))
    rows: list[tuple[int, str, str, str | None, str | None]] = []
    dropped: list[int] = []  # indexes into rows of the lines trafilatura left out
    for no, line in enumerate(lines, start=1):
        key = _norm(line)
        if key in kept:
            continue
        if key in by_engine:
            cat, rule = by_engine[key]
            rows.append((no, line, "engine", cat, rule))
        else:
            dropped.append(len(rows))
            rows.append((no, line, "trafilatura", "off_article", "trafilatura"))
    if name_rules and dropped:
        _name_dropped(rows, dropped)
    return pl.DataFrame(rows, schema=AUDIT_SCHEMA, orient="row")


def _name_dropped(rows: list[tuple], dropped: list[int]) -> None:
    """Where a catalogue rule hits a line trafilatura left out, record its category and rule."""
    from pipeline.boilerplate.engine import clean_text

    res = clean_text("\n".join(rows[i][1] for i in dropped), kind="html")
    for line_no, cat, rule in res.removed.select("line_no", "category", "rule").iter_rows():
        i = dropped[line_no - 1]
        no, text, stage, _, _ = rows[i]
        rows[i] = (no, text, stage, cat, f"trafilatura+{rule}")
