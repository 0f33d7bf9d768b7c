"""Real servers for the proofs: PostgreSQL, Redis and MariaDB on 127.0.0.1.

Each server runs from a fresh temporary folder on a free port, is started with
a time limit, and is stopped by its process id.  A server that cannot be
started here (no binary, no user to run it as) raises ``Unavailable`` with the
reason, so the proofs can skip (or, when required, fail) saying why.

PostgreSQL runs with ``max_connections=20``: with the default
``superuser_reserved_connections=3``, a normal role has 17 slots.
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

HOST = "127.0.0.1"
START_TIMEOUT = 60.0
STOP_TIMEOUT = 30.0


class Unavailable(Exception):
    """A server cannot be started on this machine; the message says why."""


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def wait_until(predicate, timeout: float, interval: float = 0.02):
    """Poll ``predicate`` until it returns a true value (returned) or ``timeout`` passes (None)."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() >= deadline:
            return None
        time.sleep(interval)


def process_gone(pid: int) -> bool:
    """True once ``pid`` has exited (a zombie nobody has reaped counts as exited)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state in ("Z", "X")


def stop_pid(pid: int, first_signal: int = signal.SIGTERM, timeout: float = STOP_TIMEOUT) -> None:
    """Send ``first_signal`` to ``pid``, wait for it to exit, then SIGKILL it if it has not."""
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, first_signal)
    if wait_until(lambda: process_gone(pid), timeout):
        return
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)
    wait_until(lambda: process_gone(pid), 10)


def _accepts(port: int) -> bool:
    try:
        with socket.create_connection((HOST, port), timeout=0.5):
            return True
    except OSError:
        return False


def _executable(*candidates: str | None) -> str | None:
    """The first candidate (a path, or a name looked up on PATH) that is an executable file."""
    for candidate in candidates:
        if not candidate:
            continue
        path = candidate if os.sep in candidate else shutil.which(candidate)
        if path and os.path.isfile(path) and os.access(path, os.X_OK):
            return path
    return None


def _spawn(command: list[str], what: str) -> subprocess.Popen:
    try:
        return subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)
    except OSError as exc:
        raise Unavailable(f"{what} cannot be run: {exc}") from None


def _tail(path: Path, lines: int = 15) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


# -- PostgreSQL -------------------------------------------------------------------


def find_postgres_bindir() -> Path:
    """The newest PostgreSQL server binaries: $CONNLINT_PG_BINDIR, Debian's
    /usr/lib/postgresql/N/bin, or the folder of ``initdb`` on PATH."""
    candidates = []
    if os.environ.get("CONNLINT_PG_BINDIR"):
        candidates.append(Path(os.environ["CONNLINT_PG_BINDIR"]))
    versions = glob.glob("/usr/lib/postgresql/*/bin")
    versions.sort(key=lambda p: [int(x) if x.isdigit() else 0 for x in Path(p).parent.name.split(".")], reverse=True)
    candidates += [Path(p) for p in versions]
    initdb = shutil.which("initdb")
    if initdb:
        candidates.append(Path(initdb).resolve().parent)
    for bindir in candidates:
        if all(_executable(str(bindir / name)) for name in ("initdb", "pg_ctl", "postgres")):
            return bindir
    raise Unavailable(
        "no PostgreSQL server binaries (initdb, pg_ctl, postgres) in /usr/lib/postgresql/*/bin or on PATH"
    )


class PostgresServer:
    """A throw-away PostgreSQL cluster: superuser ``postgres`` (trust
    authentication on 127.0.0.1), a normal role ``app`` owning database ``app``."""

    max_connections = 20
    superuser = "postgres"
    user = "app"
    dbname = "app"

    def __init__(self, bindir: Path, workdir: Path, port: int, pid: int, run_as: list[str]):
        self.bindir, self.workdir, self.port, self.pid, self.run_as = bindir, workdir, port, pid, run_as
        self.host = HOST

    @classmethod
    def start(cls) -> PostgresServer:
        bindir = find_postgres_bindir()
        run_as: list[str] = []
        owner = None
        if os.geteuid() == 0:
            # initdb and postgres refuse to run as root
            try:
                owner = pwd.getpwnam("postgres")
            except KeyError:
                raise Unavailable("running as root and there is no 'postgres' user to run PostgreSQL as") from None
            runuser = shutil.which("runuser") or ("/usr/sbin/runuser" if os.path.exists("/usr/sbin/runuser") else None)
            if runuser is None:
                raise Unavailable("running as root and 'runuser' is not installed to run PostgreSQL as 'postgres'")
            run_as = [runuser, "-u", "postgres", "--"]
        workdir = Path(tempfile.mkdtemp(prefix="connlint-pg-"))
        try:
            if owner is not None:
                os.chown(workdir, owner.pw_uid, owner.pw_gid)
            os.chmod(workdir, 0o700)
            # initdb fails under a locale the machine lacks (LANG=en_US.UTF-8 on a bare image)
            env = {k: v for k, v in os.environ.items() if not k.startswith(("LC_", "LANG"))}
            env.update(LANG="C.UTF-8", LC_ALL="C.UTF-8")
            data = workdir / "data"
            initdb = [*run_as, str(bindir / "initdb"), "-D", str(data), "--locale=C.UTF-8", "--encoding=UTF8",
                      "--no-sync", "-U", cls.superuser, "--auth=trust"]
            done = subprocess.run(initdb, env=env, capture_output=True, text=True, timeout=START_TIMEOUT)
            if done.returncode != 0:
                raise Unavailable(f"initdb failed ({done.returncode}): {(done.stderr or done.stdout).strip()[-400:]}")
            log = workdir / "server.log"
            for _attempt in range(3):
                port = free_port()
                options = (f"-c listen_addresses={HOST} -p {port} -c unix_socket_directories={workdir} "
                           f"-c max_connections={cls.max_connections} -c fsync=off -c full_page_writes=off "
                           "-c synchronous_commit=off -c shared_buffers=16MB")
                # -l: without a log file, pg_ctl leaves the server holding a captured pipe open
                start = [*run_as, str(bindir / "pg_ctl"), "-D", str(data), "-l", str(log), "-w", "-t", "30",
                         "-o", options, "start"]
                done = subprocess.run(start, env=env, capture_output=True, text=True, timeout=START_TIMEOUT)
                if done.returncode == 0:
                    break
            else:
                raise Unavailable(f"pg_ctl start failed: {done.stderr.strip()[-300:]}\n{_tail(log)}")
            pid = int((data / "postmaster.pid").read_text().split()[0])
        except subprocess.TimeoutExpired as exc:
            shutil.rmtree(workdir, ignore_errors=True)
            raise Unavailable(f"PostgreSQL did not start in time: {exc}") from None
        except BaseException:
            pid_file = workdir / "data" / "postmaster.pid"
            if pid_file.exists():
                stop_pid(int(pid_file.read_text().split()[0]), signal.SIGINT)
            shutil.rmtree(workdir, ignore_errors=True)
            raise
        server = cls(bindir, workdir, port, pid, run_as)
        try:
            with server.admin() as cur:
                cur.execute(f"create role {cls.user} login")
                cur.execute(f"create database {cls.dbname} owner {cls.user}")
        except BaseException:
            server.stop()
            raise
        return server

    def stop(self) -> None:
        # SIGINT is PostgreSQL's fast shutdown: clients are disconnected at once
        stop_pid(self.pid, signal.SIGINT)
        shutil.rmtree(self.workdir, ignore_errors=True)

    @property
    def major(self) -> int:
        name = self.bindir.parent.name
        return int(name) if name.isdigit() else int(self.setting("server_version_num")) // 10000

    @property
    def refused_message(self) -> str:
        """What the server says to a normal role when only the superusers' slots are left."""
        if self.major >= 16:
            return "FATAL:  remaining connection slots are reserved for roles with the SUPERUSER attribute"
        return "FATAL:  remaining connection slots are reserved for non-replication superuser connections"

    #: what the server says when no slot is left at all
    full_message = "FATAL:  sorry, too many clients already"

    def describe(self) -> str:
        return (f"{self.bindir.parent.name} on {self.host}:{self.port} (max_connections={self.max_connections}, "
                f"superuser_reserved_connections=3: 17 slots for a normal role)")

    def dsn(self, user: str | None = None, dbname: str | None = None) -> str:
        """A libpq connection string (psycopg2, psycopg)."""
        return (f"host={self.host} port={self.port} user={user or self.user} "
                f"dbname={dbname or self.dbname} connect_timeout=5")

    def url(self, driver: str = "psycopg2", user: str | None = None, dbname: str | None = None) -> str:
        """A URL: ``postgresql+psycopg2://app@127.0.0.1:PORT/app`` (``driver=""``: ``postgresql://...``)."""
        scheme = f"postgresql+{driver}" if driver else "postgresql"
        return f"{scheme}://{user or self.user}@{self.host}:{self.port}/{dbname or self.dbname}"

    @contextlib.contextmanager
    def admin(self, dbname: str = "postgres"):
        """A cursor on a short-lived superuser connection (autocommit)."""
        import psycopg2

        conn = psycopg2.connect(self.dsn(user=self.superuser, dbname=dbname))
        try:
            conn.autocommit = True
            with conn.cursor() as cur:
                yield cur
        finally:
            conn.close()

    def setting(self, name: str) -> str:
        with self.admin() as cur:
            cur.execute("select current_setting(%s)", (name,))
            return cur.fetchone()[0]

    def connections(self, user: str | None = None) -> int:
        """Client connections the server holds for ``user`` (default: the normal role)."""
        with self.admin() as cur:
            cur.execute(
                "select count(*) from pg_stat_activity where usename = %s "
                "and backend_type = 'client backend' and pid <> pg_backend_pid()",
                (user or self.user,),
            )
            return cur.fetchone()[0]

    def wait_connections(self, count: int, user: str | None = None, timeout: float = 10.0) -> int:
        """Wait until the server holds ``count`` connections for ``user``; return what it holds then."""
        return wait_count(lambda: self.connections(user), count, timeout)

    def free_slots(self) -> int:
        """How many connections a normal role can open now."""
        with self.admin() as cur:
            cur.execute(
                "select current_setting('max_connections')::int"
                " - current_setting('superuser_reserved_connections')::int"
                " - (select count(*) from pg_stat_activity"
                "    where backend_type = 'client backend' and pid <> pg_backend_pid())"
            )
            return cur.fetchone()[0]

    def disconnect_all(self, user: str | None = None, timeout: float = 10.0) -> None:
        """End every connection of ``user`` (default: the normal role), and wait until they are gone."""
        with self.admin() as cur:
            cur.execute(
                "select pg_terminate_backend(pid) from pg_stat_activity where usename = %s and pid <> pg_backend_pid()",
                (user or self.user,),
            )
        self.wait_connections(0, user, timeout)


