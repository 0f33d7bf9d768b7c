"""The command line's fix modes (``--fix``, ``--fix-only``, ``--diff``) and the
edits that ``--show-fixes`` shows (as a small diff, or as ``edits`` in
``--format json``/``sarif``).

libcst is imported (through ``connlint.fixes.apply``) only when a fix is
applied, shown as a diff or shown with its edits: a plain check, in any
output format, never loads it; JSON and SARIF describe the fix a finding
offers by its applicability and description, which the rules write without
libcst.
"""

from __future__ import annotations

import sys
from pathlib import Path

from connlint.fixes.intent import applicable
from connlint.record import Record, field

FIX, FIX_ONLY, DIFF = "fix", "fix-only", "diff"


class FixOutcome(Record):
    remaining: list = field(factory=list)
    fixed: int = 0
    diffs: list = field(factory=list)
    warnings: list = field(factory=list)
    sources: dict = field(factory=dict)  # display -> lines of each fixed file


def analyser(workspace, display: str):
    """Re-analyses a file's (fixed) source as the check did: through its
    project, with the project's other modules in view, so cross-module
    findings are re-checked too."""
    return workspace.project_for(display).analyser(display)


def fix_paths(workspace, findings, unsafe: bool, write: bool, baseline=None) -> FixOutcome:
    """Fix every file with an applicable fix; ``write`` them (else only the
    diffs).  Findings a ``baseline`` holds are neither reported nor fixed."""
    from connlint.source import decode_lines

    outcome = FixOutcome()
    by_path: dict = {}
    for finding in findings:
        by_path.setdefault(finding.path, []).append(finding)
    for display, file_findings in by_path.items():
        only = _not_in(baseline, display, workspace.relative) if baseline is not None else None
        wanted = file_findings
        if only is not None:
            try:
                wanted = only(file_findings, decode_lines(Path(display).read_bytes()))
            except OSError:
                wanted = []
        if display == "-" or not any(applicable(f, unsafe) for f in wanted):
            outcome.remaining.extend(file_findings)
            continue
        from connlint.fixes.apply import FileChanged, fix_file, unified_diff, write_atomic

        path = Path(display)
        try:
            data = path.read_bytes()
        except OSError as exc:
            outcome.warnings.append(f"{display}: cannot fix: {exc.strerror or exc}")
            outcome.remaining.extend(file_findings)
            continue
        result = fix_file(display, data, analyser(workspace, display), unsafe, only=only)
        outcome.warnings.extend(result.warnings)
        if not result.changed:
            outcome.remaining.extend(file_findings)
            continue
        if write:
            try:
                write_atomic(path, data, result.fixed)
            except FileChanged as exc:
                outcome.warnings.append(str(exc))
                outcome.remaining.extend(file_findings)
                continue
            except OSError as exc:
                outcome.warnings.append(f"{display}: cannot write the fix: {exc.strerror or exc}")
                outcome.remaining.extend(file_findings)
                continue
        outcome.diffs.append(unified_diff(display, data, result.fixed))
        outcome.fixed += len(result.applied)
        outcome.remaining.extend(result.remaining)
        outcome.sources[display] = decode_lines(result.fixed)
    return outcome


def _not_in(baseline, display: str, relative):
    """The findings of one file a baseline does not hold, given its lines."""
    from connlint.baseline import new_findings
    from connlint.report import sort_findings

    return lambda findings, lines: new_findings(sort_findings(findings), {display: lines}, baseline, relative)


def fix_stdin(workspace, display: str, data: bytes, mode: str, unsafe: bool, quiet: bool) -> int:
    """Standard input: the fixed source (or the diff) to standard output."""
    from connlint.fixes.apply import fix_file, unified_diff

    result = fix_file(display, data, analyser(workspace, display), unsafe)
    for warning in result.warnings:
        print(f"connlint: warning: {warning}", file=sys.stderr)
    if mode == DIFF:
        if result.changed:
            sys.stdout.write(unified_diff(display, data, result.fixed))
        return 1 if result.changed else 0
    sys.stdout.flush()
    sys.stdout.buffer.write(result.fixed)
    sys.stdout.flush()
    if mode == FIX_ONLY:
        return 0
    return 1 if result.remaining else 0


def attach_edits(workspace, findings):
    """Findings whose fixes carry their edits, computed on each file's current
    content, for ``--show-fixes``; (findings, warnings).  Each fix is checked
    as ``--fix`` checks it: one the checks refuse is dropped from its finding
    (with a warning), so ``--show-fixes`` shows only fixes that pass them.
    Needs the fix intents: findings read from the results cache have none."""
    if not any(applicable(f, unsafe=True) for f in findings):
        return findings, []
    from connlint.fixes.apply import with_edits

    data_by_path = {}
    for path in {f.path for f in findings if applicable(f, unsafe=True)}:
        if path == "-":
            continue
        try:
            data_by_path[path] = Path(path).read_bytes()
        except OSError:
            continue
    return with_edits(findings, data_by_path, lambda display: analyser(workspace, display))


def warn(warnings) -> None:
    for warning in warnings:
        print(f"connlint: warning: {warning}", file=sys.stderr)
