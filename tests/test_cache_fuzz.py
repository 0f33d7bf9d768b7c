"""A results cache can only make a run faster: whatever its files hold, a run
prints exactly what a ``--no-cache`` run prints, exits with the same status,
and rewrites the cache so that the next run does too.  Through the real CLI,
on a small project whose summaries use every shape ``summarize`` gives."""

from __future__ import annotations

import copy
import json
import os
import random
import shutil
import stat
from pathlib import Path
from typing import NamedTuple

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import run_connlint

ROOT = Path(__file__).resolve().parent.parent

# A package whose summaries hold what fixtures/project_src's do not: an
# instance of a project class, methods that hand out a resource (new or
# shared), a function that gives a shared engine, one that creates a pool.
DB = '''\
import redis
from flask import Blueprint
from sqlalchemy import create_engine
from sqlalchemy.orm import sessionmaker

POOL = redis.ConnectionPool(host="cache", max_connections=10)
_engine = None


class Database:
    def __init__(self, url):
        self.engine = create_engine(url, pool_size=5, max_overflow=0, pool_timeout=5)
        self.Session = sessionmaker(bind=self.engine)

    def session(self):
        return self.Session()

    def shared_connection(self):
        return self.connection_for_reports

    def open_reports(self):
        self.connection_for_reports = self.engine.connect()


db = Database("postgresql://db/app")
admin = Blueprint("admin", __name__)  # a framework object: typed, yet no export


def get_engine():
    global _engine
    if _engine is None:
        _engine = create_engine("postgresql://db/app", pool_size=5, max_overflow=0)
    return _engine


def new_engine():
    return create_engine("postgresql://db/app", pool_size=5, max_overflow=0)
'''

VIEWS = '''\
from flask import Flask

from app.db import db, get_engine, new_engine
from app.labels import describe
from app.repo import open_session

app = Flask(__name__)


@app.get("/orders")
def orders():
    session = db.session()
    return str(session.execute("select 1").scalar())


@app.get("/shared")
def shared():
    conn = db.shared_connection()
    return str(conn.exec_driver_sql("select 1").scalar())


@app.get("/count")
def count():
    conn = get_engine().connect()
    return str(conn.exec_driver_sql("select 1").scalar())


@app.get("/archive")
def archive():
    engine = new_engine()
    with engine.connect() as conn:
        return str(conn.exec_driver_sql("select 1").scalar())


@app.get("/report")
def report():
    session = open_session()
    return str(session.execute("select 1").scalar())


@app.get("/describe")
def described():
    conn = get_engine().connect()
    return describe(conn)
'''

# A passive module (it makes nothing): parsed only for what describe() does
# with the connection views.py passes it.
LABELS = """\
from sqlalchemy import Column


def describe(conn):
    return repr(conn)
"""

# A module whose summary depends on another's (app.db): its cache entry lists it.
REPO = """\
from app.db import db


def open_session():
    return db.session()
"""


def make_project(directory: Path) -> Path:
    shutil.copytree(ROOT / "fixtures" / "project_src", directory)
    shutil.copy(ROOT / "fixtures" / "flask_app" / "app.py", directory / "flask_app.py")
    (directory / "app").mkdir()
    (directory / "app" / "__init__.py").write_text("")
    (directory / "app" / "db.py").write_text(DB)
    (directory / "app" / "views.py").write_text(VIEWS)
    (directory / "app" / "repo.py").write_text(REPO)
    (directory / "app" / "labels.py").write_text(LABELS)
    (directory / "pyproject.toml").write_text("[tool.connlint]\n")
    return directory


def run(project, *args):
    return run_connlint(["-q", *args], project, timeout=60)


def cache_file(project) -> Path:
    [found] = (project / ".connlint_cache").glob("results-*.json")
    return found


class Base(NamedTuple):
    project: Path
    path: Path  # its cache file
    pristine: bytes  # the cache file after one run
    expected: tuple  # what a --no-cache run gives


