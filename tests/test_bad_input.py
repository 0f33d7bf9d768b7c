"""Files connlint cannot (easily) analyse: each gets a clear one-line answer, and
the scan goes on over the other files.

Every bad file imports sqlite3: a file that imports no catalog module is never
parsed (the prefilter skips it), so it could not show how bad input is handled.
Beside each bad file sits ``ok.py``, a normal leaking file that must still be
reported.
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

try:
    from tests.conftest import LEAK, leak_line, run_connlint, write
except ImportError:  # tests/ is not a package
    from conftest import LEAK, leak_line, run_connlint, write

PY311 = sys.version_info >= (3, 11)
PY312 = sys.version_info >= (3, 12)
RUNNING = f"{sys.version_info.major}.{sys.version_info.minor}"


def newer_hint(needed: str) -> str:
    """The words CNL900 adds when the file needs Python ``needed`` and connlint runs on an older one."""
    return (
        f" (the file uses Python {needed}+ syntax; connlint runs on Python {RUNNING}: "
        f"run it with Python {needed} or later to check this file)"
    )


NEWER_HINT = newer_hint("3.12")
OK = leak_line("ok.py")


def scan(tmp_path, name, data, *args):
    """Write ``name`` (bytes or str) beside ok.py, scan the directory (-q);
    return the finding lines other than ok.py's, after checking ok.py is still
    reported, the exit status is 1 and stderr is empty."""
    write(tmp_path, "pyproject.toml", "[project]\nname = \"sample\"\n")
    write(tmp_path, "ok.py", LEAK)
    if name is not None:
        write(tmp_path, name, data)
    code, out, err = run_connlint(["-q", *args], tmp_path)
    assert err == "", err
    found = out.splitlines()
    assert OK in found, out
    assert code == 1
    return [line for line in found if line != OK]


# --------------------------------------------------------------------------- syntax


def test_syntax_error_is_cnl900_at_its_line(tmp_path):
    got = scan(tmp_path, "syn.py", "import sqlite3\n\n\ndef f(:\n    pass\n")
    assert got == ["syn.py:4:7: CNL900 cannot parse: invalid syntax"]


def test_syntax_error_in_json(tmp_path):
    import json

    write(tmp_path, "syn.py", "import sqlite3\n\nx = (\n")
    code, out, err = run_connlint(["--format", "json"], tmp_path)
    assert (code, err) == (1, "")
    [finding] = json.loads(out)
    assert finding["path"] == "syn.py"
    assert finding["line"] == 3
    assert finding["code"] == "CNL900"
    assert finding["name"] == "parse-error"
    assert finding["message"].startswith("cannot parse: ")
    assert finding["fix"] is None


def test_syntax_error_without_catalog_import_is_never_parsed(tmp_path):
    write(tmp_path, "pyproject.toml", "[project]\nname = \"sample\"\n")
    write(tmp_path, "broken.py", "def f(:\n    print 'x'\n")
    code, out, err = run_connlint([], tmp_path)
    assert (code, out, err) == (0, "All checks passed.\n", "")
    code, out, err = run_connlint(["broken.py"], tmp_path)  # even when named explicitly
    assert (code, out, err) == (0, "All checks passed.\n", "")


def test_syntax_error_is_not_reported_when_cnl900_is_ignored(tmp_path):
    got = scan(tmp_path, "syn.py", "import sqlite3\ndef f(:\n", "--ignore", "CNL900")
    assert got == []


def test_python2_print_statement(tmp_path):
    got = scan(tmp_path, "py2.py", 'import sqlite3\n\nprint "x"\n')
    assert got == ["py2.py:3:1: CNL900 cannot parse: Missing parentheses in call to 'print'. Did you mean print(...)?"]


# --------------------------------------------------------------------------- encodings


def test_non_utf8_bytes_without_coding_cookie(tmp_path):
    got = scan(tmp_path, "bytes.py", b'import sqlite3\nx = "\xff\xfe"\n')
    assert len(got) == 1
    assert got[0].startswith("bytes.py:2:1: CNL900 cannot decode: ")
    assert "can't decode byte 0xff" in got[0]


LATIN1 = (
    b"# -*- coding: latin-1 -*-\n"
    b"import sqlite3\n"
    b"def f(p):\n"
    b'    s = "caf\xe9"; conn = sqlite3.connect(p)\n'
    b"    return conn.execute(s).fetchall()\n"
)


def test_pep263_coding_cookie(tmp_path):
    got = scan(tmp_path, "latin.py", LATIN1)
    # column 24 in characters ("é" is one character, two bytes in UTF-8)
    assert got == [leak_line("latin.py", 4, 24)]


def test_pep263_coding_cookie_show_source(tmp_path):
    write(tmp_path, "latin.py", LATIN1)
    code, out, err = run_connlint(["--show-source", "latin.py"], tmp_path)
    assert (code, err) == (1, "")
    assert out.splitlines() == [
        leak_line("latin.py", 4, 24),
        '        s = "café"; conn = sqlite3.connect(p)',
        "    " + " " * 23 + "^",
        "Found 1 problem.",
    ]


def test_utf8_bom(tmp_path):
    data = (
        "\ufeff# a file saved with a byte order mark\n"
        "import sqlite3\n"
        "def f(p):\n"
        '    s = "é"; conn = sqlite3.connect(p)\n'
        "    return conn.execute(s).fetchall()\n"
    )
    got = scan(tmp_path, "bom.py", data)
    assert got == [leak_line("bom.py", 4, 21)]


def test_utf8_bom_before_the_import(tmp_path):
    got = scan(tmp_path, "bom.py", "\ufeff" + LEAK)
    assert got == [leak_line("bom.py")]


def test_crlf_line_endings(tmp_path):
    data = (
        "import sqlite3\r\n"
        "\r\n"
        "def f(p):\r\n"
        "    x = 1\r\n"
        "    conn = sqlite3.connect(p)\r\n"
        '    return conn.execute("select 1").fetchall()\r\n'
        "\r\n"
        "def g(p):\r\n"
        "    conn = sqlite3.connect(p)  # noqa: CNL101\r\n"
        '    return conn.execute("select 1").fetchall()\r\n'
    )
    got = scan(tmp_path, "crlf.py", data)
    assert got == [leak_line("crlf.py", 5, 12)]
    code, out, err = run_connlint(["--show-source", "crlf.py"], tmp_path)
    assert out.splitlines() == [leak_line("crlf.py", 5, 12), "        conn = sqlite3.connect(p)",
                                "               ^", "Found 1 problem (1 fixable with --fix)."]
    assert "\r" not in out


def test_cr_only_line_endings(tmp_path):
    got = scan(tmp_path, "cr.py", LEAK.replace("\n", "\r"))
    assert got == [leak_line("cr.py")]


def test_nul_bytes(tmp_path):
    got = scan(tmp_path, "nul.py", b'import sqlite3\nx = 1\ny = "\0"\n')
    assert got == ["nul.py:3:1: CNL900 cannot parse: source contains NUL bytes"]


# --------------------------------------------------------------------------- size and depth


def test_five_megabyte_file(tmp_path):
    parts = ["import sqlite3\n", "\n"]
    size = 0
    i = 0
    while size < 5 * 1024 * 1024:
        line = f'DATA_{i:06d} = "{"abcdefghij" * 8}"\n'
        parts.append(line)
        size += len(line)
        i += 1
    first_line = len(parts) + 1
    parts.append(LEAK.replace("import sqlite3\n", ""))
    text = "".join(parts)
    assert len(text) > 5 * 1024 * 1024
    got = scan(tmp_path, "big.py", text)  # completes: no timing assertion
    assert got == [leak_line("big.py", first_line + 1, 12)]


def test_1000_deep_parentheses(tmp_path):
    got = scan(tmp_path, "parens.py", "import sqlite3\nx = " + "(" * 1000 + "1" + ")" * 1000 + "\n")
    assert len(got) == 1
    assert got[0].startswith("parens.py:2:")
    assert " CNL900 cannot parse: " in got[0]


def test_1000_deep_list(tmp_path):
    got = scan(tmp_path, "lists.py", "import sqlite3\nx = " + "[" * 1000 + "1" + "]" * 1000 + "\n")
    assert len(got) == 1
    assert got[0].startswith("lists.py:2:")
    assert " CNL900 cannot parse: " in got[0]


def test_100000_term_chain(tmp_path):
    got = scan(tmp_path, "chain.py", "import sqlite3\na = 1\nx = " + " + ".join(["a"] * 100_000) + "\n")
    if not PY311:  # Python 3.10's parser builds this tree (3.11+ stop at its depth): analysed, nothing leaks
        assert got == []
        return
    assert len(got) == 1
    assert got[0].startswith("chain.py:")
    assert " CNL900 cannot parse: " in got[0]
    assert "too deep" in got[0]


def test_2000_term_chain_in_a_function_is_analysed(tmp_path):
    text = ("import sqlite3\ndef f(p, a):\n    conn = sqlite3.connect(p)\n    x = "
            + " + ".join(["a"] * 2000) + "\n    return x\n")
    got = scan(tmp_path, "chain.py", text)
    assert got == [leak_line("chain.py")]


def test_1000_branch_elif_chain(tmp_path):
    """Valid code nested too deep for the analysis: one CNL900, the other files still checked."""
    write(tmp_path, "deep/elifs.py", "import sqlite3\ndef f(p, a):\n    conn = sqlite3.connect(p)\n"
          "    if a == 0:\n        x = 0\n"
          + "".join(f"    elif a == {i}:\n        x = {i}\n" for i in range(1, 1000)) + "    conn.close()\n")
    write(tmp_path, "deep/z.py", LEAK)
    got = scan(tmp_path, None, None)
    assert [line.split(":")[0] for line in got] == ["deep/elifs.py", "deep/z.py"]
    assert " CNL900 " in got[0]
    assert got[1] == leak_line("deep/z.py")


# --------------------------------------------------------------------------- newer Python syntax


NEWER = [
    ("type_alias.py", "import sqlite3\ntype X = int\n", 2),
    ("generic_def.py", "import sqlite3\ndef f[T](x: T) -> T:\n    return x\n", 2),
    ("generic_class.py", "import sqlite3\n\nclass Box[T]:\n    pass\n", 3),
]


@pytest.mark.parametrize("name, text, line", NEWER, ids=[n for n, _, _ in NEWER])
def test_python_312_syntax(tmp_path, name, text, line):
    text += LEAK.replace("import sqlite3\n", "").replace("def f(", "def leaky(")
    got = scan(tmp_path, name, text)
    if PY312:
        leak_at = text.count("\n", 0, text.index("conn = ")) + 1
        assert got == [leak_line(name, leak_at, 12)]
    else:
        assert len(got) == 1
        assert got[0].startswith(f"{name}:{line}:")
        assert " CNL900 cannot parse: " in got[0]
        assert got[0].endswith(NEWER_HINT)


NESTED_FSTRING = 'import sqlite3\nnames = ["a"]\ns = f"{", ".join(names)}"\n'


def test_python_312_nested_fstring_same_quotes(tmp_path):
    text = NESTED_FSTRING + LEAK.replace("import sqlite3\n", "")
    got = scan(tmp_path, "fstring.py", text)
    if PY312:
        # line 5: 1 import, 2 names, 3 the f-string, 4 'def f(p):', 5 'conn = sqlite3.connect(p)'
        assert text.splitlines()[4] == "    conn = sqlite3.connect(p)"
        assert got == [leak_line("fstring.py", 5, 12)]
    else:
        assert len(got) == 1
        assert got[0].startswith("fstring.py:3:")
        assert " CNL900 cannot parse: " in got[0]
        assert "Python 3.12" in got[0]


def test_python_312_nested_fstring_is_cnl900_on_older_python(tmp_path):
    got = scan(tmp_path, "fstring.py", NESTED_FSTRING)
    if PY312:
        assert got == []
    else:
        assert len(got) == 1
        assert got[0].startswith("fstring.py:3:")
        assert " CNL900 cannot parse: " in got[0]


MULTILINE_FSTRING = 'import sqlite3\ndef url(hass):\n    return (\n        f"{\n            hass.base\n        }/api"\n    )\n'


def test_python_312_multiline_fstring_gets_the_hint_on_older_python(tmp_path):
    got = scan(tmp_path, "fstring.py", MULTILINE_FSTRING)
    if PY312:
        assert got == []
    else:
        assert len(got) == 1
        assert got[0].startswith("fstring.py:4:")
        assert got[0].endswith(NEWER_HINT)


def python_error(text: str) -> tuple[int, int, str]:
    """Line, column and message of the running Python's own syntax error in ``text``."""
    try:
        compile(text, "x.py", "exec")
    except SyntaxError as exc:
        return exc.lineno, exc.offset, exc.msg
    raise AssertionError(f"Python {RUNNING} parses this")


