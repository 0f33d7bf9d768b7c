"""End-to-end tests of the ``connlint`` command line: output, exit codes, options."""

from __future__ import annotations

import json
import os
import stat

import pytest

import connlint
try:
    from tests.conftest import LEAK, LEAK_MESSAGE, THREE, assert_one_error_line, leak_line, run_connlint, write
except ImportError:  # tests/ is not a package
    from conftest import LEAK, LEAK_MESSAGE, THREE, assert_one_error_line, leak_line, run_connlint, write

def listing(directory):
    """The files a run leaves, the results cache aside."""
    return {name for name in os.listdir(directory) if name != ".connlint_cache"}


CLEAN = (
    "import contextlib\n"
    "import sqlite3\n"
    "def f(p):\n"
    "    with contextlib.closing(sqlite3.connect(p)) as conn:\n"
    '        return conn.execute("select 1").fetchall()\n'
)

L101 = "m.py:5:12: " + LEAK_MESSAGE
L102 = (
    "m.py:10:12: CNL102 sqlite3 connection from sqlite3.connect() is closed only when no "
    "exception is raised (line 11 can raise first); close it in a 'finally' block or use "
    "'with contextlib.closing(sqlite3.connect(...)) as conn:'"
)
L103 = (
    "m.py:17:10: CNL103 'with' on sqlite3 connection from sqlite3.connect() commits or rolls "
    "back but does not close it; use 'with contextlib.closing(sqlite3.connect(...)) as conn:'"
)


def out_lines(stdout):
    return stdout.splitlines()


# --------------------------------------------------------------------------- exit codes


def test_exit_0_when_clean(project):
    write(project, "clean.py", CLEAN)
    code, out, err = run_connlint([], project)
    assert (code, out, err) == (0, "All checks passed.\n", "")


def test_exit_0_on_empty_directory_and_says_nothing_was_checked(project):
    code, out, err = run_connlint([], project)
    assert (code, out, err) == (0, "", "connlint: warning: no Python files found in .\n")


def test_exit_1_with_one_finding(project):
    write(project, "a.py", LEAK)
    code, out, err = run_connlint([], project)
    assert code == 1
    assert err == ""
    assert out_lines(out) == [leak_line("a.py"), "Found 1 problem (1 fixable with --fix)."]


def test_exit_1_with_several_findings_plural_summary(project):
    write(project, "m.py", THREE)
    code, out, err = run_connlint([], project)
    assert code == 1
    assert err == ""
    assert out_lines(out) == [L101, L102, L103, "Found 3 problems (3 fixable with --fix)."]


def test_exit_2_on_unknown_option_without_traceback(project):
    code, out, err = run_connlint(["--bogus"], project)
    assert code == 2
    assert out == ""
    assert_one_error_line(err, "no such option: --bogus")


def test_exit_2_on_unknown_format(project):
    code, out, err = run_connlint(["--format", "xml"], project)
    assert code == 2
    assert out == ""
    assert_one_error_line(err, "--format: expected one of text, json, sarif, github, got 'xml'")


@pytest.mark.parametrize(
    "args, message",
    [
        (["--jobs", "0"], "--jobs: expected an integer of at least 1, got '0'"),
        (["-j0"], "--jobs: expected an integer of at least 1, got '0'"),
        (["-j", "two"], "--jobs: expected an integer of at least 1, got 'two'"),
        (["--jobs=-1"], "--jobs: expected an integer of at least 1, got '-1'"),
        (["--color", "red"], "--color: expected one of auto, always, never, got 'red'"),
        (["--format=JSON"], "--format: expected one of text, json, sarif, github, got 'JSON'"),
        (["a.py", "--select"], "--select: expected a value"),
        (["-q", "-j"], "--jobs: expected a value"),
        (["--quiet=yes"], "--quiet: does not take a value"),
        (["-qx"], "no such option: -x"),
        (["--selct", "CNL101"], "no such option: --selct (did you mean --select?)"),
        (["--sel", "CNL101"], "no such option: --sel (did you mean --select?)"),  # no abbreviations
        (["--version", "--bogus"], "no such option: --bogus"),  # the whole command line is read first
        (["--help", "-j", "0", "--bogus"], "no such option: --bogus"),
        (["inventory", "--processes", "0"], "--processes: expected an integer of at least 1, got '0'"),
        (["inventory", "--max-connections", "many"], "--max-connections: expected an integer of at least 1, got 'many'"),
        (["inventory", "--format", "sarif"], "--format: expected one of text, json, got 'sarif'"),
        (["inventory", "--jobs", "2"], "no such option: --jobs"),
        (["inventory", "--processes"], "--processes: expected a value"),
    ],
)
def test_usage_errors_are_one_line_and_exit_2(project, args, message):
    write(project, "a.py", LEAK)
    code, out, err = run_connlint(args, project)
    assert (code, out) == (2, "")
    assert_one_error_line(err, message)


