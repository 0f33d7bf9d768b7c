"""``connlint inventory``: every pool, engine and pooled client the code
creates, its effective limits, how often it is created, and the resulting
connection budget per database target."""

from __future__ import annotations

import json
from dataclasses import dataclass
from urllib.parse import urlsplit

from connlint.limits import MISSING, UNKNOWN, describe_defaults, render

BUDGET_SERVERS = ("database", "redis", "mongodb")


@dataclass
class PoolEntry:
    path: str
    line: int
    label: str
    server: str | None  # database | redis | mongodb | http | None (no limits data)
    target: str | None  # "postgresql://db/app", "redis://cache"
    bound: object  # int | None (unbounded) | UNKNOWN
    limits: str  # "pool_size=10 + max_overflow=5"
    explicit: bool | None  # None when connlint has no limits data for it
    created: str  # "once" | "per request via ..." | "per loop iteration (line N)"

    def as_json(self) -> dict:
        return {
            "path": self.path,
            "line": self.line,
            "library": self.label,
            "server": self.server,
            "target": self.target,
            "max_connections": _json_bound(self.bound),
            "limits": self.limits,
            "limits_source": {True: "explicit", False: "default", None: "unknown"}[self.explicit],
            "created": self.created,
        }


def collect(facts) -> list[PoolEntry]:
    """The pools one file creates."""
    entries = []
    configs = {id(config.call): config for config in facts.pool_configs}
    for site in facts.sites:
        if site.rtype.kind != "pool" or site.origin is not None:
            continue  # a pool another module creates is listed there (see ``remote_creations``)
        config = configs.get(id(site.call))
        created = _created(site)
        if config is None:
            entries.append(PoolEntry(facts.path, site.line, site.rtype.label, None, None, UNKNOWN, "not modelled", None, created))
            continue
        entries.append(_entry(facts.path, site.rtype.label, config, created))
    return entries


def remote_creations(facts) -> list:
    """(where another module creates a pool, how often this module makes it
    run): ``Reports()`` or ``db.make_engine()`` called in a view."""
    found = [
        (remote.origin, f"per {remote.reach.entry.spec.unit} via {remote.reach.describe()} -> {remote.callee}()")
        for remote in facts.remote_pools
    ]
    for site in facts.sites:
        if site.rtype.kind == "pool" and site.origin is not None and site.created_per is not None:
            found.append((site.origin, f"{_created(site)} -> {site.callee}()"))
    return found


def mark_remote_creations(entries, creations) -> None:
    """The entry where a pool is created says how often other modules make it."""
    from connlint.paths import shown_origin

    by_origin = {f"{entry.path}:{entry.line}": entry for entry in entries}
    for origin, created in creations:
        entry = by_origin.get(shown_origin(origin))
        if entry is not None and entry.created == "once":
            entry.created = created


def _created(site) -> str:
    if site.created_per == "loop":
        return f"per loop iteration (loop at line {site.loop.line})"
    if site.created_per == "request":
        reach = site.per_request
        return f"per {reach.entry.spec.unit} via {reach.describe()}"
    if site.loop is not None and not site.loop.retry:
        return f"once per item (loop at line {site.loop.line})"
    return "once"


def _entry(path: str, label: str, config, created: str) -> PoolEntry:
    spec, args = config.spec, config.args
    explicit = not config.implicit()
    parts = []
    for keyword in spec.size:
        value = args.get(keyword)
        if value is MISSING:
            if keyword in spec.defaults:
                parts.append(f"{keyword}={render(spec.defaults[keyword])}")
        elif value is UNKNOWN:
            parts.append(f"{keyword}=?")
        else:
            parts.append(f"{keyword}={render(value)}")
    if config.unsized():
        limits = "no pool size (" + ", ".join(f"{k}" for k in spec.unsized) + ")"
    elif config.in_memory():
        limits = "in-memory database"
    elif not explicit:
        limits = describe_defaults(spec)
    else:
        limits = " + ".join(parts) if parts else "explicit"
    if args.opaque:
        limits = "from a settings mapping connlint cannot read"
    return PoolEntry(path, config.call.lineno, label, spec.server, _target(config), config.bound(), limits, explicit, created)


