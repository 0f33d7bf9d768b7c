"""CNL103 with-does-not-close (a `with` that commits or rolls back but leaves the connection open), through the real CLI.

Runs connlint over ``fixtures/cnl103.py`` and compares its output with
``fixtures/cnl103.expected`` and the fixed source with ``fixtures/cnl103.fixed``
(see ``snapshots.py``).  Regenerate them with
``CONNLINT_UPDATE_SNAPSHOTS=1 python -m pytest tests/rules/test_cnl103.py``.
"""

from tests.rules.snapshots import check_fixture


def test_fixture_matches_its_snapshots(tmp_path):
    check_fixture("CNL103", tmp_path)
