"""Which files to check: walks directories, applies excludes and .gitignore.  Knows nothing of Python code.

Exclude and per-file-ignores globs have gitignore semantics (``**`` is zero or
more directories, ``*`` and ``?`` stay within one path component), except
that a glob with a ``/`` is always anchored at the project root and one
without matches any path component.  The common globs (plain names, ``*`` and
``?``) are matched here; the others (``**``, brackets, escapes) by
``pathspec``, which is imported only for them and for .gitignore files.
"""

from __future__ import annotations

import fnmatch
import functools
import os
import re
from pathlib import Path

from connlint.record import Record, field

DEFAULT_EXCLUDE = (
    ".git", ".hg", ".svn", ".bzr", ".venv", "venv", ".tox", ".nox", "build", "dist",
    "node_modules", "__pycache__", "site-packages", ".eggs", "*.egg-info",
    ".mypy_cache", ".pytest_cache", ".ruff_cache", ".connlint_cache",
)


class Discovery(Record):
    files: list[str] = field(factory=list)  # as walked: a Path for each costs more than finding it
    missing: list[str] = field(factory=list)


def matches(relative: str, patterns) -> bool:
    """Whether the project-relative path ``relative`` (or a directory above
    it) matches one of ``patterns``: a pattern with a '/' matches the path
    from the project root; one without matches any single path component."""
    return _Patterns.of(patterns).match_path(relative.lstrip("/"))


def compile_gitignore(lines):
    """A ``pathspec.GitIgnoreSpec`` of ``lines``, or None when no line is a
    pattern.  Lines that pathspec rejects are skipped, as git skips them."""
    lines = [line for line in lines if line.strip() and not line.startswith("#")]
    if not lines:
        return None
    import warnings

    import pathspec

    with warnings.catch_warnings():
        # a bracket expression is handed to ``re`` as it is: "[[]" warns of nested sets
        warnings.simplefilter("ignore")
        try:
            return pathspec.GitIgnoreSpec.from_lines(lines)
        except Exception:  # noqa: BLE001 - one bad line: keep the others
            kept = []
            for line in lines:
                try:
                    pathspec.GitIgnoreSpec.from_lines([line])
                except Exception:  # noqa: BLE001
                    continue
                kept.append(line)
            return pathspec.GitIgnoreSpec.from_lines(kept) if kept else None


def _needs_pathspec(glob: str) -> bool:
    """Whether ``glob`` uses more than literal text, '*' and '?' within a component."""
    return "**" in glob or "[" in glob or "]" in glob or "\\" in glob


def _as_gitignore_line(glob: str, anchored: bool) -> str:
    """``glob`` as one line of a .gitignore with the same meaning: no negation,
    no comment, white space at either end kept (bracketed: pathspec strips it)."""
    stripped = glob.rstrip()
    if stripped != glob:
        tail = glob[len(stripped):]
        if (len(stripped) - len(stripped.rstrip("\\"))) % 2:
            stripped = stripped[:-1]  # it escaped the first white space character
        glob = stripped + "".join(f"[{ch}]" for ch in tail)
    stripped = glob.lstrip()
    if stripped != glob:
        glob = "".join(f"[{ch}]" for ch in glob[: len(glob) - len(stripped)]) + stripped
    elif glob[:1] in ("!", "#"):
        glob = "\\" + glob
    return "/" + glob if anchored else glob


