"""CNL102 close-skipped-on-error."""

from connlint.fixes.plan_lifetime import plan_unreleased
from connlint.lifetime import LEAK_ON_ERROR
from connlint.rule import Invalid, Rule
from connlint.rules._lifetime import leak_message, lifetime_sites


class CloseSkippedOnError(Rule):
    code = "CNL102"
    name = "close-skipped-on-error"
    summary = "A resource is released on every normal path, but an exception before the release leaks it."
    what = """
Finds resources that are released on every normal path, but not in a
`finally` block or a `with`: when a statement between the creation and the
release raises, the release never runs. This includes generator dependencies
(FastAPI `Depends`) and `@contextmanager` functions that close the resource
after the `yield` without `try`/`finally`: an exception in the request handler
is thrown in at the `yield`.

Only releases count: a resource whose ownership leaves the function (returned
or stored) is not reported even if a statement before the hand-off could
raise. Logging calls and `print` are not counted as statements that raise.
"""
    why = """
Exceptions are exactly when connections pile up: a failing query on a busy
endpoint raises on every request, and every one of those requests leaves a
connection open. Infer reports "exceptions skipping past close()" as the main
cause of resource leaks.
"""
    example = """
```python
def get_db():
    db = SessionLocal()
    yield db
    db.close()
```
"""
    use_instead = """
```python
def get_db():
    db = SessionLocal()
    try:
        yield db
    finally:
        db.close()
```
"""
    fix_safety = """
As for CNL101: the uses between the creation and the trailing release go
into a `with` that closes the resource (the release is dropped), or into
`try:` with the release moved to `finally:`. Generators, FastAPI dependencies
and `@contextmanager` functions always get `try:` / `finally:` around the
`yield`. **Safe**: only exception paths change, and they now release the
resource. Not offered when the resource is used outside that block.
"""
    valid = (
        "import sqlite3\ndef f(p):\n    conn = sqlite3.connect(p)\n    try:\n        conn.execute('x')\n    finally:\n        conn.close()\n",
        "import sqlite3\ndef f(p):\n    conn = sqlite3.connect(p)\n    conn.close()\n",
        "import sqlite3\ndef f(p, log):\n    conn = sqlite3.connect(p)\n    log.info('opened')\n    conn.close()\n",
        "import sqlite3\ndef f(p):\n    conn = sqlite3.connect(p)\n    try:\n        conn.execute('x')\n    except Exception:\n        conn.close()\n        raise\n    conn.close()\n",
        "import sqlite3\ndef f(p):\n    conn = sqlite3.connect(p)\n    conn.execute('x')\n    return conn\n",
        "import sqlite3\ndef f(p):\n    conn = None\n    try:\n        conn = sqlite3.connect(p)\n        conn.execute('x')\n    finally:\n        if conn is not None:\n            conn.close()\n",
        "from sqlalchemy.orm import sessionmaker\nSessionLocal = sessionmaker()\ndef get_db():\n    db = SessionLocal()\n    try:\n        yield db\n    finally:\n        db.close()\n",
    )
    invalid = (
        Invalid(
            "import sqlite3\ndef f(p):\n    conn = sqlite3.connect(p)\n    conn.execute('x')\n    conn.close()\n",
            ((3, 12),),
            "sqlite3 connection from sqlite3.connect() is closed only when no exception is raised (line 4 can raise first); close it in a 'finally' block or use 'with contextlib.closing(sqlite3.connect(...)) as conn:'",
            fixed="import contextlib\nimport sqlite3\ndef f(p):\n    with contextlib.closing(sqlite3.connect(p)) as conn:\n        conn.execute('x')\n",
        ),
        Invalid(
            "from sqlalchemy import create_engine\nfrom sqlalchemy.orm import sessionmaker\nSessionLocal = sessionmaker(bind=create_engine('postgresql://db/app'))\ndef get_db():\n    db = SessionLocal()\n    yield db\n    db.close()\n",
            ((5, 10),),
            "SQLAlchemy session from SessionLocal() is closed only when no exception is raised (line 6 can raise first)",
            fixed="from sqlalchemy import create_engine\nfrom sqlalchemy.orm import sessionmaker\nSessionLocal = sessionmaker(bind=create_engine('postgresql://db/app'))\ndef get_db():\n    db = SessionLocal()\n    try:\n        yield db\n    finally:\n        db.close()\n",
        ),
        Invalid(
            "import contextlib, psycopg\n@contextlib.contextmanager\ndef connection(dsn):\n    conn = psycopg.connect(dsn)\n    yield conn\n    conn.close()\n",
            ((4, 12),),
            fixed='import contextlib, psycopg\n@contextlib.contextmanager\ndef connection(dsn):\n    conn = psycopg.connect(dsn)\n    try:\n        yield conn\n    finally:\n        conn.close()\n',
        ),
        Invalid(
            "import sqlite3\ndef f(p):\n    conn = sqlite3.connect(p)\n    try:\n        conn.execute('x')\n    except ValueError:\n        pass\n    conn.close()\n",
            ((3, 12),),
            "(line 5 can raise first)",
            fixed="import contextlib\nimport sqlite3\ndef f(p):\n    with contextlib.closing(sqlite3.connect(p)) as conn:\n        try:\n            conn.execute('x')\n        except ValueError:\n            pass\n",
        ),
    )

    def check(self, facts):
        for site in lifetime_sites(facts, (LEAK_ON_ERROR,), checkout=False):
            fix = plan_unreleased(site, facts, self.code)
            yield self.finding(facts, site.call, leak_message(site), site.statement, fix)
