"""Boilerplate stripping: one rule engine for text scrapes and trafilatura output, with an audit.

`rules.py` is the catalogue (data); `engine.py` applies it over all lines of a batch with Polars
(`matching.py`: fast regex scans; `blocks.py`: sections, site templates, the article block;
`windows.py`: per-document window scans; `recurrence.py`: line pairs recurring over a
whole run); `metadata.py` moves title/date/site lines into
metadata; `features.py` holds the line features.
"""

from . import recurrence
from .engine import CleanResult, clean_documents, clean_text, recurring_summary
from .rules import CATEGORIES, RULES, Rule, leftover_markers

__all__ = [
    "CATEGORIES",
    "RULES",
    "CleanResult",
    "Rule",
    "clean_documents",
    "clean_text",
    "leftover_markers",
    "recurrence",
    "recurring_summary",
]
