"""``# noqa`` and ``# noqa: CNL101,CNL102`` comments, flake8-style."""

from __future__ import annotations

import re

NOQA = re.compile(r"#\s*noqa(?::\s?(?P<codes>[A-Z]+[0-9]*(?:[,\s]+[A-Z]+[0-9]*)*))?", re.IGNORECASE)


def is_suppressed(finding, lines: list[str]) -> bool:
    """A noqa on the reported line, or on the first line of its statement."""
    for number in {finding.line, finding.statement_line}:
        if not number or number > len(lines):
            continue
        text = lines[number - 1]
        if "noqa" not in text.lower():
            continue
        match = NOQA.search(text)
        if match is None:
            continue
        codes = match.group("codes")
        if not codes:
            return True
        if any(finding.code.startswith(code.upper()) for code in re.split(r"[,\s]+", codes) if code):
            return True
    return False
