"""Bad configuration and data files: every one is exit 2 with one line on
stderr naming the file, the key and the reason, never a traceback.

The named inputs run through the real CLI (a subprocess); the generated ones
run in-process (``connlint.cli.main``), where any exception other than the
``SystemExit`` of a normal exit fails the test with its traceback.
"""

from __future__ import annotations

import contextlib
import io
import os

import pytest

try:
    from tests.conftest import LEAK, assert_one_error_line, leak_line, run_connlint, write
except ImportError:  # tests/ is not a package
    from conftest import LEAK, assert_one_error_line, leak_line, run_connlint, write

KEY = "[tool.connlint]"


def pyproject(tmp_path, body: str | bytes):
    if isinstance(body, str):
        body = body.encode("utf-8")
    return write(tmp_path, "pyproject.toml", b"[tool.connlint]\n" + body)


def error_of(tmp_path, args=(), cwd=None, input=None) -> str:
    """Run on a project holding one leaking file; the error line (exit 2, no output)."""
    write(tmp_path, "a.py", LEAK)
    code, out, err = run_connlint(list(args) or ["a.py"], cwd or tmp_path, input=input)
    assert (code, out) == (2, ""), err
    return assert_one_error_line(err)


def error_in_process(tmp_path) -> str:
    """``error_of`` with the project's pyproject.toml, run in this process
    (``connlint.cli.main``): for the many variants of one input."""
    write(tmp_path, "a.py", LEAK)
    path = tmp_path / "pyproject.toml"
    code, out, err = run_in_process(["--config", str(path), "--no-cache", "-j", "1", str(tmp_path / "a.py")])
    assert (code, out) == (2, ""), err
    return assert_one_error_line(err)


def run_in_process(args) -> tuple[int, str, str]:
    from connlint.cli import main

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            main(args)
            code = 0
        except SystemExit as exit:
            code = exit.code
    return code, out.getvalue(), err.getvalue()


# --------------------------------------------------------------------------- pyproject.toml itself


def test_not_utf8_pyproject(tmp_path):
    path = pyproject(tmp_path, b"select = [\"CNL1\"]\n# caf\xff\n")
    assert error_of(tmp_path) == f"connlint: error: {path}: invalid TOML: not UTF-8 (byte 0xff on line 3)"


@pytest.mark.parametrize("opening", ["[", "{a = "])
def test_deeply_nested_pyproject(tmp_path, opening):
    path = pyproject(tmp_path, "select = " + opening * 100000 + "\n")
    assert error_of(tmp_path) == f"connlint: error: {path}: invalid TOML: arrays or tables nested too deeply"


def test_integer_too_long_for_python(tmp_path):
    path = pyproject(tmp_path, "select = " + "1" * 5000 + "\n")
    line = error_of(tmp_path)
    assert line == f"connlint: error: {path}: invalid TOML: an integer of more than 4300 digits"


def test_pyproject_that_is_a_directory_found_upward(tmp_path):
    (tmp_path / "pyproject.toml").mkdir()
    write(tmp_path, "pkg/b.py", LEAK)
    message = f"connlint: error: {tmp_path / 'pyproject.toml'}: is a directory, not a configuration file"
    assert error_of(tmp_path) == message
    assert error_of(tmp_path, ["b.py"], cwd=tmp_path / "pkg") == message


def test_config_option_naming_a_directory(tmp_path):
    (tmp_path / "pyproject.toml").mkdir()
    line = error_of(tmp_path, ["--config", "pyproject.toml", "a.py"])
    assert line == "connlint: error: pyproject.toml: is a directory, not a configuration file"


def test_dangling_pyproject_link(tmp_path):
    os.symlink("nowhere.toml", tmp_path / "pyproject.toml")
    line = error_of(tmp_path)
    assert line == f"connlint: error: {tmp_path / 'pyproject.toml'}: is a dangling symbolic link"


# --------------------------------------------------------------------------- globs


GLOB_ERRORS = [
    ("tests/[", "unclosed '[' (write '[[]' to match a literal '[')"),
    ("[z-a]*.py", "reversed range 'z-a' (it matches nothing)"),
    ("", "empty glob"),
    ("./", "names no file or directory"),
    ("src/[!]", "unclosed '[' (write '[[]' to match a literal '[')"),
    ("[a-c9-0]", "reversed range '9-0' (it matches nothing)"),
]


