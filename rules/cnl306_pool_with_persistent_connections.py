"""CNL306 pool-with-persistent-connections."""

from connlint.fixes.intent import SAFE
from connlint.fixes.plan_limits import plan_setting_value
from connlint.limits import MISSING, UNKNOWN
from connlint.rule import Invalid, Rule


class PoolWithPersistentConnections(Rule):
    code = "CNL306"
    name = "pool-with-persistent-connections"
    summary = "Django OPTIONS['pool'] together with a non-zero CONN_MAX_AGE: Django raises ImproperlyConfigured."
    what = """
Finds Django `DATABASES` entries that enable the driver's connection pool
(`"OPTIONS": {"pool": ...}`, PostgreSQL with psycopg 3 or Oracle) while
`CONN_MAX_AGE` is not 0. The pool keeps the connections; Django refuses the
combination with `ImproperlyConfigured` when the first connection is made.
"""
    why = """
The settings module imports fine and the error only appears at the first
query, typically after a deploy. Persistent connections and a pool are two
answers to the same question: choose one.
"""
    example = """
```python
DATABASES = {"default": {"ENGINE": "django.db.backends.postgresql", "CONN_MAX_AGE": 600,
                         "OPTIONS": {"pool": True}}}
```
"""
    use_instead = """
```python
DATABASES = {"default": {"ENGINE": "django.db.backends.postgresql", "CONN_MAX_AGE": 0,
                         "OPTIONS": {"pool": {"min_size": 2, "max_size": 10}}}}
```
"""
    fix_safety = """
The `CONN_MAX_AGE` value beside the pool becomes `0`. **Safe**: Django refuses
to start with the pool and any other value, and the pool keeps the
connections open between requests.
"""
    valid = (
        "DATABASES = {'default': {'ENGINE': 'django.db.backends.postgresql', 'OPTIONS': {'pool': {'max_size': 10}}}}\n",
        "DATABASES = {'default': {'ENGINE': 'django.db.backends.postgresql', 'CONN_MAX_AGE': 600, 'OPTIONS': {'pool': False}}}\n",
        "DATABASES = {'default': {'ENGINE': 'django.db.backends.postgresql', 'CONN_MAX_AGE': AGE, 'OPTIONS': {'pool': True}}}\n",
    )
    invalid = (
        Invalid(
            "DATABASES = {'default': {'ENGINE': 'django.db.backends.postgresql', 'CONN_MAX_AGE': 600, 'OPTIONS': {'pool': True}}}\n",
            ((1, 110),),
            "DATABASES['default'] enables the connection pool with CONN_MAX_AGE=600: Django raises ImproperlyConfigured; set 'CONN_MAX_AGE': 0 (the pool keeps the connections)",
            fixed="DATABASES = {'default': {'ENGINE': 'django.db.backends.postgresql', 'CONN_MAX_AGE': 0, 'OPTIONS': {'pool': True}}}\n",
        ),
    )

    def check(self, facts):
        for setting in facts.database_settings:
            pool, age = setting.pool, setting.conn_max_age
            if pool is MISSING or pool is UNKNOWN or pool is None or pool is False:
                continue
            if age is MISSING or age is UNKNOWN or age == 0:
                continue
            shown = "None" if age is None else age
            message = (
                f"DATABASES['{setting.alias}'] enables the connection pool with CONN_MAX_AGE={shown}: Django "
                "raises ImproperlyConfigured; set 'CONN_MAX_AGE': 0 (the pool keeps the connections)"
            )
            fix = plan_setting_value(setting.conn_max_age_node, "0", facts, SAFE, "Set 'CONN_MAX_AGE': 0")
            yield self.finding(facts, setting.pool_node, message, fix=fix)
