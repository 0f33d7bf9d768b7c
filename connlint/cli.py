"""The ``connlint`` command line (flake8-style)."""

from __future__ import annotations

import argparse
import codecs
import io
import os
import sys
from pathlib import Path

from connlint import __version__
from connlint.record import Record

EXIT_CLEAN, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2


class RunOptions(Record, frozen=True):
    jobs: int
    cache: bool
    cache_dir: str | None
    fixing: str | None = None  # "fix", "fix-only" or "diff"
    unsafe: bool = False  # --unsafe-fixes
    force_exclude: bool = False  # --force-exclude
    respect_gitignore: bool = True  # --no-respect-gitignore turns it off


def runner_default_jobs() -> int:
    from connlint.runner import default_jobs

    return default_jobs()


# --------------------------------------------------------------------------- output


class _Utf8Writer(io.TextIOWrapper):
    """UTF-8 over the binary buffer of a standard stream whose encoding is
    ASCII; it leaves that buffer open when it goes."""

    def __del__(self):
        try:
            self.detach()
        except Exception:
            pass


_UTF8_WRITERS: dict = {}  # id(stream) -> (stream, its _Utf8Writer)


def _is_ascii(encoding: str) -> bool:
    try:
        return codecs.lookup(encoding).name == "ascii"
    except LookupError:
        return False


def _stream(err: bool):
    """sys.stdout or sys.stderr, looked up at each write (tests redirect them);
    one configured for ASCII (e.g. PYTHONIOENCODING=ascii) writes UTF-8 instead,
    with what cannot be encoded replaced."""
    stream = sys.stderr if err else sys.stdout
    if stream is None:
        return None
    encoding = getattr(stream, "encoding", None)
    if encoding and getattr(stream, "errors", None) is not None and not _is_ascii(encoding):
        return stream
    buffer = getattr(stream, "buffer", None)
    if buffer is None:  # e.g. io.StringIO
        return stream
    held = _UTF8_WRITERS.get(id(stream))
    if held is None or held[0] is not stream:
        held = _UTF8_WRITERS[id(stream)] = (stream, _Utf8Writer(buffer, "utf-8", "replace", line_buffering=True))
    return held[1]


def _isatty(stream) -> bool:
    try:
        return stream.isatty()
    except Exception:
        return False


def _echo(message: str, err: bool = False, nl: bool = True, color: bool = False) -> None:
    """Write ``message`` (and a newline) to stdout, or stderr, and flush at
    once.  ANSI escape sequences are removed, unless ``color`` or the stream is
    a terminal: a report carries colors only when asked to, and a path or a
    value quoted in a message shows none in a log."""
    stream = _stream(err)
    if stream is None:
        return
    if nl:
        message += "\n"
    if message:
        if not color and "\033" in message and not _isatty(stream):
            import re

            message = re.sub(r"\033\[[0-?]*[ -/]*[@-~]", "", message)
        stream.write(message)
    stream.flush()


def _quiet_stdout() -> None:
    """After a broken pipe: what is left for stdout goes to the null device,
    instead of failing again, with a message, when Python flushes it at exit."""
    try:
        null = os.open(os.devnull, os.O_WRONLY)
        os.dup2(null, sys.stdout.fileno())
        os.close(null)
    except (AttributeError, OSError, ValueError):
        pass


def _fail(message: str) -> None:
    _echo(f"connlint: error: {message}", err=True)
    sys.exit(EXIT_ERROR)


def _list_rules() -> str:
    from connlint.registry import all_rules

    rows = [f"{rule.code}  {rule.name:<28} {rule.summary}" for rule in all_rules()]
    return "\n".join(rows) + "\n"


def write_output(text: str, output_file: str | None) -> None:
    """Print, or write the whole report atomically to ``output_file``."""
    if not output_file:
        _echo(text, nl=False, color=True)  # the text carries color codes only when asked to
        return
    from connlint.atomic import replace_file

    try:
        replace_file(output_file, text.encode("utf-8"))
    except OSError as exc:
        _fail(f"cannot write {output_file}: {exc.strerror or exc}")


# --------------------------------------------------------------------------- arguments