def _glob_config(tmp_path, key, pattern):
    """(pyproject path, the key as the message names it)"""
    if key == "per-file-ignores":
        return pyproject(tmp_path, f'per-file-ignores = {{ "{pattern}" = ["CNL101"] }}\n'), f'{key}."{pattern}"'
    return pyproject(tmp_path, f'{key} = ["build", "{pattern}"]\n'), f"{key}: '{pattern}'"


@pytest.mark.parametrize("pattern, reason", GLOB_ERRORS[:3])
@pytest.mark.parametrize("key", ["exclude", "extend-exclude", "per-file-ignores"])
def test_malformed_glob(tmp_path, key, pattern, reason):
    path, where = _glob_config(tmp_path, key, pattern)
    assert error_of(tmp_path) == f"connlint: error: {path}: {KEY} {where}: {reason}"


@pytest.mark.parametrize("pattern, reason", GLOB_ERRORS[3:])
@pytest.mark.parametrize("key", ["exclude", "extend-exclude", "per-file-ignores"])
def test_malformed_glob_in_process(tmp_path, key, pattern, reason):
    path, where = _glob_config(tmp_path, key, pattern)
    assert error_in_process(tmp_path) == f"connlint: error: {path}: {KEY} {where}: {reason}"


@pytest.mark.parametrize("pattern", ["[[]x", "[]]", "[!]]", "[a-]", "[-a]", "[!a-z]*.py", "tests/*", "*.py", "a.py"])
def test_well_formed_globs_are_accepted(tmp_path, pattern):
    path = pyproject(tmp_path, f'extend-exclude = ["{pattern}"]\nper-file-ignores = {{ "{pattern}" = ["CNL102"] }}\n')
    write(tmp_path, "a.py", LEAK)
    code, out, err = run_in_process(["--config", str(path), "--no-cache", "-j", "1", "-q", str(tmp_path / "a.py")])
    assert (code, out.splitlines(), err) == (1, [leak_line(str(tmp_path / "a.py"))], "")


def test_control_characters_in_a_key_stay_on_one_line(tmp_path):
    path = pyproject(tmp_path, 'per-file-ignores = { "a\\nb\\u2028c" = ["CNL999"] }\n')
    line = error_of(tmp_path)
    assert line == (
        f"connlint: error: {path}: {KEY} per-file-ignores.\"a\\nb\\u2028c\": "
        "unknown rule code or name 'CNL999' (see 'connlint --list-rules')"
    )


# --------------------------------------------------------------------------- openers and frameworks


@pytest.mark.parametrize(
    "entry, reason",
    [
        ('{call = "", kind = "connection", release = ["close"]}',
         'openers[0].call: expected a qualified name such as "myapp.db.get_conn", got \'\''),
        ('{calls = ["a.b", "x..y"], kind = "connection", release = ["close"]}',
         'openers[0].calls: expected a qualified name such as "myapp.db.get_conn", got \'x..y\''),
        ('{calls = [], kind = "connection", release = ["close"]}',
         'openers[0].calls: expected at least one qualified name such as "myapp.db.get_conn"'),
        ('{call = "a.b", calls = ["c.d"], kind = "connection", release = ["close"]}',
         "openers[0]: give either 'call' or 'calls', not both"),
        ('{call = 3, kind = "connection", release = ["close"]}', "openers[0].call: expected str, got int"),
        ('{call = "a.b", kind = "connection", release = ["close"], hint = 1}',
         "openers[0].hint: expected a non-empty string, got int"),
    ],
)
def test_malformed_opener(tmp_path, entry, reason):
    path = pyproject(tmp_path, f"openers = [{entry}]\n")
    assert error_in_process(tmp_path) == f"connlint: error: {path}: {KEY} {reason}"


def test_opener_with_empty_call_through_the_cli(tmp_path):
    path = pyproject(tmp_path, 'openers = [{ call = "", kind = "connection", release = ["close"] }]\n')
    assert error_of(tmp_path) == (
        f"connlint: error: {path}: {KEY} openers[0].call: expected a qualified name such as "
        "\"myapp.db.get_conn\", got ''"
    )


HEADER = 'framework = { name = "X", modules = ["x"] }'


