"""Records: declared like dataclasses, built without compiling code (start-up
is paid on every pre-commit run)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from connlint.record import Record, field


class Point(Record, frozen=True):
    x: int
    y: int = 0
    tags: list = field(factory=list)
    note: str = field(default="", compare=False)


class Box(Record):
    items: dict = field(factory=dict)


class Point3(Point, frozen=True):
    z: int = 0


def test_fields_are_set_positionally_or_by_keyword_with_defaults():
    point = Point(1, tags=["a"])
    assert (point.x, point.y, point.tags, point.note) == (1, 0, ["a"], "")
    assert Point3(1, 2, z=3).z == 3
    assert [name for name, _ in Point3._fields] == ["x", "y", "tags", "note", "z"]


def test_factory_defaults_are_fresh_per_record():
    first, second = Box(), Box()
    first.items["a"] = 1
    assert second.items == {}


def test_equality_and_hashing_follow_the_compared_fields():
    assert Point(1, 2) == Point(1, 2, note="other")
    assert Point(1, 2) != Point(1, 3)
    assert Point(1) != Point3(1)
    assert len({Point(1, 2, ()), Point(1, 2, (), "x")}) == 1
    with pytest.raises(TypeError):
        hash(Box())  # not frozen: mutable, so unhashable


def test_wrong_arguments_are_errors():
    with pytest.raises(TypeError, match="missing argument 'x'"):
        Point()
    with pytest.raises(TypeError, match="unexpected argument 'w'"):
        Point(1, w=2)
    with pytest.raises(TypeError, match="multiple values for 'x'"):
        Point(1, x=2)
    with pytest.raises(TypeError, match="takes 4 positional arguments"):
        Point(1, 2, [], "", 5)


def test_copy_with_and_repr():
    point = Point(1, 2, note="n")
    moved = point.copy_with(y=5)
    assert (moved.x, moved.y, moved.note, point.y) == (1, 5, "n", 2)
    assert repr(moved) == "Point(x=1, y=5, tags=[])"


def test_a_plain_check_imports_no_dataclasses_libcst_or_astroid(tmp_path):
    (tmp_path / "a.py").write_text("import sqlite3\n\ndef f():\n    sqlite3.connect('x').execute('select 1')\n")
    probe = (
        "import sys\n"
        "from connlint.cli import main\n"
        "try:\n"
        "    main(['--no-cache', 'a.py'])\n"
        "except SystemExit as exit:\n"
        "    print(exit.code, [m for m in ('dataclasses', 'libcst', 'astroid') if m in sys.modules])\n"
    )
    result = subprocess.run([sys.executable, "-c", probe], cwd=tmp_path, capture_output=True, text=True)
    assert result.stdout.splitlines()[-1] == "1 []", result.stderr
