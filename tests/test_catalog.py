"""The library catalog (rules/catalog/*.toml), checked through the real analysis.

Each case parses a small snippet with ``build_facts`` and asserts what connlint
makes of it: which catalog type and kind the opening call resolves to, and the
fate of the resource (managed, leak, with-no-close, async-misuse, ...).
"""

from __future__ import annotations

import ast
import sys

import pytest

from connlint import catalog as catalog_module
from connlint.catalog import RESOURCE_KINDS, CatalogError, catalog_dir, load_catalog
from connlint.facts import build_facts

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

CATALOG = load_catalog()


def _load(name: str) -> dict:
    with open(catalog_dir() / name, "rb") as handle:
        return tomllib.load(handle)


#: Every file of the catalog folder, and those about a client library (the
#: ones naming the modules whose import makes a file worth parsing).
CATALOG_FILES = tuple(sorted(path.name for path in catalog_dir().glob("*.toml")))
LIBRARY_FILES = tuple(name for name in CATALOG_FILES if _load(name).get("library", {}).get("modules"))


def facts_of(src: str):
    return build_facts("x.py", ast.parse(src), src.splitlines(), CATALOG)


def sites_of(src: str):
    return facts_of(src).sites


def site_on_line(src: str, line: int):
    found = [site for site in sites_of(src) if site.line == line]
    assert len(found) == 1, [(s.line, s.rtype.name) for s in sites_of(src)]
    return found[0]


def only_site(src: str):
    found = sites_of(src)
    assert len(found) == 1, [(s.line, s.rtype.name) for s in found]
    return found[0]


# -- the files themselves ---------------------------------------------------


def test_every_catalog_file_loads(tmp_path, monkeypatch):
    # parsed afresh from the TOML files, not from the parsed copy in the cache
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    load_catalog()  # raises CatalogError on a malformed file or a dangling type
    assert [path.name for path in (tmp_path / "connlint").glob("data-catalog-*.json")] != []


@pytest.mark.parametrize("name", sorted(set(CATALOG_FILES) - set(LIBRARY_FILES)))
def test_a_file_naming_no_module_opens_nothing(name):
    """Only a file naming its library's modules makes an importing file worth
    parsing: openers and types anywhere else would never be reached."""
    data = _load(name)
    assert not data.get("opener") and not data.get("types"), name


@pytest.mark.parametrize("name", LIBRARY_FILES)
def test_every_referenced_type_exists(name):
    """What the loader does not check: every call, type and alias belongs to
    this file alone, and each opener is reached through the file's modules.
    (That the types an opener returns or a method gives exist, and that a
    resource has a release, the loader checks.)"""
    data = _load(name)
    modules = data["library"]["modules"]
    assert data.get("opener"), "a library file declares its openers"
    for opener in data["opener"]:
        assert opener["calls"], f"an opener of {opener['returns']} names no call"
        for call in opener["calls"]:
            # a file importing none of the library's modules is never parsed
            assert call.split(".", 1)[0] in modules, call
            assert CATALOG.openers[call] == opener["returns"], f"{call} is claimed by another file"
    for type_name, spec in data.get("types", {}).items():
        rtype = CATALOG.types[type_name]
        assert CATALOG.origins[type_name] == f'{name}: types."{type_name}"', f"{type_name} is defined twice"
        assert rtype.name == type_name, f"{type_name} is an alias of {rtype.name}"
        for alias in spec.get("aliases", []):
            assert CATALOG.types[alias] is rtype, f"alias {alias} of {type_name} is claimed twice"
        if rtype.kind in RESOURCE_KINDS:
            assert rtype.label and rtype.var, type_name
        if rtype.kind == "checkout":
            # a checkout always tells how to give it back
            assert rtype.hint or rtype.release, type_name
        if rtype.hint:
            rtype.hint.format(var="conn", call="f", pool="pool")  # only known placeholders


def test_a_dangling_type_reference_is_an_error(tmp_path, monkeypatch):
    (tmp_path / "broken.toml").write_text(
        '[library]\nname = "broken"\nmodules = ["broken"]\n'
        '[[opener]]\ncalls = ["broken.connect"]\nreturns = "broken.Connection"\n'
        '[types."broken.Connection"]\nkind = "connection"\nrelease = ["close"]\n'
        'methods = { cursor = "broken.Cursor" }\n'
    )
    monkeypatch.setattr(catalog_module, "catalog_dir", lambda: tmp_path)
    with pytest.raises(CatalogError, match="broken.Cursor"):
        load_catalog()


def _all_openers():
    for name in LIBRARY_FILES:
        for opener in _load(name)["opener"]:
            for call in opener["calls"]:
                yield pytest.param(call, opener["returns"], bool(opener.get("owned_if")), id=call)


@pytest.mark.parametrize("call, returns, owned_if", list(_all_openers()))
def test_every_opener_resolves_through_its_qualified_name(call, returns, owned_if):
    top = call.split(".", 1)[0]
    src = f"import {top}\ndef f(arg):\n    x = {call}(arg)\n    print(x)\n"
    expected = CATALOG.types[returns]
    if owned_if or not expected.is_resource:
        # the call has the type, but a factory (sessionmaker) holds no
        # connection and a session owns some only when given one of its engines
        facts = facts_of(src)
        value = facts.resolver.resolve_name("x", facts.resolver.scope_of(facts.tree.body[1]))
        assert value is not None and value.rtype is expected
        assert facts.sites == []
        return
    site = only_site(src)
    assert site.rtype is expected
    assert (site.line, site.column) == (3, 9)
    assert site.fate.verdict == "leak"


