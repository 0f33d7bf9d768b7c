"""CNL202 engine-in-loop (engines, pools and clients created on every iteration of a loop), through the real CLI.

Runs connlint over ``fixtures/cnl202.py`` and compares its output with
``fixtures/cnl202.expected`` and the fixed source with ``fixtures/cnl202.fixed``
(see ``snapshots.py``).  Regenerate them with
``CONNLINT_UPDATE_SNAPSHOTS=1 python -m pytest tests/rules/test_cnl202.py``.
"""

from tests.rules.snapshots import check_fixture


def test_fixture_matches_its_snapshots(tmp_path):
    check_fixture("CNL202", tmp_path)