@pytest.fixture(scope="module")
def base(tmp_path_factory) -> Base:
    project = make_project(tmp_path_factory.mktemp("fuzz") / "project")
    expected = run(project, "--no-cache")
    assert expected[0] == 1 and expected[1] and "Traceback" not in expected[2]
    assert run(project) == expected
    path = cache_file(project)
    return Base(project, path, path.read_bytes(), expected)


@pytest.fixture
def project(base):
    """The base project (its sources never change) with its cache as the
    first run left it."""
    restore(base)
    return base.project


def restore(base) -> None:
    """The cache directory as the first run left it: one results file."""
    directory = base.path.parent
    for path in [directory, *directory.rglob("*")]:
        if path.is_dir() and not path.is_symlink():
            path.chmod(0o755)  # a read-only test may have left it so
    shutil.rmtree(directory)
    directory.mkdir()
    (directory / ".gitignore").write_text("# created by connlint\n*\n")
    base.path.write_bytes(base.pristine)


def test_the_fixture_uses_every_shape_of_summary(base):
    """So the mutations below reach every part of a summary."""
    from connlint.cache import valid_summary

    data = base.pristine
    summaries = [entry["summary"] for entry in json.loads(data)["summaries"].values()]
    assert summaries and all(valid_summary(summary) for summary in summaries)
    shapes = set()
    for summary in summaries:
        shapes.update(("bindings", tuple(sorted(value))) for value in summary["bindings"].values())
        shapes.update(("functions", key) for value in summary["functions"].values() for key in value)
        shapes.update(("classes", key) for value in summary["classes"].values() for key in value)
        shapes.update(("methods", key) for value in summary["classes"].values()
                      for method in value.get("methods", {}).values() for key in method)
        shapes.update(("imports",) for _ in summary["imports"])
        shapes.update(("flags", tuple(sorted(set(summary) & {"passive", "unread"}))) for _ in [summary])
    assert shapes >= {
        ("bindings", ("origin", "type")), ("bindings", ("framework", "origin", "type")),
        ("bindings", ("instance", "origin")), ("imports",),
        ("functions", "order"), ("functions", "params"), ("functions", "returns"), ("functions", "gives"),
        ("functions", "creates"), ("classes", "attrs"), ("classes", "methods"), ("classes", "init_creates"),
        ("methods", "returns"), ("methods", "gives"),
        ("flags", ()), ("flags", ("passive",)), ("flags", ("unread",)),
    }


def test_every_summary_reads_back_as_the_document_it_was_written_as(base):
    """``connlint.summary``: the records and their JSON say the same."""
    from connlint.summary import ModuleSummary

    summaries = [entry["summary"] for entry in json.loads(base.pristine)["summaries"].values()]
    for document in summaries:
        summary = ModuleSummary.from_json(document)
        assert summary is not None and summary.to_json() == document
        assert ModuleSummary.from_json(summary.to_json()) == summary


# -- the file itself ------------------------------------------------------------------------------


def _truncated(path):
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])


def _random_bytes(path):
    path.write_bytes(random.Random(7).randbytes(4096))


def _directory(path):
    path.unlink()
    path.mkdir()
    (path / "x").write_text("{}")


def _fifo(path):
    path.unlink()
    os.mkfifo(path)


def _device(path):
    path.unlink()
    path.symlink_to("/dev/zero")


FILE_DAMAGE = {
    "truncated": _truncated,
    "empty": lambda path: path.write_bytes(b""),
    "random bytes": _random_bytes,
    "not UTF-8": lambda path: path.write_bytes(b'{"format": 1, "files": {"\xff\xfe": 1}}'),
    "nested lists": lambda path: path.write_text("[" * 100_000),
    "nested objects": lambda path: path.write_text('{"a":' * 100_000),
    "nested in files": lambda path: path.write_text('{"format":1,"files":{"a.py":' + "[" * 100_000),
    "huge number": lambda path: path.write_text('{"format": 1, "files": {"a.py": {"size": ' + "9" * 5000 + "}}}"),
    "a directory": _directory,
    "a pipe": _fifo,
    "a device": _device,
}


