"""The order a run analyses a project in (connlint.schedule): every module
after what it imports, so that each module is parsed once — its summary taken
from its own check — and a module its check would skip gets its summary from
a lighter analysis that finds the same."""

import os
import random
from pathlib import Path

import pytest

from connlint import engine, runner
from connlint.cache import ResultCache
from connlint.config import Selection, load_settings
from connlint.engine import Checker
from connlint.facts import build_facts
from connlint.project import ProjectIndex, bound_imports, summarize
from connlint.prefilter import import_statements
from connlint.schedule import in_order, plan
from connlint.source import parse
from connlint.summary import ModuleSummary

from tests.helpers import ring_modules

DB = """\
import sqlalchemy

URL = "postgresql://db/app"
engine = sqlalchemy.create_engine(URL, pool_size=5, max_overflow=5)


def new_connection():
    return engine.connect()
"""
HELPERS = """\
from app.db import URL

KEPT = []


def close_quietly(conn):
    conn.close()


def keep(conn):
    KEPT.append(conn)


def describe(conn):
    return f"{URL}: {conn!r}"
"""
VIEWS = """\
from app.db import new_connection
from app.helpers import describe


def report():
    conn = new_connection()
    return describe(conn)
"""


def _package(tmp_path, **modules) -> Path:
    """``tmp_path`` holding the package ``app``: an empty ``__init__.py`` and
    each module named, with its source."""
    app = tmp_path / "app"
    app.mkdir()
    (app / "__init__.py").write_text("")
    for name, source in modules.items():
        (app / f"{name}.py").write_text(source)
    return tmp_path


def _project(tmp_path) -> Path:
    return _package(tmp_path, db=DB, helpers=HELPERS, views=VIEWS)


@pytest.fixture
def parsed(monkeypatch) -> list:
    """The display path of each file parsed, in order."""
    found = []

    def counting_parse(data, display):
        found.append(display)
        return parse(data, display)

    monkeypatch.setattr(engine, "parse", counting_parse)
    return found


def _checker_and_index(root, cache=None):
    settings = load_settings(None, True, cwd=root)
    checker = Checker(settings, Selection(["CNL1", "CNL2", "CNL3"], []))
    return checker, ProjectIndex(checker, (root,), cache)


def _planned_run(monkeypatch, root, files, planned: bool = True, cache=None) -> list:
    """The findings of one process checking ``files`` (relative to ``root``)
    with a plan: a run this small is not planned (pre-commit reads only what
    its files ask for), so it is made to count as large.  ``planned`` False:
    as such a run checks them, in the order given; ``cache``, a results
    cache the run reads and fills."""
    monkeypatch.chdir(root)
    if planned:
        monkeypatch.setattr(runner, "PARALLEL_MIN_FILES", 1)
        monkeypatch.setattr(runner, "PARALLEL_MIN_BYTES", 1)
    checker, index = _checker_and_index(root, cache)
    return runner.check_files(checker, files, cache, 1, project=index)


def test_each_module_is_parsed_once_for_its_summary_and_its_check(tmp_path, monkeypatch, parsed):
    root = _project(tmp_path)
    # views first: asked in this order, its imports would be summarised before their own checks
    files = [Path("app/views.py"), Path("app/helpers.py"), Path("app/db.py"), Path("app/__init__.py")]
    findings = _planned_run(monkeypatch, root, files)
    assert sorted(parsed) == ["app/db.py", "app/helpers.py", "app/views.py"]
    assert [(f.path, f.line, f.column, f.code) for f in findings] == [("app/views.py", 6, 12, "CNL104")]


def test_a_run_of_a_few_files_takes_a_summary_from_the_check_of_a_module_another_imports(tmp_path, monkeypatch, parsed):
    # no plan (pre-commit): db.py, checked first, is imported by views.py, so
    # its summary comes from its check; helpers.py is not checked (what it
    # imports makes no resource) and is analysed when views.py asks
    root = _project(tmp_path)
    monkeypatch.chdir(root)
    checker, index = _checker_and_index(root)
    files = [Path("app/db.py"), Path("app/helpers.py"), Path("app/views.py")]
    findings = runner.check_files(checker, files, None, 1, project=index)
    assert [(f.path, f.line, f.column, f.code) for f in findings] == [("app/views.py", 6, 12, "CNL104")]
    assert index.summarised == {str(root / "app" / "db.py"), str(root / "app" / "helpers.py")}
    assert parsed == ["app/db.py", "app/views.py", "app/helpers.py"]


def test_the_plan_puts_each_module_after_what_it_imports(tmp_path):
    root = _project(tmp_path)
    _, index = _checker_and_index(root)
    files = [root / "app" / name for name in ("views.py", "helpers.py", "db.py")]
    units = plan(index, files)
    checked = [files[item].name for number in in_order(units) for item in units[number].items]
    assert checked.index("db.py") < checked.index("helpers.py") < checked.index("views.py")
    db_unit = next(unit for unit in units if [files[i].name for i in unit.items] == ["db.py"])
    assert db_unit.members == (str(root / "app" / "db.py"),)


