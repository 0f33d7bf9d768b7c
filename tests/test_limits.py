"""Pool limits (CNL301-CNL304) of the library catalogs' ``[[limits]]`` entries.

Every row of the CNL3xx table in RULES.md, for every library the catalog
gives limits for (SQLAlchemy has its own tests in the rule examples):
CNL301 defaults made explicit, CNL302 "no limit" sentinels, CNL303 waits
that never end (explicit, and the opt-in library defaults), CNL304 (SQLAlchemy
only: limits in a redis / pymongo / databases URL are read, not reported).
The facts behind the expectations are cited in each catalog file.
"""

from __future__ import annotations

import ast
import textwrap

import pytest

from connlint.config import Selection, Settings
from connlint.engine import Checker
from connlint.facts import build_facts
from connlint.limits import UNKNOWN
from tests.helpers import catalog, findings_for


def src(*lines: str) -> str:
    return "\n".join(lines) + "\n"


def positions(source: str):
    return [(f.line, f.column, f.code) for f in findings_for(source, codes="CNL3")]


@pytest.fixture(scope="module")
def opt_in_checker(tmp_path_factory):
    """CNL3xx with CNL303 selected by its full code (its opt-in half on)."""
    return Checker(Settings(root=tmp_path_factory.mktemp("limits")), Selection(["CNL3", "CNL303"], []))


def opt_in_findings(checker, source: str):
    found = checker.check_bytes("x.py", textwrap.dedent(source).encode())
    return sorted((f for f in found if f.code.startswith("CNL3")), key=lambda f: (f.line, f.column, f.code))


REDIS_DEFAULT = "max_connections=100 in redis-py 8.0 and later; max_connections=2147483648 before 8.0"


# -- findings with the default selection: (source, [(line, column, code)], message of the first) -----------------