# -- servers run as a process of ours --------------------------------------------------


def wait_count(count_now, count: int, timeout: float) -> int:
    """Wait until ``count_now()`` gives ``count``; return what it gave last."""
    seen = [None]

    def reached():
        seen[0] = count_now()
        return seen[0] == count

    wait_until(reached, timeout, interval=0.05)
    return seen[0]


class _ServerProcess:
    """A server started as a child process on 127.0.0.1 and a free port, in a
    temporary folder of its own (Redis, MariaDB); ``connections()`` is the
    subclass's."""

    def __init__(self, binary: str, workdir: Path, port: int, process: subprocess.Popen):
        self.binary, self.workdir, self.port, self.process = binary, workdir, port, process
        self.host = HOST
        self.pid = process.pid

    @classmethod
    def _launch(cls, binary: str, workdir: Path, log: Path, command, ready):
        """Start ``command(port)``; a port another process took first is tried
        again with another, three times at most."""
        for _attempt in range(3):
            port = free_port()
            process = _spawn(command(port), binary)
            server = cls(binary, workdir, port, process)
            wait_until(lambda: process.poll() is not None or ready(server), START_TIMEOUT)
            if process.poll() is None and ready(server):
                return server
            process.kill()
            process.wait(10)
        shutil.rmtree(workdir, ignore_errors=True)
        raise Unavailable(f"{os.path.basename(binary)} did not start: {_tail(log)}")

    def stop(self) -> None:
        stop_pid(self.pid)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(5)
        shutil.rmtree(self.workdir, ignore_errors=True)

    def wait_connections(self, count: int, timeout: float = 10.0) -> int:
        """Wait until the server holds ``count`` client connections; return what it holds then."""
        return wait_count(self.connections, count, timeout)


