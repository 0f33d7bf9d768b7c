"""CNL104 checkout-not-returned."""

from connlint.fixes.plan_lifetime import plan_unreleased
from connlint.lifetime import LEAK, LEAK_ON_ERROR
from connlint.rule import Invalid, Rule
from connlint.rules._lifetime import leak_message, lifetime_sites


class CheckoutNotReturned(Rule):
    code = "CNL104"
    name = "checkout-not-returned"
    summary = "A connection checked out of a pool is not returned on every path, exceptions included."
    what = """
Finds pool checkouts (`pool.getconn()`, `pool.acquire()`,
`engine.connect()`, `engine.raw_connection()`, ...) that are not given back
(`putconn`, `release`, `close`, `with`/`async with`) on every path, exception
paths included. The path rules are those of CNL101 and CNL102, but a checkout
is always CNL104.
"""
    why = """
A pool has a fixed number of slots. A checkout that is never returned takes a
slot for good; after `max_size` of them every request waits for the pool
timeout, or forever, and the service stops answering while the database
looks idle.
"""
    example = """
```python
def load(pool, key):
    conn = pool.getconn()
    cur = conn.cursor()
    cur.execute("select v from kv where k = %s", (key,))
    row = cur.fetchone()
    pool.putconn(conn)
    return row
```
"""
    use_instead = """
```python
def load(pool, key):
    conn = pool.getconn()
    try:
        cur = conn.cursor()
        cur.execute("select v from kv where k = %s", (key,))
        return cur.fetchone()
    finally:
        pool.putconn(conn)
```
"""
    fix_safety = """
The uses of the checkout go into the library's context manager where it has
one that only gives the connection back (`async with pool.acquire() as
conn:` for asyncpg, aiomysql, aiopg; `with engine.connect() as conn:`), and
otherwise into `try:` with the library's return call in `finally:`
(`pool.putconn(conn)`, `pool.release(conn)`, `conn.close()`); psycopg 3's
`pool.connection()` commits on exit, so its checkouts get `finally:
pool.putconn(conn)` instead. **Safe**. Not offered when the connection is
used outside that block, or is already returned on some branch inside it
(a second `putconn` raises).
"""
    valid = (
        "import psycopg2.pool\npool = psycopg2.pool.ThreadedConnectionPool(1, 5)\ndef f():\n    conn = pool.getconn()\n    try:\n        conn.cursor().execute('x')\n    finally:\n        pool.putconn(conn)\n",
        "import asyncpg\nasync def f(pool: asyncpg.Pool):\n    async with pool.acquire() as conn:\n        await conn.execute('x')\n",
        "from sqlalchemy import create_engine\nengine = create_engine('postgresql://')\ndef f():\n    with engine.connect() as conn:\n        conn.exec_driver_sql('select 1')\n",
        "import psycopg_pool\npool = psycopg_pool.ConnectionPool('')\ndef f():\n    conn = pool.getconn()\n    try:\n        conn.execute('x')\n    finally:\n        pool.putconn(conn)\n",
    )
    invalid = (
        Invalid(
            "import psycopg2.pool\npool = psycopg2.pool.ThreadedConnectionPool(1, 5)\ndef f():\n    conn = pool.getconn()\n    conn.cursor().execute('x')\n",
            ((4, 12),),
            "psycopg2 pool connection from pool.getconn() is never returned; return it with 'pool.putconn(conn)' in a 'finally' block",
            fixed="import psycopg2.pool\npool = psycopg2.pool.ThreadedConnectionPool(1, 5)\ndef f():\n    conn = pool.getconn()\n    try:\n        conn.cursor().execute('x')\n    finally:\n        pool.putconn(conn)\n",
        ),
        Invalid(
            "import psycopg2.pool\npool = psycopg2.pool.ThreadedConnectionPool(1, 5)\ndef f():\n    conn = pool.getconn()\n    conn.cursor().execute('x')\n    pool.putconn(conn)\n",
            ((4, 12),),
            "is returned only when no exception is raised (line 5 can raise first)",
            fixed="import psycopg2.pool\npool = psycopg2.pool.ThreadedConnectionPool(1, 5)\ndef f():\n    conn = pool.getconn()\n    try:\n        conn.cursor().execute('x')\n    finally:\n        pool.putconn(conn)\n",
        ),
        Invalid(
            "from sqlalchemy import create_engine\nengine = create_engine('postgresql://')\ndef f():\n    conn = engine.connect()\n    return conn.exec_driver_sql('select 1').scalar()\n",
            ((4, 12),),
            "SQLAlchemy connection from engine.connect() is never returned",
            fixed="from sqlalchemy import create_engine\nengine = create_engine('postgresql://')\ndef f():\n    with engine.connect() as conn:\n        return conn.exec_driver_sql('select 1').scalar()\n",
        ),
        Invalid(
            "import asyncpg\nasync def f(pool: asyncpg.Pool):\n    conn = await pool.acquire()\n    await conn.execute('x')\n    await pool.release(conn)\n",
            ((3, 18),),
            fixed="import asyncpg\nasync def f(pool: asyncpg.Pool):\n    async with pool.acquire() as conn:\n        await conn.execute('x')\n",
        ),
    )

    def check(self, facts):
        for site in lifetime_sites(facts, (LEAK, LEAK_ON_ERROR), checkout=True):
            fix = plan_unreleased(site, facts, self.code)
            yield self.finding(facts, site.call, leak_message(site), site.statement, fix)
