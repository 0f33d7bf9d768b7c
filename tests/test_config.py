"""End-to-end tests of ``[tool.connlint]`` settings: discovery, keys, openers, errors."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from connlint.config import repository_root

try:
    from tests.conftest import LEAK, LEAK_MESSAGE, THREE, assert_one_error_line, leak_line, run_connlint, write
except ImportError:  # tests/ is not a package
    from conftest import LEAK, LEAK_MESSAGE, THREE, assert_one_error_line, leak_line, run_connlint, write



def three(path):
    return [
        f"{path}:5:12: " + LEAK_MESSAGE,
        f"{path}:10:12: CNL102 sqlite3 connection from sqlite3.connect() is closed only when no "
        "exception is raised (line 11 can raise first); close it in a 'finally' block or use "
        "'with contextlib.closing(sqlite3.connect(...)) as conn:'",
        f"{path}:17:10: CNL103 'with' on sqlite3 connection from sqlite3.connect() commits or rolls "
        "back but does not close it; use 'with contextlib.closing(sqlite3.connect(...)) as conn:'",
    ]


def pyproject(tmp_path, body, where="pyproject.toml"):
    return write(tmp_path, where, "[project]\nname = \"sample\"\nversion = \"0\"\n\n[tool.connlint]\n" + body)


def check(args, cwd, input=None):
    """Run with -q; return (code, findings lines, stderr)."""
    code, out, err = run_connlint(["-q", *args], cwd, input=input)
    return code, out.splitlines(), err


# --------------------------------------------------------------------------- discovery of the file


def test_pyproject_found_upward_from_a_subdirectory(tmp_path):
    pyproject(tmp_path, 'select = ["CNL102"]\n')
    write(tmp_path, "pkg/sub/m.py", THREE)
    code, found, err = check([], tmp_path / "pkg" / "sub")
    assert (code, err) == (1, "")
    assert found == [three("m.py")[1]]
    code, found, err = check([], tmp_path)
    assert found == [three("pkg/sub/m.py")[1]]


def test_nearest_pyproject_wins(tmp_path):
    pyproject(tmp_path, 'select = ["CNL102"]\n')
    write(tmp_path, "inner/pyproject.toml", "[tool.connlint]\nselect = [\"CNL103\"]\n")
    write(tmp_path, "inner/m.py", THREE)
    code, found, err = check([], tmp_path / "inner")
    assert (code, err) == (1, "")
    assert found == [three("m.py")[2]]


def test_pyproject_without_tool_table_does_not_stop_the_search(tmp_path):
    pyproject(tmp_path, 'select = ["CNL102"]\n')
    write(tmp_path, "inner/pyproject.toml", "[project]\nname = \"inner\"\n")
    write(tmp_path, "inner/m.py", THREE)
    code, found, err = check([], tmp_path / "inner")
    assert (code, err) == (1, "")
    assert found == [three("m.py")[1]]


def test_the_search_stops_at_the_repository_root(tmp_path):
    pyproject(tmp_path, 'select = ["CNL102"]\n')
    (tmp_path / "repo" / ".git").mkdir(parents=True)
    write(tmp_path, "repo/m.py", THREE)
    code, found, err = check([], tmp_path / "repo")
    assert (code, err) == (1, "")
    assert found == three("m.py")


def test_invalid_pyproject_found_upward_is_reported(tmp_path):
    write(tmp_path, "pyproject.toml", "[tool.connlint\nselect = 1\n")
    write(tmp_path, "pkg/a.py", LEAK)
    code, out, err = run_connlint([], tmp_path / "pkg")
    assert (code, out) == (2, "")
    line = assert_one_error_line(err)
    assert line.startswith(f"connlint: error: {tmp_path / 'pyproject.toml'}: invalid TOML: ")


# --------------------------------------------------------------------------- selection keys


def test_a_string_where_a_list_is_expected_is_an_error(tmp_path):
    path = pyproject(tmp_path, 'select = "CNL1"\n')
    write(tmp_path, "m.py", THREE)
    code, found, err = check([], tmp_path)
    assert (code, found) == (2, [])
    assert err == f'connlint: error: {path}: [tool.connlint] select: expected a list of strings, got a string (write ["CNL1"])\n'


def test_an_unknown_key_gets_a_suggestion(tmp_path):
    path = pyproject(tmp_path, 'extend-exlude = ["x"]\n')
    code, found, err = check([], tmp_path)
    assert code == 2
    assert err == f"connlint: error: {path}: [tool.connlint] unknown key 'extend-exlude' (did you mean 'extend-exclude'?)\n"


@pytest.mark.parametrize(
    "body, indexes",
    [
        ('select = ["CNL102"]\n', [1]),
        ('select = ["CNL1"]\nignore = ["CNL103"]\n', [0, 1]),
        ('ignore = ["CNL101", "CNL102"]\n', [2]),
        ('select = ["CNL101"]\nextend-select = ["CNL103"]\n', [0, 2]),
        ('select = ["close-skipped-on-error"]\n', [1]),  # a rule's name stands for its code
        ('select = ["cnl103"]\n', [2]),
        ('select = []\n', []),
    ],
)
def test_select_ignore_extend_select(tmp_path, body, indexes):
    pyproject(tmp_path, body)
    write(tmp_path, "m.py", THREE)
    code, found, err = check([], tmp_path)
    assert err == ""
    assert found == [three("m.py")[i] for i in indexes]
    assert code == (1 if indexes else 0)


def test_command_line_overrides_config(tmp_path):
    pyproject(tmp_path, 'select = ["CNL102"]\nignore = ["CNL101"]\nextend-select = ["CNL103"]\n')
    write(tmp_path, "m.py", THREE)
    m = three("m.py")
    assert check([], tmp_path) == (1, [m[1], m[2]], "")
    # --select replaces select; the configured ignore and extend-select still apply
    assert check(["--select", "CNL101"], tmp_path) == (1, [m[2]], "")
    # --ignore replaces ignore
    assert check(["--select", "CNL101", "--ignore", "CNL9"], tmp_path) == (1, [m[0], m[2]], "")
    assert check(["--ignore", "CNL103"], tmp_path) == (1, [m[1]], "")
    # --extend-select adds to the configured extend-select
    assert check(["--select", "CNL102", "--extend-select", "CNL101", "--ignore", "CNL9"], tmp_path) == (1, m, "")


def test_per_file_ignores(tmp_path):
    pyproject(
        tmp_path,
        'per-file-ignores = {"tests/*.py" = ["CNL1"], "legacy.py" = ["CNL101", "CNL103"], "scripts/**" = ["CNL102"]}\n',
    )
    write(tmp_path, "tests/test_x.py", THREE)
    write(tmp_path, "legacy.py", THREE)
    write(tmp_path, "scripts/deep/tool.py", THREE)
    write(tmp_path, "app.py", LEAK)
    expected = [
        leak_line("app.py"),
        three("legacy.py")[1],
        three("scripts/deep/tool.py")[0],
        three("scripts/deep/tool.py")[2],
    ]
    code, found, err = check([], tmp_path)
    assert (code, err) == (1, "")
    assert found == expected
    # the globs are relative to the project root, wherever connlint runs from
    code, found, err = check([], tmp_path / "scripts")
    assert found == [three("deep/tool.py")[0], three("deep/tool.py")[2]]
    code, found, err = check(["tests/test_x.py"], tmp_path)
    assert (code, found, err) == (0, [], "")


def test_per_file_ignores_apply_to_stdin_filename(tmp_path):
    pyproject(tmp_path, 'per-file-ignores = {"legacy.py" = ["CNL101"]}\n')
    assert check(["-", "--stdin-filename", "legacy.py"], tmp_path, input=LEAK) == (0, [], "")
    assert check(["-", "--stdin-filename", "new.py"], tmp_path, input=LEAK) == (1, [leak_line("new.py")], "")


# --------------------------------------------------------------------------- exclude


def test_extend_exclude_adds_to_defaults(tmp_path):
    pyproject(tmp_path, 'extend-exclude = ["generated", "src/legacy/*.py", "*_pb2.py"]\n')
    for path in ("generated/g.py", "src/legacy/old.py", "build/b.py", "src/app.py", "src/x_pb2.py",
                 "legacy/keep.py", "src/generated_not.py"):
        write(tmp_path, path, LEAK)
    code, found, err = check([], tmp_path)
    assert (code, err) == (1, "")
    assert found == [leak_line("legacy/keep.py"), leak_line("src/app.py"), leak_line("src/generated_not.py")]


def test_exclude_replaces_defaults(tmp_path):
    pyproject(tmp_path, 'exclude = ["generated"]\n')
    for path in ("generated/g.py", "build/b.py", "dist/d.py", "src/app.py"):
        write(tmp_path, path, LEAK)
    code, found, err = check([], tmp_path)
    assert (code, err) == (1, "")
    assert found == [leak_line("build/b.py"), leak_line("dist/d.py"), leak_line("src/app.py")]


def test_explicit_files_are_checked_even_when_excluded_by_config(tmp_path):
    pyproject(tmp_path, 'extend-exclude = ["generated"]\n')
    write(tmp_path, "generated/g.py", LEAK)
    assert check(["generated/g.py"], tmp_path) == (1, [leak_line("generated/g.py")], "")


# --------------------------------------------------------------------------- --config / --isolated


def test_config_option_reads_another_file(tmp_path):
    pyproject(tmp_path, 'select = ["CNL101"]\n')
    write(tmp_path, "ci/connlint.toml", "[tool.connlint]\nselect = [\"CNL103\"]\n")
    write(tmp_path, "ci/bare.toml", "select = [\"CNL102\"]\n")  # keys at top level
    write(tmp_path, "m.py", THREE)
    assert check([], tmp_path) == (1, [three("m.py")[0]], "")
    assert check(["--config", "ci/connlint.toml"], tmp_path) == (1, [three("m.py")[2]], "")
    assert check(["--config", "ci/bare.toml"], tmp_path) == (1, [three("m.py")[1]], "")


def test_config_option_missing_file(tmp_path):
    write(tmp_path, "a.py", LEAK)
    code, out, err = run_connlint(["--config", "nope.toml"], tmp_path)
    assert (code, out) == (2, "")
    assert_one_error_line(err, "nope.toml: config file not found")


def test_isolated_ignores_config(tmp_path):
    pyproject(tmp_path, 'select = ["CNL102"]\nextend-exclude = ["src"]\nbogus = 1\n')
    write(tmp_path, "src/m.py", THREE)
    code, found, err = check(["--isolated"], tmp_path)
    assert (code, err) == (1, "")
    assert found == three("src/m.py")
    # without --isolated, the broken config is an error
    code, found, err = check([], tmp_path)
    assert code == 2


# --------------------------------------------------------------------------- user openers


USER_LEAK = '''\
from myapp.db import get_conn


def f():
    conn = get_conn()
    return conn.execute("select 1").fetchall()


def g():
    with get_conn() as conn:
        return conn.execute("select 1").fetchall()
'''


def test_user_opener_with_type_fields(tmp_path):
    pyproject(tmp_path, 'openers = [{call = "myapp.db.get_conn", kind = "connection", release = ["close"], with = "closes"}]\n')
    write(tmp_path, "app.py", USER_LEAK)
    code, found, err = check([], tmp_path)
    assert (code, err) == (1, "")
    assert found == [
        "app.py:5:12: CNL101 myapp.db.get_conn() connection from get_conn() is never closed; "
        "use 'with get_conn(...) as conn:'"
    ]


def test_user_opener_is_not_known_without_config(tmp_path):
    write(tmp_path, "app.py", USER_LEAK)
    assert check([], tmp_path) == (0, [], "")
    pyproject(tmp_path, 'openers = [{call = "myapp.db.get_conn", kind = "connection", release = ["close"], with = "closes"}]\n')
    assert check(["--isolated"], tmp_path) == (0, [], "")


def test_user_opener_calls_list_returning_a_catalog_type(tmp_path):
    pyproject(tmp_path, 'openers = [{calls = ["myapp.db.get_conn"], returns = "sqlite3.Connection"}]\n')
    write(tmp_path, "app.py", USER_LEAK)
    code, found, err = check([], tmp_path)
    assert (code, err) == (1, "")
    assert found == [
        "app.py:5:12: CNL101 sqlite3 connection from get_conn() is never closed; "
        "use 'with contextlib.closing(get_conn(...)) as conn:'",
        "app.py:10:10: CNL103 'with' on sqlite3 connection from get_conn() commits or rolls back "
        "but does not close it; use 'with contextlib.closing(get_conn(...)) as conn:'",
    ]


def test_user_opener_call_returning_a_catalog_type(tmp_path):
    pyproject(tmp_path, 'openers = [{call = "myapp.db.get_conn", returns = "sqlite3.Connection"}]\n')
    write(tmp_path, "app.py", USER_LEAK)
    code, found, err = check([], tmp_path)
    assert err == ""
    assert found == [
        "app.py:5:12: CNL101 sqlite3 connection from get_conn() is never closed; "
        "use 'with contextlib.closing(get_conn(...)) as conn:'",
        "app.py:10:10: CNL103 'with' on sqlite3 connection from get_conn() commits or rolls back "
        "but does not close it; use 'with contextlib.closing(get_conn(...)) as conn:'",
    ]
    assert code == 1


def test_user_opener_with_config_option(tmp_path):
    write(tmp_path, "conf/connlint.toml", 'openers = [{call = "myapp.db.get_conn", kind = "connection", release = ["close"]}]\n')
    write(tmp_path, "app.py", USER_LEAK)
    code, found, err = check(["--config", "conf/connlint.toml"], tmp_path)
    assert (code, err) == (1, "")
    assert found == [
        "app.py:5:12: CNL101 myapp.db.get_conn() connection from get_conn() is never closed; "
        "call 'conn.close()' in a 'finally' block"
    ]


# --------------------------------------------------------------------------- errors


KEY = "[tool.connlint]"


@pytest.mark.parametrize(
    "body, reason",
    [
        ('bogus = 1\n', f"{KEY} unknown key 'bogus'"),
        ('extend_select = ["CNL1"]\n', f"{KEY} unknown key 'extend_select' (did you mean 'extend-select'?)"),
        ('select = 3\n', f"{KEY} select: expected a list of strings, got int"),
        ('extend-exclude = true\n', f"{KEY} extend-exclude: expected a list of strings, got bool"),
        ('select = ["CNL999"]\n', f"{KEY} select: unknown rule code or name 'CNL999' (see 'connlint --list-rules')"),
        ('extend-select = ["CNL1", "CNL7"]\n', f"{KEY} extend-select: unknown rule code or name 'CNL7' (see 'connlint --list-rules')"),
        ('per-file-ignores = ["x"]\n', f"{KEY} per-file-ignores: expected a table of glob = [codes]"),
        ('per-file-ignores = {"a.py" = ["CNL999"]}\n',
         f"{KEY} per-file-ignores.\"a.py\": unknown rule code or name 'CNL999' (see 'connlint --list-rules')"),
        ('per-file-ignores = {"a.py" = 5}\n', f"{KEY} per-file-ignores.\"a.py\": expected a list of strings, got int"),
        ('openers = "myapp.db.get_conn"\n', f"{KEY} openers: expected an array of tables"),
        ('openers = ["myapp.db.get_conn"]\n',
         f"{KEY} openers[0]: expected a table such as {{call = \"myapp.db.get_conn\", kind = \"connection\"}}"),
        ('openers = [{call = "myapp.db.get_conn"}]\n',
         f"{KEY} openers[0]: missing 'kind' (one of connection, session, checkout, pool) or 'returns'"),
        ('openers = [{kind = "connection", release = ["close"]}]\n',
         f"{KEY} openers[0]: missing 'call' (the qualified name, e.g. \"myapp.db.get_conn\")"),
        ('openers = [{calls = ["myapp.db.get_conn"], returns = "nope.Type"}]\n',
         f"{KEY} openers[0].returns: unknown catalog type 'nope.Type'"),
        ('openers = [{call = "a.b", kind = "connection", release = ["close"], colour = "red"}]\n',
         f"{KEY} openers[0]: unknown key 'colour'"),
        ('openers = [{call = "a.b", kind = "banana", release = ["close"]}]\n',
         f"{KEY} openers[0].kind: expected one of connection, session, checkout, pool, cursor, factory, value, got 'banana'"),
        ('openers = [{call = "a.b", kind = "connection"}]\n',
         f"{KEY} openers[0]: a connection needs 'release' or 'released_by'"),
        ('openers = [{call = "a.b", kind = "connection", release = "close"}]\n',
         f"{KEY} openers[0].release: expected a list of strings"),
        ('openers = [{call = "a.b", kind = "connection", release = ["close"], with = "maybe"}]\n',
         f"{KEY} openers[0].with: expected one of closes, transaction, error, got 'maybe'"),
        ('openers = [{call = "a.b", kind = "connection", release = ["close"]}, {call = "c.d"}]\n',
         f"{KEY} openers[1]: missing 'kind' (one of connection, session, checkout, pool) or 'returns'"),
    ],
)
def test_config_errors(tmp_path, body, reason):
    path = pyproject(tmp_path, body)
    write(tmp_path, "a.py", LEAK)
    code, out, err = run_connlint([], tmp_path)
    assert (code, out) == (2, "")
    assert_one_error_line(err, f"{path}: {reason}")


def test_invalid_toml(tmp_path):
    path = write(tmp_path, "pyproject.toml", '[tool.connlint]\nselect = ["CNL1"\n')
    write(tmp_path, "a.py", LEAK)
    code, out, err = run_connlint([], tmp_path)
    assert (code, out) == (2, "")
    line = assert_one_error_line(err)
    assert line.startswith(f"connlint: error: {path}: invalid TOML: ")


def test_tool_connlint_not_a_table(tmp_path):
    path = write(tmp_path, "pyproject.toml", "[tool]\nconnlint = 3\n")
    code, out, err = run_connlint([], tmp_path)
    assert (code, out) == (2, "")
    assert_one_error_line(err, f"{path}: [tool.connlint] must be a table")


def test_errors_in_config_option_file_name_that_file(tmp_path):
    write(tmp_path, "ci/c.toml", "select = 3\n")
    write(tmp_path, "a.py", LEAK)
    code, out, err = run_connlint(["--config", "ci/c.toml"], tmp_path)
    assert (code, out) == (2, "")
    assert_one_error_line(err, "ci/c.toml: [tool.connlint] select: expected a list of strings, got int")


def test_config_error_wins_over_exit_zero_and_output_file(tmp_path):
    path = pyproject(tmp_path, "select = 3\n")
    write(tmp_path, "a.py", LEAK)
    code, out, err = run_connlint(["--exit-zero", "--output-file", "r.txt"], tmp_path)
    assert (code, out) == (2, "")
    assert_one_error_line(err, f"{path}: [tool.connlint] select: expected a list of strings, got int")
    assert not (tmp_path / "r.txt").exists()


def test_list_with_non_string_element_names_the_element(tmp_path):
    path = pyproject(tmp_path, 'exclude = ["build", 1]\n')
    code, out, err = run_connlint([], tmp_path)
    assert (code, out) == (2, "")
    line = assert_one_error_line(err)
    assert line.startswith(f"connlint: error: {path}: [tool.connlint] exclude: ")
    assert "got list" not in line
    assert "int" in line


def test_opener_method_with_unknown_type_names_file_and_key(tmp_path):
    path = pyproject(tmp_path, 'openers = [{call = "a.b", kind = "connection", release = ["close"], methods = {cursor = "nope"}}]\n')
    code, out, err = run_connlint([], tmp_path)
    assert (code, out) == (2, "")
    line = assert_one_error_line(err)
    assert line.startswith(f"connlint: error: {path}: [tool.connlint] openers[0]")
    assert "'nope'" in line


# --------------------------------------------------------------------------- user frameworks

ACME_VIEW = '''\
from acme.web import route
from sqlalchemy import create_engine


@route("/report")
def report():
    engine = create_engine("postgresql://db/app", pool_size=5, max_overflow=0)
    with engine.connect() as conn:
        return str(conn.exec_driver_sql("select 1").scalar())
'''


def test_user_framework_decorator_makes_a_handler(tmp_path):
    pyproject(
        tmp_path,
        'frameworks = [{ framework = { name = "Acme web", modules = ["acme"] }, '
        'decorator = [{ names = ["acme.web.route"], what = "Acme route", path_argument = 0 }] }]\n',
    )
    write(tmp_path, "views.py", ACME_VIEW)
    code, lines, err = check([], tmp_path)
    assert (code, err) == (1, "")
    assert lines == [
        "views.py:7:14: CNL201 SQLAlchemy engine from create_engine() is created on every request via report() "
        "(Acme route '/report'); create it once at module level (or in the app factory / lifespan) and share 'engine'"
    ]


def test_without_the_user_framework_the_engine_is_a_plain_leak(tmp_path):
    pyproject(tmp_path, "")
    write(tmp_path, "views.py", ACME_VIEW)
    code, lines, _ = check([], tmp_path)
    assert code == 1
    assert [line.split(" ")[1] for line in lines] == ["CNL101"]


def test_bad_user_framework_entry_is_a_config_error(tmp_path):
    path = pyproject(tmp_path, 'frameworks = [{ decorator = [{ names = ["x"] }] }]\n')
    write(tmp_path, "views.py", ACME_VIEW)
    code, out, err = run_connlint([], tmp_path)
    assert (code, out) == (2, "")
    assert_one_error_line(
        err, f'{path}: [tool.connlint] frameworks[0]: decorator[0].what: expected a string such as "Flask route"'
    )


def test_isolated_wins_over_config(tmp_path):
    """--isolated ignores every settings file, the one --config names too."""
    write(tmp_path, "ci.toml", 'select = ["CNL102"]\n')
    write(tmp_path, "m.py", THREE)
    code, found, err = check(["--isolated", "--config", "ci.toml"], tmp_path)
    assert (code, err) == (1, "")
    assert found == three("m.py")


def test_the_repository_root_of_a_folder_reached_through_a_symbolic_link(tmp_path):
    # the link is resolved as os.path.realpath resolves it, folder by folder
    repository = tmp_path / "work" / "repo"
    (repository / ".git").mkdir(parents=True)
    (repository / "app" / "views").mkdir(parents=True)
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "elsewhere" / "app").symlink_to(repository / "app")
    reached = tmp_path / "elsewhere" / "app" / "views"
    assert repository_root(reached) == Path(os.path.realpath(repository))
    assert repository_root(tmp_path / "elsewhere") is None
