"""Checks files: read, prefilter, parse, build facts, run the rules, suppress.

One direction of flow; the engine knows rules only through ``Rule.check``
and output only as a list of findings.
"""

from __future__ import annotations

import copy
import os
import stat
from pathlib import Path

from connlint.catalog import Catalog, load_catalog
from connlint.config import Selection, Settings, per_file_ignored
from connlint.facts import build_facts
from connlint.finding import Finding
from connlint.noqa import is_suppressed
from connlint.paths import display_path
from connlint.prefilter import Prefilter
from connlint.registry import PARSE_ERROR_CODE, PARSE_ERROR_NAME, all_rules
from connlint.source import ParseFailure, parse


def internal_error(exc: Exception, code: str | None = None) -> str:
    """A CNL900 reason for a defect of connlint met while checking a file
    (``CONNLINT_DEBUG=1`` raises it instead, with its traceback)."""
    if os.environ.get("CONNLINT_DEBUG"):
        raise exc
    where = f" in {code}" if code else ""
    return f"cannot analyse: connlint internal error{where} ({type(exc).__name__}: {exc}); please report it with this file"


class Checker:
    def __init__(self, settings: Settings, selection: Selection, catalog: Catalog | None = None):
        self.settings = settings
        self.selection = selection
        self.catalog = catalog
        if self.catalog is None:
            self.catalog = load_catalog(self.settings.openers, self.settings.source_name, self.settings.frameworks)
        self.rules = []
        for rule in all_rules():
            if self.selection.enabled(rule.code):
                rule = copy.copy(rule)
                rule.explicitly_selected = self.selection.explicit(rule.code)
                self.rules.append(rule)
        self.prefilter = Prefilter(
            self.catalog.modules,
            self.catalog.settings_names,
            everything=os.environ.get("CONNLINT_PREFILTER") == "off",  # for the benchmark: what it saves
            known=self.catalog.known_names,
        )

    def read(self, path: Path):
        """(display path, bytes or None, CNL900 findings when unreadable)."""
        display = display_path(path)
        try:
            if not stat.S_ISREG(os.stat(path).st_mode):
                return display, None, self._failure(display, 1, 1, "cannot read: not a regular file")
            with open(path, "rb") as handle:
                return display, handle.read(), []
        except OSError as exc:
            return display, None, self._failure(display, 1, 1, f"cannot read: {exc.strerror or exc}")

    def analyse(self, display: str, data: bytes, project=None, package: str = "", force: bool = False,
                lifetimes: bool = True, sites: bool = True):
        """(facts or None, CNL900 findings): None when the file cannot matter.

        ``project`` resolves names other project modules define; ``force``
        skips the prefilter (the caller knows the file imports such a module)."""
        if not force and not self.prefilter.names_catalog(data):
            return None, []
        try:
            tree = parse(data, display)
        except ParseFailure as failure:
            return None, self._failure(display, failure.line, failure.column, failure.reason)
        try:
            return build_facts(display, tree, data, self.catalog, package, project, lifetimes, sites), []
        except RecursionError:
            return None, self._failure(display, 1, 1, "cannot analyse: nesting too deep")
        except Exception as exc:  # noqa: BLE001 - a defect met in one file must not end the run
            return None, self._failure(display, 1, 1, internal_error(exc))

    def check_bytes(self, display: str, data: bytes, project=None, package: str = "", force: bool = False,
                    noqa: bool = True, on_facts=None) -> list[Finding]:
        """Findings for ``data`` as the file ``display``; ``noqa`` False keeps
        those a ``# noqa`` comment suppresses (flake8 applies its own);
        ``on_facts`` is given the file's facts before the rules run."""
        facts, failures = self.analyse(display, data, project, package, force)
        if facts is None:
            return failures
        if on_facts is not None:
            on_facts(facts)
        return self.findings(display, facts, noqa)

    def findings(self, display: str, facts, noqa: bool = True) -> list[Finding]:
        """What the rules find in a file's facts, less what is suppressed."""
        findings = []
        for rule in self.rules:
            try:
                findings.extend(rule.check(facts))
            except RecursionError:
                return self._failure(display, 1, 1, "cannot analyse: nesting too deep")
            except Exception as exc:  # noqa: BLE001 - the other rules' findings still stand
                findings.extend(self._failure(display, 1, 1, internal_error(exc, rule.code)))
        ignored = per_file_ignored(self.settings, display)
        return [
            f
            for f in findings
            if not (noqa and is_suppressed(f, facts.lines)) and not any(f.code.startswith(code) for code in ignored)
        ]

    def _failure(self, display: str, line: int, column: int, reason: str) -> list[Finding]:
        # A file that could not be checked is reported unless CNL900 is ignored
        # explicitly: selecting other rules must not hide it.
        if self.selection.ignored(PARSE_ERROR_CODE):
            return []
        if not reason.startswith("cannot "):
            reason = f"cannot parse: {reason}"
        return [
            Finding(display, line, column, line, column, PARSE_ERROR_CODE, PARSE_ERROR_NAME, reason)
        ]
