"""Output formats.  Knows findings and rule metadata, nothing about analysis."""

from __future__ import annotations

import json
from collections import Counter


def sort_findings(findings):
    return sorted(findings, key=lambda f: f.sort_key())


def format_text(findings, show_source: bool = False, sources: dict | None = None) -> str:
    out = []
    for f in findings:
        out.append(f"{f.path}:{f.line}:{f.column}: {f.code} {f.message}")
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


FORMATS = ("text", "json")
