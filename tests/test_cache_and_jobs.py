"""The results cache and worker processes, through the real CLI."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

LEAK = "import sqlite3\ndef f(p):\n    conn = sqlite3.connect(p)\n    conn.execute('x')\n"
CLEAN = "import sqlite3, contextlib\ndef f(p):\n    with contextlib.closing(sqlite3.connect(p)) as conn:\n        conn.execute('x')\n"


def run(args, cwd):
    result = subprocess.run([sys.executable, "-m", "connlint", "-q", *args], cwd=cwd, capture_output=True, text=True)
    return result.returncode, result.stdout.splitlines(), result.stderr


@pytest.fixture
def project(tmp_path):
    (tmp_path / "pyproject.toml").write_text("[tool.connlint]\n")
    (tmp_path / "a.py").write_text(LEAK)
    (tmp_path / "b.py").write_text(CLEAN)
    return tmp_path


def cache_files(project):
    return sorted((project / ".connlint_cache").glob("results-*.json"))


def test_second_run_reads_the_cache(project):
    first = run([], project)
    [cache] = cache_files(project)
    entries = json.loads(cache.read_text())["files"]
    assert sorted(entries) == ["a.py", "b.py"]
    assert [f["code"] for f in entries["a.py"]["findings"]] == ["CNL101"]
    # the cache is what answers the second run: a doctored entry shows through
    data = json.loads(cache.read_text())
    data["files"]["a.py"]["findings"][0]["message"] = "from the cache"
    cache.write_text(json.dumps(data))
    second = run([], project)
    assert second[1] == ["a.py:3:12: CNL101 from the cache"]
    assert first[0] == second[0] == 1


def test_edited_file_is_analysed_again(project):
    run([], project)
    (project / "b.py").write_text(LEAK.replace("conn =", "c =").replace("conn.", "c."))
    code, lines, _ = run([], project)
    assert [line.split(":")[0] for line in lines] == ["a.py", "b.py"]


def test_touched_but_unchanged_file_reuses_the_entry_by_content(project):
    run([], project)
    os.utime(project / "a.py", (1, 1))
    assert run([], project)[1] == [line for line in run(["--no-cache"], project)[1]]


def test_configuration_change_starts_a_fresh_cache(project):
    run([], project)
    (project / "pyproject.toml").write_text('[tool.connlint]\nper-file-ignores = { "a.py" = ["CNL101"] }\n')
    code, lines, _ = run([], project)
    assert (code, lines) == (0, [])
    assert len(cache_files(project)) == 2


def test_corrupt_cache_heals(project):
    run([], project)
    [cache] = cache_files(project)
    cache.write_text("{ not json")
    code, lines, err = run([], project)
    assert (code, err) == (1, "")
    assert lines[0].startswith("a.py:3:12: CNL101 ")
    assert json.loads(cache.read_text())["format"] == 1


def test_no_cache_and_cache_dir(project, tmp_path_factory):
    run(["--no-cache"], project)
    assert not (project / ".connlint_cache").exists()
    elsewhere = tmp_path_factory.mktemp("cache")
    run(["--cache-dir", str(elsewhere)], project)
    assert not (project / ".connlint_cache").exists()
    assert len(list(elsewhere.glob("results-*.json"))) == 1


def test_concurrent_runs_leave_a_valid_cache(project):
    processes = [
        subprocess.Popen([sys.executable, "-m", "connlint", "-q"], cwd=project, stdout=subprocess.PIPE, text=True)
        for _ in range(4)
    ]
    outputs = [p.communicate()[0] for p in processes]
    assert all(p.returncode == 1 for p in processes)
    assert len(set(outputs)) == 1
    for cache in cache_files(project):
        assert json.loads(cache.read_text())["format"] == 1
    assert not list((project / ".connlint_cache").glob("*.tmp"))


def test_worker_processes_give_the_same_findings(tmp_path):
    body = "".join(
        f"def f{i}(p):\n    conn = sqlite3.connect(p)\n    rows = conn.execute('select {i}').fetchall()\n    conn.close()\n    return rows\n"
        for i in range(600)
    )
    for n in range(24):  # about 2.4 MB: enough for the parallel path
        (tmp_path / f"m{n:02}.py").write_text("import sqlite3\n" + body)
    serial = run(["--isolated", "--no-cache", "-j", "1"], tmp_path)
    parallel = run(["--isolated", "--no-cache", "-j", "2"], tmp_path)
    assert serial == parallel
    assert len(serial[1]) == 24 * 600


def _stderr_on_a_terminal(cwd, env):
    """Run connlint with stderr on a pseudo-terminal; what it showed there."""
    import pty

    controller, terminal = pty.openpty()
    try:
        process = subprocess.run(
            [sys.executable, "-m", "connlint", "--isolated", "--no-cache", "-q", "."],
            cwd=cwd, stdout=subprocess.PIPE, stderr=terminal, env=env, timeout=120,
        )
        os.close(terminal)
        shown = b""
        while True:
            try:
                chunk = os.read(controller, 4096)
            except OSError:
                break
            if not chunk:
                break
            shown += chunk
    finally:
        os.close(controller)
    assert process.returncode == 0
    return shown


def test_progress_only_on_a_terminal_outside_ci(tmp_path):
    for n in range(210):  # progress starts above 200 files
        (tmp_path / f"m{n:03}.py").write_text("import sqlite3\n")
    env = {k: v for k, v in os.environ.items() if k not in ("CI", "PRE_COMMIT")}
    assert b"connlint: 210/210 files" in _stderr_on_a_terminal(tmp_path, env)
    assert _stderr_on_a_terminal(tmp_path, dict(env, CI="true")) == b""
    assert _stderr_on_a_terminal(tmp_path, dict(env, PRE_COMMIT="1")) == b""
    piped = subprocess.run([sys.executable, "-m", "connlint", "--isolated", "--no-cache", "-q", "."],
                           cwd=tmp_path, capture_output=True, env=env)
    assert piped.stderr == b""


def test_a_cache_that_cannot_be_json_is_not_written_and_says_so(tmp_path, capsys):
    # what a result relied on, keyed by a tuple (an unfinished cycle member's
    # item, say), is a defect: the cache is not written, and the run says so
    # rather than every later run paying for a cache it never gets
    from connlint.cache import ResultCache

    source = tmp_path / "a.py"
    source.write_text("x = 1\n")
    cache = ResultCache(tmp_path / "cache", "k")
    cache.store("a.py", source.stat(), "digest", [], {("app/b.py", "functions", "make"): 1})
    cache.save()
    assert not list((tmp_path / "cache").glob("results-*.json"))
    assert capsys.readouterr().err == (
        "connlint: warning: the results cache was not written (TypeError: keys must be str, int, float, bool "
        "or None, not tuple); please report this as a connlint bug\n"
    )