@pytest.mark.parametrize(
    "entry, reason",
    [
        (f'{{ {HEADER}, decorator = [{{ names = "x.route", what = "X route" }}] }}',
         'decorator[0].names: expected a list of strings, got a string (write ["x.route"])'),
        ('{ framework = { modules = ["x"] }, decorator = [{ names = ["x.route"], what = "X route" }] }',
         'framework.name: missing (the name shown in messages, as framework = { name = "Acme web", modules = ["acme"] })'),
        ('{ decorator = [{ names = ["x.route"], what = "X route" }] }',
         'framework.name: missing (the name shown in messages, as framework = { name = "Acme web", modules = ["acme"] })'),
        ('{ framework = { name = "" } }', 'framework.name: expected a non-empty string such as "Acme web"'),
        ('{ framework = "X" }', '[framework]: expected a table such as { name = "Acme web" }'),
        ('{ framework = { name = "X", unit = "day" } }',
         "framework.unit: expected one of request, task, message, invocation, got 'day'"),
        (f'{{ {HEADER}, decorator = [{{ what = "X route" }}] }}',
         "decorator[0]: a [[decorator]] entry needs 'names' or 'methods'"),
        (f'{{ {HEADER}, decorator = [{{ names = [""], what = "X route" }}] }}',
         "decorator[0].names: expected a list of strings, got an empty string"),
        (f'{{ {HEADER}, registration = [{{ names = ["x.add"], what = "X", position = true }}] }}',
         "registration[0].position: expected an integer (0 for the first argument)"),
        (f'{{ {HEADER}, registration = [{{ names = ["x.add"], what = "X", keyword = 1 }}] }}',
         "registration[0].keyword: expected a parameter name, got int"),
        (f'{{ {HEADER}, base = [{{ what = "X view", handler_methods = ["get"] }}] }}',
         "base[0]: a [[base]] entry needs 'names'"),
        (f'{{ {HEADER}, function = [{{ what = "X hook" }}] }}',
         "function[0]: a [[function]] entry needs parameters, function_names or module_names"),
        (f'{{ {HEADER}, one_time = ["x.setup"] }}',
         "[one_time]: expected a table of decorators, functions, request_scoped"),
    ],
)
def test_malformed_framework(tmp_path, entry, reason):
    path = pyproject(tmp_path, f"frameworks = [{entry}]\n")
    assert error_in_process(tmp_path) == f"connlint: error: {path}: {KEY} frameworks[0]: {reason}"


@pytest.mark.parametrize(
    "entry, reason",
    [
        (f'{{ {HEADER}, decorator = [{{ names = "x.route", what = "X route" }}] }}',
         'decorator[0].names: expected a list of strings, got a string (write ["x.route"])'),
        ('{ framework = { modules = ["x"] }, decorator = [{ names = ["x.route"], what = "X route" }] }',
         'framework.name: missing (the name shown in messages, as framework = { name = "Acme web", modules = ["acme"] })'),
    ],
)
def test_malformed_framework_through_the_cli(tmp_path, entry, reason):
    path = pyproject(tmp_path, f"frameworks = [{entry}]\n")
    assert error_of(tmp_path) == f"connlint: error: {path}: {KEY} frameworks[0]: {reason}"


# --------------------------------------------------------------------------- baselines


@pytest.mark.parametrize(
    "content, reason",
    [
        ("[" * 100000, "not a connlint baseline: invalid JSON (arrays or objects nested too deeply)"),
        (b'{"version": 1, "findings": []}\n\xff', "not a connlint baseline: not UTF-8 (byte 0xff on line 2)"),
        ('{"version": ' + "1" * 5000 + "}",
         "not a connlint baseline: invalid JSON (an integer of more than 4300 digits)"),
        ('{"version": 1, "findings": [{"path": "a.py", "code": "CNL101", "fingerprint": "f"}, 3]}',
         "findings[1]: malformed baseline entry (expected an object with string 'path', 'code' and 'fingerprint')"),
        (None, "cannot read baseline: is a directory, not a baseline file"),
    ],
)
def test_bad_baseline_file(tmp_path, content, reason):
    write(tmp_path, "pyproject.toml", "[project]\nname = \"x\"\n")
    if content is None:
        (tmp_path / "b.json").mkdir()
    else:
        write(tmp_path, "b.json", content)
    assert error_of(tmp_path, ["--baseline", "b.json", "a.py"]) == f"connlint: error: b.json: {reason}"


