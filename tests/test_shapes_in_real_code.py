"""The shapes real code takes (issue 14, section 2), each as a reported case
with the findings RULES.md asks for and, where it applies, a silent twin.

Cross-module findings sit at the caller, in the checked file, and name the
origin (``(path:line)`` of the library call); checking only the changed file
gives the same findings as checking the whole project.  Where the exact
message text is not pinned by RULES.md or an existing test, the tests assert
(path, line, column, code) and that the message names the origin."""

import re

import pytest

from tests.helpers import findings_for
from tests.test_real_code_shapes import check, project

FINDING = re.compile(r"^(?P<path>[^:]+):(?P<line>\d+):(?P<column>\d+): (?P<code>CNL\d{3}) (?P<message>.*)$")


def located(lines):
    """(path, line, column, code) of each output line."""
    found = []
    for text in lines:
        match = FINDING.match(text)
        assert match, f"not a finding line: {text!r}"
        found.append((match["path"], int(match["line"]), int(match["column"]), match["code"]))
    return found


def messages(lines):
    return [FINDING.match(text)["message"] for text in lines]


def positions(source, codes=None):
    return [(f.line, f.column, f.code) for f in findings_for(source, codes=codes)]


# -- 1. packages without __init__.py (PEP 420 namespace folders) -------------------------------

PIPELINES = """\
    import psycopg2


    def open_db(dsn):
        return psycopg2.connect(dsn)
    """


@pytest.mark.parametrize("importing, call", [
    ("from app.routers.pipelines import open_db", "open_db"),
    ("from app.routers import pipelines", "pipelines.open_db"),
    ("import app.routers.pipelines as pipelines", "pipelines.open_db"),
    ("from .pipelines import open_db", "open_db"),
], ids=["from-module", "from-package", "import-as", "relative"])
@pytest.mark.parametrize("paths", [["app"], ["app/routers/tasks.py"], ["."]], ids=["app", "file-only", "root"])
def test_a_chain_through_a_namespace_package_is_reported_at_the_caller(tmp_path, importing, call, paths):
    root = project(tmp_path, {
        "app/routers/pipelines.py": PIPELINES,
        "app/routers/tasks.py": f"""\
            {importing}


            def run(dsn):
                conn = {call}(dsn)
                cur = conn.cursor()
                cur.execute("select count(*) from tasks")
                return cur.fetchone()[0]
            """,
    })
    assert check(root, *paths) == [
        f"app/routers/tasks.py:5:12: CNL101 psycopg2 connection from {call}() (app/routers/pipelines.py:5) is never "
        f"closed; use 'with contextlib.closing({call}(...)) as conn:'",
    ]


@pytest.mark.parametrize("paths", [["app"], ["app/routers/tasks.py"]], ids=["app", "file-only"])
def test_a_chain_through_a_namespace_package_closed_by_the_caller_is_clean(tmp_path, paths):
    root = project(tmp_path, {
        "app/routers/pipelines.py": PIPELINES,
        "app/routers/tasks.py": """\
            import contextlib

            from app.routers.pipelines import open_db


            def run(dsn):
                with contextlib.closing(open_db(dsn)) as conn:
                    cur = conn.cursor()
                    cur.execute("select count(*) from tasks")
                    return cur.fetchone()[0]
            """,
    })
    assert check(root, *paths) == []


# -- 2. instances of another module's classes ---------------------------------------------------

BILLING_PER_CALL = """\
    import aiohttp


    class PaymentGateway:
        def __init__(self, base_url="https://pay.example"):
            self.base_url = base_url

        async def capture(self, order_id, amount):
            async with aiohttp.ClientSession() as session:
                async with session.post(f"{self.base_url}/capture", json={"order": order_id}) as response:
                    return await response.json()


    payments = PaymentGateway()
    """

BILLING_SHARED = """\
    import aiohttp


    class PaymentGateway:
        def __init__(self, base_url="https://pay.example"):
            self.base_url = base_url
            self.session = None

        async def start(self):
            self.session = aiohttp.ClientSession()

        async def capture(self, order_id, amount):
            async with self.session.post(f"{self.base_url}/capture", json={"order": order_id}) as response:
                return await response.json()


    payments = PaymentGateway()
    """

