"""Every way in gives the whole answer: the command line, standard input
(``connlint - --stdin-filename``, as editors call linters) and the flake8
plugin report the same findings, cross-module ones included; settings,
baselines and the cache are found from the files, not from the directory
connlint runs in."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

try:
    from tests.conftest import LEAK, run_connlint, write
except ImportError:  # tests/ is not a package
    from conftest import LEAK, run_connlint, write

ROOT = Path(__file__).resolve().parent.parent


def _copy(name, tmp_path) -> Path:
    """A copy of a fixture project, in a git repository of its own (so that
    nothing above it, such as this checkout's settings, applies)."""
    project = tmp_path / name
    shutil.copytree(ROOT / "fixtures" / name, project)
    subprocess.run(["git", "init", "-q", str(project)], check=True)
    return project


def _cli(project, files, cwd=None):
    code, out, err = run_connlint(["-q", "--no-cache", *files], cwd or project)
    assert err == "" and code in (0, 1)
    return out.splitlines()


def _stdin(project, path, cwd=None):
    data = (project / path).read_bytes()
    code, out, err = run_connlint(["-q", "--no-cache", "-", "--stdin-filename", path], cwd or project, input=data)
    assert err == "" and code in (0, 1)
    return out.splitlines()


def _flake8(project, files):
    result = subprocess.run(
        [sys.executable, "-m", "flake8", "--select", "CNL", *files],
        cwd=project, capture_output=True, text=True, timeout=120,
    )
    assert result.stderr == ""
    # flake8 prints ./views.py and 0-based columns + 1: the same column numbers
    return [line[2:] if line.startswith("./") else line for line in result.stdout.splitlines()]


@pytest.mark.parametrize("name, views", [("project_src", "src/shop/views.py"), ("project_flat", "views.py")])
def test_cli_stdin_and_flake8_give_the_same_cross_module_findings(tmp_path, name, views):
    project = _copy(name, tmp_path)
    expected = _cli(project, [views])
    assert len(expected) >= 2 and all(line.startswith(f"{views}:") for line in expected)
    assert any("(" in line and ".py:" in line.split("(", 1)[1] for line in expected)  # names another module
    assert _stdin(project, views) == expected
    assert _flake8(project, [views]) == expected
    assert [line for line in _cli(project, ["."]) if line.startswith(views)] == expected


def test_stdin_alone_outside_any_project_still_checks_the_file(tmp_path):
    code, out, err = run_connlint(["-q", "-", "--stdin-filename", "leak.py"], tmp_path, input=LEAK)
    assert (code, err) == (1, "")
    assert out.startswith("leak.py:3:12: CNL101 ")


def test_flake8_applies_the_projects_ignore_and_baseline(tmp_path):
    project = _copy("project_flat", tmp_path)
    (project / "pyproject.toml").write_text('[tool.connlint]\nignore = ["CNL201"]\n')
    assert [line.split()[1] for line in _flake8(project, ["views.py"])] == ["CNL101"]
    assert [line.split()[1] for line in _cli(project, ["views.py"])] == ["CNL101"]
    code, out, err = run_connlint(["--write-baseline", "baseline.json", "views.py"], project)
    assert code == 0
    (project / "pyproject.toml").write_text('[tool.connlint]\nbaseline = "baseline.json"\n')
    # the baseline holds the CNL101; the CNL201 (ignored when it was written) is new
    assert [line.split()[1] for line in _flake8(project, ["views.py"])] == ["CNL201"]
    assert [line.split()[1] for line in _cli(project, ["views.py"])] == ["CNL201"]


def test_a_baseline_hides_the_same_findings_from_anywhere(tmp_path):
    project = _copy("project_src", tmp_path)
    (project / "pyproject.toml").write_text('[tool.connlint]\nbaseline = "connlint-baseline.json"\n')
    code, out, err = run_connlint(["--no-cache", "--write-baseline", "connlint-baseline.json", "src"], project)
    assert code == 0, err
    recorded = json.loads((project / "connlint-baseline.json").read_text())["findings"]
    assert {entry["path"] for entry in recorded} == {"src/shop/views.py"}
    views = project / "src" / "shop" / "views.py"
    assert run_connlint(["--no-cache", "src"], project)[:2] == (0, "All checks passed.\n")
    assert run_connlint(["--no-cache", "views.py"], views.parent)[:2] == (0, "All checks passed.\n")
    assert run_connlint(["--no-cache", str(views)], tmp_path)[:2] == (0, "All checks passed.\n")
    assert run_connlint(["--no-cache", str(project)], "/")[:2] == (0, "All checks passed.\n")
    # and a new finding still shows, from anywhere
    views.write_text(views.read_text() + "\n\n" + LEAK.replace("def f(", "def g("))
    code, out, err = run_connlint(["--no-cache", "-q", "views.py"], views.parent)
    assert (code, out.split()[1:2]) == (1, ["CNL101"])


MONOREPO_LEAKS = LEAK + (
    "\n\ndef g(p):\n"
    "    conn = sqlite3.connect(p)\n"
    "    try:\n"
    '        return conn.execute("select 1").fetchall()\n'
    "    finally:\n"
    "        pass\n"
)


def test_a_monorepo_uses_the_root_settings_past_a_nested_pyproject(tmp_path):
    repo = tmp_path / "repo"
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    write(repo, "pyproject.toml", '[tool.connlint]\nignore = ["CNL101"]\n')
    write(repo, "services/api/pyproject.toml", '[project]\nname = "api"\nversion = "0"\n')
    write(repo, "services/api/app/jobs.py", "import sqlite3\n\n\ndef h(p):\n    conn = sqlite3.connect(p)\n"
          "    rows = conn.execute('x').fetchall()\n    conn.close()\n    return rows\n")
    for cwd, target in [
        (repo, "services/api/app/jobs.py"),
        (repo / "services" / "api", "app/jobs.py"),
        (repo / "services" / "api" / "app", "jobs.py"),
        (tmp_path, "repo/services/api/app/jobs.py"),
    ]:
        code, out, err = run_connlint(["-q", "--no-cache", "--select", "CNL1", target], cwd)
        assert (code, err) == (1, ""), (cwd, err)
        assert [line.split()[1] for line in out.splitlines()] == ["CNL102"], cwd
    # the cache is kept at the project root, not where connlint ran
    code, out, err = run_connlint(["-q", "repo/services/api/app/jobs.py"], tmp_path)
    assert (repo / ".connlint_cache").is_dir()
    assert not (tmp_path / ".connlint_cache").exists()


def test_extend_inherits_the_settings_of_another_file(tmp_path):
    repo = tmp_path / "repo"
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    write(repo, "pyproject.toml", '[tool.connlint]\nselect = ["CNL1"]\nignore = ["CNL101"]\n')
    write(repo, "services/web/pyproject.toml", '[tool.connlint]\nextend = "../../pyproject.toml"\nignore = []\n')
    write(repo, "services/web/m.py", LEAK)
    write(repo, "services/api/m.py", LEAK)
    code, out, err = run_connlint(["-q", "--no-cache", "services"], repo)
    assert out.splitlines() == [
        line for line in out.splitlines() if line.startswith("services/web/m.py:3:12: CNL101 ")
    ] and out
    code, out, err = run_connlint(["--show-settings", "services/web/m.py"], repo)
    assert code == 0 and err == ""
    assert f"settings file: {repo / 'services' / 'web' / 'pyproject.toml'}" in out
    assert f"extends: {repo / 'pyproject.toml'}" in out
    assert 'select = ["CNL1"]' in out and "ignore = []" in out


def test_a_file_checked_from_a_subdirectory_names_its_origin_in_the_same_style(tmp_path):
    project = _copy("project_src", tmp_path)
    shop = project / "src" / "shop"
    out = _cli(project, ["views.py"], cwd=shop)
    assert out[0].startswith("views.py:13:15: CNL101 SQLAlchemy session from SessionLocal() (database.py:9) ")
    out = _cli(project, ["src/shop/views.py"])
    assert out[0].startswith("src/shop/views.py:13:15: CNL101 SQLAlchemy session from SessionLocal() "
                             "(src/shop/database.py:9) ")


def test_an_empty_selection_of_files_says_so(tmp_path):
    (tmp_path / "empty").mkdir()
    code, out, err = run_connlint(["empty"], tmp_path)
    assert (code, out) == (0, "")
    assert err == "connlint: warning: no Python files found in empty\n"


def test_sarif_paths_and_fingerprints_do_not_depend_on_where_connlint_runs(tmp_path):
    project = _copy("project_src", tmp_path)

    def sarif(cwd, target):
        code, out, err = run_connlint(["--no-cache", "--format", "sarif", target], cwd)
        results = json.loads(out)["runs"][0]["results"]
        return [
            (r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"], r["partialFingerprints"]["connlint/v1"])
            for r in results
        ]

    from_root = sarif(project, "src/shop/views.py")
    assert from_root and all(uri == "src/shop/views.py" for uri, _ in from_root)
    assert sarif(project / "src" / "shop", "views.py") == from_root
    assert sarif(tmp_path, str(project / "src" / "shop" / "views.py")) == from_root


def test_parsed_catalog_copies_do_not_pile_up(tmp_path):
    env = dict(os.environ, XDG_CACHE_HOME=str(tmp_path / "cache"))
    catalog = tmp_path / "catalog"
    shutil.copytree(ROOT / "rules" / "catalog", catalog)
    script = (
        "import sys; from pathlib import Path; from connlint.datafiles import load_toml_files; "
        "load_toml_files(Path(sys.argv[1]))"
    )
    for edit in range(6):
        with open(catalog / "sqlite3.toml", "a", encoding="utf-8") as handle:
            handle.write(f"# edit {edit}\n")
        subprocess.run([sys.executable, "-c", script, str(catalog)], env=env, check=True)
    kept = sorted((tmp_path / "cache" / "connlint").glob("data-catalog-*.json"))
    assert len(kept) == 3
