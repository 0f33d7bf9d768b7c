"""CNL101 unclosed-connection (connections, sessions, clients and pools not released on every normal path), through the real CLI.

Runs connlint over ``fixtures/cnl101.py`` and compares its output with
``fixtures/cnl101.expected`` and the fixed source with ``fixtures/cnl101.fixed``
(see ``snapshots.py``).  Regenerate them with
``CONNLINT_UPDATE_SNAPSHOTS=1 python -m pytest tests/rules/test_cnl101.py``.
"""

from tests.rules.snapshots import check_fixture


def test_fixture_matches_its_snapshots(tmp_path):
    check_fixture("CNL101", tmp_path)
