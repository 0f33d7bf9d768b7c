"""CNL301 implicit-pool-limits."""

from connlint.fixes.plan_limits import plan_explicit_limits
from connlint.limits import describe_defaults
from connlint.rule import Invalid, Rule
from connlint.rules._limits import subject, suggestion


class ImplicitPoolLimits(Rule):
    code = "CNL301"
    name = "implicit-pool-limits"
    summary = "A database engine/pool or a Redis/MongoDB client relies on the library's default pool size."
    severity = "warning"
    what = """
Finds database engines and pools, and Redis and MongoDB clients and pools (the
shared servers whose connection slots run out), created without an explicit
upper bound: `create_engine(url)` without `pool_size`/`max_overflow`,
`asyncpg.create_pool` without `max_size`, `redis.Redis` without
`max_connections`, `MongoClient` without `maxPoolSize`, ... The message names
the default that applies (and the library version it applies to when it
changed between versions).

Also Django `DATABASES` entries with `"OPTIONS": {"pool": True}`, which take
the driver pool's defaults (psycopg_pool `min_size=4, max_size=4`; oracledb
`max=2`).

Not reported: pool classes without a size (`NullPool`, `StaticPool`) or a
pool class that cannot be read (`poolclass=self.pool_class`); SQLite URLs, in
memory or a file, also when only their start is literal (`"sqlite:///" +
path`): no server slots to run out; HTTP clients; calls whose limits cannot
be read (a `**settings` mapping, `engine_from_config(settings)` with
unreadable settings, a URL that cannot be read when the library reads limits
from it): those are explicit, with a value connlint does not know; a name
imported from two libraries (`try: from psycopg_pool import ConnectionPool` /
`except ImportError: from psycopg2.pool import ... as ConnectionPool`),
unless both mean the same pool. And only where a limit can matter: a pool
built, used only through its own methods (or by catalog borrowers such as
`MetaData.create_all` and `sessionmaker(bind=...)`) and released or dropped
inside one function gets no finding; one that is stored, returned, passed to
other code or used by a nested function does.
"""
    why = """
Defaults are chosen for a single process talking to a database of its own.
Multiplied by processes, threads and replicas they exceed the server's
`max_connections` (100 on a stock PostgreSQL) without anyone having decided
so. Writing the bound down makes the connection budget visible and
reviewable; `connlint inventory` adds it up.
"""
    example = """
```python
engine = create_engine(DATABASE_URL)
```
"""
    use_instead = """
```python
engine = create_engine(DATABASE_URL, pool_size=10, max_overflow=5)
```
"""
    fix_safety = """
Adds the size keywords with the library's current defaults
(`create_engine(url)` becomes `create_engine(url, pool_size=5,
max_overflow=10)`), from the catalog's `[[limits]]` defaults, in the call's
layout (one argument a line stays so): nothing changes but the bound becomes
visible and reviewable. **Safe** when every precondition is proven: no
`poolclass` is given (`NullPool` and `StaticPool` refuse the keywords), the
URL, where the library takes one, is a literal naming a server database
(`sqlite://` gets a pool that refuses them), and the default is the same in
every version of the library. Otherwise **unsafe** (redis-py's default
changed in 8.0; a URL built at run time may be SQLite). Tune the values
afterwards.
"""
    valid = (
        "DATABASES = {'default': {'ENGINE': 'django.db.backends.postgresql', 'OPTIONS': {'pool': {'min_size': 2, 'max_size': 10}}}}\n",
        "from sqlalchemy import create_engine\nengine = create_engine('postgresql://db/app', pool_size=10, max_overflow=5)\n",
        "from sqlalchemy import create_engine\nfrom sqlalchemy.pool import NullPool\nengine = create_engine('postgresql://db/app', poolclass=NullPool)\n",
        "from sqlalchemy import create_engine\nengine = create_engine('sqlite://')\n",
        "from sqlalchemy import create_engine\nengine = create_engine('sqlite:///:memory:')\n",
        "from sqlalchemy import create_engine\nOPTIONS = load()\nengine = create_engine('postgresql://db/app', **OPTIONS)\n",
        "from sqlalchemy import engine_from_config\ndef make(settings):\n    return engine_from_config(settings, prefix='sqlalchemy.')\n",
        "import os\nfrom sqlalchemy import create_engine\nengine = create_engine(os.environ['URL'], pool_size=int(os.environ.get('POOL_SIZE', '10')))\n",
    )
    invalid = (
        Invalid(
            "from sqlalchemy import create_engine\nengine = create_engine('postgresql://db/app')\n",
            ((2, 10),),
            "SQLAlchemy engine from create_engine() relies on the default pool limits (pool_size=5 + max_overflow=10); set them explicitly, e.g. 'pool_size=10, max_overflow=5'",
            fixed="from sqlalchemy import create_engine\nengine = create_engine('postgresql://db/app', pool_size=5, max_overflow=10)\n",
        ),
        Invalid(
            "DATABASES = {'default': {'ENGINE': 'django.db.backends.oracle', 'OPTIONS': {'pool': True}}}\n",
            ((1, 85),),
            "DATABASES['default'] OPTIONS 'pool': True relies on the oracledb pool defaults (max=2); set them explicitly, e.g. 'pool': {\"min\": 1, \"max\": 10}",
        ),
        Invalid(
            "from sqlalchemy import engine_from_config\nSETTINGS = {'sqlalchemy.url': 'postgresql://db/app', 'sqlalchemy.echo': False}\nengine = engine_from_config(SETTINGS, prefix='sqlalchemy.')\n",
            ((3, 10),),
            fixed="from sqlalchemy import engine_from_config\nSETTINGS = {'sqlalchemy.url': 'postgresql://db/app', 'sqlalchemy.echo': False}\nengine = engine_from_config(SETTINGS, prefix='sqlalchemy.', pool_size=5, max_overflow=10)\n",
        ),
    )

    def check(self, facts):
        for config in facts.pool_configs:
            if config.matters and config.implicit():
                message = (
                    f"{subject(config)} relies on the default pool limits ({describe_defaults(config.spec)}); "
                    f"set them explicitly{suggestion(config)}"
                )
                yield self.finding(facts, config.call, message, config.statement, plan_explicit_limits(config, facts))
        backends = facts.resolver.catalog.django_backends
        for setting in facts.database_settings:
            backend = backends.get(setting.engine) if isinstance(setting.engine, str) else None
            if setting.pool is True and backend is not None:
                message = (
                    f"DATABASES['{setting.alias}'] OPTIONS 'pool': True relies on the {backend['label']} defaults "
                    f"({backend['defaults']}); set them explicitly, e.g. 'pool': {backend['suggest']}"
                )
                yield self.finding(facts, setting.pool_node, message)
