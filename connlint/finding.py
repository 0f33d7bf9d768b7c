"""A finding: one problem at one place, as every output format sees it."""

from __future__ import annotations

from connlint.record import Record, field


class Fix(Record, frozen=True):
    """The fix a finding offers.  ``applicability`` and ``description`` come
    with the finding (the rule writes them next to its intent, without
    libcst) and are kept by the results cache, so every output format can say
    what the fix does.  ``edits`` are computed with libcst, and checked, only
    when they are shown (``--show-fixes``; ``connlint.fixes.run.attach_edits``):
    a computed fix always has at least one edit, so ``()`` means "not
    computed".  ``--fix``/``--diff`` apply the intent afresh and re-check it:
    an offered fix the checks refuse is reported as a warning, never applied."""

    applicability: str  # "safe" | "unsafe"
    description: str
    edits: tuple = ()  # ({"line", "column", "end_line", "end_column", "content"}, ...); () until computed
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
