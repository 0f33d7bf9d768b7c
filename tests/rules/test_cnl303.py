"""CNL303 pool-waits-forever (checkout waits that never time out), through the real CLI.

Runs connlint over ``fixtures/cnl303.py`` and compares its output with
``fixtures/cnl303.expected`` and the fixed source with ``fixtures/cnl303.fixed``
(see ``snapshots.py``).  Regenerate them with
``CONNLINT_UPDATE_SNAPSHOTS=1 python -m pytest tests/rules/test_cnl303.py``.

The transcript has a third run: selected by a prefix rather than its full
code, CNL303 leaves out the pools whose library *default* waits forever.
"""

from tests.rules.snapshots import check_fixture

BY_PREFIX = ("--select", "CNL30", "--ignore", "CNL301,CNL302,CNL304,CNL305,CNL306", "--show-fixes")


def test_fixture_matches_its_snapshots(tmp_path):
    check_fixture("CNL303", tmp_path, extra_runs=(BY_PREFIX,))