def test_a_module_its_check_skips_is_parsed_only_for_what_its_functions_do_with_their_parameters(
    tmp_path, monkeypatch, parsed
):
    root = _project(tmp_path)
    monkeypatch.chdir(root)
    checker, index = _checker_and_index(root)
    helpers = root / "app" / "helpers.py"
    data = helpers.read_bytes()
    index.begin_file(helpers)
    assert not index.begin_check(data, helpers)  # imports a string of db, nothing that makes a resource
    assert index.summary("app.helpers") == ModuleSummary(imports={"URL": "app.db.URL"}, passive=True, unread=True)
    assert not index.summary("app.helpers").exports
    assert index.entry("app.helpers.URL", "bindings") == (None, None)  # db.URL: a string
    assert parsed == ["app/db.py"]  # for what it exports
    assert index.entry("app.helpers.close_quietly", "params")[0].params == {"conn": "release"}
    assert parsed == ["app/db.py", "app/helpers.py"]
    read = index.summary("app.helpers")
    full = summarize(
        build_facts(str(helpers), parse(data, str(helpers)), data, checker.catalog, "app", index, lifetimes=False),
        checker.catalog, "app.helpers",
    )
    assert read.passive and not read.unread
    assert read.imports == full.imports == {"URL": "app.db.URL"}
    assert {name: (f.order, f.params) for name, f in read.functions.items()} == {
        "close_quietly": (("conn",), {"conn": "release"}),
        "keep": (("conn",), {"conn": "escape"}),
        "describe": (("conn",), {}),
    } == {name: (f.order, f.params) for name, f in full.functions.items()}
    assert not read.exports
    assert index.entry("app.helpers.URL", "bindings") == (None, None)
    index.entry("app.helpers.keep", "params")
    assert parsed == ["app/db.py", "app/helpers.py"]  # worked out once


def test_what_read_a_passive_module_holds_while_what_it_relied_on_stays_the_same(tmp_path, monkeypatch, parsed):
    # views.py relied on what helpers.py's functions do with their
    # parameters, report.py on its imports only: report.py's result holds
    # whether the cache kept helpers.py's summary with its parameters or
    # not, views.py's only with them, and until they change
    root = _project(tmp_path)
    monkeypatch.chdir(root)
    cache = ResultCache(tmp_path / "cache", "k")
    _, index = _checker_and_index(root, cache)
    helpers = str(root / "app" / "helpers.py")
    unread = index.summary("app.helpers")
    unread_digest = index.path_digest(helpers)
    index.entry("app.helpers.keep", "params")
    read, read_digest = index.summary("app.helpers"), index.path_digest(helpers)
    assert (unread.passive, unread.unread, read.passive, read.unread) == (True, True, True, False)
    parsed.clear()
    for kept, holds in ((read, True), (unread, False)):
        cache.store_summary(helpers, os.stat(helpers), kept, {})
        _, later = _checker_and_index(root, cache)
        assert later.unchanged({helpers: unread_digest})
        assert later.unchanged({helpers: read_digest}) is holds
    assert parsed == []
    # keep() now closes what it is given
    (root / "app" / "helpers.py").write_text(HELPERS.replace("KEPT.append(conn)", "conn.close()"))
    _, changed = _checker_and_index(root, cache)
    assert changed.unchanged({helpers: unread_digest})
    changed.entry("app.helpers.keep", "params")
    assert not changed.unchanged({helpers: read_digest})


def test_a_run_keeps_for_the_cache_a_passive_modules_summary_with_its_parameters(tmp_path):
    # two workers settle helpers.py: one before its parameters were asked
    # for, one after; whichever answers last, the cache gets the latter
    root = _project(tmp_path)
    _, index = _checker_and_index(root)
    helpers = str(root / "app" / "helpers.py")
    stat_result = os.stat(helpers)
    unread = (stat_result, index.summary("app.helpers"), {})
    index.entry("app.helpers.keep", "params")
    read = (stat_result, index.summary("app.helpers"), {})
    for answers in ((unread, read), (read, unread)):
        run = runner._Run(None, [], [], True, index, None)
        for computed in answers:
            run.done([], {helpers: computed})
        assert not run.summaries[helpers][1].unread


def test_the_imports_of_a_passive_module_are_read_from_its_import_statements():
    source = (
        b"import os, app.db as db, app.models\n"
        b"from . import views\n"
        b"from ..core import (\n    Base,  # the base\n    Session as S,\n)\n"
        b"from app.db import *\n"
        b"try:\n    import pysqlite3 as sqlite3\nexcept ImportError:\n    import sqlite3\n"
        b"import sqlite3 as lite\nimport json as lite\n"
        b"def late():\n    from app.cache import get\n"
    )
    assert bound_imports(import_statements(source, whole=True), "app.web", frozenset({"sqlite3"})) == {
        "os": "os", "db": "app.db", "app": "app", "views": "app.web.views", "Base": "app.core.Base",
        "S": "app.core.Session", "sqlite3": "pysqlite3", "lite": "json", "get": "app.cache.get",
    }


