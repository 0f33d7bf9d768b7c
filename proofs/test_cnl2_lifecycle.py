"""CNL2xx premises: engines, pools and clients made per request or per
iteration, against one made once and shared."""

from __future__ import annotations

import asyncio
import gc

from proofs.support import driver, observe

#: calls made before giving up on seeing the server refuse
BOUND = 1000


def _until_refused(pg, sqlalchemy, call) -> int | None:
    """Call ``call()`` up to BOUND times; the number of the call the server refused, or None."""
    for number in range(1, BOUND + 1):
        try:
            call()
        except sqlalchemy.exc.OperationalError as exc:
            if pg.refused_message not in str(exc):
                raise
            return number
    return None


def test_cnl201_an_engine_per_request_piles_up_until_the_server_refuses(pg):
    sqlalchemy = driver("sqlalchemy")
    flask = driver("flask")
    app = flask.Flask(__name__)
    shared = sqlalchemy.create_engine(pg.url("psycopg2"))

    @app.get("/per-request")
    def per_request():
        engine = sqlalchemy.create_engine(pg.url("psycopg2"))  # nothing keeps it, nothing disposes it
        with engine.connect() as conn:
            return str(conn.exec_driver_sql("select 1").scalar())

    @app.get("/disposed")
    def disposed():
        engine = sqlalchemy.create_engine(pg.url("psycopg2"))
        try:
            with engine.connect() as conn:
                return str(conn.exec_driver_sql("select 1").scalar())
        finally:
            engine.dispose()

    @app.get("/shared")
    def shared_engine():
        with shared.connect() as conn:
            return str(conn.exec_driver_sql("select 1").scalar())

    client = app.test_client()

    def get(path):
        response = client.get(path)
        if response.status_code != 200:
            raise RuntimeError(f"{path}: {response.status_code}")

    app.config["PROPAGATE_EXCEPTIONS"] = True
    refused_at = _until_refused(pg, sqlalchemy, lambda: get("/per-request"))
    held = pg.connections()
    gc.collect()  # the engines sit in reference cycles: only the cycle collector frees them
    after_collect = pg.wait_connections(0)

    requests = 100
    for _ in range(requests):
        get("/disposed")
    disposed_left = pg.wait_connections(0)
    peak = 0
    for _ in range(requests):
        get("/shared")
        peak = max(peak, pg.connections())
    shared.dispose()

    assert refused_at is not None, f"{BOUND} requests, each with its own engine, and the server never refused"
    assert after_collect == 0
    assert disposed_left == 0 and peak == 1
    observe(
        "CNL201",
        f"a Flask route creating an engine per request: request #{refused_at} is refused by PostgreSQL "
        f"(the engines nothing refers to then held {held} connections, freed only by gc.collect(): "
        f"{after_collect} left); "
        f"with dispose() per request: {disposed_left} left after {requests} requests; "
        f"one shared engine: at most {peak} server connection over {requests} requests",
    )


def test_cnl202_an_engine_per_iteration_piles_up_until_the_server_refuses(pg):
    sqlalchemy = driver("sqlalchemy")

    def one_iteration():
        engine = sqlalchemy.create_engine(pg.url("psycopg2"))
        with engine.connect() as conn:
            conn.exec_driver_sql("select 1")

    refused_at = _until_refused(pg, sqlalchemy, one_iteration)
    gc.collect()
    after_collect = pg.wait_connections(0)
    shared = sqlalchemy.create_engine(pg.url("psycopg2"))
    peak = 0
    for _ in range(100):
        with shared.connect() as conn:
            conn.exec_driver_sql("select 1")
        peak = max(peak, pg.connections())
    shared.dispose()
    assert refused_at is not None, f"{BOUND} iterations, each with its own engine, and the server never refused"
    assert after_collect == 0 and peak == 1
    observe(
        "CNL202",
        f"create_engine() in each iteration of a loop: iteration #{refused_at} is refused by PostgreSQL; "
        f"the engine created once before the loop: at most {peak} server connection over 100 iterations",
    )


def test_cnl203_one_shot_clients_open_a_connection_per_call(http_server):
    requests = driver("requests")
    httpx = driver("httpx")
    aiohttp = driver("aiohttp")
    calls = 10
    counted = {}

    def count(name, run):
        http_server.reset()
        run()
        counted[name] = http_server.accepted

    def requests_get():
        for _ in range(calls):
            requests.get(http_server.url, timeout=5).raise_for_status()

    def requests_session():
        with requests.Session() as session:
            for _ in range(calls):
                session.get(http_server.url, timeout=5).raise_for_status()

    def httpx_get():
        for _ in range(calls):
            httpx.get(http_server.url, timeout=5).raise_for_status()

    def httpx_client():
        with httpx.Client(timeout=5) as client:
            for _ in range(calls):
                client.get(http_server.url).raise_for_status()

    def aiohttp_request():
        async def run():
            timeout = aiohttp.ClientTimeout(total=5)
            for _ in range(calls):
                async with aiohttp.request("GET", http_server.url, timeout=timeout) as response:
                    await response.read()

        asyncio.run(run())

    def aiohttp_session():
        async def run():
            async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=5)) as session:
                for _ in range(calls):
                    async with session.get(http_server.url) as response:
                        await response.read()

        asyncio.run(run())

    for name, run in [
        ("requests.get", requests_get), ("requests.Session", requests_session),
        ("httpx.get", httpx_get), ("httpx.Client", httpx_client),
        ("aiohttp.request", aiohttp_request), ("aiohttp.ClientSession", aiohttp_session),
    ]:
        count(name, run)
    assert counted == {
        "requests.get": calls, "requests.Session": 1, "httpx.get": calls, "httpx.Client": 1,
        "aiohttp.request": calls, "aiohttp.ClientSession": 1,
    }
    observe(
        "CNL203",
        f"{calls} calls in a loop, TCP connections the server accepted: "
        + ", ".join(f"{name} {number}" for name, number in counted.items()),
    )
