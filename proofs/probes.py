"""What ``with`` and ``async with`` do on each catalog type, observed on real servers.

A probe builds one object of a catalog type, runs ``with obj:`` (and, apart,
``async with obj:``) around a small use of it, and reports the effect in the
catalog's words:

- ``closes``: the resource is released afterwards (connection closed on the
  server, pool closed, checkout given back);
- ``transaction``: still open (or still checked out), but what the block wrote
  is committed;
- ``error``: the statement is refused (``TypeError``/``AttributeError``: the
  object does not support that protocol);
- ``nothing``: neither closed nor committed.

``PROBES`` maps each catalog type name to its probe.  A probe returns two
``Seen`` (sync, async), each with the effect and what was observed.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from proofs.servers import wait_until

_tokens = itertools.count(1)


@dataclass
class Seen:
    effect: str
    detail: str


class _Body(Exception):
    """An exception raised inside the block, not by the ``with`` statement itself."""


def _refusal(exc: BaseException) -> bool:
    return isinstance(exc, (TypeError, AttributeError))


def run_with(obj, body=lambda entered: None) -> str | None:
    """``with obj as entered: body(entered)``.  Returns why the statement was
    refused, or None when it ran."""
    try:
        with obj as entered:
            try:
                body(entered)
            except Exception as exc:
                raise _Body() from exc
    except _Body as wrapped:
        raise wrapped.__cause__ from None
    except Exception as exc:
        if _refusal(exc):
            return f"{type(exc).__name__}: {exc}"
        raise
    return None


async def run_async_with(obj, body=None) -> str | None:
    """``async with obj as entered: await body(entered)``; returns why it was refused, or None."""
    try:
        async with obj as entered:
            try:
                if body is not None:
                    await body(entered)
            except Exception as exc:
                raise _Body() from exc
    except _Body as wrapped:
        raise wrapped.__cause__ from None
    except Exception as exc:
        if _refusal(exc):
            return f"{type(exc).__name__}: {exc}"
        raise
    return None


def classify(refused: str | None, still_open: bool, committed: bool | None = None) -> str:
    if refused:
        return "error"
    if not still_open:
        return "closes"
    if committed:
        return "transaction"
    return "nothing"


def seen(refused: str | None, still_open: bool, committed: bool | None = None, what: str = "") -> Seen:
    effect = classify(refused, still_open, committed)
    if refused:
        return Seen(effect, refused)
    parts = [what or ("still open" if still_open else "released")]
    if committed is not None:
        parts.append("the write is committed" if committed else "the write is not committed")
    return Seen(effect, "; ".join(parts))


def refusal(refused: str | None, statement: str) -> Seen:
    """What a statement that should be refused did: ``error``, or ``nothing`` when it ran."""
    return Seen("error", refused) if refused else Seen("nothing", f"{statement} ran")


def sync_refused(obj) -> Seen:
    """``async with`` on a sync object."""
    return refusal(asyncio.run(run_async_with(obj)), "async with")


class Servers:
    """The servers a probe may need, started on first use through the proofs' fixtures."""

    def __init__(self, request, tmp_path: Path):
        self.request, self.tmp_path = request, tmp_path

    @property
    def pg(self):
        return self.request.getfixturevalue("pg")

    @property
    def redis(self):
        return self.request.getfixturevalue("rds")

    @property
    def mariadb(self):
        return self.request.getfixturevalue("mariadb")

    @property
    def http(self):
        return self.request.getfixturevalue("http_server")


# -- PostgreSQL helpers ----------------------------------------------------------------


def pg_table(pg) -> None:
    import psycopg2

    with contextlib.closing(psycopg2.connect(pg.dsn())) as conn, conn, conn.cursor() as cur:
        cur.execute("create table if not exists probe_writes (token int)")


def pg_committed(pg, token: int) -> bool:
    import psycopg2

    with contextlib.closing(psycopg2.connect(pg.dsn())) as conn, conn.cursor() as cur:
        cur.execute("select count(*) from probe_writes where token = %s", (token,))
        return cur.fetchone()[0] == 1


def pg_backend_alive(pg, pid: int) -> bool:
    with pg.admin() as cur:
        cur.execute("select count(*) from pg_stat_activity where pid = %s", (pid,))
        return cur.fetchone()[0] == 1