CYCLE_LABEL_A = "from app.b import LABEL\n\n\ndef describe(conn):\n    return f'{LABEL}: {conn!r}'\n"
CYCLE_LABEL_B = (
    "import sqlite3\n\nfrom app import a\n\nLABEL = 'db'\n\n\n"
    "def make():\n    return sqlite3.connect('x')\n\n\ndef run():\n    conn = make()\n    a.describe(conn)\n"
)


@pytest.mark.parametrize("planned", [False, True], ids=["in-order", "planned"])
@pytest.mark.parametrize("reverse", [False, True], ids=["files-in-order", "files-reversed"])
def test_a_cycle_member_that_imports_no_export_is_parsed_only_for_its_parameters(
    tmp_path, monkeypatch, parsed, planned, reverse
):
    # a.py, solved first, imports from b.py a name not known yet: taken to
    # export nothing so far, a.py is passive, and stays so once b.py is
    # solved (LABEL is a string).  It is parsed once, when b.py asks what
    # describe() does with the connection it passes
    _package(tmp_path, a=CYCLE_LABEL_A, b=CYCLE_LABEL_B)
    files = [Path("app/__init__.py"), Path("app/a.py"), Path("app/b.py")]
    findings = _planned_run(monkeypatch, tmp_path, files[::-1] if reverse else files, planned)
    assert [(f.path, f.line, f.column, f.code) for f in findings] == [("app/b.py", 13, 12, "CNL101")]
    if planned:  # a run of a few files meets the cycle only once inside it, and analyses b.py again
        assert sorted(parsed) == ["app/a.py", "app/b.py"]


def test_a_checked_member_of_an_import_cycle_is_not_parsed_again_for_its_check(monkeypatch):
    """Its findings come from the last pass that solved its cycle."""
    from collections import Counter

    from connlint import project as project_module

    root = Path(__file__).resolve().parent.parent
    monkeypatch.chdir(root)
    parsed, solved = Counter(), Counter()

    def counting_parse(data, display):
        parsed[display] += 1
        return parse(data, display)

    solve_member = project_module.ProjectIndex._solve_member

    def counting_solve(self, cycle, member):
        solved[member] += 1
        return solve_member(self, cycle, member)

    monkeypatch.setattr(engine, "parse", counting_parse)
    monkeypatch.setattr(project_module.ProjectIndex, "_solve_member", counting_solve)
    monkeypatch.setattr(runner, "PARALLEL_MIN_FILES", 1)  # planned, as a large run is
    monkeypatch.setattr(runner, "PARALLEL_MIN_BYTES", 1)
    checker, index = _checker_and_index(root)
    files = sorted((root / "fixtures" / "project_cycles").rglob("*.py"))
    findings = runner.check_files(checker, [f.relative_to(root) for f in files], None, 1, project=index)
    assert solved  # the fixture has import cycles
    for member, passes in solved.items():  # a pass that finds it passive parses nothing
        assert 1 <= parsed[str(Path(member).relative_to(root))] <= passes
    assert all(count == 1 for path, count in parsed.items() if str(root / path) not in solved)
    assert sorted(f"{f.path}:{f.line}: {f.code}" for f in findings) == [
        "fixtures/project_cycles/app/web/views.py:11: CNL201",
        "fixtures/project_cycles/app/web/views.py:18: CNL101",
    ]


def test_a_file_naming_nothing_the_catalog_knows_is_parsed_only_for_its_parameters(tmp_path, monkeypatch, parsed):
    # models.py imports sqlalchemy, but only names that make no resource, and
    # re-exports them: neither it nor forms.py is checked.  models.py is
    # passive: it exports nothing, which takes no parsing to tell forms.py;
    # it is parsed when views.py asks what save() does with a connection
    app = tmp_path / "app"
    app.mkdir()
    (app / "__init__.py").write_text("")
    (app / "models.py").write_text(
        "from sqlalchemy import (\n    Column,\n    Integer,\n)\n\n\n"
        "def save(conn, row):\n    conn.execute(row)\n    conn.close()\n"
    )
    (app / "forms.py").write_text("from app.models import Column\n\nfield = Column(Integer)\n")
    (app / "views.py").write_text(
        "import sqlite3\n\nfrom app.models import save\n\n\n"
        "def index(row):\n    conn = sqlite3.connect('x')\n    save(conn, row)\n\n\n"
        "def leak(row):\n    conn = sqlite3.connect('x')\n    conn.execute(row)\n"
    )
    monkeypatch.chdir(tmp_path)
    checker, index = _checker_and_index(tmp_path)
    for name in ("models.py", "forms.py"):
        index.begin_file(app / name)
        assert not index.begin_check((app / name).read_bytes(), app / name)
    assert parsed == []
    files = [Path("app/views.py"), Path("app/models.py"), Path("app/forms.py")]
    findings = runner.check_files(checker, files, None, 1, project=index)
    assert [(f.path, f.line, f.column, f.code) for f in findings] == [("app/views.py", 12, 12, "CNL101")]
    assert parsed == ["app/views.py", "app/models.py"]
    assert index.summary("app.models").functions["save"].params == {"conn": "release", "row": "escape"}


