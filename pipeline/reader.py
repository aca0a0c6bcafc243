"""Read a published version: `load_articles()` for the latest, or any version by number.

Downstream teams need no part of this package: every version is a folder of Parquet files,
`<curated>/latest/articles.parquet` always names the latest, e.g.
`pl.read_parquet("data/curated/latest/articles.parquet")`,
`pd.read_parquet(...)`, `pyarrow.parquet.read_table(...)`,
`duckdb.sql("select * from 'data/curated/versions/v000001/articles.parquet'")`.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from pipeline import store
from pipeline.settings import Settings


def table_path(table: str, version: int | str = "latest", curated_dir: Path | None = None
               ) -> Path:
    curated = Path(curated_dir) if curated_dir else Settings().curated_dir
    v = store.resolve(curated, version)
    return store.version_path(curated, v) / f"{table}.parquet"


def load_table(table: str, version: int | str = "latest", curated_dir: Path | None = None
               ) -> pl.DataFrame:
    return pl.read_parquet(table_path(table, version, curated_dir))


def load_articles(version: int | str = "latest", curated_dir: Path | None = None) -> pl.DataFrame:
    """The articles of a version ("latest" or a number) as a Polars frame."""
    return load_table("articles", version, curated_dir)


def versions(curated_dir: Path | None = None) -> list[dict]:
    """One dict per version: number, created time, row counts per table, latest flag."""
    curated = Path(curated_dir) if curated_dir else Settings().curated_dir
    latest = store.latest_version(curated)
    out = []
    for v in store.list_versions(curated):
        m = store.read_manifest(curated, v)
        out.append({
            "version": v,
            "created_at": m.get("created_at"),
            "rows": {t: i["rows"] for t, i in m.get("tables", {}).items()},
            "latest": v == latest,
            "path": str(store.version_path(curated, v)),
        })
    return out
