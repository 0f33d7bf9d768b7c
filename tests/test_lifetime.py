"""Path-aware lifetime analysis: the cases RULES.md lists, one by one."""

import pytest

from tests.helpers import findings_for, positions

CLEAN = {
    "closed in finally": """
        import sqlite3
        def f(p):
            conn = sqlite3.connect(p)
            try:
                return conn.execute("q").fetchall()
            finally:
                conn.close()
    """,
    "initialised to None, closed in finally under a guard": """
        import sqlite3
        def f(p):
            conn = None
            try:
                conn = sqlite3.connect(p)
                conn.execute("q")
            finally:
                if conn:
                    conn.close()
    """,
    "a factory in the same module, its result closed by the caller": """
        import psycopg2
        def get_conn():
            conn = psycopg2.connect("dbname=app")
            conn.autocommit = True
            return conn
        def use():
            conn = get_conn()
            try:
                conn.cursor().execute("select 1")
            finally:
                conn.close()
    """,
    "a cached factory hands out one shared connection": """
        import functools
        import psycopg2
        @functools.lru_cache
        def get_conn():
            return psycopg2.connect("dbname=app")
        def use():
            get_conn().cursor().execute("select 1")
    """,
    "a guarded global getter hands out one shared connection": """
        import psycopg2
        _conn = None
        def get_conn():
            global _conn
            if _conn is None:
                _conn = psycopg2.connect("dbname=app")
            return _conn
        def use():
            get_conn().cursor().execute("select 1")
    """,
    "a getter of an attribute, a 'with' target or a generator hands out nothing fresh": """
        import contextlib
        import psycopg2
        class Store:
            def __init__(self):
                self.conn = psycopg2.connect("dbname=app")
            def connection(self):
                return self.conn
            def use(self):
                self.connection().cursor().execute("select 1")
        def closed_already():
            with contextlib.closing(psycopg2.connect("dbname=app")) as conn:
                return conn
        @contextlib.contextmanager
        def connection():
            conn = psycopg2.connect("dbname=app")
            try:
                yield conn
            finally:
                conn.close()
        def use():
            closed_already()
            with connection() as conn:
                conn.cursor().execute("select 1")
    """,
    "a session bound to the caller's connection borrows it": """
        from sqlalchemy import orm
        from alembic import op
        def upgrade():
            bind = op.get_bind()
            session = orm.Session(bind=bind)
            session.execute("update t set x = 1")
            session.commit()
    """,
    "a Redis client on a shared pool, from a factory in the same module": """
        import redis
        pool = redis.ConnectionPool(host="cache", max_connections=10)
        def client():
            return redis.Redis(connection_pool=pool)
        def use(key):
            return client().get(key)
    """,
    "handed to a wrapper that is returned, the wrapper's failure caught": """
        import logging
        from redis.asyncio import Redis
        def create_store(wrapper):
            try:
                client = Redis(host="cache", max_connections=10)
                return wrapper(client=client)
            except Exception:
                logging.exception("no store")
                return None
    """,
    "an inspector that keeps the engine leaves with it": """
        from sqlalchemy import create_engine, inspect
        def inspector(url):
            engine = create_engine(url, pool_size=5, max_overflow=0)
            return inspect(engine)
    """,
    "returned in a try whose handler gives up on any error": """
        import logging
        import asyncpg
        async def listen_connection(dsn, url):
            try:
                conn = await asyncpg.connect(dsn)
                logging.info(f"connected to {url.query.get('host')}")
                return conn
            except Exception:
                logging.exception("no connection")
                return None
    """,
    "closed in finally when it says it is still open": """
        import asyncio
        import asyncpg
        import psycopg2
        async def listen(dsn):
            while True:
                conn = None
                try:
                    conn = await asyncpg.connect(dsn)
                    await conn.fetchval("select 1")
                except Exception:
                    await asyncio.sleep(5)
                finally:
                    if conn and not conn.is_closed():
                        await conn.close()
        def count(dsn):
            conn = psycopg2.connect(dsn)
            try:
                return conn.cursor().execute("select 1")
            finally:
                if not conn.closed:
                    conn.close()
    """,
    "a name that awaits itself": """
        import httpx
        async def create(client):
            run = client.create_run()
            run = await run
            return run
        async def caller(client):
            return await create(client)
    """,
    "managed by the first item of a 'with', a later item raising": """
        import psycopg
        def upload(dsn):
            connection = psycopg.connect(dsn)
            with connection as conn, conn.cursor() as cur, open("rows.csv") as rows:
                cur.copy("copy t from stdin", rows)
    """,
    "an engine only asked for its url or dialect opens nothing": """
        import sqlalchemy as sa
        def masked(url):
            try:
                engine = sa.create_engine(url)
                return repr(engine.url)
            except Exception:
                return url
        def dialect_name(url):
            engine = sa.create_engine(url)
            return engine.dialect.name
    """,
    "a client on an in-process transport holds no pool": """
        import httpx
        from fastapi import FastAPI, Request
        app = FastAPI()
        @app.get("/proxy/{name}")
        async def proxy(name: str, request: Request):
            transport = httpx.ASGITransport(app=request.app)
            async with httpx.AsyncClient(transport=transport, base_url=str(request.base_url)) as client:
                response = await client.get(f"/ext/{name}")
            return response.json()
    """,
    "an engine that may be on NullPool, through a mapping of keywords": """
        from sqlalchemy import create_engine
        from sqlalchemy.pool import NullPool
        def make_engine(url, nullpool=True):
            engine_kwargs = {"echo": False}
            if nullpool:
                engine_kwargs["poolclass"] = NullPool
            return create_engine(url, **engine_kwargs)
        def count(url):
            engine = make_engine(url)
            with engine.connect() as conn:
                return conn.exec_driver_sql("select 1").scalar()
    """,
    "closed when it is not the one the caller lent": """
        import requests
        def download(url, shared=None):
            session = shared if shared is not None else requests.Session()
            try:
                response = session.get(url, timeout=10)
                if response.status_code != 200:
                    return False
            finally:
                if session is not shared:
                    session.close()
            return True
    """,
    "with on a method that returns the connection itself": """
        import sqlalchemy
        engine = sqlalchemy.create_engine("postgresql://db/app")
        def reap():
            with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.exec_driver_sql("select 1")
    """,
    "returned": """
        import psycopg2
        def get_conn(dsn):
            conn = psycopg2.connect(dsn)
            conn.autocommit = True
            return conn
    """,
    "returned inside a tuple": """
        import psycopg2
        def open_pair(dsn):
            conn = psycopg2.connect(dsn)
            cur = conn.cursor()
            return conn, cur
    """,
    "returned directly": """
        import psycopg2
        def get_conn(dsn):
            return psycopg2.connect(dsn)
    """,
    "stored on self": """
        import sqlite3
        class Store:
            def open(self, p):
                self.conn = sqlite3.connect(p)
                self.conn.execute("pragma foreign_keys=on")
    """,
    "stored in a container on an attribute": """
        import sqlite3
        def setup(context, p):
            context["connection"] = sqlite3.connect(p)
    """,
    "stored in a global": """
        import sqlite3
        _conn = None
        def connection(p):
            global _conn
            _conn = sqlite3.connect(p)
            return _conn.execute("q")
    """,
    "ExitStack.enter_context": """
        import contextlib, sqlite3
        def f(paths):
            with contextlib.ExitStack() as stack:
                conns = [stack.enter_context(contextlib.closing(sqlite3.connect(p))) for p in paths]
                first = stack.enter_context(contextlib.closing(sqlite3.connect(paths[0])))
                first.execute("q")
    """,
    "ExitStack.callback registers the release": """
        import contextlib, sqlite3
        def f(p):
            with contextlib.ExitStack() as stack:
                conn = sqlite3.connect(p)
                stack.callback(conn.close)
                conn.execute("q")
    """,
    "contextlib.closing": """
        from contextlib import closing
        import sqlite3
        def f(p):
            with closing(sqlite3.connect(p)) as conn:
                return conn.execute("q").fetchall()
    """,
    "closing() on an existing name": """
        import contextlib, sqlite3
        def f(p):
            conn = sqlite3.connect(p)
            with contextlib.closing(conn):
                conn.execute("q")
    """,
    "generator dependency with finally": """
        from sqlalchemy import create_engine
        from sqlalchemy.orm import sessionmaker
        engine = create_engine("postgresql://db/app")
        SessionLocal = sessionmaker(bind=engine)
        def get_db():
            db = SessionLocal()
            try:
                yield db
            finally:
                db.close()
    """,
    "generator dependency with a with block": """
        from sqlalchemy import create_engine
        from sqlalchemy.orm import Session
        engine = create_engine("postgresql://db/app")
        def get_session():
            with Session(engine) as session:
                yield session
    """,
    "psycopg2 pool getconn with putconn in finally": """
        from psycopg2 import pool
        POOL = pool.ThreadedConnectionPool(1, 10, "dbname=app")
        def load(key):
            conn = POOL.getconn()
            try:
                with conn.cursor() as cur:
                    cur.execute("q", (key,))
                    return cur.fetchone()
            finally:
                POOL.putconn(conn)
    """,
    "alias closed": """
        import sqlite3
        def f(p):
            conn = sqlite3.connect(p)
            c = conn
            try:
                c.execute("q")
            finally:
                c.close()
    """,
    "passed to a same-module helper that closes it": """
        import sqlite3
        def close_quietly(c):
            try:
                c.close()
            except Exception:
                pass
        def f(p):
            conn = sqlite3.connect(p)
            try:
                conn.execute("q")
            finally:
                close_quietly(conn)
    """,
    "passed to a wrapper constructor": """
        import sqlite3
        class Repository:
            def __init__(self, conn):
                self.conn = conn
        def make(p):
            return Repository(sqlite3.connect(p))
    """,
    "passed to a function connlint cannot see": """
        import sqlite3
        from app.registry import remember
        def f(p):
            conn = sqlite3.connect(p)
            remember(conn)
    """,
    "closed in every branch": """
        import sqlite3
        def f(p, fast):
            conn = sqlite3.connect(p)
            if fast:
                conn.close()
                return 1
            conn.close()
            return 2
    """,
    "closed in a loop's else and break paths": """
        import sqlite3
        def f(p, items):
            conn = sqlite3.connect(p)
            try:
                for item in items:
                    if item is None:
                        break
                    conn.execute("q", (item,))
            finally:
                conn.close()
    """,
    "module-level resources live as long as the process": """
        import sqlite3, redis
        conn = sqlite3.connect("app.db")
        cache = redis.Redis()
    """,
    "engine with NullPool is not kept open": """
        from sqlalchemy import create_engine
        from sqlalchemy.pool import NullPool
        def run(url):
            engine = create_engine(url, poolclass=NullPool)
            with engine.connect() as conn:
                conn.exec_driver_sql("select 1")
    """,
    "weakref.finalize": """
        import sqlite3, weakref
        class Holder:
            def __init__(self, p):
                conn = sqlite3.connect(p)
                weakref.finalize(self, conn.close)
                self.cursor = conn.cursor()
    """,
    "closure captures it": """
        import sqlite3
        def f(p):
            conn = sqlite3.connect(p)
            def cleanup():
                conn.close()
            return cleanup
    """,
    "while True with close before return": """
        import sqlite3
        def f(p):
            conn = sqlite3.connect(p)
            try:
                while True:
                    row = conn.execute("q").fetchone()
                    if row:
                        return row
            finally:
                conn.close()
    """,
    "except handler closes and re-raises": """
        import sqlite3
        def f(p):
            conn = sqlite3.connect(p)
            try:
                conn.execute("q")
            except BaseException:
                conn.close()
                raise
            conn.close()
    """,
    "match statement closes in every case": """
        import sqlite3
        def f(p, mode):
            conn = sqlite3.connect(p)
            try:
                match mode:
                    case "a":
                        conn.execute("a")
                    case _:
                        conn.execute("b")
            finally:
                conn.close()
    """,
    "lambda hands it to a callback": """
        import sqlite3
        def f(p, register):
            conn = sqlite3.connect(p)
            register(lambda: conn.close())
    """,
    "retry loop until connected": """
        import time, psycopg2
        def connect(dsn):
            conn = None
            while conn is None:
                try:
                    conn = psycopg2.connect(dsn)
                except psycopg2.OperationalError:
                    time.sleep(1)
            return conn
    """,
    "pytest fixture closes after yield": """
        import pytest, sqlite3
        @pytest.fixture
        def db(tmp_path):
            conn = sqlite3.connect(tmp_path / "t.db")
            yield conn
            conn.close()
    """,
    "flask tutorial get_db caches on g": """
        import sqlite3
        from flask import current_app, g
        def get_db():
            if "db" not in g:
                g.db = sqlite3.connect(current_app.config["DATABASE"])
            return g.db
    """,
    "lazy engine created to probe a dialect, never used": """
        from sqlalchemy import create_engine
        def has_sqlite():
            try:
                create_engine("sqlite://")
                return True
            except ImportError:
                return False
    """,
    "container handed to an unknown callee": """
        from redis import ConnectionPool
        def f(use):
            options = {"connection_pool": ConnectionPool()}
            use(options.items())
    """,
    "closed through the loop variable over its container": """
        import sqlite3
        def f(path):
            conns = {"main": sqlite3.connect(path)}
            for c in conns.values():
                c.close()
    """,
    "nested function that closes it, called later": """
        import sqlite3
        def f(p):
            conn = sqlite3.connect(p)
            def cleanup():
                conn.close()
            conn.execute("q")
            return cleanup
    """,
    "cursor returned carries the connection": """
        import sqlite3
        def cursor_for(p):
            conn = sqlite3.connect(p)
            return conn.cursor()
    """,
    # nothing is known of sqlcipher3 (not in the catalog): nothing holds for every alternative
    "alternative imports, one library not in the catalog": """
        try:
            import sqlcipher3 as sqlite3
        except ImportError:
            import sqlite3
        def version():
            return sqlite3.connect(":memory:").execute("select sqlite_version()").fetchone()[0]
    """,
    "alternative imports, the unknown one second": """
        try:
            import sqlite3
        except ImportError:
            from sqlcipher3 import dbapi2 as sqlite3
        def version():
            return sqlite3.connect(":memory:").execute("select sqlite_version()").fetchone()[0]
    """,
}