class _Patterns:
    """Exclude globs split once into plain names, name globs, path globs and
    the globs left to pathspec (compiled on first use)."""

    _cache: dict = {}

    def __init__(self, patterns):
        self.names, self.name_globs, self.path_globs = set(), [], []
        self._spec_lines = ([], [])  # (name globs, path globs) for pathspec
        self._specs = None
        for pattern in patterns:
            glob = pattern.rstrip("/")
            anchored = "/" in glob
            while glob.startswith("./"):
                glob = glob[2:]
            glob = glob.lstrip("/")
            if not glob:
                continue
            if _needs_pathspec(glob):
                self._spec_lines[anchored].append(_as_gitignore_line(glob, anchored))
            elif anchored:
                self.path_globs.append(tuple(glob.split("/")))
            elif "*" in glob or "?" in glob:
                self.name_globs.append(glob)
            else:
                self.names.add(glob)
        self.has_path_globs = bool(self.path_globs or self._spec_lines[True])
        # the name globs as one expression: asked of every directory and file walked
        self._name_glob = re.compile("|".join(map(fnmatch.translate, self.name_globs))) if self.name_globs else None

    @classmethod
    def of(cls, patterns) -> "_Patterns":
        key = tuple(patterns)
        found = cls._cache.get(key)
        if found is None:
            found = cls._cache[key] = cls(key)
        return found

    def _compiled(self):
        if self._specs is None:
            self._specs = tuple(compile_gitignore(lines) for lines in self._spec_lines)
        return self._specs

    def match_name(self, name: str) -> bool:
        """``name`` (one path component) matches a glob without '/'."""
        if name in self.names or (self._name_glob is not None and self._name_glob.match(name) is not None):
            return True
        if self._spec_lines[False]:
            spec = self._compiled()[0]
            return spec is not None and spec.match_file(name)
        return False

    def match_full(self, relative: str) -> bool:
        """``relative``, or a directory above it, matches a glob with a '/'."""
        if self.path_globs:
            parts = relative.split("/")
            for glob in self.path_globs:
                if len(parts) >= len(glob) and all(map(fnmatch.fnmatchcase, parts, glob)):
                    return True
        if self._spec_lines[True]:
            spec = self._compiled()[1]
            return spec is not None and spec.match_file(relative)
        return False

    def match_path(self, relative: str) -> bool:
        if not relative:
            return False
        return any(self.match_name(part) for part in relative.split("/")) or self.match_full(relative)


# --------------------------------------------------------------------------- .gitignore


class _Level:
    """The .gitignore rules of one directory: its path from the repository
    root and the (directory, spec) pairs that apply in it, outermost first."""

    __slots__ = ("rel", "chain", "ignored")

    def __init__(self, rel: str, chain: tuple, ignored: bool = False):
        self.rel, self.chain, self.ignored = rel, chain, ignored

    def child(self, name: str) -> str:
        return f"{self.rel}/{name}" if self.rel else name

    def ignores(self, name: str, is_dir: bool) -> bool:
        """Whether the entry ``name`` of this directory is ignored (its parent is not)."""
        if not self.chain:
            return False
        target = self.child(name) + ("/" if is_dir else "")
        for base, spec in reversed(self.chain):  # the deepest .gitignore decides first
            include = spec.check_file(target[len(base) + 1:] if base else target).include
            if include is not None:
                return include
        return False


class _GitIgnore:
    """The .gitignore files (and .git/info/exclude) of the git repositories
    that paths are in, each read once.  Outside a repository nothing is ignored."""

    def __init__(self):
        self._levels: dict = {}

    def level(self, directory: str) -> _Level | None:
        """The rules in the absolute, normalized ``directory``; None outside a repository."""
        try:
            return self._levels[directory]
        except KeyError:
            pass
        if os.path.lexists(os.path.join(directory, ".git")):
            made = self.repository(directory)
        else:
            parent, name = os.path.split(directory)
            up = self.level(parent) if parent != directory else None
            if up is None:
                made = None
            else:
                ignored = up.ignored or up.ignores(name, True)
                made = self.enter(up, directory, name, os.path.isfile(os.path.join(directory, ".gitignore")))
                made.ignored = ignored
        self._levels[directory] = made
        return made

    def ignored(self, path: str, is_dir: bool) -> bool:
        """Whether the absolute, normalized ``path`` or a directory above it is ignored."""
        parent, name = os.path.split(path)
        if parent == path:
            return False
        level = self.level(parent)
        return level is not None and (level.ignored or level.ignores(name, is_dir))

    def repository(self, directory: str) -> _Level:
        chain = []
        if os.path.isdir(os.path.join(directory, ".git")):
            spec = _read_spec(os.path.join(directory, ".git", "info", "exclude"))
            if spec is not None:
                chain.append(("", spec))
        spec = _read_spec(os.path.join(directory, ".gitignore"))
        if spec is not None:
            chain.append(("", spec))
        return _Level("", tuple(chain))

    @staticmethod
    def enter(up: _Level, directory: str, name: str, has_gitignore: bool) -> _Level:
        rel = up.child(name)
        spec = _read_spec(os.path.join(directory, ".gitignore")) if has_gitignore else None
        return _Level(rel, up.chain + ((rel, spec),) if spec is not None else up.chain)


def _read_spec(path: str):
    try:
        with open(path, encoding="utf-8", errors="surrogateescape") as handle:
            text = handle.read()
    except (OSError, ValueError):
        return None
    return _compile_text(text)


