"""The outage, for real: fixtures/postmortem_pg on PostgreSQL under a bounded load.

1. The service as it ran that night (a connection per request, never closed)
   fails most requests with PostgreSQL's own error, and connlint reports the
   handlers that open them.
2. ``connlint --fix --unsafe-fixes`` closes every connection.  Short-lived
   now, the connections are still not bounded: 20 requests in flight may ask
   for 20 of the 17 slots (the run records how many failed).
3. One pool for the service, as connlint's remaining finding asks
   (CNL301: set the limits explicitly), sized so that ``connlint inventory
   --max-connections`` accepts the budget: every request is served.
"""

from __future__ import annotations

import ast
import json
import os
import re
import shutil
import signal
import subprocess
import sys
from pathlib import Path

from proofs.servers import free_port, stop_pid, wait_until
from proofs.support import driver, observe

ROOT = Path(__file__).resolve().parent.parent
FIXTURE = ROOT / "fixtures" / "postmortem_pg"
REQUESTS, CONCURRENCY = 200, 20
PER_REQUEST = "contextlib.closing(psycopg2.connect(DSN))"


def connlint(*args, cwd):
    done = subprocess.run([sys.executable, "-m", "connlint", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=120)
    return done.returncode, done.stdout, done.stderr


class Service:
    """The fixture app in a process of its own, on a free port."""

    def __init__(self, folder: Path, dsn: str):
        self.port = free_port()
        self.log = folder / f"service-{self.port}.log"
        env = dict(os.environ, ORDERS_DSN=dsn, PYTHONDONTWRITEBYTECODE="1")
        with open(self.log, "wb") as log:
            self.process = subprocess.Popen([sys.executable, "app.py", "--port", str(self.port)], cwd=folder, env=env,
                                            stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT)
        if not wait_until(lambda: self.process.poll() is not None or self._healthy(), 30) or self.process.poll():
            self.stop()
            raise RuntimeError(f"the service did not start:\n{self.log.read_text(errors='replace')[-2000:]}")

    def _healthy(self) -> bool:
        import http.client

        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
        try:
            connection.request("GET", "/health")
            return connection.getresponse().status == 200
        except OSError:
            return False
        finally:
            connection.close()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        stop_pid(self.process.pid, signal.SIGTERM, timeout=10)
        self.process.wait(10)


def load(folder: Path, dsn: str, pg) -> dict:
    """Start the service in ``folder``, send it the bounded load, stop it; what the load driver saw."""
    service = Service(folder, dsn)
    try:
        done = subprocess.run(
            [sys.executable, str(FIXTURE / "load.py"), service.url, "--requests", str(REQUESTS),
             "--concurrency", str(CONCURRENCY), "--timeout", "20"],
            capture_output=True, text=True, timeout=180,
        )
        assert done.returncode == 0, done.stderr
        result = json.loads(done.stdout)
        result["held by the service"] = pg.connections()
    finally:
        service.stop()
    pg.disconnect_all()
    return result


def handler_of(source: str, line: int) -> str:
    """The route of the function around ``line``: ``GET /orders/<int:order_id>``."""
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.FunctionDef) and node.lineno <= line <= node.end_lineno:
            for decorator in node.decorator_list:
                if isinstance(decorator, ast.Call) and isinstance(decorator.func, ast.Attribute):
                    return f"{decorator.func.attr.upper()} {decorator.args[0].value} ({node.name})"
            return node.name
    return "module level"


def to_one_pool(source: str) -> str:
    """Every per-request ``contextlib.closing(psycopg2.connect(DSN))`` becomes
    a checkout of one module-level psycopg_pool pool."""
    assert source.count(PER_REQUEST) == 3, source
    source = source.replace(f"{PER_REQUEST} as conn, conn:", "pool.connection() as conn:")  # commits, then gives back
    source = source.replace(PER_REQUEST, "pool.connection()")
    source = source.replace("import psycopg2\n", "import psycopg2\nfrom psycopg_pool import ConnectionPool\n", 1)
    dsn = re.search(r"^DSN = .*\n", source, re.M).group(0)
    return source.replace(dsn, f"{dsn}pool = ConnectionPool(DSN, open=True)\n", 1)