@pytest.mark.parametrize("source", CLEAN.values(), ids=list(CLEAN))
def test_managed_or_handed_over_is_clean(source):
    assert findings_for(source) == []


FLAGGED = {
    "an engine connected and dropped in one expression": (
        """
        import sqlalchemy
        def check(url):
            sqlalchemy.create_engine(url, pool_size=1, max_overflow=0).connect().close()
        """,
        [(4, 5, "CNL101")],
    ),
    "a client from a factory of the same module, never closed": (
        """
        import redis
        def get_client(host):
            client = redis.Redis(host=host, max_connections=5)
            client.ping()
            return client
        def save(host, key, value):
            client = get_client(host)
            client.set(key, value)
        """,
        [(8, 14, "CNL101")],
    ),
    "a checkout from the engine a getter shares": (
        """
        import functools
        from sqlalchemy import create_engine, text
        engine = create_engine("postgresql://db/app", pool_size=5, max_overflow=0)
        def get_engine():
            return engine
        @functools.lru_cache
        def cached_engine():
            return create_engine("postgresql://db/app", pool_size=5, max_overflow=0)
        def make_engine():
            return create_engine("postgresql://db/app", pool_size=5, max_overflow=0)
        def reset():
            conn = get_engine().connect()
            conn.execute(text("drop table t"))
            other = cached_engine().connect()
            other.execute(text("drop table u"))
            with make_engine().connect() as third:
                third.execute(text("drop table v"))
        """,
        # the engine make_engine() makes on every call is the caller's: never disposed
        [(13, 12, "CNL104"), (15, 13, "CNL104"), (17, 10, "CNL101")],
    ),
    "closed on the main path, left open by a handler that goes on": (
        """
        import logging
        import psycopg
        def cancel(dsn, pid):
            conn = psycopg.connect(dsn)
            try:
                conn.execute("select pg_cancel_backend(%s)", (pid,))
            except psycopg.Error:
                logging.exception("cannot cancel")
                return False
            conn.close()
            return True
        """,
        [(5, 12, "CNL102")],
    ),
    "a retry loop that reconnects after an error without closing": (
        """
        import sqlalchemy
        def find_database(urls):
            for url in urls:
                engine = sqlalchemy.create_engine(url, pool_size=1, max_overflow=0)
                try:
                    with engine.connect() as conn:
                        conn.exec_driver_sql("select 1")
                except sqlalchemy.exc.OperationalError:
                    continue
                engine.dispose()
                return url
        """,
        [(5, 18, "CNL102")],
    ),
    "a factory in the same module, its result never closed": (
        """
        import psycopg2
        def get_conn(dsn):
            if not dsn:
                return None
            return psycopg2.connect(dsn)
        def use(dsn):
            conn = get_conn(dsn)
            conn.cursor().execute("select 1")
        """,
        [(8, 12, "CNL101")],
    ),
    "a method of the same class, or of an instance of a class of this module": (
        """
        import psycopg2
        class Store:
            def connect(self):
                conn = psycopg2.connect("dbname=app")
                return conn
            def count(self):
                conn = self.connect()
                conn.cursor().execute("select count(*) from t")
        store = Store()
        def use():
            conn = store.connect()
            conn.cursor().execute("select 1")
        """,
        [(8, 16, "CNL101"), (12, 12, "CNL101")],
    ),
    "an engine only inspected is still never disposed": (
        """
        from sqlalchemy import create_engine, inspect
        def has_servers(url):
            engine = create_engine(url, pool_size=5, max_overflow=0)
            return inspect(engine).has_table("server")
        """,
        [(4, 14, "CNL101")],
    ),
    "with on a method of a held connection that returns it: the method can raise first": (
        """
        import sqlalchemy
        engine = sqlalchemy.create_engine("postgresql://db/app")
        def reap():
            conn = engine.connect()
            with conn.execution_options(isolation_level="AUTOCOMMIT") as autocommit:
                autocommit.exec_driver_sql("select 1")
        """,
        [(5, 12, "CNL104")],
    ),
    "never closed": (
        """
        import sqlite3
        def f(p):
            conn = sqlite3.connect(p)
            return conn.execute("q").fetchall()
        """,
        [(4, 12, "CNL101")],
    ),
    "early return skips the close": (
        """
        import sqlite3
        def f(p, key):
            conn = sqlite3.connect(p)
            row = conn.execute("q", (key,)).fetchone()
            if row is None:
                return None
            conn.close()
            return row
        """,
        [(4, 12, "CNL101")],
    ),
    "reassignment loses the first connection": (
        """
        import sqlite3
        def f(a, b):
            conn = sqlite3.connect(a)
            conn = sqlite3.connect(b)
            conn.close()
        """,
        [(4, 12, "CNL101")],
    ),
    "alias through import": (
        """
        from sqlite3 import connect as open_db
        def f(p):
            db = open_db(p)
            db.execute("q")
        """,
        [(4, 10, "CNL101")],
    ),
    "module alias": (
        """
        import psycopg2 as pg
        def f(dsn):
            conn = pg.connect(dsn)
            cur = conn.cursor()
            cur.execute("q")
            return cur.fetchall()
        """,
        [(4, 12, "CNL101")],
    ),
    "close only in except": (
        """
        import sqlite3
        def f(p):
            conn = sqlite3.connect(p)
            try:
                conn.execute("q")
            except Exception:
                conn.close()
                raise
        """,
        [(4, 12, "CNL101")],
    ),
    "close after the work, no finally": (
        """
        import sqlite3
        def f(p):
            conn = sqlite3.connect(p)
            rows = conn.execute("q").fetchall()
            conn.close()
            return rows
        """,
        [(4, 12, "CNL102")],
    ),
    "generator dependency without finally": (
        """
        from sqlalchemy import create_engine
        from sqlalchemy.orm import sessionmaker
        engine = create_engine("postgresql://db/app")
        SessionLocal = sessionmaker(bind=engine)
        def get_db():
            db = SessionLocal()
            yield db
            db.close()
        """,
        [(7, 10, "CNL102")],
    ),
    "streaming generator closes after the loop": (
        """
        import sqlite3
        def rows(p):
            conn = sqlite3.connect(p)
            for row in conn.execute("q"):
                yield row
            conn.close()
        """,
        [(4, 12, "CNL102")],
    ),
    "contextmanager that never closes": (
        """
        import contextlib, sqlite3
        @contextlib.contextmanager
        def connection(p):
            conn = sqlite3.connect(p)
            yield conn
        """,
        [(5, 12, "CNL101")],
    ),
    "with sqlite3.connect()": (
        """
        import sqlite3
        def f(p):
            with sqlite3.connect(p) as conn:
                conn.execute("insert")
        """,
        [(4, 10, "CNL103")],
    ),
    "with on a psycopg2 connection name": (
        """
        import psycopg2
        def f(dsn):
            conn = psycopg2.connect(dsn)
            with conn:
                with conn.cursor() as cur:
                    cur.execute("q")
        """,
        [(4, 12, "CNL103")],
    ),
    "discarded after one query": (
        """
        import sqlite3
        def f(p):
            sqlite3.connect(p).execute("vacuum")
        """,
        [(4, 5, "CNL101")],
    ),
    "connection opened and dropped unused": (
        """
        import sqlite3
        def touch(p):
            sqlite3.connect(p)
        """,
        [(4, 5, "CNL101")],
    ),
    "engine created in a helper and never disposed": (
        """
        from sqlalchemy import create_engine
        def count(url):
            engine = create_engine(url)
            with engine.connect() as conn:
                return conn.exec_driver_sql("select count(*) from t").scalar()
        """,
        [(4, 14, "CNL101")],
    ),
    "checkout never returned": (
        """
        from sqlalchemy import create_engine
        engine = create_engine("postgresql://db/app")
        def f():
            conn = engine.connect()
            conn.exec_driver_sql("select 1")
        """,
        [(5, 12, "CNL104")],
    ),
    "checkout from an annotated parameter": (
        """
        from sqlalchemy.engine import Engine
        def f(engine: Engine):
            conn = engine.connect()
            conn.exec_driver_sql("select 1")
        """,
        [(4, 12, "CNL104")],
    ),
    "checkout from an attribute set in __init__": (
        """
        from psycopg2.pool import SimpleConnectionPool
        class Repo:
            def __init__(self, dsn):
                self.pool = SimpleConnectionPool(1, 5, dsn)
            def get(self, key):
                conn = self.pool.getconn()
                cur = conn.cursor()
                cur.execute("q", (key,))
                row = cur.fetchone()
                self.pool.putconn(conn)
                return row
        """,
        [(7, 16, "CNL104")],
    ),
    "session from a module-level sessionmaker": (
        """
        from sqlalchemy import create_engine
        from sqlalchemy.orm import sessionmaker
        SessionLocal = sessionmaker(bind=create_engine("postgresql://db/app"))
        def f():
            session = SessionLocal()
            return session.query(int).all()
        """,
        [(6, 15, "CNL101")],
    ),
    "borrowed by a same-module helper": (
        """
        import sqlite3
        def run(conn, sql):
            return conn.execute(sql).fetchall()
        def f(p):
            conn = sqlite3.connect(p)
            return run(conn, "q")
        """,
        [(6, 12, "CNL101")],
    ),
    "borrowed by pandas.read_sql": (
        """
        import pandas as pd
        from sqlalchemy import create_engine
        def frame(url):
            return pd.read_sql("select 1", create_engine(url))
        """,
        [(5, 36, "CNL101")],
    ),
    "opened in a loop": (
        """
        import sqlite3
        def f(paths):
            for p in paths:
                conn = sqlite3.connect(p)
                conn.execute("q")
        """,
        [(5, 16, "CNL101")],
    ),
    "nested helper only called locally": (
        """
        import psycopg
        def drop_all(dsn):
            admin = psycopg.connect(dsn, autocommit=True)
            def tables():
                return admin.execute("select tablename from pg_tables").fetchall()
            for tbl in tables():
                admin.execute("drop table %s" % tbl)
        """,
        [(4, 13, "CNL101")],
    ),
    "alternative imports: pysqlite3 is the sqlite3 driver": (
        """
        try:
            import pysqlite3 as sqlite3
        except ImportError:
            import sqlite3
        def version():
            return sqlite3.connect(":memory:").execute("select sqlite_version()").fetchone()[0]
        """,
        [(7, 12, "CNL101")],
    ),
    "alternative imports of two catalog libraries: what holds for both is reported": (
        """
        try:
            import psycopg as driver
        except ImportError:
            import psycopg2 as driver
        def touch(dsn):
            conn = driver.connect(dsn)
            conn.cursor().execute("select 1")
        """,
        [(7, 12, "CNL101")],
    ),
    "bound method lent to a timer, closed without finally": (
        """
        import sqlite3, threading
        def f(path, work):
            conn = sqlite3.connect(path)
            t = threading.Timer(0.1, conn.execute, ("commit",))
            t.start()
            work()
            conn.close()
        """,
        [(4, 12, "CNL102")],
    ),
    "specific handler lets other errors through": (
        """
        import sqlite3
        def f(p):
            conn = sqlite3.connect(p)
            try:
                conn.execute("q")
            except sqlite3.OperationalError:
                pass
            conn.close()
        """,
        [(4, 12, "CNL102")],
    ),
    "with of something else does not close it": (
        """
        import sqlite3, threading
        lock = threading.Lock()
        def f(p):
            conn = sqlite3.connect(p)
            with lock:
                conn.execute("q")
        """,
        [(5, 12, "CNL101")],
    ),
}


