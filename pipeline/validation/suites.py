"""Load the reviewed suite files and prove GX kept every expectation in them.

Every expectation carries an action in its `meta` (see `ACTIONS`): what a failure does to the
batch. A missing or unknown action, or one that cannot apply (quarantine needs row ids and no
`mostly`), is a `SuiteLoadError`: the action is part of the reviewed rule.

GX's `ExpectationSuite(...)` logs and *drops* an entry it cannot build (unknown type, bad kwarg),
so a typo in a suite file would silently weaken the gate. Here every entry is built on its own
and any failure raises `SuiteLoadError` naming file, index and type; then the count GX holds is
compared with the count in the file (again after the suite is added to a context, and again
against the number of results after the run, in `runner`).
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pipeline.validation.settings import ValidationSettings
from pipeline.validation.views import BATCH, TABLE_NAMES

if TYPE_CHECKING:
    from great_expectations import ExpectationSuite

SUITE_NAMES: tuple[str, ...] = (*TABLE_NAMES, BATCH)
DEFAULT_EXPECTATIONS_DIR = Path(__file__).resolve().parents[2] / "expectations"
_SUITE_KEYS = {"name", "id", "expectations", "suite_parameters", "meta", "notes"}
_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_$]*")
_GX_FUNCTIONS = {"now", "trunc", "round", "abs"}


BLOCK, QUARANTINE, WARN = "block", "quarantine", "warn"
ACTIONS: dict[str, str] = {
    BLOCK: "the data contract and the accounting: a failure publishes nothing",
    QUARANTINE: "a fact about one article: the failing rows leave `articles` for `rejected` "
                "(stage validation), the rest publishes",
    WARN: "a share over the batch: reported (Dagster WARN, CLI, manifest), never stops a run",
}
# Suites whose rows can be quarantined: their view has one row per article, keyed by doc_id.
QUARANTINE_SUITES = frozenset({"articles"})


class SuiteLoadError(ValueError):
    """A suite file is missing, malformed, or would lose an expectation when loaded."""


def read_suite_files(expectations_dir: Path | None = None) -> dict[str, dict[str, Any]]:
    """The raw JSON of every required suite, keyed by name; unknown or missing files raise."""
    folder = Path(expectations_dir or DEFAULT_EXPECTATIONS_DIR)
    files = {p.stem: p for p in sorted(folder.glob("*.json"))}
    missing = [n for n in SUITE_NAMES if n not in files]
    extra = [n for n in files if n not in SUITE_NAMES]
    if missing or extra:
        raise SuiteLoadError(
            f"{folder}: need exactly {list(SUITE_NAMES)}.json; missing {missing}, unknown {extra}"
        )
    raw: dict[str, dict[str, Any]] = {}
    for name in SUITE_NAMES:
        try:
            data = json.loads(files[name].read_text(encoding="utf-8"))
        except json.JSONDecodeError as e:
            raise SuiteLoadError(f"{files[name]}: invalid JSON: {e}") from e
        _check_shape(files[name], name, data)
        raw[name] = data
    return raw


def _check_shape(path: Path, name: str, data: Any) -> None:
    if not isinstance(data, dict):
        raise SuiteLoadError(f"{path}: top level must be an ExpectationSuite object")
    if unknown := set(data) - _SUITE_KEYS:
        raise SuiteLoadError(f"{path}: unknown suite keys {sorted(unknown)}")
    if data.get("name") != name:
        raise SuiteLoadError(f"{path}: suite name {data.get('name')!r} must equal {name!r}")
    entries = data.get("expectations")
    if not isinstance(entries, list) or not entries:
        raise SuiteLoadError(f"{path}: 'expectations' must be a non-empty list")
    for i, entry in enumerate(entries):
        if not isinstance(entry, dict) or "type" not in entry:
            raise SuiteLoadError(f"{path}: expectation #{i} has no 'type'")
        action = (entry.get("meta") or {}).get("action")
        if action not in ACTIONS:
            raise SuiteLoadError(
                f"{path}: expectation #{i} ({entry['type']}) has action {action!r}; every "
                f"expectation needs meta.action, one of {sorted(ACTIONS)}")
        if action == QUARANTINE and name not in QUARANTINE_SUITES:
            raise SuiteLoadError(
                f"{path}: expectation #{i} ({entry['type']}): quarantine applies to article "
                f"rows (suites {sorted(QUARANTINE_SUITES)}), not to {name!r}")
        if action == QUARANTINE and "mostly" in entry.get("kwargs", {}):
            raise SuiteLoadError(
                f"{path}: expectation #{i} ({entry['type']}): a quarantine expectation judges "
                "each row; `mostly` belongs to a warn expectation")
        for param in _parameter_names(entry.get("kwargs", {})):
            if param not in ValidationSettings.parameter_names():
                raise SuiteLoadError(
                    f"{path}: expectation #{i} ({entry['type']}) references $PARAMETER "
                    f"{param!r}, which is not a ValidationSettings field"
                )


def _parameter_names(kwargs: dict[str, Any]) -> set[str]:
    names: set[str] = set()
    for value in kwargs.values():
        if isinstance(value, dict) and "$PARAMETER" in value:
            names |= set(_IDENT.findall(str(value["$PARAMETER"]))) - _GX_FUNCTIONS
    return names


def build_suite(name: str, data: dict[str, Any], source: str = "") -> ExpectationSuite:
    """A GX suite from its JSON, raising instead of dropping any entry GX cannot build."""
    import great_expectations as gx
    from great_expectations.expectations.expectation import ColumnMapExpectation
    from great_expectations.expectations.expectation_configuration import (
        ExpectationConfiguration,
    )

    built = []
    for i, entry in enumerate(data["expectations"]):
        try:
            expectation = ExpectationConfiguration(**entry).to_domain_obj()
            action = entry["meta"]["action"]
            if action == QUARANTINE and not isinstance(expectation, ColumnMapExpectation):
                raise SuiteLoadError("quarantine needs an expectation that judges each row "
                                     "(a column map expectation)")
            if not entry.get("notes"):  # Data Docs show notes: the action is read beside the rule
                why = entry["meta"].get("why")
                expectation.notes = f"action: {action}" + (f". {why}" if why else "")
            built.append(expectation)
        except Exception as e:  # GX raises several unrelated types here
            raise SuiteLoadError(
                f"{source or name}: expectation #{i} ({entry.get('type')!r}) cannot be loaded "
                f"by GX: {type(e).__name__}: {e}"
            ) from e
    suite = gx.ExpectationSuite(name=name, expectations=built, meta=data.get("meta"), notes=data.get("notes"))
    check_count(suite, len(data["expectations"]), source or name)
    return suite


def check_count(suite: ExpectationSuite, expected: int, where: str) -> None:
    """Raise if GX holds a different number of expectations than the file declares."""
    if len(suite.expectations) != expected:
        raise SuiteLoadError(
            f"{where}: file has {expected} expectations but GX loaded {len(suite.expectations)}"
        )


def load_suites(expectations_dir: Path | None = None) -> dict[str, ExpectationSuite]:
    """Every suite (four tables + `batch`) as GX objects, none of their expectations dropped."""
    folder = Path(expectations_dir or DEFAULT_EXPECTATIONS_DIR)
    raw = read_suite_files(folder)
    return {n: build_suite(n, d, str(folder / f"{n}.json")) for n, d in raw.items()}


def expectation_action(result: dict[str, Any]) -> str:
    """The action of one GX result entry (JSON form), from its configuration's meta."""
    meta = (result.get("expectation_config") or {}).get("meta") or {}
    return meta.get("action", BLOCK)


def fingerprint(expectations_dir: Path | None, settings: ValidationSettings) -> str:
    """What the gate checks: the suite files' bytes and the settings. A version records it; a
    run whose fingerprint differs from the latest version's re-checks that version."""
    folder = Path(expectations_dir or DEFAULT_EXPECTATIONS_DIR)
    h = hashlib.sha256(json.dumps(asdict(settings), sort_keys=True, default=str).encode())
    for name in SUITE_NAMES:
        f = folder / f"{name}.json"
        h.update(name.encode() + b"\0" + (f.read_bytes() if f.is_file() else b""))
    return h.hexdigest()[:24]
