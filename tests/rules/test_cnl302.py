"""CNL302 unbounded-pool (explicit settings that mean "no limit"), through the real CLI.

Runs connlint over ``fixtures/cnl302.py`` and compares its output with
``fixtures/cnl302.expected`` and the fixed source with ``fixtures/cnl302.fixed``
(see ``snapshots.py``).  Regenerate them with
``CONNLINT_UPDATE_SNAPSHOTS=1 python -m pytest tests/rules/test_cnl302.py``.
"""

from tests.rules.snapshots import check_fixture


def test_fixture_matches_its_snapshots(tmp_path):
    check_fixture("CNL302", tmp_path)
