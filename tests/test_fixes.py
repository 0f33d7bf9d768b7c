"""Automatic fixes: the rewrites keep what they do not fix (comments, blank
lines, CRLF, tabs), compose, re-check themselves, and the command line's
--fix / --diff / --fix-only / --unsafe-fixes work on temporary copies."""

from __future__ import annotations

import ast
import json
import os
import shutil
import stat
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from connlint.fixes import apply
from connlint.fixes.apply import FileChanged, fix_file, text_edits, write_atomic
from tests.conftest import LEAK, THREE, run_connlint, write
from tests.helpers import findings_for

ROOT = Path(__file__).resolve().parent.parent


def analyse_with(codes=None):
    return lambda data: findings_for(data.decode("utf-8"), codes=codes)


def engine_analyse(codes="CNL"):
    """The engine's own check (noqa and per-file ignores applied)."""
    from connlint.config import Selection, load_settings
    from connlint.engine import Checker

    checker = Checker(load_settings(None, True), Selection([codes], []))
    return lambda data: checker.check_bytes("example.py", data)


def fixed(source: str, codes=None, unsafe=False, analyse=None) -> str:
    analyse = analyse or analyse_with(codes)
    result = fix_file("example.py", textwrap.dedent(source).encode(), analyse, unsafe=unsafe)
    assert result.warnings == []
    return result.fixed.decode()


# -- what the rewrites keep ----------------------------------------------------------


def test_comments_and_blank_lines_are_kept():
    source = '''\
        import contextlib
        import sqlite3


        def load(p):
            # open it
            conn = sqlite3.connect(p)  # the connection

            # read
            rows = conn.execute("select 1").fetchall()  # all rows

            # done
            conn.close()  # bye
            return rows
        '''
    assert fixed(source) == textwrap.dedent('''\
        import contextlib
        import sqlite3


        def load(p):
            # open it
            with contextlib.closing(sqlite3.connect(p)) as conn:  # the connection
                # read
                rows = conn.execute("select 1").fetchall()  # all rows
                # done
                # bye
            return rows
        ''')


def test_crlf_files_stay_crlf():
    source = "import sqlite3\r\ndef f(p):\r\n    conn = sqlite3.connect(p)\r\n    return conn.execute('x').fetchall()\r\n"
    result = fix_file("crlf.py", source.encode(), analyse_with("CNL1"))
    text = result.fixed.decode()
    assert result.changed and "\n" not in text.replace("\r\n", "")
    assert text == (
        "import contextlib\r\nimport sqlite3\r\ndef f(p):\r\n"
        "    with contextlib.closing(sqlite3.connect(p)) as conn:\r\n"
        "        return conn.execute('x').fetchall()\r\n"
    )


def test_tabs_stay_tabs():
    source = "import sqlite3\ndef f(p):\n\tconn = sqlite3.connect(p)\n\tif p:\n\t\tconn.execute('x')\n\tconn.close()\n"
    assert fixed(source) == (
        "import contextlib\nimport sqlite3\ndef f(p):\n"
        "\twith contextlib.closing(sqlite3.connect(p)) as conn:\n\t\tif p:\n\t\t\tconn.execute('x')\n"
    )


def test_continuation_lines_are_reindented_and_strings_are_not():
    source = '''\
        import sqlite3
        def f(p):
            conn = sqlite3.connect(p)
            rows = conn.execute(
                """select a
        from t""",
            ).fetchall()
            conn.close()
            return rows
        '''
    assert fixed(source) == textwrap.dedent('''\
        import contextlib
        import sqlite3
        def f(p):
            with contextlib.closing(sqlite3.connect(p)) as conn:
                rows = conn.execute(
                    """select a
        from t""",
                ).fetchall()
            return rows
        ''')


def test_nested_functions_and_decorators():
    source = '''\
        import functools, sqlite3
        def outer(p):
            @functools.wraps(outer)
            def inner():
                conn = sqlite3.connect(p)
                return conn.execute('x').fetchall()
            return inner
        '''
    assert fixed(source) == textwrap.dedent('''\
        import contextlib
        import functools, sqlite3
        def outer(p):
            @functools.wraps(outer)
            def inner():
                with contextlib.closing(sqlite3.connect(p)) as conn:
                    return conn.execute('x').fetchall()
            return inner
        ''')


