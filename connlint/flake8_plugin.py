"""connlint as a flake8 plugin: ``flake8 --select CNL`` reports connlint's findings.

Registered as the ``CNL`` entry point of ``flake8.extension``.  flake8 decides
what is shown: its ``--select``/``--ignore``/``--extend-ignore``, its
``per-file-ignores`` and its ``# noqa`` comments apply.  connlint's own
suppression (``# noqa``, ``per-file-ignores``, ``select``/``ignore`` and
``baseline`` in ``[tool.connlint]``) is not used here: every rule runs and every
finding is yielded.  As on the command line, a rule selected by its full code
(``--select CNL303``, ``--extend-select CNL303``) turns on its opt-in checks.

What connlint *knows* does follow the project: ``openers`` and ``frameworks``
from ``[tool.connlint]`` in the nearest ``pyproject.toml`` above the current
directory are honoured, exactly as the ``connlint`` command does.  A broken
``[tool.connlint]`` makes flake8 stop with connlint's one-line reason.

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

    #: connlint's engine (catalog, prefilter, rules), built when the first file
    #: is seen, once per process (flake8 checks files in worker processes)
    _checker = None
    #: codes flake8's --select / --extend-select name
    _explicit: frozenset = frozenset()

    def __init__(self, tree, filename: str, lines: list[str]):
        # ``tree`` is flake8's own parse of the decoded text; connlint parses
        # the source bytes itself (only for files that pass the prefilter) so
        # that it sees exactly what the ``connlint`` command sees.
        self.filename = filename
        self.lines = lines
        if type(self)._checker is None:
            # Here rather than in run(): flake8 turns an exception raised while
            # the plugin is created into a one-line error naming the file and
            # the reason (a broken [tool.connlint] is such an error).
            type(self)._build_checker()

    @classmethod
    def parse_options(cls, *args) -> None:
        """flake8 calls ``parse_options(option_manager, options, filenames)``
        (or ``parse_options(options)``) once its options are known."""
        options = args[1] if len(args) > 1 else args[0]
        codes = list(getattr(options, "select", None) or ()) + list(getattr(options, "extend_select", None) or ())
        cls._explicit = frozenset(code.strip().upper() for code in codes)
        cls._checker = None

    @classmethod
    def _build_checker(cls) -> None:
        from connlint.config import Selection, load_settings
        from connlint.engine import Checker

        settings = load_settings(None, isolated=False)
        # Every rule on; the codes flake8 selects in full are "explicit" (opt-in checks).
        explicit = sorted(code for code in cls._explicit if code.startswith("CNL"))
        cls._checker = Checker(settings, Selection(["CNL"], [], explicit))

    def run(self):
        checker = self._checker
        text = "".join(self.lines)
        try:
            data = text.encode("utf-8")
        except UnicodeEncodeError:
            return
        if not checker.prefilter.matches(data):
            return
        data = _source_bytes(text, data)
        if data is None:
            return
        yield from self._check(checker, data)

    def _check(self, checker, data: bytes):
        from connlint.engine import display_path

        # The path the command line would report: framework heuristics look at
        # it (a Django ``views.py``).
        display = display_path(Path(self.filename))
        # Checker.check_bytes minus its suppression (noqa, per-file-ignores):
        # analyse() prefilters, parses and builds the facts; a file that cannot
        # be parsed gives no facts (its CNL900 is dropped: flake8 has E999).
        facts, _ = checker.analyse(display, data)
        if facts is None:
            return
        try:
            findings = [finding for rule in checker.rules for finding in rule.check(facts)]
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
