"""CNL103 with-does-not-close."""

from connlint.fixes.plan_lifetime import plan_with_no_close
from connlint.lifetime import WITH_NO_CLOSE
from connlint.rule import Invalid, Rule
from connlint.rules._lifetime import lifetime_sites, remedy, subject


class WithDoesNotClose(Rule):
    code = "CNL103"
    name = "with-does-not-close"
    summary = "'with' on a connection whose __exit__ only commits or rolls back: it is never closed."
    what = """
Finds `with` used on an object whose `__exit__` ends the transaction but does
not close the connection: `sqlite3.Connection`, `psycopg2` connections and
`pyodbc.Connection` (the catalog marks them `with = "transaction"`), when
nothing else closes it afterwards. Also a psycopg 3 connection taken with
`pool.getconn()`: its `with` closes it without returning it to the pool.
"""
    why = """
`with sqlite3.connect(path) as conn:` reads like it closes the connection, and
every tutorial-shaped snippet relies on it, but the connection stays open
until garbage collection. This is the single most common connection leak in
Python code, and no other linter knows it.
"""
    example = """
```python
import sqlite3

def save(path, row):
    with sqlite3.connect(path) as conn:
        conn.execute("insert into t values (?)", row)
```
"""
    use_instead = """
```python
import contextlib
import sqlite3

def save(path, row):
    with contextlib.closing(sqlite3.connect(path)) as conn, conn:
        conn.execute("insert into t values (?)", row)
```
The second `conn` keeps the commit-or-rollback scope of the original `with`.
"""
    fix_safety = """
`with sqlite3.connect(p) as conn:` becomes
`with contextlib.closing(sqlite3.connect(p)) as conn, conn:` (closed, and
the transaction scope kept), adding `import contextlib` when needed;
`conn = psycopg2.connect(dsn)` followed by `with conn:` gets a
`with contextlib.closing(...) as conn:` around its uses; `with pool.getconn()
as conn:` (psycopg 3) becomes `with pool.connection() as conn:`. All
**safe**: the transaction behaves as before and the connection is now closed
or returned.
"""
    valid = (
        "import sqlite3, contextlib\ndef f(p):\n    with contextlib.closing(sqlite3.connect(p)) as conn, conn:\n        conn.execute('x')\n",
        "import sqlite3\ndef f(p):\n    conn = sqlite3.connect(p)\n    try:\n        with conn:\n            conn.execute('x')\n    finally:\n        conn.close()\n",
        "import psycopg\ndef f(dsn):\n    with psycopg.connect(dsn) as conn:\n        conn.execute('x')\n",
        "import psycopg_pool\npool = psycopg_pool.ConnectionPool('')\ndef f():\n    with pool.connection() as conn:\n        conn.execute('x')\n",
    )
    invalid = (
        Invalid(
            "import sqlite3\ndef f(p):\n    with sqlite3.connect(p) as conn:\n        conn.execute('x')\n",
            ((3, 10),),
            "'with' on sqlite3 connection from sqlite3.connect() commits or rolls back but does not close it; use 'with contextlib.closing(sqlite3.connect(...)) as conn:'",
            fixed="import contextlib\nimport sqlite3\ndef f(p):\n    with contextlib.closing(sqlite3.connect(p)) as conn, conn:\n        conn.execute('x')\n",
        ),
        Invalid(
            "import psycopg2\ndef f(dsn):\n    conn = psycopg2.connect(dsn)\n    with conn:\n        conn.cursor().execute('x')\n",
            ((3, 12),),
            fixed="import contextlib\n\nimport psycopg2\ndef f(dsn):\n    with contextlib.closing(psycopg2.connect(dsn)) as conn:\n        with conn:\n            conn.cursor().execute('x')\n",
        ),
        Invalid(
            "import psycopg_pool\npool = psycopg_pool.ConnectionPool('')\ndef f():\n    with pool.getconn() as conn:\n        conn.execute('x')\n",
            ((4, 10),),
            "'with' on psycopg pool connection from pool.getconn() does not return it to the pool",
            fixed="import psycopg_pool\npool = psycopg_pool.ConnectionPool('')\ndef f():\n    with pool.connection() as conn:\n        conn.execute('x')\n",
        ),
    )

    def check(self, facts):
        for site in lifetime_sites(facts, (WITH_NO_CLOSE,), checkout=None):
            if site.rtype.kind == "checkout":
                what = "does not return it to the pool"
            else:
                what = "commits or rolls back but does not close it"
            message = f"'with' on {subject(site)} {what}; {remedy(site)}"
            yield self.finding(facts, site.call, message, site.statement, plan_with_no_close(site, facts))
