"""The results cache: findings per file, reused while nothing they depend on
changed.

One JSON file per configuration under ``.connlint_cache/``: its name hashes
connlint's version and code (the bytes of its own ``.py`` files and of its
rules), every catalog and framework file, the settings that change results,
and the selected rules, so a change to any of them starts a fresh cache
(never stale).  Entries are keyed by path and checked by size, modification
time (``st_mtime_ns``) and inode change time (``st_ctime_ns``, which moves on
every write, even when the modification time is put back); when one of them
moved, by content hash.  Writes are atomic (temp file + rename), so concurrent
runs never see half a file.  The cache can only make a run faster: a file
that cannot be read or parsed, or an entry of an unexpected shape, is a miss
(the entry is computed again and rewritten), never an error.
"""

from __future__ import annotations

import functools
import json
import os
import sys
import stat
from pathlib import Path

from connlint import __version__
from connlint.finding import Finding, Fix

FORMAT = 1


@functools.lru_cache(maxsize=1)
def code_digest() -> str:
    """A digest of connlint's own code: every ``.py`` file of the ``connlint``
    package and of its rules (``connlint.rules``), by name, size and
    modification time, so that an edited checkout or an upgrade with an
    unchanged version string never reads results of other code.  About 60
    files stat-ed once per run (a fraction of a millisecond: reading them
    would cost a pre-commit run several)."""
    import connlint
    import connlint.rules

    parts = []
    seen = set()
    for package in (connlint, connlint.rules):
        top = os.path.dirname(os.path.abspath(package.__file__))
        for directory, subdirectories, names in os.walk(top):
            subdirectories[:] = sorted(d for d in subdirectories if d != "__pycache__")
            for name in sorted(names):
                path = os.path.join(directory, name)
                if not name.endswith(".py") or path in seen:
                    continue  # connlint/rules/ of an installed package is walked once
                seen.add(path)
                try:
                    found = os.stat(path)
                    stamp = f"{found.st_size}\0{found.st_mtime_ns}"
                except OSError:
                    stamp = "unreadable"
                relative = os.path.relpath(path, top).replace(os.sep, "/")
                parts.append(f"{package.__name__}/{relative}\0{stamp}\0")
    return short_digest("".join(parts).encode())


def configuration_key(settings, rules, catalog_dirs) -> str:
    """The name of the cache file for these settings; ``rules`` are the
    (code, selected by its full code) of the rules that run."""
    # the Python version too: what parses (and so what is found) depends on it
    python = "%d.%d" % sys.version_info[:2]
    parts = [f"connlint {__version__} code {code_digest()} cache {FORMAT} python {python}\0"]
    for directory in catalog_dirs:  # by name, size and mtime, as connlint's own code
        for name in sorted(os.listdir(directory)):
            if name.endswith(".toml"):
                found = os.stat(os.path.join(directory, name))
                parts.append(f"{name}\0{found.st_size}\0{found.st_mtime_ns}\0")
    relevant = {
        "rules": sorted([code, bool(explicit)] for code, explicit in rules),
        "per_file_ignores": settings.per_file_ignores,
        "openers": settings.openers,
        "frameworks": settings.frameworks,
        "root": str(settings.root),
    }
    parts.append(json.dumps(relevant, sort_keys=True, default=str))
    return short_digest("".join(parts).encode())


def short_digest(data: bytes) -> str:
    """A fast fingerprint of ``data`` (CRC-32, Adler-32 and length) for
    keys built from names, sizes and times: no hashlib (OpenSSL) to load on
    a warm run, where every millisecond of start-up counts."""
    import zlib

    return f"{zlib.crc32(data):08x}{zlib.adler32(data):08x}{len(data):x}"


def content_hash(data: bytes) -> str:
    """A file's contents, when its size and times no longer vouch for it."""
    import hashlib

    return hashlib.blake2b(data, digest_size=16).hexdigest()