def leaky(text: str) -> str:
    """``text`` followed by a leaking function (named leaky) to be reported once the file parses."""
    return text + LEAK.replace("import sqlite3\n", "").replace("def f(", "def leaky(")


def expect_cnl900_or_leak(tmp_path, name, text, needed):
    """Python ``needed`` or later: the leak in ``text`` is reported. An older
    one: exactly Python's own syntax error as CNL900, with the hint to run
    connlint with Python ``needed``."""
    got = scan(tmp_path, name, text)
    if sys.version_info >= tuple(int(part) for part in needed.split(".")):
        leak_at = text.count("\n", 0, text.index("conn = ")) + 1
        assert got == [leak_line(name, leak_at, 12)]
    else:
        line, column, message = python_error(text)
        assert got == [f"{name}:{line}:{column}: CNL900 cannot parse: {message}{newer_hint(needed)}"]


NEWER_313 = [  # type parameter defaults (PEP 696)
    ("default_def.py", "import sqlite3\ndef first[T = int](x: list[T]) -> T:\n    return x[0]\n"),
    ("default_class.py", "import sqlite3\n\nclass Box[T = int]:\n    pass\n"),
    ("default_type.py", "import sqlite3\ntype Pair[K, V = K] = tuple[K, V]\n"),
    ("default_async.py", "import sqlite3\nasync def first[T: list[int] = list[int]](x: T) -> T:\n    return x\n"),
    ("default_star.py", "import sqlite3\nclass Shape[*Ts = *tuple[int, int], **P = [str]]:\n    pass\n"),
    ("default_lines.py", "import sqlite3\nclass Table[\n    K: (str, bytes),\n    V = 'é',\n]:\n    pass\n"),
    # 3.12 syntax before the 3.13 one: the file still needs 3.13
    ("default_after_312.py", "import sqlite3\ntype X = int\ndef g[T](x: T) -> T:\n    return x\nclass C[T = str]:\n    pass\n"),
]