def test_deeply_nested_baseline_named_in_config(tmp_path):
    pyproject(tmp_path, 'baseline = "b.json"\n')
    write(tmp_path, "b.json", "[" * 100000)
    line = error_of(tmp_path)
    assert line == (
        f"connlint: error: {tmp_path / 'b.json'}: not a connlint baseline: invalid JSON "
        "(arrays or objects nested too deeply)"
    )


@pytest.mark.parametrize("value, shown", [('""', "''"), ('"a\\u0000b"', "'a\\x00b'")])
def test_baseline_key_that_is_no_path(tmp_path, value, shown):
    path = pyproject(tmp_path, f"baseline = {value}\n")
    assert error_of(tmp_path) == f"connlint: error: {path}: {KEY} baseline: expected a file path, got {shown}"


# --------------------------------------------------------------------------- standard input


def test_stdin_filename_without_dash_is_a_usage_error(tmp_path):
    write(tmp_path, "pyproject.toml", "[project]\nname = \"x\"\n")
    message = (
        "connlint: error: --stdin-filename: names the source read from standard input; "
        "pass '-' as the path to read it"
    )
    assert error_of(tmp_path, ["--stdin-filename", "x.py"], input=LEAK) == message
    assert error_of(tmp_path, ["--stdin-filename", "x.py", "a.py"], input=LEAK) == message
    assert run_connlint(["-q", "--stdin-filename", "x.py", "-"], tmp_path, input=LEAK) == (
        1, leak_line("x.py") + "\n", ""
    )


def test_a_file_named_dash(tmp_path):
    """'-' is standard input (as in flake8 and ruff) even when a file has that
    name; './-' checks the file, reported by its path relative to the current
    directory."""
    write(tmp_path, "pyproject.toml", "[project]\nname = \"x\"\n")
    write(tmp_path, "-", LEAK)
    clean = "import os\n"
    assert run_connlint(["-q", "-"], tmp_path, input=clean) == (0, "", "")
    code, out, err = run_connlint(["-q", "--no-cache", "./-"], tmp_path, input=clean)
    assert (code, err) == (1, "")
    assert out in (leak_line("-") + "\n", leak_line("./-") + "\n")


# --------------------------------------------------------------------------- generated configurations

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import HealthCheck, given, settings, strategies as st  # noqa: E402

from connlint.frameworks import KIND_KEYS  # noqa: E402


class _Datetime:
    """A TOML offset date-time (tomllib returns a ``datetime``)."""


DATETIME = _Datetime()


def _quote(text: str) -> str:
    escaped = []
    for ch in text:
        if ch in '"\\':
            escaped.append("\\" + ch)
        elif ch < " " or ch == "\x7f":
            escaped.append(f"\\u{ord(ch):04x}")
        else:
            escaped.append(ch)
    return '"' + "".join(escaped) + '"'


def toml_value(value) -> str:
    if value is DATETIME:
        return "1979-05-27T07:32:00Z"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value != value:
            return "nan"
        if value in (float("inf"), float("-inf")):
            return "inf" if value > 0 else "-inf"
        return repr(value)
    if isinstance(value, str):
        return _quote(value)
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    return "{" + ", ".join(f"{_quote(k)} = {toml_value(v)}" for k, v in value.items()) + "}"


WORDS = st.sampled_from([
    "", "CNL", "CNL1", "CNL101", "CNL999", "cnl2", "a.py", "tests/*", "*.py", "[", "[z-a]", "x/", "./", "/",
    "connection", "pool", "closes", "transaction", "close", "data", "self", "sqlite3.Connection",
    "sqlite3.connect", "myapp.db.get_conn", "x.route", "X route", "request", "task", "get", "__init__",
])
TEXT = st.one_of(WORDS, st.text(max_size=12))
SCALARS = st.one_of(
    TEXT, st.booleans(), st.integers(min_value=-(2**63), max_value=2**63 - 1), st.floats(), st.just(DATETIME)
)
ANY = st.recursive(
    SCALARS,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(TEXT, inner, max_size=4)),
    max_leaves=12,
)
STRINGS = st.one_of(st.lists(TEXT, max_size=4), ANY)


