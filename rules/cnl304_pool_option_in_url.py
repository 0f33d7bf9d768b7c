"""CNL304 pool-option-in-url."""

import ast

from connlint.fixes.plan_limits import plan_option_to_keyword
from connlint.rule import Invalid, Rule


class PoolOptionInUrl(Rule):
    code = "CNL304"
    name = "pool-option-in-url"
    summary = "SQLAlchemy pool options written in the URL query string are passed to the DBAPI, not to the pool."
    severity = "warning"
    what = """
Finds SQLAlchemy pool options (`pool_size`, `max_overflow`, `pool_timeout`,
`pool_recycle`) written in the query string of a database URL: a string
literal, a module-level constant, an f-string with a literal query part, or
`URL.create(query={...})`. Reported at the URL literal.
"""
    why = """
`create_engine("postgresql://db/app?pool_size=20")` looks configured, but
SQLAlchemy hands unknown query parameters to the driver's `connect()`: the
pool keeps its defaults, and the driver may reject the option at the first
connection. The limit the reader sees is not the limit that applies.
"""
    example = """
```python
engine = create_engine("postgresql://db/app?pool_size=20&max_overflow=0")
```
"""
    use_instead = """
```python
engine = create_engine("postgresql://db/app", pool_size=20, max_overflow=0)
```
"""
    fix_safety = """
Removes the option from a plain string URL literal and passes it to the call
as a keyword with a numeric value (`create_engine("postgresql://db/app?pool_size=20")`
becomes `create_engine("postgresql://db/app", pool_size=20)`). **Unsafe**:
the pool now gets the option and the DBAPI no longer does. URLs built with
f-strings, constants or `URL.create(query=...)` are left to you.
"""
    valid = (
        "from sqlalchemy import create_engine\nengine = create_engine('postgresql://db/app?sslmode=require', pool_size=20, max_overflow=0)\n",
        "import redis\nr = redis.from_url('redis://cache/0?max_connections=20')\n",
    )
    invalid = (
        Invalid(
            "from sqlalchemy import create_engine\nengine = create_engine('postgresql://db/app?pool_size=20', max_overflow=0)\n",
            ((2, 24),),
            "pool option 'pool_size' in the URL query is passed to the DBAPI connect(), not to the pool; pass it to create_engine() as a keyword: 'pool_size=...'",
            fixed="from sqlalchemy import create_engine\nengine = create_engine('postgresql://db/app', max_overflow=0, pool_size=20)\n",
        ),
        Invalid(
            "from sqlalchemy import create_engine\nHOST = 'db'\nengine = create_engine(f'postgresql://{HOST}/app?pool_recycle=3600', pool_size=5, max_overflow=0)\n",
            ((3, 24),),
        ),
        Invalid(
            "from sqlalchemy import URL, create_engine\nurl = URL.create('postgresql', host='db', query={'pool_size': '20'})\nengine = create_engine(url, pool_size=5, max_overflow=0)\n",
            ((2, 50),),
        ),
    )

    def check(self, facts):
        for config in facts.pool_configs:
            for option, node in config.url_pool_options():
                fix = plan_option_to_keyword(config, option, node, facts)
                yield self.finding(facts, node, _message(option, config.callee), config.statement, fix)
        yield from self._url_create(facts)

    def _url_create(self, facts):
        """Pool options in the query of a URL built from parts (the catalog's
        ``[[url_constructor]]`` calls): ``URL.create(..., query={...})``."""
        limits = facts.resolver.catalog.limits
        for call, constructor in facts.url_constructor_calls:
            query = next((k.value for k in call.keywords if k.arg == constructor.query_keyword), None)
            if not isinstance(query, ast.Dict):
                continue
            options = limits[constructor.url_for].url_pool_options
            callee = constructor.url_for.rsplit(".", 1)[-1]
            for key in query.keys:
                if isinstance(key, ast.Constant) and key.value in options:
                    yield self.finding(facts, key, _message(key.value, callee), None)


def _message(option: str, callee: str) -> str:
    return (
        f"pool option '{option}' in the URL query is passed to the DBAPI connect(), not to the pool; "
        f"pass it to {callee}() as a keyword: '{option}=...'"
    )