@functools.lru_cache(maxsize=256)
def _compile_text(text: str):
    """Compiled once per content: the CLI discovers each named path on its own."""
    return compile_gitignore(text.splitlines())


# --------------------------------------------------------------------------- discovery


def discover(paths, root: Path, exclude, force_exclude: bool = False, respect_gitignore: bool = True) -> Discovery:
    """Files to check under ``paths``.  Directories are walked, skipping the
    excluded and (``respect_gitignore``) the gitignored entries; a path named
    explicitly is always included, unless ``force_exclude`` and it is excluded
    or gitignored."""
    result = Discovery()
    seen = set()
    patterns = _Patterns.of(exclude)
    gitignore = _GitIgnore() if respect_gitignore else None
    for raw in paths:
        path = Path(raw)
        is_dir = path.is_dir()
        if not is_dir and not (path.exists() or path.is_symlink()):
            result.missing.append(raw)
            continue
        if force_exclude and _excluded(path, is_dir, root, patterns, gitignore):
            continue
        if is_dir:
            _walk(path, root, patterns, gitignore, result, seen)
        else:
            _add(result, seen, os.fspath(path))  # a dangling link is reported as unreadable
    return result


def _excluded(path: Path, is_dir: bool, root: Path, patterns: _Patterns, gitignore: _GitIgnore | None) -> bool:
    """Whether ``path`` or a directory above it (up to the project root) is excluded or gitignored."""
    if patterns.match_path(_relative(path, root)):
        return True
    return gitignore is not None and gitignore.ignored(os.path.abspath(path), is_dir)


def _add(result: Discovery, seen: set, path: str) -> None:
    key = os.path.abspath(path)  # normalized too
    if key not in seen:
        seen.add(key)
        result.files.append(path)


def _relative(path: Path, root: Path) -> str:
    """``path`` from the project root ("" for the root itself)."""
    absolute = Path(os.path.abspath(path))
    try:
        relative = absolute.relative_to(root).as_posix()
    except ValueError:
        return absolute.as_posix().lstrip("/")
    return "" if relative == "." else relative


def _walk(top: Path, root: Path, patterns: _Patterns, gitignore: _GitIgnore | None, result: Discovery,
          seen: set) -> None:
    # Directory symlinks are not followed: no loops, no scanning outside the tree.
    level = None
    if gitignore is not None:
        level = gitignore.level(os.path.abspath(top))
        if level is not None and level.ignored:
            # named on the command line: walked, with the .gitignore files inside it only
            own = level.chain[-1:] if level.chain and level.chain[-1][0] == level.rel else ()
            level = _Level(level.rel, own)
    top_rel = _relative(top, root) if patterns.has_path_globs else ""
    # directories as strings: a Path for each of them costs more than listing it
    stack = [(os.fspath(top), top_rel, level, None)]
    while stack:
        directory, rel, level, name = stack.pop()
        try:
            entries = sorted(os.scandir(directory), key=_entry_name)
        except OSError:
            continue
        if name is not None:
            names = {entry.name for entry in entries}
            if "pyvenv.cfg" in names:
                continue  # a virtual environment below the named path: not the project's code
            if gitignore is not None:
                level = _enter(gitignore, level, directory, name, names)
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
            child_rel = f"{rel}/{entry.name}" if rel else entry.name
            if patterns.has_path_globs and patterns.match_full(child_rel):
                continue
            if level is not None and level.ignores(entry.name, is_dir):
                continue
            # below ".", "app/x.py" as a Path would give it, not "./app/x.py"
            path = entry.name if directory == "." else entry.path
            if is_dir:
                subdirs.append((path, child_rel, level, entry.name))
            elif is_file:  # regular files (or links to them): never a FIFO or a device
                _add(result, seen, path)
            elif entry.is_symlink() and not os.path.exists(path):
                _add(result, seen, path)  # dangling: reported as unreadable
        stack.extend(reversed(subdirs))


def _entry_name(entry) -> str:
    return entry.name


def _enter(gitignore: _GitIgnore, level: _Level | None, directory: str, name: str, names: set) -> _Level | None:
    """The .gitignore rules in ``directory`` (holding ``names``), a
    subdirectory ``name`` of one whose rules are ``level``: a '.git' starts
    a repository."""
    if ".git" in names:
        return gitignore.repository(os.path.abspath(directory))
    if level is None:
        return None
    return gitignore.enter(level, os.fspath(directory), name, ".gitignore" in names)