ROUTES = """\
    from contextlib import asynccontextmanager

    from fastapi import FastAPI

    from app.billing import payments


    @asynccontextmanager
    async def lifespan(app):
        await payments.start()
        yield


    app = FastAPI(lifespan=lifespan)


    @app.post("/orders/{order_id}/capture")
    async def capture_order(order_id: int, amount: int):
        result = await payments.capture(order_id, amount)
        return {"status": result["status"]}
    """


@pytest.mark.parametrize("paths", [["app"], ["app/routes.py"]], ids=["app", "file-only"])
def test_a_module_level_instance_whose_method_builds_a_client_per_call_is_per_request(tmp_path, paths):
    routes = ROUTES.replace("        await payments.start()\n", "        pass\n")
    root = project(tmp_path, {"app/__init__.py": "", "app/billing.py": BILLING_PER_CALL, "app/routes.py": routes})
    found = check(root, *paths)
    # at the route's call (the call expression, after `await`), naming the library call in billing.py
    assert located(found) == [("app/routes.py", 19, 20, "CNL201")]
    assert "payments.capture()" in messages(found)[0]
    assert "(app/billing.py:9)" in messages(found)[0]
    assert "capture_order()" in messages(found)[0]


@pytest.mark.parametrize("paths", [["app"], ["app/routes.py"]], ids=["app", "file-only"])
def test_a_module_level_instance_whose_client_is_built_once_is_clean(tmp_path, paths):
    root = project(tmp_path, {"app/__init__.py": "", "app/billing.py": BILLING_SHARED, "app/routes.py": ROUTES})
    assert check(root, *paths) == []


# -- 3. methods inherited from a base class in another module -----------------------------------

EXPORTER_BASE = """\
    from sqlalchemy import create_engine


    class BaseExporter:
        def __init__(self, url):
            self.url = url

        def open_engine(self):
            return create_engine(self.url, pool_size=2, max_overflow=0)
    """


@pytest.mark.parametrize("paths", [["app"], ["app/exporters/sql.py"]], ids=["app", "file-only"])
def test_an_inherited_method_from_another_module_hands_out_its_engine(tmp_path, paths):
    root = project(tmp_path, {
        "app/__init__.py": "",
        "app/exporters/__init__.py": "",
        "app/exporters/base.py": EXPORTER_BASE,
        "app/exporters/sql.py": """\
            from .base import BaseExporter


            class SqlExporter(BaseExporter):
                def export(self, rows):
                    engine = self.open_engine()
                    with engine.begin() as conn:
                        conn.exec_driver_sql("insert into items values (%(id)s)", rows)
                    return len(rows)
            """,
    })
    found = check(root, *paths)
    assert located(found) == [("app/exporters/sql.py", 6, 18, "CNL101")]
    assert "self.open_engine()" in messages(found)[0]
    assert "(app/exporters/base.py:9)" in messages(found)[0]


@pytest.mark.parametrize("paths", [["app"], ["app/exporters/sql.py"]], ids=["app", "file-only"])
def test_an_inherited_engine_disposed_in_finally_is_clean(tmp_path, paths):
    root = project(tmp_path, {
        "app/__init__.py": "",
        "app/exporters/__init__.py": "",
        "app/exporters/base.py": EXPORTER_BASE,
        "app/exporters/sql.py": """\
            from .base import BaseExporter


            class SqlExporter(BaseExporter):
                def export(self, rows):
                    engine = self.open_engine()
                    try:
                        with engine.begin() as conn:
                            conn.exec_driver_sql("insert into items values (%(id)s)", rows)
                    finally:
                        engine.dispose()
                    return len(rows)
            """,
    })
    assert check(root, *paths) == []


# -- 4. borrow-only functions of another module -------------------------------------------------

MODELS = """\
    from sqlalchemy import inspect

    REGISTRY = {}


    def verify_schema(engine):
        with engine.connect() as conn:
            names = inspect(conn).get_table_names()
        missing = {"users", "orders"} - set(names)
        if missing:
            raise RuntimeError(f"missing tables: {sorted(missing)}")


    def register(engine):
        REGISTRY["main"] = engine
    """


