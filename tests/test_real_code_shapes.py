"""Shapes that real applications take and hand-written cases did not: each is
a reported case with exact findings and, where it applies, a silent twin."""

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tests.helpers import findings_for


def project(tmp_path: Path, files: dict) -> Path:
    for name, text in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))
    return tmp_path


def check(root: Path, *paths, select="CNL1,CNL2,CNL3"):
    result = subprocess.run(
        [sys.executable, "-m", "connlint", "--isolated", "-q", "--no-cache", "--select", select, *paths],
        cwd=root, capture_output=True, text=True,
    )
    assert result.stderr == ""
    return result.stdout.splitlines()


# -- a project class that subclasses a catalog type is that resource --------------------------

SESSION_SUBCLASS = {
    "app/__init__.py": "",
    "app/util/__init__.py": "",
    "app/util/requests.py": """\
        import requests


        class Session(requests.Session):
            def __init__(self, timeout=30):
                super().__init__()
                self.timeout = timeout


        class RetryingSession(Session):
            pass
        """,
}


def test_instances_of_a_subclass_in_another_module_are_the_resource(tmp_path):
    root = project(tmp_path, {**SESSION_SUBCLASS, "app/plugin.py": """\
        from app.util import requests
        from app.util.requests import RetryingSession


        def login(config):
            session = requests.Session()
            session.post(config["url"], data=config)
            return config["name"]


        def fetch(url):
            session = RetryingSession()
            return session.get(url).json()
        """})
    assert check(root, "app") == [
        "app/plugin.py:6:15: CNL101 requests session from requests.Session() (app/util/requests.py:4) is never "
        "closed; create it once at module level and share it, or use 'with requests.Session(...) as session:'",
        "app/plugin.py:12:15: CNL101 requests session from RetryingSession() (app/util/requests.py:10) is never "
        "closed; create it once at module level and share it, or use 'with RetryingSession(...) as session:'",
    ]


def test_a_subclass_instance_closed_by_its_with_is_clean(tmp_path):
    root = project(tmp_path, {**SESSION_SUBCLASS, "app/plugin.py": """\
        from app.util import requests


        def fetch(url):
            with requests.Session() as session:
                return session.get(url).json()
        """})
    assert check(root, "app") == []


def test_a_subclass_in_the_same_module_is_the_resource():
    found = findings_for("""\
        import psycopg2.extensions


        class Connection(psycopg2.extensions.connection):
            pass


        class Plain:
            pass


        def count(dsn):
            conn = Connection(dsn)
            Plain()
            return conn.cursor().fetchone()
        """)
    assert [(f.line, f.column, f.code) for f in found] == [(13, 12, "CNL101")]


# -- CNL3xx only where a limit can matter ------------------------------------------------------

def test_a_pool_used_and_dropped_inside_one_function_gets_no_pool_limit_finding():
    source = """\
        from sqlalchemy import MetaData, create_engine
        from sqlalchemy.orm import sessionmaker


        def migrate(url):
            engine = create_engine(url)
            MetaData().create_all(engine)
            session = sessionmaker(bind=engine)()
            session.commit()
            session.close()
            engine.dispose()
        """
    assert findings_for(source, codes="CNL3") == []


@pytest.mark.parametrize("shared", [
    "    self.engine = engine\n",
    "    return engine\n",
    "    run_workers(engine)\n",
    "    threading.Thread(target=work, args=(engine,)).start()\n",
])
def test_a_pool_that_outlives_or_leaves_the_function_gets_its_pool_limit_finding(shared):
    source = (
        "import threading\nfrom sqlalchemy import create_engine\n\n\n"
        "def build(self, url):\n    engine = create_engine(url)\n" + shared
    )
    assert [(f.line, f.column, f.code) for f in findings_for(source, codes="CNL3")] == [(6, 14, "CNL301")]


@pytest.mark.parametrize("url", [
    "'sqlite:///app.db'", "'sqlite:///' + name", "f'sqlite:///{name}'", "'sqlite:///{0}'.format(name)",
    "'sqlite:///%s' % name",
])
def test_sqlite_files_have_no_server_slots_to_bound(url):
    source = f"from sqlalchemy import create_engine\nname = 'x'\nengine = create_engine({url})\n"
    assert findings_for(source, codes="CNL3") == []


def test_a_server_url_built_at_run_time_still_needs_a_bound():
    source = "from sqlalchemy import create_engine\nname = 'x'\nengine = create_engine('postgresql://' + name)\n"
    assert [(f.line, f.code) for f in findings_for(source, codes="CNL3")] == [(3, "CNL301")]


def test_a_pool_class_that_cannot_be_read_may_have_no_size():
    source = """\
        from sqlalchemy import create_engine


        class Store:
            pool_class = None

            def __init__(self, url):
                self.engine = create_engine(url, poolclass=self.pool_class)
        """
    assert findings_for(source, codes="CNL3") == []


# -- one name, several libraries ---------------------------------------------------------------

def test_a_name_imported_from_two_libraries_gets_no_pool_limit_finding():
    source = """\
        try:
            from psycopg_pool import ConnectionPool
        except ImportError:
            from psycopg2.pool import ThreadedConnectionPool as ConnectionPool

        pool = ConnectionPool("dbname=app")
        """
    assert findings_for(source, codes="CNL3") == []


