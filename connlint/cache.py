"""The results cache: findings per file, reused while nothing they depend on
changed.

One JSON file per configuration under ``.connlint_cache/``: its name hashes
connlint's version, every catalog and framework file, the settings that
change results, and the selected rules, so a change to any of them starts a
fresh cache (never stale).  Entries are keyed by path and checked by size,
modification time and content hash.  Writes are atomic (temp file + rename),
so concurrent runs never see half a file; a cache that cannot be read is
ignored and rewritten.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from pathlib import Path

from connlint import __version__
from connlint.finding import Finding, Fix

FORMAT = 1


def configuration_key(settings, rules, catalog_dirs) -> str:
    digest = hashlib.sha256()
    digest.update(f"connlint {__version__} cache {FORMAT}\0".encode())
    for directory in catalog_dirs:
        for path in sorted(Path(directory).glob("*.toml")):
            digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    relevant = {
        "rules": sorted((rule.code, rule.explicitly_selected) for rule in rules),
        "per_file_ignores": settings.per_file_ignores,
        "openers": settings.openers,
        "frameworks": settings.frameworks,
        "root": str(settings.root),
    }
    digest.update(json.dumps(relevant, sort_keys=True, default=str).encode())
    return digest.hexdigest()[:24]


def content_hash(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=16).hexdigest()


class ResultCache:
    def __init__(self, directory: Path, key: str):
        self.directory = Path(directory)
        self.path = self.directory / f"results-{key}.json"
        self.entries: dict = {}
        self.summaries: dict = {}  # absolute path -> {size, mtime, summary}
        self.dirty = False
        self._load()

    def _load(self) -> None:
        try:
            with open(self.path, encoding="utf-8") as handle:
                data = json.load(handle)
            if isinstance(data, dict) and data.get("format") == FORMAT and isinstance(data.get("files"), dict):
                self.entries = data["files"]
                summaries = data.get("summaries")
                self.summaries = summaries if isinstance(summaries, dict) else {}
        except (OSError, ValueError):
            self.entries = {}  # missing or corrupt: start afresh, rewritten on save

    def lookup(self, display: str, stat_result, deps_unchanged=None) -> list[Finding] | None:
        """Findings for a file whose size and mtime are unchanged, and whose
        imported project modules still export the same (``deps_unchanged``)."""
        entry = self.entries.get(display)
        if not isinstance(entry, dict):
            return None
        if entry.get("size") != stat_result.st_size or entry.get("mtime") != stat_result.st_mtime_ns:
            return None
        deps = entry.get("deps") or {}
        if deps and (deps_unchanged is None or not deps_unchanged(deps)):
            return None
        try:
            return [_finding(item) for item in entry["findings"]]
        except (KeyError, TypeError, ValueError):
            return None

    def lookup_content(self, display: str, digest: str) -> list[Finding] | None:
        """Findings for unchanged content whose mtime moved (a checkout, a touch)."""
        entry = self.entries.get(display)
        if not isinstance(entry, dict) or entry.get("hash") != digest or entry.get("deps"):
            return None
        try:
            return [_finding(item) for item in entry["findings"]]
        except (KeyError, TypeError, ValueError):
            return None

    def store(self, display: str, stat_result, digest: str, findings, deps=None) -> None:
        self.entries[display] = {
            "size": stat_result.st_size,
            "mtime": stat_result.st_mtime_ns,
            "hash": digest,
            "findings": [_plain(f) for f in findings],
            "deps": deps or {},
        }
        self.dirty = True

    def lookup_summary(self, path: str, stat_result):
        entry = self.summaries.get(path)
        if isinstance(entry, dict) and entry.get("size") == stat_result.st_size and entry.get("mtime") == stat_result.st_mtime_ns:
            summary = entry.get("summary")
            if isinstance(summary, dict):
                return summary
        return None

    def store_summary(self, path: str, stat_result, summary: dict) -> None:
        self.summaries[path] = {"size": stat_result.st_size, "mtime": stat_result.st_mtime_ns, "summary": summary}
        self.dirty = True

    def save(self) -> None:
        if not self.dirty:
            return
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            gitignore = self.directory / ".gitignore"
            if not gitignore.exists():
                gitignore.write_text("# created by connlint\n*\n", encoding="utf-8")
            handle, temp = tempfile.mkstemp(dir=self.directory, prefix=".results-", suffix=".tmp")
            try:
                with os.fdopen(handle, "w", encoding="utf-8") as stream:
                    json.dump({"format": FORMAT, "files": self.entries, "summaries": self.summaries}, stream,
                              separators=(",", ":"))
                os.replace(temp, self.path)
            except BaseException:
                os.unlink(temp)
                raise
        except OSError:
            pass  # a cache that cannot be written only costs time


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


def _finding(item: dict) -> Finding:
    fix = item.get("fix")
    if fix is not None:
        fix = Fix(fix["applicability"], fix["description"], tuple(fix["edits"]))
    return Finding(
        path=item["path"], line=item["line"], column=item["column"], end_line=item["end_line"],
        end_column=item["end_column"], code=item["code"], name=item["name"], message=item["message"],
        severity=item["severity"], fix=fix, statement_line=item.get("statement_line"),
    )
