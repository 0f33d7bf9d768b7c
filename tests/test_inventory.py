"""``connlint inventory``: the connection budget of the fixture apps, by the real CLI."""

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def inventory(*args, cwd=ROOT):
    result = subprocess.run(
        [sys.executable, "-m", "connlint", "inventory", "--isolated", *args], cwd=cwd, capture_output=True, text=True
    )
    return result.returncode, result.stdout, result.stderr


def budget_of(document):
    return {b["target"]: (b["pools"], b["per_process"], b["total"]) for b in document["budget"]}


def test_fixture_apps_budget():
    code, out, err = inventory("--format", "json", "fixtures/")
    assert (code, err) == (0, "")
    document = json.loads(out)
    assert budget_of(document) == {
        # flask_app's engine (15, once) and project_flat's make_engine(), made per request by a view
        "database (target not readable)": (2, "unbounded", "unbounded"),
        "mongodb://catalog": (1, "unbounded", "unbounded"),
        "mongodb://events": (1, 50, 50),
        "postgresql+asyncpg://db/analytics": (1, "unbounded", "unbounded"),
        # project_cycles: q.make_engine() (10) and db.engine's engine (10)
        "postgresql://db/app": (2, 20, 20),
        "postgresql://db/orders": (2, 25, 25),
        "postgresql://db/blog": (1, 10, 10),
        "postgresql://db/reports": (3, "unbounded", "unbounded"),
        "postgresql://db/shop": (1, 15, 15),
        "postgresql://db/warehouse": (2, "unbounded", "unbounded"),
        "redis://cache": (1, 20, 20),
        "redis://carts": (1, "unbounded", "unbounded"),
        "redis://ratelimit": (1, "unbounded", "unbounded"),
        "redis://sessions": (1, 20, 20),
    }
    pools = {(p["path"], p["line"]): p for p in document["pools"]}
    assert len(pools) == 21
    assert pools[("fixtures/project_src/src/shop/helpers.py", 20)]["created"] == (
        "per request via report() (Flask route '/reports') -> Reports()"
    )
    assert pools[("fixtures/fastapi_app/main.py", 13)] == {
        "path": "fixtures/fastapi_app/main.py", "line": 13, "library": "SQLAlchemy engine", "server": "database",
        "target": "postgresql://db/orders", "max_connections": 15, "limits": "pool_size=10 + max_overflow=5",
        "limits_source": "explicit", "created": "once",
    }
    assert pools[("fixtures/fastapi_app/main.py", 20)]["max_connections"] == 10
    assert pools[("fixtures/flask_app/app.py", 49)]["limits_source"] == "default"
    assert pools[("fixtures/flask_app/app.py", 49)]["created"] == (
        "per request via get_item() (Flask route '/items/<int:item_id>')"
    )
    assert pools[("fixtures/celery_app/tasks.py", 28)]["created"] == "per task via export() (Celery task)"
    assert pools[("fixtures/fastapi_app/main.py", 56)]["limits_source"] == "unknown"


def test_processes_multiply_and_max_connections_fails_the_run():
    code, out, err = inventory("--processes", "4", "--max-connections", "100", "fixtures/fastapi_app")
    assert code == 1
    assert err == "connlint: the connection budget exceeds max_connections=100 for: postgresql+asyncpg://db/analytics\n"
    lines = out.splitlines()
    assert lines[-3:] == [
        "Connection budget per target x 4 processes:",
        "  postgresql+asyncpg://db/analytics: unbounded per process = unbounded (1 pool)  exceeds max_connections=100",
        "  postgresql://db/orders: 25 per process = 100 (2 pools)",
    ]


def test_within_budget_exits_zero(tmp_path):
    (tmp_path / "db.py").write_text(
        "from sqlalchemy import create_engine\n"
        "engine = create_engine('postgresql://db/app', pool_size=10, max_overflow=5)\n"
        "replica = create_engine('postgresql://replica/app', pool_size=5, max_overflow=0)\n"
    )
    code, out, err = inventory("--processes", "6", "--max-connections", "100", "db.py", cwd=tmp_path)
    assert (code, err) == (0, "")
    assert out.splitlines()[-2:] == [
        "  postgresql://db/app: 15 per process = 90 (1 pool)",
        "  postgresql://replica/app: 5 per process = 30 (1 pool)",
    ]
    code, _, err = inventory("--processes", "7", "--max-connections", "100", "db.py", cwd=tmp_path)
    assert code == 1 and "postgresql://db/app" in err


def test_no_pools(tmp_path):
    (tmp_path / "x.py").write_text("print('hello')\n")
    assert inventory("x.py", cwd=tmp_path) == (0, "No pools, engines or pooled clients found.\n", "")


def test_missing_path_is_an_error(tmp_path):
    code, out, err = inventory("nope/", cwd=tmp_path)
    assert (code, out) == (2, "")
    assert err == "connlint: error: path not found: nope/\n"