def test_a_run_without_a_cache_does_not_read_a_file_its_imports_show_is_never_checked(tmp_path, monkeypatch, parsed):
    # util.py names nothing the catalog knows and imports no project module
    # that gets a summary: the plan leaves it out, and it is not read again
    # after the plan's scan; helpers.py imports db.py (which gets a summary),
    # so only its check can tell
    root = _project(tmp_path)
    (root / "app" / "util.py").write_text("import os\n\n\ndef home():\n    return os.environ['HOME']\n")
    monkeypatch.chdir(root)
    monkeypatch.setattr(runner, "PARALLEL_MIN_FILES", 1)  # planned, as a large run is
    monkeypatch.setattr(runner, "PARALLEL_MIN_BYTES", 1)
    read = []
    original_read = engine.Checker.read

    def recording_read(self, path):
        read.append(str(path))
        return original_read(self, path)

    monkeypatch.setattr(engine.Checker, "read", recording_read)
    files = [Path("app/__init__.py"), Path("app/db.py"), Path("app/helpers.py"), Path("app/util.py"), Path("app/views.py")]
    checker, index = _checker_and_index(root)
    findings = runner.check_files(checker, files, None, 1, project=index)
    assert [(f.path, f.line, f.column, f.code) for f in findings] == [("app/views.py", 6, 12, "CNL104")]
    assert sorted(read) == ["app/db.py", "app/helpers.py", "app/views.py"]
    assert sorted(parsed) == ["app/db.py", "app/helpers.py", "app/views.py"]
    assert [index.never_checked(str(root / file)) for file in files] == [True, False, False, True, False]


def test_a_file_said_never_checked_fails_the_check_gate(monkeypatch):
    """``never_checked``, from import statements alone, never contradicts
    ``begin_check``, which reads the summaries: over every fixture project."""
    root = Path(__file__).resolve().parent.parent
    monkeypatch.chdir(root)
    files = sorted(str(path) for path in (root / "fixtures").rglob("*.py"))
    checker, index = _checker_and_index(root)
    index.adopt_scans(index.scan(files))
    said = [path for path in files if index.never_checked(path)]
    assert 0 < len(said) < len(files)
    for path in said:
        with open(path, "rb") as handle:
            assert not index.begin_check(handle.read(), path), path
    assert any(not index.never_checked(path) and not index.begin_check(Path(path).read_bytes(), path) for path in files)


def test_a_file_the_plan_cannot_read_is_still_reported(tmp_path, monkeypatch):
    # a dangling link imports nothing, as far as the plan can tell, yet the
    # run must say it cannot read it, as a run of that file alone does
    root = _project(tmp_path)
    os.symlink("missing.py", root / "app" / "gone.py")
    monkeypatch.chdir(root)
    monkeypatch.setattr(runner, "PARALLEL_MIN_FILES", 1)  # planned, as a large run is
    monkeypatch.setattr(runner, "PARALLEL_MIN_BYTES", 1)
    files = [Path("app/db.py"), Path("app/gone.py"), Path("app/helpers.py"), Path("app/views.py")]
    checker, index = _checker_and_index(root)
    findings = runner.check_files(checker, files, None, 1, project=index)
    assert [(f.path, f.line, f.column, f.code, f.message) for f in findings] == [
        ("app/gone.py", 1, 1, "CNL900", "cannot read: No such file or directory"),
        ("app/views.py", 6, 12, "CNL104", findings[1].message),
    ]


def test_a_planned_run_without_a_cache_summarises_only_what_a_checked_file_imports(tmp_path, monkeypatch):
    # views.py is checked but imported by no file: its summary would be read
    # by nothing; with a cache it is kept, for a later run of a few files
    from connlint import project as project_module

    root = _project(tmp_path)
    monkeypatch.chdir(root)
    monkeypatch.setattr(runner, "PARALLEL_MIN_FILES", 1)  # planned, as a large run is
    monkeypatch.setattr(runner, "PARALLEL_MIN_BYTES", 1)
    summarised = []
    original = project_module.summarize

    def recording_summarize(facts, catalog, module_name="", parameters=True):
        summarised.append(module_name)
        return original(facts, catalog, module_name, parameters)

    passive = project_module.passive_summary

    def recording_passive(facts, catalog, imports):  # helpers.py: views.py asks what describe() does with conn
        summarised.append(f"app.{Path(facts.path).stem}")
        return passive(facts, catalog, imports)

    monkeypatch.setattr(project_module, "summarize", recording_summarize)
    monkeypatch.setattr(project_module, "passive_summary", recording_passive)
    files = [Path("app/db.py"), Path("app/helpers.py"), Path("app/views.py")]
    kept = ResultCache(tmp_path / "cache", "k")
    for cache, expected in ((None, ["app.db", "app.helpers"]), (kept, ["app.db", "app.helpers", "app.views"])):
        summarised.clear()
        checker, index = _checker_and_index(root, cache)
        findings = runner.check_files(checker, files, cache, 1, project=index)
        assert [(f.path, f.line, f.column, f.code) for f in findings] == [("app/views.py", 6, 12, "CNL104")]
        assert sorted(summarised) == expected


