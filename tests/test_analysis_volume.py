"""bench/analysis_volume.py counts each analysis of a file by what it was for."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

DB = 'import sqlite3\n\n\ndef connect():\n    return sqlite3.connect("x")\n'
USE = 'from app.db import connect\n\n\ndef run():\n    conn = connect()\n    conn.execute("select 1")\n'
TOOLS = "from app import use\n\n\ndef helper(conn):\n    conn.close()\n"


def volume(tmp_path) -> list[str]:
    proc = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "analysis_volume.py"), str(tmp_path)],
        capture_output=True, text=True, cwd=tmp_path, check=True,
    )
    return proc.stdout.splitlines()


def project(tmp_path, **files) -> None:
    (tmp_path / "app").mkdir()
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "app"\n')
    for name, text in {"__init__": "", "plain": "import os\n", **files}.items():
        (tmp_path / "app" / f"{name}.py").write_text(text)


def test_each_file_that_can_make_a_resource_is_analysed_once(tmp_path):
    project(tmp_path, db=DB, use=USE)
    assert volume(tmp_path) == [
        "analyses                   files        bytes   share",
        "check                          2          154  100.0%",
        "summary, resources             0            0    0.0%",
        "summary, no resources          0            0    0.0%",
        "again                          0            0    0.0%",
        "all                            2          154",
        "files analysed: 2; with anything found: 2",
    ]


def test_a_module_asked_for_before_its_turn_is_still_parsed_once(tmp_path):
    # a run of a few files has no plan: tools.py asks what use.py exports
    # before use.py's turn; use.py is checked then, its findings kept
    project(tmp_path, db=DB, use=USE, tools=TOOLS)
    lines = volume(tmp_path)
    assert lines[1:5] == [
        "check                          2          154  100.0%",
        "summary, resources             0            0    0.0%",
        "summary, no resources          0            0    0.0%",
        "again                          0            0    0.0%",
    ]
    assert lines[-1] == "files analysed: 2; with anything found: 2"
    proc = subprocess.run(
        [sys.executable, "-m", "connlint", "--isolated", "--no-cache", "app"],
        capture_output=True, text=True, cwd=tmp_path,
    )
    assert proc.stdout.splitlines()[0] == (
        "app/use.py:5:12: CNL101 sqlite3 connection from connect() (app/db.py:5) is never closed; "
        "use 'with contextlib.closing(connect(...)) as conn:'"
    )