REPORTED = [
    # psycopg_pool: min_size=4, max_size=None -> min_size
    pytest.param(
        src("from psycopg_pool import ConnectionPool", "pool = ConnectionPool('dbname=app')"),
        [(2, 8, "CNL301")],
        "psycopg pool from ConnectionPool() relies on the default pool limits (min_size=4); "
        "set them explicitly, e.g. 'min_size=2, max_size=10'",
        id="psycopg_pool-CNL301",
    ),
    pytest.param(
        src("import psycopg_pool", "pool = psycopg_pool.AsyncConnectionPool(conninfo='dbname=app', timeout=10)"),
        [(2, 8, "CNL301")],
        "psycopg async pool from psycopg_pool.AsyncConnectionPool() relies on the default pool limits (min_size=4); "
        "set them explicitly, e.g. 'min_size=2, max_size=10'",
        id="psycopg_pool-async-CNL301",
    ),
    # psycopg_pool null pools: no max_size -> unlimited (CNL302, not CNL301)
    pytest.param(
        src("from psycopg_pool import NullConnectionPool", "pool = NullConnectionPool('dbname=app')"),
        [(2, 8, "CNL302")],
        "psycopg pool from NullConnectionPool() has no connection limit: no max_size means unlimited; "
        "set a bound, e.g. 'max_size=10'",
        id="psycopg_pool-null-missing-CNL302",
    ),
    pytest.param(
        src("from psycopg_pool import AsyncNullConnectionPool", "pool = AsyncNullConnectionPool('dbname=app', max_size=0)"),
        [(2, 8, "CNL302")],
        "psycopg async pool from AsyncNullConnectionPool() has no connection limit: max_size=0 means unlimited; "
        "set a bound, e.g. 'max_size=10'",
        id="psycopg_pool-async-null-zero-CNL302",
    ),
    pytest.param(
        src("import psycopg_pool", "pool = psycopg_pool.NullConnectionPool('dbname=app', max_size=None)"),
        [(2, 8, "CNL302")],
        "max_size=None means unlimited",
        id="psycopg_pool-null-none-CNL302",
    ),
    # asyncpg: min_size=10, max_size=10
    pytest.param(
        src(
            "import asyncpg",
            "async def make():",
            "    return await asyncpg.create_pool('postgresql://db/app')",
        ),
        [(3, 18, "CNL301")],
        "asyncpg pool from asyncpg.create_pool() relies on the default pool limits (max_size=10); "
        "set them explicitly, e.g. 'max_size=10'",
        id="asyncpg-CNL301",
    ),
    pytest.param(
        src(
            "from asyncpg import create_pool",
            "async def make():",
            "    return await create_pool(dsn='postgresql://db/app', min_size=2)",
        ),
        [(3, 18, "CNL301")],
        "(max_size=10)",
        id="asyncpg-min-only-CNL301",
    ),
    # aiomysql / aiopg: maxsize=10, maxsize=0 unlimited
    pytest.param(
        src(
            "import aiomysql",
            "async def make():",
            "    return await aiomysql.create_pool(host='db', user='app')",
        ),
        [(3, 18, "CNL301")],
        "aiomysql pool from aiomysql.create_pool() relies on the default pool limits (maxsize=10); "
        "set them explicitly, e.g. 'maxsize=10'",
        id="aiomysql-CNL301",
    ),
    pytest.param(
        src(
            "import aiomysql.sa",
            "async def make():",
            "    return await aiomysql.sa.create_engine(host='db', user='app')",
        ),
        [(3, 18, "CNL301")],
        "aiomysql.sa engine from aiomysql.sa.create_engine() relies on the default pool limits (maxsize=10)",
        id="aiomysql-sa-CNL301",
    ),
    pytest.param(
        src(
            "import aiomysql",
            "async def make():",
            "    return await aiomysql.create_pool(maxsize=0, host='db')",
        ),
        [(3, 18, "CNL302")],
        "aiomysql pool from aiomysql.create_pool() has no connection limit: maxsize=0 means unlimited; "
        "set a bound, e.g. 'maxsize=10'",
        id="aiomysql-zero-CNL302",
    ),
    pytest.param(
        src(
            "import aiomysql",
            "async def make():",
            "    return await aiomysql.create_pool(0, 0, host='db')",
        ),
        [(3, 18, "CNL302")],
        "maxsize=0 means unlimited",
        id="aiomysql-positional-zero-CNL302",
    ),
    pytest.param(
        src(
            "import aiopg",
            "async def make():",
            "    return await aiopg.create_pool('dbname=app host=db')",
        ),
        [(3, 18, "CNL301")],
        "aiopg pool from aiopg.create_pool() relies on the default pool limits (maxsize=10); "
        "set them explicitly, e.g. 'maxsize=10'",
        id="aiopg-CNL301",
    ),
    pytest.param(
        src(
            "from aiopg.sa import create_engine",
            "async def make():",
            "    return await create_engine(dsn='dbname=app')",
        ),
        [(3, 18, "CNL301")],
        "aiopg.sa engine from create_engine() relies on the default pool limits (maxsize=10)",
        id="aiopg-sa-CNL301",
    ),
    pytest.param(
        src(
            "import aiopg",
            "async def make():",
            "    return await aiopg.create_pool('dbname=app', maxsize=0)",
        ),
        [(3, 18, "CNL302")],
        "aiopg pool from aiopg.create_pool() has no connection limit: maxsize=0 means unlimited; "
        "set a bound, e.g. 'maxsize=10'",
        id="aiopg-zero-CNL302",
    ),
    pytest.param(
        src(
            "import aiopg",
            "async def make():",
            "    return await aiopg.create_pool('dbname=app', maxsize=5, timeout=None)",
        ),
        [(3, 18, "CNL303")],
        "aiopg pool from aiopg.create_pool() waits forever for a free connection (timeout=None); "
        "set a timeout, e.g. 'timeout=60.0'",
        id="aiopg-timeout-none-CNL303",
    ),
    # redis: max_connections or 100 (8.x; 2**31 before), BlockingConnectionPool 50 / timeout 20
    pytest.param(
        src("import redis", "r = redis.Redis(host='cache', port=6379)"),
        [(2, 5, "CNL301")],
        f"Redis client from redis.Redis() relies on the default pool limits ({REDIS_DEFAULT}); "
        "set them explicitly, e.g. 'max_connections=50'",
        id="redis-Redis-CNL301",
    ),
    pytest.param(
        src("from redis import StrictRedis", "r = StrictRedis()"),
        [(2, 5, "CNL301")],
        f"({REDIS_DEFAULT})",
        id="redis-StrictRedis-CNL301",
    ),
    pytest.param(
        src("import redis", "r = redis.from_url('redis://cache:6379/0')"),
        [(2, 5, "CNL301")],
        f"Redis client from redis.from_url() relies on the default pool limits ({REDIS_DEFAULT}); "
        "set them explicitly, e.g. 'max_connections=50'",
        id="redis-from_url-CNL301",
    ),
    pytest.param(
        src("from redis import Redis", "r = Redis.from_url('redis://cache/0?db=1&socket_timeout=5')"),
        [(2, 5, "CNL301")],
        f"({REDIS_DEFAULT})",
        id="redis-Redis.from_url-query-without-limits-CNL301",
    ),
    pytest.param(
        src("import redis.asyncio as aioredis", "r = aioredis.Redis(host='cache')"),
        [(2, 5, "CNL301")],
        f"Redis asyncio client from aioredis.Redis() relies on the default pool limits ({REDIS_DEFAULT})",
        id="redis-asyncio-Redis-CNL301",
    ),
    pytest.param(
        src("from redis import asyncio as aioredis", "r = aioredis.from_url('redis://cache')"),
        [(2, 5, "CNL301")],
        f"({REDIS_DEFAULT})",
        id="redis-asyncio-from_url-CNL301",
    ),
    pytest.param(
        src("import redis", "pool = redis.ConnectionPool(host='cache')"),
        [(2, 8, "CNL301")],
        f"Redis connection pool from redis.ConnectionPool() relies on the default pool limits ({REDIS_DEFAULT}); "
        "set them explicitly, e.g. 'max_connections=50'",
        id="redis-ConnectionPool-CNL301",
    ),
    pytest.param(
        src("import redis", "pool = redis.ConnectionPool.from_url('redis://cache/0')"),
        [(2, 8, "CNL301")],
        f"({REDIS_DEFAULT})",
        id="redis-ConnectionPool.from_url-CNL301",
    ),
    pytest.param(
        src("import redis.asyncio", "pool = redis.asyncio.ConnectionPool(host='cache')"),
        [(2, 8, "CNL301")],
        f"({REDIS_DEFAULT})",
        id="redis-asyncio-ConnectionPool-CNL301",
    ),
    pytest.param(
        src("import redis", "pool = redis.BlockingConnectionPool(host='cache')"),
        [(2, 8, "CNL301")],
        "Redis connection pool from redis.BlockingConnectionPool() relies on the default pool limits "
        "(max_connections=50); set them explicitly, e.g. 'max_connections=50'",
        id="redis-BlockingConnectionPool-CNL301",
    ),
    pytest.param(
        src("import redis", "pool = redis.BlockingConnectionPool(max_connections=20, timeout=None)"),
        [(2, 8, "CNL303")],
        "Redis connection pool from redis.BlockingConnectionPool() waits forever for a free connection "
        "(timeout=None); set a timeout, e.g. 'timeout=20'",
        id="redis-BlockingConnectionPool-timeout-none-CNL303",
    ),
    pytest.param(
        src("from redis import BlockingConnectionPool", "pool = BlockingConnectionPool(20, None)"),
        [(2, 8, "CNL303")],
        "(timeout=None); set a timeout, e.g. 'timeout=20'",
        id="redis-BlockingConnectionPool-positional-timeout-none-CNL303",
    ),
    pytest.param(
        src(
            "import redis",
            "pool = redis.BlockingConnectionPool.from_url('redis://cache/0?max_connections=20', timeout=None)",
        ),
        [(2, 8, "CNL303")],
        "(timeout=None)",
        id="redis-BlockingConnectionPool.from_url-timeout-none-CNL303",
    ),
    pytest.param(
        src("import redis.asyncio", "pool = redis.asyncio.BlockingConnectionPool(max_connections=20, timeout=None)"),
        [(2, 8, "CNL303")],
        "Redis asyncio connection pool from redis.asyncio.BlockingConnectionPool() waits forever for a free "
        "connection (timeout=None); set a timeout, e.g. 'timeout=20'",
        id="redis-asyncio-BlockingConnectionPool-timeout-none-CNL303",
    ),
    # pymongo / motor: maxPoolSize=100; 0 or None unlimited; waitQueueTimeoutMS=None waits forever
    pytest.param(
        src("from pymongo import MongoClient", "client = MongoClient('mongodb://db:27017/app')"),
        [(2, 10, "CNL301")],
        "MongoClient from MongoClient() relies on the default pool limits (maxPoolSize=100); "
        "set them explicitly, e.g. 'maxPoolSize=50'",
        id="pymongo-CNL301",
    ),
    pytest.param(
        src("import pymongo", "client = pymongo.MongoClient()"),
        [(2, 10, "CNL301")],
        "(maxPoolSize=100)",
        id="pymongo-no-arguments-CNL301",
    ),
    pytest.param(
        src("from pymongo import AsyncMongoClient", "client = AsyncMongoClient(host='db', port=27017)"),
        [(2, 10, "CNL301")],
        "AsyncMongoClient from AsyncMongoClient() relies on the default pool limits (maxPoolSize=100)",
        id="pymongo-async-CNL301",
    ),
    pytest.param(
        src("from pymongo import MongoClient", "client = MongoClient('mongodb://db', maxPoolSize=0)"),
        [(2, 10, "CNL302")],
        "MongoClient from MongoClient() has no connection limit: maxPoolSize=0 means unlimited; "
        "set a bound, e.g. 'maxPoolSize=50'",
        id="pymongo-zero-CNL302",
    ),
    pytest.param(
        src("from pymongo import MongoClient", "client = MongoClient('mongodb://db', maxPoolSize=None)"),
        [(2, 10, "CNL302")],
        "maxPoolSize=None means unlimited",
        id="pymongo-none-CNL302",
    ),
    pytest.param(
        src("from pymongo import MongoClient", "client = MongoClient('mongodb://db/?maxPoolSize=0&w=majority')"),
        [(2, 10, "CNL302")],
        "MongoClient from MongoClient() has no connection limit: maxPoolSize=0 means unlimited",
        id="pymongo-url-zero-CNL302",
    ),
    pytest.param(
        src("from pymongo import MongoClient", "client = MongoClient('mongodb://db/?maxpoolsize=0')"),
        [(2, 10, "CNL302")],
        "maxPoolSize=0 means unlimited",
        id="pymongo-url-lowercase-zero-CNL302",
    ),
    pytest.param(
        src(
            "from pymongo import MongoClient",
            "client = MongoClient('mongodb://db', maxPoolSize=50, waitQueueTimeoutMS=None)",
        ),
        [(2, 10, "CNL303")],
        "MongoClient from MongoClient() waits forever for a free connection (waitQueueTimeoutMS=None); "
        "set a timeout, e.g. 'waitQueueTimeoutMS=30000'",
        id="pymongo-wait-none-CNL303",
    ),
    pytest.param(
        src("from motor.motor_asyncio import AsyncIOMotorClient", "client = AsyncIOMotorClient('mongodb://db')"),
        [(2, 10, "CNL301")],
        "Motor client from AsyncIOMotorClient() relies on the default pool limits (maxPoolSize=100); "
        "set them explicitly, e.g. 'maxPoolSize=50'",
        id="motor-CNL301",
    ),
    pytest.param(
        src("import motor.motor_tornado", "client = motor.motor_tornado.MotorClient('mongodb://db', maxPoolSize=0)"),
        [(2, 10, "CNL302")],
        "Motor client from motor.motor_tornado.MotorClient() has no connection limit: maxPoolSize=0 means unlimited",
        id="motor-tornado-zero-CNL302",
    ),
    pytest.param(
        src(
            "from motor.motor_asyncio import AsyncIOMotorClient",
            "client = AsyncIOMotorClient('mongodb://db', maxPoolSize=20, waitQueueTimeoutMS=None)",
        ),
        [(2, 10, "CNL303")],
        "(waitQueueTimeoutMS=None)",
        id="motor-wait-none-CNL303",
    ),
    # httpx.Limits: None = no limit, a bare Limits() is unlimited; HTTP: never CNL301
    pytest.param(
        src("import httpx", "limits = httpx.Limits()"),
        [(2, 10, "CNL302")],
        "httpx limits from httpx.Limits() has no connection limit: no max_connections means unlimited; "
        "set a bound, e.g. 'max_connections=100'",
        id="httpx-bare-Limits-CNL302",
    ),
    pytest.param(
        src("import httpx", "client = httpx.Client(limits=httpx.Limits(max_keepalive_connections=5))"),
        [(2, 30, "CNL302")],
        "no max_connections means unlimited",
        id="httpx-Limits-keepalive-only-CNL302",
    ),
    pytest.param(
        src("from httpx import Limits", "LIMITS = Limits(max_connections=None, max_keepalive_connections=20)"),
        [(2, 10, "CNL302")],
        "httpx limits from Limits() has no connection limit: max_connections=None means unlimited",
        id="httpx-Limits-none-CNL302",
    ),
    # aiohttp TCPConnector: limit=100; limit=0 unlimited; HTTP: never CNL301
    pytest.param(
        src("import aiohttp", "connector = aiohttp.TCPConnector(limit=0)"),
        [(2, 13, "CNL302")],
        "aiohttp connector from aiohttp.TCPConnector() has no connection limit: limit=0 means unlimited; "
        "set a bound, e.g. 'limit=100'",
        id="aiohttp-zero-CNL302",
    ),
    pytest.param(
        src("from aiohttp import TCPConnector", "connector = TCPConnector(limit=None, limit_per_host=10)"),
        [(2, 13, "CNL302")],
        "limit=None means unlimited",
        id="aiohttp-none-CNL302",
    ),
    # peewee playhouse.pool: max_connections=20; 0/None unlimited; timeout=0 waits forever
    pytest.param(
        src("from playhouse.pool import PooledPostgresqlDatabase", "db = PooledPostgresqlDatabase('app', host='db')"),
        [(2, 6, "CNL301")],
        "peewee pooled database from PooledPostgresqlDatabase() relies on the default pool limits "
        "(max_connections=20); set them explicitly, e.g. 'max_connections=20'",
        id="peewee-CNL301",
    ),
    pytest.param(
        src("import playhouse.pool", "db = playhouse.pool.PooledMySQLDatabase('app', stale_timeout=300)"),
        [(2, 6, "CNL301")],
        "(max_connections=20)",
        id="peewee-mysql-CNL301",
    ),
    pytest.param(
        src("from playhouse.pool import PooledPostgresqlDatabase", "db = PooledPostgresqlDatabase('app', max_connections=0)"),
        [(2, 6, "CNL302")],
        "peewee pooled database from PooledPostgresqlDatabase() has no connection limit: max_connections=0 means "
        "unlimited; set a bound, e.g. 'max_connections=20'",
        id="peewee-zero-CNL302",
    ),
    pytest.param(
        src("from playhouse.pool import PooledSqliteDatabase", "db = PooledSqliteDatabase('app.db', None)"),
        [(2, 6, "CNL302")],
        "max_connections=None means unlimited",
        id="peewee-positional-none-CNL302",
    ),
    pytest.param(
        src(
            "from playhouse.pool import PooledPostgresqlDatabase",
            "db = PooledPostgresqlDatabase('app', max_connections=10, timeout=0)",
        ),
        [(2, 6, "CNL303")],
        "peewee pooled database from PooledPostgresqlDatabase() waits forever for a free connection (timeout=0); "
        "set a timeout, e.g. 'timeout=30'",
        id="peewee-timeout-zero-CNL303",
    ),
    pytest.param(
        src("from playhouse.pool import PooledPostgresqlDatabase", "db = PooledPostgresqlDatabase('app', 10, 300, 0)"),
        [(2, 6, "CNL303")],
        "(timeout=0)",
        id="peewee-positional-timeout-zero-CNL303",
    ),
    # oracledb: max=2; getmode=POOL_GETMODE_WAIT waits forever
    pytest.param(
        src("import oracledb", "pool = oracledb.create_pool(user='app', password=PW, dsn='db/orclpdb')"),
        [(2, 8, "CNL301")],
        "oracledb pool from oracledb.create_pool() relies on the default pool limits (max=2); "
        "set them explicitly, e.g. 'min=1, max=10'",
        id="oracledb-CNL301",
    ),
    pytest.param(
        src("import oracledb", "pool = oracledb.create_pool_async(user='app', dsn='db/orclpdb', min=1)"),
        [(2, 8, "CNL301")],
        "oracledb async pool from oracledb.create_pool_async() relies on the default pool limits (max=2)",
        id="oracledb-async-CNL301",
    ),
    pytest.param(
        src(
            "import oracledb",
            "pool = oracledb.create_pool(dsn='db/orclpdb', min=1, max=4, getmode=oracledb.POOL_GETMODE_WAIT)",
        ),
        [(2, 8, "CNL303")],
        "oracledb pool from oracledb.create_pool() waits forever for a free connection "
        "(getmode='oracledb.POOL_GETMODE_WAIT')",
        id="oracledb-getmode-wait-CNL303",
    ),
    pytest.param(
        src(
            "from oracledb import PoolGetMode, create_pool",
            "pool = create_pool(dsn='db/orclpdb', max=4, getmode=PoolGetMode.WAIT)",
        ),
        [(2, 8, "CNL303")],
        "waits forever for a free connection (getmode='oracledb.PoolGetMode.WAIT')",
        id="oracledb-PoolGetMode.WAIT-CNL303",
    ),
    pytest.param(
        src(
            "from oracledb import POOL_GETMODE_WAIT, create_pool",
            "pool = create_pool(dsn='db/orclpdb', max=4, getmode=POOL_GETMODE_WAIT)",
        ),
        [(2, 8, "CNL303")],
        "(getmode='oracledb.POOL_GETMODE_WAIT')",
        id="oracledb-imported-constant-CNL303",
    ),
    # mysql.connector pooling: pool_size=5
    pytest.param(
        src(
            "import mysql.connector.pooling",
            "pool = mysql.connector.pooling.MySQLConnectionPool(pool_name='web', host='db')",
        ),
        [(2, 8, "CNL301")],
        "mysql.connector pool from mysql.connector.pooling.MySQLConnectionPool() relies on the default pool "
        "limits (pool_size=5); set them explicitly, e.g. 'pool_size=10'",
        id="mysql.connector-CNL301",
    ),
    pytest.param(
        src("from mysql.connector import pooling", "pool = pooling.MySQLConnectionPool(pool_name='web', host='db')"),
        [(2, 8, "CNL301")],
        "(pool_size=5)",
        id="mysql.connector-module-import-CNL301",
    ),
    # databases: driver defaults (10) unless the URL or the keywords say
    pytest.param(
        src("import databases", "database = databases.Database('postgresql://db/app')"),
        [(2, 12, "CNL301")],
        "databases Database from databases.Database() relies on the default pool limits (max_size=10); "
        "set them explicitly, e.g. 'max_size=10'",
        id="databases-CNL301",
    ),
    pytest.param(
        src("from databases import Database", "database = Database('mysql://db/app?ssl=true')"),
        [(2, 12, "CNL301")],
        "(max_size=10)",
        id="databases-mysql-CNL301",
    ),
]


