"""Runs every rule's own valid and invalid examples (the rule docs' examples).

The examples are small snippets run in-process; each rule's fixture file, run
through the real CLI against its snapshots, is in ``test_cnlNNN.py`` (see
``snapshots.py``).
"""

from pathlib import Path

import pytest

from connlint.registry import all_rules
from tests.helpers import findings_for

VALID = [
    pytest.param(rule, source, id=f"{rule.code}-valid-{index}")
    for rule in all_rules()
    for index, source in enumerate(rule.valid)
]
INVALID = [
    pytest.param(rule, example, id=f"{rule.code}-invalid-{index}")
    for rule in all_rules()
    for index, example in enumerate(rule.invalid)
]


@pytest.mark.parametrize("rule, source", VALID)
def test_valid_example_is_clean(rule, source):
    assert findings_for(source, codes=rule.code) == []


@pytest.mark.parametrize("rule, example", INVALID)
def test_invalid_example_reports_exactly(rule, example):
    found = findings_for(example.code, codes=rule.code)
    assert [(f.line, f.column, f.code) for f in found] == [
        (line, column, rule.code) for line, column in example.findings
    ]
    if example.message:
        assert example.message in found[0].message


@pytest.mark.parametrize("rule, example", INVALID)
def test_invalid_example_fixed_output(rule, example):
    """The rule's fixes (safe and unsafe) turn the example into exactly
    ``example.fixed``; an example without ``fixed`` is left as it is.  The
    fixed code is fixed no further (idempotent)."""
    from connlint.fixes.apply import fix_file

    def analyse(data):
        return findings_for(data.decode("utf-8"), codes=rule.code)

    result = fix_file("example.py", example.code.encode(), analyse, unsafe=True)
    assert result.warnings == []
    assert (result.fixed.decode() if result.changed else None) == example.fixed
    if example.fixed is not None:
        again = fix_file("example.py", example.fixed.encode(), analyse, unsafe=True)
        assert not again.changed and again.warnings == []


def test_every_rule_is_documented():
    for rule in all_rules():
        assert rule.code and rule.name and rule.summary, rule
        assert rule.what and rule.why and rule.example and rule.use_instead, rule.code
        if rule.code != "CNL900":
            assert rule.valid and rule.invalid, rule.code


def test_codes_and_names_are_unique():
    codes = [rule.code for rule in all_rules()]
    names = [rule.name for rule in all_rules()]
    assert len(set(codes)) == len(codes)
    assert len(set(names)) == len(names)


def test_rule_codes_read_from_module_names_are_the_rules_own():
    """A run served from the cache knows the rules by their module names alone."""
    from connlint.registry import rule_codes

    assert rule_codes() == tuple((rule.code, rule.name) for rule in all_rules())


def test_every_rule_has_its_fixture_test():
    """A rule is tested over its own fixture file, with snapshots; no fixture
    outlives its rule."""
    from tests.rules.snapshots import FIXTURES

    here = Path(__file__).resolve().parent
    codes = sorted(rule.code.lower() for rule in all_rules())
    for code in codes:
        assert (here / f"test_{code}.py").is_file(), code
        assert (FIXTURES / f"{code}.py").is_file(), code
        assert (FIXTURES / f"{code}.expected").is_file(), code
    assert sorted(path.stem for path in FIXTURES.glob("cnl*.py")) == codes
    assert sorted(path.stem for path in here.glob("test_cnl*.py")) == [f"test_{code}" for code in codes]
    assert {path.stem for path in FIXTURES.glob("*.fixed")} <= set(codes)
