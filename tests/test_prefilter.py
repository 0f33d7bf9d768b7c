"""The prefilter: which files are worth parsing, from their bytes alone."""

from __future__ import annotations

import pytest

from connlint.prefilter import Prefilter, import_statements, imported_names

PREFILTER = Prefilter(["sqlite3", "sqlalchemy.orm", "redis"], ["DATABASES"])


def test_import_statements_reads_each_form():
    source = (
        b"import os, sqlite3 as db\n"
        b"from sqlalchemy.orm import Session, sessionmaker  # comment\n"
        b"from . import views\n"
        b"from ..models import (\n    User,\n)\n"
        b"    import redis\n"
        b"x = importlib.import_module('a')\n"
        b"from importlib import reload\n"
        b"important = 1\n"
    )
    assert import_statements(source) == [
        (None, b" os, sqlite3 as db"),
        (b"sqlalchemy.orm", b" Session, sessionmaker  "),
        (b".", b" views"),
        (b"..models", b" ("),
        (None, b" redis"),
        (b"importlib", b" reload"),
    ]


def test_imported_names_drops_aliases_parentheses_and_stars():
    assert imported_names(b" a.b as c, d") == ["a.b", "d"]
    assert imported_names(b" (x, y as z)") == ["x", "y"]
    assert imported_names(b" *") == []


@pytest.mark.parametrize(
    "source",
    [
        b"import sqlite3\n",
        b"import os, sqlite3\n",
        b"import sqlite3 as db\n",
        b"import os; import sqlite3\n",
        b"from sqlalchemy \\\n    import create_engine\n",
        b"from \\\r\n  redis \\\r\n  import Redis\r\n",
        b"x = 1;from redis import Redis\n",
        b"from sqlalchemy import create_engine\n",
        b"from sqlalchemy.orm import Session\n",
        b"import sqlalchemy.orm\n",
        b"def f():\n    import redis\n",
        b"\xef\xbb\xbfimport sqlite3\n",  # after a BOM
        b"x = 1\rimport sqlite3\rconn = sqlite3.connect(':memory:')\r",  # old Mac line ends
        b"x = 1\r\nfrom\tredis import Redis\r\n",
        b"DATABASES = {}\n",
        b"DATABASES: dict = {}\n",
        b'"""\nimport redis\n"""\n',  # looks like an import: parsed, to be safe
    ],
)
def test_files_worth_parsing(source):
    assert PREFILTER.matches(source)


@pytest.mark.parametrize(
    "source",
    [
        b"",
        b"import os\n",
        b"from . import sqlite3\n",  # the project's own module of that name
        b"from .sqlite3 import connect\n",
        b"import sqlite3_utils\n",
        b"from sqlalchemy_utils import database_exists\n",
        b"import foo.sqlite3\n",
        b"x = 'import sqlite3'\n",
        b"importsqlite3 = 1\n",
        b"    DATABASES = {}\n",  # not at module level
        b"MY_DATABASES = {}\n",
        b"print(DATABASES)\n",
    ],
)
def test_files_not_worth_parsing(source):
    assert not PREFILTER.matches(source)


def test_everything_mode_parses_every_file():
    assert Prefilter(["sqlite3"], everything=True).matches(b"import os\n")


KNOWING = Prefilter(
    ["sqlite3", "sqlalchemy", "redis"], ["DATABASES"],
    known=["sqlite3.connect", "sqlalchemy.create_engine", "sqlalchemy.orm.Session", "redis.Redis", "os.path.join"],
)


@pytest.mark.parametrize(
    "source",
    [
        b"from sqlalchemy import create_engine\n",
        b"from sqlalchemy import Column, create_engine as make\n",
        b"from sqlalchemy import orm\n",  # orm.Session may follow
        b"from sqlalchemy.orm import Session\n",
        b"from sqlalchemy import *\n",
        b"import sqlalchemy.exc\n",  # binds ``sqlalchemy``: any attribute may follow
        b"import redis as r\n",
        b"from sqlalchemy import (\n    Column,  # a column\n    create_engine,\n)\n",
        b"from sqlalchemy import (Column,\n    Integer, create_engine)\n",
        b"try:\n    from sqlalchemy import (\n        Column,\n    )\nexcept ImportError:\n    pass\n"
        b"from sqlalchemy import (\n    String,\n    create_engine,\n)\n",
        b"DATABASES = {}\n",
    ],
)
def test_files_naming_what_the_catalog_knows(source):
    assert KNOWING.names_catalog(source)
    assert KNOWING.matches(source)


@pytest.mark.parametrize(
    "source",
    [
        b"import os\n",
        b"from sqlalchemy import Column, Integer\n",
        b"from sqlalchemy.exc import IntegrityError\n",
        b"from sqlalchemy import (\n    Column,\n    Integer,  # create_engine\n)\n",
        b"from redis.exceptions import ConnectionError\n",
        b"from os.path import join\n",  # known, but not a catalog module
    ],
)
def test_files_naming_nothing_the_catalog_knows(source):
    assert not KNOWING.names_catalog(source)


def test_import_statements_reads_a_list_whole_when_asked():
    source = b"from a import (  # the list\n    b,\n    c as d,  # why\n)\nx = (1)\n"
    assert import_statements(source) == [(b"a", b" (  ")]
    assert import_statements(source, whole=True) == [(b"a", b" (  \n    b,\n    c as d,  \n)")]
    assert imported_names(import_statements(source, whole=True)[0][1]) == ["b", "c"]


def test_the_catalog_knows_the_names_its_files_spell():
    from connlint.catalog import load_catalog

    known = load_catalog().known_names
    assert {"sqlalchemy.create_engine", "sqlalchemy.orm.Session", "requests.get", "sqlite3.connect"} <= known
    assert "sqlalchemy.Column" not in known