# -- Redis --------------------------------------------------------------------------


def _redis_command(port: int, *words: str, timeout: float = 2.0) -> bytes:
    """Send one command to Redis on a fresh socket; return the reply (a bulk
    reply's payload, or a status/error/integer line)."""
    payload = f"*{len(words)}\r\n".encode() + b"".join(
        f"${len(w.encode())}\r\n".encode() + w.encode() + b"\r\n" for w in words
    )
    with socket.create_connection((HOST, port), timeout=timeout) as sock:
        sock.sendall(payload)
        reply = b""
        while b"\r\n" not in reply:
            chunk = sock.recv(65536)
            if not chunk:
                return reply
            reply += chunk
        head, _, rest = reply.partition(b"\r\n")
        if not head.startswith(b"$"):
            return head
        size = int(head[1:])
        while len(rest) < size:
            chunk = sock.recv(65536)
            if not chunk:
                break
            rest += chunk
        return rest[:size]


class RedisServer(_ServerProcess):
    """``redis-server`` on 127.0.0.1, nothing saved to disk."""

    @classmethod
    def start(cls) -> RedisServer:
        binary = _executable(os.environ.get("CONNLINT_REDIS_SERVER"), "redis-server", "/usr/bin/redis-server")
        if not binary:
            raise Unavailable("no redis-server on PATH (Debian: apt-get install redis-server)")
        workdir = Path(tempfile.mkdtemp(prefix="connlint-redis-"))
        log = workdir / "redis.log"
        return cls._launch(
            binary, workdir, log,
            lambda port: [binary, "--bind", HOST, "--port", str(port), "--save", "", "--appendonly", "no",
                          "--daemonize", "no", "--dir", str(workdir), "--logfile", str(log)],
            cls.ping,
        )

    def ping(self) -> bool:
        try:
            return _redis_command(self.port, "PING", timeout=0.5).startswith(b"+PONG")
        except OSError:
            return False

    @property
    def url(self) -> str:
        return f"redis://{self.host}:{self.port}/0"

    def describe(self) -> str:
        version = _redis_command(self.port, "INFO", "server").decode(errors="replace")
        found = [line.split(":", 1)[1] for line in version.splitlines() if line.startswith("redis_version:")]
        return f"{found[0] if found else '?'} on {self.host}:{self.port}"

    def connections(self) -> int:
        """Client connections the server holds, not counting the one asking."""
        for line in _redis_command(self.port, "INFO", "clients").decode(errors="replace").splitlines():
            if line.startswith("connected_clients:"):
                return int(line.split(":", 1)[1]) - 1
        raise RuntimeError("Redis INFO clients gave no connected_clients")

    def disconnect_all(self) -> None:
        _redis_command(self.port, "CLIENT", "KILL", "TYPE", "normal", "SKIPME", "yes")
        self.wait_connections(0)


