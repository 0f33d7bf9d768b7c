"""Baselines: record today's findings, report only new ones afterwards."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

from connlint.fingerprint import fingerprints

VERSION = 1


class BaselineError(Exception):
    pass


def baseline_document(findings, sources: dict) -> str:
    entries = [
        {"path": f.path, "code": f.code, "fingerprint": fp}
        for f, fp in zip(findings, fingerprints(findings, sources))
    ]
    return json.dumps({"version": VERSION, "tool": "connlint", "findings": entries}, indent=2) + "\n"


def load_baseline(path: str) -> Counter:
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise BaselineError(f"{path}: baseline file not found (create it with --write-baseline)") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise BaselineError(f"{path}: cannot read baseline: {exc}") from None
    except json.JSONDecodeError as exc:
        raise BaselineError(f"{path}: not a connlint baseline: invalid JSON ({exc.msg} at line {exc.lineno})") from None
    if not isinstance(data, dict) or data.get("version") != VERSION or not isinstance(data.get("findings"), list):
        raise BaselineError(f"{path}: not a connlint baseline (expected version {VERSION} with a findings list)")
    known = Counter()
    for entry in data["findings"]:
        if not isinstance(entry, dict) or not all(isinstance(entry.get(k), str) for k in ("path", "code", "fingerprint")):
            raise BaselineError(f"{path}: malformed baseline entry {entry!r}")
        known[(entry["path"], entry["code"], entry["fingerprint"])] += 1
    return known


def new_findings(findings, sources: dict, known: Counter) -> list:
    """The findings not recorded in the baseline (each entry absorbs one)."""
    remaining = Counter(known)
    result = []
    for finding, fp in zip(findings, fingerprints(findings, sources)):
        key = (finding.path, finding.code, fp)
        if remaining[key] > 0:
            remaining[key] -= 1
        else:
            result.append(finding)
    return result