def maybe(strategy):
    """Mostly ``strategy``, once in twenty times any value at all."""
    return st.integers(min_value=0, max_value=19).flatmap(lambda n: ANY if n == 0 else strategy)


NAMES = st.sampled_from(["x.route", "x.App.get", "x.View", "x.add", "x.App", "sqlite3.connect", "myapp.db.get_conn", "a..b"])
NAME_LISTS = maybe(st.lists(NAMES, max_size=3))
WORD_LISTS = maybe(st.lists(WORDS, max_size=3))
IDENTIFIERS = maybe(st.sampled_from(["request", "app", "handler", "event", "x", "1x"]))
POSITIONS = maybe(st.integers(min_value=-1, max_value=4))
FLAGS = maybe(st.booleans())

OPENER_FIELDS = {
    "release": WORD_LISTS,
    "released_by": WORD_LISTS,
    "release_awaited": FLAGS,
    "with": maybe(st.sampled_from(["closes", "transaction", "error", "maybe"])),
    "async_with": maybe(st.sampled_from(["closes", "transaction", "error"])),
    "methods": maybe(st.dictionaries(WORDS, maybe(st.sampled_from(["data", "self", "sqlite3.Cursor", "nope"])), max_size=2)),
    "label": TEXT, "var": TEXT, "hint": TEXT, "verb": TEXT,
    "aliases": NAME_LISTS, "lazy": FLAGS, "async": FLAGS,
}
OPENER = st.one_of(
    st.fixed_dictionaries(
        {"call": maybe(NAMES), "kind": maybe(st.sampled_from(["connection", "session", "checkout", "pool", "value"])),
         "release": WORD_LISTS},
        optional={key: value for key, value in OPENER_FIELDS.items() if key != "release"},
    ),
    st.fixed_dictionaries(
        {"calls": NAME_LISTS, "returns": maybe(st.sampled_from(["sqlite3.Connection", "sqlite3.Cursor", "nope.Type"]))},
    ),
    st.dictionaries(WORDS, ANY, max_size=3),
)

COMMON_SPEC_FIELDS = {
    "methods": WORD_LISTS, "unit": maybe(st.sampled_from(["request", "task", "day"])),
    "position": POSITIONS, "keyword": IDENTIFIERS, "path_argument": POSITIONS,
    "handler_methods": maybe(st.lists(st.sampled_from(["get", "on_*", "__call__", "[z-a]"]), max_size=2)),
    "parameters": maybe(st.lists(IDENTIFIERS, max_size=2)),
    "function_names": WORD_LISTS, "module_names": WORD_LISTS, "first_parameter": IDENTIFIERS,
}
KIND_FIELDS = {
    "arguments": NAME_LISTS, "argument_keyword": IDENTIFIERS, "class_init": FLAGS,
    "init_parameters": maybe(st.lists(IDENTIFIERS, max_size=2)), "returned": FLAGS,
}
REQUIRED = {"decorator": "names", "registration": "names", "base": "names", "class": "init_parameters",
            "function": "parameters"}


def spec(kind):
    """An entry of one kind: its required field, mostly only the keys it may have."""
    required = {"what": maybe(st.sampled_from(["X route", "X task", ""])), REQUIRED[kind]: NAME_LISTS}
    if kind == "class":
        required["handler_methods"] = maybe(st.lists(st.sampled_from(["get", "on_*", "__call__"]), max_size=2))
    optional = {**COMMON_SPEC_FIELDS, **{key: KIND_FIELDS[key] for key in KIND_KEYS[kind]}}
    for key in required:
        optional.pop(key, None)
    return maybe(st.fixed_dictionaries(required, optional=optional))