class _UsageError(Exception):
    """A command line that cannot run: ``connlint: error: <message>``, exit 2."""


class _Parser(argparse.ArgumentParser):
    """The options of one command.  argparse maps them to the command's
    keyword arguments, converts and checks their values and formats --help;
    ``_arguments`` reads the command line first, the way connlint always has,
    so that the result does not depend on the Python version."""

    def __init__(self, prog: str, command):
        super().__init__(
            prog=prog, usage="%(prog)s [OPTIONS] [PATHS]...", formatter_class=_fixed_width,
            add_help=False, allow_abbrev=False, exit_on_error=False,
        )
        self.command = command
        self.options: dict = {}  # every option string -> its action

    def option(self, *names: str, **kwargs) -> None:
        action = self.add_argument(*names, **kwargs)
        self.options.update(dict.fromkeys(action.option_strings, action))

    def error(self, message: str):  # argparse's own complaints: none is expected
        raise _UsageError(message)


class _HelpFormatter(argparse.RawDescriptionHelpFormatter):
    """--help: the command's docstring as written, then the options, their
    help aligned, as wide as the terminal."""

    def __init__(self, prog, **kwargs):
        kwargs.setdefault("max_help_position", 32)
        super().__init__(prog, **kwargs)


def _fixed_width(prog) -> _HelpFormatter:
    """The formatter argparse makes for every option added, to check it: of
    a fixed width, since the terminal's costs a look-up and ``import shutil``
    (a few ms on every run); --help switches to ``_HelpFormatter``."""
    return _HelpFormatter(prog, width=80)


class _Toggle(argparse.Action):
    """``--NAME`` / ``--no-NAME``: a flag and its negation, the last one wins."""

    def __init__(self, option_strings, dest, default=True, help=None):
        super().__init__(option_strings, dest, nargs=0, default=default, help=help)

    def __call__(self, parser, namespace, values, option_string=None):
        setattr(namespace, self.dest, not option_string.startswith("--no-"))


def _choice(option: str, choices: tuple):
    def convert(value: str) -> str:
        if value not in choices:
            raise _UsageError(f"{option}: expected one of {', '.join(choices)}, got {value!r}")
        return value

    return convert


def _at_least_one(option: str):
    def convert(value: str) -> int:
        try:
            number = int(value)
        except ValueError:
            number = 0
        if number < 1:
            raise _UsageError(f"{option}: expected an integer of at least 1, got {value!r}")
        return number

    return convert


def _shown(text: str) -> str:
    """``text`` on one line, whatever it holds."""
    return text if text.isprintable() else text.encode("unicode_escape").decode("ascii")


def _long_name(action) -> str:
    return next(name for name in action.option_strings if name.startswith("--"))


def _no_such_option(name: str, parser: _Parser) -> _UsageError:
    message = f"no such option: {_shown(name)}"
    if name.startswith("--"):
        from difflib import get_close_matches

        close = get_close_matches(name[2:], [option[2:] for option in parser.options if option.startswith("--")])
        if close:
            message += f" (did you mean {' or '.join('--' + option for option in sorted(close))}?)"
    return _UsageError(message)