class ResultCache:
    def __init__(self, directory: Path, key: str):
        self.directory = Path(directory)
        self.path = self.directory / f"results-{key}.json"
        self.entries: dict = {}
        self.summaries: dict = {}  # absolute path -> {size, mtime, ctime, summary, deps}
        self.dirty = False
        self._load()

    def _load(self) -> None:
        """Entries of the cache file; none when it is missing or unreadable
        (a directory, a pipe, truncated, not JSON, nested too deep, ...).
        Entries are checked one by one when looked up."""
        try:
            data = json.loads(_read_regular_file(self.path))
        except Exception:  # whatever the reason, a cache that cannot be read is a miss, rewritten on save
            return
        if type(data) is dict and data.get("format") == FORMAT:
            files, summaries = data.get("files"), data.get("summaries")
            self.entries = files if type(files) is dict else {}
            self.summaries = summaries if type(summaries) is dict else {}

    def lookup(self, display: str, stat_result, deps_unchanged=None) -> list[Finding] | None:
        """Findings for a file whose size, mtime and ctime are unchanged, and
        whose imported project modules still export the same (``deps_unchanged``)."""
        entry = self.entries.get(display)
        if type(entry) is not dict or not _same_stat(entry, stat_result):
            return None
        deps = entry.get("deps")
        if type(deps) is not dict or not all(type(value) is str for value in deps.values()):
            return None
        findings = _findings(entry.get("findings"))
        if findings is None or (deps and (deps_unchanged is None or not deps_unchanged(deps))):
            return None
        return findings

    def lookup_content(self, display: str, digest: str) -> list[Finding] | None:
        """Findings for unchanged content whose mtime or ctime moved (a checkout, a touch, a chmod)."""
        entry = self.entries.get(display)
        if type(entry) is not dict or entry.get("hash") != digest or entry.get("deps") != {}:
            return None
        return _findings(entry.get("findings"))

    def store(self, display: str, stat_result, digest: str, findings, deps=None) -> None:
        self.entries[display] = {
            "size": stat_result.st_size,
            "mtime": stat_result.st_mtime_ns,
            "ctime": stat_result.st_ctime_ns,
            "hash": digest,
            "findings": [_plain(f) for f in findings],
            "deps": deps or {},
        }
        self.dirty = True

    def lookup_summary(self, path: str, stat_result):
        """(summary, {module it depends on: the digest of its summary, or
        [size, mtime_ns, ctime_ns] of its file, or None}) stored for an unchanged
        module (size, mtime and ctime); the caller checks those modules."""
        entry = self.summaries.get(path)
        if type(entry) is dict and _same_stat(entry, stat_result):
            from connlint.summary import ModuleSummary

            summary = ModuleSummary.from_json(entry.get("summary"))
            deps = entry.get("deps")
            if summary is not None and type(deps) is dict and all(
                stamp is None or type(stamp) in (str, list) for stamp in deps.values()  # a digest, a file's stamp
            ):
                return summary, deps
        return None

    def store_summary(self, path: str, stat_result, summary, deps: dict) -> None:
        """Keep ``summary`` (a ``connlint.summary.ModuleSummary``) for an unchanged file."""
        entry = {
            "size": stat_result.st_size, "mtime": stat_result.st_mtime_ns, "ctime": stat_result.st_ctime_ns,
            "summary": summary.to_json(), "deps": deps,
        }
        if self.summaries.get(path) != entry:  # one read back from the cache is not written again
            self.summaries[path] = entry
            self.dirty = True

    def save(self) -> None:
        if not self.dirty:
            return
        from connlint.atomic import replace_file

        try:
            text = json.dumps({"format": FORMAT, "files": self.entries, "summaries": self.summaries},
                              separators=(",", ":"))
            self.directory.mkdir(parents=True, exist_ok=True)
            gitignore = self.directory / ".gitignore"
            if not gitignore.exists():
                replace_file(gitignore, b"# created by connlint\n*\n")
            replace_file(self.path, text.encode("utf-8"))  # fails on a directory in its place: not written
        except OSError:
            pass  # a cache that cannot be written only costs time
        except (ValueError, TypeError, RecursionError) as exc:
            # what was to be kept is not JSON: a defect, shown rather than
            # every later run paying for a cache it never gets
            sys.stderr.write(
                f"connlint: warning: the results cache was not written ({type(exc).__name__}: {exc}); "
                "please report this as a connlint bug\n"
            )


