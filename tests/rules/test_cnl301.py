"""CNL301 implicit-pool-limits (pools relying on the library's default size), through the real CLI.

Runs connlint over ``fixtures/cnl301.py`` and compares its output with
``fixtures/cnl301.expected`` and the fixed source with ``fixtures/cnl301.fixed``
(see ``snapshots.py``).  Regenerate them with
``CONNLINT_UPDATE_SNAPSHOTS=1 python -m pytest tests/rules/test_cnl301.py``.
"""

from tests.rules.snapshots import check_fixture


def test_fixture_matches_its_snapshots(tmp_path):
    check_fixture("CNL301", tmp_path)
