"""What the gate returns: per-expectation outcomes, a manifest summary and CLI text.

Built from GX's result JSON (not GX objects) so it is plain data and can be rebuilt from the
result file written next to the published version.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipeline.validation.suites import BLOCK, QUARANTINE, WARN, expectation_action

_SHOWN_KWARGS = (
    "column",
    "column_A",
    "column_B",
    "column_list",
    "min_value",
    "max_value",
    "mostly",
    "value_set",
)


@dataclass
class ExpectationOutcome:
    """One expectation of one suite, as evaluated on this batch."""

    table: str
    expectation: str
    success: bool
    unexpected_count: int | None
    sample: list
    kwargs: dict
    observed: Any = None
    error: str | None = None
    action: str = BLOCK
    rows: list[tuple[str, Any]] = field(default_factory=list)
    """(doc_id, observed value) of every row GX lists as unexpected (quarantine only)."""

    @property
    def label(self) -> str:
        """`table.expectation(column)` — how the CLI and tests name an expectation."""
        target = (
            self.kwargs.get("column")
            or self.kwargs.get("column_list")
            or ",".join(str(self.kwargs[k]) for k in ("column_A", "column_B") if k in self.kwargs)
        )
        return f"{self.table}.{self.expectation}({target or ''})"

    def condition(self) -> str:
        """What the row was held to, for a reject's detail: `min_value=100, max_value=200000`."""
        args = ", ".join(f"{k}={self.kwargs[k]!r}" for k in _SHOWN_KWARGS
                         if k in self.kwargs and k != "column")
        return args if len(args) < 200 else args[:197] + "..."

    @classmethod
    def from_gx(cls, table: str, result: dict[str, Any], sample_size: int) -> ExpectationOutcome:
        """From one entry of a GX validation result's `results` (JSON form)."""
        config = result.get("expectation_config", {})
        kwargs = {k: v for k, v in config.get("kwargs", {}).items() if k != "batch_id"}
        res = result.get("result") or {}
        sample = res.get("partial_unexpected_index_list")
        if not (sample and isinstance(sample[0], dict)):  # no doc_id column: show values
            sample = res.get("partial_unexpected_list")
            if "column_A" in kwargs and sample:
                sample = [
                    dict(zip((kwargs["column_A"], kwargs["column_B"]), pair, strict=False)) for pair in sample
                ]
        action = expectation_action(result)
        rows: list[tuple[str, Any]] = []
        if action == QUARANTINE and not result.get("success"):
            column = kwargs.get("column")
            for entry in res.get("unexpected_index_list") or []:
                if isinstance(entry, dict) and entry.get("doc_id") is not None:
                    rows.append((str(entry["doc_id"]), entry.get(column)))
        return cls(
            action=action,
            rows=rows,
            table=table,
            expectation=config.get("type", "?"),
            success=bool(result.get("success")),
            unexpected_count=res.get("unexpected_count"),
            sample=list(sample or [])[:sample_size],
            kwargs=kwargs,
            observed=res.get("observed_value"),
            error=_exception_message(result.get("exception_info")),
        )


def _exception_message(info: Any) -> str | None:
    """GX nests exception info per metric when a metric raised; flatten to one message."""
    if not isinstance(info, dict):
        return None
    if "raised_exception" in info:
        return info.get("exception_message") if info.get("raised_exception") else None
    messages = [v.get("exception_message") for v in info.values() if isinstance(v, dict)]
    return "; ".join(str(m) for m in messages if m) or None



