"""The pre-commit hooks (``.pre-commit-hooks.yaml``), run by the real pre-commit.

The hooks are installed from a snapshot of this checkout's working tree (a
temporary git repository with one commit), so what is tested is the code as
it is on disk, new files included.  ``pre-commit try-repo`` is not used: it
leaves untracked files out of its shadow clone and builds a fresh hook
environment on every call, whatever PRE_COMMIT_HOME says.  Here the hook
environment is built once per test module, in a PRE_COMMIT_HOME shared by
its tests.

Git runs without the user's global and system configuration (no signing, no
hooksPath, no templates), and without GIT_* variables inherited from an
outer git hook.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("pre_commit", reason="pre-commit is not installed (pip install -e '.[test]')")
if shutil.which("git") is None:  # pragma: no cover
    pytest.skip("git is not installed", allow_module_level=True)

try:
    from tests.conftest import LEAK, leak_line, write
except ImportError:  # tests/ is not a package
    from conftest import LEAK, leak_line, write

ROOT = Path(__file__).resolve().parent.parent

CLEAN = (
    "import contextlib\n"
    "import sqlite3\n"
    "def f(p):\n"
    "    with contextlib.closing(sqlite3.connect(p)) as conn:\n"
    '        return conn.execute("select 1").fetchall()\n'
)

#: Not copied into the hook repository snapshot.
SNAPSHOT_IGNORE = shutil.ignore_patterns(
    ".git", ".venv", "venv", "build", "dist", "*.egg-info", "__pycache__", ".pytest_cache",
    ".tox", ".nox", ".mypy_cache", ".connlint_cache", "node_modules",
)


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    """The environment of every git and pre-commit call: isolated from the
    user's git configuration, sharing one PRE_COMMIT_HOME."""
    base = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("GIT_", "PRE_COMMIT")) and key not in ("SKIP", "PYTHONWARNINGS")
    }
    base.update(
        GIT_CONFIG_GLOBAL=os.devnull,
        GIT_CONFIG_NOSYSTEM="1",
        GIT_AUTHOR_NAME="connlint tests",
        GIT_AUTHOR_EMAIL="tests@connlint.invalid",
        GIT_COMMITTER_NAME="connlint tests",
        GIT_COMMITTER_EMAIL="tests@connlint.invalid",
        PRE_COMMIT_HOME=str(tmp_path_factory.mktemp("pre-commit-home")),
        PYTHONIOENCODING="utf-8",
    )
    return base


def git(args, cwd, env):
    return subprocess.run(["git", *args], cwd=str(cwd), env=env, check=True, capture_output=True, text=True)


def init_repo(path: Path, env) -> Path:
    git(["init", "-q", "."], path, env)
    git(["config", "user.email", "tests@connlint.invalid"], path, env)
    git(["config", "user.name", "connlint tests"], path, env)
    git(["config", "commit.gpgsign", "false"], path, env)
    return path


@pytest.fixture(scope="module")
def hook_repo(tmp_path_factory, env):
    """(path, commit) of a git repository holding this checkout's working tree."""
    path = tmp_path_factory.mktemp("hook-repo") / "connlint"
    shutil.copytree(ROOT, path, ignore=SNAPSHOT_IGNORE, symlinks=True)
    init_repo(path, env)
    git(["add", "-A"], path, env)
    git(["commit", "-q", "--no-verify", "-m", "snapshot of the checkout"], path, env)
    return path, git(["rev-parse", "HEAD"], path, env).stdout.strip()


@pytest.fixture
def project(tmp_path, hook_repo, env):
    """A git repository whose .pre-commit-config.yaml uses this checkout's hooks."""

    def make(*hook_ids):
        repo, rev = hook_repo
        hooks = "".join(f"      - id: {hook}\n" for hook in hook_ids)
        write(tmp_path, ".pre-commit-config.yaml", f"repos:\n  - repo: {repo}\n    rev: {rev}\n    hooks:\n{hooks}")
        # an empty pyproject.toml: connlint's defaults, whatever is above tmp_path
        write(tmp_path, "pyproject.toml", '[project]\nname = "sample"\nversion = "0"\n')
        init_repo(tmp_path, env)
        git(["add", ".pre-commit-config.yaml", "pyproject.toml"], tmp_path, env)
        return tmp_path

    return make


def pre_commit(args, cwd, env):
    """Run the real pre-commit; return (returncode, stdout + stderr)."""
    proc = subprocess.run(
        [sys.executable, "-m", "pre_commit", *args],
        cwd=str(cwd),
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        timeout=600,  # the first run builds the hook environment (pip install)
    )
    return proc.returncode, proc.stdout.decode("utf-8", "replace")


def test_manifest_declares_the_hooks():
    from pre_commit.clientlib import load_manifest

    hooks = {hook["id"]: hook for hook in load_manifest(str(ROOT / ".pre-commit-hooks.yaml"))}
    assert sorted(hooks) == ["connlint", "connlint-fix"]
    for hook_id, entry in (("connlint", "connlint --force-exclude"), ("connlint-fix", "connlint --fix --force-exclude")):
        hook = hooks[hook_id]
        assert hook["entry"] == entry
        assert hook["language"] == "python"
        assert hook["types"] == ["python"]
        assert hook["pass_filenames"] is True
        assert hook["require_serial"] is True  # one run, one summary, the whole set of changed files in view