@pytest.mark.parametrize("paths", [["app"], ["app/cli.py"]], ids=["app", "file-only"])
def test_an_engine_lent_to_a_borrowing_function_of_another_module_still_leaks(tmp_path, paths):
    root = project(tmp_path, {"app/__init__.py": "", "app/models.py": MODELS, "app/cli.py": """\
        from sqlalchemy import create_engine

        from app.models import verify_schema


        def check_database(url):
            engine = create_engine(url)
            verify_schema(engine)
            print("schema ok")
        """})
    found = check(root, *paths, select="CNL1,CNL2")
    # the opener is the catalog's create_engine() in cli.py itself: no origin to name
    assert located(found) == [("app/cli.py", 7, 14, "CNL101")]


@pytest.mark.parametrize("paths", [["app"], ["app/cli.py"]], ids=["app", "file-only"])
@pytest.mark.parametrize("body", [
    "    try:\n        verify_schema(engine)\n    finally:\n        engine.dispose()\n",
    "    verify_schema(engine)\n    register(engine)\n",
], ids=["disposed-in-finally", "stored-by-a-callee"])
def test_an_engine_lent_and_then_disposed_or_given_away_is_clean(tmp_path, paths, body):
    root = project(tmp_path, {"app/__init__.py": "", "app/models.py": MODELS, "app/cli.py": (
        "from sqlalchemy import create_engine\n\n"
        "from app.models import register, verify_schema\n\n\n"
        "def check_database(url):\n"
        "    engine = create_engine(url)\n" + body
    )})
    assert check(root, *paths, select="CNL1,CNL2") == []


# -- 5. modules re-exported through another module ----------------------------------------------

COMPAT = """\
    try:
        import pysqlite3 as sqlite3
    except ImportError:
        import sqlite3
    """


@pytest.mark.parametrize("importing", ["from .compat import sqlite3", "from app.compat import sqlite3"])
@pytest.mark.parametrize("paths", [["app"], ["app/store.py"]], ids=["app", "file-only"])
def test_a_driver_re_exported_by_a_compat_module_is_the_driver(tmp_path, importing, paths):
    root = project(tmp_path, {"app/__init__.py": "", "app/compat.py": COMPAT, "app/store.py": f"""\
        {importing}


        def count(path):
            conn = sqlite3.connect(path)
            return conn.execute("select count(*) from items").fetchone()[0]
        """})
    assert check(root, *paths) == [
        "app/store.py:5:12: CNL101 sqlite3 connection from sqlite3.connect() is never closed; "
        "use 'with contextlib.closing(sqlite3.connect(...)) as conn:'",
    ]


def test_a_re_exported_driver_closed_by_its_caller_is_clean(tmp_path):
    root = project(tmp_path, {"app/__init__.py": "", "app/compat.py": COMPAT, "app/store.py": """\
        import contextlib

        from .compat import sqlite3


        def count(path):
            with contextlib.closing(sqlite3.connect(path)) as conn:
                return conn.execute("select count(*) from items").fetchone()[0]
        """})
    assert check(root, "app") == []


# -- 6a. small wrappers: an annotated local returned by a helper --------------------------------

CLIENT = """\
    import requests


    def make_session(token):
        s: requests.Session = requests.Session()
        s.headers["Authorization"] = f"Bearer {token}"
        return s
    """


@pytest.mark.parametrize("paths", [["app"], ["app/sync.py"]], ids=["app", "file-only"])
def test_an_annotated_local_returned_by_a_helper_is_the_callers_to_close(tmp_path, paths):
    root = project(tmp_path, {"app/__init__.py": "", "app/client.py": CLIENT, "app/sync.py": """\
        from app.client import make_session


        def pull(token, url):
            session = make_session(token)
            return session.get(url).json()
        """})
    assert check(root, *paths) == [
        "app/sync.py:5:15: CNL101 requests session from make_session() (app/client.py:5) is never closed; "
        "create it once at module level and share it, or use 'with make_session(...) as session:'",
    ]


def test_an_annotated_local_returned_by_a_helper_and_closed_by_the_caller_is_clean(tmp_path):
    root = project(tmp_path, {"app/__init__.py": "", "app/client.py": CLIENT, "app/sync.py": """\
        from app.client import make_session


        def pull(token, url):
            with make_session(token) as session:
                return session.get(url).json()
        """})
    assert check(root, "app") == []


def test_an_annotated_local_that_is_dropped_leaks_in_its_own_function():
    found = findings_for("""\
        import requests


        def ping(url):
            s: requests.Session = requests.Session()
            return s.get(url).status_code
        """)
    assert [(f.line, f.column, f.code) for f in found] == [(5, 27, "CNL101")]