@pytest.mark.parametrize(
    "args",
    [
        ["-q", "a.py", "--select", "CNL101"],  # options after paths
        ["--select=CNL101", "-qj1", "a.py"],  # --opt=VALUE; short options run together
        ["-q", "-j", "1", "--no-respect-gitignore", "--respect-gitignore", "--", "a.py"],
        ["--quiet", "--format", "text", "--color", "never", "--jobs", "2", "a.py"],
    ],
)
def test_option_spellings(project, args):
    write(project, "a.py", LEAK)
    write(project, "b.py", LEAK.replace("def f", "def g"))
    assert run_connlint(args, project) == (1, leak_line("a.py") + "\n", "")


def test_everything_after_double_dash_is_a_path(project):
    code, out, err = run_connlint(["--", "--bogus"], project)
    assert (code, out) == (2, "")
    assert_one_error_line(err, "path not found: --bogus")


def test_an_option_value_may_start_with_a_dash(project):
    write(project, "a.py", LEAK)
    code, out, err = run_connlint(["--select", "-CNL101", "a.py"], project)
    assert (code, out) == (2, "")
    assert_one_error_line(err, "--select: unknown rule code or name '-CNL101' (see 'connlint --list-rules')")


def test_version_and_help_win_over_a_bad_value(project):
    assert run_connlint(["--format", "xml", "--version"], project) == (0, f"connlint {connlint.__version__}\n", "")
    code, out, err = run_connlint(["-j", "0", "-h"], project)
    assert (code, err) == (0, "")
    assert out.startswith("usage: connlint [OPTIONS] [PATHS]...\n")


def test_exit_zero_reports_but_exits_0(project):
    write(project, "a.py", LEAK)
    code, out, err = run_connlint(["--exit-zero"], project)
    assert code == 0
    assert err == ""
    assert out_lines(out) == [leak_line("a.py"), "Found 1 problem (1 fixable with --fix)."]


def test_exit_zero_does_not_hide_usage_errors(project):
    code, out, err = run_connlint(["--exit-zero", "missing.py"], project)
    assert code == 2
    assert_one_error_line(err, "path not found: missing.py")


# --------------------------------------------------------------------------- -q


def test_quiet_prints_findings_only(project):
    write(project, "a.py", LEAK)
    code, out, err = run_connlint(["-q"], project)
    assert (code, out, err) == (1, leak_line("a.py") + "\n", "")


def test_quiet_clean_prints_nothing(project):
    write(project, "clean.py", CLEAN)
    code, out, err = run_connlint(["--quiet"], project)
    assert (code, out, err) == (0, "", "")


# --------------------------------------------------------------------------- json


def test_json_every_key(project):
    write(project, "a.py", LEAK)
    code, out, err = run_connlint(["--format", "json"], project)
    assert code == 1
    assert err == ""
    data = json.loads(out)
    assert data == [
        {
            "path": "a.py",
            "line": 3,
            "column": 12,
            "end_line": 3,
            "end_column": 30,
            "code": "CNL101",
            "name": "unclosed-connection",
            "message": LEAK_MESSAGE[len("CNL101 "):],
            "severity": "error",
            "fix": {
                "applicability": "safe",
                "description": "Use 'with contextlib.closing(sqlite3.connect(...)) as conn:' around the uses of conn",
                "edits": None,
            },
        }
    ]


