"""Shared wording for the engine/pool lifecycle rules (CNL201-CNL203)."""

from __future__ import annotations


def created_sites(facts, per: str):
    for site in facts.sites:
        if site.created_per == per:
            yield site


def share_remedy(site) -> str:
    var = (site.fate.var if site.fate else None) or site.rtype.var
    return f"create it once at module level (or in the app factory / lifespan) and share '{var}'"