# -- openers written the way users write them ------------------------------

OPENERS = [
    # psycopg 3 + psycopg_pool
    ("import psycopg\ndef f(dsn):\n    conn = psycopg.connect(dsn)\n    conn.execute('x')\n",
     "connection", "psycopg.Connection", "leak"),
    ("from psycopg import Connection\ndef f(dsn):\n    conn = Connection.connect(dsn)\n    conn.close()\n",
     "connection", "psycopg.Connection", "managed"),
    ("import psycopg\nasync def f(dsn):\n    conn = await psycopg.AsyncConnection.connect(dsn)\n    await conn.execute('x')\n",
     "connection", "psycopg.AsyncConnection", "leak"),
    ("from psycopg_pool import ConnectionPool\ndef f(dsn):\n    pool = ConnectionPool(dsn)\n    pool.wait()\n",
     "pool", "psycopg_pool.ConnectionPool", "leak"),
    ("from psycopg_pool import NullConnectionPool\ndef f(dsn):\n    pool = NullConnectionPool(dsn)\n    try:\n        pool.wait()\n    finally:\n        pool.close()\n",
     "pool", "psycopg_pool.ConnectionPool", "managed"),
    ("import psycopg_pool\nasync def f(dsn):\n    pool = psycopg_pool.AsyncConnectionPool(dsn, open=False)\n    await pool.open()\n",
     "pool", "psycopg_pool.AsyncConnectionPool", "leak"),
    ("from psycopg_pool import AsyncNullConnectionPool\nasync def f(dsn):\n    async with AsyncNullConnectionPool(dsn) as pool:\n        await pool.wait()\n",
     "pool", "psycopg_pool.AsyncConnectionPool", "managed"),
    # pymysql / MySQLdb / mysql.connector
    ("import pymysql\ndef f():\n    conn = pymysql.connect(host='h')\n    conn.cursor().execute('x')\n",
     "connection", "pymysql.connections.Connection", "leak"),
    ("from pymysql import Connection\ndef f():\n    conn = Connection(host='h')\n    conn.close()\n",
     "connection", "pymysql.connections.Connection", "managed"),
    ("import pymysql.connections\ndef f():\n    conn = pymysql.connections.Connection(host='h')\n    print(conn)\n",
     "connection", "pymysql.connections.Connection", "leak"),
    ("import MySQLdb\ndef f():\n    conn = MySQLdb.connect(db='d')\n    conn.cursor().execute('x')\n",
     "connection", "MySQLdb.connections.Connection", "leak"),
    ("from MySQLdb import Connect\ndef f():\n    conn = Connect(db='d')\n    try:\n        conn.ping()\n    finally:\n        conn.close()\n",
     "connection", "MySQLdb.connections.Connection", "managed"),
    ("import mysql.connector\ndef f():\n    cnx = mysql.connector.connect(user='u')\n    cnx.cursor().execute('x')\n",
     "connection", "mysql.connector.MySQLConnection", "leak"),
    ("from mysql.connector import MySQLConnection\ndef f():\n    cnx = MySQLConnection(user='u')\n    cnx.disconnect()\n",
     "connection", "mysql.connector.MySQLConnection", "managed"),
    ("from mysql.connector import pooling\ndef f():\n    pool = pooling.MySQLConnectionPool(pool_size=5)\n    print(pool)\n",
     "pool", "mysql.connector.pooling.MySQLConnectionPool", "leak"),
    # asyncpg / aiomysql / aiopg / aiosqlite
    ("import asyncpg\nasync def f(dsn):\n    conn = await asyncpg.connect(dsn)\n    await conn.execute('x')\n",
     "connection", "asyncpg.Connection", "leak"),
    ("import asyncpg\nasync def f(dsn):\n    conn = await asyncpg.connect(dsn)\n    try:\n        await conn.execute('x')\n    finally:\n        await conn.close()\n",
     "connection", "asyncpg.Connection", "managed"),
    ("from asyncpg import create_pool\nasync def f(dsn):\n    pool = await create_pool(dsn)\n    await pool.fetch('x')\n",
     "pool", "asyncpg.Pool", "leak"),
    ("import aiomysql\nasync def f():\n    conn = await aiomysql.connect(host='h')\n    cur = await conn.cursor()\n    await cur.execute('x')\n",
     "connection", "aiomysql.Connection", "leak"),
    ("import aiomysql\nasync def f():\n    pool = await aiomysql.create_pool(host='h')\n    print(pool)\n",
     "pool", "aiomysql.Pool", "leak"),
    ("from aiomysql.sa import create_engine\nasync def f():\n    engine = await create_engine(host='h')\n    try:\n        print(engine)\n    finally:\n        engine.close()\n        await engine.wait_closed()\n",
     "pool", "aiomysql.sa.Engine", "managed"),
    ("import aiopg\nasync def f(dsn):\n    conn = await aiopg.connect(dsn)\n    cur = await conn.cursor()\n    await cur.execute('x')\n",
     "connection", "aiopg.Connection", "leak"),
    ("import aiopg\nasync def f(dsn):\n    pool = await aiopg.create_pool(dsn)\n    print(pool)\n",
     "pool", "aiopg.Pool", "leak"),
    ("import aiopg.sa\nasync def f(dsn):\n    engine = await aiopg.sa.create_engine(dsn)\n    print(engine)\n",
     "pool", "aiopg.sa.Engine", "leak"),
    ("import aiosqlite\nasync def f(p):\n    db = await aiosqlite.connect(p)\n    await db.execute('x')\n",
     "connection", "aiosqlite.Connection", "leak"),
    # redis
    ("import redis\ndef f():\n    r = redis.Redis(host='h')\n    return r.get('k')\n",
     "pool", "redis.Redis", "leak"),
    ("import redis\ndef f(u):\n    r = redis.from_url(u)\n    try:\n        return r.get('k')\n    finally:\n        r.close()\n",
     "pool", "redis.Redis", "managed"),
    ("from redis import StrictRedis\ndef f(u):\n    r = StrictRedis.from_url(u)\n    r.set('k', 1)\n",
     "pool", "redis.Redis", "leak"),
    ("import redis.asyncio as aioredis\nasync def f(u):\n    r = aioredis.from_url(u)\n    return await r.get('k')\n",
     "pool", "redis.asyncio.Redis", "leak"),
    ("from redis.asyncio import Redis\nasync def f():\n    r = Redis()\n    try:\n        return await r.get('k')\n    finally:\n        await r.aclose()\n",
     "pool", "redis.asyncio.Redis", "managed"),
    ("import redis\ndef f():\n    pool = redis.BlockingConnectionPool(max_connections=10)\n    print(pool)\n",
     "pool", "redis.ConnectionPool", "leak"),
    ("import redis\ndef f(u):\n    pool = redis.ConnectionPool.from_url(u)\n    pool.disconnect()\n",
     "pool", "redis.ConnectionPool", "managed"),
    ("from redis.asyncio import ConnectionPool\nasync def f():\n    pool = ConnectionPool()\n    await pool.aclose()\n",
     "pool", "redis.asyncio.ConnectionPool", "managed"),
    # pymongo / motor
    ("from pymongo import MongoClient\ndef f(u):\n    client = MongoClient(u)\n    return client.list_database_names()\n",
     "pool", "pymongo.MongoClient", "leak"),
    ("import pymongo\nasync def f(u):\n    client = pymongo.AsyncMongoClient(u)\n    try:\n        await client.server_info()\n    finally:\n        await client.close()\n",
     "pool", "pymongo.AsyncMongoClient", "managed"),
    ("from motor.motor_asyncio import AsyncIOMotorClient\nasync def f(u):\n    client = AsyncIOMotorClient(u)\n    await client.server_info()\n",
     "pool", "motor.motor_asyncio.AsyncIOMotorClient", "leak"),
    # HTTP clients
    ("import httpx\ndef f(u):\n    client = httpx.Client()\n    return client.get(u).json()\n",
     "pool", "httpx.Client", "leak"),
    ("import httpx\nasync def f(u):\n    client = httpx.AsyncClient()\n    try:\n        return (await client.get(u)).json()\n    finally:\n        await client.aclose()\n",
     "pool", "httpx.AsyncClient", "managed"),
    ("import requests\ndef f(u):\n    s = requests.Session()\n    return s.get(u).json()\n",
     "pool", "requests.Session", "leak"),
    ("import requests\ndef f(u):\n    s = requests.session()\n    try:\n        return s.get(u).json()\n    finally:\n        s.close()\n",
     "pool", "requests.Session", "managed"),
    ("import urllib3\ndef f(u):\n    http = urllib3.PoolManager()\n    return http.request('GET', u).data\n",
     "pool", "urllib3.PoolManager", "leak"),
    ("import urllib3\ndef f(u):\n    http = urllib3.PoolManager()\n    try:\n        return http.request('GET', u).data\n    finally:\n        http.clear()\n",
     "pool", "urllib3.PoolManager", "managed"),
    ("from urllib3 import HTTPSConnectionPool\ndef f():\n    pool = HTTPSConnectionPool('example.org')\n    return pool.request('GET', '/').data\n",
     "pool", "urllib3.HTTPConnectionPool", "leak"),
    ("import aiohttp\nasync def f(u):\n    session = aiohttp.ClientSession()\n    resp = await session.get(u)\n    return resp.status\n",
     "pool", "aiohttp.ClientSession", "leak"),
    ("import aiohttp\nasync def f(u):\n    session = aiohttp.ClientSession()\n    try:\n        await session.get(u)\n    finally:\n        await session.close()\n",
     "pool", "aiohttp.ClientSession", "managed"),
    # oracledb / pyodbc
    ("import oracledb\ndef f():\n    conn = oracledb.connect(user='u', dsn='d')\n    conn.cursor().execute('x')\n",
     "connection", "oracledb.Connection", "leak"),
    ("import oracledb\nasync def f():\n    conn = await oracledb.connect_async(dsn='d')\n    try:\n        await conn.execute('x')\n    finally:\n        await conn.close()\n",
     "connection", "oracledb.AsyncConnection", "managed"),
    ("import oracledb\ndef f():\n    pool = oracledb.create_pool(dsn='d', min=1, max=4)\n    print(pool)\n",
     "pool", "oracledb.ConnectionPool", "leak"),
    ("import oracledb\nasync def f():\n    pool = oracledb.create_pool_async(dsn='d')\n    await pool.close()\n",
     "pool", "oracledb.AsyncConnectionPool", "managed"),
    ("import pyodbc\ndef f(s):\n    conn = pyodbc.connect(s)\n    return conn.execute('x').fetchall()\n",
     "connection", "pyodbc.Connection", "leak"),
    # peewee / databases
    ("from peewee import SqliteDatabase\ndef f(p):\n    db = SqliteDatabase(p)\n    db.execute_sql('x')\n",
     "connection", "peewee.Database", "leak"),
    ("import peewee\ndef f(dsn):\n    db = peewee.PostgresqlDatabase(dsn)\n    try:\n        db.execute_sql('x')\n    finally:\n        db.close()\n",
     "connection", "peewee.Database", "managed"),
    ("from playhouse.pool import PooledPostgresqlDatabase\ndef f(dsn):\n    db = PooledPostgresqlDatabase(dsn, max_connections=8)\n    db.execute_sql('x')\n    db.close()\n",
     "pool", "playhouse.pool.PooledDatabase", "leak"),
    ("from playhouse.pool import PooledMySQLDatabase\ndef f(dsn):\n    db = PooledMySQLDatabase(dsn)\n    try:\n        db.execute_sql('x')\n    finally:\n        db.close_all()\n",
     "pool", "playhouse.pool.PooledDatabase", "managed"),
    ("import databases\nasync def f(url):\n    db = databases.Database(url)\n    await db.connect()\n    return await db.fetch_all('x')\n",
     "pool", "databases.Database", "leak"),
    ("from databases import Database\nasync def f(url):\n    db = Database(url)\n    try:\n        await db.connect()\n        return await db.fetch_all('x')\n    finally:\n        await db.disconnect()\n",
     "pool", "databases.Database", "managed"),
]


