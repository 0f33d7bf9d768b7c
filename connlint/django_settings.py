"""The ``DATABASES`` setting of a Django settings module, read from literals
(the setting names come from the catalog's ``[django_settings]``)."""

from __future__ import annotations

import ast

from connlint.catalog import DjangoSettings
from connlint.limits import MISSING, UNKNOWN, ValueReader
from connlint.scopes import Scope
from connlint.record import Record


class DatabaseSetting(Record):
    alias: str  # "default"
    engine: object  # "django.db.backends.postgresql" | UNKNOWN | MISSING
    conn_max_age: object  # value | UNKNOWN | MISSING (default 0)
    conn_max_age_node: ast.AST | None
    pool: object  # True, a dict of pool options, False, UNKNOWN or MISSING
    pool_node: ast.AST | None
    entry_node: ast.AST


def read_databases(node, names: DjangoSettings, reader: ValueReader, scope: Scope) -> list[DatabaseSetting]:
    """The entries of ``DATABASES`` (``node``: the value the module binds it
    to) written as a literal dict under a literal alias, their values read
    with ``reader`` in ``scope``."""
    if not isinstance(node, ast.Dict):
        return []
    result = []
    for key, value in zip(node.keys, node.values):
        if not (isinstance(key, ast.Constant) and isinstance(key.value, str) and isinstance(value, ast.Dict)):
            continue
        entries = _entries(value)
        engine_node = entries.get(names.engine)
        engine = reader.read(engine_node, scope) if engine_node is not None else MISSING
        age_node = entries.get(names.conn_max_age)
        age = reader.read(age_node, scope) if age_node is not None else MISSING
        pool, pool_node = MISSING, None
        options = entries.get(names.options)
        if isinstance(options, ast.Dict):
            pool_node = _entries(options).get(names.pool)
            if pool_node is not None:
                pool = reader.read(pool_node, scope)
        elif options is not None:
            pool = UNKNOWN
        result.append(DatabaseSetting(key.value, engine, age, age_node, pool, pool_node, key))
    return result


def _entries(node: ast.Dict) -> dict:
    return {
        k.value: v
        for k, v in zip(node.keys, node.values)
        if isinstance(k, ast.Constant) and isinstance(k.value, str)
    }
