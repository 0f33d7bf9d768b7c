"""Which files are checked: .gitignore, ``--force-exclude`` and the globs of
``exclude`` / ``extend-exclude`` / ``per-file-ignores``, through the real CLI.

Every file written holds one CNL101 (``LEAK``), so the findings name exactly
the files checked.  The .gitignore tests compare with what git itself
ignores (``git ls-files --others --exclude-standard``).  The last tests are
in-process properties of the glob matcher: the globs matched without
pathspec mean what pathspec (gitignore semantics) says, and the globs the
configuration accepts are the ones pathspec can use.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import warnings

import pytest

try:
    from tests.conftest import LEAK, leak_line, run_connlint, write
except ImportError:  # tests/ is not a package
    from conftest import LEAK, leak_line, run_connlint, write

needs_git = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")


def pyproject(tmp_path, body: str = ""):
    write(tmp_path, "pyproject.toml", f'[project]\nname = "sample"\nversion = "0"\n\n[tool.connlint]\n{body}')


def leaks(tmp_path, *paths):
    for path in paths:
        write(tmp_path, path, LEAK)


def checked(args, cwd):
    """(exit status, sorted paths with a finding, stderr) of ``connlint -q --no-cache ARGS``."""
    code, out, err = run_connlint(["-q", "--no-cache", *args], cwd)
    assert "Traceback" not in err, err
    found = sorted({line.split(":", 1)[0] for line in out.splitlines()})
    assert out.splitlines() == [leak_line(path) for path in found], out
    return code, found, err


def nothing_checked(args, cwd) -> bool:
    """Exit 0, no finding, nothing on stderr but a warning (that no file is left to check)."""
    code, found, err = checked(args, cwd)
    assert all(line.startswith("connlint: warning: ") for line in err.splitlines()), err
    return (code, found) == (0, [])


def git_env():
    env = {key: value for key, value in os.environ.items() if not key.startswith("GIT_")}
    env.update(GIT_CONFIG_GLOBAL=os.devnull, GIT_CONFIG_NOSYSTEM="1")
    return env


def git(args, cwd) -> str:
    return subprocess.run(
        ["git", *args], cwd=str(cwd), env=git_env(), check=True, capture_output=True, text=True
    ).stdout


def git_init(path):
    git(["init", "-q", "."], path)
    return path


# --------------------------------------------------------------------------- .gitignore

#: A tree and its .gitignore files: a root one, nested ones (with a negation,
#: an anchored and a directory-only pattern, ``**``) and .git/info/exclude.
GITIGNORED_TREE = {
    ".gitignore": "# generated code\ngenerated/\n/top_only.py\n**/cache_*.py\n*.local.py\n",
    "pkg/.gitignore": "local_*.py\n!local_keep.py\n/anchored.py\nsub/deep/\n",
    "pkg/sub/.gitignore": "!cache_keep.py\n",
}
GITIGNORED_FILES = [
    "app.py", "top_only.py", "pkg/top_only.py", "generated/g.py", "pkg/generated/g.py",
    "cache_x.py", "pkg/a/cache_y.py", "pkg/sub/cache_keep.py", "settings.local.py",
    "pkg/local_x.py", "pkg/local_keep.py", "pkg/a/local_z.py", "local_root.py",
    "pkg/anchored.py", "pkg/a/anchored.py", "anchored.py",
    "pkg/sub/deep/d.py", "pkg/sub/deeper/d.py", "scratch.py", "pkg/scratch.py",
]


def gitignored_tree(tmp_path):
    git_init(tmp_path)
    pyproject(tmp_path)
    for path, text in GITIGNORED_TREE.items():
        write(tmp_path, path, text)
    write(tmp_path, ".git/info/exclude", "# git's own comments\nscratch.py\n")
    leaks(tmp_path, *GITIGNORED_FILES)
    return tmp_path


@needs_git
def test_walk_skips_what_git_ignores(tmp_path):
    repo = gitignored_tree(tmp_path)
    untracked = git(["ls-files", "--others", "--exclude-standard"], repo).splitlines()
    expected = sorted(path for path in untracked if path.endswith(".py"))
    assert "app.py" in expected and "generated/g.py" not in expected  # the tree means something
    code, found, err = checked([], repo)
    assert (code, err) == (1, "")
    assert found == expected
    # from a subdirectory, the .gitignore files above it apply too
    code, found, err = checked([], repo / "pkg")
    assert found == sorted(path[len("pkg/"):] for path in expected if path.startswith("pkg/"))
    # a directory named on the command line: the same files
    code, found, err = checked(["pkg"], repo)
    assert found == [path for path in expected if path.startswith("pkg/")]


@needs_git
def test_no_respect_gitignore_brings_the_ignored_files_back(tmp_path):
    repo = gitignored_tree(tmp_path)
    code, found, err = checked(["--no-respect-gitignore"], repo)
    assert (code, err) == (1, "")
    assert found == sorted(GITIGNORED_FILES)
    code, found, err = checked(["--respect-gitignore"], repo)
    assert "generated/g.py" not in found and "app.py" in found


@needs_git
def test_gitignored_folder_is_skipped(tmp_path):
    git_init(tmp_path)
    pyproject(tmp_path)
    write(tmp_path, ".gitignore", "generated/\n")
    leaks(tmp_path, "app.py", "generated/models.py", "generated/deep/views.py")
    assert checked([], tmp_path) == (1, ["app.py"], "")
    assert checked(["--no-respect-gitignore"], tmp_path) == (
        1, ["app.py", "generated/deep/views.py", "generated/models.py"], ""
    )
    # named on the command line, a gitignored file or directory is checked
    assert checked(["generated/models.py"], tmp_path) == (1, ["generated/models.py"], "")
    assert checked(["generated"], tmp_path) == (1, ["generated/deep/views.py", "generated/models.py"], "")
    # unless --force-exclude
    assert checked(["--force-exclude", "generated/models.py", "app.py"], tmp_path) == (1, ["app.py"], "")
    assert nothing_checked(["--force-exclude", "generated"], tmp_path)
    assert checked(["--force-exclude", "--no-respect-gitignore", "generated/models.py"], tmp_path) == (
        1, ["generated/models.py"], ""
    )


@needs_git
def test_a_nested_repository_has_its_own_gitignore(tmp_path):
    git_init(tmp_path)
    pyproject(tmp_path)
    write(tmp_path, ".gitignore", "vendored_*.py\n")
    (tmp_path / "vendor").mkdir()
    git_init(tmp_path / "vendor")
    write(tmp_path, "vendor/.gitignore", "own.py\n")
    leaks(tmp_path, "vendored_a.py", "own.py", "vendor/vendored_b.py", "vendor/own.py")
    assert checked([], tmp_path) == (1, ["own.py", "vendor/vendored_b.py"], "")


def test_gitignore_applies_only_in_a_git_repository(tmp_path):
    """As git: outside a repository a .gitignore means nothing."""
    pyproject(tmp_path)
    write(tmp_path, ".gitignore", "generated/\n")
    leaks(tmp_path, "app.py", "generated/g.py")
    assert checked([], tmp_path) == (1, ["app.py", "generated/g.py"], "")


def imports_pathspec(args, cwd) -> bool:
    env = dict(os.environ)
    env.pop("PYTHONWARNINGS", None)
    proc = subprocess.run(
        [sys.executable, "-X", "importtime", *args], cwd=str(cwd), env=env, capture_output=True, text=True,
        timeout=120,
    )
    assert "Traceback" not in proc.stderr, proc.stderr
    return any(line.rstrip().endswith("| pathspec") for line in proc.stderr.splitlines())


@needs_git
def test_walked_paths_are_spelled_as_named(tmp_path, monkeypatch):
    # strings, in the order of the walk, spelled from the path as named: no
    # "./" for the current directory (a path shown, a worker's error)
    from connlint.discovery import discover

    leaks(tmp_path, "c.py", "app/a.py", "app/sub/b.py")
    monkeypatch.chdir(tmp_path)
    for top, expected in (
        (".", ["c.py", "app/a.py", "app/sub/b.py"]),
        ("./", ["c.py", "app/a.py", "app/sub/b.py"]),
        ("./app", ["app/a.py", "app/sub/b.py"]),
        ("app/", ["app/a.py", "app/sub/b.py"]),
        ("app/a.py", ["app/a.py"]),
        (str(tmp_path), [str(tmp_path / "c.py"), str(tmp_path / "app" / "a.py"), str(tmp_path / "app" / "sub" / "b.py")]),
    ):
        assert discover([top], tmp_path, ()).files == expected, top


def test_pathspec_is_imported_only_when_needed(tmp_path):
    assert not imports_pathspec(["-c", "import connlint.cli"], tmp_path)
    pyproject(tmp_path, 'extend-exclude = ["migrations", "*_pb2.py", "src/legacy/*.py"]\n')
    leaks(tmp_path, "app.py", "migrations/m.py", "src/legacy/old.py")
    check = ["-m", "connlint", "-q", "--no-cache", "--force-exclude"]
    assert not imports_pathspec([*check, "."], tmp_path)
    git_init(tmp_path)  # .git/info/exclude holds only comments
    assert not imports_pathspec([*check, "."], tmp_path)
    assert not imports_pathspec([*check, "app.py", "migrations/m.py"], tmp_path)
    # what needs it: a .gitignore, a glob with '**' or brackets
    write(tmp_path, ".gitignore", "*.tmp.py\n")
    assert imports_pathspec([*check, "."], tmp_path)
    assert not imports_pathspec([*check, "--no-respect-gitignore", "."], tmp_path)
    pyproject(tmp_path, 'per-file-ignores = { "src/**/old.py" = ["CNL101"] }\n')
    assert imports_pathspec([*check, "--no-respect-gitignore", "."], tmp_path)


# --------------------------------------------------------------------------- --force-exclude


def test_force_exclude_skips_an_excluded_file_named_explicitly(tmp_path):
    pyproject(tmp_path, 'extend-exclude = ["migrations", "src/legacy/*.py"]\n')
    leaks(tmp_path, "migrations/0001_x.py", "app/migrations/0002_y.py", "src/legacy/old.py", "app.py")
    named = ["migrations/0001_x.py", "app/migrations/0002_y.py", "src/legacy/old.py"]
    # without it, a file named on the command line is checked (unchanged)
    assert checked(named, tmp_path) == (1, sorted(named), "")
    code, out, err = run_connlint(["--no-cache", "--force-exclude", *named], tmp_path)
    assert code == 0 and "CNL" not in out and "problem" not in out, out
    assert "error" not in err and "Traceback" not in err, err
    assert checked(["--force-exclude", *named, "app.py"], tmp_path) == (1, ["app.py"], "")
    # a directory named explicitly: walked without it, skipped with it
    assert checked(["migrations"], tmp_path) == (1, ["migrations/0001_x.py"], "")
    assert nothing_checked(["--force-exclude", "migrations"], tmp_path)
    # the default excludes count too; paths are relative to the project root, not the current directory
    leaks(tmp_path, "build/b.py")
    assert nothing_checked(["--force-exclude", "build/b.py"], tmp_path)
    assert nothing_checked(["--force-exclude", "0002_y.py"], tmp_path / "app" / "migrations")
    assert nothing_checked(["--force-exclude", "old.py"], tmp_path / "src" / "legacy")


def test_force_exclude_in_inventory(tmp_path):
    pyproject(tmp_path, 'extend-exclude = ["migrations"]\n')
    write(tmp_path, "migrations/db.py", "import sqlalchemy\nengine = sqlalchemy.create_engine('postgresql://db/app')\n")
    code, out, err = run_connlint(["inventory", "--format", "json", "migrations/db.py"], tmp_path)
    assert (code, err) == (0, "") and "migrations/db.py" in out
    code, out, err = run_connlint(["inventory", "--format", "json", "--force-exclude", "migrations/db.py"], tmp_path)
    assert code == 0 and "migrations/db.py" not in out and "error" not in err, (out, err)


# --------------------------------------------------------------------------- globs


DOUBLE_STAR = ["src/jobs.py", "src/a/jobs.py", "src/a/b/jobs.py", "lib/src/jobs.py", "src/jobs_old.py", "jobs.py"]


@pytest.mark.parametrize("glob", ["src/**/jobs.py", "/src/**/jobs.py", "./src/**/jobs.py"])
def test_double_star_in_exclude_matches_zero_or_more_directories(tmp_path, glob):
    pyproject(tmp_path, f'extend-exclude = ["{glob}"]\n')
    leaks(tmp_path, *DOUBLE_STAR)
    assert checked([], tmp_path) == (1, ["jobs.py", "lib/src/jobs.py", "src/jobs_old.py"], "")
    assert checked(["--force-exclude", *DOUBLE_STAR], tmp_path) == (1, ["jobs.py", "lib/src/jobs.py", "src/jobs_old.py"], "")


def test_double_star_in_per_file_ignores_matches_zero_or_more_directories(tmp_path):
    pyproject(tmp_path, 'per-file-ignores = { "src/**/jobs.py" = ["CNL101"], "**/tests/**" = ["CNL1"] }\n')
    leaks(tmp_path, *DOUBLE_STAR, "tests/t.py", "pkg/tests/unit/t.py", "pkg/testsuite/t.py")
    assert checked([], tmp_path) == (1, ["jobs.py", "lib/src/jobs.py", "pkg/testsuite/t.py", "src/jobs_old.py"], "")
    # named explicitly, and from a subdirectory: the globs are relative to the project root
    assert checked(["src/jobs.py", "src/a/b/jobs.py"], tmp_path) == (0, [], "")
    assert checked(["jobs.py"], tmp_path / "src") == (0, [], "")


def test_globs_keep_their_documented_meaning(tmp_path):
    """A glob with a '/' is anchored at the project root; one without matches any
    path component; '*' stays within a component; a directory's files go with it."""
    pyproject(tmp_path, 'extend-exclude = ["gen", "legacy/*.py", "/top.py", "*_pb2.py", "[0-9][0-9]_*.py"]\n')
    leaks(tmp_path, "gen/a.py", "pkg/gen/b.py", "pkg/generated.py", "legacy/old.py", "legacy/sub/kept.py",
          "pkg/legacy/kept.py", "top.py", "pkg/top.py", "pkg/x_pb2.py", "pkg/01_init.py", "pkg/1_kept.py")
    assert checked([], tmp_path) == (
        1, ["legacy/sub/kept.py", "pkg/1_kept.py", "pkg/generated.py", "pkg/legacy/kept.py", "pkg/top.py"], ""
    )