# -- 6b. small wrappers: a forwarding wrapper is read at its call sites -------------------------

FORWARDING_DB = """\
    from sqlalchemy import create_engine


    def make_engine(*args, **kwargs):
        return create_engine(*args, **kwargs)
    """


@pytest.mark.parametrize("paths", [["app"], ["app/models.py"]], ids=["app", "file-only"])
def test_a_forwarding_wrapper_without_a_bound_is_cnl301_at_its_call(tmp_path, paths):
    root = project(tmp_path, {"app/__init__.py": "", "app/db.py": FORWARDING_DB, "app/models.py": """\
        from app.db import make_engine

        URL = "postgresql://db/app"

        engine = make_engine(URL, pool_pre_ping=True)
        bounded = make_engine(URL, pool_size=5, max_overflow=5)
        """})
    found = check(root, *paths, select="CNL3")
    assert located(found) == [("app/models.py", 5, 10, "CNL301")]
    assert "pool_size=5 + max_overflow=10" in messages(found)[0]
    assert "(app/db.py:5)" in messages(found)[0]


@pytest.mark.parametrize("paths", [["app"], ["app/models.py"]], ids=["app", "file-only"])
def test_a_forwarding_wrapper_given_a_bound_is_clean(tmp_path, paths):
    root = project(tmp_path, {"app/__init__.py": "", "app/db.py": FORWARDING_DB, "app/models.py": """\
        from app.db import make_engine

        URL = "postgresql://db/app"

        bounded = make_engine(URL, pool_size=5, max_overflow=5)
        """})
    assert check(root, *paths, select="CNL3") == []


# -- 6c. small wrappers: a @contextmanager that yields an engine --------------------------------

def repository(dispose: bool, with_connect: bool) -> str:
    get_engine = (
        "        engine = create_engine(self.url)\n"
        "        try:\n"
        "            yield engine\n"
        "        finally:\n"
        "            engine.dispose()\n"
        if dispose else
        "        engine = create_engine(self.url)\n"
        "        yield engine\n"
    )
    count = (
        "        with self.get_engine() as engine:\n"
        "            with engine.connect() as conn:\n"
        "                return conn.exec_driver_sql('select count(*) from items').scalar()\n"
        if with_connect else
        "        with self.get_engine() as engine:\n"
        "            conn = engine.connect()\n"
        "            return conn.exec_driver_sql('select count(*) from items').scalar()\n"
    )
    return (
        "from contextlib import contextmanager\n"
        "\n"
        "from sqlalchemy import create_engine\n"
        "\n"
        "\n"
        "class Repository:\n"
        "    def __init__(self, url):\n"
        "        self.url = url\n"
        "\n"
        "    @contextmanager\n"
        "    def get_engine(self):\n"
        + get_engine +
        "\n"
        "    def count(self):\n"
        + count
    )


def test_a_context_manager_that_yields_an_engine_and_never_disposes_it():
    # RULES: a @contextmanager's `yield` lends the resource to the `with` body and
    # resumes after it (CNL102 names "close it after the yield"): it is no hand-over,
    # so the undisposed engine is CNL101 at its creation; the checkout taken from the
    # yielded engine in the `with` body is CNL104.
    source = repository(dispose=False, with_connect=False)
    assert positions(source) == [(12, 18, "CNL101"), (17, 20, "CNL104")]


def test_a_connection_from_a_yielded_engine_is_still_the_callers_to_return():
    source = repository(dispose=True, with_connect=False)
    assert positions(source) == [(20, 20, "CNL104")]


def test_a_context_manager_that_disposes_what_it_yields_and_a_with_connect_are_clean():
    assert positions(repository(dispose=True, with_connect=True)) == []


# -- 7. a callee that reassigns its parameter does not own the caller's connection -------------

def test_a_callee_reassigning_its_parameter_borrows_the_callers_connection():
    source = """\
        import psycopg2

        from settings import default_connection


        def count(conn=None):
            if conn is None:
                conn = default_connection()
            with conn.cursor() as cur:
                cur.execute("select count(*) from items")
                return cur.fetchone()[0]


        def report(dsn):
            conn = psycopg2.connect(dsn)
            return count(conn)
        """
    assert positions(source) == [(15, 12, "CNL101")]