@pytest.mark.parametrize("name, text", NEWER_313, ids=[n for n, _ in NEWER_313])
def test_python_313_syntax(tmp_path, name, text):
    expect_cnl900_or_leak(tmp_path, name, leaky(text), "3.13")


NEWER_311 = [  # except* (PEP 654), starred subscripts and *args annotations (PEP 646)
    ("except_star.py", "import sqlite3\ntry:\n    pass\nexcept* ValueError:\n    pass\n"),
    ("except_star_group.py", "import sqlite3\ntry:\n    pass\nexcept *(KeyError, TypeError) as group:\n    pass\n"),
    ("star_subscript.py", "import sqlite3\nShape = tuple[int, *Ts]\n"),
    ("star_args.py", "import sqlite3\ndef call(*args: *Ts) -> None:\n    pass\n"),
    ("star_after_text.py", "import sqlite3\nnom = 'café'; Shape = tuple[*Ts]\n"),
]


@pytest.mark.parametrize("name, text", NEWER_311, ids=[n for n, _ in NEWER_311])
def test_python_311_syntax(tmp_path, name, text):
    expect_cnl900_or_leak(tmp_path, name, leaky(text), "3.11")


def test_python_311_and_312_syntax_needs_312(tmp_path):
    text = "import sqlite3\ntry:\n    pass\nexcept* ValueError:\n    pass\ntype X = int\n"
    expect_cnl900_or_leak(tmp_path, "both.py", leaky(text), "3.12")