def test_async_resources_get_async_with():
    source = '''\
        import aiohttp
        async def fetch(u):
            session = aiohttp.ClientSession()
            resp = await session.get(u)
            status = resp.status
            await session.close()
            return status
        '''
    assert fixed(source) == textwrap.dedent('''\
        import aiohttp
        async def fetch(u):
            async with aiohttp.ClientSession() as session:
                resp = await session.get(u)
                status = resp.status
            return status
        ''')


def test_if_elif_else_around_the_uses():
    source = '''\
        import sqlite3
        def f(p, mode):
            if mode == 1:
                conn = sqlite3.connect(p)
                conn.execute('a')
                conn.close()
            elif mode == 2:
                conn2 = sqlite3.connect(p)
                if conn2:
                    conn2.execute('b')
                else:
                    pass
            else:
                return None
            return mode
        '''
    assert fixed(source) == textwrap.dedent('''\
        import contextlib
        import sqlite3
        def f(p, mode):
            if mode == 1:
                with contextlib.closing(sqlite3.connect(p)) as conn:
                    conn.execute('a')
            elif mode == 2:
                with contextlib.closing(sqlite3.connect(p)) as conn2:
                    if conn2:
                        conn2.execute('b')
                    else:
                        pass
            else:
                return None
            return mode
        ''')


def test_a_fix_next_to_a_noqa():
    source = '''\
        import sqlite3
        def f(p):
            kept = sqlite3.connect(p)  # noqa: CNL101
            kept.execute('x')
            conn = sqlite3.connect(p)  # noqa: CNL201
            return conn.execute('y').fetchall()
        '''
    assert fixed(source, analyse=engine_analyse()) == textwrap.dedent('''\
        import contextlib
        import sqlite3
        def f(p):
            kept = sqlite3.connect(p)  # noqa: CNL101
            kept.execute('x')
            with contextlib.closing(sqlite3.connect(p)) as conn:  # noqa: CNL201
                return conn.execute('y').fetchall()
        ''')


def test_derived_cursor_extends_the_block_and_outside_uses_prevent_the_fix():
    source = '''\
        import sqlite3
        def f(p):
            conn = sqlite3.connect(p)
            cur = conn.execute('x')
            n = 1
            for row in cur:
                n += 1
            return n
        '''
    assert "with contextlib.closing(sqlite3.connect(p)) as conn:\n        cur = conn.execute('x')\n        n = 1\n        for row in cur:" in fixed(source)
    outside = '''\
        import sqlite3
        def f(p, q):
            if q:
                conn = sqlite3.connect(p)
                cur = conn.cursor()
            cur.execute('x')
        '''
    assert fixed(outside) == textwrap.dedent(outside)


def test_several_fixes_compose():
    source = THREE
    out = fixed(source)
    assert out.count("contextlib.closing(") == 3 and out.count("import contextlib") == 1
    assert [f for f in findings_for(out, codes="CNL1")] == []


def test_unsafe_fixes_only_when_asked():
    source = '''\
        from sqlalchemy import create_engine
        def f(rows):
            for row in rows:
                engine = create_engine('postgresql://db/app')
                with engine.begin() as conn:
                    conn.exec_driver_sql('x')
                engine.dispose()
        '''
    assert fixed(source, codes="CNL202") == textwrap.dedent(source)
    assert "    engine = create_engine('postgresql://db/app')\n    try:\n        for row in rows:" in fixed(source, codes="CNL202", unsafe=True)


# -- the safety net --------------------------------------------------------------------


def test_a_fix_that_breaks_the_code_is_dropped_with_a_warning(monkeypatch):
    from connlint.fixes import rewrite

    monkeypatch.setattr(rewrite, "rewrite", lambda text, intent: (text.replace("def f", "def f(("), ((1, 99),)))
    data = LEAK.encode()
    result = fix_file("a.py", data, analyse_with("CNL1"))
    assert not result.changed and result.fixed == data
    assert len(result.warnings) == 1 and "does not parse" in result.warnings[0]


def test_a_fix_that_changes_other_code_is_dropped(monkeypatch):
    from connlint.fixes import rewrite

    real = rewrite.rewrite

    def sneaky(text, intent):
        new, regions = real(text, intent)
        return new.replace("def f(p):", "def f(p, extra=1):"), regions

    monkeypatch.setattr(rewrite, "rewrite", sneaky)
    result = fix_file("a.py", LEAK.encode(), analyse_with("CNL1"))
    assert not result.changed
    assert "outside the statements it fixes" in result.warnings[0]


