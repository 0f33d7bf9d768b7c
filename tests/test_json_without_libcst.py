"""``--format json`` and ``--format sarif`` describe the fix each finding offers
(its applicability and description, from the rule's fix intent) without
loading libcst; the edits are computed only to apply (``--fix``), diff
(``--diff``) or show them (``--show-fixes``).  Through the real CLI."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import LEAK, run_connlint, write

ROOT = Path(__file__).resolve().parent.parent
APP = "fixtures/postmortem/app.py"

USE_CLOSING = "Use 'with contextlib.closing(sqlite3.connect(...)) as conn:' around the uses of conn"
#: the fix of each finding of fixtures/postmortem/app.py, as a plain check describes it
DESCRIBED = [
    ("CNL101", 28, {"applicability": "safe", "description": USE_CLOSING, "edits": None}),
    ("CNL102", 37, {"applicability": "safe", "description": USE_CLOSING + " (drops the trailing release)",
                    "edits": None}),
    ("CNL103", 46, {"applicability": "safe", "edits": None,
                    "description": "Use 'with contextlib.closing(sqlite3.connect(...)) as conn, conn:' "
                                   "(closes it, keeps the transaction)"}),
]
IMPORT = {"line": 9, "column": 1, "end_line": 9, "end_column": 1, "content": "import contextlib\n"}
DB = 'sqlite3.connect(app.config["DATABASE"])'
#: and the edits --show-fixes computes for them
EDITS = [
    [IMPORT, {"line": 28, "column": 1, "end_line": 30, "end_column": 1,
              "content": f"    with contextlib.closing({DB}) as conn:\n"
                         '        row = conn.execute("select id, item, qty from orders where id = ?", '
                         "(order_id,)).fetchone()\n"}],
    [IMPORT, {"line": 37, "column": 1, "end_line": 40, "end_column": 1,
              "content": f"    with contextlib.closing({DB}) as conn:\n"
                         '        rows = conn.execute("select id, item, qty from orders order by id").fetchall()\n'}],
    [IMPORT, {"line": 46, "column": 10, "end_line": 46, "end_column": 52,
              "content": f"contextlib.closing({DB}) as conn,"}],
]


def importtime(*args, cwd=ROOT):
    """(exit status, stdout, the modules imported) of one connlint run."""
    result = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "connlint", "--isolated", *args],
        cwd=cwd, capture_output=True, text=True,
    )
    modules = [line.split("|")[-1].strip() for line in result.stderr.splitlines() if line.startswith("import time:")]
    assert modules and all(not line or line.startswith("import time:") for line in result.stderr.splitlines()), \
        result.stderr
    return result.returncode, result.stdout, modules


def heavy(modules):
    return sorted({m for m in modules if m.split(".")[0] in ("libcst", "astroid")})


@pytest.mark.parametrize("output_format", ["json", "sarif"])
def test_json_and_sarif_load_no_libcst(output_format):
    code, out, modules = importtime("--no-cache", "--format", output_format, APP)
    assert code == 1 and json.loads(out)
    assert "connlint.report" in modules  # the probe sees connlint's own imports
    assert heavy(modules) == []


def test_show_fixes_loads_libcst_to_compute_the_edits():
    code, out, modules = importtime("--no-cache", "--show-fixes", "--format", "json", APP)
    assert code == 1 and "libcst" in heavy(modules)


def test_json_describes_each_fix_from_its_intent():
    code, out, err = run_connlint(["--isolated", "--no-cache", "--format", "json", APP], ROOT)
    assert (code, err) == (1, "")
    findings = json.loads(out)
    assert [(f["code"], f["line"], f["fix"]) for f in findings] == DESCRIBED
    assert all(list(f["fix"]) == ["applicability", "description", "edits"] for f in findings)


def test_show_fixes_json_carries_the_edits():
    code, out, err = run_connlint(["--isolated", "--no-cache", "--show-fixes", "--format", "json", APP], ROOT)
    assert (code, err) == (1, "")
    expected = [(c, line, dict(fix, edits=edits)) for (c, line, fix), edits in zip(DESCRIBED, EDITS)]
    assert [(f["code"], f["line"], f["fix"]) for f in json.loads(out)] == expected


def test_sarif_describes_the_fix_and_its_replacements_only_with_show_fixes():
    code, out, err = run_connlint(["--isolated", "--no-cache", "--format", "sarif", APP], ROOT)
    assert (code, err) == (1, "")
    results = json.loads(out)["runs"][0]["results"]
    assert [r["properties"]["fix"] for r in results] == [
        {"applicability": fix["applicability"], "description": fix["description"]} for _, _, fix in DESCRIBED
    ]
    assert not any("fixes" in r for r in results)
    code, out, err = run_connlint(["--isolated", "--no-cache", "--show-fixes", "--format", "sarif", APP], ROOT)
    assert (code, err) == (1, "")
    first = json.loads(out)["runs"][0]["results"][0]
    assert first["properties"]["fix"]["description"] == USE_CLOSING
    assert first["fixes"] == [{
        "description": {"text": USE_CLOSING},
        "artifactChanges": [{
            "artifactLocation": {"uri": APP, "uriBaseId": "%SRCROOT%"},
            "replacements": [
                {
                    "deletedRegion": {"startLine": e["line"], "startColumn": e["column"],
                                      "endLine": e["end_line"], "endColumn": e["end_column"]},
                    "insertedContent": {"text": e["content"]},
                }
                for e in EDITS[0]
            ],
        }],
    }]


def test_json_uses_the_results_cache_and_a_cached_finding_keeps_its_fix(tmp_path):
    write(tmp_path, "app.py", (ROOT / APP).read_text())
    cache = tmp_path / "cache"
    fresh = run_connlint(["--isolated", "--no-cache", "--format", "json", "app.py"], tmp_path)
    assert run_connlint(["--isolated", "--cache-dir", cache, "--format", "json", "app.py"], tmp_path) == fresh
    assert cache.is_dir() and any(cache.iterdir())  # json no longer turns the cache off
    # read back from the cache: the same fixes, still without libcst
    code, out, modules = importtime("--cache-dir", str(cache), "--format", "json", "app.py", cwd=tmp_path)
    assert (code, out) == fresh[:2] and heavy(modules) == []
    assert [f["fix"] for f in json.loads(out)] == [fix for _, _, fix in DESCRIBED]


# A rewrite that a second run would redo: the fix engine refuses it.
REFUSING = """\
import sys
from connlint.cli import main
from connlint.fixes import rewrite
rewrite.rewrite = lambda text, intent: (text.replace("conn = sqlite3", "conn =  sqlite3"), ((3, 3),))
main(sys.argv[1:])
"""


def refusing(args, cwd):
    result = subprocess.run([sys.executable, "-c", REFUSING, "--isolated", "--no-cache", *args],
                            cwd=cwd, capture_output=True, text=True)
    return result.returncode, result.stdout, result.stderr


def test_a_described_fix_that_fails_its_checks_is_never_applied(tmp_path):
    path = write(tmp_path, "a.py", LEAK)
    refused = "connlint: warning: a.py:3:12: CNL101 fix dropped: a second run would fix it again (the fix is not idempotent)\n"
    # a plain check describes the fix the rule offers, unverified
    code, out, err = refusing(["--format", "json", "a.py"], tmp_path)
    assert (code, err) == (1, "")
    [finding] = json.loads(out)
    assert finding["fix"] == {
        "applicability": "safe", "edits": None,
        "description": "Use 'with contextlib.closing(sqlite3.connect(...)) as conn:' around the uses of conn",
    }
    # --show-fixes computes and checks it: refused, the finding shows no fix
    code, out, err = refusing(["--show-fixes", "--format", "json", "a.py"], tmp_path)
    assert (code, err) == (1, refused)
    assert json.loads(out)[0]["fix"] is None
    # --fix re-checks every step: it writes nothing and says why
    code, out, err = refusing(["--fix", "a.py"], tmp_path)
    assert code == 1 and "not idempotent" in err
    assert out.splitlines()[-1] == "Found 1 problem (0 fixed, 1 remaining)."
    assert path.read_text() == LEAK
