"""Shared test helpers: analyse a snippet in-process with every rule."""

from __future__ import annotations

import ast
import textwrap
from functools import lru_cache

from connlint.catalog import load_catalog
from connlint.facts import build_facts
from connlint.registry import all_rules


@lru_cache(maxsize=1)
def catalog():
    return load_catalog()


def findings_for(source: str, path: str = "example.py"):
    """Every finding of every rule on ``source``, sorted by position."""
    source = textwrap.dedent(source)
    facts = build_facts(path, ast.parse(source), source.splitlines(), catalog())
    found = [finding for rule in all_rules() for finding in rule.check(facts)]
    return sorted(found, key=lambda f: (f.line, f.column, f.code))


def positions(source: str):
    """(line, column, code) of every finding."""
    return [(f.line, f.column, f.code) for f in findings_for(source)]