def test_a_fix_that_is_not_idempotent_is_dropped(monkeypatch):
    from connlint.fixes import rewrite

    monkeypatch.setattr(rewrite, "rewrite", lambda text, intent: (text.replace("conn = sqlite3", "conn =  sqlite3"), ((3, 3),)))
    result = fix_file("a.py", LEAK.encode(), analyse_with("CNL1"))
    assert not result.changed and "not idempotent" in result.warnings[0]


def test_write_is_atomic_keeps_permissions_and_skips_changed_files(tmp_path):
    path = write(tmp_path, "a.py", LEAK)
    os.chmod(path, 0o640)
    write_atomic(path, LEAK.encode(), b"x = 1\n")
    assert path.read_bytes() == b"x = 1\n"
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o640
    with pytest.raises(FileChanged):
        write_atomic(path, LEAK.encode(), b"y = 2\n")
    assert path.read_bytes() == b"x = 1\n"
    assert [p.name for p in tmp_path.iterdir()] == ["a.py"]  # no temporary file left


def test_edits_rebuild_the_fixed_text():
    old = LEAK
    new = fixed(LEAK)
    edits = text_edits(old, new)
    lines = old.splitlines(keepends=True)
    offsets = [0]
    for line in lines:
        offsets.append(offsets[-1] + len(line))
    text = old
    for edit in sorted(edits, key=lambda e: (e["line"], e["column"]), reverse=True):
        begin = offsets[edit["line"] - 1] + edit["column"] - 1
        end = offsets[edit["end_line"] - 1] + edit["end_column"] - 1
        text = text[:begin] + edit["content"] + text[end:]
    assert text == new


# -- the command line (subprocess, temporary copies) -------------------------------------------


def test_diff_writes_nothing_and_exits_1(project):
    path = write(project, "m.py", THREE)
    code, out, err = run_connlint(["--diff", "m.py"], project)
    assert (code, err) == (1, "")
    assert out.startswith("--- a/m.py\n+++ b/m.py\n")
    assert "+    with contextlib.closing(sqlite3.connect(p)) as conn, conn:\n" in out
    assert path.read_text() == THREE
    write(project, "m.py", fixed(THREE))
    assert run_connlint(["--diff", "m.py"], project) == (0, "", "")


def test_fix_reports_fixed_and_remaining(project):
    write(project, "m.py", THREE + "\n\ndef discarded(p, q):\n    a = sqlite3.connect(p); a.execute(q)\n")
    code, out, err = run_connlint(["--fix", "m.py"], project)
    assert err == ""
    assert out.splitlines() == [
        "m.py:22:9: CNL101 sqlite3 connection from sqlite3.connect() is never closed; "
        "use 'with contextlib.closing(sqlite3.connect(...)) as a:'",
        "Found 4 problems (3 fixed, 1 remaining).",
    ]
    assert code == 1
    code, out, err = run_connlint(["--fix", "m.py"], project)
    assert out.splitlines()[-1] == "Found 1 problem (0 fixed, 1 remaining)."


def test_fix_only_and_unsafe_fixes(project):
    source = textwrap.dedent('''\
        from flask import Flask
        from sqlalchemy import create_engine
        app = Flask(__name__)
        @app.route('/')
        def index():
            engine = create_engine('postgresql://db/app', pool_size=5, max_overflow=10)
            with engine.connect() as conn:
                return 'ok'
        ''')
    path = write(project, "app.py", source)
    assert run_connlint(["--fix-only", "app.py"], project) == (0, "Fixed 0 problems.\n", "")
    code, out, err = run_connlint(["app.py"], project)
    assert out.splitlines()[-1] == "Found 1 problem (1 fixable with --fix --unsafe-fixes)."
    assert run_connlint(["--fix-only", "--unsafe-fixes", "app.py"], project) == (0, "Fixed 1 problem.\n", "")
    assert "engine = create_engine('postgresql://db/app', pool_size=5, max_overflow=10)\n\n\n@app.route('/')" in path.read_text()


def test_json_and_sarif_carry_the_edits_with_show_fixes(project):
    write(project, "a.py", LEAK)
    code, out, err = run_connlint(["--show-fixes", "--format", "json", "a.py"], project)
    [finding] = json.loads(out)
    assert finding["fix"]["applicability"] == "safe"
    assert {tuple(sorted(e)) for e in finding["fix"]["edits"]} == {("column", "content", "end_column", "end_line", "line")}
    code, out, err = run_connlint(["--show-fixes", "--format", "sarif", "a.py"], project)
    [result] = json.loads(out)["runs"][0]["results"]
    [fix] = result["fixes"]
    assert fix["artifactChanges"][0]["replacements"][0]["insertedContent"]["text"] == "import contextlib\n"


