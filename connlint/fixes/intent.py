"""Fix intents: what a rule wants done, as plain data.

An intent names an ``action`` (``manage-block``, ``with-item``,
``set-keywords``...) and its parameters: positions (1-based line, 0-based
character column, as libcst counts them), variable names, wrappers, flags.
Intents hold no syntax tree, so findings stay cheap to pickle between worker
processes; ``connlint.fixes.rewrite`` reads them on the concrete syntax tree.
"""

from __future__ import annotations

import ast

from connlint.finding import Fix
from connlint.record import Record
from connlint.source import char_column

SAFE, UNSAFE = "safe", "unsafe"


class FixIntent(Record, frozen=True):
    action: str
    params: tuple = ()  # ((key, value), ...), values are str/int/bool/None/tuples

    def get(self, key, default=None):
        for name, value in self.params:
            if name == key:
                return value
        return default


def intent(action: str, **params) -> FixIntent:
    return FixIntent(action, tuple(sorted(params.items())))


def make_fix(applicability: str, description: str, fix_intent: FixIntent) -> Fix:
    """A ``Fix`` that carries its intent; the edits are computed on demand."""
    return Fix(applicability, description, (), fix_intent)


def applicable(finding, unsafe: bool) -> bool:
    """Does ``finding`` offer a fix that can be applied: one with its intent
    (findings read from the results cache have none), safe unless ``unsafe``
    fixes are allowed too?"""
    fix = finding.fix
    return fix is not None and fix.intent is not None and (fix.applicability == SAFE or unsafe)


def start(node, lines: list[str]) -> tuple:
    """(line, column) where libcst places the start of statement ``node``
    (a decorated definition starts at ``def``/``class``, as in ``ast``)."""
    return (node.lineno, char_column(lines, node.lineno, node.col_offset))


def span(node, lines: list[str]) -> tuple:
    """(line, column, end_line, end_column) of an expression, libcst-style."""
    end_line = node.end_lineno
    return (
        node.lineno,
        char_column(lines, node.lineno, node.col_offset),
        end_line,
        char_column(lines, end_line, node.end_col_offset),
    )


# -- small ast helpers shared by the planners ----------------------------------

SUITE_FIELDS = ("body", "orelse", "finalbody")


def suites(node):
    """The statement lists directly below ``node``."""
    for field in SUITE_FIELDS:
        value = getattr(node, field, None)
        if isinstance(value, list) and value and isinstance(value[0], ast.stmt):
            yield value
    for handler in getattr(node, "handlers", ()) or ():
        yield handler.body
    for case in getattr(node, "cases", ()) or ():
        yield case.body


def suite_of(root, statement):
    """(the statement list that holds ``statement``, its index), or None."""
    stack = [root]
    while stack:
        node = stack.pop()
        for body in suites(node):
            for index, child in enumerate(body):
                if child is statement:
                    return body, index
                stack.append(child)
    return None


def walk_local(node):
    """Nodes of ``node`` without descending into nested scopes."""
    stack = [node]
    while stack:
        current = stack.pop()
        yield current
        for child in ast.iter_child_nodes(current):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
                yield child  # seen, not entered
                continue
            stack.append(child)


def names_used(root, bound_only: bool = False) -> set:
    """Every identifier ``root`` mentions (names, parameters, definitions,
    imports), or with ``bound_only`` only those it binds or deletes."""
    found = set()
    for node in ast.walk(root):
        if isinstance(node, ast.Name):
            if not bound_only or isinstance(node.ctx, (ast.Store, ast.Del)):
                found.add(node.id)
        elif isinstance(node, ast.arg):
            found.add(node.arg)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            found.add(node.name)
        elif isinstance(node, ast.alias):
            found.add((node.asname or node.name).split(".")[0])
    return found


def fresh_name(preferred: str, taken: set) -> str:
    name, counter = preferred, 2
    while name in taken:
        name, counter = f"{preferred}{counter}", counter + 1
    return name


def module_import(tree: ast.Module, module: str):
    """How the module spells ``module`` (``contextlib``, an alias), and whether
    an ``import`` must be added: (spelling, add_import)."""
    bound = set()
    for statement in tree.body:
        if isinstance(statement, ast.Import):
            for alias in statement.names:
                if alias.name == module:
                    return alias.asname or module, False
                bound.add((alias.asname or alias.name).split(".")[0])
        elif isinstance(statement, ast.ImportFrom):
            for alias in statement.names:
                bound.add(alias.asname or alias.name)
        elif isinstance(statement, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
            targets = statement.targets if isinstance(statement, ast.Assign) else [statement.target]
            for target in targets:
                for node in ast.walk(target):
                    if isinstance(node, ast.Name):
                        bound.add(node.id)
        elif isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            bound.add(statement.name)
    if module in bound:
        return None, False  # the name means something else here
    return module, True


def imported_only_inside(tree: ast.Module, module: str) -> bool:
    """Does the module import ``module`` somewhere other than its top level
    (in a function, or under ``try``/``if``: a lazy or optional import) and
    nowhere at its top level?  A new top-level import would then make it
    eager or required."""
    def names(statement):
        if isinstance(statement, ast.Import):
            return [alias.name for alias in statement.names]
        if isinstance(statement, ast.ImportFrom) and not statement.level and statement.module:
            return [statement.module]
        return []

    def mentions(statement):
        return any(name == module or name.startswith(module + ".") for name in names(statement))

    if any(mentions(statement) for statement in tree.body):
        return False
    return any(mentions(node) for node in ast.walk(tree) if isinstance(node, (ast.Import, ast.ImportFrom)))
