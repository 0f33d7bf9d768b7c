"""Shared wording for the connection-lifetime rules (CNL101-CNL105).

Every message names the library object and the remedy, both read from the
catalog entry of the resource's type.
"""

from __future__ import annotations

from connlint.paths import shown_origin
from connlint.lifetime import ASYNC_MISUSE, LEAK, LEAK_ON_ERROR, WITH_NO_CLOSE, Detail


IMPERATIVE = {"closed": "close", "returned": "return", "disposed": "dispose"}


def lifetime_sites(facts, verdicts, checkout: bool | None):
    """Sites whose fate is one of ``verdicts``; ``checkout`` filters on kind."""
    for site in facts.sites:
        fate = site.fate
        if fate is None or fate.verdict not in verdicts:
            continue
        if site.unpooled and fate.verdict in (LEAK, LEAK_ON_ERROR):
            continue  # e.g. poolclass=NullPool: nothing is kept open
        if site.created_per is not None:
            continue  # CNL201 / CNL202 report it: one finding per resource
        if checkout is not None and (site.rtype.kind == "checkout") != checkout:
            continue
        yield site


def subject(site) -> str:
    """``psycopg2 connection from psycopg2.connect()``; with the defining
    place when another project module provides it:
    ``SQLAlchemy session from SessionLocal() (app/database.py:12)``."""
    origin = f" ({shown_origin(site.origin)})" if getattr(site, "origin", None) else ""
    return f"{site.rtype.label} from {site.callee}(){origin}"


def variable(site) -> str:
    return (site.fate.var if site.fate else None) or site.rtype.var


def remedy(site) -> str:
    """What to do instead, from the catalog entry of the resource's type."""
    rtype, var = site.rtype, variable(site)
    if site.created_when_missing:
        # ``if conn is None: conn = connect()``: a plain ``with`` would also
        # close the caller's connection
        entered = site.callee + "(...)"
        if not (rtype.with_effect == "closes" or rtype.async_with_effect == "closes"):
            entered = f"contextlib.closing({entered})"
        return (
            f"close only the one created here: under 'with contextlib.ExitStack() as stack:', "
            f"create it as '{var} = stack.enter_context({entered})'"
        )
    if rtype.hint:
        return rtype.hint.format(var=var, call=site.callee, pool=site.receiver or "pool")
    release = rtype.release[0] if rtype.release else "close"
    awaited = "await " if rtype.release_awaited else ""
    if rtype.kind == "pool":
        if site.in_async and rtype.async_with_effect == "closes":
            local = f"use 'async with {site.callee}(...) as {var}:'"
        elif not site.in_async and rtype.with_effect == "closes":
            local = f"use 'with {site.callee}(...) as {var}:'"
        else:
            local = f"call '{awaited}{var}.{release}()' in a 'finally' block"
        if rtype.needs_loop:
            return f"create it once in the app's startup or lifespan hook and share it, or {local}"
        return f"create it once at module level and share it, or {local}"
    if site.in_async and rtype.async_with_effect == "closes":
        return f"use 'async with {site.callee}(...) as {var}:'"
    if rtype.with_effect == "closes":
        return f"use 'with {site.callee}(...) as {var}:'"
    if rtype.with_effect == "transaction" and not rtype.release_awaited:
        return f"use 'with contextlib.closing({site.callee}(...)) as {var}:'"
    if rtype.async_with_effect == "closes":
        return f"use 'async with {site.callee}(...) as {var}:'"
    return f"call '{awaited}{var}.{release}()' in a 'finally' block"


def leak_message(site) -> str:
    fate, verb = site.fate, site.rtype.release_verb
    if fate.verdict == LEAK_ON_ERROR:
        return (
            f"{subject(site)} is {verb} only when no exception is raised "
            f"(line {fate.line} can raise first); {error_remedy(site)}"
        )
    if fate.detail == Detail.DISCARDED:
        what = f"is discarded without being {verb}"
    elif fate.detail == Detail.LOST and fate.line == site.line:
        what = f"is overwritten by the next loop iteration before being {verb}"
    elif fate.detail == Detail.LOST:
        what = f"is overwritten at line {fate.line} before being {verb}"
    elif fate.detail == Detail.PATH:
        what = f"is not {verb} on every path (still open at line {fate.line})"
    else:
        what = f"is never {verb}"
    return f"{subject(site)} {what}; {remedy(site)}"


def error_remedy(site) -> str:
    """The remedy for a release that an exception can skip."""
    base = remedy(site)
    if base.startswith("use "):
        imperative = IMPERATIVE.get(site.rtype.release_verb, "release")
        return f"{imperative} it in a 'finally' block or {base}"
    return base


__all__ = ["ASYNC_MISUSE", "LEAK", "LEAK_ON_ERROR", "WITH_NO_CLOSE", "lifetime_sites", "leak_message", "remedy", "subject"]