def test_files_that_import_no_project_module_are_checked_while_the_plan_is_made(tmp_path, monkeypatch):
    # db.py and the scripts import no project module: their checks wait for
    # no summary, so the workers get them before the plan exists; views.py
    # still waits for db.py's summary, settled by that early check.  The
    # parent reads no answer until the plan is made, so a worker gets at most
    # IN_FLIGHT early batches: the first worker's third script (restore.py)
    # waits for the plan
    from connlint import schedule

    root = _project(tmp_path)
    script = 'import sqlite3\n\n\ndef {name}():\n    conn = sqlite3.connect("{name}.db")\n    conn.execute("select 1")\n'
    for name in ("export", "purge", "report", "restore"):
        (root / "app" / f"{name}.py").write_text(script.format(name=name))
    monkeypatch.chdir(root)
    monkeypatch.setattr(runner, "PARALLEL_MIN_FILES", 1)
    monkeypatch.setattr(runner, "PARALLEL_MIN_BYTES", 1)
    monkeypatch.setattr(runner, "BATCH_UNITS", 1)  # one unit a batch
    monkeypatch.setattr(runner, "ALONE_BYTES_PER_FILE", 10_000)
    events = []
    send_alone, make_plan = runner._send_alone, schedule.plan

    def recording_send_alone(workers, run):
        sent = send_alone(workers, run)
        events.append(sorted(str(run.pending[index][0]) for index in sent))
        return sent

    def recording_plan(*args, **kwargs):
        events.append("plan")
        return make_plan(*args, **kwargs)

    monkeypatch.setattr(runner, "_send_alone", recording_send_alone)
    monkeypatch.setattr(schedule, "plan", recording_plan)
    files = sorted(Path("app").glob("*.py"))  # the shares: __init__, export, purge, restore | db, helpers, report, views
    checker, index = _checker_and_index(root)
    assert [index.stands_alone(str(root / file)) for file in files] == [
        False, True, True, False, True, True, True, False,
    ]
    findings = runner.check_files(checker, files, None, 2, project=index)
    assert events == [["app/db.py", "app/export.py", "app/purge.py", "app/report.py"], "plan"]
    assert [(f.path, f.line, f.column, f.code) for f in findings] == [
        ("app/export.py", 5, 12, "CNL101"),
        ("app/purge.py", 5, 12, "CNL101"),
        ("app/report.py", 5, 12, "CNL101"),
        ("app/restore.py", 5, 12, "CNL101"),
        ("app/views.py", 6, 12, "CNL104"),
    ]


CYCLE_A = """\
from app import b
from app.db import connect


def run():
    conn = b.make()
    conn.execute("select 1")
"""
CYCLE_B = """\
import sqlite3

from app.a import connect


def make():
    return connect()
"""


def test_a_cycle_member_reading_what_another_imports_before_that_one_is_done_is_solved_in_one_pass(
    tmp_path, monkeypatch, parsed
):
    # a.py is solved first and asks for b.py's summary; b.py asks what a.py
    # binds 'connect' to while a.py is still being analysed: its import is
    # known already, so neither is analysed a second time
    _package(tmp_path, db='import sqlite3\n\n\ndef connect():\n    return sqlite3.connect("x")\n', a=CYCLE_A, b=CYCLE_B)
    files = [Path("app/__init__.py"), Path("app/a.py"), Path("app/b.py"), Path("app/db.py")]
    findings = _planned_run(monkeypatch, tmp_path, files)
    assert sorted(parsed) == ["app/a.py", "app/b.py", "app/db.py"]
    assert [(f.path, f.line, f.column, f.code) for f in findings] == [("app/a.py", 6, 12, "CNL101")]


CLOSER_A = """\
import sqlite3

from app import b


def close_it(conn):
    conn.close()


def run():
    conn = b.make()
    conn.execute("select 1")
"""
CLOSER_B = """\
import sqlite3

from app import a


def make():
    return sqlite3.connect("x")


def report():
    conn = sqlite3.connect("y")
    a.close_it(conn)
"""


def test_a_cycle_member_asking_what_another_does_with_a_parameter_before_that_one_is_done_is_solved_in_one_pass(
    tmp_path, monkeypatch, parsed
):
    # a.py is solved first and asks what b.make() returns; b.py passes its
    # connection to a.close_it() while a.py is still being analysed: what
    # close_it does with it is worked out then, so b.py's report() is not
    # taken to leak it only to be analysed again once a.py is done
    _package(tmp_path, a=CLOSER_A, b=CLOSER_B)
    findings = _planned_run(monkeypatch, tmp_path, [Path("app/__init__.py"), Path("app/a.py"), Path("app/b.py")])
    assert sorted(parsed) == ["app/a.py", "app/b.py"]
    assert [(f.path, f.line, f.column, f.code) for f in findings] == [("app/a.py", 11, 12, "CNL101")]