def pg_gone(pg, pid: int) -> bool:
    return bool(wait_until(lambda: not pg_backend_alive(pg, pid), 5))


INSERT = "insert into probe_writes values (%s)"


# -- sqlite3 ---------------------------------------------------------------------------------


def probe_sqlite3_connection(s: Servers):
    path = s.tmp_path / "probe.sqlite3"
    with contextlib.closing(sqlite3.connect(path)) as setup, setup:
        setup.execute("create table if not exists t (token int)")
    token = next(_tokens)
    conn = sqlite3.connect(path)
    refused = run_with(conn, lambda c: c.execute("insert into t values (?)", (token,)))
    try:
        conn.execute("select 1")
        still_open = True
    except sqlite3.ProgrammingError:
        still_open = False
    with contextlib.closing(sqlite3.connect(path)) as other:
        committed = other.execute("select count(*) from t where token = ?", (token,)).fetchone()[0] == 1
    result = seen(refused, still_open, committed, "still usable after the block" if still_open else "closed")
    other_side = sync_refused(conn)
    conn.close()
    return result, other_side


# -- psycopg2 --------------------------------------------------------------------------------


def probe_psycopg2_connection(s: Servers):
    import psycopg2

    pg = s.pg
    pg_table(pg)
    token = next(_tokens)
    conn = psycopg2.connect(pg.dsn())
    pid = conn.get_backend_pid()

    def write(c):
        with c.cursor() as cur:
            cur.execute(INSERT, (token,))

    refused = run_with(conn, write)
    alive = conn.closed == 0 and pg_backend_alive(pg, pid)
    result = seen(refused, alive, pg_committed(pg, token),
                  f"conn.closed={conn.closed}, its server backend {'is still there' if alive else 'is gone'}")
    other = sync_refused(conn)
    conn.close()
    return result, other


def probe_psycopg2_pool(s: Servers):
    from psycopg2.pool import ThreadedConnectionPool

    pool = ThreadedConnectionPool(1, 2, s.pg.dsn())
    try:
        refused = run_with(pool)
        result = seen(refused, not pool.closed)
        other = sync_refused(pool)
    finally:
        pool.closeall()
    return result, other


def probe_psycopg2_checkout(s: Servers):
    from psycopg2.pool import PoolError, ThreadedConnectionPool

    pg = s.pg
    pg_table(pg)
    token = next(_tokens)
    pool = ThreadedConnectionPool(1, 1, pg.dsn())
    try:
        conn = pool.getconn()

        def write(c):
            with c.cursor() as cur:
                cur.execute(INSERT, (token,))

        refused = run_with(conn, write)
        try:
            pool.putconn(pool.getconn())
            returned = True
        except PoolError:
            returned = False
        still_out = not returned and conn.closed == 0
        result = seen(refused, still_out, pg_committed(pg, token),
                      "not given back to the pool (the next getconn() raises PoolError), still open" if still_out
                      else "given back or closed")
        other = sync_refused(conn)
    finally:
        pool.closeall()
    return result, other


# -- psycopg 3 and psycopg_pool ------------------------------------------------------------


def probe_psycopg_connection(s: Servers):
    import psycopg

    pg = s.pg
    pg_table(pg)
    token = next(_tokens)
    conn = psycopg.connect(pg.dsn())
    pid = conn.info.backend_pid
    refused = run_with(conn, lambda c: c.execute(INSERT, (token,)))
    closed = conn.closed and pg_gone(pg, pid)
    result = seen(refused, not closed, pg_committed(pg, token),
                  f"conn.closed={conn.closed}, its server backend {'is gone' if closed else 'is still there'}")
    with contextlib.closing(psycopg.connect(pg.dsn())) as other_conn:
        other = sync_refused(other_conn)
    return result, other


def probe_psycopg_async_connection(s: Servers):
    import psycopg

    pg = s.pg
    pg_table(pg)
    token = next(_tokens)

    async def run():
        conn = await psycopg.AsyncConnection.connect(pg.dsn())
        try:
            refused = run_with(conn)
            sync = refusal(refused, "with")
        finally:
            await conn.close()
        conn = await psycopg.AsyncConnection.connect(pg.dsn())
        pid = conn.info.backend_pid

        async def write(c):
            await c.execute(INSERT, (token,))

        refused = await run_async_with(conn, write)
        closed = conn.closed and pg_gone(pg, pid)
        return sync, seen(refused, not closed, pg_committed(pg, token),
                          f"conn.closed={conn.closed}, server backend {'gone' if closed else 'still there'}")

    return asyncio.run(run())


