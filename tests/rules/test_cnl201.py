"""CNL201 engine-per-request (engines, pools and clients created on every request or task), through the real CLI.

Runs connlint over ``fixtures/cnl201.py`` and compares its output with
``fixtures/cnl201.expected`` and the fixed source with ``fixtures/cnl201.fixed``
(see ``snapshots.py``).  Regenerate them with
``CONNLINT_UPDATE_SNAPSHOTS=1 python -m pytest tests/rules/test_cnl201.py``.
"""

from tests.rules.snapshots import check_fixture


def test_fixture_matches_its_snapshots(tmp_path):
    check_fixture("CNL201", tmp_path)
