"""Could a file matter?  Answered from its bytes alone, before any parsing.

A file that imports none of the catalog's modules (nor a module named by a
user opener) cannot create a catalog resource, so it is never parsed.

Import statements are found by jumping from one ``import`` keyword to the
next with ``bytes.find`` and looking at the line around it: a regular
expression anchored at line starts is tried at every byte of the file, which
made it the costliest step before parsing (about 7 ns a byte).
"""

from __future__ import annotations

import re

BOM = b"\xef\xbb\xbf"
_FROM = re.compile(rb"[ \t]*from[ \t]+(\.*[\w.]*)[ \t]+")
_AFTER_KEYWORD = frozenset(b" \t(\\")
_LINE_ENDS = re.compile(rb"[\r\n#;]")
_JOINED = re.compile(rb"\\(?:\r\n|\r|\n)")
_COMMENT = re.compile(rb"#[^\r\n]*")


def _opens_list(rest: bytes) -> bool:
    """``from m import (`` with the list going on past this line."""
    return b"(" in rest and b")" not in rest


def import_statements(data: bytes, whole: bool = False) -> list[tuple[bytes | None, bytes]]:
    """(module of ``from M import``, or None for ``import``; the rest of the
    line) for each line that starts an import statement.

    The names of a parenthesised list that goes on over several lines are
    only those on the first line, unless ``whole``: then the rest runs to the
    closing parenthesis, comments left out.  Text in strings that looks like
    an import counts as one (the answer only has to err on the side of
    parsing)."""
    found = []
    position = data.find(b"import")
    while position >= 0:
        end = position + 6
        if end < len(data) and data[end] in _AFTER_KEYWORD:
            start = _line_start(data, position)
            prefix = data[start:position]
            if b"\\" in prefix:  # ``from sqlalchemy \`` then ``import ...`` on the next line
                prefix = _JOINED.sub(b" ", prefix)
            if start == 0 and prefix.startswith(BOM):
                prefix = prefix[3:]
            if b";" in prefix:
                prefix = prefix[prefix.rindex(b";") + 1 :]  # ``import os; import sqlite3``
            source = None
            if prefix.strip(b" \t"):
                match = _FROM.fullmatch(prefix)
                source = match.group(1) if match is not None else None
            if source is not None or not prefix.strip(b" \t"):
                stop = _LINE_ENDS.search(data, end)
                rest = data[end : stop.start() if stop else len(data)]
                if whole and source is not None and _opens_list(rest):
                    close = data.find(b")", end)
                    rest = _COMMENT.sub(b"", data[end : close + 1 if close >= 0 else len(data)])
                found.append((source, rest))
        position = data.find(b"import", end)
    return found


def _line_start(data: bytes, position: int) -> int:
    """Where the logical line holding ``position`` starts (lines joined by a
    trailing backslash count as one)."""
    start = max(data.rfind(b"\n", 0, position), data.rfind(b"\r", 0, position)) + 1
    while start > 1:
        end = start - 1  # the line break before ``start``
        if data[end] == 10 and data[end - 1] == 13:
            end -= 1
        if end == 0 or data[end - 1] != 92:  # no backslash before the break
            break
        start = max(data.rfind(b"\n", 0, end - 1), data.rfind(b"\r", 0, end - 1)) + 1
    return start


def imported_aliases(rest: bytes) -> list[tuple[str, str | None]]:
    """``a.b as c, d`` -> ``[("a.b", "c"), ("d", None)]``; parentheses, line
    joins and ``*`` dropped."""
    found = []
    for part in rest.decode("utf-8", "replace").split(","):
        words = part.strip(" \t()\\").split()
        if words and words[0] != "*":
            found.append((words[0], words[2] if len(words) >= 3 and words[1] == "as" else None))
    return found


def imported_names(rest: bytes) -> list[str]:
    """``a.b as c, d`` -> ``["a.b", "d"]``; parentheses and line joins dropped."""
    return [name for name, _ in imported_aliases(rest)]


class Prefilter:
    """Matches a file that imports one of ``modules`` (by top-level package),
    or assigns one of ``settings_names`` at module level (``DATABASES = {...}``
    in Django settings).

    ``names_catalog`` asks more: does the file import a name the catalog
    knows?  ``known`` holds the catalog's qualified names and every module on
    the way to one (``sqlalchemy``, ``sqlalchemy.orm``,
    ``sqlalchemy.orm.Session``): ``from sqlalchemy import Column`` cannot
    bring a resource into a file, ``from sqlalchemy import orm`` can."""

    def __init__(self, modules, settings_names=(), everything: bool = False, known=()):
        self.tops = frozenset(m.split(".", 1)[0] for m in modules)
        self.known = frozenset(_with_parents(name for name in known if name.split(".", 1)[0] in self.tops))
        self.settings_names = tuple(sorted(n.encode() for n in settings_names))
        self.everything = everything  # the benchmark measures what the prefilter saves
        self._settings = None
        if self.settings_names:
            words = b"|".join(re.escape(n) for n in self.settings_names)
            self._settings = re.compile(rb"^(?:" + words + rb")[ \t]*(?::[^=\n]*)?=", re.M)

    def matches(self, data: bytes, statements=None) -> bool:
        """Does the file import a catalog library at all (or set a database setting)?"""
        if self.everything:
            return True
        if statements is None:
            statements = import_statements(data)
        for source, rest in statements:
            if source is not None:
                if self._imports_catalog(source.decode("utf-8", "replace")):
                    return True
            elif any(self._imports_catalog(name) for name in imported_names(rest)):
                return True
        return self._sets_database(data)

    def names_catalog(self, data: bytes, statements=None, whole: bool = False) -> bool:
        """Does the file import a catalog module whole (``import redis``:
        any attribute may follow), or from one a name the catalog knows (or
        ``*``), or set a database setting?  Anything a check finds starts
        from one of these, or from a project module."""
        if self.everything:
            return True
        if statements is None:
            statements = import_statements(data)
        unfinished = False
        for source, rest in statements:
            if source is None:
                if any(self._imports_catalog(name) for name in imported_names(rest)):
                    return True
                continue
            module = source.decode("utf-8", "replace")
            if not self._imports_catalog(module):
                continue
            if b"*" in rest or any(f"{module}.{name}" in self.known for name in imported_names(rest)):
                return True
            unfinished = unfinished or _opens_list(rest)
        if unfinished and not whole:  # a list over several lines: read it whole
            return self.names_catalog(data, import_statements(data, whole=True), whole=True)
        return self._sets_database(data)

    def _sets_database(self, data: bytes) -> bool:
        # the settings pattern is anchored per line: only worth running when a name occurs at all
        return self._settings is not None and any(n in data for n in self.settings_names) and (
            self._settings.search(data) is not None
        )

    def knows(self, qual: str) -> bool:
        """Is ``qual`` a name the catalog knows, or a module on the way to one?"""
        return qual in self.known

    def _imports_catalog(self, module: str) -> bool:
        return module.split(".", 1)[0] in self.tops


def _with_parents(names):
    for name in names:
        parts = name.split(".")
        for end in range(1, len(parts) + 1):
            yield ".".join(parts[:end])
