"""CNL105 async-resource-sync-close (async resources used through sync protocols), through the real CLI.

Runs connlint over ``fixtures/cnl105.py`` and compares its output with
``fixtures/cnl105.expected`` and the fixed source with ``fixtures/cnl105.fixed``
(see ``snapshots.py``).  Regenerate them with
``CONNLINT_UPDATE_SNAPSHOTS=1 python -m pytest tests/rules/test_cnl105.py``.
"""

from tests.rules.snapshots import check_fixture


def test_fixture_matches_its_snapshots(tmp_path):
    check_fixture("CNL105", tmp_path)
