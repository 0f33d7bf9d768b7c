"""SARIF, GitHub annotations, baselines, color and the generated rule docs
(docs/rules.md and the README's rule table), through the real CLI."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import THREE

ROOT = Path(__file__).resolve().parent.parent
#: The official SARIF 2.1.0 schema (OASIS), vendored with its notice: see NOTICE.md there.
SCHEMA = ROOT / "tests" / "data" / "sarif" / "sarif-schema-2.1.0.json"
SCHEMA_SHA256 = "c3b4bb2d6093897483348925aaa73af03b3e3f4bd4ca38cef26dcb4212a2682e"

# THREE's first two functions: one CNL101 (line 5), one CNL102 (line 10).
APP = THREE.split("\n\n\ndef transaction_only")[0] + "\n"


def run(args, cwd, env=None):
    result = subprocess.run(
        [sys.executable, "-m", "connlint", "--isolated", *args],
        cwd=cwd, capture_output=True, text=True, env=env,
    )
    return result.returncode, result.stdout, result.stderr


@pytest.fixture
def project(tmp_path):
    (tmp_path / "app.py").write_text(APP)
    return tmp_path


def sarif_of(cwd, *paths):
    code, out, err = run(["--format", "sarif", *paths], cwd)
    assert err == ""
    return code, json.loads(out)


USE_CLOSING = "Use 'with contextlib.closing(sqlite3.connect(...)) as conn:' around the uses of conn"


@pytest.mark.parametrize("options", [[], ["--show-fixes"]])
def test_sarif_is_valid_against_the_official_schema(project, options):
    jsonschema = pytest.importorskip("jsonschema")
    code, document = sarif_of(project, *options, "app.py")
    assert code == 1
    assert all(("fixes" in r) == bool(options) for r in document["runs"][0]["results"])
    jsonschema.validate(document, json.loads(SCHEMA.read_text()))


def test_the_vendored_sarif_schema_is_the_published_one():
    """Its licence allows copies only unmodified, with OASIS's notice beside it."""
    import hashlib

    data = SCHEMA.read_bytes()
    assert (len(data), hashlib.sha256(data).hexdigest()) == (112768, SCHEMA_SHA256)
    assert json.loads(data)["id"] == "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
    notice = (SCHEMA.parent / "NOTICE.md").read_text(encoding="utf-8")
    assert "Copyright © OASIS Open" in notice and SCHEMA_SHA256 in notice


