"""CNL102 close-skipped-on-error (resources released on every normal path but not when an exception is raised), through the real CLI.

Runs connlint over ``fixtures/cnl102.py`` and compares its output with
``fixtures/cnl102.expected`` and the fixed source with ``fixtures/cnl102.fixed``
(see ``snapshots.py``).  Regenerate them with
``CONNLINT_UPDATE_SNAPSHOTS=1 python -m pytest tests/rules/test_cnl102.py``.
"""

from tests.rules.snapshots import check_fixture


def test_fixture_matches_its_snapshots(tmp_path):
    check_fixture("CNL102", tmp_path)
