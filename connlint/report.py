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
        if show_source and sources is not None:
            lines = sources.get(f.path)
            if lines and 0 < f.line <= len(lines):
                text = lines[f.line - 1].rstrip("\n")
                out.append(f"    {text}")
                out.append("    " + " " * (f.column - 1) + "^")
    return "\n".join(out) + ("\n" if out else "")


def summary_line(findings) -> str:
    if not findings:
        return "All checks passed."
    count = len(findings)
    fixable = sum(1 for f in findings if f.fix is not None)
    noun = "problem" if count == 1 else "problems"
    suffix = f" ({fixable} fixable with --fix)" if fixable else ""
    return f"Found {count} {noun}{suffix}."


def statistics(findings) -> str:
    counts = Counter((f.code, f.name) for f in findings)
    rows = [f"{count:<5} {code} {name}" for (code, name), count in sorted(counts.items())]
    return "\n".join(rows) + ("\n" if rows else "")


def finding_to_json(f) -> dict:
    fix = None
    if f.fix is not None:
        fix = {
            "applicability": f.fix.applicability,
            "description": f.fix.description,
            "edits": [dict(edit) for edit in f.fix.edits],
        }
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


def format_sarif(findings, rules, sources: dict, version: str) -> str:
    """One SARIF 2.1.0 run: every rule in tool.driver.rules, results with
    regions, stable partial fingerprints and fixes where available."""
    from connlint.fingerprint import fingerprints

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
    for finding, fingerprint in zip(findings, fingerprints(findings, sources)):
        result = {
            "ruleId": finding.code,
            "level": LEVELS.get(finding.severity, "warning"),
            "message": {"text": finding.message},
            "locations": [
                {
                    "physicalLocation": {
                        "artifactLocation": {"uri": _uri(finding.path), "uriBaseId": "%SRCROOT%"},
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
            result["fixes"] = [_sarif_fix(finding)]
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


def _sarif_fix(finding) -> dict:
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
            {"artifactLocation": {"uri": _uri(finding.path), "uriBaseId": "%SRCROOT%"}, "replacements": replacements}
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