@pytest.mark.parametrize("source, expected, message", REPORTED)
def test_reported(source, expected, message):
    found = findings_for(source, codes="CNL3")
    assert [(f.line, f.column, f.code) for f in found] == expected
    assert message in found[0].message


# -- explicit, read-through or unknown settings: silent ------------------------------------------------------------

SILENT = [
    # psycopg2 pools: minconn/maxconn required (positional or keyword), full pool raises at once
    pytest.param(src("import psycopg2.pool", "pool = psycopg2.pool.SimpleConnectionPool(1, 10, 'dbname=app')"), id="psycopg2-positional"),
    pytest.param(
        src("from psycopg2 import pool", "p = pool.ThreadedConnectionPool(minconn=1, maxconn=5, dsn='dbname=app')"),
        id="psycopg2-keywords",
    ),
    pytest.param(src("from psycopg2.pool import ThreadedConnectionPool", "p = ThreadedConnectionPool(*ARGS)"), id="psycopg2-starred"),
    pytest.param(
        src("import psycopg2.pool", "MAX = 20", "p = psycopg2.pool.ThreadedConnectionPool(1, MAX, host='db')"),
        id="psycopg2-constant",
    ),
    # psycopg_pool: either size keyword makes it explicit
    pytest.param(src("from psycopg_pool import ConnectionPool", "p = ConnectionPool('dbname=app', max_size=10)"), id="psycopg_pool-max"),
    pytest.param(src("from psycopg_pool import ConnectionPool", "p = ConnectionPool('dbname=app', min_size=2)"), id="psycopg_pool-min"),
    pytest.param(src("from psycopg_pool import ConnectionPool", "p = ConnectionPool('dbname=app', max_size=SIZE)"), id="psycopg_pool-unknown"),
    pytest.param(src("from psycopg_pool import AsyncConnectionPool", "p = AsyncConnectionPool(URL, **POOL_OPTIONS)"), id="psycopg_pool-kwargs"),
    pytest.param(
        src("import os", "from psycopg_pool import ConnectionPool", "p = ConnectionPool('', max_size=int(os.environ.get('POOL_MAX', '20')))"),
        id="psycopg_pool-environ-default",
    ),
    pytest.param(src("from psycopg_pool import NullConnectionPool", "p = NullConnectionPool('dbname=app', max_size=10)"), id="psycopg_pool-null-bounded"),
    pytest.param(src("from psycopg_pool import NullConnectionPool", "p = NullConnectionPool('dbname=app', max_size=SIZE)"), id="psycopg_pool-null-unknown"),
    pytest.param(src("from psycopg_pool import AsyncNullConnectionPool", "p = AsyncNullConnectionPool(URL, **OPTIONS)"), id="psycopg_pool-null-kwargs"),
    pytest.param(
        src("from psycopg_pool import NullConnectionPool", "MAX = 20", "p = NullConnectionPool('dbname=app', max_size=MAX)"),
        id="psycopg_pool-null-constant",
    ),
    # asyncpg
    pytest.param(
        src("import asyncpg", "async def make():", "    return await asyncpg.create_pool(dsn=DSN, min_size=2, max_size=20)"),
        id="asyncpg-bounded",
    ),
    pytest.param(
        src("import asyncpg", "MAX = 20", "async def make():", "    return await asyncpg.create_pool(DSN, max_size=MAX)"),
        id="asyncpg-constant",
    ),
    pytest.param(
        src(
            "import os",
            "import asyncpg",
            "async def make():",
            "    return await asyncpg.create_pool(DSN, max_size=int(os.environ.get('POOL_MAX', '20')))",
        ),
        id="asyncpg-environ-default",
    ),
    pytest.param(
        src("import asyncpg", "async def make(options):", "    return await asyncpg.create_pool(DSN, **options)"),
        id="asyncpg-kwargs",
    ),
    pytest.param(
        src("import asyncpg", "async def make():", "    return await asyncpg.create_pool(DSN, max_size=SIZE)"),
        id="asyncpg-unknown",
    ),
    # aiomysql / aiopg
    pytest.param(
        src("import aiomysql", "async def make():", "    return await aiomysql.create_pool(1, 5, host='db')"),
        id="aiomysql-positional",
    ),
    pytest.param(
        src("import aiomysql", "MAX = 20", "async def make():", "    return await aiomysql.create_pool(maxsize=MAX, host='db')"),
        id="aiomysql-constant",
    ),
    pytest.param(
        src("import aiomysql.sa", "async def make(kw):", "    return await aiomysql.sa.create_engine(**kw)"),
        id="aiomysql-sa-kwargs",
    ),
    pytest.param(
        src("import aiopg", "async def make():", "    return await aiopg.create_pool(DSN, maxsize=20, timeout=30)"),
        id="aiopg-bounded",
    ),
    pytest.param(
        src("import aiopg", "async def make():", "    return await aiopg.create_pool(DSN, maxsize=SIZE, timeout=TIMEOUT)"),
        id="aiopg-unknown",
    ),
    # redis
    pytest.param(src("import redis", "r = redis.Redis(host='cache', max_connections=20)"), id="redis-bounded"),
    pytest.param(
        src("import redis", "pool = redis.ConnectionPool(max_connections=20)", "r = redis.Redis(connection_pool=pool)"),
        id="redis-shared-pool",
    ),
    pytest.param(src("import redis", "pool = redis.ConnectionPool(redis.Connection, 20)"), id="redis-ConnectionPool-positional"),
    pytest.param(src("import redis", "r = redis.from_url('redis://cache/0?max_connections=20')"), id="redis-url-limits"),
    pytest.param(src("import redis", "r = redis.Redis.from_url(url='redis://cache/0?max_connections=20')"), id="redis-url-keyword-limits"),
    pytest.param(src("import os", "import redis", "r = redis.from_url(os.environ['REDIS_URL'])"), id="redis-unreadable-url"),
    pytest.param(src("import redis.asyncio", "r = redis.asyncio.from_url(settings.REDIS_URL)"), id="redis-asyncio-unreadable-url"),
    pytest.param(src("import redis", "r = redis.Redis(**REDIS_OPTIONS)"), id="redis-kwargs"),
    pytest.param(src("import redis", "MAX = 20", "r = redis.Redis(max_connections=MAX)"), id="redis-constant"),
    pytest.param(
        src("import os", "import redis", "r = redis.Redis(max_connections=int(os.environ.get('REDIS_MAX', '20')))"),
        id="redis-environ-default",
    ),
    pytest.param(src("import redis", "pool = redis.BlockingConnectionPool(max_connections=20, timeout=5)"), id="redis-blocking-bounded"),
    pytest.param(src("import redis", "pool = redis.BlockingConnectionPool(20, TIMEOUT)"), id="redis-blocking-unknown-timeout"),
    # pymongo / motor
    pytest.param(src("from pymongo import MongoClient", "c = MongoClient('mongodb://db', maxPoolSize=50)"), id="pymongo-bounded"),
    pytest.param(src("from pymongo import MongoClient", "c = MongoClient('mongodb://db/?maxPoolSize=50&w=majority')"), id="pymongo-url-limits"),
    pytest.param(src("from pymongo import MongoClient", "c = MongoClient('mongodb://db/?maxpoolsize=50')"), id="pymongo-url-lowercase-limits"),
    pytest.param(src("import os", "from pymongo import MongoClient", "c = MongoClient(os.environ['MONGO_URL'])"), id="pymongo-unreadable-url"),
    pytest.param(src("from pymongo import MongoClient", "c = MongoClient(host=MONGO_URL)"), id="pymongo-unreadable-url-keyword"),
    pytest.param(src("from pymongo import MongoClient", "c = MongoClient('mongodb://db', **MONGO_OPTIONS)"), id="pymongo-kwargs"),
    pytest.param(
        src("from pymongo import MongoClient", "c = MongoClient('mongodb://db', maxPoolSize=50, waitQueueTimeoutMS=2000)"),
        id="pymongo-bounded-wait",
    ),
    pytest.param(src("from motor.motor_asyncio import AsyncIOMotorClient", "c = AsyncIOMotorClient(MONGO_URL)"), id="motor-unreadable-url"),
    pytest.param(
        src("from motor.motor_asyncio import AsyncIOMotorClient", "c = AsyncIOMotorClient('mongodb://db/?maxPoolSize=20')"),
        id="motor-url-limits",
    ),
    # httpx / aiohttp: HTTP clients are not CNL301
    pytest.param(src("import httpx", "limits = httpx.Limits(max_connections=100, max_keepalive_connections=20)"), id="httpx-bounded"),
    pytest.param(src("import httpx", "limits = httpx.Limits(max_connections=MAX_CONNECTIONS)"), id="httpx-unknown"),
    pytest.param(src("import httpx", "limits = httpx.Limits(**LIMITS)"), id="httpx-kwargs"),
    pytest.param(src("import httpx", "client = httpx.Client()"), id="httpx-client-default"),
    pytest.param(src("import aiohttp", "connector = aiohttp.TCPConnector()"), id="aiohttp-default"),
    pytest.param(src("import aiohttp", "connector = aiohttp.TCPConnector(limit=50, limit_per_host=10)"), id="aiohttp-bounded"),
    pytest.param(src("import aiohttp", "connector = aiohttp.TCPConnector(limit=LIMIT)"), id="aiohttp-unknown"),
    # peewee
    pytest.param(src("from playhouse.pool import PooledPostgresqlDatabase", "db = PooledPostgresqlDatabase('app', max_connections=10)"), id="peewee-bounded"),
    pytest.param(src("from playhouse.pool import PooledPostgresqlDatabase", "db = PooledPostgresqlDatabase('app', 10, 300, 5)"), id="peewee-positional"),
    pytest.param(
        src("from playhouse.pool import PooledPostgresqlDatabase", "MAX = 20", "db = PooledPostgresqlDatabase('app', max_connections=MAX, timeout=10)"),
        id="peewee-constant",
    ),
    pytest.param(src("from playhouse.pool import PooledMySQLDatabase", "db = PooledMySQLDatabase('app', **DB_OPTIONS)"), id="peewee-kwargs"),
    pytest.param(src("from playhouse.pool import PooledPostgresqlDatabase", "db = PooledPostgresqlDatabase('app', max_connections=SIZE)"), id="peewee-unknown"),
    # oracledb
    pytest.param(src("import oracledb", "pool = oracledb.create_pool(dsn='db/orclpdb', min=1, max=4)"), id="oracledb-bounded"),
    pytest.param(src("import oracledb", "pool = oracledb.create_pool(dsn='db/orclpdb', params=POOL_PARAMS)"), id="oracledb-params"),
    pytest.param(src("import oracledb", "pool = oracledb.create_pool(dsn='db/orclpdb', **POOL_OPTIONS)"), id="oracledb-kwargs"),
    pytest.param(
        src(
            "import oracledb",
            "pool = oracledb.create_pool(dsn='db', max=4, getmode=oracledb.POOL_GETMODE_TIMEDWAIT, wait_timeout=5000)",
        ),
        id="oracledb-timedwait",
    ),
    # mysql.connector
    pytest.param(src("from mysql.connector import pooling", "pool = pooling.MySQLConnectionPool(pool_name='web', pool_size=10)"), id="mysql.connector-bounded"),
    pytest.param(src("import mysql.connector.pooling", "pool = mysql.connector.pooling.MySQLConnectionPool(10, 'web')"), id="mysql.connector-positional"),
    pytest.param(src("import mysql.connector.pooling", "pool = mysql.connector.pooling.MySQLConnectionPool(**DB_CONFIG)"), id="mysql.connector-kwargs"),
    # databases
    pytest.param(src("import databases", "db = databases.Database('postgresql://db/app?min_size=1&max_size=5')"), id="databases-url-limits"),
    pytest.param(src("import databases", "db = databases.Database('postgresql://db/app?min_size=2')"), id="databases-url-min"),
    pytest.param(src("import databases", "db = databases.Database('postgresql://db/app', max_size=5)"), id="databases-keyword-limits"),
    pytest.param(src("import os", "import databases", "db = databases.Database(os.environ['DATABASE_URL'])"), id="databases-unreadable-url"),
    pytest.param(src("import databases", "db = databases.Database('sqlite:///app.db')"), id="databases-sqlite"),
    pytest.param(src("import databases", "db = databases.Database(DATABASE_URL, **OPTIONS)"), id="databases-kwargs"),
    pytest.param(
        src("import databases", "URL = 'postgresql://db/app?max_size=5'", "db = databases.Database(URL)"),
        id="databases-constant-url",
    ),
    # a mapping changed in place after its literal cannot be read from the literal
    pytest.param(
        src(
            "from sqlalchemy import create_engine",
            "def make(url, config):",
            "    options = {}",
            "    options.update(config)",
            "    return create_engine(url, **options)",
        ),
        id="sqlalchemy-kwargs-updated",
    ),
    pytest.param(
        src(
            "import redis",
            "OPTIONS = {'socket_timeout': 5}",
            "OPTIONS['max_connections'] = 20",
            "r = redis.Redis(**OPTIONS)",
        ),
        id="redis-kwargs-item-stored",
    ),
    pytest.param(
        src(
            "from sqlalchemy import create_engine",
            "def make(url, tune):",
            "    options = dict(pool_pre_ping=True)",
            "    tune(options)",
            "    return create_engine(url, **options)",
        ),
        id="sqlalchemy-kwargs-handed-to-a-call",
    ),
]


