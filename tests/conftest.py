"""Shared helpers for the end-to-end tests: they run the real, installed tool.

Every test invokes connlint as a subprocess (``python -m connlint`` when the
package has a ``__main__``, else the ``connlint`` script installed next to the
interpreter) with ``cwd`` set to a temporary directory, and asserts on the
exact stdout, stderr and exit status.
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest

#: A minimal file with one CNL101 at 3:12.
LEAK = (
    "import sqlite3\n"
    "def f(p):\n"
    "    conn = sqlite3.connect(p)\n"
    '    return conn.execute("select 1").fetchall()\n'
)
LEAK_MESSAGE = (
    "CNL101 sqlite3 connection from sqlite3.connect() is never closed; "
    "use 'with contextlib.closing(sqlite3.connect(...)) as conn:'"
)


def leak_line(path: str, line: int = 3, column: int = 12) -> str:
    """The text-format line of the CNL101 reported for ``LEAK`` (or alike) in ``path``."""
    return f"{path}:{line}:{column}: {LEAK_MESSAGE}"


def _command() -> list[str]:
    if importlib.util.find_spec("connlint.__main__") is not None:
        return [sys.executable, "-m", "connlint"]
    script = os.path.join(os.path.dirname(sys.executable), "connlint")
    if not os.path.exists(script):  # pragma: no cover - broken install
        raise RuntimeError(f"connlint is not installed next to {sys.executable}")
    return [script]


COMMAND = _command()


def run_connlint(args, cwd, input=None, timeout=120):
    """Run connlint with ``args`` in ``cwd``; return (returncode, stdout, stderr).

    ``input`` may be ``str`` or ``bytes`` (fed to standard input).
    """
    if isinstance(input, str):
        input = input.encode("utf-8")
    env = dict(os.environ)
    env.pop("PYTHONWARNINGS", None)
    env["PYTHONIOENCODING"] = "utf-8"
    proc = subprocess.run(
        [*COMMAND, *[str(a) for a in args]],
        cwd=str(cwd),
        input=input if input is not None else b"",
        capture_output=True,
        timeout=timeout,
        env=env,
    )
    return (
        proc.returncode,
        proc.stdout.decode("utf-8", "replace"),
        proc.stderr.decode("utf-8", "replace"),
    )


def write(tmp_path, relpath: str, text) -> Path:
    """Write ``text`` (str: UTF-8, exactly as given, no newline translation; or bytes)
    to ``tmp_path / relpath``, creating parent directories."""
    path = Path(tmp_path) / relpath
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_bytes(text.encode("utf-8"))
    return path


def assert_one_error_line(stderr: str, message: str | None = None) -> str:
    """stderr is exactly one line starting ``connlint: error:``; return it."""
    assert "Traceback" not in stderr, stderr
    assert stderr.endswith("\n"), repr(stderr)
    got = stderr.splitlines()
    assert len(got) == 1, stderr
    assert got[0].startswith("connlint: error: "), stderr
    if message is not None:
        assert got[0] == f"connlint: error: {message}"
    return got[0]


@pytest.fixture
def project(tmp_path):
    """A temporary project root: an empty pyproject.toml (no [tool.connlint])
    stops the upward config search, so settings are the defaults."""
    write(tmp_path, "pyproject.toml", "[project]\nname = \"sample\"\nversion = \"0\"\n")
    return tmp_path


#: One CNL101 (line 5), one CNL102 (line 10), one CNL103 (line 17).
THREE = '''\
import sqlite3


def leak(p):
    conn = sqlite3.connect(p)
    return conn.execute("select 1").fetchall()


def skipped(p):
    conn = sqlite3.connect(p)
    rows = conn.execute("select 1").fetchall()
    conn.close()
    return rows


def transaction_only(p):
    with sqlite3.connect(p) as conn:
        conn.execute("insert into t values (1)")
'''
