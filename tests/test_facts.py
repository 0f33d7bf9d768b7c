"""connlint.facts: what is computed once per file for every rule."""

from __future__ import annotations

import ast
import textwrap

from connlint import facts as facts_module
from connlint.facts import build_facts
from connlint.registry import all_rules
from tests.helpers import catalog

SETTINGS = """\
DATABASES = {
    "default": {"ENGINE": "django.db.backends.postgresql", "CONN_MAX_AGE": None},
    "pooled": {"ENGINE": "django.db.backends.postgresql", "CONN_MAX_AGE": 600, "OPTIONS": {"pool": True}},
}
"""


def facts_of(source: str, path: str = "example.py"):
    source = textwrap.dedent(source)
    return build_facts(path, ast.parse(source), source.splitlines(), catalog())


def test_django_databases_are_read_once_for_all_the_rules(monkeypatch):
    calls = []
    read = facts_module.read_databases
    monkeypatch.setattr(facts_module, "read_databases", lambda *args: calls.append(1) or read(*args))
    facts = facts_of(SETTINGS, "settings.py")
    codes = []
    for rule in all_rules():
        if rule.code in ("CNL301", "CNL305", "CNL306"):
            codes.extend(finding.code for finding in rule.check(facts))
    assert sorted(codes) == ["CNL301", "CNL305", "CNL306"]
    assert len(calls) == 1
    assert [setting.alias for setting in facts.database_settings] == ["default", "pooled"]


def test_a_module_without_databases_has_no_database_settings():
    assert facts_of("import sqlite3\nDEBUG = True\n").database_settings == []


def test_url_constructor_calls_are_found_in_every_scope_in_order():
    facts = facts_of(
        """\
        from sqlalchemy import URL
        MAIN = URL.create("postgresql", host="db", query={"pool_size": "20"})
        def replica():
            return URL.create("postgresql", host="replica")
        make = URL.create
        OTHER = make("postgresql", query={"pool_size": "5"})
        """
    )
    found = [(call.lineno, constructor.query_keyword) for call, constructor in facts.url_constructor_calls]
    assert found == [(2, "query"), (4, "query")]  # a name bound to URL.create is not followed
