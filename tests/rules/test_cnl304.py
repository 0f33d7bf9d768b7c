"""CNL304 pool-option-in-url (SQLAlchemy pool options in a URL's query string), through the real CLI.

Runs connlint over ``fixtures/cnl304.py`` and compares its output with
``fixtures/cnl304.expected`` and the fixed source with ``fixtures/cnl304.fixed``
(see ``snapshots.py``).  Regenerate them with
``CONNLINT_UPDATE_SNAPSHOTS=1 python -m pytest tests/rules/test_cnl304.py``.
"""

from tests.rules.snapshots import check_fixture


def test_fixture_matches_its_snapshots(tmp_path):
    check_fixture("CNL304", tmp_path)
