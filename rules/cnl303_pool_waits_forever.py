"""CNL303 pool-waits-forever."""

from connlint.fixes.plan_limits import plan_bounded_wait
from connlint.rule import Invalid, Rule
from connlint.rules._limits import setting, subject


class PoolWaitsForever(Rule):
    code = "CNL303"
    name = "pool-waits-forever"
    summary = "Waiting for a free pooled connection never times out."
    severity = "warning"
    what = """
Finds pools whose checkout wait is infinite: an explicit `pool_timeout=None`
(SQLAlchemy), peewee `timeout=0`, redis `BlockingConnectionPool(timeout=None)`,
and the like (the catalog's `waits_forever` values).

Opt-in: libraries whose *default* wait never ends (asyncpg, aiomysql,
pymongo, oracledb) are reported only when CNL303 is selected by its full
code (`--select CNL303` or `extend-select = ["CNL303"]`), since the default is
a deliberate choice of those libraries.
"""
    why = """
When the pool is exhausted, a request that waits forever holds its worker
(and whatever locks and memory it has) forever too. A bounded wait turns pool
exhaustion into fast, visible errors instead of a silent hang of the whole
service.
"""
    example = """
```python
engine = create_engine(DATABASE_URL, pool_size=10, max_overflow=5, pool_timeout=None)
```
"""
    use_instead = """
```python
engine = create_engine(DATABASE_URL, pool_size=10, max_overflow=5, pool_timeout=30)
```
"""
    options = """
Select `CNL303` by its full code to also report libraries whose default wait
is infinite (asyncpg `acquire()`, aiomysql, pymongo `waitQueueTimeoutMS`,
oracledb `getmode=WAIT`).
"""
    fix_safety = """
Replaces the infinite wait (`pool_timeout=None`) with the library's default
timeout (or the catalog's suggestion). **Unsafe**: a checkout now fails
after the timeout instead of waiting. The opt-in default-wait findings have no
fix.
"""
    valid = (
        "from sqlalchemy import create_engine\nengine = create_engine('postgresql://db/app', pool_size=10, max_overflow=5, pool_timeout=30)\n",
    )
    invalid = (
        Invalid(
            "from sqlalchemy import create_engine\nengine = create_engine('postgresql://db/app', pool_size=10, max_overflow=5, pool_timeout=None)\n",
            ((2, 10),),
            "SQLAlchemy engine from create_engine() waits forever for a free connection (pool_timeout=None); set a timeout, e.g. 'pool_timeout=30'",
            fixed="from sqlalchemy import create_engine\nengine = create_engine('postgresql://db/app', pool_size=10, max_overflow=5, pool_timeout=30)\n",
        ),
    )

    def check(self, facts):
        for config in facts.pool_configs:
            if not config.matters:
                continue
            found = config.waits_forever()
            fix = None
            if found:
                keyword, value = found[0]
                fix = plan_bounded_wait(config, facts)
                message = (
                    f"{subject(config)} waits forever for a free connection ({setting(keyword, value)}); "
                    f"set a timeout, e.g. '{_suggested_timeout(config, keyword)}'"
                )
            elif self.explicitly_selected and config.waits_forever_by_default():
                message = (
                    f"{subject(config)} waits forever for a free connection by default "
                    f"({config.spec.default_waits_forever}); set a timeout, e.g. '{_suggested_timeout(config, None)}'"
                )
            else:
                continue
            yield self.finding(facts, config.call, message, config.statement, fix)


def _suggested_timeout(config, keyword) -> str:
    """The catalog's own suggestion, else the keyword with its library default."""
    spec = config.spec
    if spec.timeout_suggest:
        return spec.timeout_suggest
    keyword = keyword or spec.timeout_keyword or "timeout"
    return f"{keyword}={spec.defaults.get(keyword, 30)}"