@pytest.mark.parametrize("src, kind, type_name, verdict", OPENERS)
def test_opener(src, kind, type_name, verdict):
    site = only_site(src)
    assert site.rtype.kind == kind
    assert site.rtype.name == type_name
    assert site.line == 3
    assert site.fate.verdict == verdict


# -- what `with` / `async with` does ----------------------------------------

WITH = [
    # with closes
    ("import psycopg\ndef f(dsn):\n    with psycopg.connect(dsn) as conn:\n        conn.execute('x')\n", "managed"),
    ("import psycopg_pool\ndef f(dsn):\n    with psycopg_pool.ConnectionPool(dsn) as pool:\n        pool.wait()\n", "managed"),
    ("import pymysql\ndef f():\n    with pymysql.connect() as c:\n        c.cursor().execute('x')\n", "managed"),
    ("import MySQLdb\ndef f():\n    with MySQLdb.connect() as c:\n        c.cursor().execute('x')\n", "managed"),
    ("import mysql.connector\ndef f():\n    with mysql.connector.connect() as c:\n        c.cursor().execute('x')\n", "managed"),
    ("import redis\ndef f():\n    with redis.Redis() as r:\n        r.get('k')\n", "managed"),
    ("import redis\ndef f():\n    with redis.ConnectionPool() as pool:\n        print(pool)\n", "managed"),
    ("import pymongo\ndef f(u):\n    with pymongo.MongoClient(u) as client:\n        client.server_info()\n", "managed"),
    ("import httpx\ndef f(u):\n    with httpx.Client() as c:\n        c.get(u)\n", "managed"),
    ("import requests\ndef f(u):\n    with requests.Session() as s:\n        s.get(u)\n", "managed"),
    ("import urllib3\ndef f(u):\n    with urllib3.PoolManager() as http:\n        http.request('GET', u)\n", "managed"),
    ("import urllib3\ndef f():\n    with urllib3.HTTPConnectionPool('h') as pool:\n        pool.request('GET', '/')\n", "managed"),
    ("import oracledb\ndef f():\n    with oracledb.connect(dsn='d') as conn:\n        conn.cursor().execute('x')\n", "managed"),
    ("import peewee\ndef f(p):\n    with peewee.SqliteDatabase(p) as db:\n        db.execute_sql('x')\n", "managed"),
    # with only ends the transaction
    ("import pyodbc\ndef f(s):\n    with pyodbc.connect(s) as c:\n        c.execute('x')\n", "with-no-close"),
    ("from playhouse.pool import PooledSqliteDatabase\ndef f(p):\n    db = PooledSqliteDatabase(p)\n    with db:\n        db.execute_sql('x')\n", "with-no-close"),
    # with is not supported
    ("import aiohttp\nasync def f():\n    with aiohttp.ClientSession() as s:\n        await s.get('u')\n", "async-misuse"),
    ("import psycopg\nasync def f(dsn):\n    conn = await psycopg.AsyncConnection.connect(dsn)\n    with conn:\n        await conn.execute('x')\n", "async-misuse"),
    ("import psycopg_pool\nasync def f(dsn):\n    with psycopg_pool.AsyncConnectionPool(dsn) as pool:\n        await pool.wait()\n", "async-misuse"),
    ("import aiosqlite\nasync def f(p):\n    with aiosqlite.connect(p) as db:\n        await db.execute('x')\n", "async-misuse"),
    ("import aiomysql\nasync def f():\n    with aiomysql.create_pool() as pool:\n        print(pool)\n", "async-misuse"),
    ("import aiopg\nasync def f(dsn):\n    with aiopg.connect(dsn) as conn:\n        print(conn)\n", "async-misuse"),
    ("import redis.asyncio\nasync def f():\n    with redis.asyncio.Redis() as r:\n        await r.get('k')\n", "async-misuse"),
    ("import httpx\nasync def f(u):\n    with httpx.AsyncClient() as c:\n        await c.get(u)\n", "async-misuse"),
    ("import pymongo\nasync def f(u):\n    with pymongo.AsyncMongoClient(u) as client:\n        await client.server_info()\n", "async-misuse"),
    ("from motor.motor_asyncio import AsyncIOMotorClient\nasync def f(u):\n    with AsyncIOMotorClient(u) as client:\n        await client.server_info()\n", "async-misuse"),
    # sync pools that are no context managers fail loudly at run time: not CNL105
    ("import oracledb\ndef f():\n    with oracledb.create_pool(dsn='d') as pool:\n        print(pool)\n", "managed"),
    ("from mysql.connector.pooling import MySQLConnectionPool\ndef f():\n    with MySQLConnectionPool(pool_size=2) as pool:\n        print(pool)\n", "managed"),
    ("import databases\nasync def f(u):\n    with databases.Database(u) as db:\n        await db.fetch_all('x')\n", "async-misuse"),
]

