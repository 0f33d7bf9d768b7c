"""The catalog as connlint ships it (``rules/catalog/*.toml``), read as plain data."""

from __future__ import annotations

import functools
import importlib
import importlib.util
from pathlib import Path

from connlint.catalog import catalog_dir
from connlint.datafiles import toml_module


@functools.lru_cache(maxsize=None)
def files() -> dict[str, dict]:
    """File name -> its TOML data."""
    toml = toml_module()
    paths = sorted(Path(catalog_dir()).glob("*.toml"))
    return {path.name: toml.loads(path.read_text(encoding="utf-8")) for path in paths}


def library_of(data: dict) -> dict:
    return data.get("library", {})


def installed(data: dict) -> bool:
    """Whether every top-level module the catalog file names for its library can be imported."""
    modules = library_of(data).get("modules", [])
    return bool(modules) and all(importlib.util.find_spec(m) is not None for m in modules if not _optional(data, m))


def _optional(data: dict, module: str) -> bool:
    # sqlmodel is SQLAlchemy's re-export, not SQLAlchemy itself
    return library_of(data).get("name") == "sqlalchemy" and module == "sqlmodel"


def types() -> dict[str, tuple[str, dict]]:
    """Catalog type name -> (file name, its table)."""
    found = {}
    for name, data in files().items():
        for type_name, spec in data.get("types", {}).items():
            found[type_name] = (name, spec)
    return found


def type_spec(name: str) -> dict:
    return types()[name][1]


def limits() -> list[tuple[str, dict]]:
    """Every ``[[limits]]`` entry, with the file it is in."""
    return [(name, entry) for name, data in files().items() for entry in data.get("limits", [])]


def limits_for(call: str) -> dict:
    for _name, entry in limits():
        if call in entry["calls"]:
            return entry
    raise KeyError(call)


def resolve(qualname: str):
    """The object a qualified name names (``redis.asyncio.Redis.from_url``), or raise ImportError."""
    parts = qualname.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            value = importlib.import_module(".".join(parts[:cut]))
        except ImportError:
            continue
        for attribute in parts[cut:]:
            try:
                value = getattr(value, attribute)
            except AttributeError:
                raise ImportError(f"{qualname}: {'.'.join(parts[:cut])} has no {attribute!r}") from None
        return value
    raise ImportError(f"{qualname}: no module {parts[0]!r}")
