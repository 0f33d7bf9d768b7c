"""CNL305 connections-kept-forever."""

from connlint.fixes.intent import UNSAFE
from connlint.fixes.plan_limits import plan_setting_value
from connlint.rule import Invalid, Rule


class ConnectionsKeptForever(Rule):
    code = "CNL305"
    name = "connections-kept-forever"
    summary = "Django CONN_MAX_AGE = None keeps database connections open forever."
    severity = "warning"
    what = """
Finds Django `DATABASES` entries with `"CONN_MAX_AGE": None`. Django then
keeps each thread's connection open for the life of the process: it is never
recycled, and outside the request cycle (threads, Celery workers, management
commands) nothing ever closes it. The connection's lifetime has no bound,
the lifetime counterpart of CNL302.
"""
    why = """
Every worker thread of every process holds a connection for good, busy or
not, and a connection broken by a failover or a server restart is only
noticed when a query fails on it. With a bounded age, idle connections are
returned and stale ones replaced.
"""
    example = """
```python
DATABASES = {
    "default": {"ENGINE": "django.db.backends.postgresql", "NAME": "shop", "CONN_MAX_AGE": None},
}
```
"""
    use_instead = """
```python
DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": "shop",
        "CONN_MAX_AGE": 60,
        "CONN_HEALTH_CHECKS": True,
    },
}
```
"""
    fix_safety = """
`"CONN_MAX_AGE": None` becomes `"CONN_MAX_AGE": 60`. **Unsafe**: connections
are now closed and reopened after a minute; pick the age that suits the
database (and consider `"CONN_HEALTH_CHECKS": True`).
"""
    valid = (
        "DATABASES = {'default': {'ENGINE': 'django.db.backends.postgresql', 'CONN_MAX_AGE': 60}}\n",
        "DATABASES = {'default': {'ENGINE': 'django.db.backends.postgresql'}}\n",
        "import os\nDATABASES = {'default': {'ENGINE': 'django.db.backends.postgresql', 'CONN_MAX_AGE': int(os.environ.get('AGE', '0'))}}\n",
    )
    invalid = (
        Invalid(
            "DATABASES = {\n    'default': {'ENGINE': 'django.db.backends.postgresql', 'CONN_MAX_AGE': None},\n}\n",
            ((2, 76),),
            "DATABASES['default'] keeps its connections forever (CONN_MAX_AGE=None): they are never recycled, and outside requests (threads, Celery, management commands) never closed; set a number of seconds, e.g. 'CONN_MAX_AGE': 60",
            fixed="DATABASES = {\n    'default': {'ENGINE': 'django.db.backends.postgresql', 'CONN_MAX_AGE': 60},\n}\n",
        ),
    )

    def check(self, facts):
        for setting in facts.database_settings:
            if setting.conn_max_age is None and setting.conn_max_age_node is not None:
                message = (
                    f"DATABASES['{setting.alias}'] keeps its connections forever (CONN_MAX_AGE=None): they are "
                    "never recycled, and outside requests (threads, Celery, management commands) never closed; "
                    "set a number of seconds, e.g. 'CONN_MAX_AGE': 60"
                )
                fix = plan_setting_value(
                    setting.conn_max_age_node, "60", facts, UNSAFE, "Set 'CONN_MAX_AGE': 60", was="None"
                )
                yield self.finding(facts, setting.conn_max_age_node, message, fix=fix)
