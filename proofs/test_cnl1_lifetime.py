"""CNL1xx premises: what connections that are not released cost a real server.

PostgreSQL runs with max_connections=20, so the role ``app`` has 17 slots
(3 are reserved for superusers).
"""

from __future__ import annotations

import asyncio
import gc
import time
import warnings

import pytest

from proofs import catalog_data
from proofs.probes import Servers, probe_psycopg2_connection, probe_psycopg_connection, probe_psycopg_pool_getconn
from proofs.probes import probe_pymysql_connection, probe_sqlite3_connection
from proofs.support import driver, observe


def test_cnl101_unreleased_connections_exhaust_the_server(pg):
    psycopg2 = driver("psycopg2")
    free = pg.free_slots()
    kept, refused = [], None
    try:
        for _ in range(free + 3):
            kept.append(psycopg2.connect(pg.dsn()))  # never closed, still referenced
    except psycopg2.OperationalError as exc:
        refused = exc
    held = pg.connections()
    superusers, too_many = [], None
    try:
        for _ in range(10):
            superusers.append(psycopg2.connect(pg.dsn(user=pg.superuser)))
    except psycopg2.OperationalError as exc:
        too_many = exc
    finally:
        for conn in kept + superusers:
            conn.close()
    pg.wait_connections(0)

    # Dropped without close(), a connection nothing refers to is freed at once by CPython.
    dropped = 0
    for _ in range(3 * free):
        psycopg2.connect(pg.dsn()).cursor().execute("select 1")
        dropped += 1
    after_drops = pg.wait_connections(0)

    assert refused is not None, f"{len(kept)} connections opened and none refused"
    assert pg.refused_message in str(refused)
    assert len(kept) == free == held == 17
    assert too_many is not None and pg.full_message in str(too_many)
    assert len(superusers) == 3
    assert (dropped, after_drops) == (3 * free, 0)
    observe(
        "CNL101",
        f"{len(kept)} unreleased, still-referenced psycopg2.connect() take the {free} slots of a normal role; "
        f"connection #{len(kept) + 1} is refused ({pg.refused_message}); superusers then get {len(superusers)} more, "
        f"the next: {pg.full_message}. ({dropped} connections dropped unreferenced were each freed by CPython: "
        f"{after_drops} left)",
    )


def _closed_only_when_nothing_raises(psycopg2, dsn):
    conn = psycopg2.connect(dsn)
    cur = conn.cursor()
    cur.execute("select 1 / 0")
    conn.close()


def _closed_in_finally(psycopg2, dsn):
    conn = psycopg2.connect(dsn)
    try:
        cur = conn.cursor()
        cur.execute("select 1 / 0")
    finally:
        conn.close()


def test_cnl102_an_exception_before_close_leaves_the_connection_open(pg):
    psycopg2 = driver("psycopg2")
    calls = 5
    counts = {}
    for function in (_closed_only_when_nothing_raises, _closed_in_finally):
        # the failures are kept, as an error log, a retry wrapper or a test report keeps them
        failures = []
        for _ in range(calls):
            try:
                function(psycopg2, pg.dsn())
            except psycopg2.DataError as exc:
                failures.append(exc)
        counts[function.__name__] = pg.connections()
        failures.clear()
    released_with_the_failures = pg.wait_connections(0)
    assert counts == {"_closed_only_when_nothing_raises": calls, "_closed_in_finally": 0}
    assert released_with_the_failures == 0
    observe(
        "CNL102",
        f"{calls} calls raising before close(): the server holds {counts['_closed_only_when_nothing_raises']} "
        f"connections for as long as their exceptions are kept; with close() in 'finally': "
        f"{counts['_closed_in_finally']}",
    )


def test_cnl103_with_closes_exactly_where_the_catalog_says(request, tmp_path, pg, mariadb):
    servers = Servers(request, tmp_path)
    cases = [
        ("sqlite3.Connection", "with sqlite3.connect()", probe_sqlite3_connection),
        ("psycopg2.extensions.connection", "with psycopg2.connect()", probe_psycopg2_connection),
        ("psycopg_pool.checkout", "with pool.getconn() (psycopg_pool)", probe_psycopg_pool_getconn),
        ("psycopg.Connection", "with psycopg.connect()", probe_psycopg_connection),
        ("pymysql.connections.Connection", "with pymysql.connect()", probe_pymysql_connection),
    ]
    lines, wrong = [], []
    for type_name, statement, probe in cases:
        stated = catalog_data.type_spec(type_name)["with"]
        sync, _async = probe(servers)
        lines.append(f"{statement}: {sync.effect} ({sync.detail})")
        if sync.effect != stated:
            wrong.append(f"{statement}: catalog '{stated}', observed '{sync.effect}' ({sync.detail})")
    assert not wrong, "\n".join(wrong)
    observe("CNL103", "; ".join(lines))