def test_json_clean_is_empty_array_and_no_summary(project):
    write(project, "clean.py", CLEAN)
    code, out, err = run_connlint(["--format", "json"], project)
    assert code == 0
    assert err == ""
    assert json.loads(out) == []


def test_json_is_sorted_and_has_no_summary_or_statistics(project):
    write(project, "m.py", THREE)
    code, out, err = run_connlint(["--format", "json", "--statistics"], project)
    assert code == 1
    data = json.loads(out)  # the whole stdout is one JSON document
    assert [(d["line"], d["column"], d["code"], d["name"]) for d in data] == [
        (5, 12, "CNL101", "unclosed-connection"),
        (10, 12, "CNL102", "close-skipped-on-error"),
        (17, 10, "CNL103", "with-does-not-close"),
    ]
    for d in data:
        assert set(d) == {"path", "line", "column", "end_line", "end_column", "code",
                          "name", "message", "severity", "fix"}
        assert d["path"] == "m.py"
        assert d["severity"] == "error"
        assert d["fix"]["applicability"] == "safe" and d["fix"]["description"] and d["fix"]["edits"] is None


# --------------------------------------------------------------------------- --output-file


def test_output_file_text(project):
    write(project, "a.py", LEAK)
    before = listing(project)
    code, out, err = run_connlint(["--output-file", "report.txt"], project)
    assert (code, out, err) == (1, "", "")
    assert (project / "report.txt").read_text() == leak_line("a.py") + "\nFound 1 problem (1 fixable with --fix).\n"
    assert listing(project) == before | {"report.txt"}  # no temp files left behind


def test_output_file_json_in_subdirectory(project):
    write(project, "a.py", LEAK)
    (project / "out").mkdir()
    code, out, err = run_connlint(["--format", "json", "--output-file", "out/r.json"], project)
    assert (code, out, err) == (1, "", "")
    data = json.loads((project / "out" / "r.json").read_text())
    assert [(d["path"], d["line"], d["column"], d["code"]) for d in data] == [("a.py", 3, 12, "CNL101")]
    assert os.listdir(project / "out") == ["r.json"]


def test_output_file_replaces_existing_report(project):
    write(project, "clean.py", CLEAN)
    write(project, "report.txt", "old contents\n" * 100)
    code, out, err = run_connlint(["--output-file", "report.txt"], project)
    assert (code, out, err) == (0, "", "")
    assert (project / "report.txt").read_text() == "All checks passed.\n"
    assert sorted(listing(project)) == ["clean.py", "pyproject.toml", "report.txt"]


def test_output_file_missing_directory_is_exit_2(project):
    write(project, "a.py", LEAK)
    code, out, err = run_connlint(["--output-file", "nodir/r.txt"], project)
    assert code == 2
    assert out == ""
    assert_one_error_line(err, "cannot write nodir/r.txt: No such file or directory")
    assert sorted(listing(project)) == ["a.py", "pyproject.toml"]


def test_output_file_that_is_a_directory_leaves_no_temp_file(project):
    write(project, "a.py", LEAK)
    (project / "outdir").mkdir()
    code, out, err = run_connlint(["--output-file", "outdir"], project)
    assert code == 2
    assert out == ""
    assert_one_error_line(err, "cannot write outdir: Is a directory")
    assert sorted(listing(project)) == ["a.py", "outdir", "pyproject.toml"]


def test_output_file_has_normal_permissions(project):
    write(project, "a.py", LEAK)
    old = os.umask(0o022)
    try:
        code, _, _ = run_connlint(["--output-file", "report.txt"], project)
    finally:
        os.umask(old)
    assert code == 1
    assert stat.S_IMODE((project / "report.txt").stat().st_mode) == 0o644


# --------------------------------------------------------------------------- --statistics / --show-source


