"""Light summaries: a module that imports no catalog library, nothing another
module exports and no framework whose objects it names is summarised without
being parsed; only a question about what one of its functions does with a
resource parses it.  The findings are those a full summary gives, whatever
the order, the door, ``--jobs`` or the cache."""

import itertools
import pickle
import subprocess
import sys

import pytest

from connlint import engine, project, runner
from connlint.config import Selection, load_settings
from connlint.engine import Checker
from connlint.project import ProjectIndex
from connlint.source import parse
from connlint.summary import EMPTY, LightSummary, ModuleSummary

DB = 'import sqlite3\n\nPATH = "x.db"\n\n\ndef connect():\n    return sqlite3.connect(PATH)\n'
# a and b import each other and, from app.db, only a string: both are light
A = 'from app.db import PATH\nfrom app.util import b\n\n\ndef use(conn):\n    b.run(conn, "select 1")\n\n\ndef done(conn):\n    b.finish(conn)\n'
B = (
    "from app.db import PATH\nfrom app.util import a{extra}\n\n\ndef run(conn, sql):\n    conn.execute(sql)\n\n\n"
    "def finish(conn):\n    conn.close()\n\n\ndef again(conn):\n    a.use(conn)\n"
)
# c makes connections and lends them to a: in the cycle when b imports it
C = (
    'import sqlite3\n\nfrom app.util import a\n\n\ndef job():\n    conn = sqlite3.connect("y")\n    a.use(conn)\n\n\n'
    'def tidy():\n    conn = sqlite3.connect("y")\n    a.done(conn)\n'
)
PLAIN = "from app.db import PATH\n\n\ndef describe(conn):\n    return str(conn)\n"
VIEWS = (
    "import sqlite3\n\nfrom app.util.a import done, use\nfrom app.util.plain import describe\n\n\n"
    'def leaks():\n    conn = sqlite3.connect("x")\n    use(conn)\n\n\n'
    'def closes():\n    conn = sqlite3.connect("x")\n    done(conn)\n'
)
LEAK = "CNL101 sqlite3 connection from sqlite3.connect() is never closed; use 'with contextlib.closing(sqlite3.connect(...)) as conn:'"
EXPECTED = [f"app/util/c.py:7:12: {LEAK}", f"app/views.py:8:12: {LEAK}"]
FILES = ["app/__init__.py", "app/db.py", "app/util/__init__.py", "app/util/a.py", "app/util/b.py",
         "app/util/c.py", "app/util/plain.py", "app/views.py"]


def make_project(root, c_in_cycle: bool):
    """c in the cycle: a's functions are asked about while the cycle is
    solved; out of it: once the cycle is settled, by c and views."""
    texts = {"app/__init__.py": "", "app/db.py": DB, "app/util/__init__.py": "", "app/util/a.py": A,
             "app/util/b.py": B.format(extra=", c" if c_in_cycle else ""), "app/util/c.py": C,
             "app/util/plain.py": PLAIN, "app/views.py": VIEWS}
    (root / "pyproject.toml").write_text('[project]\nname = "lp"\n')
    for name, text in texts.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)


def in_process(root, paths, jobs=1, cache=None):
    settings = load_settings(None, True, cwd=root)
    checker = Checker(settings, Selection(["CNL1"], []))
    index = ProjectIndex(checker, (settings.root,), cache)
    findings = runner.check_files(checker, [root / p for p in paths], cache, jobs, project=index)
    return sorted(f"{f.path}:{f.line}:{f.column}: {f.code} {f.message}" for f in findings)


@pytest.fixture(params=[True, False], ids=["asked-while-solved", "asked-once-settled"])
def light_project(request, tmp_path, monkeypatch):
    make_project(tmp_path, request.param)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_a_light_module_is_parsed_only_when_its_parameters_are_asked_about(light_project, monkeypatch):
    parsed = []

    def counting_parse(data, display):
        parsed.append(display)
        return parse(data, display)

    monkeypatch.setattr(engine, "parse", counting_parse)
    assert in_process(light_project, FILES) == EXPECTED
    # plain.py is light and nobody lends it a resource; a and b are light, and
    # parsed for what use and done do with the connection lent to them
    assert "app/util/plain.py" not in parsed
    assert {"app/db.py", "app/util/a.py", "app/util/b.py", "app/util/c.py", "app/views.py"} == set(parsed)