def test_sarif_run_rules_and_results(project):
    _, document = sarif_of(project, "app.py")
    [run_] = document["runs"]
    driver = run_["tool"]["driver"]
    assert driver["name"] == "connlint"
    assert driver["informationUri"].startswith("https://")
    ids = [rule["id"] for rule in driver["rules"]]
    assert ids[:3] == ["CNL101", "CNL102", "CNL103"] and "CNL900" in ids
    for rule in driver["rules"]:
        assert rule["shortDescription"]["text"] and rule["fullDescription"]["text"]
        assert "## Use instead" in rule["help"]["markdown"]
        assert rule["defaultConfiguration"]["level"] in ("error", "warning", "note")
    first, second = run_["results"]
    assert first["ruleId"] == "CNL101" and ids[first["ruleIndex"]] == "CNL101"
    assert first["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "app.py"
    assert first["locations"][0]["physicalLocation"]["region"] == {
        "startLine": 5, "startColumn": 12, "endLine": 5, "endColumn": 30,
    }
    assert second["ruleId"] == "CNL102"
    assert first["message"]["text"].startswith("sqlite3 connection from sqlite3.connect() is never closed")
    # the fix each finding offers, from its intent; its replacements (SARIF
    # "fixes") only with --show-fixes, which computes them
    assert first["properties"] == {"fix": {"applicability": "safe", "description": USE_CLOSING}}
    assert second["properties"] == {
        "fix": {"applicability": "safe", "description": USE_CLOSING + " (drops the trailing release)"}
    }
    assert "fixes" not in first and "fixes" not in second


def test_json_fix_is_described_and_its_edits_are_computed_only_with_show_fixes(project):
    code, out, err = run(["--format", "json", "app.py"], project)
    assert (code, err) == (1, "")
    assert [f["fix"] for f in json.loads(out)] == [
        {"applicability": "safe", "description": USE_CLOSING, "edits": None},
        {"applicability": "safe", "description": USE_CLOSING + " (drops the trailing release)", "edits": None},
    ]
    code, out, err = run(["--show-fixes", "--format", "json", "app.py"], project)
    assert (code, err) == (1, "")
    first, second = (f["fix"] for f in json.loads(out))
    assert first == {
        "applicability": "safe",
        "description": USE_CLOSING,
        "edits": [
            {"line": 1, "column": 1, "end_line": 1, "end_column": 1, "content": "import contextlib\n"},
            {
                "line": 5, "column": 1, "end_line": 7, "end_column": 1,
                "content": "    with contextlib.closing(sqlite3.connect(p)) as conn:\n"
                '        return conn.execute("select 1").fetchall()\n',
            },
        ],
    }
    assert second["description"].endswith("(drops the trailing release)") and second["edits"]
    # --fix reports what remains with the same contract
    code, out, err = run(["--fix", "--format", "json", "app.py"], project)
    assert (code, out, err) == (0, "[]\n", "")


def fingerprints(document):
    return [r["partialFingerprints"]["connlint/v1"] for r in document["runs"][0]["results"]]


def test_fingerprints_survive_unrelated_edits_that_move_lines(project):
    _, before = sarif_of(project, "app.py")
    (project / "app.py").write_text('"""Module docstring."""\n\nimport os\n\n' + APP + "\n\ndef other():\n    return os.sep\n")
    _, after = sarif_of(project, "app.py")
    lines = [r["locations"][0]["physicalLocation"]["region"]["startLine"] for r in after["runs"][0]["results"]]
    assert lines == [9, 14]
    assert fingerprints(after) == fingerprints(before)
    assert len(set(fingerprints(before))) == 2


def test_github_annotations(project):
    code, out, err = run(["--format", "github", "app.py"], project)
    assert (code, err) == (1, "")
    assert out.splitlines()[0] == (
        "::error file=app.py,line=5,col=12,endLine=5,endColumn=30,title=CNL101::sqlite3 connection from "
        "sqlite3.connect() is never closed; use 'with contextlib.closing(sqlite3.connect(...)) as conn:'"
    )
    assert len(out.splitlines()) == 2


def test_baseline_hides_recorded_findings_and_reports_new_ones(project):
    code, out, err = run(["--write-baseline", "baseline.json", "app.py"], project)
    assert (code, out) == (0, "")
    assert err == "connlint: recorded 2 finding(s) in baseline.json\n"
    recorded = json.loads((project / "baseline.json").read_text())
    assert [(e["path"], e["code"]) for e in recorded["findings"]] == [("app.py", "CNL101"), ("app.py", "CNL102")]
    assert run(["--baseline", "baseline.json", "app.py"], project) == (0, "All checks passed.\n", "")
    # unrelated edits move every line: nothing old comes back
    (project / "app.py").write_text("import os\n\n\n" + APP + "\n\ndef new_leak(p):\n    c = sqlite3.connect(p)\n    c.execute('x')\n")
    code, out, _ = run(["--baseline", "baseline.json", "-q", "app.py"], project)
    assert code == 1
    assert out.splitlines() == [
        "app.py:20:9: CNL101 sqlite3 connection from sqlite3.connect() is never closed; "
        "use 'with contextlib.closing(sqlite3.connect(...)) as c:'"
    ]


def test_fix_with_a_baseline_fixes_only_the_new_findings(project):
    assert run(["--write-baseline", "baseline.json", "app.py"], project)[0] == 0
    old = (project / "app.py").read_text()
    (project / "app.py").write_text(old + "\n\ndef new_leak(p):\n    c = sqlite3.connect(p)\n    c.execute('x')\n")
    assert run(["--baseline", "baseline.json", "--fix", "app.py"], project) == (
        0, "Found 1 problem (1 fixed, 0 remaining).\n", ""
    )
    # the recorded findings are left as they were; the new one is fixed
    assert (project / "app.py").read_text() == (
        "import contextlib\n" + old
        + "\n\ndef new_leak(p):\n    with contextlib.closing(sqlite3.connect(p)) as c:\n        c.execute('x')\n"
    )
    assert run(["--baseline", "baseline.json", "app.py"], project) == (0, "All checks passed.\n", "")
    assert run(["--baseline", "missing.json", "--fix", "app.py"], project)[0] == 2


def test_baseline_from_config(tmp_path):
    (tmp_path / "app.py").write_text(APP)
    assert run(["--write-baseline", "connlint-baseline.json", "app.py"], tmp_path)[0] == 0
    (tmp_path / "pyproject.toml").write_text('[tool.connlint]\nbaseline = "connlint-baseline.json"\n')
    result = subprocess.run([sys.executable, "-m", "connlint", "app.py"], cwd=tmp_path, capture_output=True, text=True)
    assert (result.returncode, result.stdout, result.stderr) == (0, "All checks passed.\n", "")


@pytest.mark.parametrize("content, reason", [
    (None, "baseline file not found (create it with --write-baseline)"),
    ("{not json", "not a connlint baseline: invalid JSON"),
    ('{"version": 9, "findings": []}', "not a connlint baseline (expected version 1 with a findings list)"),
])
def test_bad_baseline_is_a_one_line_error(project, content, reason):
    if content is not None:
        (project / "b.json").write_text(content)
    code, out, err = run(["--baseline", "b.json", "app.py"], project)
    assert (code, out) == (2, "")
    assert err.startswith(f"connlint: error: b.json: {reason}")
    assert len(err.splitlines()) == 1


def test_color(project):
    _, plain, _ = run(["-q", "app.py"], project)
    assert "\033[" not in plain
    _, colored, _ = run(["-q", "--color", "always", "app.py"], project)
    assert colored.splitlines()[0].startswith("\033[1mapp.py\033[0m:\033[36m5:12\033[0m: \033[1;31mCNL101\033[0m ")
    env = dict(os.environ, NO_COLOR="1")
    assert run(["-q", "--color", "auto", "app.py"], project, env=env)[1] == plain
    assert run(["-q", "--color", "never", "app.py"], project)[1] == plain


def test_generated_rule_docs_are_up_to_date():
    from connlint.docs import render_rules_markdown

    committed = (ROOT / "docs" / "rules.md").read_text(encoding="utf-8")
    assert committed == render_rules_markdown(), "run: python -m connlint.docs docs/rules.md"


def test_readme_rule_table_is_generated_from_the_rules():
    from connlint.docs import with_readme_table

    committed = (ROOT / "README.md").read_bytes().decode("utf-8")
    assert committed == with_readme_table(committed), "run: python -m connlint.docs --readme README.md"


def test_readme_rule_table_rows_are_the_rules_summaries():
    from connlint.docs import README_END, README_START
    from connlint.registry import all_rules

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    table = readme.split(README_START, 1)[1].split(README_END, 1)[0].strip().splitlines()
    assert table[:2] == ["| code | name | what it reports |", "| --- | --- | --- |"]
    assert table[2:] == [
        f"| [{rule.code}](docs/rules.md#{rule.code.lower()}) | {rule.name} | {rule.summary} |" for rule in all_rules()
    ]


def test_readme_table_generator_rewrites_its_region_and_nothing_else(tmp_path):
    from connlint.docs import README_END, README_START, main, render_readme_table

    readme = tmp_path / "README.md"
    readme.write_bytes(f"# x\r\nbefore\n{README_START}\n| stale |\n{README_END}\nafter\r\n".encode())
    assert main(["--readme", str(readme)]) == 0
    assert readme.read_bytes() == f"# x\r\nbefore\n{render_readme_table()}\nafter\r\n".encode()
    for broken in ("no markers\n", f"{README_END}\n{README_START}\n", f"{README_START}\n{README_START}\n{README_END}\n"):
        readme.write_text(broken)
        assert main(["--readme", str(readme)]) == 1
        assert readme.read_text() == broken


def test_rule_docs_have_every_section():
    text = (ROOT / "docs" / "rules.md").read_text(encoding="utf-8")
    from connlint.registry import all_rules

    for rule in all_rules():
        section = text.split(f'<a id="{rule.code.lower()}"></a>', 1)[1].split("<a id=", 1)[0]
        for heading in ("### What it does", "### Why is this bad?", "### Example", "### Use instead", "### Fix safety", "### Options"):
            assert heading in section, (rule.code, heading)