def _read_regular_file(path) -> bytes:
    """The bytes of a regular file (a pipe in its place would block the run)."""
    handle = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    with open(handle, "rb") as stream:
        if not stat.S_ISREG(os.fstat(handle).st_mode):
            raise OSError(f"{path} is not a regular file")
        return stream.read()


def _same_stat(entry: dict, stat_result) -> bool:
    """Size, modification time and inode change time as recorded.  The ctime
    moves on every write, even one whose mtime is put back afterwards
    (``touch -r``, ``os.utime``): a same-size edit is not served stale."""
    return (
        entry.get("size") == stat_result.st_size
        and entry.get("mtime") == stat_result.st_mtime_ns
        and entry.get("ctime") == stat_result.st_ctime_ns
    )


def _plain(finding: Finding) -> dict:
    data = {
        "path": finding.path, "line": finding.line, "column": finding.column,
        "end_line": finding.end_line, "end_column": finding.end_column, "code": finding.code,
        "name": finding.name, "message": finding.message, "severity": finding.severity,
        "statement_line": finding.statement_line, "fix": None,
    }
    if finding.fix is not None:
        data["fix"] = {
            "applicability": finding.fix.applicability,
            "description": finding.fix.description,
            "edits": [dict(edit) for edit in finding.fix.edits],
        }
    return data


# -- the shapes of entries ----------------------------------------------------------
#
# A cache file is data from outside: an entry of another shape than the one
# this code writes is a miss, never an error further on.  The checks are by
# exact type (``True`` is no line number) and exact keys.

_FINDING_KEYS = frozenset(("path", "line", "column", "end_line", "end_column", "code", "name", "message",
                           "severity", "statement_line", "fix"))
_FIX_KEYS = frozenset(("applicability", "description", "edits"))
_EDIT_TYPES = {"line": int, "column": int, "end_line": int, "end_column": int, "content": str}


def _findings(items) -> list[Finding] | None:
    """The findings of an entry, or None when any is malformed."""
    if type(items) is not list:
        return None
    findings = []
    for item in items:
        finding = _finding(item)
        if finding is None:
            return None
        findings.append(finding)
    return findings


def _finding(item) -> Finding | None:
    # straight-line checks: a warm run reads every finding of the project
    if type(item) is not dict or len(item) != len(_FINDING_KEYS):
        return None
    try:
        path, line, column, end_line, end_column = (
            item["path"], item["line"], item["column"], item["end_line"], item["end_column"])
        code, name, message, severity = item["code"], item["name"], item["message"], item["severity"]
        statement_line, fix = item["statement_line"], item["fix"]
    except KeyError:
        return None
    if not (
        type(path) is str and type(line) is int and type(column) is int and type(end_line) is int
        and type(end_column) is int and type(code) is str and type(name) is str and type(message) is str
        and type(severity) is str and (statement_line is None or type(statement_line) is int)
    ):
        return None
    if fix is not None:
        if type(fix) is not dict or len(fix) != len(_FIX_KEYS):
            return None
        try:
            applicability, description, edits = fix["applicability"], fix["description"], fix["edits"]
        except KeyError:
            return None
        if type(applicability) is not str or type(description) is not str or not _edits(edits):
            return None
        fix = Fix(applicability, description, tuple(edits))
    return Finding(
        path=path, line=line, column=column, end_line=end_line, end_column=end_column, code=code, name=name,
        message=message, severity=severity, fix=fix, statement_line=statement_line,
    )


def _edits(edits) -> bool:
    if type(edits) is not list:
        return False
    return not edits or all(
        type(edit) is dict and edit.keys() == _EDIT_TYPES.keys()
        and all(type(edit[key]) is kind for key, kind in _EDIT_TYPES.items())
        for edit in edits
    )


def valid_summary(summary) -> bool:
    """Is ``summary`` a module summary's JSON document (``connlint.summary``)?"""
    from connlint.summary import ModuleSummary

    return ModuleSummary.from_json(summary) is not None