# --------------------------------------------------------------------------- the matcher, in-process

from hypothesis import given, settings, strategies as st  # noqa: E402

from connlint.config import glob_problem  # noqa: E402
from connlint.discovery import _as_gitignore_line, _Patterns, compile_gitignore  # noqa: E402

COMPONENTS = st.text(alphabet="ab.*?!# \t", min_size=1, max_size=4)
NAMES = st.text(alphabet="ab.!# ", min_size=1, max_size=4).filter(lambda name: name not in (".", ".."))
PATHS = st.lists(NAMES, min_size=1, max_size=4).map("/".join)


def pathspec_says(glob: str, relative: str) -> bool:
    """``glob``, as exclude means it, matched by pathspec alone."""
    glob = glob.rstrip("/")  # connlint's reading: no trailing '/', a leading './' or '/' anchors
    anchored = "/" in glob
    while glob.startswith("./"):
        glob = glob[2:]
    glob = glob.lstrip("/")
    if not glob:
        return False
    spec = compile_gitignore([_as_gitignore_line(glob, anchored)])
    return spec is not None and spec.match_file(relative)


@settings(max_examples=400, deadline=None)
@given(parts=st.lists(COMPONENTS, min_size=1, max_size=3), anchored=st.booleans(), relative=PATHS)
def test_globs_matched_without_pathspec_mean_what_pathspec_says(parts, anchored, relative):
    glob = "/".join(parts)
    glob = "/" + glob if anchored and len(parts) == 1 else glob
    assert _Patterns.of([glob]).match_path(relative) == pathspec_says(glob, relative)