ASYNC_WITH = [
    # async with closes
    ("import psycopg\nasync def f(dsn):\n    async with await psycopg.AsyncConnection.connect(dsn) as conn:\n        await conn.execute('x')\n", "managed"),
    ("import psycopg_pool\nasync def f(dsn):\n    async with psycopg_pool.AsyncConnectionPool(dsn) as pool:\n        await pool.wait()\n", "managed"),
    ("import asyncpg\nasync def f(dsn):\n    async with asyncpg.create_pool(dsn) as pool:\n        await pool.fetch('x')\n", "managed"),
    ("import aiomysql\nasync def f():\n    async with aiomysql.connect() as conn:\n        print(conn)\n", "managed"),
    ("import aiomysql\nasync def f():\n    async with aiomysql.create_pool() as pool:\n        print(pool)\n", "managed"),
    ("import aiomysql.sa\nasync def f():\n    async with aiomysql.sa.create_engine() as engine:\n        print(engine)\n", "managed"),
    ("import aiopg\nasync def f(dsn):\n    async with aiopg.connect(dsn) as conn:\n        print(conn)\n", "managed"),
    ("import aiopg\nasync def f(dsn):\n    async with aiopg.create_pool(dsn) as pool:\n        print(pool)\n", "managed"),
    ("import aiopg.sa\nasync def f(dsn):\n    async with aiopg.sa.create_engine(dsn) as engine:\n        print(engine)\n", "managed"),
    ("import aiosqlite\nasync def f(p):\n    async with aiosqlite.connect(p) as db:\n        await db.execute('x')\n", "managed"),
    ("import redis.asyncio\nasync def f():\n    async with redis.asyncio.Redis() as r:\n        await r.get('k')\n", "managed"),
    ("import redis.asyncio\nasync def f():\n    async with redis.asyncio.ConnectionPool() as pool:\n        print(pool)\n", "managed"),
    ("import pymongo\nasync def f(u):\n    async with pymongo.AsyncMongoClient(u) as client:\n        await client.server_info()\n", "managed"),
    ("import httpx\nasync def f(u):\n    async with httpx.AsyncClient() as c:\n        await c.get(u)\n", "managed"),
    ("import aiohttp\nasync def f(u):\n    async with aiohttp.ClientSession() as s:\n        await s.get(u)\n", "managed"),
    ("import oracledb\nasync def f():\n    async with oracledb.connect_async(dsn='d') as conn:\n        await conn.execute('x')\n", "managed"),
    ("import databases\nasync def f(u):\n    async with databases.Database(u) as db:\n        await db.fetch_all('x')\n", "managed"),
    # async with is not supported
    ("import asyncpg\nasync def f(dsn):\n    async with asyncpg.connect(dsn) as c:\n        await c.execute('x')\n", "async-misuse"),
    ("from motor.motor_asyncio import AsyncIOMotorClient\nasync def f(u):\n    async with AsyncIOMotorClient(u) as client:\n        await client.server_info()\n", "async-misuse"),
    ("import oracledb\nasync def f():\n    async with oracledb.create_pool_async(dsn='d') as pool:\n        print(pool)\n", "async-misuse"),
    ("import psycopg\nasync def f(dsn):\n    async with psycopg.connect(dsn) as conn:\n        conn.execute('x')\n", "async-misuse"),
    ("import requests\nasync def f(u):\n    async with requests.Session() as s:\n        s.get(u)\n", "async-misuse"),
    ("import redis\nasync def f():\n    async with redis.Redis() as r:\n        r.get('k')\n", "async-misuse"),
]