def _arguments(parser: _Parser, argv: list) -> dict:
    """The keyword arguments of ``parser.command`` for ``argv``; --help and
    --version print and exit 0.

    The command line reads as it always has: options and paths in any order,
    everything after ``--`` a path, ``--opt VALUE`` or ``--opt=VALUE`` (VALUE
    taken as it is, even when it starts with '-'), short options run together
    (``-qj2``), no abbreviations.  Errors are raised in the order of the
    command line, every unknown option or missing value before any bad value,
    and --help or --version, whichever comes first, wins over a bad value."""
    given, paths, eager = [], [], None
    rest = iter(argv)
    for arg in rest:
        if arg == "--":
            paths.extend(rest)
            break
        if arg[:1] != "-" or arg == "-":
            paths.append(arg)
            continue
        if arg.startswith("--"):
            name, has_value, value = arg.partition("=")
            action = parser.options.get(name)
            if action is None:
                raise _no_such_option(name, parser)
            if action.nargs == 0:
                if has_value:
                    raise _UsageError(f"{name}: does not take a value")
                given.append(name)
            else:
                if not has_value:
                    value = next(rest, None)
                    if value is None:
                        raise _UsageError(f"{name}: expected a value")
                given.append(f"{name}={value}")
            eager = eager or (name if name in ("--help", "--version") else None)
            continue
        for index in range(1, len(arg)):  # -qj2: short options run together
            action = parser.options.get("-" + arg[index])
            if action is None:
                raise _no_such_option("-" + arg[index], parser)
            name = _long_name(action)
            if action.nargs == 0:
                given.append(name)
                eager = eager or (name if name == "--help" else None)
                continue
            value = arg[index + 1:] or next(rest, None)
            if value is None:
                raise _UsageError(f"{name}: expected a value")
            given.append(f"{name}={value}")
            break
    if eager == "--version":
        _echo(f"connlint {__version__}")
        sys.exit(EXIT_CLEAN)
    if eager == "--help":
        import textwrap

        summary, _, details = (parser.command.__doc__ or "").partition("\n")
        parser.description = f"{summary}\n{textwrap.dedent(details)}".strip()
        parser.formatter_class = _HelpFormatter
        _echo(parser.format_help(), nl=False)
        sys.exit(EXIT_CLEAN)
    try:
        namespace = parser.parse_args(given)
    except argparse.ArgumentError as exc:  # cannot happen: every option string was checked above
        raise _UsageError(str(exc)) from None
    arguments = vars(namespace)
    arguments["paths"] = tuple(paths)
    return arguments


def main(args=None):
    """Entry point: ``connlint [OPTIONS] PATHS`` checks; ``connlint inventory``
    lists the connection budget; ``connlint server`` is the language server."""
    argv = sys.argv[1:] if args is None else list(args)
    try:
        if argv and argv[0] == "inventory":
            parser, argv = _inventory_parser(), argv[1:]
        elif argv and argv[0] == "server":
            parser, argv = _server_parser(), argv[1:]
        else:
            parser = _check_parser()
        try:
            arguments = _arguments(parser, argv)
        except _UsageError as exc:
            _fail(str(exc))
        parser.command(**arguments)
    except (EOFError, KeyboardInterrupt):  # as always (the check command handles its own: 130)
        _echo("\nAborted!", err=True)
        sys.exit(EXIT_FINDINGS)
    except BrokenPipeError:  # stdout closed early (connlint ... | head); the check command exits 2
        _quiet_stdout()
        sys.exit(EXIT_FINDINGS)