def test_show_fixes_prints_a_small_diff(project):
    write(project, "a.py", LEAK)
    code, out, err = run_connlint(["--show-fixes", "a.py"], project)
    lines = out.splitlines()
    assert lines[1].startswith("    fix (safe): Use 'with contextlib.closing(sqlite3.connect(...)) as conn:'")
    assert "      +    with contextlib.closing(sqlite3.connect(p)) as conn:" in lines


def test_stdin_fix_prints_the_fixed_source(project):
    code, out, err = run_connlint(["--fix", "-"], project, input=LEAK)
    assert (code, err) == (0, "")
    assert out == fixed(LEAK)


def test_libcst_is_not_imported_by_a_plain_check(project):
    write(project, "a.py", LEAK)
    probe = "import sys, connlint.cli, connlint.engine; print('libcst' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True).stdout == "False\n"
    result = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "connlint", "a.py"], cwd=project, capture_output=True, text=True
    )
    assert result.returncode == 1 and "libcst" not in result.stderr
    result = subprocess.run([sys.executable, "-X", "importtime", "-m", "connlint", "--version"], capture_output=True, text=True)
    assert result.returncode == 0 and "libcst" not in result.stderr


def test_every_fixture_is_idempotent(tmp_path):
    copy = tmp_path / "fixtures"
    shutil.copytree(ROOT / "fixtures", copy)
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'x'\n")
    code, out, err = run_connlint(["--fix-only", "--unsafe-fixes", "--no-cache", "fixtures"], tmp_path)
    assert code == 0 and err == "", err
    first = {p: p.read_bytes() for p in copy.rglob("*.py")}
    for path, data in first.items():
        ast.parse(data)
    code, out, err = run_connlint(["--fix-only", "--unsafe-fixes", "--no-cache", "fixtures"], tmp_path)
    assert (code, out, err) == (0, "Fixed 0 problems.\n", "")
    assert {p: p.read_bytes() for p in copy.rglob("*.py")} == first
    assert run_connlint(["--diff", "--unsafe-fixes", "--no-cache", "fixtures"], tmp_path) == (0, "", "")


def test_postmortem_fixture_is_fixed_and_its_tests_still_pass(tmp_path):
    """Done when: --fix on a copy of fixtures/postmortem leaves no CNL1xx
    finding, the app's own tests pass, and the diff holds only the fixes."""
    copy = tmp_path / "postmortem"
    shutil.copytree(ROOT / "fixtures" / "postmortem", copy)
    original = (copy / "app.py").read_text()
    code, out, err = run_connlint(["--isolated", "--diff", "postmortem"], tmp_path)
    assert code == 1
    changed = [line for line in out.splitlines() if line[:1] in "+-" and not line.startswith(("+++", "---"))]
    assert changed == [
        "+import contextlib",
        '-    conn = sqlite3.connect(app.config["DATABASE"])',
        '-    row = conn.execute("select id, item, qty from orders where id = ?", (order_id,)).fetchone()',
        '+    with contextlib.closing(sqlite3.connect(app.config["DATABASE"])) as conn:',
        '+        row = conn.execute("select id, item, qty from orders where id = ?", (order_id,)).fetchone()',
        '-    conn = sqlite3.connect(app.config["DATABASE"])',
        '-    rows = conn.execute("select id, item, qty from orders order by id").fetchall()',
        "-    conn.close()",
        '+    with contextlib.closing(sqlite3.connect(app.config["DATABASE"])) as conn:',
        '+        rows = conn.execute("select id, item, qty from orders order by id").fetchall()',
        '-    with sqlite3.connect(app.config["DATABASE"]) as conn:',
        '+    with contextlib.closing(sqlite3.connect(app.config["DATABASE"])) as conn, conn:',
    ]
    code, out, err = run_connlint(["--isolated", "--fix", "postmortem"], tmp_path)
    assert (code, err) == (0, "")
    assert out == "Found 3 problems (3 fixed, 0 remaining).\n"
    assert run_connlint(["--isolated", "--select", "CNL1", "postmortem"], tmp_path) == (0, "All checks passed.\n", "")
    assert (copy / "app.py").read_text() != original
    env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1")
    tests = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "test_app.py"],
        cwd=copy, capture_output=True, text=True, env=env,
    )
    assert tests.returncode == 0, tests.stdout + tests.stderr
    assert "3 passed" in tests.stdout


# -- property: generated open / use / close shapes ---------------------------------------------

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import example, given, settings, strategies as st  # noqa: E402