def test_the_same_name_from_one_library_keeps_its_finding():
    source = """\
        from psycopg_pool import ConnectionPool

        pool = ConnectionPool("dbname=app")
        """
    assert [(f.line, f.code) for f in findings_for(source, codes="CNL3")] == [(3, "CNL301")]


# -- releases and error paths as real code writes them -----------------------------------------

def test_a_release_under_contextlib_suppress_is_a_release():
    source = """\
        import contextlib
        import sqlite3


        def read(path):
            db = None
            try:
                db = sqlite3.connect(path)
                rows = db.execute("select 1").fetchall()
            except sqlite3.Error:
                if db is not None:
                    with contextlib.suppress(sqlite3.Error):
                        db.close()
                return None
            db.close()
            return rows
        """
    assert findings_for(source) == []


def test_a_handler_that_does_not_release_leaves_the_error_path_open():
    source = """\
        import sqlite3


        def read(path):
            db = sqlite3.connect(path)
            try:
                rows = db.execute("select 1").fetchall()
            except sqlite3.Error:
                return None
            db.close()
            return rows
        """
    assert [(f.line, f.code) for f in findings_for(source)] == [(5, "CNL102")]


def test_a_logging_alias_in_a_handler_does_not_raise():
    source = """\
        import logging
        import urllib3

        LOGGER = logging.getLogger(__name__)
        LOGERR = LOGGER.error


        def fetch(url):
            manager = None
            try:
                manager = urllib3.PoolManager()
                data = manager.request("GET", url).data
            except Exception as e:
                LOGERR("fetch: %s", e)
                data = None
            if manager:
                manager.clear()
            return data
        """
    assert findings_for(source) == []


def test_builtin_constructors_between_creation_and_try_do_not_raise():
    source = """\
        import sqlite3


        def read(path, config):
            db = sqlite3.connect(path)
            found = set()
            names = None if isinstance(config, bool) else list()
            try:
                found.update(db.execute("select 1").fetchall())
            finally:
                db.close()
            return found, names
        """
    assert findings_for(source) == []


# -- catalog borrowers --------------------------------------------------------------------------

def test_an_engine_given_to_event_listen_still_leaks():
    source = """\
        from sqlalchemy import create_engine, event


        def on_connect(dbapi_connection, record):
            pass


        def count(url):
            engine = create_engine(url)
            event.listen(engine, "connect", on_connect)
            with engine.connect() as conn:
                return conn.exec_driver_sql("select 1").scalar()
        """
    assert [(f.line, f.code) for f in findings_for(source)] == [(9, "CNL101")]


def test_a_factory_session_bound_to_the_callers_connection_owns_nothing():
    source = """\
        from alembic import op
        from sqlalchemy.orm import sessionmaker

        Session = sessionmaker()


        def upgrade():
            bind = op.get_bind()
            session = Session(bind=bind)
            session.execute("update t set x = 1")
        """
    assert findings_for(source) == []


def test_sessions_of_a_factory_without_a_visible_bind_are_not_judged(tmp_path):
    # flexget's shape: the factory is bound at run time (Session.configure)
    root = project(tmp_path, {
        "app/__init__.py": "",
        "app/manager.py": """\
            from sqlalchemy.orm import sessionmaker

            Session = sessionmaker()
            """,
        "app/cli.py": """\
            from sqlalchemy.orm import sessionmaker

            from app.manager import Session

            Bound = sessionmaker(bind=None)


            def tag(names):
                session = Session()
                session.add_all(names)


            def local():
                session = Bound()
                session.commit()
            """,
    })
    assert check(root, "app") == []


def test_sessions_of_a_factory_bound_to_an_engine_are_judged():
    source = """\
        from sqlalchemy import create_engine
        from sqlalchemy.orm import sessionmaker

        Session = sessionmaker(bind=create_engine("postgresql://db/app"))


        def tag(names):
            session = Session()
            session.add_all(names)
        """
    assert [(f.line, f.code) for f in findings_for(source)] == [(8, "CNL101")]


# -- loops --------------------------------------------------------------------------------------

def test_a_value_rebuilt_the_same_in_every_iteration_does_not_vary():
    found = findings_for("""\
        import aiohttp


        async def poll(urls):
            for url in urls:
                timeout = aiohttp.ClientTimeout(total=5)
                async with aiohttp.ClientSession(timeout=timeout) as session:
                    async with session.get(url) as response:
                        print(await response.text())
        """)
    assert [(f.line, f.code) for f in found] == [(7, "CNL202")]
    assert found[0].message.endswith("create it once before the loop and share it")


def test_a_value_that_follows_the_iteration_varies():
    found = findings_for("""\
        import aiohttp


        async def poll(urls):
            for url in urls:
                timeout = aiohttp.ClientTimeout(total=len(url))
                async with aiohttp.ClientSession(timeout=timeout) as session:
                    async with session.get(url) as response:
                        print(await response.text())
        """)
    assert [(f.line, f.code) for f in found] == [(7, "CNL202")]
    assert "its arguments change with the iteration" in found[0].message


def test_rows_iterated_from_a_connection_are_not_the_connection():
    found = findings_for("""\
        import sqlite3


        def dump(path):
            db = sqlite3.connect(path)
            for row in db.execute("select * from comments").fetchall():
                render(*row)


        def dump_closed(path):
            db = sqlite3.connect(path)
            try:
                for row in db.execute("select * from comments"):
                    render(*row)
            finally:
                db.close()
        """)
    assert [(f.line, f.column, f.code) for f in found] == [(5, 10, "CNL101")]