def probe_psycopg_cursor(s: Servers):
    import psycopg

    with psycopg.connect(s.pg.dsn()) as conn:
        cur = conn.cursor()
        refused = run_with(cur, lambda c: c.execute("select 1"))
        result = seen(refused, not cur.closed, what=f"cursor.closed={cur.closed}")
        other = sync_refused(conn.cursor())
    return result, other


def probe_psycopg_async_cursor(s: Servers):
    import psycopg

    async def run():
        async with await psycopg.AsyncConnection.connect(s.pg.dsn()) as conn:
            refused = run_with(conn.cursor())
            sync = refusal(refused, "with")
            cur = conn.cursor()

            async def use(c):
                await c.execute("select 1")

            refused = await run_async_with(cur, use)
            return sync, seen(refused, not cur.closed, what=f"cursor.closed={cur.closed}")

    return asyncio.run(run())


def probe_psycopg_pool(s: Servers):
    from psycopg_pool import ConnectionPool

    pool = ConnectionPool(s.pg.dsn(), min_size=1, max_size=1, open=False)
    refused = run_with(pool, lambda p: p.wait(timeout=5))
    result = seen(refused, not pool.closed, what=f"pool.closed={pool.closed}")
    pool.close()
    other = sync_refused(ConnectionPool(s.pg.dsn(), min_size=1, max_size=1, open=False))
    return result, other


def probe_psycopg_async_pool(s: Servers):
    from psycopg_pool import AsyncConnectionPool

    async def run():
        pool = AsyncConnectionPool(s.pg.dsn(), min_size=1, max_size=1, open=False)
        refused = run_with(pool)
        sync = refusal(refused, "with")
        await pool.close()
        pool = AsyncConnectionPool(s.pg.dsn(), min_size=1, max_size=1, open=False)

        async def use(p):
            await p.wait(timeout=5)

        refused = await run_async_with(pool, use)
        return sync, seen(refused, not pool.closed, what=f"pool.closed={pool.closed}")

    return asyncio.run(run())


def probe_psycopg_pool_getconn(s: Servers):
    from psycopg_pool import ConnectionPool, PoolTimeout

    pg = s.pg
    pg_table(pg)
    token = next(_tokens)
    with ConnectionPool(pg.dsn(), min_size=1, max_size=1, timeout=5) as pool:
        conn = pool.getconn()
        refused = run_with(conn, lambda c: c.execute(INSERT, (token,)))
        try:
            pool.putconn(pool.getconn(timeout=0.3))
            returned = True
        except PoolTimeout:
            returned = False
        still_out = not returned and not conn.closed
        result = seen(refused, still_out, pg_committed(pg, token),
                      "not given back (the next getconn() times out) and still open" if still_out
                      else f"given back={returned}, closed={conn.closed}")
        other = sync_refused(conn)
        pool.putconn(conn)
    return result, other


def probe_psycopg_async_pool_getconn(s: Servers):
    from psycopg_pool import AsyncConnectionPool, PoolTimeout

    pg = s.pg
    pg_table(pg)
    token = next(_tokens)

    async def run():
        async with AsyncConnectionPool(pg.dsn(), min_size=1, max_size=1, timeout=5) as pool:
            conn = await pool.getconn()
            refused = run_with(conn)
            sync = refusal(refused, "with")

            async def write(c):
                await c.execute(INSERT, (token,))

            refused = await run_async_with(conn, write)
            try:
                await pool.putconn(await pool.getconn(timeout=0.3))
                returned = True
            except PoolTimeout:
                returned = False
            still_out = not returned and not conn.closed
            result = seen(refused, still_out, pg_committed(pg, token),
                          "not given back (the next getconn() times out) and still open" if still_out
                          else f"given back={returned}, closed={conn.closed}")
            await pool.putconn(conn)
            return sync, result

    return asyncio.run(run())


