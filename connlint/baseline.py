"""Baselines: record today's findings, report only new ones afterwards."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

from connlint.fingerprint import fingerprints

VERSION = 1


class BaselineError(Exception):
    pass


def baseline_document(findings, sources: dict, relative=None) -> str:
    """The baseline recording ``findings``; paths are relative to each
    finding's project root (``relative``), so that the baseline works from any
    directory and in any checkout."""
    relative = relative or (lambda path: path)
    entries = [
        {"path": relative(f.path), "code": f.code, "fingerprint": fp}
        for f, fp in zip(findings, fingerprints(findings, sources, relative))
    ]
    return json.dumps({"version": VERSION, "tool": "connlint", "findings": entries}, indent=2) + "\n"


def load_baseline(path: str) -> Counter:
    """The recorded (path, code, fingerprint) counts; every problem with the
    file is a one-line ``BaselineError`` naming the file (and the entry)."""
    from connlint.config import TOO_LONG_INTEGER, one_line

    shown = one_line(str(path))
    try:
        raw = Path(path).read_bytes()
    except FileNotFoundError:
        raise BaselineError(f"{shown}: baseline file not found (create it with --write-baseline)") from None
    except IsADirectoryError:
        raise BaselineError(f"{shown}: cannot read baseline: is a directory, not a baseline file") from None
    except (OSError, ValueError) as exc:  # ValueError: a NUL in the path
        raise BaselineError(f"{shown}: cannot read baseline: {one_line(getattr(exc, 'strerror', None) or str(exc))}") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        raise BaselineError(
            f"{shown}: not a connlint baseline: not UTF-8 (byte 0x{raw[exc.start]:02x} on line {line})"
        ) from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise BaselineError(f"{shown}: not a connlint baseline: invalid JSON ({exc.msg} at line {exc.lineno})") from None
    except RecursionError:
        raise BaselineError(f"{shown}: not a connlint baseline: invalid JSON (arrays or objects nested too deeply)") from None
    except ValueError:  # an integer of thousands of digits
        raise BaselineError(f"{shown}: not a connlint baseline: invalid JSON ({TOO_LONG_INTEGER})") from None
    if not isinstance(data, dict) or data.get("version") != VERSION or not isinstance(data.get("findings"), list):
        raise BaselineError(f"{shown}: not a connlint baseline (expected version {VERSION} with a findings list)")
    known = Counter()
    for index, entry in enumerate(data["findings"]):
        if not isinstance(entry, dict) or not all(isinstance(entry.get(k), str) for k in ("path", "code", "fingerprint")):
            raise BaselineError(
                f"{shown}: findings[{index}]: malformed baseline entry "
                "(expected an object with string 'path', 'code' and 'fingerprint')"
            )
        known[(entry["path"], entry["code"], entry["fingerprint"])] += 1
    return known


def new_findings(findings, sources: dict, known: Counter, relative=None) -> list:
    """The findings not recorded in the baseline (each entry absorbs one)."""
    relative = relative or (lambda path: path)
    remaining = Counter(known)
    result = []
    for finding, fp in zip(findings, fingerprints(findings, sources, relative)):
        key = (relative(finding.path), finding.code, fp)
        if remaining[key] > 0:
            remaining[key] -= 1
        else:
            result.append(finding)
    return result
