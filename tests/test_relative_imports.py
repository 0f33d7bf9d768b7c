"""One reading of relative imports, shared by the name resolver (the syntax
tree of the module analysed) and the project index (the import statements
it scans without parsing)."""

from __future__ import annotations

import ast

import pytest

from connlint.catalog import load_catalog
from connlint.names import Resolver
from connlint.prefilter import import_statements
from connlint.project import imported_modules
from connlint.syntax import absolute_module


@pytest.mark.parametrize(
    ("module", "level", "package", "expected"),
    [
        ("db", 0, "a.b.c", "db"),
        ("db", 1, "a.b.c", "a.b.c.db"),
        ("", 1, "a.b.c", "a.b.c"),
        ("db", 2, "a.b.c", "a.b.db"),
        ("db", 3, "a.b.c", "a.db"),
        ("db", 4, "a.b.c", "db"),  # the folder above the top package: an import root for test runners
        ("", 4, "a.b.c", None),  # ``from .... import x`` there names no package
        ("db", 5, "a.b.c", None),  # above the top-level package: Python refuses it
        ("db", 1, "", "db"),
        ("db", 2, "", None),
    ],
)
def test_absolute_module(module, level, package, expected):
    assert absolute_module(module, level, package) == expected


def test_the_index_and_the_resolver_read_an_import_past_the_top_package_alike():
    source = b"from .....db import engine\nfrom ..models import User\n"
    assert list(imported_modules(import_statements(source), "a.b.c")) == [("a.b.models", ["User"])]
    resolver = Resolver(ast.parse(source), load_catalog(), "a.b.c")
    assert resolver.module.imports == {"User": "a.b.models.User"}