@pytest.mark.parametrize("damage", FILE_DAMAGE.values(), ids=FILE_DAMAGE.keys())
def test_a_damaged_cache_file_is_a_miss_then_rewritten(project, base, damage):
    expected, path = base.expected, base.path
    damage(path)
    assert run(project) == expected
    assert run(project) == expected
    if not path.is_dir():  # a directory in its place stays (and the cache unwritten); else rewritten
        assert path.is_file() and not path.is_symlink()
        assert_all_entries_valid(json.loads(path.read_bytes()))


def test_a_read_only_cache_is_used_and_left_alone(project, base):
    expected, path = base.expected, base.path
    data = json.loads(path.read_bytes())
    for entry in data["files"].values():
        entry["findings"] = "damaged"
    path.write_text(json.dumps(data))
    directory = project / ".connlint_cache"
    directory.chmod(0o555)
    path.chmod(0o444)
    try:
        assert run(project) == expected
        assert run(project) == expected
    finally:
        directory.chmod(0o755)


def test_a_cache_directory_that_cannot_be_created(project, base):
    """Below a file: cannot be made, even by root."""
    expected = base.expected
    (project / "blocker").write_text("")
    assert run(project, "--cache-dir", "blocker/cache") == expected
    assert run(project, "--cache-dir", "blocker/cache") == expected


# -- entries of other shapes --------------------------------------------------------------


def files(data):
    return list(data["files"].values())


def findings(data):
    return [finding for entry in files(data) for finding in entry["findings"]]


def entries(data):
    return list(data["summaries"].values())


def summaries(data):
    return [entry["summary"] for entry in entries(data)]


def each(kind):
    """The values of one part (bindings, imports, functions, classes) of every summary."""
    return lambda data: [value for summary in summaries(data) for value in summary[kind].values()]


def set_all(nodes, key, value):
    def mutate(data):
        targets = nodes(data)
        assert targets
        for node in targets:
            node[key] = copy.deepcopy(value)
    return mutate


def delete_all(nodes, key):
    def mutate(data):
        targets = [node for node in nodes(data) if key in node]
        assert targets
        for node in targets:
            del node[key]
    return mutate


def replace_values(mapping, value):
    """Every value of the dicts ``mapping`` gives replaced by ``value``."""
    def mutate(data):
        targets = [node for node in mapping(data) if node]
        assert targets
        for node in targets:
            for key in node:
                node[key] = copy.deepcopy(value)
    return mutate


def with_key(nodes, key):
    return lambda data: [node[key] for node in nodes(data) if key in node]


def first_list_item(nodes, value):
    def mutate(data):
        targets = [node for node in nodes(data) if node]
        assert targets
        for node in targets:
            node[0] = copy.deepcopy(value)
    return mutate


def top(value):
    def mutate(data):
        data.clear()
        data["replaced"] = value
    return mutate