def _check_parser() -> _Parser:
    parser = _Parser("connlint", check_command)
    option = parser.option
    option("--select", metavar="CODES", help="Comma-separated rule codes or prefixes to enable (replaces the configured list).")
    option("--ignore", metavar="CODES", help="Comma-separated rule codes or prefixes to disable.")
    option("--extend-select", metavar="CODES", help="Rule codes or prefixes to enable on top of the selection.")
    option("--format", dest="output_format", type=_choice("--format", ("text", "json", "sarif", "github")), default="text", metavar="[text|json|sarif|github]", help="Output format: text, json, sarif (SARIF 2.1.0) or github (workflow annotations).  [default: text]")
    option("--output-file", metavar="FILE", help="Write the report to FILE instead of standard output.")
    option("--exit-zero", action="store_true", help="Exit 0 even when problems are found.")
    option("-q", "--quiet", action="store_true", help="Print findings only, no summary line.")
    option("--statistics", action="store_true", help="Count findings per rule after the report.")
    option("--show-source", action="store_true", help="Show the source line of each finding.")
    option("--show-fixes", action="store_true", help="Show the fix available for each finding.")
    option("--fix", action="store_true", help="Apply the safe fixes, then report what remains.")
    option("--unsafe-fixes", action="store_true", help="Also apply (and count as fixable) the fixes that can change behaviour.")
    option("--fix-only", action="store_true", help="Apply the fixes without reporting the remaining problems.")
    option("--diff", action="store_true", help="Print the fixes as a unified diff and write nothing (exit 1 when there is a diff).")
    option("--color", type=_choice("--color", ("auto", "always", "never")), default="auto", metavar="[auto|always|never]", help="Color the text output (auto: on a terminal, unless NO_COLOR is set).  [default: auto]")
    option("-j", "--jobs", type=_at_least_one("--jobs"), default=None, metavar="N", help="Worker processes (default: the available cores; 1: none). Small inputs are checked in-process.  [x>=1]")
    option("--no-cache", action="store_true", help="Neither read nor write the results cache.")
    option("--cache-dir", metavar="DIR", help="Where to keep the results cache (default: .connlint_cache at the project root).")
    option("--baseline", dest="baseline_file", metavar="FILE", help="Report only findings not recorded in FILE.")
    option("--write-baseline", metavar="FILE", help="Record the current findings in FILE and exit 0.")
    option("--config", dest="config_file", metavar="FILE", help="Read settings from FILE instead of the nearest pyproject.toml.")
    option("--isolated", action="store_true", help="Ignore every configuration file.")
    option("--force-exclude", action="store_true", help="Apply exclude, extend-exclude and .gitignore to files named on the command line too (the pre-commit hooks pass it).")
    option("--respect-gitignore", "--no-respect-gitignore", action=_Toggle, help="Skip the files .gitignore ignores when walking directories.  [default: respect-gitignore]")
    option("--stdin-filename", metavar="PATH", help="The path to report when the source is read from '-' (standard input).")
    option("--explain", metavar="CODE", help="Print the documentation of one rule and exit.")
    option("--list-rules", action="store_true", help="List every rule and exit.")
    option("--show-settings", metavar="FILE", help="Print which settings file applies to FILE and the settings it gives, and exit.")
    option("--version", action="version", version=f"connlint {__version__}", help="Show the version and exit.")
    option("-h", "--help", action="help", help="Show this message and exit.")
    return parser


def check_command(paths, select, ignore, extend_select, output_format, output_file, exit_zero, quiet, statistics,
                  show_source, show_fixes, color, jobs, no_cache, cache_dir, baseline_file, write_baseline,
                  config_file, isolated, stdin_filename, explain, list_rules, fix=False, unsafe_fixes=False,
                  fix_only=False, diff=False, force_exclude=False, respect_gitignore=True, show_settings=None):
    """Find database and network connection misuse in Python code.

    PATHS are files or directories (default: the current directory); '-' reads
    standard input.  Exit status: 0 no problems, 1 problems found, 2 usage or
    configuration error.  'connlint inventory --help' describes the connection
    budget report.
    """
    try:
        fixing = "diff" if diff else "fix-only" if fix_only else "fix" if fix else None
        run_options = RunOptions(jobs or runner_default_jobs(), not no_cache, cache_dir, fixing, unsafe_fixes,
                                 force_exclude, respect_gitignore)
        code = _run(paths, select, ignore, extend_select, output_format, output_file, exit_zero, quiet,
                    statistics, show_source, show_fixes, color, baseline_file, write_baseline, config_file,
                    isolated, stdin_filename, explain, list_rules, run_options, show_settings)
    except KeyboardInterrupt:
        _echo("connlint: interrupted", err=True)
        code = 130
    except BrokenPipeError:
        _quiet_stdout()
        code = EXIT_ERROR
    sys.exit(code)