def test_statistics(project):
    write(project, "m.py", THREE)
    write(project, "a.py", LEAK)
    code, out, err = run_connlint(["--statistics"], project)
    assert code == 1
    assert err == ""
    assert out_lines(out) == [
        leak_line("a.py"),
        L101,
        L102,
        L103,
        "2     CNL101 unclosed-connection",
        "1     CNL102 close-skipped-on-error",
        "1     CNL103 with-does-not-close",
        "Found 4 problems (4 fixable with --fix).",
    ]


def test_statistics_quiet_has_no_summary(project):
    write(project, "a.py", LEAK)
    code, out, err = run_connlint(["--statistics", "-q"], project)
    assert (code, err) == (1, "")
    assert out_lines(out) == [leak_line("a.py"), "1     CNL101 unclosed-connection"]


def test_show_source(project):
    write(project, "m.py", THREE)
    code, out, err = run_connlint(["--show-source"], project)
    assert (code, err) == (1, "")
    assert out_lines(out) == [
        L101,
        "        conn = sqlite3.connect(p)",
        "               ^",
        L102,
        "        conn = sqlite3.connect(p)",
        "               ^",
        L103,
        "        with sqlite3.connect(p) as conn:",
        "             ^",
        "Found 3 problems (3 fixable with --fix).",
    ]


# --------------------------------------------------------------------------- select / ignore


@pytest.mark.parametrize(
    "args, expected",
    [
        (["--select", "CNL102"], [L102]),
        (["--select", "cnl102"], [L102]),
        (["--select", "CNL101,CNL103"], [L101, L103]),
        (["--select", "CNL1"], [L101, L102, L103]),
        (["--ignore", "CNL101"], [L102, L103]),
        (["--ignore", "CNL1"], []),
        (["--select", "CNL1", "--ignore", "CNL101,CNL103"], [L102]),
        (["--select", "CNL101", "--extend-select", "CNL103"], [L101, L103]),
        (["--ignore", "CNL10", "--extend-select", "CNL102"], [L102]),
        # the most specific (longest) matching prefix wins; ignore wins a tie
        (["--select", "CNL10", "--ignore", "CNL1"], [L101, L102, L103]),
        (["--ignore", "CNL1", "--select", "CNL102"], [L102]),
        (["--select", "CNL101,CNL102", "--ignore", "CNL101"], [L102]),
    ],
)
def test_select_ignore(project, args, expected):
    write(project, "m.py", THREE)
    code, out, err = run_connlint(["-q", *args], project)
    assert err == ""
    assert out_lines(out) == expected
    assert code == (1 if expected else 0)


@pytest.mark.parametrize(
    "option, value",
    [
        ("--select", "CNL999"),
        ("--select", "CNL101,XYZ1"),
        ("--ignore", "CNL999"),
        ("--extend-select", "CNL9999"),
    ],
)
def test_unknown_code_is_exit_2(project, option, value):
    write(project, "a.py", LEAK)
    code, out, err = run_connlint([option, value], project)
    assert code == 2
    assert out == ""
    bad = [c for c in value.split(",") if c not in ("CNL101",)][0]
    assert_one_error_line(err, f"{option}: unknown rule code or name '{bad}' (see 'connlint --list-rules')")


# --------------------------------------------------------------------------- noqa


NOQA = '''\
import sqlite3
def bare(p):
    conn = sqlite3.connect(p)  # noqa
    return conn.execute("select 1").fetchall()
def coded(p):
    conn = sqlite3.connect(p)  # noqa: CNL101
    return conn.execute("select 1").fetchall()
def other_code(p):
    conn = sqlite3.connect(p)  # noqa: CNL102
    return conn.execute("select 1").fetchall()
def several(p):
    conn = sqlite3.connect(p)  # NOQA:CNL203,CNL101
    return conn.execute("select 1").fetchall()
def multi_line(p):
    conn = sqlite3.connect(  # noqa
        p)
    return conn.execute("select 1").fetchall()
def statement_first_line(p):
    conn = (  # noqa: CNL101
        sqlite3.connect(p))
    return conn.execute("select 1").fetchall()
def elsewhere(p):
    conn = sqlite3.connect(p)
    x = 1  # noqa
    return conn.execute("select 1").fetchall()
'''