def test_connlint_hook_fails_on_a_leak_and_passes_clean_code(project, env):
    repo = project("connlint")
    write(repo, "leak.py", LEAK)
    git(["add", "leak.py"], repo, env)
    code, out = pre_commit(["run", "--color", "never"], repo, env)  # the staged files
    assert code == 1, out
    assert "- hook id: connlint" in out
    assert leak_line("leak.py") in out.splitlines()

    write(repo, "leak.py", CLEAN)
    write(repo, "clean.py", CLEAN)
    git(["add", "leak.py", "clean.py"], repo, env)
    code, out = pre_commit(["run", "--color", "never"], repo, env)
    assert code == 0, out
    assert "connlint" in out and "Passed" in out
    assert "CNL" not in out


def test_connlint_hook_as_git_pre_commit_hook(project, env):
    repo = project("connlint")
    code, out = pre_commit(["install"], repo, env)
    assert code == 0, out
    write(repo, "app/db.py", LEAK)
    git(["add", "app/db.py"], repo, env)
    commit = subprocess.run(
        ["git", "commit", "-m", "leak"], cwd=str(repo), env=env,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=600,
    )
    assert commit.returncode == 1, commit.stdout
    assert leak_line("app/db.py") in commit.stdout.splitlines()

    write(repo, "app/db.py", CLEAN)
    git(["add", "app/db.py"], repo, env)
    git(["commit", "-q", "-m", "fixed"], repo, env)


def test_connlint_hook_only_gets_python_files(project, env):
    repo = project("connlint")
    write(repo, "notes.txt", LEAK)
    write(repo, "script", "#!/usr/bin/env python3\n" + LEAK).chmod(0o755)  # Python by its shebang
    git(["add", "notes.txt", "script"], repo, env)
    code, out = pre_commit(["run", "--color", "never", "--files", "notes.txt"], repo, env)
    assert code == 0, out
    assert "(no files to check)Skipped" in out
    code, out = pre_commit(["run", "--color", "never", "--files", "notes.txt", "script"], repo, env)
    assert code == 1, out
    assert leak_line("script", line=4) in out.splitlines()


def test_connlint_fix_hook(project, env):
    repo = project("connlint-fix")
    write(repo, "leak.py", LEAK)
    write(repo, "clean.py", CLEAN)
    git(["add", "leak.py", "clean.py"], repo, env)
    code, out = pre_commit(["run", "connlint-fix", "--color", "never", "--files", "clean.py"], repo, env)
    assert code == 0, out
    assert (repo / "clean.py").read_text() == CLEAN
    # the leak is fixed (its safe fix): a modified file fails the hook
    code, out = pre_commit(["run", "connlint-fix", "--color", "never", "--files", "leak.py"], repo, env)
    assert code == 1, out
    assert "- hook id: connlint-fix" in out
    assert "- files were modified by this hook" in out
    assert "Found 1 problem (1 fixed, 0 remaining)." in out.splitlines()
    assert (repo / "leak.py").read_text() == CLEAN


EXCLUDING = '[project]\nname = "sample"\nversion = "0"\n\n[tool.connlint]\nextend-exclude = ["migrations"]\n'


def test_connlint_hook_skips_excluded_and_gitignored_files(project, env):
    """pre-commit names the files: the excluded and the gitignored ones among
    them are skipped (--force-exclude), as in a run over the whole tree."""
    repo = project("connlint")
    write(repo, "pyproject.toml", EXCLUDING)
    write(repo, ".gitignore", "generated/\n")
    for path in ("migrations/0001_x.py", "app/migrations/0002_y.py", "generated/models.py", "app/views.py"):
        write(repo, path, LEAK)
    git(["add", "pyproject.toml", ".gitignore", "migrations", "app"], repo, env)
    git(["add", "--force", "generated/models.py"], repo, env)  # tracked although gitignored
    code, out = pre_commit(["run", "--color", "never", "--all-files"], repo, env)
    assert code == 1, out
    findings = [line for line in out.splitlines() if "CNL" in line]
    assert findings == [leak_line("app/views.py")], out
    code, out = pre_commit(
        ["run", "--color", "never", "--files", "migrations/0001_x.py", "generated/models.py"], repo, env
    )
    assert code == 0, out
    assert "CNL" not in out


def test_connlint_fix_hook_leaves_an_excluded_file_byte_identical(project, env):
    repo = project("connlint-fix")
    write(repo, "pyproject.toml", EXCLUDING)
    migration = write(repo, "migrations/0001_x.py", LEAK)
    write(repo, "app.py", LEAK)
    git(["add", "pyproject.toml", "migrations/0001_x.py", "app.py"], repo, env)
    before = migration.read_bytes()
    code, out = pre_commit(["run", "connlint-fix", "--color", "never", "--files", "migrations/0001_x.py"], repo, env)
    assert code == 0, out
    assert migration.read_bytes() == before
    # with a file it does fix in the same run
    code, out = pre_commit(["run", "connlint-fix", "--color", "never", "--all-files"], repo, env)
    assert code == 1, out
    assert (repo / "app.py").read_text() == CLEAN, out
    assert "migrations" not in out
    assert migration.read_bytes() == before
