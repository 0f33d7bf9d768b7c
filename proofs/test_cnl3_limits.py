"""CNL3xx premises: pool limits as the installed libraries apply them on real servers."""

from __future__ import annotations

import asyncio
import re
import threading
import time

import pytest

from proofs import catalog_data
from proofs.support import driver, observe


class Waiter:
    """``call()`` in a thread of its own: is it still waiting after a while, and does it finish once unblocked?"""

    def __init__(self, call):
        self.result = self.error = None
        self.done = threading.Event()

        def run():
            try:
                self.result = call()
            except BaseException as exc:  # reported to the test
                self.error = exc
            finally:
                self.done.set()

        self.thread = threading.Thread(target=run, daemon=True)
        self.thread.start()

    def still_waiting_after(self, seconds: float) -> bool:
        return not self.done.wait(seconds)

    def finishes_within(self, seconds: float) -> bool:
        return self.done.wait(seconds) and self.error is None


def _default(call, keyword):
    return catalog_data.limits_for(call)["defaults"][keyword]


def test_cnl301_the_installed_defaults_are_what_the_catalog_says(pg, rds):
    sqlalchemy = driver("sqlalchemy")
    psycopg_pool = driver("psycopg_pool")
    redis = driver("redis")
    lines = []

    # SQLAlchemy: create_engine(url) holds at most pool_size + max_overflow connections, then waits
    size = _default("sqlalchemy.create_engine", "pool_size")
    overflow = _default("sqlalchemy.create_engine", "max_overflow")
    bound = size + overflow
    engine = sqlalchemy.create_engine(pg.url("psycopg2"))
    held = [engine.connect() for _ in range(bound)]
    on_server = pg.connections()
    one_more = Waiter(engine.connect)
    waited = one_more.still_waiting_after(0.5)
    held.pop().close()
    served = one_more.finishes_within(5)
    if one_more.result is not None:
        held.append(one_more.result)
    for conn in held:
        conn.close()
    engine.dispose()
    assert (on_server, waited, served) == (bound, True, True)
    lines.append(f"create_engine(url): {on_server} connections on the server, connection #{bound + 1} waits "
                 f"(catalog: pool_size={size} + max_overflow={overflow})")

    # psycopg_pool: ConnectionPool(conninfo) holds at most min_size (max_size=None means min_size)
    bound = _default("psycopg_pool.ConnectionPool", "min_size")
    with psycopg_pool.ConnectionPool(pg.dsn(), timeout=30) as pool:
        held = [pool.getconn() for _ in range(bound)]
        on_server = pg.connections()
        with pytest.raises(psycopg_pool.PoolTimeout):
            pool.getconn(timeout=0.5)
        for conn in held:
            pool.putconn(conn)
    assert on_server == bound
    lines.append(f"psycopg_pool.ConnectionPool(conninfo): {on_server} connections, the next getconn() waits "
                 f"(catalog: min_size={bound}, max_size=None means min_size)")

    # redis-py: a default client's pool grows to max_connections, and keeps what it opened
    bound = _default("redis.Redis", "max_connections")
    client = redis.Redis.from_url(rds.url, socket_timeout=5)
    threads = 50
    barrier = threading.Barrier(threads, timeout=10)

    def blocking_call():
        barrier.wait()
        client.blpop(["proofs:nothing"], timeout=1)

    workers = [threading.Thread(target=blocking_call, daemon=True) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(15)
    idle_after_threads = rds.connections()
    pool = client.connection_pool
    taken = [pool.get_connection() for _ in range(bound)]
    with pytest.raises(redis.ConnectionError, match="Too many connections"):
        pool.get_connection()
    on_server = rds.connections()
    for conn in taken:
        pool.release(conn)
    client.close()
    assert idle_after_threads == threads and on_server == bound == pool.max_connections
    lines.append(f"redis.Redis(): {threads} threads leave {idle_after_threads} idle connections on the server; "
                 f"the pool opens {on_server}, then raises 'Too many connections' (catalog: max_connections={bound})")

    # redis-py: BlockingConnectionPool() holds at most 50 and waits for a free one
    bound = _default("redis.BlockingConnectionPool", "max_connections")
    pool = redis.BlockingConnectionPool.from_url(rds.url, socket_timeout=5)
    taken = [pool.get_connection() for _ in range(bound)]
    on_server = rds.connections()
    one_more = Waiter(pool.get_connection)
    waited = one_more.still_waiting_after(0.5)
    pool.release(taken.pop())
    served = one_more.finishes_within(5)
    if one_more.result is not None:
        taken.append(one_more.result)
    for conn in taken:
        pool.release(conn)
    pool.disconnect()
    assert (on_server, waited, served) == (bound, True, True)
    lines.append(f"redis.BlockingConnectionPool(): {on_server} connections, the next get_connection() waits "
                 f"(catalog: max_connections={bound}, timeout={_default('redis.BlockingConnectionPool', 'timeout')})")
    observe("CNL301", "; ".join(lines))


def test_cnl302_an_unbounded_pool_grows_until_the_server_refuses(pg):
    sqlalchemy = driver("sqlalchemy")
    psycopg_pool = driver("psycopg_pool")
    psycopg = driver("psycopg")
    free = pg.free_slots()
    opened = {}
    for label, options in [("pool_size=0", {"pool_size": 0}), ("max_overflow=-1", {"max_overflow": -1})]:
        engine = sqlalchemy.create_engine(pg.url("psycopg2"), pool_timeout=5, **options)
        held = []
        with pytest.raises(sqlalchemy.exc.OperationalError, match=re.escape(pg.refused_message)):
            for _ in range(free + 10):
                held.append(engine.connect())  # the pool never says no: the server does
        opened[label] = len(held)
        for conn in held:
            conn.close()
        engine.dispose()
        pg.wait_connections(0)

    with psycopg_pool.NullConnectionPool(pg.dsn(), timeout=5) as pool:
        held = []
        with pytest.raises(psycopg.OperationalError, match=re.escape(pg.refused_message)):
            for _ in range(free + 10):
                held.append(pool.getconn())
        opened["NullConnectionPool() without max_size"] = len(held)
        for conn in held:
            pool.putconn(conn)
    assert set(opened.values()) == {free}
    observe(
        "CNL302",
        "; ".join(f"{label}: the pool hands out {count} connections, the server refuses the next ({pg.refused_message})"
                  for label, count in opened.items()),
    )


def test_cnl303_a_checkout_without_timeout_waits_with_one_it_fails_fast(pg, rds):
    sqlalchemy = driver("sqlalchemy")
    redis = driver("redis")
    psycopg_pool = driver("psycopg_pool")
    asyncpg = driver("asyncpg")
    lines = []

    # SQLAlchemy pool_timeout=None
    engine = sqlalchemy.create_engine(pg.url("psycopg2"), pool_size=1, max_overflow=0, pool_timeout=None)
    held = engine.connect()
    waiter = Waiter(engine.connect)
    blocked = waiter.still_waiting_after(1.0)
    held.close()
    served = waiter.finishes_within(5)
    if waiter.result is not None:
        waiter.result.close()
    engine.dispose()
    engine = sqlalchemy.create_engine(pg.url("psycopg2"), pool_size=1, max_overflow=0, pool_timeout=0.3)
    held = engine.connect()
    started = time.monotonic()
    with pytest.raises(sqlalchemy.exc.TimeoutError):
        engine.connect()
    failed_after = time.monotonic() - started
    held.close()
    engine.dispose()
    assert blocked and served and failed_after < 2
    lines.append(f"SQLAlchemy pool_timeout=None: a checkout from a full pool still waits after 1.0 s (served once "
                 f"one is returned); pool_timeout=0.3: TimeoutError after {failed_after:.2f} s")

    # redis BlockingConnectionPool(timeout=None)
    pool = redis.BlockingConnectionPool.from_url(rds.url, max_connections=1, timeout=None, socket_timeout=5)
    held = pool.get_connection()
    waiter = Waiter(pool.get_connection)
    blocked = waiter.still_waiting_after(1.0)
    pool.release(held)
    served = waiter.finishes_within(5)
    if waiter.result is not None:
        pool.release(waiter.result)
    pool.disconnect()
    pool = redis.BlockingConnectionPool.from_url(rds.url, max_connections=1, timeout=0.3, socket_timeout=5)
    held = pool.get_connection()
    started = time.monotonic()
    with pytest.raises(redis.ConnectionError, match="No connection available"):
        pool.get_connection()
    failed_after = time.monotonic() - started
    pool.release(held)
    pool.disconnect()
    assert blocked and served and failed_after < 2
    lines.append(f"redis BlockingConnectionPool(timeout=None): still waiting after 1.0 s; timeout=0.3: "
                 f"'No connection available' after {failed_after:.2f} s")

    # psycopg_pool: timeout=None is no "wait forever": getconn() raises TypeError
    with psycopg_pool.ConnectionPool(pg.dsn(), min_size=1, timeout=None) as pool:
        with pytest.raises(TypeError) as raised:
            pool.getconn()
    lines.append(f"psycopg_pool ConnectionPool(timeout=None): getconn() raises TypeError ({raised.value})")

    # asyncpg: acquire() waits forever by default (the opt-in part of CNL303)
    async def asyncpg_waits():
        async with asyncpg.create_pool(pg.url(""), min_size=1, max_size=1, timeout=5) as pool:
            held = await pool.acquire()
            try:
                try:
                    await asyncio.wait_for(pool.acquire(), 1.0)
                    still_waiting = False
                except asyncio.TimeoutError:
                    still_waiting = True
                started = time.monotonic()
                try:
                    await pool.acquire(timeout=0.3)
                    failed_after = None
                except asyncio.TimeoutError:
                    failed_after = time.monotonic() - started
            finally:
                await pool.release(held)
            return still_waiting, failed_after

    still_waiting, failed_after = asyncio.run(asyncpg_waits())
    assert still_waiting and failed_after is not None and failed_after < 2
    lines.append(f"asyncpg pool.acquire(): still waiting after 1.0 s; acquire(timeout=0.3): TimeoutError after "
                 f"{failed_after:.2f} s")
    observe("CNL303", "; ".join(lines))


def test_cnl304_pool_options_in_the_url_never_reach_the_pool(pg):
    sqlalchemy = driver("sqlalchemy")
    driver("psycopg")
    found = {}
    for dbapi in ("psycopg2", "psycopg"):
        engine = sqlalchemy.create_engine(pg.url(dbapi) + "?pool_size=1&max_overflow=0")
        sizes = (engine.pool.size(), engine.pool._max_overflow)
        with pytest.raises(sqlalchemy.exc.ProgrammingError) as refused:
            engine.connect()
        engine.dispose()
        found[dbapi] = (sizes, str(refused.value.orig).strip())
    engine = sqlalchemy.create_engine(pg.url("psycopg2"), pool_size=1, max_overflow=0)
    with engine.connect() as conn:
        conn.exec_driver_sql("select 1")
    keywords = (engine.pool.size(), engine.pool._max_overflow)
    engine.dispose()
    defaults = (_default("sqlalchemy.create_engine", "pool_size"), _default("sqlalchemy.create_engine", "max_overflow"))
    assert found["psycopg2"] == (defaults, 'invalid dsn: invalid connection option "pool_size"')
    assert found["psycopg"] == (defaults, 'invalid connection option "pool_size"')
    assert keywords == (1, 0)
    observe(
        "CNL304",
        "?pool_size=1&max_overflow=0 in the URL: "
        + "; ".join(f"{dbapi}: the pool stays pool_size={sizes[0]}, max_overflow={sizes[1]} and the first connect "
                    f"fails ({error})" for dbapi, (sizes, error) in found.items())
        + f"; as keywords: pool_size={keywords[0]}, max_overflow={keywords[1]}",
    )
