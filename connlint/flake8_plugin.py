"""connlint as a flake8 plugin: ``flake8 --select CNL`` reports connlint's findings.

Registered as the ``CNL`` entry point of ``flake8.extension``.  flake8 decides
what is shown: its ``--select``/``--ignore``/``--extend-ignore``, its
``per-file-ignores`` and its ``# noqa`` comments apply; connlint's own
suppression (``# noqa`` handling, ``per-file-ignores``, ``select``/``ignore``
in ``[tool.connlint]``) is not used here, so every rule runs and every finding
is yielded.

What connlint *knows* does follow the project: ``openers`` and ``frameworks``
from ``[tool.connlint]`` in the nearest ``pyproject.toml`` above the current
directory are honoured, exactly as the ``connlint`` command does.

A file connlint cannot parse yields nothing (flake8 reports E999 itself), so
CNL900 never comes from the plugin.
"""

from __future__ import annotations

import io
import tokenize
from pathlib import Path

from connlint import __version__


class ConnlintPlugin:
    name = "connlint"
    version = __version__

    # Built on first use, once per process (flake8 runs files in worker
    # processes): the catalog and its prefilter, then the rules.
    _catalog = None
    _prefilter = None
    _rules = None

    def __init__(self, tree, filename: str, lines: list[str]):
        # ``tree`` is flake8's own parse of the decoded text; connlint parses
        # the source bytes itself (only for files that pass the prefilter) so
        # that it sees exactly what the ``connlint`` command sees.
        self.filename = filename
        self.lines = lines
        if ConnlintPlugin._catalog is None:
            # Here rather than in run(): flake8 turns an exception raised while
            # the plugin is created into a one-line error naming the file and
            # the reason (a broken [tool.connlint] is such an error).
            ConnlintPlugin._load_catalog()

    @classmethod
    def _load_catalog(cls) -> None:
        from connlint.catalog import load_catalog
        from connlint.config import load_settings
        from connlint.prefilter import build_prefilter

        settings = load_settings(None, isolated=False)
        catalog = load_catalog(settings.openers, settings.source_name, settings.frameworks)
        cls._prefilter = build_prefilter(catalog.modules)
        cls._catalog = catalog

    @classmethod
    def _load_rules(cls) -> None:
        from connlint.registry import all_rules

        cls._rules = all_rules()

    def run(self):
        text = "".join(self.lines)
        try:
            data = text.encode("utf-8")
        except UnicodeEncodeError:
            return
        from connlint.prefilter import could_matter

        if not could_matter(self._prefilter, data):
            return
        data = _source_bytes(text, data)
        if data is None:
            return
        yield from self._check(data)

    def _check(self, data: bytes):
        from connlint.engine import display_path
        from connlint.facts import build_facts
        from connlint.source import ParseFailure, parse

        if self._rules is None:
            self._load_rules()
        # The same path the command line reports: framework heuristics look at it
        # (a Django ``views.py``).
        display = display_path(Path(self.filename))
        try:
            tree, lines = parse(data, display)
        except ParseFailure:
            return
        try:
            facts = build_facts(display, tree, lines, self._catalog)
            findings = [finding for rule in self._rules for finding in rule.check(facts)]
        except RecursionError:
            return
        for finding in findings:
            # connlint columns are 1-based characters; flake8 wants 0-based.
            yield finding.line, finding.column - 1, f"{finding.code} {finding.message}", type(self)


def _source_bytes(text: str, utf8: bytes) -> bytes | None:
    """The file's bytes again: flake8 hands over text decoded with the file's
    declared encoding, so a file with a non-UTF-8 coding cookie is encoded back
    with it (its columns then count characters as the command line does)."""
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(utf8).readline)
    except SyntaxError:  # an unknown or contradictory coding cookie
        return None
    if encoding in ("utf-8", "utf-8-sig"):
        return utf8
    try:
        return text.encode(encoding)
    except (UnicodeEncodeError, LookupError):
        return None
