"""Thresholds of the validation gate.

The suite JSON files in `expectations/` reference these by name with GX's own placeholder syntax,
`{"$PARAMETER": "<field name>"}` (GX also evaluates simple arithmetic such as
`{"$PARAMETER": "-max_future_days"}`). `ValidationSettings.parameters()` is what GX receives as
`expectation_parameters` at run time, so a reviewer reads the rule in the suite and its number
here, and a deployment changes a number without touching the suite. `load_suites` refuses a suite
that names a parameter not defined here (GX would otherwise abort the whole run mid-way).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from typing import Any

# ISO 639-1 two-letter codes. The default gate only asserts "a well-formed language code"; a
# deployment that publishes e.g. only English and German narrows `allowed_languages`.
_ISO_639_1_CODES = """
    aa ab ae af ak am an ar as av ay az ba be bg bh bi bm bn bo br bs ca ce ch co cr cs cu cv cy
    da de dv dz ee el en eo es et eu fa ff fi fj fo fr fy ga gd gl gn gu gv ha he hi ho hr ht hu
    hy hz ia id ie ig ii ik io is it iu ja jv ka kg ki kj kk kl km kn ko kr ks ku kv kw ky la lb
    lg li ln lo lt lu lv mg mh mi mk ml mn mr ms mt my na nb nd ne ng nl nn no nr nv ny oc oj om
    or os pa pi pl ps pt qu rm rn ro ru rw sa sc sd se sg si sk sl sm sn so sq sr ss st su sv sw
    ta te tg th ti tk tl tn to tr ts tt tw ty ug uk ur uz ve vi vo wa wo xh yi yo za zh zu
"""
ISO_639_1: tuple[str, ...] = tuple(_ISO_639_1_CODES.split())

# Fields that tune how the gate runs rather than what it checks; not handed to GX as parameters.
_RUN_OPTIONS = frozenset({"sample_size", "quarantine_block_share", "quarantine_block_min_rows"})


@dataclass(frozen=True)
class ValidationSettings:
    """Documented defaults for every threshold a suite references.

    Bounds are deliberately looser than the pipeline's own filters: the gate catches a broken
    stage (an extractor that lost titles, a date parser returning 1970) and quarantines outliers
    (a 50,000-word page), not borderline articles.
    """

    min_text_chars: int = 100
    """Shorter bodies are stubs/teasers the length filter should have rejected."""
    max_text_chars: int = 200_000
    """~30k words; longer is a concatenated page or a listing, not an article."""
    min_words: int = 20
    max_words: int = 40_000
    allowed_languages: tuple[str, ...] = (*ISO_639_1, "und")
    """Languages a published article may carry (ISO 639-1, and "und" (ISO 639-2:
    undetermined) for a body the language model cannot place)."""
    max_future_days: int = 1
    """`published` may be at most this many days after today (UTC): time zones ahead of UTC."""
    max_published_age_days: int = 40 * 365
    """Older dates on web news are parse errors (epoch 1970, year 1 ...), not archive finds."""
    min_title_share: float = 0.2
    """Floor on the share of articles with a title; a drop means title extraction broke."""
    min_date_share: float = 0.2
    """Floor on the share of articles with a `published` date; dates are found less often."""
    min_site_share: float = 0.2
    """Floor on the share of articles with a site (warn)."""
    quarantine_block_share: float = 0.05
    """Quarantine is for outliers: when more than this share of the articles the run examined
    is quarantined (and at least `quarantine_block_min_rows` of them), the fault is systemic
    (an extractor broke, a scraper changed) and the batch is blocked."""
    quarantine_block_min_rows: int = 10
    """Below this many quarantined rows a batch is never blocked for its share: in a batch of
    five articles one outlier is 20 %, and it is still an outlier."""
    sample_size: int = 20
    """Offending rows (doc_ids) kept per failed expectation in the result and the report."""

    def parameters(self) -> dict[str, Any]:
        """The `$PARAMETER` values GX substitutes into the suites (JSON-able)."""
        out: dict[str, Any] = {}
        for key, value in asdict(self).items():
            if key not in _RUN_OPTIONS:
                out[key] = list(value) if isinstance(value, tuple) else value
        return out

    @classmethod
    def parameter_names(cls) -> frozenset[str]:
        """Names a suite may reference as `$PARAMETER`."""
        return frozenset(f.name for f in fields(cls)) - _RUN_OPTIONS


DEFAULT_SETTINGS = ValidationSettings()