@pytest.mark.parametrize("source", SILENT)
def test_silent(source):
    assert positions(source) == []


# -- CNL303 opt-in: library defaults that wait forever, reported only when CNL303 is selected by its full code ------

OPT_IN = [
    pytest.param(
        src("import asyncpg", "async def make():", "    return await asyncpg.create_pool(DSN, max_size=20)"),
        [(3, 18, "CNL303")],
        "asyncpg pool from asyncpg.create_pool() waits forever for a free connection by default "
        "(acquire(timeout=None)); set a timeout, e.g. 'timeout=30'",
        id="asyncpg",
    ),
    pytest.param(
        src("import aiomysql", "async def make():", "    return await aiomysql.create_pool(maxsize=20, host='db')"),
        [(3, 18, "CNL303")],
        "aiomysql pool from aiomysql.create_pool() waits forever for a free connection by default "
        "(acquire() has no timeout)",
        id="aiomysql",
    ),
    pytest.param(
        src("import aiomysql.sa", "async def make():", "    return await aiomysql.sa.create_engine(maxsize=20, host='db')"),
        [(3, 18, "CNL303")],
        "(acquire() has no timeout)",
        id="aiomysql-sa",
    ),
    pytest.param(
        src("from pymongo import MongoClient", "client = MongoClient('mongodb://db', maxPoolSize=50)"),
        [(2, 10, "CNL303")],
        "MongoClient from MongoClient() waits forever for a free connection by default (waitQueueTimeoutMS=None); "
        "set a timeout, e.g. 'waitQueueTimeoutMS=30000'",
        id="pymongo",
    ),
    pytest.param(
        src("from pymongo import MongoClient", "client = MongoClient('mongodb://db')"),
        [(2, 10, "CNL301"), (2, 10, "CNL303")],
        "relies on the default pool limits (maxPoolSize=100)",
        id="pymongo-with-CNL301",
    ),
    pytest.param(
        src("from motor.motor_asyncio import AsyncIOMotorClient", "client = AsyncIOMotorClient('mongodb://db/?maxPoolSize=20')"),
        [(2, 10, "CNL303")],
        "Motor client from AsyncIOMotorClient() waits forever for a free connection by default (waitQueueTimeoutMS=None)",
        id="motor",
    ),
    pytest.param(
        src("import oracledb", "pool = oracledb.create_pool(dsn='db/orclpdb', min=1, max=4)"),
        [(2, 8, "CNL303")],
        "oracledb pool from oracledb.create_pool() waits forever for a free connection by default "
        "(getmode=POOL_GETMODE_WAIT)",
        id="oracledb",
    ),
    pytest.param(
        src("import oracledb", "pool = oracledb.create_pool_async(dsn='db/orclpdb', max=4)"),
        [(2, 8, "CNL303")],
        "oracledb async pool from oracledb.create_pool_async() waits forever for a free connection by default",
        id="oracledb-async",
    ),
]