def test_noqa(project):
    write(project, "n.py", NOQA)
    code, out, err = run_connlint([], project)
    assert err == ""
    assert out_lines(out) == [
        leak_line("n.py", 9, 12),  # noqa: CNL102 does not suppress CNL101
        leak_line("n.py", 23, 12),  # a noqa on another line does not count
        "Found 2 problems (2 fixable with --fix).",
    ]
    assert code == 1


def test_noqa_only_suppresses_its_code(project):
    text = THREE.replace("    conn = sqlite3.connect(p)\n    rows", "    conn = sqlite3.connect(p)  # noqa: CNL101\n    rows")
    write(project, "m.py", text)
    code, out, err = run_connlint(["-q"], project)
    assert (code, err) == (1, "")
    assert out_lines(out) == [L101, L102, L103]  # noqa: CNL101 does not suppress CNL102
    text = THREE.replace("    conn = sqlite3.connect(p)\n    rows", "    conn = sqlite3.connect(p)  # noqa: CNL102\n    rows")
    write(project, "m.py", text)
    code, out, err = run_connlint(["-q"], project)
    assert (code, err) == (1, "")
    assert out_lines(out) == [L101, L103]


# --------------------------------------------------------------------------- explain / list / version


def test_explain(project):
    code, out, err = run_connlint(["--explain", "CNL101"], project)
    assert (code, err) == (0, "")
    assert out.startswith("# CNL101 unclosed-connection\n")
    for heading in ("## What it does", "## Why is this bad?", "## Example", "## Use instead"):
        assert f"\n{heading}\n" in out
    assert out.index("## What it does") < out.index("## Why is this bad?") < out.index("## Example") < out.index("## Use instead")


def test_explain_is_case_insensitive(project):
    code, out, err = run_connlint(["--explain", "cnl103"], project)
    assert (code, err) == (0, "")
    assert out.startswith("# CNL103 with-does-not-close\n")


def test_explain_unknown_code(project):
    code, out, err = run_connlint(["--explain", "CNL999"], project)
    assert code == 2
    assert out == ""
    assert_one_error_line(err, "unknown rule code or name 'CNL999' (see 'connlint --list-rules')")


def test_list_rules(project):
    code, out, err = run_connlint(["--list-rules"], project)
    assert (code, err) == (0, "")
    rows = {row.split()[0]: row.split()[1] for row in out.splitlines()}
    codes = [row.split()[0] for row in out.splitlines()]
    assert codes == sorted(codes)  # one row per rule, by code (other rules may be added later)
    assert {code: rows.get(code) for code in ("CNL101", "CNL102", "CNL103", "CNL104", "CNL105", "CNL900")} == {
        "CNL101": "unclosed-connection",
        "CNL102": "close-skipped-on-error",
        "CNL103": "with-does-not-close",
        "CNL104": "checkout-not-returned",
        "CNL105": "async-resource-sync-close",
        "CNL900": "parse-error",
    }
    for row in out.splitlines():
        assert len(row.split(None, 2)) == 3  # code, name, summary


def test_version(project):
    code, out, err = run_connlint(["--version"], project)
    assert (code, out, err) == (0, f"connlint {connlint.__version__}\n", "")


def test_help(project):
    code, out, err = run_connlint(["--help"], project)
    assert (code, err) == (0, "")
    assert "--select" in out and "--stdin-filename" in out
    assert "Find database and network connection misuse in Python code." in out  # the description
    assert "--respect-gitignore, --no-respect-gitignore" in out
    assert run_connlint(["-h"], project) == (code, out, err)


def test_inventory_help(project):
    code, out, err = run_connlint(["inventory", "--help"], project)
    assert (code, err) == (0, "")
    assert out.startswith("usage: connlint inventory [OPTIONS] [PATHS]...\n")
    assert "List every pool, engine and pooled client the code creates" in out
    for option in ("--format", "--processes", "--max-connections", "--output-file", "--config", "--isolated"):
        assert option in out
    assert "--select" not in out and "--version" not in out


# --------------------------------------------------------------------------- stdin


