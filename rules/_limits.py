"""Shared wording for the pool-limit rules (CNL301-CNL304)."""

from __future__ import annotations

from connlint.limits import MISSING, render


def subject(config) -> str:
    label = config.site.rtype.label if config.site is not None else config.spec.label
    return f"{label} from {config.callee}()"


def setting(keyword, value) -> str:
    if value is MISSING:
        return f"no {keyword}"
    return f"{keyword}={render(value)}"


def suggestion(config) -> str:
    return f", e.g. '{config.spec.suggest}'" if config.spec.suggest else ""