def _run(paths, select, ignore, extend_select, output_format, output_file, exit_zero, quiet, statistics,
         show_source, show_fixes, color, baseline_file, write_baseline, config_file, isolated, stdin_filename,
         explain, list_rules, run_options, show_settings=None) -> int:
    from connlint.catalog import CatalogError
    from connlint.config import ConfigError, check_codes, split_codes

    if list_rules:
        write_output(_list_rules(), output_file)
        return EXIT_CLEAN
    if explain:
        from connlint.registry import rule_by_code

        rule = rule_by_code(explain)
        if rule is None:
            _fail(f"unknown rule code or name '{explain}' (see 'connlint --list-rules')")
        write_output(rule.explain(), output_file)
        return EXIT_CLEAN
    if stdin_filename is not None and "-" not in paths:
        _fail("--stdin-filename: names the source read from standard input; pass '-' as the path to read it")

    try:
        cli_select, cli_ignore, cli_extend = (
            None if codes is None else check_codes(codes, option)
            for option, codes in (
                ("--select", split_codes(select)), ("--ignore", split_codes(ignore)),
                ("--extend-select", split_codes(extend_select)),
            )
        )
    except ConfigError as exc:
        _fail(str(exc))

    # a fix's edits are computed (libcst) only to apply, diff or show them
    # (--show-fixes); json/sarif otherwise describe each fix by its
    # applicability and description, which the results cache keeps
    edits_shown = show_fixes and output_format != "github"
    if run_options.fixing or edits_shown:
        # findings read back from the results cache carry no fix intents
        run_options = run_options.copy_with(cache=False, cache_dir=None)
    from connlint.workspace import Overrides, Workspace

    workspace = Workspace(Overrides(
        select=cli_select, ignore=cli_ignore, extend_select=list(cli_extend or []), config_file=config_file,
        isolated=isolated, cache=run_options.cache, cache_dir=run_options.cache_dir,
    ))
    try:
        if show_settings:
            write_output(_settings_report(workspace.project_for(show_settings)), output_file)
            return EXIT_CLEAN
        if run_options.fixing and list(paths) == ["-"]:
            from connlint.fixes import run as fixes

            display = _stdin_display(stdin_filename)
            return fixes.fix_stdin(
                workspace, display, sys.stdin.buffer.read(), run_options.fixing, run_options.unsafe, quiet
            )
        findings, sources, empty = _check(workspace, paths or (".",), stdin_filename, run_options)
        known = None if write_baseline else _baseline(workspace, baseline_file)
    except (ConfigError, CatalogError) as exc:
        _fail(str(exc))
    fixed = None
    if run_options.fixing:
        from connlint.fixes import run as fixes

        for finding in findings:
            sources[finding.path]  # read as checked, before a fix rewrites the file
        outcome = fixes.fix_paths(
            workspace, findings, run_options.unsafe, write=run_options.fixing != "diff", baseline=known
        )
        fixes.warn(outcome.warnings)
        if run_options.fixing == "diff":
            write_output("".join(outcome.diffs), output_file)
            return EXIT_FINDINGS if outcome.diffs else EXIT_CLEAN
        if run_options.fixing == "fix-only":
            if not quiet:
                _echo(f"Fixed {outcome.fixed} problem{'' if outcome.fixed == 1 else 's'}.")
            return EXIT_CLEAN
        findings, fixed = outcome.remaining, outcome.fixed
        sources.update(outcome.sources)
    from connlint import report

    findings = report.sort_findings(findings)
    if write_baseline:
        from connlint.baseline import baseline_document

        write_output(baseline_document(findings, sources, workspace.relative), write_baseline)
        _echo(f"connlint: recorded {len(findings)} finding(s) in {write_baseline}", err=True)
        return EXIT_CLEAN
    if known is not None:
        from connlint.baseline import new_findings

        findings = new_findings(findings, sources, known, workspace.relative)
    if edits_shown:
        from connlint.fixes import run as fixes

        findings, warnings = fixes.attach_edits(workspace, findings)
        fixes.warn(warnings)
    if output_format == "json":
        text = report.format_json(findings)
    elif output_format == "sarif":
        from connlint.registry import all_rules

        text = report.format_sarif(findings, all_rules(), sources, __version__, workspace.relative)
    elif output_format == "github":
        text = report.format_github(findings)
    else:
        use_color = color == "always" or (
            color == "auto" and not output_file and sys.stdout.isatty() and not os.environ.get("NO_COLOR")
        )
        text = report.format_text(findings, show_source, sources, color=use_color, show_fixes=show_fixes)
        if statistics:
            text += report.statistics(findings)
        if not quiet and not empty:
            text += report.summary_line(findings, fixed, run_options.unsafe) + "\n"
    write_output(text, output_file)
    if findings and not exit_zero:
        return EXIT_FINDINGS
    return EXIT_CLEAN


