"""CNL105 async-resource-sync-close."""

from connlint.fixes.plan_lifetime import plan_async_misuse
from connlint.lifetime import ASYNC_MISUSE, Detail
from connlint.rule import Invalid, Rule
from connlint.rules._lifetime import lifetime_sites, subject, variable


class AsyncResourceSyncClose(Rule):
    code = "CNL105"
    name = "async-resource-sync-close"
    summary = "An async resource is used with a sync protocol: 'with' on it, 'async with' where unsupported, or a close() that is not awaited."
    what = """
Finds async resources used through a protocol they do not support:
`with aiohttp.ClientSession()` (raises `TypeError`), `async with
asyncpg.connect(...)` (asyncpg connections are not async context managers),
or a release coroutine called without `await` (`session.close()` on an
`aiohttp.ClientSession`), which closes nothing.
"""
    why = """
The first two fail at run time on the first request that reaches them; the
third silently leaks: the coroutine is created, never run, and the session's
connector keeps its sockets open.
"""
    example = """
```python
async def fetch(url):
    session = aiohttp.ClientSession()
    resp = await session.get(url)
    session.close()
    return resp.status
```
"""
    use_instead = """
```python
async def fetch(url):
    async with aiohttp.ClientSession() as session:
        async with session.get(url) as resp:
            return resp.status
```
"""
    fix_safety = """
`with aiohttp.ClientSession() as s:` in an `async def` becomes `async with`;
`async with asyncpg.connect(dsn) as conn:` becomes `conn = await
asyncpg.connect(dsn)` with the body in `try:` and `await conn.close()` in
`finally:`; an un-awaited `s.close()` gets its `await`. All **safe**: the
code as written raises or closes nothing.
"""
    valid = (
        "import aiohttp\nasync def f(u):\n    async with aiohttp.ClientSession() as s:\n        await s.get(u)\n",
        "import asyncpg\nasync def f(dsn):\n    conn = await asyncpg.connect(dsn)\n    try:\n        await conn.execute('x')\n    finally:\n        await conn.close()\n",
        "import aiohttp, asyncio\ndef f():\n    s = aiohttp.ClientSession()\n    asyncio.run(s.close())\n",
        "import oracledb\ndef f():\n    with oracledb.create_pool(dsn='d') as pool:\n        pool.acquire\n",
    )
    invalid = (
        Invalid(
            "import aiohttp\nasync def f(u):\n    with aiohttp.ClientSession() as s:\n        await s.get(u)\n",
            ((3, 10),),
            "'with' on aiohttp session from aiohttp.ClientSession() raises TypeError; use 'async with aiohttp.ClientSession(...) as s:'",
            fixed='import aiohttp\nasync def f(u):\n    async with aiohttp.ClientSession() as s:\n        await s.get(u)\n',
        ),
        Invalid(
            "import asyncpg\nasync def f(dsn):\n    async with asyncpg.connect(dsn) as conn:\n        await conn.execute('x')\n",
            ((3, 16),),
            "'async with' on asyncpg connection from asyncpg.connect() raises TypeError",
            fixed="import asyncpg\nasync def f(dsn):\n    conn = await asyncpg.connect(dsn)\n    try:\n        await conn.execute('x')\n    finally:\n        await conn.close()\n",
        ),
        Invalid(
            "import aiohttp\nasync def f(u):\n    s = aiohttp.ClientSession()\n    await s.get(u)\n    s.close()\n",
            ((3, 9),),
            "'s.close()' is not awaited, so aiohttp session from aiohttp.ClientSession() is never closed; use 'await s.close()'",
            fixed='import aiohttp\nasync def f(u):\n    s = aiohttp.ClientSession()\n    await s.get(u)\n    await s.close()\n',
        ),
    )

    def check(self, facts):
        for site in lifetime_sites(facts, (ASYNC_MISUSE,), checkout=None):
            fate, var = site.fate, variable(site)
            if fate.detail == Detail.AWAITED:
                message = (
                    f"'{var}.{fate.method}()' is not awaited, so {subject(site)} is never closed; "
                    f"use 'await {var}.{fate.method}()'"
                )
            else:
                protocol = "with" if fate.detail == Detail.WITH else "async with"
                message = f"'{protocol}' on {subject(site)} raises TypeError; {_supported_protocol(site, var)}"
            yield self.finding(facts, site.call, message, site.statement, plan_async_misuse(site, facts))


def _supported_protocol(site, var: str) -> str:
    """What the resource does support, from its catalog entry."""
    rtype = site.rtype
    release = rtype.release[0] if rtype.release else "close"
    if rtype.async_with_effect == "closes":
        return f"use 'async with {site.callee}(...) as {var}:'"
    if rtype.with_effect == "closes":
        return f"use 'with {site.callee}(...) as {var}:'"
    if rtype.release_awaited:
        return f"use '{var} = await {site.callee}(...)' and 'await {var}.{release}()' in a 'finally' block"
    return f"call '{var}.{release}()' in a 'finally' block"
