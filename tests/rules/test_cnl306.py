"""CNL306 pool-with-persistent-connections (Django's driver pool with a non-zero `CONN_MAX_AGE`), through the real CLI.

Runs connlint over ``fixtures/cnl306.py`` and compares its output with
``fixtures/cnl306.expected`` and the fixed source with ``fixtures/cnl306.fixed``
(see ``snapshots.py``).  Regenerate them with
``CONNLINT_UPDATE_SNAPSHOTS=1 python -m pytest tests/rules/test_cnl306.py``.
"""

from tests.rules.snapshots import check_fixture


def test_fixture_matches_its_snapshots(tmp_path):
    check_fixture("CNL306", tmp_path)
