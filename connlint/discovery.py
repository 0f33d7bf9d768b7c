"""Which files to check: walks directories, applies excludes.  Knows nothing of Python code."""

from __future__ import annotations

import fnmatch
import os
from pathlib import Path

from connlint.record import Record, field

DEFAULT_EXCLUDE = (
    ".git", ".hg", ".svn", ".bzr", ".venv", "venv", ".tox", ".nox", "build", "dist",
    "node_modules", "__pycache__", "site-packages", ".eggs", "*.egg-info",
    ".mypy_cache", ".pytest_cache", ".ruff_cache", ".connlint_cache",
)


class Discovery(Record):
    files: list[Path] = field(factory=list)
    missing: list[str] = field(factory=list)


def matches(relative: str, patterns) -> bool:
    """A pattern with a '/' matches the path from the project root; one
    without matches any single path component."""
    return _Patterns.of(patterns).match_path(relative)


class _Patterns:
    """Exclude globs split once into plain names, name globs and path globs."""

    _cache: dict = {}

    def __init__(self, patterns):
        self.names, self.name_globs, self.path_globs = set(), [], []
        for pattern in patterns:
            pattern = pattern.rstrip("/")
            if "/" in pattern:
                pattern = pattern[2:] if pattern.startswith("./") else pattern
                self.path_globs.append(pattern)
            elif any(ch in pattern for ch in "*?["):
                self.name_globs.append(pattern)
            else:
                self.names.add(pattern)

    @classmethod
    def of(cls, patterns) -> "_Patterns":
        key = tuple(patterns)
        found = cls._cache.get(key)
        if found is None:
            found = cls._cache[key] = cls(key)
        return found

    def match_name(self, name: str) -> bool:
        return name in self.names or any(fnmatch.fnmatchcase(name, g) for g in self.name_globs)

    def match_full(self, relative: str) -> bool:
        return any(
            fnmatch.fnmatchcase(relative, g) or fnmatch.fnmatchcase(relative, g + "/*") for g in self.path_globs
        )

    def match_path(self, relative: str) -> bool:
        return any(self.match_name(part) for part in relative.split("/")) or self.match_full(relative)


def discover(paths, root: Path, exclude) -> Discovery:
    """Files to check under ``paths``; explicit files are always included."""
    result = Discovery()
    seen = set()
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            _walk(path, root, exclude, result, seen)
        elif path.exists() or path.is_symlink():
            _add(result, seen, path)  # a dangling link is reported as unreadable
        else:
            result.missing.append(raw)
    return result


def _add(result: Discovery, seen: set, path: Path) -> None:
    key = os.path.normpath(os.path.abspath(path))
    if key not in seen:
        seen.add(key)
        result.files.append(path)


def _relative(path: Path, root: Path) -> str:
    try:
        return Path(os.path.abspath(path)).relative_to(root).as_posix()
    except ValueError:
        return Path(os.path.abspath(path)).as_posix().lstrip("/")


def _walk(top: Path, root: Path, exclude, result: Discovery, seen: set) -> None:
    # Directory symlinks are not followed: no loops, no scanning outside the tree.
    patterns = _Patterns.of(exclude)
    stack = [top]
    while stack:
        directory = stack.pop()
        try:
            entries = sorted(os.scandir(directory), key=lambda e: e.name)
        except OSError:
            continue
        subdirs = []
        for entry in entries:
            try:
                is_dir = entry.is_dir(follow_symlinks=False)
                is_file = not is_dir and entry.is_file()
            except OSError:
                is_dir, is_file = False, False  # e.g. a symlink loop
            if not is_dir and not entry.name.endswith(".py"):
                continue
            if patterns.match_name(entry.name):
                continue
            path = Path(entry.path)
            if patterns.path_globs and patterns.match_full(_relative(path, root)):
                continue
            if is_dir:
                if not os.path.exists(os.path.join(entry.path, "pyvenv.cfg")):
                    subdirs.append(path)
            elif is_file:  # regular files (or links to them): never a FIFO or a device
                _add(result, seen, path)
            elif entry.is_symlink() and not os.path.exists(entry.path):
                _add(result, seen, path)  # dangling: reported as unreadable
        stack.extend(reversed(subdirs))