USES = [
    "{v}.execute('x')",
    "rows = {v}.execute('x').fetchall()",
    "cur = {v}.cursor()\ncur.execute('y')",
    "if flag:\n    {v}.execute('a')\nelse:\n    {v}.execute('b')",
    "for item in items:\n    {v}.execute('i', (item,))",
    "try:\n    {v}.execute('t')\nexcept ValueError:\n    pass",
    "# a comment\n{v}.commit()",
    "log = []",
    "",
]
ENDINGS = ["", "{v}.close()", "return rows if flag else None", "if flag:\n    {v}.close()", "return {v}.total_changes"]


@st.composite
def functions(draw):
    var = draw(st.sampled_from(["conn", "db", "c"]))
    uses = draw(st.lists(st.sampled_from(USES), min_size=1, max_size=4))
    ending = draw(st.sampled_from(ENDINGS))
    wrapper = draw(st.sampled_from(["none", "if", "for", "with"]))
    is_async = draw(st.booleans())
    body = [f"{var} = sqlite3.connect(path)"] + [u.format(v=var) for u in uses if u] + ([ending.format(v=var)] if ending else [])
    body.insert(1, "rows = None")
    text = "\n".join(body)
    if wrapper == "if":
        text = "if path:\n" + textwrap.indent(text, "    ")
    elif wrapper == "for":
        text = "for path in paths:\n" + textwrap.indent(text, "    ")
    elif wrapper == "with":
        text = "with lock:\n" + textwrap.indent(text, "    ")
    head = "async def" if is_async else "def"
    return f"import sqlite3\n\n\n{head} work(path, paths, items, flag, lock):\n" + textwrap.indent(text, "    ") + "\n"


@settings(max_examples=60, deadline=None, derandomize=True)  # the same examples on every run: CI is repeatable
@given(functions())
@example(  # a statement repeated inside and after the rewritten block
    "import sqlite3\n\n\ndef work(path, paths, items, flag, lock):\n    conn = sqlite3.connect(path)\n"
    "    rows = None\n    log = []\n    conn.execute('x')\n    log = []\n"
)
def test_property_fixed_code_parses_is_idempotent_and_leaks_no_more(source):
    analyse = analyse_with("CNL1")
    before = analyse(source.encode())
    offered = [f for f in before if f.code == "CNL101" and f.fix is not None and f.fix.applicability == "safe"]
    result = fix_file("gen.py", source.encode(), analyse)
    assert result.warnings == []
    text = result.fixed.decode()
    ast.parse(text)
    again = fix_file("gen.py", result.fixed, analyse)
    assert not again.changed
    if offered:
        assert [f for f in analyse(result.fixed) if f.code == "CNL101"] == []


# -- CNL203: one shared client for the loop --------------------------------------------


def test_throwaway_clients_share_one_client_per_loop():
    source = '''\
        import aiohttp
        import httpx as hx
        from requests import get


        async def crawl(urls):
            for u in urls:
                async with aiohttp.request("GET", u) as r:
                    await r.read()


        def pages(urls, client):
            out = []
            for u in urls:  # every page
                out.append(hx.get(u).text)
                with hx.stream("GET", u) as response:
                    response.read()
            return out


        def plain(urls):
            return [get(u).json() for u in urls]


        def later(urls):
            return [lambda: get(u) for u in urls]
        '''
    # the import the last fix adds sits above the findings not yet fixed: each
    # fix is judged on the statement it rewrites; it joins its package's
    # group, plain imports before ``from`` imports (as isort and ruff order them)
    assert fixed(source, codes="CNL203", unsafe=True) == textwrap.dedent('''\
        import aiohttp
        import httpx as hx
        import requests
        from requests import get


        async def crawl(urls):
            async with aiohttp.ClientSession() as session:
                for u in urls:
                    async with session.request("GET", u) as r:
                        await r.read()


        def pages(urls, client):
            out = []
            with hx.Client() as client2:
                for u in urls:  # every page
                    out.append(client2.get(u).text)
                    with client2.stream("GET", u) as response:
                        response.read()
            return out


        def plain(urls):
            with requests.Session() as session:
                return [session.get(u).json() for u in urls]


        def later(urls):
            return [lambda: get(u) for u in urls]
        ''')