@pytest.mark.parametrize("text", [
    "import sqlite3\ndef f[T](x: T = 1) -> T:\n    return x\nx = = 1\n",  # '=' after the type parameters
    "import sqlite3\nclass C[T](metaclass=M):\n    pass\nx = = 1\n",
    "import sqlite3\ntype X[T] = list[T]\nx = = 1\n",
    "import sqlite3\ndef f[T: (int, str)](x: T) -> T:\n    return x == 1\nx = = 1\n",
], ids=["def-default-argument", "class-keyword", "type-alias", "bound"])
def test_312_type_parameters_are_not_313_syntax(tmp_path, text):
    got = scan(tmp_path, "syn.py", text)
    if PY312:
        line = text.count("\n", 0, text.index("x = = 1")) + 1
        assert got == [f"syn.py:{line}:5: CNL900 cannot parse: invalid syntax"]
    else:
        assert len(got) == 1 and got[0].endswith(NEWER_HINT), got


def test_ordinary_starred_syntax_error_has_no_311_hint(tmp_path):
    """Python's own message starts with 'cannot': still 'cannot parse: ' before it."""
    got = scan(tmp_path, "syn.py", "import sqlite3\nx = {1: *a}\n")
    assert got == ["syn.py:2:9: CNL900 cannot parse: cannot use a starred expression in a dictionary value"]
    got = scan(tmp_path / "other", "lit.py", "import sqlite3\n1 = x\n")
    assert len(got) == 1 and got[0].startswith("lit.py:2:1: CNL900 cannot parse: cannot assign to literal"), got