FRAMEWORK = st.fixed_dictionaries(
    {"framework": maybe(st.fixed_dictionaries(
        {"name": maybe(st.sampled_from(["X", "Acme web"]))},
        optional={"modules": maybe(st.lists(st.sampled_from(["x", "myapp", ""]), max_size=2)),
                  "unit": maybe(st.sampled_from(["request", "task", "message", "invocation", "day"]))},
    ))},
    optional={
        **{kind: maybe(st.lists(spec(kind), max_size=2)) for kind in KIND_KEYS},
        "objects": maybe(st.dictionaries(st.sampled_from(["x.App", "x.Router"]), NAME_LISTS, max_size=2)),
        "prefixes": maybe(st.dictionaries(st.sampled_from(["x.App", "x.Router"]), IDENTIFIERS, max_size=2)),
        "one_time": maybe(st.fixed_dictionaries({}, optional={
            "decorators": NAME_LISTS, "functions": WORD_LISTS, "request_scoped": NAME_LISTS})),
    },
)
CONFIG = st.fixed_dictionaries(
    {},
    optional={
        "select": STRINGS,
        "ignore": STRINGS,
        "extend-select": STRINGS,
        "exclude": STRINGS,
        "extend-exclude": STRINGS,
        "per-file-ignores": st.one_of(st.dictionaries(TEXT, STRINGS, max_size=3), ANY),
        "baseline": st.one_of(st.sampled_from(["", "b.json", "nope.json", ".", "a\x00b"]), ANY),
        "openers": st.one_of(st.lists(OPENER, max_size=2), ANY),
        "frameworks": st.one_of(st.lists(FRAMEWORK, max_size=2), ANY),
        "bogus": ANY,
    },
)


#: Code the generated openers and frameworks can match.
VIEWS = """\
import sqlite3
import x
from myapp import db
from x import App, route

app = App()


@route("/a")
def view(request):
    conn = db.get_conn()
    engine = sqlite3.connect("p")
    return conn, engine


@app.get("/b")
def other(request):
    with db.get_conn() as conn:
        return conn.cursor()


class Handler(x.View):
    def __init__(self, app, handler):
        self.conn = db.get_conn()

    def get(self, request):
        x.add(view, event="request")
        return self.conn
"""


@pytest.fixture(scope="module")
def workdir(tmp_path_factory):
    directory = tmp_path_factory.mktemp("fuzz")
    write(directory, "a.py", LEAK)
    write(directory, "views.py", VIEWS)
    write(directory, "b.json", '{"version": 1, "findings": []}\n')
    return directory


def assert_clean_outcome(code, err):
    assert code in (0, 1, 2), (code, err)
    if code == 2:
        assert_one_error_line(err)
    else:
        assert "Traceback" not in err


FUZZ = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FUZZ
@given(config=CONFIG)
def test_generated_configuration_never_crashes(workdir, config):
    body = "".join(f"{_quote(key)} = {toml_value(value)}\n" for key, value in config.items())
    path = workdir / "c.toml"
    path.write_text("[tool.connlint]\n" + body, encoding="utf-8")
    code, _, err = run_in_process(["--config", str(path), "--no-cache", "-j", "1", "-q", str(workdir / "a.py")])
    assert_clean_outcome(code, err)
    if code == 2:  # the config file, or the baseline it names
        assert f"{path}: " in err or f"{workdir}" in err, err


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(openers=st.lists(OPENER, max_size=2), frameworks=st.lists(FRAMEWORK, min_size=1, max_size=2))
def test_generated_openers_and_frameworks_never_crash(workdir, openers, frameworks):
    """Mostly well-formed entries, so that many reach the analysis of code they match."""
    path = workdir / "f.toml"
    path.write_text(
        f"[tool.connlint]\nopeners = {toml_value(openers)}\nframeworks = {toml_value(frameworks)}\n", encoding="utf-8"
    )
    code, _, err = run_in_process(["--config", str(path), "--no-cache", "-j", "1", "-q", str(workdir)])
    assert_clean_outcome(code, err)
    if code == 2:
        assert f"{path}: [tool.connlint] " in err, err


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.binary(max_size=200), mutate=st.sampled_from(["raw", "prefixed", "nested"]))
def test_generated_bytes_never_crash(workdir, data, mutate):
    if mutate == "prefixed":
        data = b"[tool.connlint]\nselect = " + data
    elif mutate == "nested":
        data = b"[tool.connlint]\nselect = " + data[:1] * 5000
    config, baseline = workdir / "d.toml", workdir / "d.json"
    config.write_bytes(data)
    baseline.write_bytes(data)
    for args in (["--config", str(config)], ["--isolated", "--baseline", str(baseline)]):
        code, _, err = run_in_process([*args, "--no-cache", "-j", "1", "-q", str(workdir / "a.py")])
        assert_clean_outcome(code, err)
