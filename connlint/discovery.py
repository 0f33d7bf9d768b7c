"""Which files to check: walks directories, applies excludes.  Knows nothing of Python code."""

from __future__ import annotations

import fnmatch
import os
from dataclasses import dataclass, field
from pathlib import Path

DEFAULT_EXCLUDE = (
    ".git", ".hg", ".svn", ".bzr", ".venv", "venv", ".tox", ".nox", "build", "dist",
    "node_modules", "__pycache__", "site-packages", ".eggs", "*.egg-info",
    ".mypy_cache", ".pytest_cache", ".ruff_cache", ".connlint_cache",
)


@dataclass
class Discovery:
    files: list[Path] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)


def matches(relative: str, patterns) -> bool:
    """A pattern with a '/' matches the path from the project root; one
    without matches any single path component."""
    parts = relative.split("/")
    for pattern in patterns:
        pattern = pattern.rstrip("/")
        if "/" in pattern:
            if fnmatch.fnmatchcase(relative, pattern.lstrip("./")) or fnmatch.fnmatchcase(relative, pattern.lstrip("./") + "/*"):
                return True
        elif any(fnmatch.fnmatchcase(part, pattern) for part in parts):
            return True
    return False


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
    stack = [top]
    while stack:
        directory = stack.pop()
        try:
            entries = sorted(os.scandir(directory), key=lambda e: e.name)
        except OSError:
            continue
        subdirs = []
        for entry in entries:
            path = Path(entry.path)
            relative = _relative(path, root)
            try:
                is_dir = entry.is_dir(follow_symlinks=False)
            except OSError:
                continue
            if is_dir:
                if matches(relative, exclude) or (Path(entry.path) / "pyvenv.cfg").exists():
                    continue
                subdirs.append(path)
            elif entry.name.endswith(".py") and not matches(relative, exclude):
                if entry.is_symlink() and Path(entry.path).is_dir():
                    continue
                _add(result, seen, path)
        stack.extend(reversed(subdirs))
