"""The bundled fixture apps, checked by the real CLI, and their own tests."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CONNLINT = [sys.executable, "-m", "connlint"]


def run(*args, cwd=ROOT):
    return subprocess.run([*CONNLINT, *args], cwd=cwd, capture_output=True, text=True)


def test_postmortem_app_leaks_are_reported_exactly():
    result = run("--isolated", "fixtures/postmortem")
    assert result.returncode == 1
    assert result.stdout.splitlines() == [
        "fixtures/postmortem/app.py:28:12: CNL101 sqlite3 connection from sqlite3.connect() is never closed; "
        "use 'with contextlib.closing(sqlite3.connect(...)) as conn:'",
        "fixtures/postmortem/app.py:37:12: CNL102 sqlite3 connection from sqlite3.connect() is closed only when "
        "no exception is raised (line 38 can raise first); close it in a 'finally' block or use "
        "'with contextlib.closing(sqlite3.connect(...)) as conn:'",
        "fixtures/postmortem/app.py:46:10: CNL103 'with' on sqlite3 connection from sqlite3.connect() commits or "
        "rolls back but does not close it; use 'with contextlib.closing(sqlite3.connect(...)) as conn:'",
        "Found 3 problems.",
    ]
    assert result.stderr == ""


def test_fixed_twin_is_clean():
    result = run("--isolated", "fixtures/postmortem_fixed")
    assert (result.returncode, result.stdout, result.stderr) == (0, "All checks passed.\n", "")


@pytest.mark.parametrize("app", ["postmortem", "postmortem_fixed"])
def test_fixture_apps_own_tests_pass(app):
    env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1")
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "test_app.py"],
        cwd=ROOT / "fixtures" / app,
        capture_output=True,
        text=True,
        env=env,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "3 passed" in result.stdout