@pytest.mark.parametrize("source, expected, message", OPT_IN)
def test_opt_in_default_waits(opt_in_checker, source, expected, message):
    found = opt_in_findings(opt_in_checker, source)
    assert [(f.line, f.column, f.code) for f in found] == expected
    assert message in found[0].message
    # off with the default selection: only the non-opt-in findings remain
    assert positions(source) == [p for p in expected if p[2] != "CNL303"]


OPT_IN_SILENT = [
    pytest.param(src("from pymongo import MongoClient", "c = MongoClient('mongodb://db', maxPoolSize=50, waitQueueTimeoutMS=2000)"), id="pymongo-wait-set"),
    pytest.param(src("from pymongo import MongoClient", "c = MongoClient('mongodb://db', **OPTIONS)"), id="pymongo-kwargs"),
    pytest.param(
        src("import oracledb", "pool = oracledb.create_pool(dsn='db', max=4, getmode=oracledb.POOL_GETMODE_NOWAIT)"),
        id="oracledb-nowait",
    ),
    pytest.param(
        src("import oracledb", "pool = oracledb.create_pool(dsn='db', max=4, getmode=oracledb.POOL_GETMODE_TIMEDWAIT, wait_timeout=5000)"),
        id="oracledb-timedwait",
    ),
    pytest.param(src("import asyncpg", "async def make(kw):", "    return await asyncpg.create_pool(**kw)"), id="asyncpg-kwargs"),
    # the defaults of these do not wait forever
    pytest.param(src("import aiopg", "async def make():", "    return await aiopg.create_pool(DSN, maxsize=10)"), id="aiopg-60s"),
    pytest.param(src("import redis", "pool = redis.BlockingConnectionPool(max_connections=20)"), id="redis-blocking-20s"),
    pytest.param(src("import redis", "r = redis.Redis(max_connections=20)"), id="redis-raises-when-full"),
    pytest.param(src("from psycopg_pool import ConnectionPool", "p = ConnectionPool(DSN, max_size=10)"), id="psycopg_pool-30s"),
    pytest.param(src("import psycopg2.pool", "p = psycopg2.pool.ThreadedConnectionPool(1, 10, DSN)"), id="psycopg2-raises-when-full"),
    pytest.param(src("from playhouse.pool import PooledPostgresqlDatabase", "db = PooledPostgresqlDatabase('app', max_connections=10)"), id="peewee-raises"),
    pytest.param(src("from mysql.connector import pooling", "p = pooling.MySQLConnectionPool(pool_size=10)"), id="mysql.connector-raises"),
    pytest.param(src("import databases", "db = databases.Database(DATABASE_URL)"), id="databases-driver-dependent"),
]