@pytest.mark.parametrize("src, verdict", WITH)
def test_with(src, verdict):
    resources = [s for s in sites_of(src) if s.fate is not None]
    assert len(resources) == 1
    assert resources[0].fate.verdict == verdict
    if verdict == "async-misuse":
        assert resources[0].fate.detail == "with"


@pytest.mark.parametrize("src, verdict", ASYNC_WITH)
def test_async_with(src, verdict):
    site = only_site(src)
    assert site.fate.verdict == verdict
    if verdict == "async-misuse":
        assert site.fate.detail == "async-with"


# -- release methods that must (or need not) be awaited ---------------------

RELEASES = [
    ("import aiohttp\nasync def f(u):\n    s = aiohttp.ClientSession()\n    await s.get(u)\n    s.close()\n", "async-misuse", "awaited", "close"),
    ("import asyncpg\nasync def f(dsn):\n    conn = await asyncpg.connect(dsn)\n    conn.close()\n", "async-misuse", "awaited", "close"),
    ("import redis.asyncio\nasync def f():\n    r = redis.asyncio.Redis()\n    await r.get('k')\n    r.aclose()\n", "async-misuse", "awaited", "aclose"),
    ("import httpx\nasync def f(u):\n    c = httpx.AsyncClient()\n    await c.get(u)\n    c.aclose()\n", "async-misuse", "awaited", "aclose"),
    ("import aiosqlite\nasync def f(p):\n    db = await aiosqlite.connect(p)\n    db.close()\n", "async-misuse", "awaited", "close"),
    ("import databases\nasync def f(u):\n    db = databases.Database(u)\n    db.disconnect()\n", "async-misuse", "awaited", "disconnect"),
    ("import pymongo\nasync def f(u):\n    client = pymongo.AsyncMongoClient(u)\n    client.close()\n", "async-misuse", "awaited", "close"),
    ("import psycopg\nasync def f(dsn):\n    conn = await psycopg.AsyncConnection.connect(dsn)\n    conn.close()\n", "async-misuse", "awaited", "close"),
    # plain functions in async libraries: no await needed
    ("from motor.motor_asyncio import AsyncIOMotorClient\nasync def f(u):\n    client = AsyncIOMotorClient(u)\n    client.close()\n", "managed", "", None),
    ("import aiomysql\nasync def f():\n    conn = await aiomysql.connect()\n    conn.close()\n", "managed", "", None),
    ("import aiomysql\nasync def f():\n    conn = await aiomysql.connect()\n    await conn.ensure_closed()\n", "managed", "", None),
    ("import aiopg\nasync def f(dsn):\n    conn = await aiopg.connect(dsn)\n    conn.close()\n", "managed", "", None),
    ("import aiopg\nasync def f(dsn):\n    pool = await aiopg.create_pool(dsn)\n    pool.close()\n    await pool.wait_closed()\n", "managed", "", None),
    ("import aiomysql\nasync def f():\n    pool = await aiomysql.create_pool()\n    pool.terminate()\n", "managed", "", None),
]


