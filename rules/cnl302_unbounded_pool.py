"""CNL302 unbounded-pool."""

from connlint.fixes.plan_limits import plan_bounded_pool
from connlint.rule import Invalid, Rule
from connlint.rules._limits import setting, subject, suggestion


class UnboundedPool(Rule):
    code = "CNL302"
    name = "unbounded-pool"
    summary = "An explicit pool setting means 'no limit' (pool_size=0, max_overflow=-1, maxPoolSize=0, limit=0, ...)."
    severity = "warning"
    what = """
Finds pool settings whose value means "no limit", which differs per library
(the catalog lists them): SQLAlchemy `pool_size=0` or `max_overflow=-1`,
pymongo `maxPoolSize=0` or `None`, aiohttp `TCPConnector(limit=0)`, a bare
`httpx.Limits()` or `max_connections=None`, aiomysql/aiopg `maxsize=0`,
peewee `max_connections=0`/`None`, psycopg `NullConnectionPool` without
`max_size`.
"""
    why = """
An unbounded pool turns a traffic spike or a slow query into as many
connections as there are concurrent callers, until the server refuses them
all - the failure mode of the postmortem, configured on purpose.
"""
    example = """
```python
engine = create_engine(DATABASE_URL, pool_size=20, max_overflow=-1)
```
"""
    use_instead = """
```python
engine = create_engine(DATABASE_URL, pool_size=20, max_overflow=10)
```
"""
    fix_safety = """
Replaces the value that means "no limit" with the library's default bound (or
the catalog's suggestion where the default itself is unbounded), or adds the
missing bound (`httpx.Limits()`). **Unsafe**: the pool is now bounded, which
is the point, but callers may now wait for a connection.
"""
    valid = (
        "from sqlalchemy import create_engine\nengine = create_engine('postgresql://db/app', pool_size=20, max_overflow=10)\n",
        "from sqlalchemy import create_engine\nengine = create_engine('postgresql://db/app', pool_size=20, max_overflow=OVERFLOW)\n",
    )
    invalid = (
        Invalid(
            "from sqlalchemy import create_engine\nengine = create_engine('postgresql://db/app', pool_size=20, max_overflow=-1)\n",
            ((2, 10),),
            "SQLAlchemy engine from create_engine() has no connection limit: max_overflow=-1 means unlimited; set a bound, e.g. 'pool_size=10, max_overflow=5'",
            fixed="from sqlalchemy import create_engine\nengine = create_engine('postgresql://db/app', pool_size=20, max_overflow=10)\n",
        ),
        Invalid(
            "from sqlalchemy import create_engine\nengine = create_engine('postgresql://db/app', pool_size=0)\n",
            ((2, 10),),
            "pool_size=0 means unlimited",
            fixed="from sqlalchemy import create_engine\nengine = create_engine('postgresql://db/app', pool_size=5)\n",
        ),
    )

    def check(self, facts):
        for config in facts.pool_configs:
            found = config.unbounded() if config.matters else None
            if found:
                keyword, value = found[0]
                message = (
                    f"{subject(config)} has no connection limit: {setting(keyword, value)} means unlimited; "
                    f"set a bound{suggestion(config)}"
                )
                yield self.finding(facts, config.call, message, config.statement, plan_bounded_pool(config, facts))
