"""Fingerprints of findings that survive unrelated edits.

A fingerprint hashes the rule code, the file and the text of the reported
line (whitespace folded), plus the finding's rank among findings with that
same text in the file: moving code up or down does not change it, editing the
line itself does.  SARIF ``partialFingerprints`` and baselines use it.
"""

from __future__ import annotations

import hashlib
from collections import Counter


def fingerprints(findings, sources: dict) -> list[str]:
    """One fingerprint per finding, in the order given."""
    seen: Counter = Counter()
    result = []
    for finding in findings:
        lines = sources.get(finding.path) or []
        text = lines[finding.line - 1] if 0 < finding.line <= len(lines) else ""
        folded = " ".join(text.split())
        key = (finding.path, finding.code, folded)
        rank = seen[key]
        seen[key] += 1
        digest = hashlib.sha256("\0".join([finding.code, finding.path, folded, str(rank)]).encode("utf-8"))
        result.append(digest.hexdigest()[:32])
    return result