def probe_psycopg_pool_connection(s: Servers):
    from psycopg_pool import ConnectionPool, PoolTimeout

    pg = s.pg
    pg_table(pg)
    token = next(_tokens)
    with ConnectionPool(pg.dsn(), min_size=1, max_size=1, timeout=5) as pool:
        refused = run_with(pool.connection(), lambda c: c.execute(INSERT, (token,)))
        try:
            pool.putconn(pool.getconn(timeout=0.3))
            returned = True
        except PoolTimeout:
            returned = False
        result = seen(refused, not returned, pg_committed(pg, token),
                      "given back to the pool" if returned else "not given back")
        other = sync_refused(pool.connection())
    return result, other


def probe_psycopg_async_pool_connection(s: Servers):
    from psycopg_pool import AsyncConnectionPool, PoolTimeout

    pg = s.pg
    pg_table(pg)
    token = next(_tokens)

    async def run():
        async with AsyncConnectionPool(pg.dsn(), min_size=1, max_size=1, timeout=5) as pool:
            refused = run_with(pool.connection())
            sync = refusal(refused, "with")

            async def write(c):
                await c.execute(INSERT, (token,))

            refused = await run_async_with(pool.connection(), write)
            try:
                await pool.putconn(await pool.getconn(timeout=0.3))
                returned = True
            except PoolTimeout:
                returned = False
            return sync, seen(refused, not returned, pg_committed(pg, token),
                              "given back to the pool" if returned else "not given back")

    return asyncio.run(run())


# -- PyMySQL ------------------------------------------------------------------------------------


def probe_pymysql_connection(s: Servers):
    db = s.mariadb
    with contextlib.closing(db.connect()) as setup, setup.cursor() as cur:
        cur.execute("create database if not exists proofs")
        cur.execute("create table if not exists proofs.probe_writes (token int) engine=InnoDB")
    before = db.connections()
    token = next(_tokens)
    conn = db.connect()

    def write(c):
        with c.cursor() as cur:
            cur.execute("insert into proofs.probe_writes values (%s)", (token,))

    refused = run_with(conn, write)
    after = db.wait_connections(before)
    with contextlib.closing(db.connect()) as other_conn, other_conn.cursor() as cur:
        cur.execute("select count(*) from proofs.probe_writes where token = %s", (token,))
        committed = cur.fetchone()[0] == 1
    result = seen(refused, conn.open or after != before, committed,
                  f"conn.open={conn.open}, the server holds {after} connection(s) as before the block")
    with contextlib.closing(db.connect()) as other_conn:
        other = sync_refused(other_conn)
    return result, other


def probe_pymysql_cursor(s: Servers):
    with contextlib.closing(s.mariadb.connect()) as conn:
        cur = conn.cursor()
        refused = run_with(cur, lambda c: c.execute("select 1"))
        still_open = cur.connection is not None
        what = "cursor open" if still_open else "cursor closed (cursor.connection is None)"
        result = seen(refused, still_open, what=what)
        other = sync_refused(conn.cursor())
    return result, other


# -- redis-py -------------------------------------------------------------------------------------


def probe_redis_client(s: Servers):
    import redis

    server = s.redis
    client = redis.Redis.from_url(server.url, socket_timeout=5)
    refused = run_with(client, lambda r: r.ping())
    left = server.wait_connections(0)
    result = seen(refused, left != 0, what=f"the server holds {left} connection(s) of it afterwards")
    other = sync_refused(redis.Redis.from_url(server.url, socket_timeout=5))
    return result, other


def probe_redis_async_client(s: Servers):
    import redis.asyncio

    server = s.redis

    async def run():
        client = redis.asyncio.Redis.from_url(server.url, socket_timeout=5)
        refused = run_with(client)
        sync = refusal(refused, "with")
        await client.aclose()
        client = redis.asyncio.Redis.from_url(server.url, socket_timeout=5)

        async def use(r):
            await r.ping()

        refused = await run_async_with(client, use)
        left = server.wait_connections(0)
        return sync, seen(refused, left != 0, what=f"the server holds {left} connection(s) of it afterwards")

    return asyncio.run(run())