def test_a_callee_reassigning_its_parameter_with_the_caller_closing_is_clean():
    source = """\
        import contextlib

        import psycopg2

        from settings import default_connection


        def count(conn=None):
            if conn is None:
                conn = default_connection()
            with conn.cursor() as cur:
                cur.execute("select count(*) from items")
                return cur.fetchone()[0]


        def report(dsn):
            with contextlib.closing(psycopg2.connect(dsn)) as conn:
                return count(conn)
        """
    assert positions(source) == []


def test_a_method_reassigning_its_parameter_from_self_connect_leaks_only_what_it_opens():
    # count() opens its own connection when given none and never closes it (its
    # own CNL101); report()'s connection is only lent to count(): CNL101 there too.
    source = """\
        import psycopg2


        class Store:
            def __init__(self, dsn):
                self.dsn = dsn

            def connect(self):
                return psycopg2.connect(self.dsn)

            def count(self, conn=None):
                if conn is None:
                    conn = self.connect()
                with conn.cursor() as cur:
                    cur.execute("select count(*) from items")
                    return cur.fetchone()[0]

            def report(self):
                conn = psycopg2.connect(self.dsn)
                return self.count(conn)
        """
    assert positions(source) == [(13, 20, "CNL101"), (19, 16, "CNL101")]


STATS = """\
    import psycopg2

    DSN = "dbname=app"


    def count(conn=None):
        if conn is None:
            conn = psycopg2.connect(DSN)
        with conn.cursor() as cur:
            cur.execute("select count(*) from items")
            return cur.fetchone()[0]
    """


@pytest.mark.parametrize("paths", [["app"], ["app/report.py"]], ids=["app", "file-only"])
def test_a_callee_of_another_module_reassigning_its_parameter_borrows(tmp_path, paths):
    root = project(tmp_path, {"app/__init__.py": "", "app/stats.py": STATS, "app/report.py": """\
        import psycopg2

        from app.stats import count


        def report(dsn):
            conn = psycopg2.connect(dsn)
            return count(conn)
        """})
    assert check(root, *paths) == [
        "app/report.py:7:12: CNL101 psycopg2 connection from psycopg2.connect() is never closed; "
        "use 'with contextlib.closing(psycopg2.connect(...)) as conn:'",
    ] + (STATS_OWN_LEAK if paths == ["app"] else [])


# count() leaks the one it opens when given none: its own finding, in its own module
STATS_OWN_LEAK = [
    "app/stats.py:8:16: CNL101 psycopg2 connection from psycopg2.connect() is never closed; close only the one "
    "created here: under 'with contextlib.ExitStack() as stack:', create it as "
    "'conn = stack.enter_context(contextlib.closing(psycopg2.connect(...)))'",
]


def test_a_callee_of_another_module_reassigning_its_parameter_with_the_caller_closing_is_clean(tmp_path):
    root = project(tmp_path, {"app/__init__.py": "", "app/stats.py": STATS, "app/report.py": """\
        import contextlib

        import psycopg2

        from app.stats import count


        def report(dsn):
            with contextlib.closing(psycopg2.connect(dsn)) as conn:
                return count(conn)
        """})
    assert check(root, "app") == STATS_OWN_LEAK


# -- 8. routers and apps subclassed in the project ----------------------------------------------

ENGINE_PER_REQUEST = (
    "    engine = create_engine('postgresql://db/reports')\n"
    "    with engine.connect() as conn:\n"
    "        return {'n': conn.exec_driver_sql('select 1').scalar()}\n"
)
ENGINE_SHARED = (
    "    with ENGINE.connect() as conn:\n"
    "        return {'n': conn.exec_driver_sql('select 1').scalar()}\n"
)


def fastapi_router_module(body):
    return (
        "from fastapi import APIRouter\n"
        "from sqlalchemy import create_engine\n"
        "\n"
        "ENGINE = create_engine('postgresql://db/app', pool_size=5, max_overflow=5)\n"
        "\n"
        "\n"
        "class AppRouter(APIRouter):\n"
        "    def __init__(self, **kwargs):\n"
        "        super().__init__(**kwargs)\n"
        "\n"
        "\n"
        "router = AppRouter()\n"
        "\n"
        "\n"
        "@router.get('/x')\n"
        "def report():\n"
        + body
    )


