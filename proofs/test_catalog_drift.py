"""Catalog drift: every ``[[limits]]`` default and every ``with`` / ``async with``
behaviour the catalog states, compared with the installed libraries.

Defaults are read from the signature where the keyword has one, and from the
object the call builds (``create_engine(url).pool.size()``) where it does not
or where the signature's ``None`` stands for something else.  ``with``
behaviours are observed on real servers (``proofs/probes.py``).  Every
mismatch is printed; any mismatch fails.  Libraries that are not installed
are listed, not compared.
"""

from __future__ import annotations

import asyncio
import importlib.metadata
import inspect

from proofs import catalog_data
from proofs.support import driver, observe
from proofs.probes import PROBES, Servers

URL_HOST = "127.0.0.1"
#: the libraries the ``proofs`` extra installs: each must be compared
DRIVERS = ("psycopg2", "psycopg", "psycopg_pool", "sqlalchemy", "redis", "pymysql", "asyncpg", "requests", "httpx",
           "aiohttp")


def _need_drivers():
    for name in DRIVERS:
        driver(name)


def _version(package: str) -> tuple[int, ...]:
    text = importlib.metadata.version(package)
    return tuple(int(part) for part in text.split(".")[:2] if part.isdigit())


def _signature_default(target, keyword):
    """The default of ``keyword`` in the signature of ``target`` (a class: its ``__init__``), or ``inspect._empty``."""
    try:
        signature = inspect.signature(target)
    except (TypeError, ValueError):
        return inspect.Parameter.empty
    parameter = signature.parameters.get(keyword)
    return parameter.default if parameter is not None else inspect.Parameter.empty


# -- what each call builds, with nothing but the defaults ------------------------------------


def _sqlalchemy_pool(call, target):
    url = f"postgresql+psycopg2://u@{URL_HOST}:1/x"
    if "async" in call:
        url = f"postgresql+psycopg://u@{URL_HOST}:1/x"
    if call.endswith("engine_from_config"):
        built = target({"sqlalchemy.url": url})
    else:
        built = target(url)
    pool = getattr(built, "pool", built)
    values = {"pool_size": pool.size(), "max_overflow": pool._max_overflow, "pool_timeout": pool.timeout()}
    dispose = getattr(built, "dispose", None)
    if dispose is not None:
        result = dispose()
        if inspect.isawaitable(result):
            asyncio.run(result)
    return values


def _redis_pool(call, target):
    url = f"redis://{URL_HOST}:1/0"
    if call.endswith("from_url"):
        built = target(url)
    elif call.endswith("ConnectionPool"):
        built = target()
    else:
        built = target(host=URL_HOST, port=1)
    pool = getattr(built, "connection_pool", built)
    values = {"max_connections": pool.max_connections}
    if hasattr(pool, "timeout"):
        values["timeout"] = pool.timeout
    return values


def _psycopg_pool(call, target):
    async def build():
        return target(f"host={URL_HOST} port=1", open=False)

    built = asyncio.run(build()) if "Async" in call else target(f"host={URL_HOST} port=1", open=False)
    return {"min_size": built.min_size, "max_size": built.max_size, "timeout": built.timeout}


def _aiohttp_connector(call, target):
    async def build():
        connector = target()
        try:
            return {"limit": connector.limit, "limit_per_host": connector.limit_per_host}
        finally:
            await connector.close()

    return asyncio.run(build())


#: (qualified-name prefix, builder): what the call builds, read back
BUILDERS = [
    ("sqlalchemy.", _sqlalchemy_pool),
    ("redis.", _redis_pool),
    ("psycopg_pool.", _psycopg_pool),
    ("aiohttp.", _aiohttp_connector),
]


def _built(call, target):
    for prefix, builder in BUILDERS:
        if call.startswith(prefix):
            return builder(call, target)
    return None


def test_limits_defaults_match_the_installed_libraries():
    _need_drivers()
    mismatches, agreed, not_installed, unchecked = [], [], set(), []
    for file, entry in catalog_data.limits():
        defaults = dict(entry.get("defaults", {}))
        if not defaults:
            continue
        versions = entry.get("versions")
        for call in entry["calls"]:
            try:
                target = catalog_data.resolve(call)
            except ImportError as exc:
                if "no module" in str(exc) or not catalog_data.installed(catalog_data.files()[file]):
                    not_installed.add(call.split(".")[0])
                else:
                    unchecked.append(f"{call} ({file}): not in the installed version ({exc})")
                continue
            expected = dict(defaults)
            if versions:
                package = {"redis-py": "redis"}.get(versions["package"], versions["package"])
                since = tuple(int(p) for p in versions["since"].split("."))
                if _version(package) < since:
                    expected.update(versions["before"])
            try:
                built = _built(call, target)
            except Exception as exc:  # a builder that breaks is a finding too
                mismatches.append(
                    f"{call} ({file}): could not build one with its defaults: {type(exc).__name__}: {exc}"
                )
                continue
            for keyword, value in expected.items():
                sources = []
                default = _signature_default(target, keyword)
                if default is not inspect.Parameter.empty and default is not None:
                    sources.append(("signature", default))
                if built is not None and keyword in built:
                    sources.append(("built", built[keyword]))
                if not sources:
                    mismatches.append(f"{call} ({file}): {keyword}={value!r} cannot be read from the installed library")
                    continue
                for source, found in sources:
                    if found != value:
                        mismatches.append(
                            f"{call} ({file}): catalog {keyword}={value!r}, installed ({source}) {found!r}"
                        )
                    else:
                        agreed.append(f"{call}: {keyword}={found!r} ({source})")
    for line in agreed:
        print("agrees:", line)
    for line in unchecked:
        print("not compared:", line)
    for line in mismatches:
        print("MISMATCH:", line)
    observe(
        "catalog limits",
        f"{len(agreed)} defaults agree with the installed libraries, {len(mismatches)} mismatch"
        + (f"; not installed, not compared: {', '.join(sorted(not_installed))}" if not_installed else ""),
    )
    assert not mismatches, "\n".join(mismatches)


def test_with_behaviours_match_the_installed_libraries(request, tmp_path):
    _need_drivers()
    servers = Servers(request, tmp_path)
    mismatches, agreed, not_installed, no_probe = [], [], set(), []
    for type_name, (file, spec) in sorted(catalog_data.types().items()):
        stated = {"with": spec.get("with"), "async with": spec.get("async_with")}
        if not any(stated.values()):
            continue
        if not catalog_data.installed(catalog_data.files()[file]):
            not_installed.add(catalog_data.library_of(catalog_data.files()[file]).get("name", file))
            continue
        probe = PROBES.get(type_name)
        if probe is None:
            no_probe.append(f"{type_name} ({file}): the catalog states {stated}; proofs/probes.py has no probe for it")
            continue
        observed = dict(zip(("with", "async with"), probe(servers)))
        for statement, effect in stated.items():
            if effect is None:
                continue
            seen = observed[statement]
            line = f"{statement} on {type_name}: catalog '{effect}', observed '{seen.effect}' ({seen.detail})"
            (agreed if seen.effect == effect else mismatches).append(line)
    for line in agreed:
        print("agrees:", line)
    for line in mismatches:
        print("MISMATCH:", line)
    for line in no_probe:
        print("NO PROBE:", line)
    observe(
        "catalog with",
        f"{len(agreed)} with/async-with behaviours observed as the catalog states them, {len(mismatches)} mismatch"
        + (f"; not installed, not compared: {', '.join(sorted(not_installed))}" if not_installed else ""),
    )
    assert not mismatches and not no_probe, "\n".join(mismatches + no_probe)
