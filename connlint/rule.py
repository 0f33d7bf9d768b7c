"""What a rule is: its code, name, documentation, examples and check.

A rule reads the shared ``FileFacts`` and yields findings; it never reads
files, parses, prints or knows an output format.  ``--explain``, the rule
table and the test harness all read the attributes defined here.
"""

from __future__ import annotations

from collections.abc import Iterator

from connlint.finding import Finding
from connlint.record import Record


class Invalid(Record, frozen=True):
    """An example that must produce exactly ``findings``: (line, column) pairs,
    1-based, all of this rule's code.  ``message`` is a substring the first
    finding's message must contain.  ``fixed`` is the source after this
    rule's fixes (safe and unsafe) are applied; None when it has none."""

    code: str
    findings: tuple = ((1, 1),)
    message: str | None = None
    fixed: str | None = None


class Rule:
    code: str = ""
    name: str = ""
    summary: str = ""  # one line for the rule table
    severity: str = "error"
    #: ruff-style documentation sections (Markdown)
    what: str = ""
    why: str = ""
    example: str = ""
    use_instead: str = ""
    fix_safety: str = "This rule has no automatic fix yet."
    options: str = "None: select or ignore the code (`select`, `ignore`, `per-file-ignores`, `# noqa: CODE`)."
    valid: tuple = ()
    invalid: tuple = ()
    #: set by the engine: the rule was selected by its full code, which
    #: turns on its opt-in checks
    explicitly_selected: bool = False

    def check(self, facts) -> Iterator[Finding]:  # pragma: no cover - abstract
        raise NotImplementedError

    def finding(self, facts, node, message: str, statement=None, fix=None) -> Finding:
        from connlint.source import char_column  # not at import: a run served from the cache reads no source

        line = node.lineno
        end_line = getattr(node, "end_lineno", None) or line
        # 1-based character columns, as every output format counts them
        column = char_column(facts.lines, line, node.col_offset) + 1
        end_column = char_column(facts.lines, end_line, getattr(node, "end_col_offset", None) or node.col_offset) + 1
        return Finding(
            path=facts.path,
            line=line,
            column=column,
            end_line=end_line,
            end_column=end_column,
            code=self.code,
            name=self.name,
            message=message,
            severity=self.severity,
            fix=fix,
            statement_line=statement.lineno if statement is not None else None,
        )

    def explain(self) -> str:
        """The rule's documentation as Markdown."""
        parts = [f"# {self.code} {self.name}", "", self.summary]
        for title, text in (
            ("What it does", self.what),
            ("Why is this bad?", self.why),
            ("Example", self.example),
            ("Use instead", self.use_instead),
            ("Fix safety", self.fix_safety),
            ("Options", self.options),
        ):
            if text:
                parts += ["", f"## {title}", "", text.strip("\n")]
        return "\n".join(parts) + "\n"