def _settings_report(project) -> str:
    """``--show-settings``: where a file's settings come from, and what they are."""
    import json

    settings = project.settings
    lines = [f"settings file: {settings.source or 'none (defaults)'}"]
    lines += [f"extends: {path}" for path in settings.extended]
    lines.append(f"project root: {project.root}")
    lines.append(f"cache: {project.cache.directory if project.cache is not None else 'none'}")
    for key in ("select", "ignore", "extend-select", "exclude", "extend-exclude"):
        lines.append(f"{key} = {json.dumps(list(getattr(settings, key.replace('-', '_'))))}")
    lines.append(f"per-file-ignores = {json.dumps(settings.per_file_ignores)}")
    lines.append(f"baseline = {json.dumps(settings.baseline)}")
    lines.append(f"openers: {len(settings.openers)}, frameworks: {len(settings.frameworks)}")
    lines.append(f"rules in effect: {', '.join(rule.code for rule in project.checker.rules)}")
    return "\n".join(lines) + "\n"


def _stdin_display(stdin_filename) -> str:
    from connlint.paths import display_path

    return display_path(Path(stdin_filename)) if stdin_filename else "-"


def _check(workspace, paths, stdin_filename, options):
    """(findings, sources, whether no file was selected) for ``paths``."""
    findings, sources = [], {}
    if "-" in paths and len(paths) > 1:
        _fail("'-' (standard input) cannot be combined with other paths")
    if list(paths) == ["-"]:
        from connlint.source import decode_lines

        data = sys.stdin.buffer.read()
        display = _stdin_display(stdin_filename)
        # text standing for the file it names: checked in that file's project
        findings = workspace.check_source(stdin_filename or "-", data, display=display)
        sources[display] = decode_lines(data)
        return findings, sources, False
    files = _discover(workspace, paths, options)
    from connlint import runner

    findings = workspace.check_files(files, options.jobs, progress=runner.show_progress(len(files)))
    return findings, _Sources(), not files


class _Sources(dict):
    """The lines of each file with findings, by display path, read when first
    asked for: most output formats never need them."""

    def __missing__(self, path: str) -> list:
        from connlint.source import decode_lines

        try:
            lines = decode_lines(Path(path).read_bytes())
        except OSError:
            lines = []
        self[path] = lines
        return lines

    def get(self, path, default=None):
        return self[path]


def _discover(workspace, paths, options) -> list:
    """The files to check: each path walked with the excludes of its own project."""
    from connlint.discovery import discover

    by_project: dict = {}
    for path in paths:
        if not os.path.lexists(path):
            _fail(f"path not found: {path}")
        project = workspace.project_for(path)
        by_project.setdefault(id(project), (project, []))[1].append(path)
    files: list = []
    for project, named in by_project.values():
        found = discover(
            named, project.root, project.settings.all_excludes, options.force_exclude, options.respect_gitignore
        )
        if found.missing:
            _fail(f"path not found: {found.missing[0]}")
        files.extend(found.files)
    unique: dict = {}
    for path in files:  # a file named twice (a.py, ./a.py, its absolute path) is checked once
        unique.setdefault(os.path.abspath(path), path)
    files = list(unique.values())
    if not files:
        # the checker (catalog, openers, frameworks) is built when a file needs
        # it; with none, build it anyway so that broken settings still fail
        for project in workspace.projects:
            project.checker
    if not files and not options.force_exclude:  # pre-commit naming only excluded files is no mistake
        shown = ", ".join(str(path) for path in paths)
        _echo(f"connlint: warning: no Python files found in {shown}", err=True)
    return files


def _baseline(workspace, baseline_file):
    """The entries of ``--baseline FILE``, or of the baselines the checked
    projects configure (None: no baseline)."""
    paths = [baseline_file] if baseline_file else [
        str(project.baseline_path) for project in workspace.projects if project.baseline_path is not None
    ]
    if not paths:
        return None
    from connlint.baseline import BaselineError, load_baseline

    known = None
    for path in dict.fromkeys(paths):
        try:
            entries = load_baseline(path)
        except BaselineError as exc:
            _fail(str(exc))
        known = entries if known is None else known + entries
    return known


