"""The proofs: connlint's premises checked against real servers and the
installed drivers.

They start PostgreSQL, Redis and MariaDB on 127.0.0.1, so they run only when
asked: ``CONNLINT_PROOFS=1 python -m pytest proofs`` runs them and skips
(with the reason) what this machine cannot start; ``CONNLINT_PROOFS=required``
turns every such skip into a failure.  Without the variable, every proof is
skipped with that reason, so the default ``python -m pytest`` starts no server.

Each proof records what it observed; the numbers are printed at the end of
the run under "what the servers did".
"""

from __future__ import annotations

import signal
import threading
from pathlib import Path

import pytest

from proofs import servers
from proofs.support import NOT_REQUESTED, OBSERVED, REQUESTED, REQUIRED, driver, unavailable

HERE = Path(__file__).resolve().parent
#: No single proof may run longer than this (seconds); each step has its own, shorter, time limit.
PROOF_TIMEOUT = 120

_described: dict[str, str] = {}
_skips: dict[str, int] = {}


def _is_proof(item) -> bool:
    return HERE in Path(item.path).resolve().parents


def pytest_collection_modifyitems(config, items):
    for item in items:
        if not _is_proof(item):
            continue
        item.add_marker(pytest.mark.proofs)
        if not REQUESTED:
            item.add_marker(pytest.mark.skip(reason=NOT_REQUESTED))


class ProofTimeout(Exception):
    """A proof ran past PROOF_TIMEOUT."""


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_call(item):
    # A hard stop for the whole proof, on top of the time limit of each step:
    # raised in the main thread, so fixtures still stop the servers.
    armed = _is_proof(item) and threading.current_thread() is threading.main_thread() and hasattr(signal, "setitimer")
    if armed:
        def expire(signum, frame):
            raise ProofTimeout(f"{item.nodeid} ran longer than {PROOF_TIMEOUT} s")

        previous = signal.signal(signal.SIGALRM, expire)
        signal.setitimer(signal.ITIMER_REAL, PROOF_TIMEOUT)
    try:
        yield
    finally:
        if armed:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if not _is_proof(item) or not report.skipped:
        return
    reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
    reason = reason.removeprefix("Skipped: ")
    if REQUIRED:
        # nothing may be skipped when the proofs are required, whatever skipped it
        report.outcome = "failed"
        report.longrepr = f"skipped while CONNLINT_PROOFS=required: {reason}"
    else:
        _skips[reason] = _skips.get(reason, 0) + 1


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    if not OBSERVED and not _skips:
        return
    write = terminalreporter.write_line
    if _skips:
        terminalreporter.section("proofs skipped", sep="-")
        for reason, count in _skips.items():
            write(f"{count} skipped: {reason}")
    if OBSERVED:
        terminalreporter.section("what the servers did (connlint proofs)", sep="-")
        if _described:
            write("servers: " + "; ".join(f"{name} {text}" for name, text in _described.items()))
        for topic, text in OBSERVED:
            write(f"{topic}: {text}")


def _started(kind: str, start):
    """Start a server for the session, or skip (fail when required) saying why it cannot start."""
    try:
        server = start()
    except servers.Unavailable as exc:
        unavailable(str(exc))
    try:
        _described[kind] = server.describe()
    except BaseException:
        server.stop()
        raise
    return server


@pytest.fixture(scope="session")
def postgres():
    """PostgreSQL (max_connections=20; the role ``app`` has 17 slots)."""
    driver("psycopg2")
    server = _started("PostgreSQL", servers.PostgresServer.start)
    yield server
    server.stop()


@pytest.fixture
def pg(postgres):
    """The PostgreSQL server, with no connection of the role ``app`` before and after the proof."""
    postgres.disconnect_all()
    yield postgres
    postgres.disconnect_all()


@pytest.fixture(scope="session")
def redis_server():
    driver("redis")
    server = _started("Redis", servers.RedisServer.start)
    yield server
    server.stop()


@pytest.fixture
def rds(redis_server):
    """The Redis server, with no client connection before and after the proof."""
    redis_server.disconnect_all()
    yield redis_server
    redis_server.disconnect_all()


@pytest.fixture(scope="session")
def mariadb():
    driver("pymysql")
    server = _started("MariaDB", servers.MariaDBServer.start)
    yield server
    server.stop()


@pytest.fixture
def http_server():
    """An HTTP server on 127.0.0.1 that counts the connections it accepts."""
    server = servers.CountingHTTPServer()
    yield server
    server.stop()
