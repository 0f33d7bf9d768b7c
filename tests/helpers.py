"""Shared test helpers: analyse a snippet in-process with every rule."""

from __future__ import annotations

import ast
import textwrap
from functools import lru_cache

from connlint.catalog import load_catalog
from connlint.facts import build_facts
from connlint.registry import all_rules


@lru_cache(maxsize=1)
def catalog():
    return load_catalog()


#: The pool-limit rules (CNL3xx) judge a pool's configuration, apart from its
#: lifetime: snippets about lifetimes leave them out unless asked.
CONFIGURATION_RULES = "CNL3"


def findings_for(source: str, path: str = "example.py", codes: str | None = None):
    """Findings on ``source``, sorted by position: of the rules whose code
    starts with ``codes``, or of every rule but the CNL3xx ones."""
    source = textwrap.dedent(source)
    facts = build_facts(path, ast.parse(source), source.splitlines(), catalog())
    found = [
        finding
        for rule in all_rules()
        if (rule.code.startswith(codes) if codes else not rule.code.startswith(CONFIGURATION_RULES))
        for finding in rule.check(facts)
    ]
    return sorted(found, key=lambda f: (f.line, f.column, f.code))


def positions(source: str, codes: str | None = None):
    """(line, column, code) of every finding."""
    return [(f.line, f.column, f.code) for f in findings_for(source, codes=codes)]


def ring_modules(size: int) -> dict[str, str]:
    """The modules ``m0`` .. ``m<size-1>`` of the package ``app``, in one
    import cycle: each one's ``run`` opens a connection and passes it to its
    own function, which passes it on to the next module's; the last one only
    uses it.  Every ``run`` leaks (line 10, column 12)."""
    modules = {}
    for number in range(size):
        following = (number + 1) % size
        passes_on = f"    m{following}.f{following}(conn)\n" if following else "    conn.execute('select 1')\n"
        modules[f"m{number}"] = (
            f"import sqlite3\nfrom app import m{following}\n\n\ndef f{number}(conn):\n{passes_on}\n\n"
            f"def run{number}():\n    conn = sqlite3.connect('app.db')\n    f{number}(conn)\n"
        )
    return modules