@pytest.mark.parametrize("src, verdict, detail, method", RELEASES)
def test_release(src, verdict, detail, method):
    site = only_site(src)
    assert site.fate.verdict == verdict
    assert site.fate.detail == detail
    assert site.fate.method == method


# -- pool checkouts -----------------------------------------------------------

CHECKOUTS = [
    # psycopg_pool
    ("import psycopg_pool\npool = psycopg_pool.ConnectionPool('')\ndef f():\n    conn = pool.getconn()\n    conn.execute('x')\n",
     "psycopg_pool.checkout", "leak"),
    ("import psycopg_pool\npool = psycopg_pool.ConnectionPool('')\ndef f():\n    conn = pool.getconn()\n    try:\n        conn.execute('x')\n    finally:\n        pool.putconn(conn)\n",
     "psycopg_pool.checkout", "managed"),
    ("import psycopg_pool\npool = psycopg_pool.ConnectionPool('')\ndef f():\n    conn = pool.getconn()\n    conn.execute('x')\n    conn.close()\n",
     "psycopg_pool.checkout", "leak"),
    ("import psycopg_pool\npool = psycopg_pool.ConnectionPool('')\ndef f():\n    with pool.getconn() as conn:\n        conn.execute('x')\n",
     "psycopg_pool.checkout", "with-no-close"),
    ("import psycopg_pool\npool = psycopg_pool.ConnectionPool('')\ndef f():\n    conn = pool.getconn()\n    try:\n        with conn:\n            conn.execute('x')\n    finally:\n        pool.putconn(conn)\n",
     "psycopg_pool.checkout", "managed"),
    ("import psycopg_pool\npool = psycopg_pool.ConnectionPool('')\ndef f():\n    with pool.connection() as conn:\n        conn.execute('x')\n",
     "psycopg_pool.connection", "managed"),
    ("import psycopg_pool\nasync def f(pool: psycopg_pool.AsyncConnectionPool):\n    async with pool.connection() as conn:\n        await conn.execute('x')\n",
     "psycopg_pool.async_connection", "managed"),
    ("import psycopg_pool\nasync def f(pool: psycopg_pool.AsyncConnectionPool):\n    conn = await pool.getconn()\n    try:\n        await conn.execute('x')\n    finally:\n        await pool.putconn(conn)\n",
     "psycopg_pool.async_checkout", "managed"),
    ("import psycopg_pool\nasync def f(pool: psycopg_pool.AsyncConnectionPool):\n    async with await pool.getconn() as conn:\n        await conn.execute('x')\n",
     "psycopg_pool.async_checkout", "with-no-close"),
    # asyncpg
    ("import asyncpg\nasync def f(pool: asyncpg.Pool):\n    async with pool.acquire() as conn:\n        await conn.execute('x')\n",
     "asyncpg.pool.checkout", "managed"),
    ("import asyncpg\nasync def f(pool: asyncpg.Pool):\n    conn = await pool.acquire()\n    await conn.execute('x')\n",
     "asyncpg.pool.checkout", "leak"),
    ("import asyncpg\nasync def f(pool: asyncpg.Pool):\n    conn = await pool.acquire()\n    await conn.execute('x')\n    await pool.release(conn)\n",
     "asyncpg.pool.checkout", "leak-on-error"),
    ("import asyncpg\nasync def f(pool: asyncpg.Pool):\n    conn = await pool.acquire()\n    try:\n        await conn.execute('x')\n    finally:\n        await pool.release(conn)\n",
     "asyncpg.pool.checkout", "managed"),
    ("import asyncpg\nasync def f(pool: asyncpg.Pool):\n    with pool.acquire() as conn:\n        await conn.execute('x')\n",
     "asyncpg.pool.checkout", "async-misuse"),
    # aiomysql / aiopg (and their .sa engines)
    ("import aiomysql\nasync def f(pool: aiomysql.Pool):\n    async with pool.acquire() as conn:\n        print(conn)\n",
     "aiomysql.pool.checkout", "managed"),
    ("import aiomysql\nasync def f(pool: aiomysql.Pool):\n    conn = await pool.acquire()\n    try:\n        print(conn)\n    finally:\n        pool.release(conn)\n",
     "aiomysql.pool.checkout", "managed"),
    ("import aiomysql\nasync def f(pool: aiomysql.Pool):\n    conn = await pool.acquire()\n    cur = await conn.cursor()\n    await cur.execute('x')\n    conn.close()\n",
     "aiomysql.pool.checkout", "leak"),
    ("import aiomysql.sa\nasync def f(engine: aiomysql.sa.Engine):\n    conn = await engine.acquire()\n    try:\n        await conn.execute('x')\n    finally:\n        await conn.close()\n",
     "aiomysql.sa.SAConnection", "managed"),
    ("import aiopg\nasync def f(pool: aiopg.Pool):\n    conn = await pool.acquire()\n    cur = await conn.cursor()\n    await cur.execute('x')\n",
     "aiopg.pool.checkout", "leak"),
    ("import aiopg\nasync def f(pool: aiopg.Pool):\n    async with pool.acquire() as conn:\n        print(conn)\n",
     "aiopg.pool.checkout", "managed"),
    ("import aiopg.sa\nasync def f(engine: aiopg.sa.Engine):\n    conn = await engine.acquire()\n    try:\n        await conn.execute('x')\n    finally:\n        engine.release(conn)\n",
     "aiopg.sa.SAConnection", "managed"),
    # oracledb
    ("import oracledb\npool = oracledb.create_pool(dsn='d')\ndef f():\n    with pool.acquire() as conn:\n        conn.cursor().execute('x')\n",
     "oracledb.pool.checkout", "managed"),
    ("import oracledb\npool = oracledb.create_pool(dsn='d')\ndef f():\n    conn = pool.acquire()\n    try:\n        conn.cursor().execute('x')\n    finally:\n        pool.release(conn)\n",
     "oracledb.pool.checkout", "managed"),
    ("import oracledb\npool = oracledb.create_pool(dsn='d')\ndef f():\n    conn = pool.acquire()\n    conn.cursor().execute('x')\n",
     "oracledb.pool.checkout", "leak"),
    ("import oracledb\nasync def f(pool: oracledb.AsyncConnectionPool):\n    async with pool.acquire() as conn:\n        await conn.execute('x')\n",
     "oracledb.pool.async_checkout", "managed"),
    # mysql.connector
    ("from mysql.connector import pooling\npool = pooling.MySQLConnectionPool(pool_size=5)\ndef f():\n    with pool.get_connection() as conn:\n        conn.cursor().execute('x')\n",
     "mysql.connector.pooling.PooledMySQLConnection", "managed"),
    ("from mysql.connector import pooling\npool = pooling.MySQLConnectionPool(pool_size=5)\ndef f():\n    conn = pool.get_connection()\n    conn.cursor().execute('x')\n",
     "mysql.connector.pooling.PooledMySQLConnection", "leak"),
    # redis
    ("import redis\npool = redis.ConnectionPool()\ndef f():\n    conn = pool.get_connection()\n    try:\n        conn.send_command('PING')\n    finally:\n        pool.release(conn)\n",
     "redis.pool.checkout", "managed"),
    ("import redis\npool = redis.ConnectionPool()\ndef f():\n    conn = pool.get_connection()\n    conn.send_command('PING')\n",
     "redis.pool.checkout", "leak"),
    ("import redis.asyncio\nasync def f(pool: redis.asyncio.ConnectionPool):\n    conn = await pool.get_connection()\n    try:\n        await conn.send_command('PING')\n    finally:\n        await pool.release(conn)\n",
     "redis.asyncio.pool.checkout", "managed"),
]


