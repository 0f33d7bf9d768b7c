"""The flake8 plugin (``flake8 --select CNL``): the real flake8, run as a subprocess.

flake8 must report exactly what ``connlint`` reports (same lines, columns,
codes and messages), and flake8's own ``# noqa``, ``--extend-ignore`` and
``per-file-ignores`` must apply to it.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from importlib import metadata

import pytest

pytest.importorskip("flake8", reason="flake8 is not installed (pip install -e '.[test]')")

try:
    from tests.conftest import run_connlint, write
except ImportError:  # tests/ is not a package
    from conftest import run_connlint, write

FILES = {
    "leak.py": (
        "import sqlite3\n"
        "\n"
        "\n"
        "def f(p):\n"
        "    conn = sqlite3.connect(p)\n"
        '    return conn.execute("select 1").fetchall()\n'
    ),
    "close_on_error.py": (
        "import sqlite3\n"
        "\n"
        "\n"
        "def f(p):\n"
        "    conn = sqlite3.connect(p)\n"
        '    rows = conn.execute("select 1").fetchall()\n'
        "    conn.close()\n"
        "    return rows\n"
    ),
    "with_commit.py": (
        "import sqlite3\n"
        "\n"
        "\n"
        "def f(p):\n"
        "    with sqlite3.connect(p) as conn:\n"
        '        conn.execute("insert into t values (1)")\n'
    ),
    # the first leak is suppressed for CNL101, the second names another code
    "suppressed.py": (
        "import sqlite3\n"
        "\n"
        "\n"
        "def f(p):\n"
        "    conn = sqlite3.connect(p)  # noqa: CNL101\n"
        '    return conn.execute("select 1").fetchall()\n'
        "\n"
        "\n"
        "def g(p):\n"
        "    conn = sqlite3.connect(p)  # noqa: E501\n"
        '    return conn.execute("select 1").fetchall()\n'
    ),
    # no catalog import: the prefilter rejects it, nothing is reported
    "no_catalog.py": (
        "import mydb\n"
        "\n"
        "\n"
        "def f(p):\n"
        "    conn = sqlite3.connect(p)\n"
        "    return mydb.query(conn)\n"
    ),
    # three-byte characters before the call: columns count characters
    "multibyte.py": (
        "import sqlite3\n"
        "\n"
        "\n"
        "def f(p):\n"
        "    連接 = sqlite3.connect(p)\n"
        '    return 連接.execute("select 1").fetchall()\n'
    ),
    # a latin-1 file (coding cookie): flake8 decodes it, the plugin encodes it back
    "latin1.py": (
        "# -*- coding: latin-1 -*-\n"
        "import sqlite3\n"
        "\n"
        "\n"
        "def f(p):\n"
        "    donn\xe9es = sqlite3.connect(p)\n"
        '    return donn\xe9es.execute("select 1").fetchall()\n'
    ).encode("latin-1"),
}

FIX = "use 'with contextlib.closing(sqlite3.connect(...)) as {var}:'"
UNCLOSED = "CNL101 sqlite3 connection from sqlite3.connect() is never closed; " + FIX
LINES = {
    "close_on_error": "close_on_error.py:5:12: CNL102 sqlite3 connection from sqlite3.connect() is closed only "
    "when no exception is raised (line 6 can raise first); close it in a 'finally' block or "
    + FIX.format(var="conn"),
    "latin1": "latin1.py:6:15: " + UNCLOSED.format(var="donn\xe9es"),
    "leak": "leak.py:5:12: " + UNCLOSED.format(var="conn"),
    "multibyte": "multibyte.py:5:10: " + UNCLOSED.format(var="連接"),
    "suppressed_g": "suppressed.py:10:12: " + UNCLOSED.format(var="conn"),
    "suppressed_f": "suppressed.py:5:12: " + UNCLOSED.format(var="conn"),
    "with_commit": "with_commit.py:5:10: CNL103 'with' on sqlite3 connection from sqlite3.connect() commits or "
    "rolls back but does not close it; " + FIX.format(var="conn"),
}
EXPECTED = [
    LINES["close_on_error"],
    LINES["latin1"],
    LINES["leak"],
    LINES["multibyte"],
    LINES["suppressed_g"],
    LINES["with_commit"],
]

REPORT_LINE = re.compile(r"^(?P<path>.+?):(?P<line>\d+):(?P<col>\d+): (?P<code>[A-Z]+\d+) (?P<message>.*)$")


def _env() -> dict:
    env = dict(os.environ)
    env.pop("PYTHONWARNINGS", None)
    env["PYTHONIOENCODING"] = "utf-8"
    return env


def run_flake8(args, cwd, input=None):
    """Run the real flake8 in ``cwd``; return (returncode, stdout lines, stderr)."""
    proc = subprocess.run(
        [sys.executable, "-m", "flake8", *[str(a) for a in args]],
        cwd=str(cwd),
        input=(input or "").encode("utf-8"),
        capture_output=True,
        timeout=120,
        env=_env(),
    )
    return proc.returncode, proc.stdout.decode("utf-8").splitlines(), proc.stderr.decode("utf-8", "replace")


def parsed(lines) -> list[tuple]:
    """(path, line, col, code, message) of every report line, sorted."""
    rows = []
    for text in lines:
        match = REPORT_LINE.match(text)
        assert match, f"not a report line: {text!r}"
        rows.append((match["path"], int(match["line"]), int(match["col"]), match["code"], match["message"]))
    return sorted(rows)


@pytest.fixture
def sample(tmp_path):
    """A project with the sample files, an empty pyproject.toml (stops connlint's
    upward config search) and an empty .flake8 (stops flake8's)."""
    write(tmp_path, "pyproject.toml", '[project]\nname = "sample"\nversion = "0"\n')
    write(tmp_path, ".flake8", "[flake8]\n")
    for name, text in FILES.items():
        write(tmp_path, name, text)
    return tmp_path


def test_plugin_is_registered():
    points = [ep for ep in metadata.entry_points(group="flake8.extension") if ep.name == "CNL"]
    assert points, "the CNL flake8 entry point is not installed: reinstall connlint (pip install -e '.[test]')"
    assert [ep.value for ep in points] == ["connlint.flake8_plugin:ConnlintPlugin"]


def test_flake8_output(sample):
    code, out, err = run_flake8(["--select", "CNL", *sorted(FILES)], sample)
    assert (code, err) == (1, "")
    assert sorted(out) == EXPECTED


def test_flake8_matches_connlint(sample):
    code, out, err = run_flake8(["--select", "CNL", *sorted(FILES)], sample)
    assert (code, err) == (1, "")
    cl_code, cl_out, cl_err = run_connlint(["--isolated", "-q", *sorted(FILES)], sample)
    assert (cl_code, cl_err) == (1, "")
    assert parsed(out) == parsed(cl_out.splitlines())
    # and a whole directory, as flake8 and connlint each walk it
    code, out, err = run_flake8(["--select", "CNL", "."], sample)
    assert code == 1
    cl_code, cl_out, cl_err = run_connlint(["--isolated", "-q", "."], sample)
    assert [(p.removeprefix("./"), *rest) for p, *rest in parsed(out)] == parsed(cl_out.splitlines())


def test_noqa_is_flake8s(sample):
    # flake8 suppresses suppressed.py:5 by its '# noqa: CNL101'; '# noqa: E501' does not
    code, out, _ = run_flake8(["--select", "CNL", "suppressed.py"], sample)
    assert (code, out) == (1, [LINES["suppressed_g"]])
    # the plugin itself yields both: with flake8's noqa off, both are reported
    code, out, _ = run_flake8(["--select", "CNL", "--disable-noqa", "suppressed.py"], sample)
    assert (code, out) == (1, [LINES["suppressed_f"], LINES["suppressed_g"]])


def test_extend_ignore(sample):
    code, out, err = run_flake8(["--select", "CNL", "--extend-ignore", "CNL102", *sorted(FILES)], sample)
    assert (code, err) == (1, "")
    assert sorted(out) == [line for line in EXPECTED if line != LINES["close_on_error"]]
    code, out, _ = run_flake8(["--select", "CNL", "--extend-ignore", "CNL1", *sorted(FILES)], sample)
    assert (code, out) == (0, [])


def test_per_file_ignores_in_flake8_config(tmp_path):
    write(tmp_path, "pyproject.toml", '[project]\nname = "sample"\nversion = "0"\n')
    write(tmp_path, "setup.cfg", "[flake8]\nper-file-ignores =\n    legacy/*.py: CNL101\n")
    write(tmp_path, "leak.py", FILES["leak.py"])
    write(tmp_path, "legacy/old.py", FILES["leak.py"])
    write(tmp_path, "legacy/close_on_error.py", FILES["close_on_error.py"])
    code, out, err = run_flake8(["--select", "CNL", "."], tmp_path)
    assert (code, err) == (1, "")
    assert sorted(out) == [
        "./leak.py:5:12: " + UNCLOSED.format(var="conn"),
        "./" + LINES["close_on_error"].replace("close_on_error.py", "legacy/close_on_error.py"),
    ]


def test_stdin(sample):
    code, out, _ = run_flake8(
        ["--select", "CNL", "--stdin-display-name", "leak.py", "-"], sample, input=FILES["leak.py"]
    )
    assert (code, out) == (1, [LINES["leak"]])


def test_syntax_error_is_flake8s_e999_only(sample):
    write(sample, "broken.py", "import sqlite3\ndef f(:\n    conn = sqlite3.connect(p)\n")
    code, out, _ = run_flake8(["--select", "CNL,E999", "broken.py"], sample)
    assert code == 1
    assert len(out) == 1 and out[0].startswith("broken.py:2:") and " E999 SyntaxError" in out[0]
    code, out, _ = run_flake8(["--select", "CNL", "broken.py"], sample)
    assert (code, out) == (0, [])


USER_LEAK = (
    "from myapp.db import get_conn\n"
    "\n"
    "\n"
    "def f():\n"
    "    conn = get_conn()\n"
    '    return conn.execute("select 1").fetchall()\n'
)


def test_user_openers_and_connlints_selection_from_pyproject_are_honoured(tmp_path):
    write(
        tmp_path,
        "pyproject.toml",
        "[tool.connlint]\n"
        'openers = [{call = "myapp.db.get_conn", returns = "sqlite3.Connection"}]\n'
        'per-file-ignores = { "other.py" = ["CNL1"] }\n',
    )
    write(tmp_path, ".flake8", "[flake8]\n")
    write(tmp_path, "app.py", USER_LEAK)
    write(tmp_path, "other.py", USER_LEAK)
    code, out, err = run_flake8(["--select", "CNL", "app.py", "other.py"], tmp_path)
    assert (code, err) == (1, "")
    assert out == [
        "app.py:5:12: CNL101 sqlite3 connection from get_conn() is never closed; "
        "use 'with contextlib.closing(get_conn(...)) as conn:'"
    ]
    # connlint's own ignore applies too, as on the command line
    write(tmp_path, "pyproject.toml", (tmp_path / "pyproject.toml").read_text() + 'ignore = ["CNL101"]\n')
    assert run_flake8(["--select", "CNL", "app.py"], tmp_path) == (0, [], "")


def test_broken_connlint_config_is_a_one_line_flake8_error(tmp_path):
    write(tmp_path, "pyproject.toml", "[tool.connlint]\nbogus = 1\n")
    write(tmp_path, ".flake8", "[flake8]\n")
    write(tmp_path, "app.py", "x = 1\n")
    code, out, err = run_flake8(["--select", "CNL", "app.py"], tmp_path)
    assert code == 1
    assert "Traceback" not in err and "Traceback" not in "\n".join(out)
    assert out[0].startswith('app.py: "')
    assert "failed during execution due to ConfigError(" in out[0]
    assert "[tool.connlint] unknown key 'bogus'" in out[0]


# --------------------------------------------------------------------------- in process


@pytest.fixture
def plugin(tmp_path, monkeypatch):
    """The plugin class with its per-process state reset, run from a project
    with default settings."""
    from connlint.flake8_plugin import ConnlintPlugin

    write(tmp_path, "pyproject.toml", '[project]\nname = "sample"\nversion = "0"\n')
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(ConnlintPlugin, "_workspace", None)
    monkeypatch.setattr(ConnlintPlugin, "_explicit", frozenset())
    return ConnlintPlugin


def test_prefilter_runs_before_any_parsing(plugin, monkeypatch):
    import connlint.engine
    import connlint.source

    def no_parse(*args, **kwargs):  # pragma: no cover - the assertion
        raise AssertionError("a file the prefilter rejects was parsed")

    lines = FILES["no_catalog.py"].splitlines(keepends=True)
    plugin(None, "no_catalog.py", lines)  # builds the engine: catalog, prefilter, rules
    [project] = plugin._workspace.projects
    checker = project.checker
    for module in (connlint.engine, connlint.source):
        monkeypatch.setattr(module, "parse", no_parse)
    assert list(plugin(None, "no_catalog.py", lines).run()) == []
    assert plugin._workspace.projects == [project] and project.checker is checker  # built once per process


def test_plugin_yields_zero_based_columns(plugin):
    lines = FILES["multibyte.py"].splitlines(keepends=True)
    [(line, col, message, kind)] = plugin(None, "multibyte.py", lines).run()
    assert (line, col, kind) == (5, 9, plugin)
    assert message == LINES["multibyte"].split(": ", 1)[1]


def test_unparseable_file_yields_nothing(plugin):
    lines = ["import sqlite3\n", "def f(:\n"]
    assert list(plugin(None, "broken.py", lines).run()) == []


def test_a_rule_selected_by_its_full_code_gets_its_opt_in_checks(plugin):
    # flake8's own option parsing hands its options to the plugin, as the
    # command line's Selection does for connlint.engine.Checker
    from flake8.options.parse_args import parse_args

    from connlint.registry import all_rules

    first, *others = [rule.code for rule in all_rules()]
    parse_args(["--select", "CNL", "--extend-select", first, "x.py"])
    [checker] = [plugin(None, "x.py", ["x = 1\n"]).project.checker]
    assert {rule.code: rule.explicitly_selected for rule in checker.rules} == {
        first: True, **{code: False for code in others}
    }
    assert not any(rule.explicitly_selected for rule in all_rules())  # the shared rules are untouched

    parse_args(["--select", first[:-1], "x.py"])  # a prefix is not a full code
    [checker] = [plugin(None, "x.py", ["x = 1\n"]).project.checker]
    assert {rule.code: rule.explicitly_selected for rule in checker.rules} == {
        code: False for code in [first, *others]
    }