@pytest.mark.parametrize("source", OPT_IN_SILENT)
def test_opt_in_silent(opt_in_checker, source):
    assert opt_in_findings(opt_in_checker, source) == []


# -- CNL304 is about SQLAlchemy: these libraries read their limits from the URL ------------------------------------

URL_LIMITS = [
    pytest.param(src("import redis", "r = redis.from_url('redis://cache/0?max_connections=20')"), id="redis"),
    pytest.param(src("import redis", "p = redis.BlockingConnectionPool.from_url('redis://cache/0?max_connections=20&timeout=5')"), id="redis-blocking"),
    pytest.param(src("from pymongo import MongoClient", "c = MongoClient('mongodb://db/?maxPoolSize=20&waitQueueTimeoutMS=1000')"), id="pymongo"),
    pytest.param(src("import databases", "db = databases.Database('postgresql://db/app?min_size=1&max_size=5')"), id="databases"),
]


@pytest.mark.parametrize("source", URL_LIMITS)
def test_url_limits_are_not_pool_options_in_url(source):
    assert findings_for(source, codes="CNL304") == []
    assert positions(source) == []


def test_redis_message_names_the_version_of_the_default():
    (finding,) = findings_for(src("import redis", "r = redis.Redis()"), codes="CNL3")
    assert "max_connections=100 in redis-py 8.0 and later" in finding.message
    assert "max_connections=2147483648 before 8.0" in finding.message


