"""Project-wide analysis: resources defined in one module, leaked or created
per request in another.  Exact findings, the same whether the whole project
or only the views file is checked (pre-commit shape)."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

SRC = "fixtures/project_src/src/shop"
SRC_FINDINGS = [
    f"{SRC}/views.py:13:15: CNL101 SQLAlchemy session from SessionLocal() ({SRC}/database.py:9) is never closed; "
    "use 'with SessionLocal() as session:'",
    f"{SRC}/views.py:30:12: CNL102 psycopg2 connection from get_connection() ({SRC}/helpers.py:8) is closed only when "
    "no exception is raised (line 31 can raise first); close it in a 'finally' block or use "
    "'with contextlib.closing(get_connection(...)) as conn:'",
    f"{SRC}/views.py:40:12: CNL104 SQLAlchemy connection from engine.connect() is never returned; "
    "use 'with engine.connect() as conn:'",
    f"{SRC}/views.py:47:15: CNL201 Reports() creates a SQLAlchemy engine in __init__ ({SRC}/helpers.py:20) and runs "
    "on every request via report() (Flask route '/reports'); create it once at module level (or in the app factory "
    "/ lifespan) and share it",
]
FLAT = "fixtures/project_flat"
FLAT_FINDINGS = [
    f"{FLAT}/views.py:22:15: CNL101 SQLAlchemy session from new_session() ({FLAT}/helpers.py:7) is never closed; "
    "use 'with new_session() as session:'",
    f"{FLAT}/views.py:28:14: CNL201 SQLAlchemy engine from database.make_engine() ({FLAT}/db.py:11) is created on every "
    "request via archive() (FastAPI route '/archive'); create it once at module level (or in the app factory / "
    "lifespan) and share 'engine'",
]


def check(*paths, cwd=ROOT, extra=()):
    result = subprocess.run(
        [sys.executable, "-m", "connlint", "--isolated", "-q", "--no-cache", "--select", "CNL1,CNL2", *extra, *paths],
        cwd=cwd, capture_output=True, text=True,
    )
    assert result.stderr == ""
    return result.stdout.splitlines()


@pytest.mark.parametrize("paths, expected", [
    (["fixtures/project_src"], SRC_FINDINGS),
    ([f"{SRC}/views.py"], SRC_FINDINGS),
    ([FLAT], FLAT_FINDINGS),
    ([f"{FLAT}/views.py"], FLAT_FINDINGS),
], ids=["src-layout-whole-project", "src-layout-views-only", "flat-whole-project", "flat-views-only"])
def test_cross_module_findings_name_the_chain(paths, expected):
    assert check(*paths) == expected


def test_released_by_a_helper_in_another_module_is_clean():
    """orders() closes its connection with shop.helpers.close_quietly() in finally."""
    assert not any(":18:" in line or ":17:" in line for line in check(f"{SRC}/views.py"))


def test_a_module_alone_knows_nothing_of_the_others(tmp_path):
    """Without the project around it, views.py resolves nothing: no finding."""
    shutil.copy(ROOT / SRC / "views.py", tmp_path / "views.py")
    assert check("views.py", cwd=tmp_path) == []


def test_cached_results_follow_changes_in_imported_modules(tmp_path):
    project = tmp_path / "proj"
    shutil.copytree(ROOT / FLAT, project)
    (project / "pyproject.toml").write_text("[tool.connlint]\nselect = ['CNL1', 'CNL2']\n")

    def run():
        result = subprocess.run([sys.executable, "-m", "connlint", "-q", "views.py"], cwd=project,
                                capture_output=True, text=True)
        return [line.split(" ")[1] for line in result.stdout.splitlines()]

    assert run() == ["CNL101", "CNL201"]
    assert run() == ["CNL101", "CNL201"]  # from the cache
    # helpers.new_session() no longer hands out a session: views.py's cached result is stale
    (project / "helpers.py").write_text((project / "helpers.py").read_text().replace(
        "    return db.SessionLocal()", "    return None"))
    assert run() == ["CNL201"]


CONNECT = 'import sqlite3\n\n\ndef connect():\n    return sqlite3.connect("x")\n'
FINISH = "\n\ndef finish(conn):\n    {}\n"


@pytest.mark.parametrize("helper", ["db", "tools"], ids=["module-that-makes-it", "passive-module"])
def test_what_a_function_does_with_a_connection_is_worked_out_when_asked_and_followed_by_the_cache(
    tmp_path, helper
):
    # what finish() does with the connection it is given is left out of its
    # module's summary until views.py passes it one.  In db.py (which makes
    # connections) the summary comes from db.py's own check; tools.py names
    # only what makes nothing (passive) and is parsed just for that answer.
    # A cached result that relied on it is checked again once finish() no
    # longer closes the connection
    app = tmp_path / "app"
    app.mkdir()
    (tmp_path / "pyproject.toml").write_text("[tool.connlint]\nselect = ['CNL1']\n")
    (app / "__init__.py").write_text("")
    source = {"db": CONNECT + FINISH, "tools": "from sqlalchemy import Column\n" + FINISH}
    if helper == "tools":
        (app / "db.py").write_text(CONNECT)
    (app / f"{helper}.py").write_text(source[helper].format("conn.close()"))
    (app / "views.py").write_text(
        f"from app.db import connect\nfrom app.{helper} import finish\n\n\n"
        "def run():\n    conn = connect()\n    finish(conn)\n"
    )

    def run(*paths):
        result = subprocess.run([sys.executable, "-m", "connlint", "-q", *paths], cwd=tmp_path,
                                capture_output=True, text=True)
        assert result.stderr == ""
        return result.stdout.splitlines()

    assert run("app") == []
    assert run("app/views.py") == []  # from the cache
    (app / f"{helper}.py").write_text(source[helper].format("conn.execute('select 1')"))
    leak = (
        "app/views.py:6:12: CNL101 sqlite3 connection from connect() (app/db.py:5) is never closed; "
        "use 'with contextlib.closing(connect(...)) as conn:'"
    )
    assert run("app/views.py") == [leak]
    assert run("app") == [leak]
    assert run("app", "--no-cache") == [leak]


def test_each_file_resolves_its_own_project_first():
    """fixtures/ holds two projects with a top-level ``shop`` package (the
    Django app's and the src-layout project's): checked together, each file's
    imports resolve to its own."""
    together = [line for line in check("fixtures/") if line.startswith(f"{SRC}/") or line.startswith(f"{FLAT}/")]
    assert together == FLAT_FINDINGS + SRC_FINDINGS


def test_shared_engines_from_another_module_are_not_per_request(tmp_path):
    (tmp_path / "db.py").write_text(
        "import functools\n"
        "from sqlalchemy import create_engine\n"
        "_engine = None\n"
        "def get_engine():\n"
        "    global _engine\n"
        "    if _engine is None:\n"
        "        _engine = create_engine('postgresql://db/app', pool_size=5, max_overflow=0)\n"
        "    return _engine\n"
        "@functools.lru_cache\n"
        "def cached_engine():\n"
        "    return create_engine('postgresql://db/app', pool_size=5, max_overflow=0)\n"
        "def new_engine():\n"
        "    return create_engine('postgresql://db/app', pool_size=5, max_overflow=0)\n"
    )
    (tmp_path / "views.py").write_text(
        "from flask import Flask\n"
        "from db import cached_engine, get_engine, new_engine\n"
        "app = Flask(__name__)\n"
        "@app.get('/a')\n"
        "def a():\n"
        "    with get_engine().connect() as conn:\n"
        "        return 'ok'\n"
        "@app.get('/b')\n"
        "def b():\n"
        "    with cached_engine().connect() as conn:\n"
        "        return 'ok'\n"
        "@app.get('/c')\n"
        "def c():\n"
        "    engine = new_engine()\n"
        "    with engine.connect() as conn:\n"
        "        return 'ok'\n"
    )
    assert check("views.py", cwd=tmp_path) == [
        "views.py:14:14: CNL201 SQLAlchemy engine from new_engine() (db.py:13) is created on every request via c() "
        "(Flask route '/c'); create it once at module level (or in the app factory / lifespan) and share 'engine'"
    ]
    # what the shared engines hand out is still the caller's to give back
    (tmp_path / "views.py").write_text(
        "from db import cached_engine, get_engine\n"
        "def count():\n"
        "    conn = get_engine().connect()\n"
        "    return conn.exec_driver_sql('select 1').scalar()\n"
        "def total():\n"
        "    conn = cached_engine().connect()\n"
        "    return conn.exec_driver_sql('select 1').scalar()\n"
    )
    assert check("views.py", cwd=tmp_path) == [
        "views.py:3:12: CNL104 SQLAlchemy connection from get_engine(...).connect() is never returned; "
        "use 'with get_engine(...).connect() as conn:'",
        "views.py:6:12: CNL104 SQLAlchemy connection from cached_engine(...).connect() is never returned; "
        "use 'with cached_engine(...).connect() as conn:'",
    ]


DATABASE_CLASS = '''\
import redis
from sqlalchemy import create_engine
from sqlalchemy.orm import sessionmaker

POOL = redis.ConnectionPool(host="cache", max_connections=10)


class Database:
    def __init__(self, url):
        self.engine = create_engine(url, pool_size=5, max_overflow=0, pool_timeout=5)
        self.Session = sessionmaker(bind=self.engine)

    def session(self):
        return self.Session()

    def connection(self):
        return self.engine.connect()

    def cache(self):
        return redis.Redis(connection_pool=POOL)

    def shared_connection(self):
        return self.connection_for_reports

    def new_connection(self):
        return self.engine.connect()

    def open_reports(self):
        self.connection_for_reports = self.engine.connect()


db = Database("postgresql://db/app")
'''

DATABASE_VIEWS = '''\
from flask import Flask

from app.db import db

app = Flask(__name__)


@app.get("/users")
def users():
    conn = db.engine.connect()
    return str(conn.exec_driver_sql("select 1").scalar())


@app.get("/orders")
def orders():
    session = db.session()
    return str(session.execute("select 1").scalar())


@app.get("/raw")
def raw():
    with db.connection() as conn:
        return str(conn.exec_driver_sql("select 1").scalar())


@app.get("/cached")
def cached(key):
    return db.cache().get(key)


@app.get("/shared")
def shared():
    conn = db.shared_connection()
    return str(conn.exec_driver_sql("select 1").scalar())


@app.get("/new")
def new():
    conn = db.new_connection()
    return str(conn.exec_driver_sql("select 1").scalar())
'''


@pytest.mark.parametrize("paths", [["app"], ["app/views.py"]], ids=["whole-project", "views-only"])
def test_instances_of_another_modules_class_know_what_it_holds_and_hands_out(tmp_path, paths):
    """``db.engine`` holds the engine ``Database.__init__`` creates; ``db.session()``
    hands out a new session each call; ``db.cache()`` a client on a shared pool."""
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "__init__.py").write_text("")
    (tmp_path / "app" / "db.py").write_text(DATABASE_CLASS)
    (tmp_path / "app" / "views.py").write_text(DATABASE_VIEWS)
    assert check(*paths, cwd=tmp_path) == [
        "app/views.py:10:12: CNL104 SQLAlchemy connection from db.engine.connect() is never returned; "
        "use 'with db.engine.connect() as conn:'",
        "app/views.py:16:15: CNL101 SQLAlchemy session from db.session() (app/db.py:14) is never closed; "
        "use 'with db.session() as session:'",
        "app/views.py:39:12: CNL104 SQLAlchemy connection from db.new_connection() (app/db.py:26) is never "
        "returned; use 'with db.new_connection() as conn:'",
    ]


def test_a_function_of_a_submodule_reached_through_its_package_is_resolved(tmp_path):
    # ``app.db.open_db()``: the call's last name means nothing to the catalog,
    # and ``app`` is the package, not the module defining it
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "__init__.py").write_text("")
    (tmp_path / "app" / "db.py").write_text(
        "import sqlite3\n"
        "\n"
        "\n"
        "def open_db():\n"
        "    return sqlite3.connect('app.db')\n"
    )
    (tmp_path / "app" / "views.py").write_text(
        "import app.db\n"
        "\n"
        "\n"
        "def count():\n"
        "    conn = app.db.open_db()\n"
        "    return conn.execute('select count(*) from t').fetchone()\n"
    )
    assert check("app", cwd=tmp_path) == [
        "app/views.py:5:12: CNL101 sqlite3 connection from app.db.open_db() (app/db.py:5) is never closed; "
        "use 'with contextlib.closing(app.db.open_db(...)) as conn:'"
    ]
