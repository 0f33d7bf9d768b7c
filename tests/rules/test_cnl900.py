"""CNL900 parse-error (a file that imports a catalog library but does not parse), through the real CLI.

Runs connlint over ``fixtures/cnl900.py`` and compares its output with
``fixtures/cnl900.expected`` (see ``snapshots.py``); ``--fix`` leaves the file
as it is, so there is no ``cnl900.fixed``.  Regenerate the snapshot with
``CONNLINT_UPDATE_SNAPSHOTS=1 python -m pytest tests/rules/test_cnl900.py``.

The syntax error is one whose wording and position are the same on every
Python connlint supports (3.10 to 3.13).
"""

from tests.rules.snapshots import check_fixture


def test_fixture_matches_its_snapshots(tmp_path):
    check_fixture("CNL900", tmp_path)