def test_library_defaults_differ_per_redis_pool_class():
    source = src(
        "import redis",
        "a = redis.ConnectionPool()",
        "b = redis.BlockingConnectionPool()",
    )
    first, second = findings_for(source, codes="CNL3")
    assert "(max_connections=100 in redis-py 8.0" in first.message
    assert "(max_connections=50)" in second.message


# -- what the evaluation code cannot express yet (connlint/limits.py, rules) ---------------------------------------


def bounds(source: str):
    """The maximum connections of each pool-building call (the inventory's number)."""
    source = textwrap.dedent(source)
    facts = build_facts("x.py", ast.parse(source), source.splitlines(), catalog())
    return [None if b is None else "unknown" if b is UNKNOWN else b for b in (c.bound() for c in facts.pool_configs)]


def test_bounds_that_are_read():
    source = src(
        "import asyncpg, psycopg2.pool, psycopg_pool, redis, pymongo, databases, oracledb, httpx",
        "a = asyncpg.create_pool(DSN)",
        "b = psycopg2.pool.SimpleConnectionPool(1, 8)",
        "c = psycopg_pool.ConnectionPool(DSN)",
        "d = psycopg_pool.ConnectionPool(DSN, min_size=8)",
        "e = psycopg_pool.NullConnectionPool(DSN)",
        "f = redis.Redis()",
        "g = redis.from_url('redis://cache?max_connections=5')",
        "h = pymongo.MongoClient('mongodb://db/?maxPoolSize=7')",
        "i = databases.Database('postgresql://db/app?max_size=3')",
        "j = oracledb.create_pool(dsn='db', max=4)",
        "k = httpx.Limits()",
    )
    assert bounds(source) == [10, 8, 4, 8, None, 100, 5, 7, 3, 4, None]