SHAPES = {
    # the whole file
    "top level a list": top([]),
    "format 2": set_all(lambda data: [data], "format", 2),
    "files a list": set_all(lambda data: [data], "files", []),
    "summaries a list": set_all(lambda data: [data], "summaries", [1]),
    # results per file
    "file entry a string": replace_values(lambda data: [data["files"]], "x"),
    "size a string": set_all(files, "size", "1"),
    "ctime missing": delete_all(files, "ctime"),
    "findings a string": set_all(files, "findings", "CNL101"),
    "findings a dict": set_all(files, "findings", {"path": "a.py"}),
    "finding a string": first_list_item(lambda data: [entry["findings"] for entry in files(data)], "CNL101"),
    "finding without a line": delete_all(findings, "line"),
    "finding without a fix": delete_all(findings, "fix"),
    "line a string": set_all(findings, "line", "3"),
    "line a boolean": set_all(findings, "line", True),
    "line a float": set_all(findings, "line", 3.5),
    "line null": set_all(findings, "line", None),
    "message a number": set_all(findings, "message", 7),
    "fix edits a string": set_all(findings, "fix", {"applicability": "safe", "description": "d", "edits": "e"}),
    "deps a list": set_all(files, "deps", ["x"]),
    "deps a string": set_all(files, "deps", "x"),
    # summaries of project modules
    "summary deps values numbers": replace_values(lambda data: [entry["deps"] for entry in entries(data)], 1),
    "summary empty": set_all(entries, "summary", {}),
    "summary a list": set_all(entries, "summary", []),
    "summary with bindings a list": set_all(summaries, "bindings", []),
    "summary without imports": delete_all(summaries, "imports"),
    "binding a string": replace_values(lambda data: [summary["bindings"] for summary in summaries(data)], "x"),
    "binding without origin": delete_all(each("bindings"), "origin"),
    "binding type a number": set_all(lambda data: [b for b in each("bindings")(data) if "type" in b], "type", 1),
    "binding type a list": set_all(lambda data: [b for b in each("bindings")(data) if "type" in b], "type", []),
    "binding instance a list": set_all(
        lambda data: [b for b in each("bindings")(data) if "instance" in b], "instance", ["app"]),
    "import a list": replace_values(lambda data: [summary["imports"] for summary in summaries(data)], ["x"]),
    "import null": replace_values(lambda data: [summary["imports"] for summary in summaries(data)], None),
    "function a string": replace_values(lambda data: [summary["functions"] for summary in summaries(data)], "f"),
    "function returns a string": set_all(
        lambda data: [f for f in each("functions")(data) if "returns" in f], "returns", "engine"),
    "function returns without origin": delete_all(with_key(each("functions"), "returns"), "origin"),
    "function gives a list": set_all(lambda data: [f for f in each("functions")(data) if "gives" in f], "gives", [1]),
    "function order a string": set_all(
        lambda data: [f for f in each("functions")(data) if "order" in f], "order", "ab"),
    "function order of numbers": set_all(
        lambda data: [f for f in each("functions")(data) if "order" in f], "order", [1, 2]),
    "function params values numbers": replace_values(with_key(each("functions"), "params"), 1),
    "class a list": replace_values(lambda data: [summary["classes"] for summary in summaries(data)], []),
    "class attrs a list": set_all(lambda data: [c for c in each("classes")(data) if "attrs" in c], "attrs", []),
    "class methods a string": set_all(
        lambda data: [c for c in each("classes")(data) if "methods" in c], "methods", "m"),
    "class method a string": replace_values(with_key(each("classes"), "methods"), "m"),
    "class method returns a number": replace_values(
        lambda data: [m for c in each("classes")(data) for m in c.get("methods", {}).values()], 1),
    "class init_creates of strings": set_all(
        lambda data: [c for c in each("classes")(data) if "init_creates" in c], "init_creates", ["x"]),
}


@pytest.mark.parametrize("mutate", SHAPES.values(), ids=SHAPES.keys())
def test_an_entry_of_another_shape_is_a_miss_then_rewritten(project, base, mutate):
    expected, path = base.expected, base.path
    data = json.loads(path.read_bytes())
    mutate(data)
    path.write_text(json.dumps(data))
    assert run(project) == expected
    assert run(project) == expected


# -- random mutations --------------------------------------------------------------------------

#: Keys every record of the cache must have (their loss makes the record
#: malformed, where losing an optional key such as a function's "returns" would
#: make another valid summary).
REQUIRED = {
    "format", "files", "summaries", "size", "mtime", "ctime", "hash", "findings", "deps", "summary",
    "path", "line", "column", "end_line", "end_column", "code", "name", "message", "severity",
    "statement_line", "fix", "applicability", "description", "edits", "content",
    "bindings", "imports", "functions", "classes", "type", "origin", "instance", "label",
}
OTHERS = [None, True, 0, 2.5, "", "x", [], [1], {}, {"k": 1}, "[" * 10]


