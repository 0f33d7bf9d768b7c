"""The ``connlint`` command line (flake8-style)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

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


def _fail(message: str) -> None:
    click.echo(f"connlint: error: {message}", err=True)
    sys.exit(EXIT_ERROR)


def _list_rules() -> str:
    from connlint.registry import all_rules

    rows = [f"{rule.code}  {rule.name:<28} {rule.summary}" for rule in all_rules()]
    return "\n".join(rows) + "\n"


def write_output(text: str, output_file: str | None) -> None:
    """Print, or write the whole report atomically to ``output_file``."""
    if not output_file:
        click.echo(text, nl=False, color=True)  # the text carries color codes only when asked to
        return
    from connlint.atomic import replace_file

    try:
        replace_file(output_file, text.encode("utf-8"))
    except OSError as exc:
        _fail(f"cannot write {output_file}: {exc.strerror or exc}")


def main(args=None):
    """Entry point: ``connlint [OPTIONS] PATHS`` checks; ``connlint inventory``
    lists the connection budget."""
    argv = sys.argv[1:] if args is None else list(args)
    if argv and argv[0] == "inventory":
        return inventory_command.main(argv[1:], prog_name="connlint inventory")
    return check_command.main(argv, prog_name="connlint")


@click.command(context_settings={"help_option_names": ["-h", "--help"]})
@click.argument("paths", nargs=-1, type=click.Path())
@click.option("--select", metavar="CODES", help="Comma-separated rule codes or prefixes to enable (replaces the configured list).")
@click.option("--ignore", metavar="CODES", help="Comma-separated rule codes or prefixes to disable.")
@click.option("--extend-select", metavar="CODES", help="Rule codes or prefixes to enable on top of the selection.")
@click.option("--format", "output_format", type=click.Choice(["text", "json", "sarif", "github"]), default="text", show_default=True, help="Output format: text, json, sarif (SARIF 2.1.0) or github (workflow annotations).")
@click.option("--output-file", metavar="FILE", help="Write the report to FILE instead of standard output.")
@click.option("--exit-zero", is_flag=True, help="Exit 0 even when problems are found.")
@click.option("-q", "--quiet", is_flag=True, help="Print findings only, no summary line.")
@click.option("--statistics", is_flag=True, help="Count findings per rule after the report.")
@click.option("--show-source", is_flag=True, help="Show the source line of each finding.")
@click.option("--show-fixes", is_flag=True, help="Show the fix available for each finding.")
@click.option("--fix", is_flag=True, help="Apply the safe fixes, then report what remains.")
@click.option("--unsafe-fixes", is_flag=True, help="Also apply (and count as fixable) the fixes that can change behaviour.")
@click.option("--fix-only", is_flag=True, help="Apply the fixes without reporting the remaining problems.")
@click.option("--diff", is_flag=True, help="Print the fixes as a unified diff and write nothing (exit 1 when there is a diff).")
@click.option("--color", type=click.Choice(["auto", "always", "never"]), default="auto", show_default=True, help="Color the text output (auto: on a terminal, unless NO_COLOR is set).")
@click.option("--jobs", "-j", type=click.IntRange(min=1), default=None, help="Worker processes (default: the available cores; 1: none). Small inputs are checked in-process.")
@click.option("--no-cache", is_flag=True, help="Neither read nor write the results cache.")
@click.option("--cache-dir", metavar="DIR", help="Where to keep the results cache (default: .connlint_cache at the project root).")
@click.option("--baseline", "baseline_file", metavar="FILE", help="Report only findings not recorded in FILE.")
@click.option("--write-baseline", metavar="FILE", help="Record the current findings in FILE and exit 0.")
@click.option("--config", "config_file", metavar="FILE", help="Read settings from FILE instead of the nearest pyproject.toml.")
@click.option("--isolated", is_flag=True, help="Ignore every configuration file.")
@click.option("--force-exclude", is_flag=True, help="Apply exclude, extend-exclude and .gitignore to files named on the command line too (the pre-commit hooks pass it).")
@click.option("--respect-gitignore/--no-respect-gitignore", default=True, show_default=True, help="Skip the files .gitignore ignores when walking directories.")
@click.option("--stdin-filename", metavar="PATH", help="The path to report when the source is read from '-' (standard input).")
@click.option("--explain", metavar="CODE", help="Print the documentation of one rule and exit.")
@click.option("--list-rules", is_flag=True, help="List every rule and exit.")
@click.option("--show-settings", metavar="FILE", help="Print which settings file applies to FILE and the settings it gives, and exit.")
@click.version_option(__version__, "--version", prog_name="connlint", message="%(prog)s %(version)s")
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
        click.echo("connlint: interrupted", err=True)
        code = 130
    except BrokenPipeError:
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

        outcome = fixes.fix_paths(
            workspace, findings, run_options.unsafe, write=run_options.fixing != "diff", baseline=known
        )
        fixes.warn(outcome.warnings)
        if run_options.fixing == "diff":
            write_output("".join(outcome.diffs), output_file)
            return EXIT_FINDINGS if outcome.diffs else EXIT_CLEAN
        if run_options.fixing == "fix-only":
            if not quiet:
                click.echo(f"Fixed {outcome.fixed} problem{'' if outcome.fixed == 1 else 's'}.")
            return EXIT_CLEAN
        findings, fixed = outcome.remaining, outcome.fixed
        sources.update(outcome.sources)
    from connlint import report

    findings = report.sort_findings(findings)
    if write_baseline:
        from connlint.baseline import baseline_document

        write_output(baseline_document(findings, sources, workspace.relative), write_baseline)
        click.echo(f"connlint: recorded {len(findings)} finding(s) in {write_baseline}", err=True)
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
    from connlint.engine import display_path

    return display_path(Path(stdin_filename)) if stdin_filename else "-"


def _check(workspace, paths, stdin_filename, options):
    """(findings, sources, whether no file was selected) for ``paths``."""
    from connlint.source import decode_lines

    findings, sources = [], {}
    if "-" in paths and len(paths) > 1:
        _fail("'-' (standard input) cannot be combined with other paths")
    if list(paths) == ["-"]:
        data = sys.stdin.buffer.read()
        display = _stdin_display(stdin_filename)
        # text standing for the file it names: checked in that file's project
        findings = workspace.check_source(stdin_filename or "-", data, display=display)
        sources[display] = decode_lines(data)
        return findings, sources, False
    files = _discover(workspace, paths, options)
    from connlint import runner

    findings = workspace.check_files(files, options.jobs, progress=runner.show_progress(len(files)))
    for f in findings:
        if f.path not in sources:
            try:
                sources[f.path] = decode_lines(Path(f.path).read_bytes())
            except OSError:
                sources[f.path] = []
    return findings, sources, not files


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
    if not files and not options.force_exclude:  # pre-commit naming only excluded files is no mistake
        shown = ", ".join(str(path) for path in paths)
        click.echo(f"connlint: warning: no Python files found in {shown}", err=True)
    return files


def _baseline(workspace, baseline_file):
    """The entries of ``--baseline FILE``, or of the baselines the checked
    projects configure (None: no baseline)."""
    from connlint.baseline import BaselineError, load_baseline

    paths = [baseline_file] if baseline_file else [
        str(project.baseline_path) for project in workspace.projects if project.baseline_path is not None
    ]
    if not paths:
        return None
    known = None
    for path in dict.fromkeys(paths):
        try:
            entries = load_baseline(path)
        except BaselineError as exc:
            _fail(str(exc))
        known = entries if known is None else known + entries
    return known


@click.command(context_settings={"help_option_names": ["-h", "--help"]})
@click.argument("paths", nargs=-1, type=click.Path())
@click.option("--format", "output_format", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("--processes", type=click.IntRange(min=1), default=1, show_default=True, help="Processes running this code (e.g. gunicorn workers): the budget is multiplied by it.")
@click.option("--max-connections", type=click.IntRange(min=1), help="The server's connection limit: exit 1 when a target's budget exceeds it.")
@click.option("--output-file", metavar="FILE", help="Write the report to FILE.")
@click.option("--config", "config_file", metavar="FILE", help="Read settings from FILE instead of the nearest pyproject.toml.")
@click.option("--isolated", is_flag=True, help="Ignore every configuration file.")
@click.option("--force-exclude", is_flag=True, help="Apply exclude, extend-exclude and .gitignore to files named on the command line too.")
@click.option("--respect-gitignore/--no-respect-gitignore", default=True, show_default=True, help="Skip the files .gitignore ignores when walking directories.")
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
        click.echo(f"connlint: the connection budget exceeds max_connections={max_connections} for: {targets}", err=True)
        sys.exit(EXIT_FINDINGS)
    sys.exit(EXIT_CLEAN)
