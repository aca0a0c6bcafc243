"""`Settings` as a Dagster resource, derived field by field from the dataclass (defined once in
`pipeline/settings.py`): a launch config may set any of them, and may leave out any of them.

Paths and optional paths are strings in the UI (empty: the default); `workers` 0 means "every
core of the machine that runs the job", not the core count of the machine that loaded the code.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import dagster as dg

from pipeline.settings import Settings

_PATHS = {f.name for f in dataclasses.fields(Settings) if "Path" in str(f.type)}


def _field_type(f: dataclasses.Field) -> type:
    kind = str(f.type)
    if "Path" in kind:
        return str
    return {"int": int, "float": float, "bool": bool, "str": str}[kind.split(" |")[0]]


def _default(f: dataclasses.Field) -> Any:
    if f.name in _PATHS:
        return ""  # resolved by Settings itself (env var or the repo's folder)
    if f.name == "workers":
        return 0
    return f.default if f.default is not dataclasses.MISSING else f.default_factory()


def _settings(self: dg.ConfigurableResource) -> Settings:
    kw: dict[str, Any] = {}
    for f in dataclasses.fields(Settings):
        value = getattr(self, f.name)
        if f.name in _PATHS:
            if value:
                kw[f.name] = Path(value)
        elif f.name == "workers":
            if value > 0:
                kw[f.name] = value
        else:
            kw[f.name] = value
    return Settings(**kw)


@classmethod
def _from_settings(cls, s: Settings) -> dg.ConfigurableResource:
    return cls(**{f.name: (str(getattr(s, f.name) or "") if f.name in _PATHS
                           else getattr(s, f.name)) for f in dataclasses.fields(Settings)})


CurationConfig = type("CurationConfig", (dg.ConfigurableResource,), {
    "__module__": __name__,
    "__doc__": "Where raw scrapes are read and curated versions are written, and the run's limits "
               "(every field of pipeline.settings.Settings).",
    "__annotations__": {f.name: _field_type(f) for f in dataclasses.fields(Settings)},
    **{f.name: _default(f) for f in dataclasses.fields(Settings)},
    "settings": _settings,
    "from_settings": _from_settings,
})