def flask_app_module(body):
    return (
        "from flask import Flask\n"
        "from sqlalchemy import create_engine\n"
        "\n"
        "ENGINE = create_engine('postgresql://db/app', pool_size=5, max_overflow=5)\n"
        "\n"
        "\n"
        "class App(Flask):\n"
        "    \"\"\"The application.\"\"\"\n"
        "\n"
        "\n"
        "app = App(__name__)\n"
        "\n"
        "\n"
        "@app.route('/y')\n"
        "def report():\n"
        + body
    )


def test_a_route_of_a_router_subclassed_in_the_module_is_per_request():
    found = findings_for(fastapi_router_module(ENGINE_PER_REQUEST), codes="CNL2")
    assert [(f.line, f.column, f.code) for f in found] == [(17, 14, "CNL201")]
    assert "via report() (FastAPI route '/x')" in found[0].message


def test_a_route_of_a_flask_app_subclassed_in_the_module_is_per_request():
    found = findings_for(flask_app_module(ENGINE_PER_REQUEST), codes="CNL2")
    assert [(f.line, f.column, f.code) for f in found] == [(16, 14, "CNL201")]
    assert "via report() (Flask route '/y')" in found[0].message


@pytest.mark.parametrize("module", [fastapi_router_module, flask_app_module], ids=["fastapi", "flask"])
def test_a_route_of_a_subclassed_router_or_app_using_a_shared_engine_is_clean(module):
    assert findings_for(module(ENGINE_SHARED), codes="CNL") == []


ROUTING = {
    "app/__init__.py": "",
    "app/routing.py": """\
        from fastapi import APIRouter
        from flask import Flask


        class AppRouter(APIRouter):
            def __init__(self, **kwargs):
                super().__init__(**kwargs)


        class App(Flask):
            pass
        """,
}


@pytest.mark.parametrize("paths", [["app"], ["app/views.py"]], ids=["app", "file-only"])
def test_routes_of_a_subclassed_router_and_app_using_a_shared_engine_are_clean(tmp_path, paths):
    root = project(tmp_path, {**ROUTING, "app/views.py": """\
        from sqlalchemy import create_engine

        from app.routing import App, AppRouter

        ENGINE = create_engine("postgresql://db/reports", pool_size=5, max_overflow=5)
        router = AppRouter()
        app = App(__name__)


        @router.get("/x")
        def report():
            with ENGINE.connect() as conn:
                return {"n": conn.exec_driver_sql("select 1").scalar()}


        @app.route("/y")
        def legacy_report():
            with ENGINE.connect() as conn:
                return str(conn.exec_driver_sql("select 1").scalar())
        """})
    assert check(root, *paths) == []


# -- 9. catalog borrowers -----------------------------------------------------------------------

def test_an_engine_given_to_a_listens_for_decorator_still_leaks():
    source = """\
        from sqlalchemy import create_engine, event


        def count(url):
            engine = create_engine(url)

            @event.listens_for(engine, "connect")
            def on_connect(dbapi_connection, record):
                dbapi_connection.execute("pragma foreign_keys=on")

            with engine.connect() as conn:
                return conn.exec_driver_sql("select 1").scalar()
        """
    assert positions(source) == [(5, 14, "CNL101")]


def test_an_engine_given_to_a_listens_for_decorator_and_disposed_is_clean():
    source = """\
        from sqlalchemy import create_engine, event


        def count(url):
            engine = create_engine(url)

            @event.listens_for(engine, "connect")
            def on_connect(dbapi_connection, record):
                dbapi_connection.execute("pragma foreign_keys=on")

            try:
                with engine.connect() as conn:
                    return conn.exec_driver_sql("select 1").scalar()
            finally:
                engine.dispose()
        """
    assert positions(source) == []


@pytest.mark.parametrize("source_of_src", [
    "    src = sqlite3.connect(src_path)\n",
    "    src: sqlite3.Connection = open_source(src_path)\n",
], ids=["created", "annotated"])
def test_the_target_of_a_sqlite_backup_is_still_the_callers_to_close(source_of_src):
    source = (
        "import sqlite3\n"
        "\n"
        "from helpers import open_source\n"
        "\n"
        "\n"
        "def snapshot(src_path, dst_path):\n"
        + source_of_src +
        "    try:\n"
        "        dst = sqlite3.connect(dst_path)\n"
        "        src.backup(dst)\n"
        "    finally:\n"
        "        src.close()\n"
    )
    assert positions(source) == [(9, 15, "CNL101")]