def _inventory_parser() -> _Parser:
    parser = _Parser("connlint inventory", inventory_command)
    option = parser.option
    option("--format", dest="output_format", type=_choice("--format", ("text", "json")), default="text", metavar="[text|json]", help="[default: text]")
    option("--processes", type=_at_least_one("--processes"), default=1, metavar="N", help="Processes running this code (e.g. gunicorn workers): the budget is multiplied by it.  [default: 1; x>=1]")
    option("--max-connections", type=_at_least_one("--max-connections"), default=None, metavar="N", help="The server's connection limit: exit 1 when a target's budget exceeds it.  [x>=1]")
    option("--output-file", metavar="FILE", help="Write the report to FILE.")
    option("--config", dest="config_file", metavar="FILE", help="Read settings from FILE instead of the nearest pyproject.toml.")
    option("--isolated", action="store_true", help="Ignore every configuration file.")
    option("--force-exclude", action="store_true", help="Apply exclude, extend-exclude and .gitignore to files named on the command line too.")
    option("--respect-gitignore", "--no-respect-gitignore", action=_Toggle, help="Skip the files .gitignore ignores when walking directories.  [default: respect-gitignore]")
    option("-h", "--help", action="help", help="Show this message and exit.")
    return parser


def inventory_command(paths, output_format, processes, max_connections, output_file, config_file, isolated,
                      force_exclude=False, respect_gitignore=True):
    """List every pool, engine and pooled client the code creates, with its
    effective limits (explicit or default) and how often it is created, then
    the maximum connections per process to each database target.

    Exit status: 0, or 1 when --max-connections is exceeded, 2 on errors.
    """
    from connlint.catalog import CatalogError
    from connlint.config import ConfigError
    from connlint import inventory
    from connlint.workspace import Overrides, Workspace

    # every rule on: the inventory lists what the code creates, whatever is selected
    workspace = Workspace(Overrides(select=["CNL"], ignore=[], config_file=config_file, isolated=isolated, cache=False))
    options = RunOptions(1, False, None, force_exclude=force_exclude, respect_gitignore=respect_gitignore)
    entries, remote = [], []
    try:
        files = _discover(workspace, paths or (".",), options)
        for project, group in workspace.group(files):
            for path in group:
                facts = project.facts(path)
                if facts is not None:
                    entries.extend(inventory.collect(facts))
                    remote.extend(inventory.remote_creations(facts))
    except (ConfigError, CatalogError) as exc:
        _fail(str(exc))
    inventory.mark_remote_creations(entries, remote)
    entries.sort(key=lambda e: (e.path, e.line))
    budgets = inventory.budget(entries)
    render = inventory.render_json if output_format == "json" else inventory.render_text
    write_output(render(entries, budgets, processes, max_connections), output_file)
    over = inventory.over_budget(budgets, processes, max_connections)
    if over:
        targets = ", ".join(b.target for b in over)
        _echo(f"connlint: the connection budget exceeds max_connections={max_connections} for: {targets}", err=True)
        sys.exit(EXIT_FINDINGS)
    sys.exit(EXIT_CLEAN)


def _server_parser() -> _Parser:
    parser = _Parser("connlint server", server_command)
    parser.usage = "%(prog)s [OPTIONS]"
    parser.option("--stdio", action="store_true", help="Talk over standard input and output (the default; editors may pass it).")
    parser.option("-h", "--help", action="help", help="Show this message and exit.")
    return parser


def server_command(paths, stdio=False):
    """Start the language server: connlint's findings, fixes and rule
    documentation in an editor, over the Language Server Protocol on standard
    input and output.

    It needs the server extra: pip install "connlint[server]".  The README's
    "In an editor" section shows how to set up VS Code, Neovim, Helix and Emacs.
    """
    if paths:
        _fail(f"server: takes no paths, got '{_shown(paths[0])}'")
    try:
        from connlint.server import serve
    except ImportError as exc:
        missing = (getattr(exc, "name", None) or "").partition(".")[0]
        if missing not in ("pygls", "lsprotocol", "cattrs", "attrs"):
            raise
        _fail("connlint server needs pygls 2 and lsprotocol: pip install \"connlint[server]\"")
    sys.exit(serve())