JOINER_M0 = """\
import sqlite3
from app import m1


def make():
    return sqlite3.connect("app.db")


def run():
    conn = m1.get()
    conn.execute("select 1")
"""
JOINER_M1 = """\
import sqlite3
import app
from app import m0


def get():
    return app.n.fetch()
"""
JOINER_N = """\
import sqlite3
import app


def fetch():
    return app.m0.make()
"""


@pytest.mark.parametrize("planned", [False, True], ids=["in-order", "planned"])
def test_a_module_outside_a_cycle_that_reads_a_member_being_solved_is_solved_with_it(tmp_path, monkeypatch, planned):
    # m0 and m1 import each other; n is reached from m1 only through the
    # package (``app.n.fetch()``), so the import graph puts it outside their
    # cycle.  Solving the cycle, m1 asks for n, and n reads m0 while m0 is
    # still being analysed: n joins the cycle, and is solved again once m0's
    # make() is known to return a connection, rather than settled then as
    # returning nothing, whatever order the files come in
    _package(tmp_path, m0=JOINER_M0, m1=JOINER_M1, n=JOINER_N)
    files = [Path("app/__init__.py"), Path("app/m0.py"), Path("app/m1.py"), Path("app/n.py")]
    findings = _planned_run(monkeypatch, tmp_path, files, planned)
    assert [(f.path, f.line, f.column, f.code) for f in findings] == [("app/m0.py", 10, 12, "CNL101")]


def _ring(tmp_path, size: int) -> list:
    """``tmp_path`` holding ``ring_modules(size)``: the files, in order."""
    _package(tmp_path, **ring_modules(size))
    return [Path("app/__init__.py"), *(Path(f"app/m{number}.py") for number in range(size))]


@pytest.mark.parametrize("planned", [False, True], ids=["in-order", "planned"])
@pytest.mark.parametrize("reverse", [False, True], ids=["files-in-order", "files-reversed"])
def test_a_chain_of_calls_around_a_hundred_module_cycle_is_followed_to_its_end(tmp_path, monkeypatch, planned, reverse):
    # each member's summary is worked out inside the analysis of the member
    # calling into it: a hundred analyses deep, beyond Python's default
    # recursion limit.  Every run() leaks its connection: the functions down
    # the ring only use it
    files = _ring(tmp_path, 100)
    files = files[::-1] if reverse else files
    findings = _planned_run(monkeypatch, tmp_path, files, planned)
    assert sorted((f.path, f.line, f.column, f.code) for f in findings) == sorted(
        (f"app/m{number}.py", 10, 12, "CNL101") for number in range(100)
    )


NESTED_M1 = """\
import sqlite3
from app import m0
from app import n


def get():
    return n.fetch()


def other():
    return m0.make()
"""
NESTED_N = """\
import sqlite3
import app
from app import p


def fetch():
    return app.m0.make()
"""
NESTED_P = """\
from app import n


def other():
    return n.fetch()
"""


@pytest.mark.parametrize("planned", [False, True], ids=["in-order", "planned"])
@pytest.mark.parametrize("reverse", [False, True], ids=["files-in-order", "files-reversed"])
def test_a_cycle_solved_inside_another_from_its_unfinished_values_is_solved_with_it(tmp_path, monkeypatch, planned, reverse):
    # two cycles, {m0, m1} and {n, p}, joined only through ``app.m0`` in n.
    # Solving {n, p} first (as a plan does), n reaches m0, whose cycle is
    # solved inside, m1 reading n before n is done: {m0, m1} joins {n, p} and
    # is solved again with it rather than settled from that
    _package(tmp_path, m0=JOINER_M0, m1=NESTED_M1, n=NESTED_N, p=NESTED_P)
    files = [Path(f"app/{name}.py") for name in ("__init__", "m0", "m1", "n", "p")]
    findings = _planned_run(monkeypatch, tmp_path, files[::-1] if reverse else files, planned)
    assert [(f.path, f.line, f.column, f.code) for f in findings] == [("app/m0.py", 10, 12, "CNL101")]


GATED_M0 = """\
import sqlite3
from app import m1


def get():
    return m1.open_db()
"""
GATED_M1 = """\
import app.m5
from app import m0


def open_db():
    conn = app.m5.Repo().open()
    conn.execute("select 1")
"""
GATED_M5 = """\
import sqlite3
import app.m3


class Repo:
    def open(self):
        return sqlite3.connect("app.db")


def relay():
    return app.m0.load()
"""


@pytest.mark.parametrize("planned", [False, True], ids=["in-order", "planned"])
def test_whether_a_file_is_worth_checking_is_not_remembered_from_a_cycle_not_yet_solved(tmp_path, monkeypatch, planned):
    # solving {m3, m5}, m5 reaches m0 and m1 (``app.m0``): m1 first asks
    # whether it imports anything m5 exports while m5 is not done, and the
    # answer (no) must not decide later whether m1 is checked at all
    _package(tmp_path, m0=GATED_M0, m1=GATED_M1, m3="from app import m5\n", m5=GATED_M5)
    files = [Path(f"app/{name}.py") for name in ("__init__", "m0", "m1", "m3", "m5")]
    findings = _planned_run(monkeypatch, tmp_path, files, planned)
    assert [(f.path, f.line, f.column, f.code) for f in findings] == [("app/m1.py", 6, 12, "CNL101")]