def test_the_target_of_a_sqlite_backup_closed_by_its_with_is_clean():
    source = """\
        import contextlib
        import sqlite3


        def snapshot(src_path, dst_path):
            with contextlib.closing(sqlite3.connect(src_path)) as src:
                with contextlib.closing(sqlite3.connect(dst_path)) as dst:
                    src.backup(dst)
        """
    assert positions(source) == []


# -- 10. returned data vs returned handles ------------------------------------------------------

def test_returning_a_document_found_through_a_client_leaks_the_client():
    source = """\
        import pymongo


        def find_order(q):
            mongo = pymongo.MongoClient("mongodb://db/shop")
            return mongo.shop.orders.find_one(q)
        """
    assert positions(source) == [(5, 13, "CNL101")]


@pytest.mark.parametrize("source", [
    """\
        import pymongo


        def find_order(q):
            with pymongo.MongoClient("mongodb://db/shop") as mongo:
                return mongo.shop.orders.find_one(q)
        """,
    """\
        import pymongo


        def orders_collection():
            mongo = pymongo.MongoClient("mongodb://db/shop")
            return mongo.shop.orders
        """,
], ids=["closed-by-with", "collection-handed-over"])
def test_a_client_closed_or_handed_over_with_a_collection_is_clean(source):
    assert positions(source) == []


def test_returning_what_psycopg2_cursor_execute_returns_leaks_the_connection():
    source = """\
        import psycopg2


        def update_orders(q):
            pg_conn = psycopg2.connect("dbname=shop")
            cur = pg_conn.cursor()
            return cur.execute(q)
        """
    assert positions(source) == [(5, 15, "CNL101")]


@pytest.mark.parametrize("source", [
    """\
        import contextlib

        import psycopg2


        def update_orders(q):
            with contextlib.closing(psycopg2.connect("dbname=shop")) as pg_conn:
                cur = pg_conn.cursor()
                return cur.execute(q)
        """,
    """\
        import psycopg2


        def orders_cursor(q):
            pg_conn = psycopg2.connect("dbname=shop")
            cur = pg_conn.cursor()
            cur.execute(q)
            return cur
        """,
], ids=["closed-by-with", "cursor-handed-over"])
def test_a_psycopg2_connection_closed_or_handed_over_with_its_cursor_is_clean(source):
    assert positions(source) == []


def test_returning_a_sqlite3_cursor_hands_the_connection_over():
    source = """\
        import sqlite3


        def query(path, q):
            lite_conn = sqlite3.connect(path)
            return lite_conn.execute(q)
        """
    assert positions(source) == []


def test_returning_rows_fetched_through_a_sqlite3_cursor_leaks_the_connection():
    source = """\
        import sqlite3


        def query(path, q):
            lite_conn = sqlite3.connect(path)
            return lite_conn.execute(q).fetchall()
        """
    assert positions(source) == [(5, 17, "CNL101")]


# -- 11. pagination -----------------------------------------------------------------------------

def test_a_pagination_loop_is_not_a_retry_loop():
    found = findings_for("""\
        import requests


        def all_items(url):
            items = []
            while url:
                page = requests.get(url).json()
                items.extend(page["items"])
                url = page.get("next")
            return items
        """)
    assert [(f.line, f.column, f.code) for f in found] == [(7, 16, "CNL203")]
    assert found[0].message == (
        "requests.get() builds and discards a whole client on every iteration of the loop at line 6; "
        "use one shared 'requests.Session()' created before the loop"
    )


def test_a_pagination_loop_over_a_shared_session_is_clean():
    source = """\
        import requests


        def all_items(url):
            items = []
            with requests.Session() as session:
                while url:
                    page = session.get(url).json()
                    items.extend(page["items"])
                    url = page.get("next")
            return items
        """
    assert positions(source) == []


# -- 12a. a release under contextlib.suppress inside finally -----------------------------------