@pytest.mark.parametrize("source, expected", FLAGGED.values(), ids=list(FLAGGED))
def test_unmanaged_is_reported_once(source, expected):
    assert positions(source) == expected


def test_one_finding_per_resource():
    source = """
        import sqlite3
        def f(p):
            with sqlite3.connect(p) as conn:
                conn.execute("q")
            conn.execute("r")
    """
    assert positions(source) == [(4, 10, "CNL103")]


def test_nested_function_is_analysed_on_its_own():
    source = """
        import sqlite3
        def outer(p):
            def inner():
                conn = sqlite3.connect(p)
                conn.execute("q")
            return inner
    """
    assert positions(source) == [(5, 16, "CNL101")]


def test_message_names_the_return_line():
    source = """
        import sqlite3
        def f(p, fast):
            conn = sqlite3.connect(p)
            if fast:
                return None
            conn.close()
    """
    [finding] = findings_for(source)
    assert finding.message == (
        "sqlite3 connection from sqlite3.connect() is not closed on every path (still open at line 6); "
        "use 'with contextlib.closing(sqlite3.connect(...)) as conn:'"
    )


def test_message_names_the_line_that_raises_first_through_a_handler_that_raises_again():
    source = """
        import sqlite3
        def f(p, row):
            try:
                conn = sqlite3.connect(p)
                cur = conn.cursor()
                cur.execute("insert into t values (?)", row)
                conn.close()
            except Exception as exc:
                raise RuntimeError("cannot insert") from exc
    """
    [finding] = findings_for(source)
    assert finding.message == (
        "sqlite3 connection from sqlite3.connect() is closed only when no exception is raised (line 6 can raise "
        "first); close it in a 'finally' block or use 'with contextlib.closing(sqlite3.connect(...)) as conn:'"
    )


def test_a_pool_from_a_factory_of_the_module_called_per_request_is_reported_once_inside_it():
    source = """
        import redis
        from celery import shared_task
        def cache():
            return redis.Redis(host="cache", max_connections=5)
        @shared_task
        def refresh(key):
            client = cache()
            client.delete(key)
    """
    assert positions(source, codes="CNL") == [(5, 12, "CNL201")]


def test_a_pool_that_with_closes_is_offered_with_as_the_local_remedy():
    source = """
        import urllib3
        def fetch(host, path):
            pool = urllib3.HTTPConnectionPool(host, maxsize=1)
            return pool.request("GET", path).data
    """
    [finding] = findings_for(source)
    assert finding.message == (
        "urllib3 connection pool from urllib3.HTTPConnectionPool() is never closed; create it once at module level "
        "and share it, or use 'with urllib3.HTTPConnectionPool(...) as pool:'"
    )
