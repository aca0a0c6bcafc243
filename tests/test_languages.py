"""Languages and encodings are not lost (issue 22, finding 10): Chinese and Japanese articles are
measured in words fairly, UTF-8 with a few bad bytes stays UTF-8, UTF-16 without a BOM is read,
and a JSONL line in the file's legacy encoding is read."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl

from pipeline.cli import main as curate
from pipeline.decode import decode
from pipeline.ingest import read_file
from pipeline.settings import Settings

FRENCH = "Le président a annoncé une réforme économique très attendue à Paris ce mardi.\n" * 12
CHINESE = "\n".join([
    "北京市政府周二宣布，将在今年年底前完成全市公共交通系统的全面升级改造工作。",
    "据介绍，此次升级将覆盖地铁、公交和出租车等多个领域，预计投资总额超过一百亿元。",
    "市交通委员会负责人表示，新系统将大幅提高市民出行效率，减少交通拥堵现象。",
    "专家认为，这一举措将对城市可持续发展产生深远影响，并为其他城市提供借鉴。",
    "部分市民对此表示欢迎，但也有人担心施工期间可能带来的不便。",
]) + "\n"
JAPANESE = "\n".join([
    "東京都は火曜日、来年度から都内の公立図書館の開館時間を延長すると発表した。",
    "平日は午後九時まで開館し、学生や働く人々がより利用しやすくなるという。",
    "都の担当者は、利用者からの要望が多かったことが今回の決定の理由だと説明した。",
    "一方で、職員の確保が課題となっており、都は新たに百人以上を採用する方針だ。",
]) + "\n"


def test_utf8_with_a_few_bad_bytes_stays_utf8() -> None:
    data = FRENCH.encode("utf-8")
    data = data[:100] + b"\xff" + data[100:400] + b"\xfe" + data[400:]
    text, encoding = decode(data)
    assert encoding == "utf-8"
    assert "président" in text and "réforme" in text  # not mojibake
    assert text.count("\ufffd") == 2


def test_a_legacy_code_page_is_still_read_as_itself() -> None:
    text, encoding = decode(FRENCH.encode("cp1252"))
    assert encoding == "cp1252" and "président" in text


def test_utf16_without_a_bom() -> None:
    for enc in ("utf-16-le", "utf-16-be"):
        text, got = decode(FRENCH.encode(enc))
        assert got == enc and text == FRENCH


def test_a_jsonl_line_in_latin1_is_read(tmp_path: Path) -> None:
    lines = [json.dumps({"url": "https://example.org/a", "text": FRENCH}, ensure_ascii=False)
             .encode("latin-1"),
             json.dumps({"url": "https://example.org/b", "text": "Une autre dépêche."},
                        ensure_ascii=False).encode("latin-1")]
    f = tmp_path / "batch.jsonl"
    f.write_bytes(b"\n".join(lines) + b"\n")
    got = list(read_file(f, tmp_path, Settings(raw_dir=tmp_path, curated_dir=tmp_path / "c")))
    assert [type(x).__name__ for x in got] == ["Doc", "Doc"], got
    assert "président" in got[0].body


def test_chinese_and_japanese_articles_are_published(raw_dir: Path, tmp_path: Path) -> None:
    (raw_dir / "zh.txt").write_text(CHINESE)
    (raw_dir / "ja.txt").write_text(JAPANESE)
    cur = tmp_path / "curated"
    assert curate(["run", "--raw-dir", str(raw_dir), "--curated-dir", str(cur),
                   "--workers", "1"]) == 0
    art = pl.read_parquet(cur / "latest" / "articles.parquet").sort("source")
    assert art["source"].to_list() == ["ja.txt", "zh.txt"]
    assert art["language"].to_list() == ["ja", "zh"]
    # A word per character of a script written without spaces: about as many as characters.
    for n_words, text in art.select("n_words", "text").iter_rows():
        assert n_words >= 0.7 * len(text.replace("\n", ""))
