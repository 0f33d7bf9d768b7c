"""CNL201 engine-per-request."""

from connlint.paths import shown_origin
from connlint.fixes.plan_lifecycle import plan_move_to_module
from connlint.rule import Invalid, Rule
from connlint.rules._lifecycle import created_sites, share_remedy
from connlint.rules._lifetime import subject


class EnginePerRequest(Rule):
    code = "CNL201"
    name = "engine-per-request"
    summary = "An engine, pool or pooled client is created on every request or task."
    what = """
Finds engines, pools and pooled clients (`create_engine`, `asyncpg.create_pool`,
`redis.Redis`, `MongoClient`, `httpx.Client`, ...) created in a function that
runs per request or per task: a route, view, hook, middleware, FastAPI
dependency, class-based view method, Celery/Dramatiq/RQ task, gRPC servicer
method or Lambda handler (framework knowledge is data in `rules/frameworks/`),
or in a function of the same module that such a function calls, or in the
`__init__` of a class instantiated there. The message names the handler that
reaches it.

Not reported: module level, app factories (`create_app`), lifespan and
startup hooks, getters cached with `functools.cache`/`lru_cache`, a global
guarded by `if _engine is None:`, and pools stored on the app
(`app.state.x = ...`, `app.config[...] = ...`, `app.extensions[...] = ...`).
"""
    why = """
An engine or pool is meant to live as long as the process and be shared. Built
per request it opens fresh connections every time (up to `pool_size +
max_overflow` of them, kept until garbage collection), so connections grow
with traffic until the database refuses them: the postmortem's outage.
"""
    example = """
```python
from flask import Flask
from sqlalchemy import create_engine, text

app = Flask(__name__)

@app.route("/users/<int:uid>")
def get_user(uid):
    engine = create_engine(DATABASE_URL)
    with engine.connect() as conn:
        return dict(conn.execute(text("select * from users where id = :id"), {"id": uid}).one())
```
"""
    use_instead = """
```python
engine = create_engine(DATABASE_URL)

@app.route("/users/<int:uid>")
def get_user(uid):
    with engine.connect() as conn:
        return dict(conn.execute(text("select * from users where id = :id"), {"id": uid}).one())
```
"""
    fix_safety = """
`engine = create_engine(URL)` in the function moves to module level, right
before the definition that holds it, when its arguments are literals or
module-level names bound before that definition and the name is free at
module level (a `dispose()` of it in the function is removed); a helper
without parameters that only returns the client (`def cache(): return
redis.Redis(...)`) is decorated with `@functools.lru_cache` instead.
No fix for a client that must be created inside a running event loop
(`aiohttp.ClientSession`, `needs_loop` in the catalog): at import time it
fails, so the message names the framework's startup or lifespan hook instead.
**Unsafe** (`--unsafe-fixes`): the pool is now created at import time and
shared by every request, which is the intent but changes when connection
settings are read.
"""
    valid = (
        # module level, shared
        "from flask import Flask\nfrom sqlalchemy import create_engine\napp = Flask(__name__)\nengine = create_engine('postgresql://db/app')\n@app.route('/')\ndef index():\n    with engine.connect() as conn:\n        return 'ok'\n",
        # cached getter
        "import functools\nfrom flask import Flask\nfrom sqlalchemy import create_engine\napp = Flask(__name__)\n@functools.lru_cache\ndef get_engine():\n    return create_engine('postgresql://db/app')\n@app.route('/')\ndef index():\n    with get_engine().connect() as conn:\n        return 'ok'\n",
        # guarded global
        "from flask import Flask\nfrom sqlalchemy import create_engine\napp = Flask(__name__)\n_engine = None\ndef get_engine():\n    global _engine\n    if _engine is None:\n        _engine = create_engine('postgresql://db/app')\n    return _engine\n@app.route('/')\ndef index():\n    return str(get_engine().url)\n",
        # app factory
        "from flask import Flask\nfrom sqlalchemy import create_engine\ndef create_app():\n    app = Flask(__name__)\n    app.config['ENGINE'] = create_engine('postgresql://db/app')\n    return app\n",
        # FastAPI lifespan stores the pool on app.state
        "import contextlib, asyncpg\nfrom fastapi import FastAPI\n@contextlib.asynccontextmanager\nasync def lifespan(app):\n    app.state.pool = await asyncpg.create_pool('postgresql://db/app')\n    yield\n    await app.state.pool.close()\napp = FastAPI(lifespan=lifespan)\n",
        # FastAPI generator dependency with a module-level sessionmaker
        "from fastapi import Depends, FastAPI\nfrom sqlalchemy import create_engine\nfrom sqlalchemy.orm import sessionmaker\nengine = create_engine('postgresql://db/app')\nSessionLocal = sessionmaker(bind=engine)\napp = FastAPI()\ndef get_db():\n    db = SessionLocal()\n    try:\n        yield db\n    finally:\n        db.close()\n@app.get('/items')\ndef items(db=Depends(get_db)):\n    return []\n",
        # a helper not reached from any handler
        "from flask import Flask\nfrom sqlalchemy import create_engine\napp = Flask(__name__)\ndef migrate(url):\n    engine = create_engine(url)\n    engine.dispose()\n",
    )
    invalid = (
        Invalid(
            "from flask import Flask\nfrom sqlalchemy import create_engine\napp = Flask(__name__)\n@app.route('/users/<int:uid>')\ndef get_user(uid):\n    engine = create_engine('postgresql://db/app')\n    with engine.connect() as conn:\n        return str(uid)\n",
            ((6, 14),),
            "SQLAlchemy engine from create_engine() is created on every request via get_user() (Flask route '/users/<int:uid>'); create it once at module level (or in the app factory / lifespan) and share 'engine'",
            fixed="from flask import Flask\nfrom sqlalchemy import create_engine\napp = Flask(__name__)\nengine = create_engine('postgresql://db/app')\n\n\n@app.route('/users/<int:uid>')\ndef get_user(uid):\n    with engine.connect() as conn:\n        return str(uid)\n",
        ),
        Invalid(
            "from fastapi import Depends, FastAPI\nfrom sqlalchemy import create_engine\nfrom sqlalchemy.orm import Session\napp = FastAPI()\ndef get_db():\n    engine = create_engine('postgresql://db/app')\n    with Session(engine) as session:\n        yield session\n@app.get('/items')\ndef items(db=Depends(get_db)):\n    return []\n",
            ((6, 14),),
            "is created on every request via get_db() (FastAPI dependency)",
            fixed="from fastapi import Depends, FastAPI\nfrom sqlalchemy import create_engine\nfrom sqlalchemy.orm import Session\napp = FastAPI()\nengine = create_engine('postgresql://db/app')\n\n\ndef get_db():\n    with Session(engine) as session:\n        yield session\n@app.get('/items')\ndef items(db=Depends(get_db)):\n    return []\n",
        ),
        Invalid(
            "import redis\nfrom celery import shared_task\ndef cache():\n    return redis.Redis(host='cache')\n@shared_task\ndef refresh(key):\n    cache().delete(key)\n",
            ((4, 12),),
            "Redis client from redis.Redis() is created on every task via refresh() (Celery task) -> cache()",
            fixed="import functools\n\nimport redis\nfrom celery import shared_task\n@functools.lru_cache\ndef cache():\n    return redis.Redis(host='cache')\n@shared_task\ndef refresh(key):\n    cache().delete(key)\n",
        ),
        Invalid(
            "from flask import Flask\nfrom sqlalchemy import create_engine\napp = Flask(__name__)\nclass Repository:\n    def __init__(self):\n        self.engine = create_engine('postgresql://db/app')\n@app.get('/users')\ndef users():\n    return str(Repository().engine.url)\n",
            ((6, 23),),
            "via users() (Flask route '/users') -> Repository()",
        ),
    )

    def check(self, facts):
        for site in created_sites(facts, "request"):
            reach = site.per_request
            message = (
                f"{subject(site)} is created on every {reach.entry.spec.unit} via {reach.describe()}; "
                f"{share_remedy(site)}"
            )
            yield self.finding(facts, site.call, message, site.statement, plan_move_to_module(site, facts))
        for remote in facts.remote_pools:
            where = "in __init__ " if remote.in_init else ""
            message = (
                f"{remote.callee}() creates a {remote.label} {where}({shown_origin(remote.origin)}) and runs on every "
                f"{remote.reach.entry.spec.unit} via {remote.reach.describe()}; create it once at module level "
                "(or in the app factory / lifespan) and share it"
            )
            yield self.finding(facts, remote.call, message, remote.statement)
