"""Alias of `pipeline.validation` for callers that import `pipeline.validate`."""

from pipeline.validation import (
    DEFAULT_EXPECTATIONS_DIR,
    DEFAULT_SETTINGS,
    ExpectationOutcome,
    SuiteLoadError,
    ValidationReport,
    ValidationSettings,
    load_suites,
    validate_tables,
)

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