def nodes(value, path=()):
    """(path, value) of every node of a JSON document, the root excepted."""
    if isinstance(value, dict):
        items = value.items()
    elif isinstance(value, list):
        items = enumerate(value)
    else:
        return
    for key, item in items:
        yield (*path, key), item
        yield from nodes(item, (*path, key))


@settings(max_examples=20, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(choice=st.data())
def test_random_changes_of_type_are_misses(base, choice):
    """A node anywhere replaced by a value of another JSON type, or a
    required key removed: the run is the same as without the cache."""
    project, expected = base.project, base.expected
    restore(base)
    data = json.loads(base.pristine)
    paths = sorted(nodes(data), key=lambda node: repr(node[0]))
    where, value = choice.draw(st.sampled_from(paths), label="node")
    parent = data
    for key in where[:-1]:
        parent = parent[key]
    if isinstance(parent, dict) and where[-1] in REQUIRED and choice.draw(st.booleans(), label="delete"):
        del parent[where[-1]]
    else:
        others = [other for other in OTHERS if type(other) is not type(value)]
        parent[where[-1]] = copy.deepcopy(choice.draw(st.sampled_from(others), label="replacement"))
    base.path.write_text(json.dumps(data))
    assert run(project) == expected
    assert run(project) == expected


# -- what is checked ----------------------------------------------------------------------------


def assert_all_entries_valid(data):
    from connlint.cache import FORMAT, _findings, valid_summary

    assert data["format"] == FORMAT
    for entry in data["files"].values():
        assert _findings(entry["findings"]) is not None
        assert {"size", "mtime", "ctime", "hash", "deps"} <= entry.keys()
    for entry in data["summaries"].values():
        assert valid_summary(entry["summary"])


def test_a_same_size_edit_with_its_mtime_put_back_is_seen(tmp_path):
    """The inode change time moves on every write, whatever the mtime says
    (``touch -r``, an editor or a tool that keeps timestamps)."""
    (tmp_path / "pyproject.toml").write_text("[tool.connlint]\n")
    module = tmp_path / "a.py"
    module.write_text("import sqlite3\ndef f(p):\n    conn = sqlite3.connect(p)\n    conn.execute('x')\n")
    first = run(tmp_path)
    assert first[0] == 1
    before = module.stat()
    module.write_text(module.read_text().replace("sqlite3.connect", "sqlite3.konnect"))
    os.utime(module, ns=(before.st_atime_ns, before.st_mtime_ns))
    after = module.stat()
    assert (after.st_size, after.st_mtime_ns) == (before.st_size, before.st_mtime_ns)
    assert run(tmp_path) == run(tmp_path, "--no-cache") == (0, "", "")


@pytest.mark.parametrize("mask, mode", [(0o022, 0o644), (0o077, 0o600), (0o002, 0o664)])
def test_cache_files_honour_the_umask(tmp_path, mask, mode):
    (tmp_path / "pyproject.toml").write_text("[tool.connlint]\n")
    (tmp_path / "a.py").write_text("import sqlite3\nconn = sqlite3.connect('x')\n")
    previous = os.umask(mask)
    try:
        run(tmp_path)
    finally:
        os.umask(previous)
    cache = tmp_path / ".connlint_cache"
    assert stat.S_IMODE(cache_file(tmp_path).stat().st_mode) == mode
    assert stat.S_IMODE((cache / ".gitignore").stat().st_mode) == mode
    assert not list(cache.glob("*.tmp"))


def test_the_key_covers_connlint_code(monkeypatch, tmp_path):
    """An edited connlint (the same version string) starts another cache."""
    from connlint import cache
    from connlint.catalog import catalog_dir
    from connlint.config import load_settings
    from connlint.registry import all_rules

    assert cache.code_digest() == cache.code_digest()
    settings_ = load_settings(None, True, tmp_path)
    key = cache.configuration_key(settings_, [(r.code, False) for r in all_rules()], (catalog_dir(),))
    monkeypatch.setattr(cache, "code_digest", lambda: "another")
    assert cache.configuration_key(settings_, [(r.code, False) for r in all_rules()], (catalog_dir(),)) != key
