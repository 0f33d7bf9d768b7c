"""CNL305 connections-kept-forever (Django `CONN_MAX_AGE = None`), through the real CLI.

Runs connlint over ``fixtures/cnl305.py`` and compares its output with
``fixtures/cnl305.expected`` and the fixed source with ``fixtures/cnl305.fixed``
(see ``snapshots.py``).  Regenerate them with
``CONNLINT_UPDATE_SNAPSHOTS=1 python -m pytest tests/rules/test_cnl305.py``.
"""

from tests.rules.snapshots import check_fixture


def test_fixture_matches_its_snapshots(tmp_path):
    check_fixture("CNL305", tmp_path)
