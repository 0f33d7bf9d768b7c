"""Finds the rules: every ``cnlNNN_*`` module in ``connlint.rules``."""

from __future__ import annotations

import re
from functools import lru_cache

from connlint.rule import Rule

RULE_MODULE = re.compile(r"^cnl\d{3}_\w+$")


@lru_cache(maxsize=1)
def all_rules() -> tuple[Rule, ...]:
    import importlib

    import connlint.rules as package

    rules = []
    for stem in _rule_modules():
        module = importlib.import_module(f"{package.__name__}.{stem}")
        for value in vars(module).values():
            if isinstance(value, type) and issubclass(value, Rule) and value is not Rule and value.code:
                if value.__module__ == module.__name__:
                    rules.append(value())
    rules.sort(key=lambda rule: rule.code)
    return tuple(rules)


@lru_cache(maxsize=1)
def rule_codes() -> tuple[tuple[str, str], ...]:
    """(code, name) of every rule, read from the module names alone
    (``cnl101_unclosed_connection``: CNL101, unclosed-connection), so that a
    run served from the cache imports no rule (a test checks they agree)."""
    found = []
    for stem in _rule_modules():
        number, _, name = stem.partition("_")
        found.append((number.upper(), name.replace("_", "-")))
    return tuple(found)


@lru_cache(maxsize=1)
def _rule_modules() -> tuple[str, ...]:
    """The names of the rule modules, sorted: from a listing of the package,
    not pkgutil, which imports inspect and typing (6 ms of every run)."""
    import os

    import connlint.rules as package

    found = set()
    for folder in package.__path__:
        for entry in os.listdir(folder):
            stem = entry[:-3] if entry.endswith(".py") else None
            if stem and RULE_MODULE.match(stem):
                found.add(stem)
    return tuple(sorted(found))


def rule_by_code(code: str) -> Rule | None:
    """The rule with this code or name (``CNL101``, ``unclosed-connection``)."""
    for rule in all_rules():
        if rule.code == code.upper() or rule.name == code.lower():
            return rule
    return None


def code_of_name(name: str) -> str | None:
    """The code of the rule called ``name`` (``unclosed-connection``)."""
    return next((code for code, rule_name in rule_codes() if rule_name == name.lower()), None)


#: Not a rule module: reported by the engine when a file cannot be analysed.
PARSE_ERROR_CODE = "CNL900"
PARSE_ERROR_NAME = "parse-error"
