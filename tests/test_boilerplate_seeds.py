"""The five seed scrapes: every gold body line kept, every boilerplate line removed, metadata."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from pipeline.boilerplate import clean_text

REPO = Path(__file__).resolve().parents[1]
# The shared seeds beside the repo; else the copy bundled in the repo's sample data.
_DIRS = [REPO.parent / "shared" / "seeds", REPO / "data" / "raw" / "seeds"]
SEEDS = next((d for d in _DIRS if (d / "000_30e18ee41d0bfa37.txt").is_file()), _DIRS[0])
GOLD = next(
    (g for g in [SEEDS / "gold.json", REPO / "tests" / "data" / "seeds_gold.json"] if g.is_file()),
    SEEDS / "gold.json",
)

pytestmark = pytest.mark.skipif(not GOLD.is_file(), reason="shared/seeds not present")


def _gold() -> dict[str, dict]:
    return json.loads(GOLD.read_text()) if GOLD.is_file() else {}


@pytest.mark.parametrize("name", sorted(_gold()))
def test_seed(name: str) -> None:
    gold = _gold()[name]
    res = clean_text((SEEDS / name).read_text(encoding="utf-8"))
    doc = res.documents.row(0, named=True)
    kept = [line.strip() for line in doc["text"].split("\n\n")]
    removed = set(res.removed["text"].to_list())

    missing = [line.strip() for line in gold["body_lines"] if line.strip() not in kept]
    assert not missing, f"body lines dropped: {missing}"
    left = [line.strip() for line in gold["boilerplate_lines"] if line.strip() in kept]
    assert not left, f"boilerplate kept: {left}"
    assert all(line.strip() in removed for line in gold["boilerplate_lines"])

    assert doc["title"] == gold["title"]
    want = dt.date.fromisoformat(gold["published"]) if gold["published"] else None
    assert doc["published"] == want
    assert doc["site"] == gold["site"]
    # The audit accounts for every non-blank input line.
    assert res.stats["lines_kept"] + res.stats["lines_removed"] == res.stats["lines_in"]
