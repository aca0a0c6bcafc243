"""Great Expectations validation gate: a batch that fails validation is never published.

Public API (GX itself is imported only when `validate_tables`/`load_suites` run):
`validate_tables`, `load_suites`, `ValidationSettings`, `ValidationReport`, `ExpectationOutcome`,
`SuiteLoadError`.
"""

from pipeline.validation.gate import validate_tables
from pipeline.validation.results import ExpectationOutcome, ValidationReport
from pipeline.validation.settings import DEFAULT_SETTINGS, ValidationSettings
from pipeline.validation.suites import DEFAULT_EXPECTATIONS_DIR, SuiteLoadError, load_suites

__all__ = [
    "DEFAULT_EXPECTATIONS_DIR",
    "DEFAULT_SETTINGS",
    "ExpectationOutcome",
    "SuiteLoadError",
    "ValidationReport",
    "ValidationSettings",
    "load_suites",
    "validate_tables",
]