def test_stdin_without_filename(project):
    code, out, err = run_connlint(["-"], project, input=LEAK)
    assert (code, err) == (1, "")
    assert out_lines(out) == [leak_line("-"), "Found 1 problem (1 fixable with --fix)."]


def test_stdin_with_filename(project):
    code, out, err = run_connlint(["-", "--stdin-filename", "pkg/mod.py"], project, input=LEAK)
    assert (code, err) == (1, "")
    assert out_lines(out) == [leak_line("pkg/mod.py"), "Found 1 problem (1 fixable with --fix)."]


def test_stdin_with_absolute_filename_is_reported_relative(project):
    code, out, err = run_connlint(["--stdin-filename", str(project / "pkg" / "mod.py"), "-"], project, input=LEAK)
    assert (code, err) == (1, "")
    assert out_lines(out) == [leak_line("pkg/mod.py"), "Found 1 problem (1 fixable with --fix)."]


def test_stdin_show_source_and_json(project):
    code, out, err = run_connlint(["-", "--show-source"], project, input=LEAK)
    assert (code, err) == (1, "")
    assert out_lines(out) == [leak_line("-"), "        conn = sqlite3.connect(p)", "               ^", "Found 1 problem (1 fixable with --fix)."]
    code, out, err = run_connlint(["-", "--format", "json", "--stdin-filename", "x.py"], project, input=LEAK)
    assert code == 1
    assert [(d["path"], d["line"], d["column"]) for d in json.loads(out)] == [("x.py", 3, 12)]


def test_stdin_clean_and_not_a_catalog_file(project):
    assert run_connlint(["-"], project, input=CLEAN) == (0, "All checks passed.\n", "")
    assert run_connlint(["-"], project, input="def f(:\n") == (0, "All checks passed.\n", "")
    assert run_connlint(["-"], project, input="") == (0, "All checks passed.\n", "")


def test_stdin_syntax_error(project):
    code, out, err = run_connlint(["-", "--stdin-filename", "s.py"], project, input="import sqlite3\n\ndef f(:\n")
    assert (code, err) == (1, "")
    assert out_lines(out) == ["s.py:3:7: CNL900 cannot parse: invalid syntax", "Found 1 problem."]


def test_stdin_does_not_read_files(project):
    write(project, "a.py", LEAK)
    code, out, err = run_connlint(["-"], project, input=CLEAN)
    assert (code, out, err) == (0, "All checks passed.\n", "")


def test_stdin_dash_with_other_paths_is_not_path_not_found(project):
    write(project, "a.py", LEAK)
    code, out, err = run_connlint(["-", "a.py"], project, input=LEAK)
    assert "path not found: -" not in err
    assert "Traceback" not in err


# --------------------------------------------------------------------------- discovery


EXCLUDED_DIRS = [".git", ".venv", "venv", "build", "dist", "node_modules", "__pycache__",
                 ".tox", ".nox", "site-packages", "pkg/build", "src/pkg.egg-info"]


def test_directory_walk_skips_default_excludes(project):
    for directory in EXCLUDED_DIRS:
        write(project, f"{directory}/m.py", LEAK)
    write(project, "env/pyvenv.cfg", "home = /usr/bin\n")  # a virtualenv under any name
    write(project, "env/lib/m.py", LEAK)
    write(project, "stubs.pyi", LEAK)
    write(project, "pkg/stubs.pyi", LEAK)
    write(project, "notes.txt", LEAK)
    write(project, "pkg/mod.py", LEAK)
    write(project, "top.py", LEAK)
    code, out, err = run_connlint([], project)
    assert (code, err) == (1, "")
    assert out_lines(out) == [leak_line("pkg/mod.py"), leak_line("top.py"), "Found 2 problems (2 fixable with --fix)."]


def test_excluded_names_deeper_in_the_tree_and_explicit_dir(project):
    write(project, "src/node_modules/x/m.py", LEAK)
    write(project, "src/app/__pycache__/m.py", LEAK)
    write(project, "src/app/views.py", LEAK)
    code, out, err = run_connlint(["src"], project)
    assert (code, err) == (1, "")
    assert out_lines(out) == [leak_line("src/app/views.py"), "Found 1 problem (1 fixable with --fix)."]