SEGMENT = st.text(alphabet="ab-z09[]!^\\*?", min_size=0, max_size=6)


@settings(max_examples=600, deadline=None)
@given(segments=st.lists(SEGMENT, min_size=1, max_size=3))
def test_accepted_globs_are_globs_pathspec_uses(segments):
    """A glob the configuration accepts compiles, without a warning, into a
    pattern pathspec uses; one it rejects is one pathspec drops or fails on
    (pathspec < 1.0 reads an unclosed '[' literally: rejected anyway, as git
    drops it)."""
    glob = "/".join(segments)
    problem = glob_problem(glob)
    if problem in ("empty glob", "names no file or directory"):
        return
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # none escapes compile_gitignore
        spec = compile_gitignore([_as_gitignore_line(glob.lstrip("/"), "/" in glob)])
    usable = spec is not None and any(p.include is not None for p in spec.patterns)
    if problem is None or not problem.startswith("unclosed"):
        assert (problem is None) == usable, (glob, problem)
    _Patterns.of([glob]).match_path("a/b.py")  # never raises


@pytest.mark.parametrize("glob, path", [
    ("x.py ", "a/x.py "), ("x.py\\ ", "a/x.py "), ("x.py\t", "a/x.py\t"), (" x.py", "a/ x.py"),
    ("[ ]x.py", "a/ x.py"), ("!x.py", "a/!x.py"),
    ("#x.py", "a/#x.py"), ("[#]x.py", "a/#x.py"), ("\\[x].py", "a/[x].py"), ("[!a]*.py", "a/b.py"),
    ("[^a]*.py", "a/b.py"), ("**", "a/b.py"), ("a/**", "a/b/c.py"), ("**/c.py", "a/b/c.py"),
])
def test_literal_and_special_characters(glob, path):
    assert glob_problem(glob) is None
    assert _Patterns.of([glob]).match_path(path)
    assert glob == "**" or not _Patterns.of([glob]).match_path("zz/other")