@dataclass
class ValidationReport:
    """Outcome of `validate_tables`; `success` False (blocked) means nothing is published.

    `quarantine`: (doc_id, reason, detail) of every article row a quarantine expectation failed
    (its first failing expectation in suite order gives the reason), to move to `rejected`.
    `blocked`: why the batch is blocked (failed block expectations, a quarantine share above
    the setting); empty when it may publish. `n_examined`: the articles the share is taken of."""

    success: bool
    outcomes: list[ExpectationOutcome]
    result_paths: dict[str, Path]
    row_counts: dict[str, int] = field(default_factory=dict)
    quarantine: list[tuple[str, str, str]] = field(default_factory=list)
    blocked: list[str] = field(default_factory=list)
    n_examined: int = 0

    def failed(self) -> list[ExpectationOutcome]:
        """Outcomes that failed (including expectations that raised), whatever their action."""
        return [o for o in self.outcomes if not o.success]

    def blocking(self) -> list[ExpectationOutcome]:
        """Failed block expectations, and quarantine ones that raised (no rows to act on)."""
        return [o for o in self.failed()
                if o.action == BLOCK or (o.action == QUARANTINE and (o.error or not o.rows))]

    def warnings(self) -> list[ExpectationOutcome]:
        return [o for o in self.failed() if o.action == WARN]

    def quarantined_by_expectation(self) -> dict[str, int]:
        """Rows quarantined, by the expectation that moved them (its label)."""
        out: dict[str, int] = {}
        for _, reason, _ in self.quarantine:
            out[reason] = out.get(reason, 0) + 1
        return out

    def summary(self) -> dict[str, Any]:
        """Small JSON-able dict for the version manifest."""
        tables: dict[str, dict[str, int]] = {}
        for o in self.outcomes:
            t = tables.setdefault(o.table, {"evaluated": 0, "failed": 0})
            t["evaluated"] += 1
            t["failed"] += 0 if o.success else 1
        for name, rows in self.row_counts.items():
            tables.setdefault(name, {"evaluated": 0, "failed": 0})["rows"] = rows
        return {
            "success": self.success,
            "evaluated": len(self.outcomes),
            "failed": len(self.failed()),
            "failed_expectations": [o.label for o in self.failed()],
            "blocked": list(self.blocked),
            "quarantined": len(self.quarantine),
            "quarantined_by_expectation": self.quarantined_by_expectation(),
            "quarantine_share": round(len(self.quarantine) / self.n_examined, 6)
            if self.n_examined else 0.0,
            "articles_examined": self.n_examined,
            "warnings": [o.label for o in self.warnings()],
            "actions": {o.label: o.action for o in self.outcomes},
            "tables": tables,
        }

    def to_text(self) -> str:
        """Lines for the CLI: verdict, per-table counts, then each failure with a sample."""
        s = self.summary()
        verdict = "PASSED" if self.success else "BLOCKED"
        lines = [f"validation {verdict}: {s['failed']} of {s['evaluated']} expectations failed "
                 f"({len(self.blocking())} block, {len(s['quarantined_by_expectation'])} quarantine, "
                 f"{len(s['warnings'])} warn); {s['quarantined']} rows quarantined"]
        lines += [f"  blocked: {b}" for b in self.blocked]
        lines += [f"  quarantined {n}: {label}" for label, n in s["quarantined_by_expectation"].items()]
        for name, t in s["tables"].items():
            rows = f", {t['rows']} rows" if "rows" in t else ""
            lines.append(f"  {name}: {t['evaluated']} evaluated, {t['failed']} failed{rows}")
        for o in self.failed():
            args = ", ".join(f"{k}={o.kwargs[k]!r}" for k in _SHOWN_KWARGS if k in o.kwargs)
            args = args if len(args) < 200 else args[:197] + "..."
            lines.append(f"{_VERB[o.action]} {o.table}.{o.expectation}({args})")
            if o.error:
                lines.append(f"    error: {o.error.splitlines()[0] if o.error else ''}")
            if o.unexpected_count is not None:
                lines.append(f"    unexpected: {o.unexpected_count}")
            if o.observed is not None:
                lines.append(f"    observed: {o.observed!r}")
            if o.sample:
                lines.append(f"    sample: {', '.join(_fmt(x) for x in o.sample[:10])}")
        for kind, path in self.result_paths.items():
            lines.append(f"  {kind}: {path}")
        return "\n".join(lines)


_VERB = {BLOCK: "FAILED (block)", QUARANTINE: "FAILED (quarantine)", WARN: "WARNING"}


def _fmt(row: Any) -> str:
    if isinstance(row, dict):
        return " ".join(f"{k}={v!r}" for k, v in row.items())
    return repr(row)
