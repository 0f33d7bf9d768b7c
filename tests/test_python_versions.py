"""Which Python a file needs, as CNL900 tells it when the running Python is
older: connlint.source.parse on its own, on whichever Python runs the tests
(.ci/run runs them on 3.10 to 3.13, so each expectation depends on it)."""

from __future__ import annotations

import sys

import pytest

from connlint.source import ParseFailure, parse

RUNNING = f"{sys.version_info.major}.{sys.version_info.minor}"


def reason_for(text: str) -> str | None:
    """None when the running Python parses ``text``; else the CNL900 reason."""
    try:
        parse(text.encode(), "x.py")
    except ParseFailure as failure:
        return failure.reason
    return None


CASES = [
    # (id, source, the oldest Python that parses it)
    ("def-default", "def f[T = int](): pass\n", "3.13"),
    ("class-default", "class C[T = int]: pass\n", "3.13"),
    ("type-default", "type A[T = int] = list[T]\n", "3.13"),
    ("typevartuple-default", "class C[*Ts = *tuple[int]]: pass\n", "3.13"),
    ("paramspec-default", "class C[**P = [int, str]]: pass\n", "3.13"),
    ("string-bound-then-default", "class C[T: 'list[int]' = int]: pass\n", "3.13"),
    ("default-on-second-line", "class C[\n    T,\n    U = T,\n]: pass\n", "3.13"),
    ("generic-def", "def f[T](x: T = 1) -> T: return x\n", "3.12"),
    ("generic-class-keyword", "class C[T](metaclass=type): pass\n", "3.12"),
    ("generic-bound-comparison", "def f[T: (int, str)](x=1 == 1): pass\n", "3.12"),
    ("type-alias", "type X[T] = list[T]\n", "3.12"),
    ("except-star", "try:\n    pass\nexcept* ValueError:\n    pass\n", "3.11"),
    ("except-star-tuple", "try:\n    pass\nexcept *(KeyError, TypeError) as group:\n    pass\n", "3.11"),
    ("starred-subscript", "Shape = tuple[int, *Ts]\n", "3.11"),
    ("starred-first-subscript", "Shape = tuple[*Ts]\n", "3.11"),
    ("starred-args-annotation", "def f(*args: *Ts): pass\n", "3.11"),
]


@pytest.mark.parametrize("text, version", [(t, v) for _, t, v in CASES], ids=[i for i, _, _ in CASES])
def test_newer_syntax_names_the_python_it_needs(text, version):
    reason = reason_for(text)
    if sys.version_info >= tuple(int(part) for part in version.split(".")):
        assert reason is None
    else:
        assert reason is not None and reason.startswith("cannot parse: ")
        assert reason.endswith(
            f" (the file uses Python {version}+ syntax; connlint runs on Python {RUNNING}: "
            f"run it with Python {version} or later to check this file)"
        ), reason


@pytest.mark.parametrize("text", [
    "x = = 1\n",
    "x = {1: *a}\n",
    "print(*)\n",
    "f(a, *)\n",
    "class C[T]: x = = 1\n" if sys.version_info >= (3, 12) else "x = (1, = 2)\n",
], ids=["assign", "starred-dict-value", "bare-star-call", "bare-star-after-comma", "in-generic-class"])
def test_ordinary_syntax_errors_name_no_python(text):
    reason = reason_for(text)
    assert reason is not None and reason.startswith("cannot parse: ")
    assert "+ syntax" not in reason, reason


def test_error_column_counts_characters_on_every_python():
    with pytest.raises(ParseFailure) as caught:
        parse("nom = 'crème brûlée'; x = = 1\n".encode(), "x.py")
    assert (caught.value.line, caught.value.column) == (1, 27)
    assert caught.value.reason == "cannot parse: invalid syntax"
