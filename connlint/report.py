"""Output formats.  Knows findings and rule metadata, nothing about analysis."""

from __future__ import annotations

import json
from collections import Counter


def sort_findings(findings):
    return sorted(findings, key=lambda f: f.sort_key())


def format_text(findings, show_source: bool = False, sources: dict | None = None, color: bool = False,
                show_fixes: bool = False) -> str:
    out = []
    for f in findings:
        line = f"{f.path}:{f.line}:{f.column}: {f.code} {f.message}"
        out.append(colorize_line(line, f) if color else line)
        if show_fixes and f.fix is not None:
            out.append(f"    fix ({f.fix.applicability}): {f.fix.description}")
            out.extend(_fix_diff(f.fix.edits, sources.get(f.path) if sources is not None else None))
        if show_source and sources is not None:
            lines = sources.get(f.path)
            if lines and 0 < f.line <= len(lines):
                text = lines[f.line - 1].rstrip("\n")
                out.append(f"    {text}")
                out.append("    " + " " * (f.column - 1) + "^")
    return "\n".join(out) + ("\n" if out else "")


def summary_line(findings, fixed: int | None = None, unsafe: bool = False) -> str:
    """``Found 3 problems (2 fixable with --fix).``; after ``--fix``:
    ``Found 3 problems (2 fixed, 1 remaining).``"""
    if fixed is not None:
        total = fixed + len(findings)
        if not total:
            return "All checks passed."
        noun = "problem" if total == 1 else "problems"
        return f"Found {total} {noun} ({fixed} fixed, {len(findings)} remaining)."
    if not findings:
        return "All checks passed."
    count = len(findings)
    safe = sum(1 for f in findings if f.fix is not None and (f.fix.applicability == "safe" or unsafe))
    hidden = sum(1 for f in findings if f.fix is not None and f.fix.applicability != "safe" and not unsafe)
    noun = "problem" if count == 1 else "problems"
    if safe and hidden:
        suffix = f" ({safe} fixable with --fix, {hidden} more with --unsafe-fixes)"
    elif safe:
        suffix = f" ({safe} fixable with --fix)"
    elif hidden:
        suffix = f" ({hidden} fixable with --fix --unsafe-fixes)"
    else:
        suffix = ""
    return f"Found {count} {noun}{suffix}."


def _fix_diff(edits, lines) -> list:
    """A fix's edits as the lines of a small diff against the source."""
    if not edits or not lines:
        return []
    import difflib

    text = "\n".join(lines)
    starts = [0]
    for line in lines:
        starts.append(starts[-1] + len(line) + 1)

    def offset(line: int, column: int) -> int:
        return min(starts[line - 1] + column - 1, len(text)) if line - 1 < len(starts) else len(text)

    new = text
    for edit in sorted(edits, key=lambda e: (e["line"], e["column"]), reverse=True):
        content = edit["content"].replace("\r\n", "\n").replace("\r", "\n")
        new = new[: offset(edit["line"], edit["column"])] + content + new[offset(edit["end_line"], edit["end_column"]):]
    diff = list(difflib.unified_diff(text.split("\n"), new.split("\n"), lineterm="", n=0))
    return [f"      {line}" for line in diff[2:]]


def statistics(findings) -> str:
    counts = Counter((f.code, f.name) for f in findings)
    rows = [f"{count:<5} {code} {name}" for (code, name), count in sorted(counts.items())]
    return "\n".join(rows) + ("\n" if rows else "")


def fix_to_json(fix) -> dict | None:
    """The ``fix`` object of a finding: what the fix does and whether it is
    safe, from the rule's fix intent (no libcst needed); ``edits`` is the list
    of replacements when they were computed (``--show-fixes``), else null.
    A computed fix always changes something, so empty edits mean "not
    computed" (a plain check, or a finding read back from the results cache)."""
    if fix is None:
        return None
    return {
        "applicability": fix.applicability,
        "description": fix.description,
        "edits": [dict(edit) for edit in fix.edits] if fix.edits else None,
    }


def finding_to_json(f) -> dict:
    fix = fix_to_json(f.fix)
    return {
        "path": f.path,
        "line": f.line,
        "column": f.column,
        "end_line": f.end_line,
        "end_column": f.end_column,
        "code": f.code,
        "name": f.name,
        "message": f.message,
        "severity": f.severity,
        "fix": fix,
    }


def format_json(findings) -> str:
    return json.dumps([finding_to_json(f) for f in findings], indent=2) + "\n"


FORMATS = ("text", "json", "sarif", "github")


INFORMATION_URI = "https://github.com/connlint/connlint"
LEVELS = {"error": "error", "warning": "warning", "info": "note"}


