"""A finding: one problem at one place, as every output format sees it."""

from __future__ import annotations

from connlint.record import Record, field


class Fix(Record, frozen=True):
    applicability: str  # "safe" | "unsafe"
    description: str
    edits: tuple = ()  # ({"line", "column", "end_line", "end_column", "content"}, ...)
    #: what the rule wants done (connlint.fixes.intent.FixIntent): plain data,
    #: turned into edits on demand; not stored in the results cache
    intent: object = field(default=None, compare=False)


class Finding(Record, frozen=True):
    path: str
    line: int  # 1-based
    column: int  # 1-based, in characters
    end_line: int
    end_column: int
    code: str
    name: str
    message: str
    severity: str = "error"
    fix: Fix | None = None
    statement_line: int | None = None  # first line of the enclosing statement, for noqa

    def sort_key(self):
        return (self.path, self.line, self.column, self.code)