def test_what_a_light_module_does_with_a_resource_is_what_its_full_summary_says(light_project):
    checker = Checker(load_settings(None, True, cwd=light_project), Selection(["CNL1"], []))
    index = ProjectIndex(checker, (light_project,))
    index.begin_file(light_project / "app" / "views.py")
    assert isinstance(index._summary_at(str(light_project / "app" / "util" / "a.py")), LightSummary)
    full = index.summary("app.util.a")  # completed
    assert full.functions["use"].order == ("conn",) and full.functions["use"].params == {}
    assert full.functions["done"].params == {"conn": "release"}
    assert index.summary("app.util.b").functions["finish"].params == {"conn": "release"}


@pytest.mark.parametrize("order", list(itertools.permutations(["app/util/a.py", "app/util/c.py", "app/views.py"])),
                         ids="-".join)
def test_every_order_gives_the_same_findings(light_project, order):
    assert in_process(light_project, order) == [line for line in EXPECTED if line.split(":")[0] in order]


def test_each_file_alone_gives_what_the_whole_project_gives(light_project):
    assert sorted(line for path in FILES for line in in_process(light_project, [path])) == EXPECTED


def test_worker_processes_give_the_same_findings(light_project, monkeypatch):
    monkeypatch.setattr(runner, "PARALLEL_MIN_FILES", 1)  # planned, in worker processes, as a large run is
    monkeypatch.setattr(runner, "PARALLEL_MIN_BYTES", 1)
    assert in_process(light_project, FILES, jobs=2) == in_process(light_project, FILES, jobs=1) == EXPECTED


def test_the_cli_and_the_cache_follow_a_change_to_a_light_module(light_project):
    def cli(*args):
        command = [sys.executable, "-m", "connlint", "--isolated", "-q", "--select", "CNL1", "--cache-dir", "cache"]
        return subprocess.run([*command, *args], cwd=light_project, capture_output=True, text=True).stdout.splitlines()

    assert cli("app") == EXPECTED
    assert (light_project / "cache").is_dir()
    assert cli("app") == EXPECTED  # served from the cache
    # b.run now closes what it is lent: no module that imports a catalog library changed
    b = light_project / "app" / "util" / "b.py"
    b.write_text(b.read_text().replace("    conn.execute(sql)\n", "    conn.execute(sql)\n    conn.close()\n"))
    assert cli("app") == []
    assert cli("--no-cache", "app") == []


def test_a_light_summary_reads_back_from_the_cache_and_from_a_worker():
    light = LightSummary()
    assert ModuleSummary.from_json(light.to_json()) == light != EMPTY
    assert pickle.loads(pickle.dumps(light)) == light
    assert pickle.loads(pickle.dumps(light)).functions == {}
    assert not light.exports


def test_a_module_that_names_a_framework_it_imports_is_not_light(tmp_path, monkeypatch):
    # routes.py imports nothing that makes a resource, but holds a Blueprint:
    # another module may register routes on it
    make_project(tmp_path, False)
    (tmp_path / "app" / "routes.py").write_text(
        "from flask import Blueprint\n\nfrom app.db import PATH\n\nbp = Blueprint('x', __name__)\n"
    )
    monkeypatch.chdir(tmp_path)
    checker = Checker(load_settings(None, True, cwd=tmp_path), Selection(["CNL1"], []))
    index = ProjectIndex(checker, (tmp_path,))
    index.begin_file(tmp_path / "app" / "routes.py")
    summary = index._summary_at(str(tmp_path / "app" / "routes.py"))
    assert not isinstance(summary, LightSummary)
    assert summary.bindings["bp"].type == "flask.Blueprint"
    assert project.PARAMS.startswith("\0")  # never part of a path