def test_explicit_files_are_always_checked(project):
    paths = ["build/m.py", "venv/m.py", ".git/m.py", "site-packages/m.py", "env/m.py", "stubs.pyi", "script"]
    for path in paths:
        write(project, path, LEAK)
    write(project, "env/pyvenv.cfg", "home = /usr/bin\n")
    code, out, err = run_connlint(paths, project)
    assert (code, err) == (1, "")
    assert out_lines(out) == [leak_line(p) for p in sorted(paths)] + ["Found 7 problems (7 fixable with --fix)."]


def test_paths_are_relative_to_cwd_and_sorted(project):
    write(project, "z.py", LEAK)
    write(project, "pkg/sub/c.py", LEAK)
    write(project, "a.py", LEAK)
    write(project, "pkg/b.py", LEAK)
    write(project, "pkg/sorted.py", '''\
import sqlite3


def many(p):
    a = sqlite3.connect(p); b = sqlite3.connect(p)
    a.execute("x")
    b.execute("x")
    pass
    c9 = sqlite3.connect(p)
    c10 = sqlite3.connect(p)
    c9.execute("x")
    c10.execute("x")
''')
    msg = "CNL101 sqlite3 connection from sqlite3.connect() is never closed; use 'with contextlib.closing(sqlite3.connect(...)) as {}:'"
    expected = [
        leak_line("a.py"),
        leak_line("pkg/b.py"),
        "pkg/sorted.py:5:9: " + msg.format("a"),
        "pkg/sorted.py:5:33: " + msg.format("b"),
        "pkg/sorted.py:9:10: " + msg.format("c9"),
        "pkg/sorted.py:10:11: " + msg.format("c10"),
        leak_line("pkg/sub/c.py"),
        leak_line("z.py"),
        "Found 8 problems (6 fixable with --fix).",
    ]
    # whatever order the paths are given in, and however they are spelled
    code, out, err = run_connlint(["-q", "z.py", str(project / "pkg"), "./a.py"], project)
    assert (code, err) == (1, "")
    assert out_lines(out) == expected[:-1]
    code, out, err = run_connlint([], project)
    assert out_lines(out) == expected
    code, out, err = run_connlint(["pkg/sub/../../z.py", "pkg/../a.py"], project)
    assert out_lines(out) == [leak_line("a.py"), leak_line("z.py"), "Found 2 problems (2 fixable with --fix)."]


def test_paths_relative_to_cwd_from_a_subdirectory(project):
    write(project, "a.py", LEAK)
    write(project, "pkg/b.py", LEAK)
    code, out, err = run_connlint([".."], project / "pkg")
    assert (code, err) == (1, "")
    assert out_lines(out) == [leak_line("../a.py"), leak_line("../pkg/b.py"), "Found 2 problems (2 fixable with --fix)."]
    code, out, err = run_connlint([str(project / "pkg" / "b.py")], project / "pkg")
    assert out_lines(out) == [leak_line("b.py"), "Found 1 problem (1 fixable with --fix)."]


def test_a_file_given_twice_is_checked_once(project):
    write(project, "a.py", LEAK)
    code, out, err = run_connlint(["a.py", "./a.py", ".", str(project / "a.py")], project)
    assert (code, err) == (1, "")
    assert out_lines(out) == [leak_line("a.py"), "Found 1 problem (1 fixable with --fix)."]


def test_files_without_catalog_import_are_not_reported(project):
    write(project, "plain.py", "def f(p):\n    conn = connect(p)\n    return conn\n")
    write(project, "broken.py", "def f(:\n")
    write(project, "comment.py", "# import sqlite3\nx = sqlite3.connect('a')\n")
    code, out, err = run_connlint([], project)
    assert (code, out, err) == (0, "All checks passed.\n", "")


def test_path_not_found(project):
    write(project, "a.py", LEAK)
    code, out, err = run_connlint(["a.py", "nope/missing.py"], project)
    assert code == 2
    assert out == ""
    assert_one_error_line(err, "path not found: nope/missing.py")