@pytest.mark.parametrize("src, type_name, verdict", CHECKOUTS)
def test_checkout(src, type_name, verdict):
    checkouts = [s for s in sites_of(src) if s.rtype.kind == "checkout"]
    assert len(checkouts) == 1
    site = checkouts[0]
    assert site.rtype.name == type_name
    assert site.receiver in ("pool", "engine")
    assert site.fate.verdict == verdict


# -- annotations and the objects a resource hands out ------------------------

ANNOTATED = [
    ("import asyncpg\nasync def f(conn: asyncpg.Connection):\n    await conn.close()\n", "asyncpg.Connection"),
    ("import psycopg\ndef f(conn: psycopg.Connection):\n    conn.close()\n", "psycopg.Connection"),
    ("import redis\ndef f(r: redis.Redis):\n    r.close()\n", "redis.Redis"),
    ("from redis.asyncio import Redis\nasync def f(r: Redis):\n    await r.aclose()\n", "redis.asyncio.Redis"),
    ("import httpx\ndef f(c: httpx.Client):\n    c.close()\n", "httpx.Client"),
    ("import aiohttp\nasync def f(s: aiohttp.ClientSession):\n    await s.close()\n", "aiohttp.ClientSession"),
    ("from pymongo import MongoClient\ndef f(c: MongoClient):\n    c.close()\n", "pymongo.MongoClient"),
    ("import pymysql\ndef f(c: pymysql.Connection):\n    c.close()\n", "pymysql.connections.Connection"),
    ("import oracledb\ndef f(p: oracledb.ConnectionPool):\n    p.close()\n", "oracledb.ConnectionPool"),
]