def test_throwaway_client_fix_is_unsafe_and_left_out_where_it_cannot_be_made():
    source = '''\
        from requests import get

        requests = []  # the name means something else here: no 'import requests' added


        def fetch(urls):
            for url in urls:
                requests.append(get(url))
        '''
    assert fixed(source, codes="CNL203", unsafe=True) == textwrap.dedent(source)
    found = findings_for(textwrap.dedent('''\
        import requests


        def fetch(urls):
            for url in urls:
                requests.get(url)
        '''), codes="CNL203")
    assert [(f.line, f.code, f.fix.applicability) for f in found] == [(6, "CNL203", "unsafe")]
    assert found[0].fix.description == "Share one client for the loop: 'with requests.Session() as session:'"
    assert fixed("import requests\nfor url in URLS:\n    requests.get(url)\n", codes="CNL203") == (
        "import requests\nfor url in URLS:\n    requests.get(url)\n"
    )


# -- CNL305 / CNL306: Django's CONN_MAX_AGE --------------------------------------------


def test_conn_max_age_beside_the_pool_becomes_zero_and_forever_becomes_a_minute():
    source = '''\
        DATABASES = {
            "default": {
                "ENGINE": "django.db.backends.postgresql",
                "CONN_MAX_AGE": None,  # forever
                "OPTIONS": {"pool": True},
            },
            "reports": {"ENGINE": "django.db.backends.postgresql", "CONN_MAX_AGE": None},
            "legacy": {"ENGINE": "django.db.backends.postgresql", "CONN_MAX_AGE": 600, "OPTIONS": {"pool": {"max_size": 4}}},
        }
        '''
    # CNL306 is safe: Django refuses to start with anything but 0 beside the pool
    assert fixed(source, codes="CNL306") == textwrap.dedent(source).replace('None,  # forever', '0,  # forever').replace(
        '"CONN_MAX_AGE": 600', '"CONN_MAX_AGE": 0'
    )
    # with CNL305's unsafe fix too, the pool's entry still ends at 0
    assert fixed(source, codes="CNL30", unsafe=True) == textwrap.dedent(source).replace(
        'None,  # forever', '0,  # forever'
    ).replace('"CONN_MAX_AGE": 600', '"CONN_MAX_AGE": 0').replace('"CONN_MAX_AGE": None}', '"CONN_MAX_AGE": 60}')


# -- where an added import goes ----------------------------------------------------


LEAKY_BODY = '''

def load(p):
    conn = psycopg2.connect(p)
    rows = conn.cursor().fetchall()
    conn.close()
    return rows
'''


@pytest.mark.parametrize("imports, expected", [
    # grouped: into the standard library's group, in order
    ("import asyncio\n\nimport psycopg2\n", "import asyncio\nimport contextlib\n\nimport psycopg2\n"),
    ("import os\nimport sys\n\nimport psycopg2\n", "import contextlib\nimport os\nimport sys\n\nimport psycopg2\n"),
    # grouped, with no standard-library group: a group of its own, first
    ('"""Docs."""\n\nimport psycopg2\n\nfrom app import db\n',
     '"""Docs."""\n\nimport contextlib\n\nimport psycopg2\n\nfrom app import db\n'),
    # one group of packages: a group of its own before it (as isort sections them)
    ("import psycopg2\n", "import contextlib\n\nimport psycopg2\n"),
    # one group that mixes sections already: in order within it
    ("import asyncio\nimport psycopg2\n", "import asyncio\nimport contextlib\nimport psycopg2\n"),
    # after __future__, a group of its own above the packages
    ("from __future__ import annotations\n\nimport psycopg2\n",
     "from __future__ import annotations\n\nimport contextlib\n\nimport psycopg2\n"),
], ids=["stdlib-group", "stdlib-group-first", "no-stdlib-group", "one-third-party", "one-mixed-group", "future"])
def test_an_added_import_joins_the_standard_library_group(imports, expected):
    out = fixed(imports + LEAKY_BODY, codes="CNL1")
    assert out.startswith(expected + "\n\ndef load(p):\n    with contextlib.closing(psycopg2.connect(p)) as conn:\n")


# -- a safe fix proves its preconditions; fixes respect the module ------------------------


