"""CNL104 checkout-not-returned (pool checkouts not given back on every path), through the real CLI.

Runs connlint over ``fixtures/cnl104.py`` and compares its output with
``fixtures/cnl104.expected`` and the fixed source with ``fixtures/cnl104.fixed``
(see ``snapshots.py``).  Regenerate them with
``CONNLINT_UPDATE_SNAPSHOTS=1 python -m pytest tests/rules/test_cnl104.py``.
"""

from tests.rules.snapshots import check_fixture


def test_fixture_matches_its_snapshots(tmp_path):
    check_fixture("CNL104", tmp_path)
