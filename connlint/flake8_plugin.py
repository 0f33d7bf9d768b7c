"""connlint as a flake8 plugin: ``flake8 --select CNL`` reports connlint's findings.

Registered as the ``CNL`` entry point of ``flake8.extension``.  The plugin
checks each file through the same path as the ``connlint`` command
(``connlint.workspace``): the project the file belongs to is found from the
file (its nearest settings file), the project's other modules are in view, so
cross-module findings come through, and ``[tool.connlint]`` ``select``,
``ignore``, ``per-file-ignores`` and ``baseline`` apply as on the command line.
flake8's own ``--select``/``--ignore``, ``per-file-ignores`` and ``# noqa``
apply on top (``# noqa`` is flake8's alone: ``--disable-noqa`` shows what it
hides).  As on the command line, a rule selected by its full code
(``--select CNL303``, ``--extend-select CNL303``) turns on its opt-in checks.
A broken ``[tool.connlint]`` makes flake8 stop with connlint's one-line reason.

A file connlint cannot parse yields nothing (flake8 reports E999 itself), so
CNL900 never comes from the plugin.
"""

from __future__ import annotations

from connlint import __version__


class ConnlintPlugin:
    name = "connlint"
    version = __version__

    #: the projects of the files seen, built when the first file is seen,
    #: once per process (flake8 checks files in worker processes)
    _workspace = None
    #: codes flake8's --select / --extend-select name
    _explicit: frozenset = frozenset()
    #: project root -> its baseline's entries (None: no baseline)
    _baselines: dict = {}

    def __init__(self, tree, filename: str, lines: list[str]):
        # ``tree`` is flake8's own parse of the decoded text; connlint parses
        # the source bytes itself so that it sees exactly what the
        # ``connlint`` command sees.
        self.filename = filename
        self.lines = lines
        # Here rather than in run(): flake8 turns an exception raised while
        # the plugin is created into a one-line error naming the file and the
        # reason (a broken [tool.connlint] is such an error).
        self.project = type(self)._project_of(filename)
        self.baseline = type(self)._baseline_of(self.project)

    @classmethod
    def parse_options(cls, *args) -> None:
        """flake8 calls ``parse_options(option_manager, options, filenames)``
        (or ``parse_options(options)``) once its options are known."""
        options = args[1] if len(args) > 1 else args[0]
        codes = list(getattr(options, "select", None) or ()) + list(getattr(options, "extend_select", None) or ())
        cls._explicit = frozenset(code.strip().upper() for code in codes)
        cls._workspace = None
        cls._baselines = {}

    @classmethod
    def _project_of(cls, filename: str):
        from connlint.workspace import Overrides, Workspace

        if cls._workspace is None:
            explicit = sorted(code for code in cls._explicit if code.startswith("CNL"))
            cls._workspace = Workspace(Overrides(explicit=explicit))
        return cls._workspace.project_for(filename)

    def run(self):
        text = "".join(self.lines)
        try:
            data = text.encode("utf-8")
        except UnicodeEncodeError:
            return
        from connlint.source import encoded_as_declared

        # flake8 hands over text decoded with the file's declared encoding
        data = encoded_as_declared(text, data)
        if data is None:
            return
        project = self.project
        findings = [f for f in project.check_source(self.filename, data, noqa=False) if f.code != "CNL900"]
        if findings and self.baseline is not None:
            from connlint.baseline import new_findings
            from connlint.report import sort_findings
            from connlint.source import decode_lines

            findings = sort_findings(findings)
            sources = {findings[0].path: decode_lines(data)}
            findings = new_findings(findings, sources, self.baseline, project.relative)
        for finding in findings:
            # connlint columns are 1-based characters; flake8 wants 0-based.
            yield finding.line, finding.column - 1, f"{finding.code} {finding.message}", type(self)

    @classmethod
    def _baseline_of(cls, project):
        """The entries of the project's baseline (``[tool.connlint] baseline``), read once."""
        if project.baseline_path is None:
            return None
        key = str(project.root)
        if key not in cls._baselines:
            from connlint.baseline import load_baseline

            cls._baselines[key] = load_baseline(str(project.baseline_path))
        return cls._baselines[key]