@pytest.mark.parametrize("source, expected", [
    # one argument a line, trailing comma: the new keywords follow the layout
    ('engine = create_engine(\n    "postgresql://db/app",\n    pool_pre_ping=True,\n)\n',
     'engine = create_engine(\n    "postgresql://db/app",\n    pool_pre_ping=True,\n    pool_size=5,\n'
     '    max_overflow=10,\n)\n'),
    # one argument a line, no trailing comma
    ('engine = create_engine(\n    "postgresql://db/app"\n)\n',
     'engine = create_engine(\n    "postgresql://db/app",\n    pool_size=5,\n    max_overflow=10\n)\n'),
    # aligned with the opening parenthesis
    ('engine = create_engine("postgresql://db/app",\n                       echo=True)\n',
     'engine = create_engine("postgresql://db/app",\n                       echo=True,\n'
     '                       pool_size=5,\n                       max_overflow=10)\n'),
    # on one line
    ('engine = create_engine("postgresql://db/app", echo=True)\n',
     'engine = create_engine("postgresql://db/app", echo=True, pool_size=5, max_overflow=10)\n'),
], ids=["trailing-comma", "no-trailing-comma", "aligned", "one-line"])
def test_keywords_added_to_a_call_keep_its_layout(source, expected):
    header = "from sqlalchemy import create_engine\n\n"
    assert fixed(header + source, codes="CNL301") == header + expected


def test_pool_sizes_are_a_safe_fix_only_for_a_literal_server_url():
    source = '''\
        from sqlalchemy import create_engine


        def database_url():
            return "sqlite:///" + "app.db"


        other = create_engine(database_url())
        server = create_engine("postgresql://db/app")
        '''
    # the URL built by a function may be SQLite, whose pool refuses the sizes: unsafe
    assert fixed(source, codes="CNL301") == textwrap.dedent(source).replace(
        'create_engine("postgresql://db/app")', 'create_engine("postgresql://db/app", pool_size=5, max_overflow=10)')
    assert fixed(source, codes="CNL301", unsafe=True) == textwrap.dedent(source).replace(
        'create_engine("postgresql://db/app")', 'create_engine("postgresql://db/app", pool_size=5, max_overflow=10)'
    ).replace("create_engine(database_url())", "create_engine(database_url(), pool_size=5, max_overflow=10)")


@pytest.mark.parametrize("source", [
    # a pool class read through an attribute (NullPool in a subclass)
    '''\
    from sqlalchemy import create_engine
    from sqlalchemy.pool import NullPool


    class Store:
        pool_class = None

        def __init__(self, url):
            self.engine = create_engine(url, poolclass=self.pool_class)


    class EphemeralStore(Store):
        pool_class = NullPool
    ''',
    # SQLite, in memory or a file
    "from sqlalchemy import create_engine\nengine = create_engine('sqlite:///app.db')\n",
    "from sqlalchemy import create_engine\nengine = create_engine('sqlite://')\n",
    # one name for two libraries' pools
    '''\
    try:
        from psycopg_pool import ConnectionPool
    except ImportError:
        from psycopg2.pool import ThreadedConnectionPool as ConnectionPool

    pool = ConnectionPool("dbname=app")
    ''',
], ids=["pool-class-attribute", "sqlite-file", "sqlite-memory", "two-library-alias"])
def test_no_pool_size_fix_where_the_pool_may_refuse_it(source):
    assert fixed(source, codes="CNL3", unsafe=True) == textwrap.dedent(source)


def test_a_lazily_imported_client_is_shared_without_a_new_import():
    source = '''\
        def fetch_all(urls):
            import requests

            pages = []
            for url in urls:
                pages.append(requests.get(url, timeout=5).text)
            return pages
        '''
    assert fixed(source, codes="CNL203", unsafe=True) == textwrap.dedent('''\
        def fetch_all(urls):
            import requests

            pages = []
            with requests.Session() as session:
                for url in urls:
                    pages.append(session.get(url, timeout=5).text)
            return pages
        ''')


def test_an_optionally_imported_client_is_shared_without_a_new_import():
    source = '''\
        try:
            import requests
        except ImportError:
            requests = None


        def fetch_all(urls):
            return [requests.get(url, timeout=5).text for url in urls]
        '''
    assert fixed(source, codes="CNL203", unsafe=True) == textwrap.dedent('''\
        try:
            import requests
        except ImportError:
            requests = None


        def fetch_all(urls):
            with requests.Session() as session:
                return [session.get(url, timeout=5).text for url in urls]
        ''')


def test_no_new_top_level_import_for_a_library_imported_lazily():
    source = '''\
        def fetch_all(urls):
            from requests import get

            return [get(url, timeout=5).text for url in urls]
        '''
    assert fixed(source, codes="CNL203", unsafe=True) == textwrap.dedent(source)


def test_an_added_package_import_joins_its_package_group():
    source = '''\
        import json

        from requests import get


        def fetch_all(urls):
            return [json.loads(get(url, timeout=5).text) for url in urls]
        '''
    assert fixed(source, codes="CNL203", unsafe=True) == textwrap.dedent('''\
        import json

        import requests
        from requests import get


        def fetch_all(urls):
            with requests.Session() as session:
                return [json.loads(session.get(url, timeout=5).text) for url in urls]
        ''')