def probe_redis_pool(s: Servers):
    import redis

    server = s.redis
    pool = redis.ConnectionPool.from_url(server.url, socket_timeout=5)
    redis.Redis(connection_pool=pool).ping()
    opened = server.connections()
    refused = run_with(pool)
    left = server.wait_connections(0)
    result = seen(refused, left != 0, what=f"{opened} pooled connection(s) before, {left} after")
    other = sync_refused(redis.ConnectionPool.from_url(server.url))
    pool.disconnect()
    return result, other


def probe_redis_async_pool(s: Servers):
    import redis.asyncio

    server = s.redis

    async def run():
        pool = redis.asyncio.ConnectionPool.from_url(server.url, socket_timeout=5)
        refused = run_with(pool)
        sync = refusal(refused, "with")

        async def use(p):
            await redis.asyncio.Redis(connection_pool=p).ping()

        refused = await run_async_with(pool, use)
        left = server.wait_connections(0)
        await pool.disconnect()
        return sync, seen(refused, left != 0, what=f"{left} pooled connection(s) left afterwards")

    return asyncio.run(run())


def probe_redis_checkout(s: Servers):
    import redis

    pool = redis.ConnectionPool.from_url(s.redis.url, socket_timeout=5)
    conn = pool.get_connection()
    try:
        refused = run_with(conn)
        result = seen(refused, True)
        other = sync_refused(conn)
    finally:
        pool.release(conn)
        pool.disconnect()
    return result, other


def probe_redis_async_checkout(s: Servers):
    import redis.asyncio

    async def run():
        pool = redis.asyncio.ConnectionPool.from_url(s.redis.url, socket_timeout=5)
        conn = await pool.get_connection()
        try:
            refused = run_with(conn)
            sync = refusal(refused, "with")
            refused = await run_async_with(conn)
            return sync, refusal(refused, "async with")
        finally:
            await pool.release(conn)
            await pool.disconnect()

    return asyncio.run(run())


# -- SQLAlchemy ------------------------------------------------------------------------------------


def probe_sqlalchemy_engine(s: Servers):
    import sqlalchemy

    engine = sqlalchemy.create_engine(s.pg.url("psycopg2"), pool_size=1, max_overflow=0, pool_timeout=5)
    try:
        refused = run_with(engine)
        sync = refusal(refused, "with")
        return sync, sync_refused(engine)
    finally:
        engine.dispose()


def probe_sqlalchemy_connection(s: Servers):
    import sqlalchemy

    engine = sqlalchemy.create_engine(s.pg.url("psycopg2"), pool_size=1, max_overflow=0, pool_timeout=5)
    try:
        conn = engine.connect()
        refused = run_with(conn, lambda c: c.exec_driver_sql("select 1"))
        out = engine.pool.checkedout()
        result = seen(refused, out != 0,
                      what=f"connection.closed={conn.closed}, {out} checked out of the pool afterwards")
        other = sync_refused(engine.connect())
    finally:
        engine.dispose()
    return result, other


def probe_sqlalchemy_raw_connection(s: Servers):
    import sqlalchemy

    engine = sqlalchemy.create_engine(s.pg.url("psycopg2"), pool_size=1, max_overflow=0, pool_timeout=5)
    try:
        conn = engine.raw_connection()
        refused = run_with(conn, lambda c: c.cursor().execute("select 1"))
        out = engine.pool.checkedout()
        result = seen(refused, out != 0, what=f"{out} checked out of the pool afterwards")
        raw = engine.raw_connection()
        other = sync_refused(raw)
        raw.close()
    finally:
        engine.dispose()
    return result, other


def probe_sqlalchemy_session(s: Servers):
    import sqlalchemy
    from sqlalchemy.orm import Session

    engine = sqlalchemy.create_engine(s.pg.url("psycopg2"), pool_size=1, max_overflow=0, pool_timeout=5)
    try:
        session = Session(engine)
        refused = run_with(session, lambda ss: ss.execute(sqlalchemy.text("select 1")))
        out = engine.pool.checkedout()
        result = seen(refused, out != 0, what=f"{out} checked out of the pool afterwards")
        other = sync_refused(Session(engine))
    finally:
        engine.dispose()
    return result, other