@pytest.mark.parametrize("data", [
    "import sqlite3\nnom = 'café'; x = = 1\n".encode(),
    "\ufeffimport sqlite3\nnom = 'café'; x = = 1\n".encode(),
    "# -*- coding: latin-1 -*-\nimport sqlite3\nnom = 'café'; x = = 1\n".encode("latin-1"),
], ids=["utf-8", "bom", "latin-1"])
def test_syntax_error_column_counts_characters(tmp_path, data):
    """Python 3.10 to 3.12 count the column of a syntax error in a UTF-8 file in
    bytes, 3.13 in characters: connlint says the same on each, in characters."""
    got = scan(tmp_path, "accent.py", data)
    line = 3 if data.startswith(b"#") else 2
    assert got == [f"accent.py:{line}:19: CNL900 cannot parse: invalid syntax"]


def test_ordinary_syntax_error_has_no_312_hint(tmp_path):
    got = scan(tmp_path, "syn.py", "import sqlite3\nx = = 1\n")
    assert len(got) == 1
    assert got[0].startswith("syn.py:2:")
    assert "3.12" not in got[0]
    got = scan(tmp_path / "other", "open.py", 'import sqlite3\nx = "abc\n')
    assert len(got) == 1 and "unterminated string literal" in got[0] and "3.12" not in got[0]


# --------------------------------------------------------------------------- empty / odd files


def test_empty_file(tmp_path):
    write(tmp_path, "empty.py", "")
    write(tmp_path, "only_import.py", "import sqlite3\n")
    write(tmp_path, "blank.py", "\n\n   \n")
    assert scan(tmp_path, None, None) == []
    code, out, err = run_connlint(["empty.py", "only_import.py", "blank.py"], tmp_path)
    assert (code, out, err) == (0, "All checks passed.\n", "")


def test_directory_named_like_a_python_file(tmp_path):
    write(tmp_path, "pkg.py/inner.py", LEAK)
    assert scan(tmp_path, None, None) == [leak_line("pkg.py/inner.py")]


# --------------------------------------------------------------------------- symlinks and unreadable files


def test_directory_symlink_loop(tmp_path):
    write(tmp_path, "d/real.py", LEAK)
    write(tmp_path, "d/e/deeper.py", LEAK)
    os.symlink(".", tmp_path / "d" / "self")
    os.symlink("..", tmp_path / "d" / "e" / "up")
    os.symlink("../..", tmp_path / "d" / "e" / "top")
    os.symlink(str(tmp_path), tmp_path / "d" / "abs_root")
    got = scan(tmp_path, None, None)  # terminates
    assert got == [leak_line("d/e/deeper.py"), leak_line("d/real.py")]
    code, out, err = run_connlint(["-q", "d/self"], tmp_path, timeout=60)
    assert (code, err) == (1, "")
    assert out.splitlines() == [leak_line("d/self/e/deeper.py"), leak_line("d/self/real.py")]


