"""Reading the TOML data under ``rules/`` quickly.

Parsing a few dozen TOML files costs more than everything else connlint does
on a small pre-commit run, so the parsed data is kept as JSON in the user's
cache directory, keyed by each file's name, size and modification time.  A
cache that is missing, unreadable or stale is rebuilt; one that cannot be
written only costs the parse.
"""

from __future__ import annotations

import json
import os
import sys
import zlib
from pathlib import Path


def toml_module():
    """``tomllib`` (``tomli`` before Python 3.11), imported only when a TOML
    file is read: a run with its data cached and no config file never is."""
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover
        import tomli as tomllib
    return tomllib


class CatalogError(Exception):
    """A catalog, framework or user entry is malformed: ``where: reason``."""


def cache_home() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "connlint"


def load_toml_files(directory: Path) -> list[tuple[str, dict]]:
    """(file name, parsed data) for every ``*.toml`` in ``directory``, sorted."""
    paths = sorted(directory.glob("*.toml"))
    stamp = "".join(f"{p.name}\0{p.stat().st_size}\0{p.stat().st_mtime_ns}\0" for p in paths).encode()
    key = f"{zlib.crc32(stamp):08x}{zlib.adler32(stamp):08x}{len(paths):03d}"
    cached = cache_home() / f"data-{directory.name}-{key}.json"
    try:
        with open(cached, encoding="utf-8") as handle:
            data = json.load(handle)
        if isinstance(data, list) and len(data) == len(paths):
            return [(name, content) for name, content in data]
    except (OSError, ValueError, TypeError, RecursionError):
        pass
    result = []
    tomllib = toml_module()
    for path in paths:
        try:
            with open(path, "rb") as handle:
                result.append((path.name, tomllib.load(handle)))
        except tomllib.TOMLDecodeError as exc:
            raise CatalogError(f"{path.name}: invalid TOML: {exc}") from None
    _write(cached, result)
    _prune(cached.parent, f"data-{directory.name}-")
    return result


#: Parsed copies kept per data folder: a few, so that two installed versions
#: of connlint do not keep rebuilding each other's, and never one per edit.
KEEP = 3


def _prune(folder: Path, prefix: str) -> None:
    """Delete all but the newest ``KEEP`` parsed copies of one data folder."""
    try:
        found = sorted(folder.glob(f"{prefix}*.json"), key=lambda p: p.stat().st_mtime_ns, reverse=True)
        for stale in found[KEEP:]:
            stale.unlink()
    except OSError:
        pass


def _write(target: Path, data) -> None:
    from connlint.atomic import replace_file

    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        replace_file(target, json.dumps(data).encode("utf-8"))
    except (OSError, TypeError, ValueError):
        pass
