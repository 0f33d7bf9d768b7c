"""Shared wording for the engine/pool lifecycle rules (CNL201-CNL203)."""

from __future__ import annotations


def created_sites(facts, per: str):
    for site in facts.sites:
        if site.created_per == per:
            yield site


def share_remedy(site) -> str:
    var = (site.fate.var if site.fate else None) or site.rtype.var
    if site.rtype.needs_loop:
        reach = site.per_request
        hook = (reach.entry.spec.startup if reach is not None else "") or "the app's startup or lifespan hook"
        return f"create it once in {hook} and share '{var}' (not at module level: it needs the running event loop)"
    return f"create it once at module level (or in the app factory / lifespan) and share '{var}'"