@pytest.mark.parametrize("importing, suppress", [
    ("import contextlib", "contextlib.suppress(Exception)"),
    ("from contextlib import suppress", "suppress(sqlite3.Error)"),
], ids=["contextlib.suppress", "suppress"])
def test_a_release_under_suppress_in_finally_is_a_release(importing, suppress):
    source = (
        f"{importing}\n"
        "import sqlite3\n"
        "\n"
        "\n"
        "def read(path):\n"
        "    db = sqlite3.connect(path)\n"
        "    try:\n"
        "        return db.execute('select 1').fetchall()\n"
        "    finally:\n"
        f"        with {suppress}:\n"
        "            db.close()\n"
    )
    assert positions(source) == []


def test_a_finally_under_suppress_that_does_not_release_leaks():
    source = """\
        import contextlib
        import sqlite3


        def read(path):
            db = sqlite3.connect(path)
            try:
                return db.execute("select 1").fetchall()
            finally:
                with contextlib.suppress(Exception):
                    db.commit()
        """
    assert positions(source) == [(6, 10, "CNL101")]


# -- 12b. one name imported from two libraries: the lifetime rules ------------------------------

TWO_LIBRARIES = """\
    try:
        from psycopg_pool import ConnectionPool
    except ImportError:
        from psycopg2.pool import ThreadedConnectionPool as ConnectionPool
    from flask import Flask

    app = Flask(__name__)
    pool = ConnectionPool("dbname=app")
    """


def test_a_module_level_pool_of_two_libraries_is_clean():
    assert positions(TWO_LIBRARIES, codes="CNL1") == []
    assert positions(TWO_LIBRARIES, codes="CNL2") == []
    assert positions(TWO_LIBRARIES, codes="CNL3") == []


def test_a_per_request_pool_of_two_libraries_is_per_request_for_both():
    source = TWO_LIBRARIES + """\


    @app.get("/n")
    def count():
        local = ConnectionPool("dbname=app")
        conn = local.getconn()
        try:
            return str(conn.server_version)
        finally:
            local.putconn(conn)
    """
    assert positions(source) == [(13, 13, "CNL201")]


# -- 12c. a `for url in urls:` loop that returns on the first success is a retry loop -----------

def test_a_session_per_attempt_in_a_route_is_per_request_not_per_iteration():
    source = """\
        import requests
        from flask import Flask, current_app

        app = Flask(__name__)


        @app.get("/mirror")
        def mirror():
            urls = current_app.config["MIRRORS"]
            for url in urls:
                session = requests.Session()
                try:
                    return session.get(url, timeout=5).text
                except requests.RequestException:
                    continue
            return "down", 503
        """
    found = findings_for(source)
    assert [(f.line, f.column, f.code) for f in found] == [(11, 19, "CNL201")]
    assert "via mirror() (Flask route '/mirror')" in found[0].message


def test_a_session_per_item_in_a_route_that_goes_on_is_per_iteration():
    source = """\
        import requests
        from flask import Flask, current_app

        app = Flask(__name__)


        @app.get("/mirrors")
        def mirrors():
            pages = []
            for url in current_app.config["MIRRORS"]:
                session = requests.Session()
                pages.append(session.get(url, timeout=5).text)
            return "".join(pages)
        """
    assert positions(source) == [(11, 19, "CNL202")]


def test_a_shared_session_tried_on_each_mirror_is_clean():
    source = """\
        import requests
        from flask import Flask, current_app

        app = Flask(__name__)
        SESSION = requests.Session()


        @app.get("/mirror")
        def mirror():
            for url in current_app.config["MIRRORS"]:
                try:
                    return SESSION.get(url, timeout=5).text
                except requests.RequestException:
                    continue
            return "down", 503
        """
    assert positions(source, codes="CNL") == []


def test_class_views_of_a_django_and_starlette_base_of_the_same_module_are_per_request():
    source = """\
        import redis
        from django.views import View
        from starlette.endpoints import HTTPEndpoint


        class BaseView(View):
            http_method_names = ["get"]


        class BaseEndpoint(HTTPEndpoint):
            pass


        class CartView(BaseView):
            def get(self, request):
                carts = redis.Redis(host="cache")
                return carts.get(request.user.id)


        class Items(BaseEndpoint):
            async def get(self, request):
                cache = redis.Redis(host="cache")
                return cache.get("items")
        """
    assert positions(source) == [(16, 17, "CNL201"), (22, 17, "CNL201")]