def test_a_mapping_only_read_is_read_through():
    source = src(
        "import redis",
        "OPTIONS = {'max_connections': 20, 'socket_timeout': 5}",
        "TIMEOUT = OPTIONS['socket_timeout']",
        "first = redis.Redis(**OPTIONS)",
        "second = redis.Redis(**{**OPTIONS, 'db': 1})",
        "third = redis.Redis(max_connections=OPTIONS.get('max_connections'))",
    )
    assert bounds(source) == [20, 20, "unknown"]


def test_psycopg_pool_bound_is_max_size():
    source = src("import psycopg_pool", "a = psycopg_pool.ConnectionPool(DSN, max_size=10)", "b = psycopg_pool.ConnectionPool(DSN, min_size=2, max_size=10)")
    assert bounds(source) == [10, 10]


def test_psycopg_null_pool_bound_is_max_size():
    assert bounds(src("import psycopg_pool", "a = psycopg_pool.NullConnectionPool(DSN, max_size=10)")) == [10]


def test_redis_url_query_beats_keywords_in_bound():
    assert bounds(src("import redis", "r = redis.from_url('redis://cache?max_connections=5', max_connections=50)")) == [5]


def test_pymongo_lowercase_url_option_in_bound():
    assert bounds(src("import pymongo", "c = pymongo.MongoClient('mongodb://db/?maxpoolsize=7')")) == [7]


@pytest.mark.parametrize(
    "source",
    [
        pytest.param(src("from pymongo import MongoClient", "c = MongoClient('mongodb://db/?maxPoolSize=20&waitQueueTimeoutMS=1000')"), id="pymongo-url-timeout"),
        pytest.param(src("from pymongo import MongoClient", "c = MongoClient(MONGO_URL, maxPoolSize=20)"), id="pymongo-unreadable-url"),
        pytest.param(src("from pymongo import MongoClient", "c = MongoClient('mongodb://db', maxPoolSize=20, timeoutMS=5000)"), id="pymongo-timeoutMS"),
        pytest.param(src("import oracledb", "pool = oracledb.create_pool(dsn='db', params=POOL_PARAMS)"), id="oracledb-params"),
    ],
)
def test_opt_in_default_wait_unknown_is_silent(opt_in_checker, source):
    assert opt_in_findings(opt_in_checker, source) == []


@pytest.mark.parametrize(
    "source, nonsense",
    [
        pytest.param(src("from pymongo import MongoClient", "c = MongoClient('mongodb://db', maxPoolSize=20, waitQueueTimeoutMS=None)"), "'waitQueueTimeoutMS=30'", id="pymongo-milliseconds"),
        pytest.param(src("import oracledb", "p = oracledb.create_pool(dsn='db', max=4, getmode=oracledb.POOL_GETMODE_WAIT)"), "'getmode=30'", id="oracledb-getmode"),
        pytest.param(src("import aiomysql", "async def make():", "    return await aiomysql.create_pool(maxsize=5)"), "'timeout=30'", id="aiomysql-no-timeout"),
    ],
)
def test_wait_suggestion_fits_the_library(opt_in_checker, source, nonsense):
    (finding,) = [f for f in opt_in_findings(opt_in_checker, source) if f.code == "CNL303"]
    assert nonsense not in finding.message


def test_mysql_connector_connect_with_pool_name_uses_default_size():
    source = src("import mysql.connector", "def get():", "    return mysql.connector.connect(pool_name='web', host='db')")
    assert positions(source) == [(3, 12, "CNL301")]