def test_file_symlink_loop(tmp_path):
    os.symlink("y.py", tmp_path / "x.py")
    os.symlink("x.py", tmp_path / "y.py")
    got = scan(tmp_path, None, None)
    assert len(got) == 2
    for name, line in zip(("x.py", "y.py"), got):
        assert line.startswith(f"{name}:1:1: CNL900 cannot read: ")


def test_dangling_symlink(tmp_path):
    os.symlink("missing.py", tmp_path / "bad.py")
    got = scan(tmp_path, None, None)
    assert got == ["bad.py:1:1: CNL900 cannot read: No such file or directory"]
    code, out, err = run_connlint(["bad.py"], tmp_path)  # named explicitly
    assert (code, err) == (1, "")
    assert out.splitlines() == ["bad.py:1:1: CNL900 cannot read: No such file or directory", "Found 1 problem."]


@pytest.mark.skipif(os.geteuid() == 0, reason="root can read a chmod 000 file")
def test_unreadable_file(tmp_path):
    path = write(tmp_path, "secret.py", LEAK)
    path.chmod(0)
    try:
        got = scan(tmp_path, None, None)
    finally:
        path.chmod(0o644)
    assert got == ["secret.py:1:1: CNL900 cannot read: Permission denied"]


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes")
def test_named_pipe_does_not_hang_the_scan(tmp_path):
    write(tmp_path, "ok.py", LEAK)
    os.mkfifo(tmp_path / "pipe.py")
    try:
        code, out, err = run_connlint(["-q"], tmp_path, timeout=1.5)
    except subprocess.TimeoutExpired:
        pytest.fail("connlint did not finish within 1.5 s with a FIFO named pipe.py in the tree")
    assert OK in out.splitlines()


def test_path_that_does_not_exist(tmp_path):
    write(tmp_path, "ok.py", LEAK)
    code, out, err = run_connlint(["ok.py", "missing_dir/"], tmp_path)
    assert (code, out) == (2, "")
    assert err == "connlint: error: path not found: missing_dir/\n"


def test_stdin_bad_bytes(tmp_path):
    code, out, err = run_connlint(["-", "--stdin-filename", "in.py"], tmp_path,
                                  input=b'import sqlite3\nx = "\xff"\n\0')
    assert (code, err) == (1, "")
    assert out.splitlines() == ["in.py:3:1: CNL900 cannot parse: source contains NUL bytes", "Found 1 problem."]
    code, out, err = run_connlint(["-"], tmp_path, input=b'import sqlite3\nx = "\xff"\n')
    assert (code, err) == (1, "")
    assert out.splitlines()[0].startswith("-:2:1: CNL900 cannot decode: ")



CRASHING_RULE = """\
import sys
from connlint import registry
from connlint.cli import main


def crash(self, facts):
    raise KeyError("boom")
    yield


for rule in registry.all_rules():
    if rule.code == "CNL103":
        type(rule).check = crash
sys.argv = ["connlint", *sys.argv[1:]]
main()
"""


@pytest.mark.parametrize("debug", [False, True], ids=["one-line", "CONNLINT_DEBUG"])
def test_a_rule_that_fails_is_one_cnl900_line_and_the_others_still_report(tmp_path, debug):
    write(tmp_path, "crash.py", CRASHING_RULE)
    write(tmp_path, "ok.py", LEAK)
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONWARNINGS", "CONNLINT_DEBUG")}
    if debug:
        env["CONNLINT_DEBUG"] = "1"
    result = subprocess.run(
        [sys.executable, "crash.py", "--isolated", "--no-cache", "ok.py"],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120,
    )
    if debug:  # the traceback, for a report
        assert result.returncode == 1 and "Traceback" in result.stderr and "KeyError: 'boom'" in result.stderr
        return
    assert result.stderr == ""
    assert result.returncode == 1
    assert result.stdout.splitlines() == [
        "ok.py:1:1: CNL900 cannot analyse: connlint internal error in CNL103 (KeyError: 'boom'); "
        "please report it with this file",
        leak_line("ok.py"),
        "Found 2 problems (1 fixable with --fix).",
    ]
