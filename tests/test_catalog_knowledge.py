"""Adding a library needs only TOML.

A throwaway catalog file, put beside the shipped ones, declares a library
whose ``with`` commits without closing, one whose ``with`` commits and
closes, and a URL constructor; connlint, run in this process on a small
project, reports and fixes them from that file alone.
"""

from __future__ import annotations

import shutil

import pytest

from connlint import catalog as catalog_module
from connlint.catalog import CatalogError, catalog_dir, load_catalog
from tests.test_config_fuzz import run_in_process

LEDGER = """\
[library]
name = "ledger"
modules = ["ledger"]

[[opener]]
calls = ["ledger.connect"]
returns = "ledger.Connection"

[[opener]]
calls = ["ledger.open_journal"]
returns = "ledger.Journal"

# `with conn:` commits or rolls back, and leaves the connection open
[types."ledger.Connection"]
kind = "connection"
label = "ledger connection"
var = "conn"
release = ["close"]
with = "transaction"
async_with = "error"
methods = { execute = "data" }

# `with journal:` commits, then closes it
[types."ledger.Journal"]
kind = "connection"
label = "ledger journal"
var = "journal"
release = ["close"]
with = "closes"
with_commits = true
async_with = "error"
methods = { append = "data" }

[[limits]]
calls = ["ledger.open_pool"]
label = "ledger pool"
server = "database"
size = ["max_size"]
url_position = 0
url_pool_options = ["max_size"]
suggest = "max_size=10"

# ledger.Url.build(scheme, host=..., params={...}): params is the URL query
[[url_constructor]]
calls = ["ledger.Url.build"]
query_keyword = "params"
url_for = "ledger.open_pool"
"""

APP = """\
import ledger

POOL = ledger.open_pool(ledger.Url.build("ledger", host="db", params={"max_size": "20"}), max_size=5)


def record(dsn, entry):
    with ledger.connect(dsn) as conn:
        conn.execute(entry)


def total(dsn):
    conn = ledger.connect(dsn)
    rows = conn.execute("select sum(amount) from entries")
    return rows


def append(path, entry):
    journal = ledger.open_journal(path)
    journal.append(entry)
"""

URL_OPTION = (
    "CNL304 pool option 'max_size' in the URL query is passed to the DBAPI connect(), "
    "not to the pool; pass it to open_pool() as a keyword: 'max_size=...'"
)
FINDINGS = [
    f"app.py:3:71: {URL_OPTION}",
    "app.py:7:10: CNL103 'with' on ledger connection from ledger.connect() commits or rolls back but does "
    "not close it; use 'with contextlib.closing(ledger.connect(...)) as conn:'",
    "app.py:12:12: CNL101 ledger connection from ledger.connect() is never closed; "
    "use 'with contextlib.closing(ledger.connect(...)) as conn:'",
    "app.py:18:15: CNL101 ledger journal from ledger.open_journal() is never closed; "
    "use 'with ledger.open_journal(...) as journal:'",
]

# The transaction-only `with` gets `contextlib.closing`; so does the journal,
# whose own `with` would commit what the code never committed.
FIXED = """\
import contextlib

import ledger

POOL = ledger.open_pool(ledger.Url.build("ledger", host="db", params={"max_size": "20"}), max_size=5)


def record(dsn, entry):
    with contextlib.closing(ledger.connect(dsn)) as conn, conn:
        conn.execute(entry)


def total(dsn):
    with contextlib.closing(ledger.connect(dsn)) as conn:
        rows = conn.execute("select sum(amount) from entries")
    return rows


def append(path, entry):
    with contextlib.closing(ledger.open_journal(path)) as journal:
        journal.append(entry)
"""


@pytest.fixture
def with_ledger(tmp_path, monkeypatch):
    """The shipped catalog plus ``ledger.toml``, read by the real loader."""
    folder = tmp_path / "catalog"
    shutil.copytree(catalog_dir(), folder)
    (folder / "ledger.toml").write_text(LEDGER, encoding="utf-8")
    monkeypatch.setattr(catalog_module, "catalog_dir", lambda: folder)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))  # its parsed copy stays here
    project = tmp_path / "project"
    project.mkdir()
    monkeypatch.chdir(project)
    return project


def connlint(*args) -> tuple[int, list[str], str]:
    """Run in this process, where the catalog folder is replaced."""
    code, out, err = run_in_process(["--isolated", "--no-cache", "-j", "1", *args])
    return code, out.splitlines(), err


def test_a_library_known_only_from_toml_is_reported(with_ledger):
    (with_ledger / "app.py").write_text(APP, encoding="utf-8")
    code, lines, err = connlint("app.py")
    assert (code, err) == (1, "")
    assert lines == [*FINDINGS, "Found 4 problems (3 fixable with --fix)."]


def test_its_fixes_follow_what_its_with_does(with_ledger):
    path = with_ledger / "app.py"
    path.write_text(APP, encoding="utf-8")
    code, lines, err = connlint("--fix", "app.py")
    assert (code, err) == (1, "")
    assert lines == [f"app.py:5:71: {URL_OPTION}", "Found 4 problems (3 fixed, 1 remaining)."]
    assert path.read_text(encoding="utf-8") == FIXED


@pytest.mark.parametrize("entry, message", [
    ('with_form = "use a with block"',
     ".with_form: expected '[async ]with [await ]{call}(...) as {var}:' or "
     "'[async ]with {pool}.<method>() as {var}:', got 'use a with block'"),
    ('with_form = "with {call}() as {var}:"\nhint = "close it"',
     ": give either 'hint' or 'with_form', not both (the hint is made from the form)"),
    ('with = "transaction"\nwith_commits = true',
     ".with_commits: needs 'with' or 'async_with' = \"closes\" (a transaction always commits)"),
])
def test_a_with_entry_that_says_nothing_clear_is_an_error(tmp_path, monkeypatch, entry, message):
    (tmp_path / "broken.toml").write_text(
        '[[opener]]\ncalls = ["broken.connect"]\nreturns = "broken.Connection"\n'
        f'[types."broken.Connection"]\nkind = "connection"\nrelease = ["close"]\n{entry}\n',
        encoding="utf-8",
    )
    monkeypatch.setattr(catalog_module, "catalog_dir", lambda: tmp_path)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    with pytest.raises(CatalogError) as raised:
        load_catalog()
    assert str(raised.value) == 'broken.toml: types."broken.Connection"' + message
