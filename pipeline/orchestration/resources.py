"""`Settings` as a Dagster resource, derived field by field from the dataclass (defined once in
`pipeline/settings.py`): a launch config may set any of them, and may leave out any of them.

Paths and optional paths are strings in the UI (empty: the default); `workers` 0 means "every
core of the machine that runs the job", not the core count of the machine that loaded the code.
`from_settings` makes the given settings the config's defaults, so a partial launch config
(`full_rebuild: true` alone) changes only what it names.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import dagster as dg

from pipeline.settings import Settings, default_workers

_PATHS = {f.name for f in dataclasses.fields(Settings)
          if "Path" in str(f.type) and "tuple" not in str(f.type)}
_LISTS = {f.name for f in dataclasses.fields(Settings) if str(f.type).startswith("tuple")}


def _field_type(f: dataclasses.Field) -> type:
    kind = str(f.type)
    if f.name in _LISTS:
        return list[str]
    if "Path" in kind:
        return str
    return {"int": int, "float": float, "bool": bool, "str": str}[kind.split(" |")[0]]


def _default(f: dataclasses.Field) -> Any:
    if f.name in _PATHS:
        return ""  # resolved by Settings itself (env var or the repo's folder)
    if f.name == "workers":
        return 0
    if f.name in _LISTS:
        return [str(x) for x in f.default_factory()]
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
        elif f.name in _LISTS:
            kw[f.name] = tuple(Path(x) for x in value)
        else:
            kw[f.name] = value
    return Settings(**kw)


@classmethod
def _from_settings(cls, s: Settings) -> dg.ConfigurableResource:
    def value(name: str) -> Any:
        v = getattr(s, name)
        if name in _PATHS:
            return str(v or "")
        if name == "workers" and v == default_workers():
            return 0  # the default: decided where the job runs, not the loading machine's cores
        return [str(x) for x in v] if name in _LISTS else v

    values = {f.name: value(f.name) for f in dataclasses.fields(Settings)}
    # The values are also the config's defaults (a subclass that declares them): a launch
    # config that sets some fields (`full_rebuild: true` alone) keeps the others, where Dagster
    # would otherwise fall back to the class defaults (the repo's folders) for every field.
    with_defaults = type(cls.__name__, (cls,), {
        "__module__": cls.__module__, "__doc__": cls.__doc__,
        "__annotations__": {n: cls.__annotations__[n] for n in values}, **values})
    return with_defaults(**values)


CurationConfig = type("CurationConfig", (dg.ConfigurableResource,), {
    "__module__": __name__,
    "__doc__": "Where raw scrapes are read and curated versions are written, and the run's limits "
               "(every field of pipeline.settings.Settings).",
    "__annotations__": {f.name: _field_type(f) for f in dataclasses.fields(Settings)},
    **{f.name: _default(f) for f in dataclasses.fields(Settings)},
    "settings": _settings,
    "from_settings": _from_settings,
})