THROUGH_A1 = """\
import sqlite3
import app
from app import a2


def go():
    return app.b1.make()
"""
THROUGH_A2 = """\
import sqlite3
from app import a1


def thing():
    return sqlite3.connect("app.db")
"""
THROUGH_B1 = """\
import sqlite3
from app import b2


def make():
    return sqlite3.connect("app.db")


def first():
    return b2.more()
"""
THROUGH_B2 = """\
import sqlite3
from app import b1
from app import x


def helper():
    return x.get()


def more():
    return b1.make()
"""
THROUGH_X = """\
import sqlite3
import app
from app import a2


def get():
    return app.b1.make()


def other():
    return a2.thing()
"""
THROUGH_Z = """\
import sqlite3
from app import x


def use():
    conn = x.get()
    conn.execute("select 1")
"""


@pytest.mark.parametrize("planned", [False, True], ids=["in-order", "planned"])
def test_a_module_that_joined_one_cycle_is_solved_again_when_another_it_read_settles(tmp_path, monkeypatch, planned):
    # solving {a1, a2}, a1 reaches b1 (``app.b1``), whose cycle {b1, b2} is
    # solved inside; b2 asks for x, which reads a2 and b1 before either is
    # done and joins {a1, a2}.  {b1, b2} then read x, a member of a cycle not
    # done: it joins {a1, a2} too, and x, having read b1 before b1 was done,
    # is solved again, so z's connection is known to come from b1.make().
    # What the summaries relied on is what the results cache keeps: all of it
    # is saved
    _package(tmp_path, a1=THROUGH_A1, a2=THROUGH_A2, b1=THROUGH_B1, b2=THROUGH_B2, x=THROUGH_X, z=THROUGH_Z)
    files = [Path(f"app/{name}.py") for name in ("__init__", "a1", "a2", "b1", "b2", "x", "z")]
    cache = ResultCache(tmp_path / "cache", "k")
    findings = _planned_run(monkeypatch, tmp_path, files, planned, cache)
    assert [(f.path, f.line, f.column, f.code) for f in findings] == [("app/z.py", 6, 12, "CNL101")]
    cache.save()
    saved = ResultCache(tmp_path / "cache", "k").entries
    assert sorted(saved) == [f"app/{name}.py" for name in ("__init__", "a1", "a2", "b1", "b2", "x", "z")]


WEB = """\
import sqlite3

from flask import Blueprint

bp = Blueprint("pages", __name__)


def new_connection():
    return sqlite3.connect("app.db")
"""
PAGES = """\
from app.web import bp


@bp.route("/about")
def about():
    return "about"
"""
REPORTS = """\
from sqlalchemy import create_engine

from app.web import bp


@bp.route("/report")
def report():
    engine = create_engine("postgresql://db/app")
    with engine.connect() as conn:
        return conn.execute("select 1").fetchall()
"""


@pytest.mark.parametrize("planned", [True, False])
def test_a_file_importing_only_a_framework_app_from_the_project_is_not_checked(tmp_path, monkeypatch, parsed, planned):
    # web.py exports a blueprint, which makes no resource, and a function
    # that makes a connection: pages.py, which imports only the blueprint,
    # cannot find anything, and is not even parsed.  reports.py makes an
    # engine in a handler of that blueprint: the blueprint, from web.py's
    # summary, still says the handler runs per request
    root = _package(tmp_path, web=WEB, pages=PAGES, reports=REPORTS)
    files = [Path("app/pages.py"), Path("app/reports.py"), Path("app/web.py")]
    findings = _planned_run(monkeypatch, root, files, planned)
    assert [(f.path, f.line, f.column, f.code) for f in findings] == [("app/reports.py", 8, 14, "CNL201")]
    assert "app/pages.py" not in parsed
    checker, index = _checker_and_index(root)
    summary = index.summary("app.web")
    assert (summary.bindings["bp"].type, summary.bindings["bp"].framework) == ("flask.Blueprint", True)
    assert summary.exports  # through new_connection()


def test_a_file_importing_only_project_modules_without_summaries_waits_for_no_plan(tmp_path, monkeypatch):
    # words.py imports nothing the catalog knows: it gets no summary, so
    # export.py, which imports it, waits for no other check, as in the plan;
    # views.py waits for db.py's summary
    root = _project(tmp_path)
    (root / "app" / "words.py").write_text("def shout(text):\n    return text.upper()\n")
    (root / "app" / "export.py").write_text(
        "import sqlite3\n\nfrom app.words import shout\n\n\n"
        "def export():\n    conn = sqlite3.connect(shout('x'))\n    conn.execute('select 1')\n"
    )
    monkeypatch.chdir(root)
    checker, index = _checker_and_index(root)
    files = ["app/db.py", "app/export.py", "app/views.py", "app/words.py"]
    assert [index.stands_alone(str(root / file)) for file in files] == [True, True, False, False]
    units = plan(index, [str(root / file) for file in files])
    waiting = {files[item]: bool(unit.waits_for) for unit in units for item in unit.items}
    assert waiting == {"app/db.py": False, "app/export.py": False, "app/views.py": True, "app/words.py": False}