def probe_sqlalchemy_async_connection(s: Servers):
    import sqlalchemy
    from sqlalchemy.ext.asyncio import create_async_engine

    async def run():
        engine = create_async_engine(s.pg.url("psycopg"), pool_size=1, max_overflow=0, pool_timeout=5)
        try:
            refused = run_with(engine.connect())
            sync = refusal(refused, "with")

            async def use(c):
                await c.execute(sqlalchemy.text("select 1"))

            refused = await run_async_with(engine.connect(), use)
            out = engine.pool.checkedout()
            return sync, seen(refused, out != 0, what=f"{out} checked out of the pool afterwards")
        finally:
            await engine.dispose()

    return asyncio.run(run())


def probe_sqlalchemy_async_session(s: Servers):
    import sqlalchemy
    from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine

    async def run():
        engine = create_async_engine(s.pg.url("psycopg"), pool_size=1, max_overflow=0, pool_timeout=5)
        try:
            refused = run_with(AsyncSession(engine))
            sync = refusal(refused, "with")

            async def use(ss):
                await ss.execute(sqlalchemy.text("select 1"))

            refused = await run_async_with(AsyncSession(engine), use)
            out = engine.pool.checkedout()
            return sync, seen(refused, out != 0, what=f"{out} checked out of the pool afterwards")
        finally:
            await engine.dispose()

    return asyncio.run(run())


# -- HTTP clients ---------------------------------------------------------------------------------


def probe_requests_session(s: Servers):
    import requests

    http = s.http
    session = requests.Session()
    refused = run_with(session, lambda ss: ss.get(http.url, timeout=5).content)
    left = http.wait_open(0)
    result = seen(refused, left != 0, what=f"{left} connection(s) still open on the server afterwards")
    return result, sync_refused(requests.Session())


def probe_httpx_client(s: Servers):
    import httpx

    http = s.http
    client = httpx.Client(timeout=5)
    refused = run_with(client, lambda c: c.get(http.url).content)
    left = http.wait_open(0)
    return seen(refused, left != 0, what=f"{left} connection(s) still open on the server afterwards"), sync_refused(
        httpx.Client(timeout=5)
    )


def probe_httpx_async_client(s: Servers):
    import httpx

    http = s.http

    async def run():
        refused = run_with(httpx.AsyncClient(timeout=5))
        sync = refusal(refused, "with")

        async def use(c):
            await c.get(http.url)

        refused = await run_async_with(httpx.AsyncClient(timeout=5), use)
        left = http.wait_open(0)
        return sync, seen(refused, left != 0, what=f"{left} connection(s) still open on the server afterwards")

    return asyncio.run(run())


def probe_aiohttp_session(s: Servers):
    import aiohttp

    http = s.http

    async def run():
        session = aiohttp.ClientSession()
        refused = run_with(session)
        sync = refusal(refused, "with")
        await session.close()

        async def use(ss):
            async with ss.get(http.url) as response:
                await response.read()

        session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=5))
        refused = await run_async_with(session, use)
        left = http.wait_open(0)
        return sync, seen(refused, left != 0, what=f"session.closed={session.closed}, {left} connection(s) left open")

    return asyncio.run(run())


def probe_urllib3_pool_manager(s: Servers):
    import urllib3

    http = s.http
    manager = urllib3.PoolManager(timeout=5)
    refused = run_with(manager, lambda m: m.request("GET", http.url).data)
    left = http.wait_open(0)
    return seen(refused, left != 0, what=f"{left} connection(s) still open on the server afterwards"), sync_refused(
        urllib3.PoolManager()
    )


def probe_urllib3_connection_pool(s: Servers):
    import urllib3

    http = s.http
    pool = urllib3.HTTPConnectionPool(http.host, http.port, timeout=5)
    refused = run_with(pool, lambda p: p.request("GET", "/").data)
    left = http.wait_open(0)
    return seen(refused, left != 0, what=f"{left} connection(s) still open on the server afterwards"), sync_refused(
        urllib3.HTTPConnectionPool(http.host, http.port)
    )


# -- asyncpg --------------------------------------------------------------------------------------


def probe_asyncpg_connection(s: Servers):
    import asyncpg

    pg = s.pg

    async def run():
        conn = await asyncpg.connect(pg.url(""), timeout=5)
        try:
            refused = run_with(conn)
            sync = refusal(refused, "with")
            refused = await run_async_with(conn)
            return sync, refusal(refused, "async with")
        finally:
            await conn.close()

    return asyncio.run(run())


