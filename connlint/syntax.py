"""Walking the stdlib ``ast``: the children of a node, the nodes of one
scope, parent maps, and the absolute name of a relative import.  The walks
are the hottest code of a run: each reads only the fields of a node type that
can hold nodes."""

from __future__ import annotations

import ast

FUNCTION_NODES = (ast.FunctionDef, ast.AsyncFunctionDef)
SCOPE_NODES = FUNCTION_NODES + (ast.ClassDef, ast.Lambda)
_SCOPE_TYPES = frozenset(SCOPE_NODES)
# Nodes with nothing below them that binds, calls or opens a scope.
_LEAVES = frozenset(
    [ast.Name, ast.Constant, ast.Load, ast.Store, ast.Del, ast.alias, ast.Pass, ast.Break, ast.Continue]
    + [cls for base in (ast.operator, ast.unaryop, ast.cmpop, ast.boolop) for cls in base.__subclasses__()]
)

_FIELDS: dict = {}


# Fields that never hold a node: names, flags, constants (and the expression
# context, skipped everywhere).
_NOT_NODES = frozenset({
    "ctx", "id", "attr", "arg", "asname", "module", "level", "kind", "type_comment", "is_async", "conversion",
    "simple", "tag", "lineno", "kwd_attrs", "rest",
})
_NOT_NODES_OF = {
    ast.Constant: {"value"}, ast.MatchSingleton: {"value"}, ast.Global: {"names"}, ast.Nonlocal: {"names"},
}


def _node_fields(kind) -> tuple:
    """The fields of a node type that can hold nodes (or lists of them)."""
    skipped = _NOT_NODES | _NOT_NODES_OF.get(kind, set())
    if kind.__name__ != "TypeAlias":  # its name is a Name node; everywhere else a string
        skipped = skipped | {"name"}
    fields = _FIELDS[kind] = tuple(f for f in kind._fields if f not in skipped)
    return fields


def children(node):
    """The child nodes of ``node`` (faster than ``ast.iter_child_nodes``;
    expression contexts are skipped)."""
    fields = _FIELDS.get(type(node))
    if fields is None:
        fields = _node_fields(type(node))
    result = []
    append = result.append
    for name in fields:
        value = getattr(node, name, None)
        if value.__class__ is list:
            for item in value:
                if item is not None:  # a dict's ``**spread`` key, a keyword-only argument without default
                    append(item)
        elif value is not None:
            append(value)
    return result


def walk(root):
    """Every node below ``root`` (and ``root``), in no particular order
    (``children`` inlined: walks are a large share of a run)."""
    stack = [root]
    pop, push, fields_of = stack.pop, stack.append, _FIELDS.get
    while stack:
        node = pop()
        yield node
        fields = fields_of(type(node))
        if fields is None:
            fields = _node_fields(type(node))
        for field in fields:
            value = getattr(node, field, None)
            if value.__class__ is list:
                for item in value:
                    if item is not None:
                        push(item)
            elif value is not None:
                push(value)


def outer_parts(node) -> list:
    """The parts of a function, class or lambda that are evaluated in the
    enclosing scope: decorators, default values, base classes."""
    if isinstance(node, ast.ClassDef):
        return node.decorator_list + node.bases + [k.value for k in node.keywords]
    args = node.args
    parts = list(args.defaults) + [d for d in args.kw_defaults if d is not None]
    if not isinstance(node, ast.Lambda):
        parts = node.decorator_list + parts
    return parts


def iter_scope(nodes):
    """Every node below ``nodes`` that can call, bind or open a scope, without
    entering nested functions, classes or lambdas: those are yielded, and only
    their decorators, defaults and bases (evaluated in this scope) are walked.
    Leaves (names, constants, operators) are skipped: nothing below them matters."""
    stack = [node for node in nodes if type(node) not in _LEAVES]
    pop, push, fields_of, leaves = stack.pop, stack.append, _FIELDS.get, _LEAVES
    while stack:
        node = pop()
        yield node
        kind = type(node)
        if kind in _SCOPE_TYPES:
            stack.extend(part for part in outer_parts(node) if type(part) not in leaves)
            continue
        fields = fields_of(kind)
        if fields is None:
            fields = _node_fields(kind)
        for name in fields:
            value = getattr(node, name, None)
            if type(value) is list:
                for item in value:
                    # the field table leaves only nodes, lists of them, and None
                    if item is not None and type(item) not in leaves:
                        push(item)
            elif value is not None and type(value) not in leaves:
                push(value)


def assigned_names(target) -> list[str]:
    if isinstance(target, ast.Name):
        return [target.id]
    if isinstance(target, (ast.Tuple, ast.List)):
        return [n for elt in target.elts for n in assigned_names(elt)]
    if isinstance(target, ast.Starred):
        return assigned_names(target.value)
    return []


def method_of(cls: ast.ClassDef, name: str):
    """The method ``name`` defined in ``cls``'s body (the first, if several)."""
    return next((item for item in cls.body if isinstance(item, FUNCTION_NODES) and item.name == name), None)


def absolute_module(module: str, level: int, package: str) -> str | None:
    """The absolute name of ``from <level dots><module> import ...`` in a
    module of ``package`` ("" for the package itself with ``from . import``);
    None for a relative import that climbs above the top-level package."""
    if not level:
        return module
    base = package.split(".") if package else []
    if level - 1 > len(base) or (level - 1 == len(base) and not module):
        return None
    base = base[: len(base) - (level - 1)]
    return ".".join(base + ([module] if module else []))


def parent_map(root, with_names: bool = False) -> tuple:
    """(``id(child) -> parent`` for every node below ``root``, and, if asked
    for, its ``Name`` nodes by identifier).  The hottest walk of a run:
    ``children`` inlined, and leaves never stacked (nothing is below them)."""
    parents: dict = {}
    names: dict = {}
    stack = [root]
    pop, push, fields_of, leaves = stack.pop, stack.append, _FIELDS.get, _LEAVES
    name_type = ast.Name if with_names else None
    while stack:
        node = pop()
        fields = fields_of(type(node))
        if fields is None:
            fields = _node_fields(type(node))
        for field in fields:
            value = getattr(node, field, None)
            if value is None:
                continue
            for item in value if value.__class__ is list else (value,):
                if item is None:  # a dict's ``**spread`` key, a keyword-only argument without default
                    continue
                parents[id(item)] = node
                kind = type(item)
                if kind not in leaves:
                    push(item)
                elif kind is name_type:
                    found = names.get(item.id)
                    if found is None:
                        names[item.id] = [item]
                    else:
                        found.append(item)
    return parents, names


def statement_of(node, parents):
    """The innermost statement containing ``node``."""
    current = node
    while current is not None and not isinstance(current, ast.stmt):
        current = parents.get(id(current))
    return current