def test_the_outage_and_its_end(pg, tmp_path):
    driver("psycopg2")
    driver("psycopg_pool")
    driver("flask")
    with pg.admin() as cur:
        cur.execute("drop database if exists orders")
        cur.execute(f"create database orders owner {pg.user}")
    dsn = pg.url("", dbname="orders") + "?connect_timeout=5"
    folder = tmp_path / "postmortem_pg"
    shutil.copytree(FIXTURE, folder, ignore=shutil.ignore_patterns("__pycache__"))
    app = folder / "app.py"
    init = subprocess.run([sys.executable, "app.py", "--init"], cwd=folder, env=dict(os.environ, ORDERS_DSN=dsn),
                          capture_output=True, text=True, timeout=60)
    assert init.returncode == 0, init.stderr
    free = pg.free_slots()

    # 1. the night of the outage
    code, out, err = connlint("--isolated", "postmortem_pg", cwd=tmp_path)
    findings = [line for line in out.splitlines() if line.startswith("postmortem_pg/")]
    assert code == 1 and err == "" and [f.split()[1] for f in findings] == ["CNL101", "CNL102", "CNL103"], out
    source = app.read_text()
    handlers = [handler_of(source, int(finding.split(":")[1])) for finding in findings]
    assert handlers == ["GET /orders/<int:order_id> (get_order)", "GET /orders (list_orders)",
                        "POST /orders (create_order)"], handlers
    reported = [f"{finding.split()[1]} in {handler}" for finding, handler in zip(findings, handlers)]
    before = load(folder, dsn, pg)
    assert before["failed"] > REQUESTS // 2, before
    assert pg.refused_message in next(iter(before["errors"])), before["errors"]

    # 2. connlint's fixes: every connection is closed
    code, out, err = connlint("--isolated", "--fix", "--unsafe-fixes", "postmortem_pg", cwd=tmp_path)
    assert (code, out, err) == (0, "Found 3 problems (3 fixed, 0 remaining).\n", ""), (out, err)
    assert connlint("--isolated", "postmortem_pg", cwd=tmp_path) == (0, "All checks passed.\n", "")
    closed = load(folder, dsn, pg)

    # 3. one pool, bounded as connlint's remaining finding asks and as the budget allows
    app.write_text(to_one_pool(app.read_text()))
    code, out, err = connlint("--isolated", "postmortem_pg", cwd=tmp_path)
    assert code == 1 and " CNL301 " in out, out
    suggested = re.search(r"e\.g\. '([^']+)'", out).group(1)
    finding = out.splitlines()[0]
    app.write_text(app.read_text().replace("(DSN, open=True)", f"(DSN, open=True, {suggested})"))
    assert connlint("--isolated", "postmortem_pg", cwd=tmp_path) == (0, "All checks passed.\n", "")
    code, budget, err = connlint("inventory", "--isolated", "--max-connections", str(free), "postmortem_pg",
                                 cwd=tmp_path)
    assert code == 0 and err == "", budget + err
    per_process = re.search(r": (\d+) per process", budget).group(1)
    two, _, two_err = connlint("inventory", "--isolated", "--processes", "2", "--max-connections", str(free),
                               "postmortem_pg", cwd=tmp_path)
    assert two == 1 and "exceeds max_connections" in two_err
    pooled = load(folder, dsn, pg)
    assert pooled["failed"] == 0 and pooled["served"] == REQUESTS, pooled

    observe("outage", f"{REQUESTS} requests, {CONCURRENCY} in flight, against {free} free slots (max_connections=20)")
    observe("outage before", f"{_rate(before)}; the service held {before['held by the service']} connections")
    observe("outage connlint", "reports " + ", ".join(reported))
    observe("outage fixed", f"after connlint --fix --unsafe-fixes, every connection closed: {_rate(closed)}")
    observe("outage pooled", f"remaining finding: {finding.split(': ', 1)[1]}; with {suggested}: connlint inventory "
                             f"--max-connections {free}: {per_process} per process, exit {code} (--processes 2: exit "
                             f"{two}); {_rate(pooled)}")


def _rate(result: dict) -> str:
    """``180/200 failed (90.0 %) in 0.7 s, with 180x 'connection to server ... failed: FATAL: ...'``"""
    text = (f"{result['failed']}/{result['requests']} failed ({100 * result['failure_rate']:.1f} %) "
            f"in {result['seconds']} s")
    if result["errors"]:
        text += ", with " + "; ".join(f"{count}x '{error}'" for error, count in result["errors"].items())
    return text
