"""The bundled fixture apps, checked by the real CLI, and their own tests."""

import os
import shutil
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
        "Found 3 problems (3 fixable with --fix).",
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


def test_framework_fixture_apps_report_exactly_the_wrong_patterns():
    """One fixture app per major framework (Flask, FastAPI, Django, Celery):
    each wrong pattern is reported once, naming its handler; the right
    patterns beside them stay silent."""
    result = run("--isolated", "-q", "--select", "CNL1,CNL2", "fixtures/flask_app", "fixtures/fastapi_app", "fixtures/django_app", "fixtures/celery_app")
    assert result.returncode == 1
    assert result.stdout.splitlines() == [
        "fixtures/celery_app/tasks.py:28:21: CNL201 SQLAlchemy engine from create_engine() is created on every task via export() (Celery task); create it once at module level (or in the app factory / lifespan) and share 'export_engine'",
        "fixtures/django_app/shop/views.py:16:15: CNL201 MongoClient from pymongo.MongoClient() is created on every request via product() (Django view); create it once at module level (or in the app factory / lifespan) and share 'catalog'",
        "fixtures/django_app/shop/views.py:33:17: CNL201 Redis client from redis.Redis() is created on every request via CartView.get() (Django view); create it once at module level (or in the app factory / lifespan) and share 'carts'",
        "fixtures/fastapi_app/main.py:39:17: CNL201 SQLAlchemy async engine from create_async_engine() is created on every request via get_analytics() (FastAPI dependency); create it once at module level (or in the app factory / lifespan) and share 'analytics'",
        "fixtures/fastapi_app/main.py:56:16: CNL201 httpx async client from httpx.AsyncClient() is created on every request via ship() (FastAPI route '/orders/{order_id}/ship'); create it once at module level (or in the app factory / lifespan) and share 'client'",
        "fixtures/flask_app/app.py:49:15: CNL201 SQLAlchemy engine from create_engine() is created on every request via get_item() (Flask route '/items/<int:item_id>'); create it once at module level (or in the app factory / lifespan) and share 'reports'",
        "fixtures/flask_app/app.py:57:12: CNL201 Redis client from redis.Redis() is created on every request via check_quota() (Flask route '/items') -> rate_limiter(); create it once at module level (or in the app factory / lifespan) and share 'r'",
        "fixtures/flask_app/app.py:70:23: CNL201 SQLAlchemy engine from create_engine() is created on every request via stock() (Flask route '/stock') -> Warehouse(); create it once at module level (or in the app factory / lifespan) and share 'engine'",
        "fixtures/flask_app/app.py:84:21: CNL203 requests.get() builds and discards a whole client on every iteration of the loop at line 84; use one shared 'requests.Session()' created before the loop",
    ]


def test_the_postmortem_app_still_passes_its_tests_after_every_fix(tmp_path):
    """--fix --unsafe-fixes changes the app's code, not what it does: its
    own tests pass on the fixed copy, and nothing is left to fix."""
    app = tmp_path / "postmortem"
    shutil.copytree(ROOT / "fixtures" / "postmortem", app)
    fix = subprocess.run(
        [sys.executable, "-m", "connlint", "--isolated", "--no-cache", "--fix", "--unsafe-fixes", "."],
        cwd=app, capture_output=True, text=True,
    )
    assert (fix.returncode, fix.stderr) == (0, ""), fix.stdout + fix.stderr
    assert fix.stdout.endswith("(3 fixed, 0 remaining).\n")
    env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1")
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "test_app.py"],
        cwd=app, capture_output=True, text=True, env=env,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "3 passed" in result.stdout