@pytest.mark.parametrize("src, type_name", ANNOTATED)
def test_annotation_names_a_catalog_type(src, type_name):
    facts = facts_of(src)
    function = facts.tree.body[1]
    scope = facts.resolver.scope_of(function)
    param = function.args.args[0].arg
    value = facts.resolver.resolve_name(param, scope)
    assert value is not None and value.rtype is CATALOG.types[type_name]
    assert facts.sites == []  # a parameter is not created here


@pytest.mark.parametrize(
    "src",
    [
        # cursors and results are not resources, and using them keeps the
        # connection open until it is closed
        "import psycopg\ndef f(dsn):\n    with psycopg.connect(dsn) as conn, conn.cursor() as cur:\n        cur.execute('x')\n        return cur.fetchall()\n",
        "import pymysql\ndef f():\n    with pymysql.connect() as conn:\n        with conn.cursor() as cur:\n            cur.execute('x')\n            return cur.fetchall()\n",
        "import aiosqlite\nasync def f(p):\n    async with aiosqlite.connect(p) as db:\n        async with db.execute('x') as cur:\n            return await cur.fetchall()\n",
        "import aiomysql\nasync def f():\n    async with aiomysql.connect() as conn:\n        async with conn.cursor() as cur:\n            await cur.execute('x')\n            return await cur.fetchall()\n",
        "import contextlib, pyodbc\ndef f(s):\n    with contextlib.closing(pyodbc.connect(s)) as conn:\n        return conn.execute('x').fetchall()\n",
        "import asyncpg\nasync def f(dsn):\n    conn = await asyncpg.connect(dsn)\n    try:\n        async with conn.transaction():\n            return await conn.fetch('x')\n    finally:\n        await conn.close()\n",
    ],
)
def test_cursors_are_not_resources(src):
    site = only_site(src)
    assert site.rtype.kind in ("connection", "checkout")
    assert site.fate.verdict == "managed"


def test_data_methods_do_not_carry_the_resource_out():
    # the result of a "data" method is returned, the client itself is not
    src = "import redis\ndef f(u):\n    r = redis.Redis.from_url(u)\n    return r.get('k')\n"
    assert only_site(src).fate.verdict == "leak"
    # a cursor (holds the connection) returned: ownership leaves with it
    src = "import psycopg\ndef f(dsn):\n    conn = psycopg.connect(dsn)\n    return conn.execute('x')\n"
    assert only_site(src).fate.verdict == "escaped"
    # execute_fetchall reads every row: the rows hold no connection
    src = "import aiosqlite\nasync def f(p):\n    db = await aiosqlite.connect(p)\n    return await db.execute_fetchall('x')\n"
    assert only_site(src).fate.verdict == "leak"
    # a method returning the cursor itself ("self") keeps the cursor a holder
    src = "import pyodbc\ndef f(s):\n    conn = pyodbc.connect(s)\n    cur = conn.cursor().execute('x')\n    rows = cur.fetchall()\n    conn.close()\n    return rows\n"
    assert only_site(src).fate.verdict == "leak-on-error"