# -- MariaDB ------------------------------------------------------------------------


class MariaDBServer(_ServerProcess):
    """``mariadbd`` on 127.0.0.1 with an empty data folder and no grant tables
    (any user connects without a password), ``max_connections=20``."""

    max_connections = 20
    user = "root"

    @classmethod
    def start(cls) -> MariaDBServer:
        binary = _executable(os.environ.get("CONNLINT_MARIADBD"), "mariadbd", "mysqld", "/usr/sbin/mariadbd",
                             "/usr/sbin/mysqld")
        if not binary:
            raise Unavailable("no mariadbd (Debian: apt-get install mariadb-server-core)")
        workdir = Path(tempfile.mkdtemp(prefix="connlint-mariadb-"))
        (workdir / "data").mkdir()
        log = workdir / "error.log"
        user = ["--user=root"] if os.geteuid() == 0 else []
        return cls._launch(
            binary, workdir, log,
            lambda port: [binary, "--no-defaults", f"--datadir={workdir / 'data'}", *user, "--skip-grant-tables",
                          f"--bind-address={HOST}", f"--port={port}", f"--socket={workdir / 'mysqld.sock'}",
                          f"--pid-file={workdir / 'mysqld.pid'}", f"--log-error={log}", "--skip-log-bin",
                          "--skip-name-resolve", "--innodb-buffer-pool-size=16M",
                          f"--max-connections={cls.max_connections}"],
            lambda server: _accepts(server.port),
        )

    def describe(self) -> str:
        conn = self.connect()
        try:
            with conn.cursor() as cur:
                cur.execute("select version()")
                version = cur.fetchone()[0]
        finally:
            conn.close()
        return f"{version} on {self.host}:{self.port} (max_connections={self.max_connections})"

    def connect(self, **options):
        import pymysql

        return pymysql.connect(host=self.host, port=self.port, user=self.user, connect_timeout=5,
                               read_timeout=10, write_timeout=10, **options)

    def connections(self) -> int:
        """Client connections the server holds, not counting the one asking."""
        conn = self.connect()
        try:
            with conn.cursor() as cur:
                cur.execute("show status like 'Threads_connected'")
                return int(cur.fetchone()[1]) - 1
        finally:
            conn.close()


# -- HTTP ---------------------------------------------------------------------------------


class CountingHTTPServer:
    """An HTTP/1.1 server on 127.0.0.1, in a thread of this process, that
    counts the TCP connections it accepts and how many are open."""

    def __init__(self):
        import http.server
        import threading

        counter = self
        self.lock = threading.Lock()
        self.accepted = 0
        self.open = 0

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive: a client may reuse the connection
            timeout = 10  # an idle kept-alive connection is dropped after this

            def setup(self):
                super().setup()
                with counter.lock:
                    counter.accepted += 1
                    counter.open += 1

            def finish(self):
                try:
                    super().finish()
                finally:
                    with counter.lock:
                        counter.open -= 1

            def do_GET(self):
                body = b"ok\n"
                self.send_response(200)
                self.send_header("Content-Type", "text/plain")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer((HOST, 0), Handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self.host = HOST
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}/"

    def reset(self) -> None:
        with self.lock:
            self.accepted = 0

    def wait_open(self, count: int, timeout: float = 5.0) -> int:
        wait_until(lambda: self.open == count, timeout)
        return self.open

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(10)