def _target(config) -> str | None:
    url = config.args.url
    if isinstance(url, str):
        try:
            parts = urlsplit(url)
        except ValueError:
            return None
        host = parts.hostname or ""
        port = f":{parts.port}" if parts.port else ""
        return f"{parts.scheme}://{host}{port}{parts.path}"
    host = config.args.get("host")
    if isinstance(host, str):
        return f"{config.spec.server}://{host}"
    return None


@dataclass
class Budget:
    target: str
    per_process: object  # int | None (unbounded)
    pools: int

    def total(self, processes: int):
        return None if self.per_process is None else self.per_process * processes


def budget(entries) -> list[Budget]:
    """Maximum connections per process to each target: a pool created per
    request or per iteration makes it unbounded; one per item of a loop,
    unknown."""
    totals: dict[str, Budget] = {}
    for entry in entries:
        if entry.server not in BUDGET_SERVERS:
            continue
        target = entry.target or f"{entry.server} (target not readable)"
        current = totals.setdefault(target, Budget(target, 0, 0))
        current.pools += 1
        if entry.created.startswith("per "):
            contribution = None
        elif entry.created.startswith("once per item"):
            contribution = UNKNOWN
        else:
            contribution = entry.bound
        current.per_process = _add(current.per_process, contribution)
    return sorted(totals.values(), key=lambda b: b.target)


def _add(total, contribution):
    if total is None or contribution is None:
        return None  # unbounded outweighs unknown
    if total is UNKNOWN or contribution is UNKNOWN:
        return UNKNOWN
    return total + contribution


def _json_bound(value):
    if value is UNKNOWN:
        return "unknown"
    if value is None:
        return "unbounded"
    return value


def _text_bound(value) -> str:
    if value is None:
        return "unbounded"
    if value is UNKNOWN:
        return "unknown"
    return str(value)


def render_text(entries, budgets, processes: int, max_connections: int | None) -> str:
    lines = []
    if not entries:
        return "No pools, engines or pooled clients found.\n"
    rows = [
        (
            f"{e.path}:{e.line}",
            e.label,
            e.target or "-",
            f"{_text_bound(e.bound)} ({e.limits}{', explicit' if e.explicit else ', default' if e.explicit is False else ''})",
            e.created,
        )
        for e in entries
    ]
    headers = ("location", "library", "target", "max connections", "created")
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(headers[:-1])]
    lines.append("  ".join(h.ljust(w) for h, w in zip(headers[:-1], widths)) + "  " + headers[-1])
    for row in rows:
        lines.append("  ".join(c.ljust(w) for c, w in zip(row[:-1], widths)) + "  " + row[-1])
    lines.append("")
    suffix = f" x {processes} processes" if processes != 1 else ""
    lines.append(f"Connection budget per target{suffix}:")
    for item in budgets:
        total = item.total(processes) if item.per_process is not UNKNOWN else UNKNOWN
        per = _text_bound(item.per_process)
        detail = f"{per} per process" + (f" = {_text_bound(total)}" if processes != 1 else "")
        over = ""
        if max_connections is not None and _exceeds(total, max_connections):
            over = f"  exceeds max_connections={max_connections}"
        lines.append(f"  {item.target}: {detail} ({item.pools} pool{'s' if item.pools != 1 else ''}){over}")
    return "\n".join(lines) + "\n"


def _exceeds(total, limit: int) -> bool:
    if total is UNKNOWN:
        return False
    return total is None or total > limit


def over_budget(budgets, processes: int, max_connections: int | None) -> list[Budget]:
    if max_connections is None:
        return []
    return [b for b in budgets if b.per_process is not UNKNOWN and _exceeds(b.total(processes), max_connections)]


def render_json(entries, budgets, processes: int, max_connections: int | None) -> str:
    document = {
        "pools": [e.as_json() for e in entries],
        "budget": [
            {
                "target": b.target,
                "pools": b.pools,
                "per_process": _json_bound(b.per_process),
                "processes": processes,
                "total": _json_bound(b.total(processes)) if b.per_process is not UNKNOWN else "unknown",
            }
            for b in budgets
        ],
        "max_connections": max_connections,
        "over_budget": [b.target for b in over_budget(budgets, processes, max_connections)],
    }
    return json.dumps(document, indent=2) + "\n"
