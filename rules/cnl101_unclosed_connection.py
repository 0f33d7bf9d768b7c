"""CNL101 unclosed-connection."""

from connlint.fixes.plan_lifetime import plan_unreleased
from connlint.lifetime import LEAK
from connlint.rule import Invalid, Rule
from connlint.rules._lifetime import leak_message, lifetime_sites


class UnclosedConnection(Rule):
    code = "CNL101"
    name = "unclosed-connection"
    summary = "A connection, session, client or pool created in a function is not released on every normal path."
    what = """
Finds connections, sessions, clients, engines and pools created inside a
function that are not released on at least one normal (non-exception) path:
never closed, closed only on some branches, overwritten while still open, or
discarded unused (`psycopg2.connect(dsn).cursor()`).

A resource counts as managed when a `with` that closes it surrounds its uses,
when it is handed to `ExitStack.enter_context`, when it is released on every
path, or when ownership leaves the function: it is returned or yielded, stored
on an attribute, a global or a container, passed to a wrapper constructor, or
its release is registered (`atexit.register(conn.close)`). Passed to a function
connlint cannot see, it might be released there, so connlint stays silent.
An engine built with `poolclass=NullPool` keeps no idle connections and is
not reported.
"""
    why = """
Every unreleased connection holds a server slot (and a socket, a thread or a
file handle) until the garbage collector happens to run. Under load the
server's `max_connections` runs out and every request fails: the outage this
tool exists to prevent.
"""
    example = """
```python
import psycopg2

def count_users(dsn):
    conn = psycopg2.connect(dsn)
    cur = conn.cursor()
    cur.execute("select count(*) from users")
    return cur.fetchone()[0]
```
"""
    use_instead = """
```python
import contextlib
import psycopg2

def count_users(dsn):
    with contextlib.closing(psycopg2.connect(dsn)) as conn, conn.cursor() as cur:
        cur.execute("select count(*) from users")
        return cur.fetchone()[0]
```
"""
    fix_safety = """
A resource bound to a name (`conn = sqlite3.connect(p)`) and used by the
statements that follow it in the same block gets a `with` around those uses:
`with contextlib.closing(...) as conn:` where the object's own `with` does not
close it (sqlite3, psycopg2, pyodbc) or also commits (psycopg 3), `async with`
for async resources in `async def`, the plain `with` otherwise; a trailing
`conn.close()` is dropped and `import contextlib` is added when needed.
Where no `with` closes it (an engine's `dispose()`), the uses go into `try:`
and the release into `finally:`. A resource discarded unused
(`psycopg2.connect(dsn).cursor().execute(q)`) is bound by a `with` around
that statement.

The fix is **safe** when every use of the resource and of what was derived
from it (cursors, results; not fetched data) is in that one block: the only
change is that the resource is released when the block ends. It is
**unsafe** when the block already releases it on some branch (it is then
released twice), and not offered when the resource or something derived from
it is used outside the block, captured by a nested function, rebound, or the
statements share a line.
"""
    valid = (
        "import sqlite3\ndef f(p):\n    with contextlib.closing(sqlite3.connect(p)) as c:\n        return c.execute('x').fetchall()\nimport contextlib\n",
        "import sqlite3\ndef f(p):\n    conn = sqlite3.connect(p)\n    try:\n        return conn.execute('x').fetchall()\n    finally:\n        conn.close()\n",
        "import sqlite3\ndef f(p):\n    conn = sqlite3.connect(p)\n    return conn\n",
        "import sqlite3\nclass Repo:\n    def __init__(self, p):\n        self.conn = sqlite3.connect(p)\n",
        "import sqlite3\nconn = sqlite3.connect('app.db')\n",
        "import sqlite3\ndef f(p, stack):\n    conn = stack.enter_context(sqlite3.connect(p))\n    return conn.execute('x')\n",
        "import sqlite3, atexit\ndef f(p):\n    conn = sqlite3.connect(p)\n    atexit.register(conn.close)\n    conn.execute('x')\n",
        "import sqlite3\ndef f(p):\n    conn = sqlite3.connect(p)\n    remember(conn)\n",
        "from sqlalchemy import create_engine\nfrom sqlalchemy.pool import NullPool\ndef f(u):\n    engine = create_engine(u, poolclass=NullPool)\n    with engine.connect() as conn:\n        conn.exec_driver_sql('select 1')\n",
        "import sqlite3\ndef f(p):\n    conn = sqlite3.connect(p)\n    if conn is None:\n        return None\n    conn.close()\n",
        "import redis\ndef f():\n    with redis.Redis() as r:\n        r.ping()\n",
    )
    invalid = (
        Invalid(
            "import sqlite3\ndef f(p):\n    conn = sqlite3.connect(p)\n    return conn.execute('x').fetchall()\n",
            ((3, 12),),
            "sqlite3 connection from sqlite3.connect() is never closed; use 'with contextlib.closing(sqlite3.connect(...)) as conn:'",
            fixed="import contextlib\nimport sqlite3\ndef f(p):\n    with contextlib.closing(sqlite3.connect(p)) as conn:\n        return conn.execute('x').fetchall()\n",
        ),
        Invalid(
            "import psycopg2 as pg\ndef f(dsn):\n    pg.connect(dsn).cursor().execute('x')\n",
            ((3, 5),),
            "is discarded without being closed",
        ),
        Invalid(
            "import sqlite3\ndef f(p, fast):\n    conn = sqlite3.connect(p)\n    if fast:\n        return 1\n    conn.close()\n",
            ((3, 12),),
            "is not closed on every path (still open at line 5)",
            fixed='import contextlib\nimport sqlite3\ndef f(p, fast):\n    with contextlib.closing(sqlite3.connect(p)) as conn:\n        if fast:\n            return 1\n',
        ),
        Invalid(
            "import sqlite3\ndef f(paths):\n    for p in paths:\n        conn = sqlite3.connect(p)\n        conn.execute('x')\n",
            ((4, 16),),
            fixed="import contextlib\nimport sqlite3\ndef f(paths):\n    for p in paths:\n        with contextlib.closing(sqlite3.connect(p)) as conn:\n            conn.execute('x')\n",
        ),
        Invalid(
            "from sqlalchemy import create_engine as ce\ndef f(u):\n    engine = ce(u)\n    with engine.connect() as conn:\n        conn.exec_driver_sql('select 1')\n",
            ((3, 14),),
            "SQLAlchemy engine from ce() is never disposed",
            fixed="from sqlalchemy import create_engine as ce\ndef f(u):\n    engine = ce(u)\n    try:\n        with engine.connect() as conn:\n            conn.exec_driver_sql('select 1')\n    finally:\n        engine.dispose()\n",
        ),
        Invalid(
            "import sqlite3\ndef f(p):\n    conn = sqlite3.connect(p)\n    conn = sqlite3.connect(p)\n    conn.close()\n",
            ((3, 12),),
            "is overwritten at line 4",
        ),
    )

    def check(self, facts):
        for site in lifetime_sites(facts, (LEAK,), checkout=False):
            fix = plan_unreleased(site, facts, self.code)
            yield self.finding(facts, site.call, leak_message(site), site.statement, fix)
