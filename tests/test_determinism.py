"""The same answer every time: the findings of a project with import cycles
do not depend on the order its files are checked in, on ``--jobs``, or on
which other files the run checks."""

import itertools
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from connlint import runner
from connlint.config import Selection, load_settings
from connlint.engine import Checker
from connlint.project import ProjectIndex

ROOT = Path(__file__).resolve().parent.parent
CYCLES = ROOT / "fixtures" / "project_cycles"
APP = "fixtures/project_cycles/app"
EXPECTED = [
    f"{APP}/web/views.py:11:14: CNL201 SQLAlchemy engine from get_engine() ({APP}/pkg/p.py:5) is created on every "
    "request via items() (Flask route '/items'); create it once at module level (or in the app factory / lifespan) "
    "and share 'engine'",
    f"{APP}/web/views.py:18:15: CNL101 SQLAlchemy session from new_session() ({APP}/db/sessions.py:5) is never "
    "closed; use 'with new_session() as session:'",
]
#: The files whose analysis first asks for a summary of a module in a cycle,
#: each from a different side of it.
ENTRIES = ["pkg/aaa.py", "pkg/q.py", "web/health.py", "web/views.py"]


def in_process(paths, cwd=ROOT):
    """Findings of one run over ``paths`` in this order, with a fresh project index."""
    settings = load_settings(None, True, cwd=cwd)
    checker = Checker(settings, Selection(["CNL1", "CNL2"], []))
    project = ProjectIndex(checker, (settings.root, settings.root / "src"))
    findings = runner.check_files(checker, [Path(p) for p in paths], None, 1, project=project)
    return sorted(f"{f.path}:{f.line}:{f.column}: {f.code} {f.message}" for f in findings)


def cli(*args, cwd=ROOT):
    result = subprocess.run(
        [sys.executable, "-m", "connlint", "--isolated", "-q", "--no-cache", "--select", "CNL1,CNL2", *args],
        cwd=cwd, capture_output=True, text=True, timeout=300,
    )
    assert result.stderr == ""
    return result.stdout


@pytest.mark.parametrize("order", list(itertools.permutations(ENTRIES)), ids="-".join)
def test_every_order_of_the_files_gives_the_same_findings(order, monkeypatch):
    monkeypatch.chdir(ROOT)
    assert in_process([f"{APP}/{name}" for name in order]) == EXPECTED


def test_each_file_alone_gives_what_the_whole_project_gives(monkeypatch):
    monkeypatch.chdir(ROOT)
    files = sorted(str(path.relative_to(ROOT)) for path in CYCLES.rglob("*.py"))
    alone = sorted(line for path in files for line in in_process([path]))
    assert alone == in_process(files) == EXPECTED


def test_the_cli_agrees_on_the_directory_and_on_one_file():
    assert cli(APP).splitlines() == EXPECTED
    assert cli(f"{APP}/web/health.py", f"{APP}/web/views.py").splitlines() == EXPECTED
    assert cli(f"{APP}/pkg/aaa.py", f"{APP}/web/views.py").splitlines() == EXPECTED


def _padded_project(tmp_path):
    """The cycles fixture plus enough source in other packages (each asking for
    the cycle from another side) that ``-j`` runs worker processes."""
    shutil.copytree(CYCLES, tmp_path / "project_cycles")
    app = tmp_path / "project_cycles" / "app"
    body = "".join(
        f"def job_{n}(path):\n    with contextlib.closing(sqlite3.connect(path)) as conn:\n"
        f"        return conn.execute('select {n}').fetchall()\n\n\n"
        for n in range(2500)
    )
    entry = ["from app.pkg.q import ping", "from app.db.engine import healthcheck", "import app.pkg.p"]
    for index in range(12):
        package = app / f"pad{index:02d}"
        package.mkdir()
        (package / "__init__.py").write_text("")
        (package / "jobs.py").write_text(
            f"import contextlib\nimport sqlite3\n\n{entry[index % 3]}\n\n\n{body}", encoding="utf-8"
        )
    return tmp_path


def test_jobs_give_byte_identical_json(tmp_path):
    project = _padded_project(tmp_path)
    size = sum(path.stat().st_size for path in project.rglob("*.py"))
    assert size > runner.PARALLEL_MIN_BYTES  # so that -j runs worker processes
    outputs = {jobs: cli("--format", "json", "-j", str(jobs), "project_cycles", cwd=project) for jobs in (1, 2, 4)}
    assert outputs[1] == outputs[2] == outputs[4]
    expected = [line.replace("fixtures/", "") for line in EXPECTED]
    assert cli("-j", "2", "project_cycles", cwd=project).splitlines() == expected