def test_a_client_that_needs_the_running_loop_is_not_moved_to_module_level():
    source = '''\
        import aiohttp
        from fastapi import FastAPI

        app = FastAPI()


        @app.get("/price")
        async def price():
            async with aiohttp.ClientSession() as session:
                async with session.get("http://prices/api") as response:
                    return await response.json()
        '''
    [finding] = analyse_with("CNL201")(textwrap.dedent(source).encode())
    assert finding.fix is None
    assert finding.message == (
        "aiohttp session from aiohttp.ClientSession() is created on every request via price() (FastAPI route "
        "'/price'); create it once in the app's lifespan handler (FastAPI(lifespan=...)) and share 'session' "
        "(not at module level: it needs the running event loop)"
    )


def test_a_connection_made_only_when_none_was_passed_closes_only_its_own():
    source = '''\
        import psycopg2


        def count(conn=None):
            if conn is None:
                conn = psycopg2.connect("dbname=app")
            cur = conn.cursor()
            cur.execute("select count(*) from items")
            return cur.fetchone()[0]
        '''
    [finding] = analyse_with("CNL1")(textwrap.dedent(source).encode())
    assert (finding.line, finding.code, finding.fix) == (6, "CNL101", None)
    assert finding.message == (
        "psycopg2 connection from psycopg2.connect() is never closed; close only the one created here: under "
        "'with contextlib.ExitStack() as stack:', create it as "
        "'conn = stack.enter_context(contextlib.closing(psycopg2.connect(...)))'"
    )
    assert fixed(source, codes="CNL1", unsafe=True) == textwrap.dedent(source)


@pytest.mark.parametrize("character", ["\x0b", "\x0c"])
def test_a_vertical_tab_or_form_feed_in_a_line_does_not_drop_the_fix(character):
    source = (
        "import sqlite3\n\n\ndef count():\n"
        f"    conn = sqlite3.connect('app.db')  # a{character}b\n"
        "    n = conn.execute('select 1').fetchone()\n    conn.close()\n    return n\n"
    )
    assert fixed(source, codes="CNL1") == (
        "import contextlib\nimport sqlite3\n\n\ndef count():\n"
        f"    with contextlib.closing(sqlite3.connect('app.db')) as conn:  # a{character}b\n"
        "        n = conn.execute('select 1').fetchone()\n    return n\n"
    )


def test_a_fix_refused_before_another_is_tried_again_after_it():
    # the engine's try/finally is refused while the session inside it is not
    # yet managed (a second run would fix again); once the session's `with`
    # is in, the engine's fix applies: one run fixes both, a second nothing
    source = '''\
        from sqlalchemy import MetaData, create_engine
        from sqlalchemy.orm import sessionmaker


        def rotate(url, metadata: MetaData):
            engine = create_engine(url)
            session = sessionmaker(bind=engine)()
            metadata.create_all(engine)
            rows = session.execute("select 1").all()
            print(rows)
        '''
    once = fixed(source, codes="CNL1")
    assert once == textwrap.dedent('''\
        from sqlalchemy import MetaData, create_engine
        from sqlalchemy.orm import sessionmaker


        def rotate(url, metadata: MetaData):
            engine = create_engine(url)
            try:
                with sessionmaker(bind=engine)() as session:
                    metadata.create_all(engine)
                    rows = session.execute("select 1").all()
            finally:
                engine.dispose()
            print(rows)
        ''')
    assert fixed(once, codes="CNL1") == once


def test_applicable_fixes_need_their_intent_and_unsafe_ones_the_permission():
    from connlint.finding import Finding, Fix
    from connlint.fixes.intent import applicable, intent

    def finding(fix):
        return Finding("a.py", 1, 1, 1, 2, "CNL101", "unclosed-connection", "message", fix=fix)

    safe = Fix("safe", "Close it", (), intent("manage-block"))
    unsafe = Fix("unsafe", "Close it", (), intent("manage-block"))
    cached = Fix("safe", "Close it", ())  # read from the results cache: no intent
    assert applicable(finding(safe), unsafe=False)
    assert not applicable(finding(unsafe), unsafe=False) and applicable(finding(unsafe), unsafe=True)
    assert not applicable(finding(cached), unsafe=True)
    assert not applicable(finding(None), unsafe=True)
