"""Per-rule fixture tests in the style of ruff: real code in, exact output kept.

Each rule ``CNLNNN`` has

- ``fixtures/cnlNNN.py``: real code with the cases the rule reports and the
  ones it must leave alone;
- ``fixtures/cnlNNN.expected``: the transcript of the real CLI run over a copy
  of that file: each command line, its standard output (every
  ``path:line:col: CODE message`` line, the fix offered for it with
  ``--show-fixes``, the summary), its standard error when there is any, and
  its exit status.  The runs are ``--show-fixes``, then any the rule's test
  adds, then ``--fix --unsafe-fixes`` (what is left after fixing);
- ``fixtures/cnlNNN.fixed``: the exact source that ``--fix --unsafe-fixes``
  leaves, for a rule that changes the file (none for one that does not);

and ``test_cnlNNN.py``, which compares both snapshots with a fresh run, in
full and to the byte.

Regenerate the snapshots after a deliberate change of a message, a position
or a fix (or after adding a fixture), then read the diff before keeping it:

    CONNLINT_UPDATE_SNAPSHOTS=1 python -m pytest -q -p no:cacheprovider tests/rules

With the variable set, the tests write what connlint prints instead of
comparing it, and pass.
"""

from __future__ import annotations

import difflib
import os
import shlex
from pathlib import Path

from tests.conftest import run_connlint

FIXTURES = Path(__file__).resolve().parent / "fixtures"

#: Set to 1 to rewrite the snapshots from what connlint prints.
UPDATE_VARIABLE = "CONNLINT_UPDATE_SNAPSHOTS"

#: Every run: no configuration file, no results cache, no color codes.
COMMON = ("--isolated", "--no-cache", "--color", "never")


def updating() -> bool:
    return os.environ.get(UPDATE_VARIABLE) == "1"


def fixture_path(code: str, suffix: str) -> Path:
    return FIXTURES / f"{code.lower()}{suffix}"


def check_fixture(code: str, workdir: Path, extra_runs: tuple = ()) -> None:
    """Run connlint over a copy of ``code``'s fixture in ``workdir`` and
    compare the transcript and the fixed source with their snapshots.

    ``extra_runs`` are further option lists, run after ``--show-fixes`` and
    before the file is fixed."""
    source = fixture_path(code, ".py").read_bytes()
    name = fixture_path(code, ".py").name
    copy = workdir / name
    copy.write_bytes(source)
    runs = [("--select", code, "--show-fixes"), *extra_runs, ("--select", code, "--fix", "--unsafe-fixes")]
    transcript = "\n".join(_run(options, name, workdir) for options in runs)
    fixed = copy.read_bytes()
    _compare(fixture_path(code, ".expected"), transcript.encode("utf-8"))
    _compare(fixture_path(code, ".fixed"), fixed if fixed != source else None)


def _run(options: tuple, name: str, workdir: Path) -> str:
    args = [*COMMON, *options, name]
    status, out, err = run_connlint(args, workdir)
    shown = f"$ connlint {shlex.join(args)}\n{out}"
    if err:
        shown += f"[stderr]\n{err}"
    return shown + f"[exit {status}]\n"


def _compare(snapshot: Path, actual: bytes | None) -> None:
    """``actual`` is the snapshot's exact content; None: there must be none."""
    if updating():
        if actual is None:
            snapshot.unlink(missing_ok=True)
        else:
            snapshot.write_bytes(actual)
        return
    if actual is None:
        assert not snapshot.exists(), f"{snapshot.name}: the fix run left the fixture unchanged ({_how()})"
        return
    assert snapshot.exists(), f"{snapshot.name} is missing ({_how()})"
    expected = snapshot.read_bytes()
    if actual != expected:
        diff = difflib.unified_diff(
            expected.decode("utf-8", "replace").splitlines(keepends=True),
            actual.decode("utf-8", "replace").splitlines(keepends=True),
            f"{snapshot.name} (snapshot)",
            f"{snapshot.name} (this run)",
        )
        raise AssertionError(f"{snapshot.name} differs from this run ({_how()}):\n{''.join(diff)}")


def _how() -> str:
    return f"if the change is meant, regenerate with {UPDATE_VARIABLE}=1 python -m pytest tests/rules"
