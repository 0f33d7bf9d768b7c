"""CNL202 engine-in-loop."""

import ast

from connlint.fixes.intent import names_used
from connlint.fixes.plan_lifecycle import plan_hoist_from_loop
from connlint.rule import Invalid, Rule
from connlint.rules._lifecycle import created_sites
from connlint.rules._lifetime import subject


class EngineInLoop(Rule):
    code = "CNL202"
    name = "engine-in-loop"
    summary = "An engine, pool or pooled client is created on every iteration of a loop."
    what = """
Finds engines, pools and pooled clients created in the body of a `for` or
`while` loop or in a comprehension, even when each one is disposed before the
next iteration. Not reported: retry loops (the loop leaves with `break` or
`return` once the creation succeeds) and one pool per item kept in a
container (`engines[name] = create_engine(url)`,
`[create_engine(u) for u in urls]`).
"""
    why = """
Each iteration pays for a new pool: new TCP connections, TLS handshakes and
authentication, and the pool's connections linger until it is disposed or
collected. A batch job over ten thousand rows opens ten thousand pools.
"""
    example = """
```python
def export(urls, rows):
    for row in rows:
        engine = create_engine(DATABASE_URL)
        with engine.begin() as conn:
            conn.execute(insert_row, row)
        engine.dispose()
```
"""
    use_instead = """
```python
def export(urls, rows):
    engine = create_engine(DATABASE_URL)
    try:
        for row in rows:
            with engine.begin() as conn:
                conn.execute(insert_row, row)
    finally:
        engine.dispose()
```
"""
    fix_safety = """
`engine = create_engine(URL)` directly in a loop body, with arguments that do
not change in the loop, moves before the loop; when the loop disposed it on
every iteration, the loop goes into `try:` and one `engine.dispose()` into
`finally:`. **Unsafe**: one pool now serves every iteration.
"""
    valid = (
        "from sqlalchemy import create_engine\ndef f(rows):\n    engine = create_engine('sqlite://')\n    try:\n        for row in rows:\n            with engine.begin() as conn:\n                conn.exec_driver_sql('x')\n    finally:\n        engine.dispose()\n",
        "import time\nfrom sqlalchemy import create_engine\ndef connect(url):\n    while True:\n        try:\n            return create_engine(url)\n        except Exception:\n            time.sleep(1)\n",
        "from sqlalchemy import create_engine\nDATABASES = {'a': 'sqlite://', 'b': 'sqlite://'}\nengines = {name: create_engine(url) for name, url in DATABASES.items()}\n",
        "from sqlalchemy import create_engine\ndef build(urls):\n    engines = {}\n    for name, url in urls.items():\n        engines[name] = create_engine(url)\n    return engines\n",
    )
    invalid = (
        Invalid(
            "from sqlalchemy import create_engine\ndef f(rows):\n    for row in rows:\n        engine = create_engine('postgresql://db/app')\n        with engine.begin() as conn:\n            conn.exec_driver_sql('x')\n        engine.dispose()\n",
            ((4, 18),),
            "SQLAlchemy engine from create_engine() is created on every iteration of the loop at line 3; create it once before the loop and share it",
            fixed="from sqlalchemy import create_engine\ndef f(rows):\n    engine = create_engine('postgresql://db/app')\n    try:\n        for row in rows:\n            with engine.begin() as conn:\n                conn.exec_driver_sql('x')\n    finally:\n        engine.dispose()\n",
        ),
        Invalid(
            "import redis\ndef sizes(hosts):\n    return [redis.Redis(host=h).dbsize() for h in hosts]\n",
            ((3, 13),),
            "Redis client from redis.Redis() is created on every iteration of the loop at line 3; its arguments change with the iteration: keep one per distinct value (e.g. in a dict made before the loop) and reuse it",
        ),
        Invalid(
            "import httpx\nasync def poll(urls):\n    while urls:\n        async with httpx.AsyncClient() as client:\n            await client.get(urls.pop())\n",
            ((4, 20),),
        ),
    )

    def check(self, facts):
        for site in created_sites(facts, "loop"):
            if _varies(site):
                remedy = (
                    "its arguments change with the iteration: keep one per distinct value "
                    "(e.g. in a dict made before the loop) and reuse it"
                )
            else:
                remedy = "create it once before the loop and share it"
            message = f"{subject(site)} is created on every iteration of the loop at line {site.loop.line}; {remedy}"
            yield self.finding(facts, site.call, message, site.statement, plan_hoist_from_loop(site, facts))


def _varies(site) -> bool:
    """Do the creating call's arguments use a name whose value changes from
    one iteration to the next?  A name the loop rebinds only to a value made
    of names that do not change (``timeout = ClientTimeout(total=5)``) keeps
    its value."""
    loop = site.loop.node
    rebound = names_used(loop, bound_only=True)
    plain: dict = {}  # name -> the values a simple ``name = value`` in the loop gives it
    simple_targets = set()
    for node in ast.walk(loop):
        if isinstance(node, ast.Assign) and all(isinstance(t, ast.Name) for t in node.targets):
            for target in node.targets:
                plain.setdefault(target.id, []).append(node.value)
                simple_targets.add(id(target))
    otherwise_bound = {
        node.id for node in ast.walk(loop)
        if isinstance(node, ast.Name) and isinstance(node.ctx, (ast.Store, ast.Del)) and id(node) not in simple_targets
    } | (rebound - {node.id for node in ast.walk(loop) if isinstance(node, ast.Name)})
    steady: set = set()
    grown = True
    while grown:  # least fixed point: a value built from its own previous value keeps changing
        grown = False
        for name, values in plain.items():
            if name in steady or name in otherwise_bound:
                continue
            if all(not (_loaded(value) & (rebound - steady)) for value in values):
                steady.add(name)
                grown = True
    return bool(_loaded(site.call) & (rebound - steady))


def _loaded(node) -> set:
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}