def format_sarif(findings, rules, sources: dict, version: str, relative=None) -> str:
    """One SARIF 2.1.0 run: every rule in tool.driver.rules, results with
    regions, stable partial fingerprints, the fix each finding offers
    (``properties.fix``: applicability and description) and, when its edits
    were computed (``--show-fixes``), a SARIF ``fixes`` entry.  Artifact
    paths are relative to each finding's project root (``relative``), the
    ``%SRCROOT%`` a code scanning service resolves them against."""
    from connlint.fingerprint import fingerprints

    relative = relative or (lambda path: path)

    index = {rule.code: position for position, rule in enumerate(rules)}
    driver_rules = [
        {
            "id": rule.code,
            "name": rule.name,
            "shortDescription": {"text": rule.summary},
            "fullDescription": {"text": " ".join(rule.what.split())},
            "help": {"text": rule.explain(), "markdown": rule.explain()},
            "helpUri": f"{INFORMATION_URI}/blob/main/docs/rules.md#{rule.code.lower()}",
            "defaultConfiguration": {"level": LEVELS.get(rule.severity, "warning")},
        }
        for rule in rules
    ]
    results = []
    for finding, fingerprint in zip(findings, fingerprints(findings, sources, relative)):
        result = {
            "ruleId": finding.code,
            "level": LEVELS.get(finding.severity, "warning"),
            "message": {"text": finding.message},
            "locations": [
                {
                    "physicalLocation": {
                        "artifactLocation": {"uri": _uri(relative(finding.path)), "uriBaseId": "%SRCROOT%"},
                        "region": {
                            "startLine": finding.line,
                            "startColumn": finding.column,
                            "endLine": finding.end_line,
                            "endColumn": finding.end_column,
                        },
                    }
                }
            ],
            "partialFingerprints": {"connlint/v1": fingerprint},
        }
        if finding.code in index:
            result["ruleIndex"] = index[finding.code]
        if finding.fix is not None:
            # SARIF's fix needs its replacements: only with computed edits
            # (--show-fixes); what the fix does and its safety are always in
            # the result's property bag
            if finding.fix.edits:
                result["fixes"] = [_sarif_fix(finding, relative(finding.path))]
            result["properties"] = {
                "fix": {"applicability": finding.fix.applicability, "description": finding.fix.description}
            }
        results.append(result)
    document = {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "connlint",
                        "version": version,
                        "semanticVersion": version,
                        "informationUri": INFORMATION_URI,
                        "rules": driver_rules,
                    }
                },
                "columnKind": "unicodeCodePoints",
                "results": results,
            }
        ],
    }
    return json.dumps(document, indent=2) + "\n"


def _uri(path: str) -> str:
    from urllib.parse import quote

    return quote(path.replace("\\", "/"))


def _sarif_fix(finding, path: str) -> dict:
    replacements = [
        {
            "deletedRegion": {
                "startLine": edit["line"],
                "startColumn": edit["column"],
                "endLine": edit["end_line"],
                "endColumn": edit["end_column"],
            },
            "insertedContent": {"text": edit["content"]},
        }
        for edit in finding.fix.edits
    ]
    return {
        "description": {"text": finding.fix.description},
        "artifactChanges": [
            {"artifactLocation": {"uri": _uri(path), "uriBaseId": "%SRCROOT%"}, "replacements": replacements}
        ],
    }


def format_github(findings) -> str:
    """GitHub Actions workflow commands: one ``::error`` annotation per finding."""
    lines = []
    for f in findings:
        command = "error" if f.severity == "error" else "warning"
        properties = ",".join(
            f"{key}={_escape_property(str(value))}"
            for key, value in (
                ("file", f.path),
                ("line", f.line),
                ("col", f.column),
                ("endLine", f.end_line),
                ("endColumn", f.end_column),
                ("title", f.code),
            )
        )
        lines.append(f"::{command} {properties}::{_escape_data(f.message)}")
    return "\n".join(lines) + ("\n" if lines else "")


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


COLORS = {"path": "\033[1m", "code": "\033[1;31m", "position": "\033[36m", "reset": "\033[0m"}


def colorize_line(line: str, finding) -> str:
    """``path:line:col: CODE message`` with the path bold and the code red."""
    prefix = f"{finding.path}:{finding.line}:{finding.column}:"
    if not line.startswith(prefix):
        return line
    rest = line[len(prefix):]
    code = f" {finding.code}"
    c = COLORS
    head = f"{c['path']}{finding.path}{c['reset']}:{c['position']}{finding.line}:{finding.column}{c['reset']}:"
    if rest.startswith(code):
        return f"{head} {c['code']}{finding.code}{c['reset']}{rest[len(code):]}"
    return head + rest