def test_a_file_finds_the_same_modules_alone_and_with_the_others(tmp_path, monkeypatch):
    """``tests/pytests/test_io.py`` (a folder without ``__init__.py``) imports
    ``tests.utils`` from the folder above it: found whether or not a file of
    that folder is checked in the same run, and whatever the order."""
    app = tmp_path / "cli"
    (app / "tests" / "pytests").mkdir(parents=True)
    (app / "tests" / "__init__.py").write_text("")
    (app / "tests" / "utils.py").write_text(
        "import pymysql\n\n\ndef db_connection():\n    return pymysql.connect(host='db')\n"
    )
    (app / "tests" / "pytests" / "test_io.py").write_text(
        "import pymysql\n\nfrom tests.utils import db_connection\n\n\n"
        "def test_rows():\n    with db_connection().cursor() as cur:\n        cur.execute('select 1')\n"
    )
    monkeypatch.chdir(tmp_path)
    expected = [
        "cli/tests/pytests/test_io.py:7:10: CNL101 PyMySQL connection from db_connection() (cli/tests/utils.py:5) "
        "is never closed; use 'with db_connection(...) as conn:'"
    ]
    test, utils = "cli/tests/pytests/test_io.py", "cli/tests/utils.py"
    assert in_process([test], cwd=tmp_path) == expected
    assert in_process([test, utils], cwd=tmp_path) == in_process([utils, test], cwd=tmp_path) == expected


def test_a_module_checked_before_its_turn_shows_as_given_in_any_order(tmp_path):
    # views.py asks what db.py exports before db.py's turn: db.py is checked
    # then, by its absolute path; its findings still show the path as given
    project = tmp_path / "p6"
    (project / "app").mkdir(parents=True)
    (project / "pyproject.toml").write_text('[project]\nname = "p6"\n')
    (project / "app" / "__init__.py").write_text("")
    (project / "app" / "db.py").write_text(
        'import sqlite3\n\n\ndef connect():\n    return sqlite3.connect("x")\n\n\n'
        'def leak():\n    conn = sqlite3.connect("y")\n    conn.execute("select 1")\n'
    )
    (project / "app" / "views.py").write_text(
        'from app.db import connect\n\n\ndef index():\n    conn = connect()\n    conn.execute("select 1")\n'
    )
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    first = cli("../p6/app/views.py", "../p6/app/db.py", cwd=elsewhere).splitlines()
    assert first == cli("../p6/app/db.py", "../p6/app/views.py", cwd=elsewhere).splitlines()
    assert [line.split(": ")[0] for line in first] == ["../p6/app/db.py:9:12", "../p6/app/views.py:5:12"]


def test_a_cycle_met_inside_another_being_solved_leaves_it_its_members(tmp_path, monkeypatch):
    # views.py asks m4 for ``keep``: m4 imports m2, whose ``app.m0.use`` reads
    # m0, which imports m2 and m4 back.  The second cycle, met while the first
    # is solved, used to take the first one's members and end it with a
    # KeyError (CNL900 "internal error" on views.py, in some orders only)
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "nested"\n')
    app = tmp_path / "app"
    app.mkdir()
    (app / "m0.py").write_text('from app.m2 import keep\nimport app.m4\n\n\ndef use(conn):\n    conn.execute("select 1")\n')
    (app / "m2.py").write_text("import sqlite3\nfrom app import (\n    m1,\n)\nimport app\n\n\ndef keep(conn):\n    app.m0.use(conn)\n")
    (app / "m4.py").write_text("import app.m2\n")
    leak = 'import sqlite3\n\nfrom app.{} import keep\n\n\ndef {}():\n    conn = sqlite3.connect("x")\n    keep(conn)\n'
    (app / "views.py").write_text(leak.format("m4", "index"))
    (app / "jobs.py").write_text(leak.format("m2", "run"))
    monkeypatch.chdir(tmp_path)
    files = ["app/jobs.py", "app/m0.py", "app/m2.py", "app/m4.py", "app/views.py"]
    expected = [
        "app/jobs.py:7:12: CNL101 sqlite3 connection from sqlite3.connect() is never closed; "
        "use 'with contextlib.closing(sqlite3.connect(...)) as conn:'"
    ]
    assert in_process(files, cwd=tmp_path) == expected
    assert in_process(files[::-1], cwd=tmp_path) == expected
    assert sorted(line for name in files for line in in_process([name], cwd=tmp_path)) == expected
