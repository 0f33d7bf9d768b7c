"""Worker processes end with the run that started them, whatever ends it:
``kill -9`` or ``kill -TERM`` of the parent, Ctrl-C.  Checked on Linux
through /proc, on a real ``connlint -j 2`` run killed in the middle."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest

from tests.conftest import COMMAND

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")

#: Worker processes start above 8 files and 1.5 MB of source that imports a
#: catalog library (connlint.runner.PARALLEL_MIN_*): 4 directories (a chunk
#: each, so both workers are busy) of 10 files of 60 KB, about 20 s of work.
BODY = "import sqlite3\n" + "".join(
    f"def f{i}(url):\n"
    f"    conn = sqlite3.connect(url)\n"
    f"    rows = conn.execute('select {i}').fetchall()\n"
    f"    if rows:\n"
    f"        conn.close()\n"
    f"    return rows\n"
    for i in range(500)
)


@pytest.fixture(scope="module")
def big_project(tmp_path_factory):
    root = tmp_path_factory.mktemp("workers")
    for directory in range(4):
        (root / f"d{directory}").mkdir()
        for number in range(10):
            (root / f"d{directory}" / f"m{number}.py").write_text(BODY)
    return root


def _stat_fields(pid: int) -> list[str] | None:
    """The fields of /proc/<pid>/stat after the command name (state first)."""
    try:
        with open(f"/proc/{pid}/stat") as handle:
            return handle.read().rsplit(")", 1)[1].split()
    except OSError:
        return None


def _alive(pid: int) -> bool:
    fields = _stat_fields(pid)
    return fields is not None and fields[0] not in ("Z", "X")  # a zombie has ended


def _children(pid: int) -> set[int]:
    found = set()
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return found
    for task in tasks:
        try:
            with open(f"/proc/{pid}/task/{task}/children") as handle:
                found.update(int(child) for child in handle.read().split())
        except OSError:
            pass
    if not found:  # a kernel without /proc/<pid>/task/<tid>/children: scan every process
        for entry in os.listdir("/proc"):
            if entry.isdigit():
                fields = _stat_fields(int(entry))
                if fields is not None and fields[1] == str(pid):
                    found.add(int(entry))
    return found


def _in_session(session: int) -> set[int]:
    """Live processes of a session (the run was started in a new one)."""
    found = set()
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            fields = _stat_fields(int(entry))
            if fields is not None and fields[3] == str(session) and fields[0] not in ("Z", "X"):
                found.add(int(entry))
    return found


def _cpu_seconds(pid: int) -> float:
    fields = _stat_fields(pid)
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK") if fields else 0.0


def _as_from_a_terminal() -> None:
    """A shell starts a background job (``pytest ... &`` in a script) with
    SIGINT and SIGQUIT ignored, and its children inherit that: the run under
    test gets them as a command typed at a terminal would."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    signal.signal(signal.SIGQUIT, signal.SIG_DFL)


def _start(project, stderr):
    """A ``connlint -j 2`` run and its two workers, once both are analysing."""
    process = subprocess.Popen(
        [*COMMAND, "-q", "--isolated", "--no-cache", "-j", "2", "."],
        cwd=project, stdout=subprocess.DEVNULL, stderr=stderr, start_new_session=True, preexec_fn=_as_from_a_terminal,
    )
    deadline = time.monotonic() + 90
    workers: set[int] = set()
    while time.monotonic() < deadline:
        assert process.poll() is None, "the run ended before it could be killed"
        workers = _children(process.pid)
        if len(workers) >= 2 and all(_cpu_seconds(pid) >= 0.3 for pid in workers):
            return process, workers
        time.sleep(0.05)
    pytest.fail(f"no two busy workers within 90 s: {workers}")


def _remaining(process, workers, seconds: float = 5.0) -> set[int]:
    """Processes of the run still alive after ``seconds``."""
    deadline = time.monotonic() + seconds
    while True:
        left = {pid for pid in workers if _alive(pid)} | _in_session(process.pid)
        if not left or time.monotonic() > deadline:
            return left
        time.sleep(0.05)


@pytest.fixture
def stopped(tmp_path):
    """Runs started by a test, killed (by their group) whatever the outcome."""
    started = []
    yield started
    for process in started:
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        process.wait()


def _run_and_signal(project, tmp_path, stopped, signum, group=False):
    err = tmp_path / "stderr"
    with open(err, "wb") as stderr:
        process, workers = _start(project, stderr)
        stopped.append(process)
        (os.killpg if group else os.kill)(process.pid, signum)
        signalled = time.monotonic()
        process.wait(timeout=60)
    # the run ends at once: it waits for no worker to finish its files
    assert time.monotonic() - signalled < 5
    return process, workers, err.read_text()


def test_workers_end_when_the_parent_is_killed(big_project, tmp_path, stopped):
    process, workers, _ = _run_and_signal(big_project, tmp_path, stopped, signal.SIGKILL)
    assert process.returncode == -signal.SIGKILL
    assert _remaining(process, workers) == set()


def test_sigterm_ends_the_run_and_its_workers_without_a_traceback(big_project, tmp_path, stopped):
    process, workers, stderr = _run_and_signal(big_project, tmp_path, stopped, signal.SIGTERM)
    assert process.returncode in (-signal.SIGTERM, 128 + signal.SIGTERM)  # a shell shows 143 for both
    assert _remaining(process, workers) == set()
    assert "Traceback" not in stderr and stderr == ""


@pytest.mark.parametrize("group", [True, False], ids=["ctrl-c", "kill-int"])
def test_ctrl_c_exits_130_without_a_traceback(big_project, tmp_path, stopped, group):
    """A terminal's Ctrl-C signals every process of the group, ``kill -INT`` the parent only."""
    process, workers, stderr = _run_and_signal(big_project, tmp_path, stopped, signal.SIGINT, group=group)
    assert process.returncode == 130
    assert _remaining(process, workers) == set()
    assert stderr == "connlint: interrupted\n"
