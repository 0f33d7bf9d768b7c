"""CNL203 throwaway-client (one-shot HTTP helpers called in a loop), through the real CLI.

Runs connlint over ``fixtures/cnl203.py`` and compares its output with
``fixtures/cnl203.expected`` and the fixed source with ``fixtures/cnl203.fixed``
(see ``snapshots.py``).  Regenerate them with
``CONNLINT_UPDATE_SNAPSHOTS=1 python -m pytest tests/rules/test_cnl203.py``.
"""

from tests.rules.snapshots import check_fixture


def test_fixture_matches_its_snapshots(tmp_path):
    check_fixture("CNL203", tmp_path)