def test_cnl104_checkouts_not_returned_exhaust_the_pool(pg, rds):
    sqlalchemy = driver("sqlalchemy")
    psycopg_pool = driver("psycopg_pool")
    psycopg2_pool = driver("psycopg2.pool")
    redis = driver("redis")
    lines = []

    engine = sqlalchemy.create_engine(pg.url("psycopg2"), pool_size=2, max_overflow=0, pool_timeout=1)
    kept = [engine.connect(), engine.connect()]
    started = time.monotonic()
    with pytest.raises(sqlalchemy.exc.TimeoutError) as waited:
        engine.connect()
    sqlalchemy_wait = time.monotonic() - started
    for conn in kept:
        conn.close()
    with engine.connect() as conn:  # given back, they serve again
        conn.exec_driver_sql("select 1")
    engine.dispose()
    lines.append(f"SQLAlchemy pool_size=2, max_overflow=0, pool_timeout=1: 2 connect() not closed, the 3rd waits "
                 f"{sqlalchemy_wait:.2f} s and raises TimeoutError ({str(waited.value).split('(')[0].strip()})")

    with psycopg_pool.ConnectionPool(pg.dsn(), min_size=1, max_size=2, timeout=1) as pool:
        kept = [pool.getconn(), pool.getconn()]
        started = time.monotonic()
        with pytest.raises(psycopg_pool.PoolTimeout):
            pool.getconn()
        psycopg_wait = time.monotonic() - started
        for conn in kept:
            pool.putconn(conn)
        with pool.connection() as conn:
            conn.execute("select 1")
    lines.append(f"psycopg_pool max_size=2, timeout=1: 2 getconn() not given back, the 3rd waits {psycopg_wait:.2f} s "
                 "and raises PoolTimeout")

    pool = psycopg2_pool.ThreadedConnectionPool(1, 2, pg.dsn())
    kept = [pool.getconn(), pool.getconn()]
    started = time.monotonic()
    with pytest.raises(psycopg2_pool.PoolError, match="connection pool exhausted"):
        pool.getconn()
    psycopg2_wait = time.monotonic() - started
    pool.closeall()
    lines.append(f"psycopg2 ThreadedConnectionPool(1, 2): the 3rd getconn() raises PoolError at once "
                 f"({psycopg2_wait:.3f} s)")

    pool = redis.ConnectionPool.from_url(rds.url, max_connections=2, socket_timeout=5)
    kept = [pool.get_connection(), pool.get_connection()]
    started = time.monotonic()
    with pytest.raises(redis.ConnectionError, match="Too many connections"):
        pool.get_connection()
    redis_wait = time.monotonic() - started
    for conn in kept:
        pool.release(conn)
    pool.disconnect()
    lines.append(f"redis ConnectionPool(max_connections=2): the 3rd get_connection() raises 'Too many connections' "
                 f"at once ({redis_wait:.3f} s)")

    assert 0.9 <= sqlalchemy_wait < 5 and 0.9 <= psycopg_wait < 5
    assert psycopg2_wait < 0.5 and redis_wait < 0.5
    observe("CNL104", "; ".join(lines))


def test_cnl105_async_resources_through_sync_protocols(pg, rds):
    aiohttp = driver("aiohttp")
    asyncpg = driver("asyncpg")
    redis_asyncio = driver("redis.asyncio")

    async def run():
        found = {}
        session = aiohttp.ClientSession()
        try:
            with session:
                pass
        except TypeError as exc:
            found["aiohttp"] = str(exc)
        finally:
            await session.close()

        conn = await asyncpg.connect(pg.url(""), timeout=5)
        try:
            async with conn:
                pass
        except (TypeError, AttributeError) as exc:
            found["asyncpg async with"] = str(exc)
        found["asyncpg open after"] = pg.connections()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            conn.close()  # not awaited: a coroutine that never runs
            gc.collect()
        found["asyncpg open after un-awaited close()"] = pg.connections()
        await conn.close()
        found["asyncpg open after awaited close()"] = pg.wait_connections(0)

        client = redis_asyncio.Redis.from_url(rds.url, socket_timeout=5)
        await client.ping()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            client.aclose()  # not awaited
            gc.collect()
        found["redis open after un-awaited aclose()"] = rds.connections()
        await client.aclose()
        found["redis open after awaited aclose()"] = rds.wait_connections(0)
        return found

    found = asyncio.run(run())
    assert found["aiohttp"] == "Use async with instead"
    assert "asynchronous context manager" in found["asyncpg async with"] or "__aenter__" in found["asyncpg async with"]
    assert found["asyncpg open after"] == 1
    assert found["asyncpg open after un-awaited close()"] == 1
    assert found["asyncpg open after awaited close()"] == 0
    assert found["redis open after un-awaited aclose()"] == 1
    assert found["redis open after awaited aclose()"] == 0
    observe(
        "CNL105",
        f"'with aiohttp.ClientSession()' raises TypeError ({found['aiohttp']}); 'async with' on an asyncpg connection "
        f"raises TypeError and the connection stays open ({found['asyncpg open after']} on the server); an un-awaited "
        f"close() leaves it open ({found['asyncpg open after un-awaited close()']}), awaited: "
        f"{found['asyncpg open after awaited close()']}; redis.asyncio's un-awaited aclose() leaves "
        f"{found['redis open after un-awaited aclose()']} connection open, awaited: "
        f"{found['redis open after awaited aclose()']}",
    )