def probe_asyncpg_pool(s: Servers):
    import asyncpg

    pg = s.pg

    async def run():
        pool = asyncpg.create_pool(pg.url(""), min_size=1, max_size=1, timeout=5)
        refused = run_with(pool)
        sync = refusal(refused, "with")
        pool = asyncpg.create_pool(pg.url(""), min_size=1, max_size=1, timeout=5)

        async def use(p):
            await p.fetchval("select 1")

        refused = await run_async_with(pool, use)
        left = pg.wait_connections(0)
        return sync, seen(refused, left != 0, what=f"pool closed: {pool._closed}, {left} server connection(s) left")

    return asyncio.run(run())


def probe_asyncpg_checkout(s: Servers):
    import asyncpg

    pg = s.pg

    async def run():
        async with asyncpg.create_pool(pg.url(""), min_size=1, max_size=1, timeout=5) as pool:
            refused = run_with(pool.acquire())
            sync = refusal(refused, "with")

            async def use(c):
                await c.fetchval("select 1")

            refused = await run_async_with(pool.acquire(), use)
            try:
                conn = await pool.acquire(timeout=0.3)
                await pool.release(conn)
                returned = True
            except asyncio.TimeoutError:
                returned = False
            return sync, seen(refused, not returned, what="given back to the pool" if returned else "not given back")

    return asyncio.run(run())


#: catalog type -> probe
PROBES = {
    "sqlite3.Connection": probe_sqlite3_connection,
    "psycopg2.extensions.connection": probe_psycopg2_connection,
    "psycopg2.pool.AbstractConnectionPool": probe_psycopg2_pool,
    "psycopg2.pool.checkout": probe_psycopg2_checkout,
    "psycopg.Connection": probe_psycopg_connection,
    "psycopg.AsyncConnection": probe_psycopg_async_connection,
    "psycopg.Cursor": probe_psycopg_cursor,
    "psycopg.AsyncCursor": probe_psycopg_async_cursor,
    "psycopg_pool.ConnectionPool": probe_psycopg_pool,
    "psycopg_pool.AsyncConnectionPool": probe_psycopg_async_pool,
    "psycopg_pool.checkout": probe_psycopg_pool_getconn,
    "psycopg_pool.async_checkout": probe_psycopg_async_pool_getconn,
    "psycopg_pool.connection": probe_psycopg_pool_connection,
    "psycopg_pool.async_connection": probe_psycopg_async_pool_connection,
    "pymysql.connections.Connection": probe_pymysql_connection,
    "pymysql.cursors.Cursor": probe_pymysql_cursor,
    "redis.Redis": probe_redis_client,
    "redis.asyncio.Redis": probe_redis_async_client,
    "redis.ConnectionPool": probe_redis_pool,
    "redis.asyncio.ConnectionPool": probe_redis_async_pool,
    "redis.pool.checkout": probe_redis_checkout,
    "redis.asyncio.pool.checkout": probe_redis_async_checkout,
    "sqlalchemy.Engine": probe_sqlalchemy_engine,
    "sqlalchemy.Connection": probe_sqlalchemy_connection,
    "sqlalchemy.pool.PoolProxiedConnection": probe_sqlalchemy_raw_connection,
    "sqlalchemy.orm.Session": probe_sqlalchemy_session,
    "sqlalchemy.ext.asyncio.AsyncConnection": probe_sqlalchemy_async_connection,
    "sqlalchemy.ext.asyncio.AsyncSession": probe_sqlalchemy_async_session,
    "requests.Session": probe_requests_session,
    "httpx.Client": probe_httpx_client,
    "httpx.AsyncClient": probe_httpx_async_client,
    "urllib3.PoolManager": probe_urllib3_pool_manager,
    "urllib3.HTTPConnectionPool": probe_urllib3_connection_pool,
    "aiohttp.ClientSession": probe_aiohttp_session,
    "asyncpg.Connection": probe_asyncpg_connection,
    "asyncpg.Pool": probe_asyncpg_pool,
    "asyncpg.pool.checkout": probe_asyncpg_checkout,
}
