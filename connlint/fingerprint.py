"""Fingerprints of findings that survive unrelated edits.

A fingerprint hashes the rule code, the file (relative to its project root) and the text of the reported
line (whitespace folded), plus the finding's rank among findings with that
same text in the file: moving code up or down does not change it, editing the
line itself does.  SARIF ``partialFingerprints`` and baselines use it.
"""

from __future__ import annotations

import hashlib
from collections import Counter


def fingerprints(findings, sources: dict, relative=None) -> list[str]:
    """One fingerprint per finding, in the order given.  ``relative`` maps a
    finding's path to the one recorded (relative to its project root), so
    that a fingerprint does not depend on the directory connlint ran from."""
    seen: Counter = Counter()
    result = []
    for finding in findings:
        lines = sources.get(finding.path) or []
        text = lines[finding.line - 1] if 0 < finding.line <= len(lines) else ""
        folded = " ".join(text.split())
        path = relative(finding.path) if relative is not None else finding.path
        key = (path, finding.code, folded)
        rank = seen[key]
        seen[key] += 1
        digest = hashlib.sha256("\0".join([finding.code, path, folded, str(rank)]).encode("utf-8"))
        result.append(digest.hexdigest()[:32])
    return result
