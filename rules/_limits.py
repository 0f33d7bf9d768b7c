"""Shared wording for the pool-limit rules (CNL301-CNL304)."""

from __future__ import annotations

from connlint.limits import MISSING, render
from connlint.paths import shown_origin


def subject(config) -> str:
    label = config.site.rtype.label if config.site is not None else config.spec.label
    origin = f" ({shown_origin(config.origin)})" if config.origin else ""
    return f"{label} from {config.callee}(){origin}"


def setting(keyword, value) -> str:
    if value is MISSING:
        return f"no {keyword}"
    return f"{keyword}={render(value)}"


def suggestion(config) -> str:
    return f", e.g. '{config.spec.suggest}'" if config.spec.suggest else ""