def _random_cycles(seed: int) -> dict[str, str]:
    """A small package of modules importing each other at random (so in
    cycles, often several), each making, handing on, closing or leaking
    connections through the others' functions, imported by name or reached
    through the package (``app.m1.make1()``), the submodule imported or not."""
    rng = random.Random(seed)
    size = rng.randint(4, 9)
    modules = {}
    for number in range(size):
        others = [other for other in range(size) if other != number]
        imported = rng.sample(others, rng.randint(1, 3))
        # by name; through the package, the submodules imported; or through
        # the package alone, which the import graph does not see
        style = rng.choice(["from", "from", "submodule", "package"])
        lines = ["import sqlite3"] if rng.random() < 0.5 else []
        names = bool(lines)
        if style == "package":
            lines.append("import app")
        else:
            lines += [f"import app.m{other}" if style == "submodule" else f"from app import m{other}" for other in imported]
        through_package = style != "from"

        def other_call(function: str, argument: str = "") -> str:
            other = rng.choice(imported)
            owner = f"app.m{other}" if through_package else f"m{other}"
            return f"{owner}.{function}{other}({argument})"

        make = rng.choice(["sqlite3.connect('app.db')"] * names + [other_call("make"), "None"])
        close = rng.choice(["conn.close()", other_call("close", "conn"), "conn.execute('select 1')"])
        opened = rng.choice([f"make{number}()", other_call("make")])
        ending = rng.choice([f"close{number}(conn)", other_call("close", "conn"), "conn.execute('select 1')"])
        modules[f"m{number}"] = "\n".join(lines) + (
            f"\n\n\ndef make{number}():\n    return {make}\n\n\n"
            f"def close{number}(conn):\n    {close}\n\n\n"
            f"def run{number}():\n    conn = {opened}\n    {ending}\n"
        )
    return modules


# 161: an import cycle solved while a member of another asks whether it
# imports an exporter; its members' analyses took unsolved members to export
# nothing, and were never done again (the planned run in order lost a finding)
@pytest.mark.parametrize("seed", [*range(30), 161])
def test_import_cycles_give_the_same_findings_whatever_the_order_of_the_files(tmp_path, monkeypatch, seed):
    # the project model's answer depends on the source only: the files in
    # order or reversed, each alone, planned or as a run of a few files is
    root = _package(tmp_path, **_random_cycles(seed))
    monkeypatch.chdir(root)
    files = sorted(Path("app").glob("m*.py"))

    def found(order, planned: bool) -> list:
        with monkeypatch.context() as patched:  # a planned run's thresholds last for that run only
            return sorted((f.path, f.line, f.column, f.code) for f in _planned_run(patched, root, order, planned))

    expected = found(files, True)
    assert found(files[::-1], True) == expected
    assert found(files, False) == expected
    assert found(files[::-1], False) == expected
    assert sorted(finding for file in files for finding in found([file], False)) == expected


def test_files_checked_before_the_plan_go_to_the_worker_with_the_least_source(tmp_path, monkeypatch):
    # big.py comes first and fills the first worker's share: the small
    # scripts after it all go to the second worker, until it has as much
    import multiprocessing

    script = 'import sqlite3\n\n\ndef {name}():\n    conn = sqlite3.connect("{name}.db")\n    conn.execute("select 1")\n'
    root = _package(tmp_path, big=script.format(name="big") + "# padding\n" * 300,
                    **{name: script.format(name=name) for name in ("a", "b", "c")})
    monkeypatch.chdir(root)
    monkeypatch.setattr(runner, "BATCH_UNITS", 1)  # one file a batch, each sent at once
    monkeypatch.setattr(runner, "IN_FLIGHT", 4)
    checker, index = _checker_and_index(root)
    paths = [Path("app/big.py"), Path("app/a.py"), Path("app/b.py"), Path("app/c.py")]
    pending = [(path, str(path), os.stat(path)) for path in paths]
    run = runner._Run(checker, pending, [str(root / path) for path in paths], False, index, None)
    pipes = [multiprocessing.Pipe() for _ in range(2)]
    workers = [runner._Worker(None, ours) for ours, _ in pipes]
    assert runner._send_alone(workers, run) == [0, 1, 2, 3]
    received = []
    for _, theirs in pipes:
        files = []
        while theirs.poll():
            _, batch, _, _ = theirs.recv()
            files += [str(item[1][1][0][1]) for item in batch]
        received.append(files)
    assert received == [["app/big.py"], ["app/a.py", "app/b.py", "app/c.py"]]
