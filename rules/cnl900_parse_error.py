"""CNL900 parse-error."""

from connlint.rule import Rule


class ParseError(Rule):
    code = "CNL900"
    name = "parse-error"
    summary = "The file cannot be read or parsed, so it was not checked."
    what = """
Reported by the engine, not by a check: a file that connlint would analyse
(it imports from a catalog library a name the catalog knows, or something a
project module hands out) cannot be read, decoded or parsed. The reason
names the problem: a syntax error with its line, bytes that are not valid in
the file's encoding, NUL bytes, nesting too deep to analyse, or syntax newer
than the Python connlint runs on (3.11's `except*` on 3.10, 3.12's type
parameters and nested f-strings, 3.13's type-parameter defaults): the reason
then says which Python to run connlint with.
"""
    why = """
A file that is not analysed is not checked: its leaks go unreported. The
finding makes that visible instead of passing silently.
"""
    example = """
```python
import sqlite3
print "hello"
```
"""
    use_instead = """
Fix the syntax error, run connlint on the Python the file is written for, or
exclude the file (`extend-exclude`) if it is not Python 3.
"""

    def check(self, facts):
        return iter(())
