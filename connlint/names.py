"""Name resolution on the stdlib ``ast``: which names and expressions mean which
catalog calls and types.

Resolution is deliberately small: imports and aliases, assignments in the same
function and at module level, ``self.x`` attributes assigned in the class,
parameter annotations and ``with ... as`` targets.  Anything it cannot see
resolves to ``None``, and the rules stay silent about it.
"""

from __future__ import annotations

import ast

from connlint.catalog import SELF, Catalog, ResourceType

FUNCTION_NODES = (ast.FunctionDef, ast.AsyncFunctionDef)
SCOPE_NODES = FUNCTION_NODES + (ast.ClassDef, ast.Lambda)
_SCOPE_TYPES = frozenset(SCOPE_NODES)
# Nodes with nothing below them that binds, calls or opens a scope.
_LEAVES = frozenset(
    [ast.Name, ast.Constant, ast.Load, ast.Store, ast.Del, ast.alias, ast.Pass, ast.Break, ast.Continue]
    + [cls for base in (ast.operator, ast.unaryop, ast.cmpop, ast.boolop) for cls in base.__subclasses__()]
)


class Value:
    """What an expression stands for: a qualified module-level name (``qual``),
    an instance of a catalog type (``rtype``), or an instance of one of the
    project's classes (``instance``: the class node when it is defined in
    this module, else its qualified name).  Immutable by convention."""

    __slots__ = ("qual", "rtype", "origin", "instance", "shared", "factory")

    def __init__(self, qual: str | None = None, rtype: ResourceType | None = None, origin: str | None = None,
                 instance=None, shared: bool = False, factory: bool = False):
        self.qual = qual
        self.rtype = rtype
        self.origin = origin  # where a project module defines it: "app/db.py:12"
        self.instance = instance
        # a call's result that the callee keeps and shares (a cached getter's
        # engine): typed, but not the caller's to release
        self.shared = shared
        # a pool a function of this module makes on every call: where that
        # function runs per request, the pool is reported inside it
        self.factory = factory

    def _key(self) -> tuple:
        instance = id(self.instance) if isinstance(self.instance, ast.AST) else self.instance
        return (self.qual, self.rtype, self.origin, instance, self.shared, self.factory)

    def __eq__(self, other) -> bool:
        return type(other) is Value and self._key() == other._key()

    def __hash__(self) -> int:
        return hash(self._key())

    def __repr__(self) -> str:
        return f"Value(qual={self.qual!r}, rtype={self.rtype!r}, origin={self.origin!r}, instance={self.instance!r})"


_FIELDS: dict = {}
# Nodes that never bind a name, open a scope or make a call.
_PLAIN = frozenset({
    ast.Name, ast.Constant, ast.Attribute, ast.Load, ast.Store, ast.Expr, ast.BinOp, ast.Compare,
    ast.Subscript, ast.keyword, ast.arguments, ast.arg, ast.Tuple, ast.List, ast.Dict, ast.JoinedStr,
    ast.FormattedValue, ast.Return, ast.If, ast.BoolOp, ast.UnaryOp, ast.Pass, ast.alias, ast.Await,
})


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
                    if type(item) not in leaves and isinstance(item, ast.AST):
                        push(item)
            elif value is not None and type(value) not in leaves and isinstance(value, ast.AST):
                push(value)


def assigned_names(target) -> list[str]:
    if isinstance(target, ast.Name):
        return [target.id]
    if isinstance(target, (ast.Tuple, ast.List)):
        return [n for elt in target.elts for n in assigned_names(elt)]
    if isinstance(target, ast.Starred):
        return assigned_names(target.value)
    return []


class Scope:
    """The names bound in one function (or the module)."""

    __slots__ = (
        "node", "parent", "imports", "alternatives", "bindings", "annotations", "declared_global", "cls", "self_name",
        "calls",
    )

    def __init__(self, node: ast.AST, parent: Scope | None):
        self.node = node
        self.parent = parent
        self.imports: dict[str, str] = {}
        # name -> every catalog library's name imported as it (``try: from
        # psycopg_pool import ConnectionPool / except ImportError: from
        # psycopg2.pool import ThreadedConnectionPool as ConnectionPool``)
        self.alternatives: dict[str, set[str]] = {}
        # name -> expressions assigned to it (None for bindings we cannot type)
        self.bindings: dict[str, list] = {}
        self.annotations: dict[str, ast.expr] = {}
        self.declared_global: set[str] = set()
        self.cls: ast.ClassDef | None = None
        self.self_name: str | None = None
        self.calls: list = []  # every call made directly in this scope


class Resolver:
    """Resolves expressions of one module to catalog calls and types."""

    def __init__(self, tree: ast.Module, catalog: Catalog, package: str = "", project=None):
        self.catalog = catalog
        self.package = package
        self.project = project  # connlint.project.ProjectIndex, for names other modules define
        self.module = Scope(tree, None)
        self.scopes: dict[int, Scope] = {}
        self.functions: dict[str, ast.AST] = {}
        self.classes: dict[str, ast.ClassDef] = {}
        self.class_attrs: dict[int, dict[str, list]] = {}
        self._memo: dict[tuple, Value | None] = {}
        self._bound_names: set | None = None
        self._parent_maps: dict = {}  # id(module-level definition, or the module) -> its parent map
        self._name_index: dict = {}  # the same -> its Name nodes by identifier
        self._qualified: dict[str, Value] = {}  # qualified name -> what it stands for
        self.parameter_effects: dict = {}  # (id(function), parameter, type, ...) -> its effect (``lifetime``)
        self._busy: set[tuple] = set()
        self._self_names: set | None = None
        self._collect(self.module, tree.body)
        for node in tree.body:
            if isinstance(node, FUNCTION_NODES):
                self.functions[node.name] = node
            elif isinstance(node, ast.ClassDef):
                self.classes[node.name] = node

    # -- collection -----------------------------------------------------

    def parents_of(self, root) -> dict:
        """``id(child) -> parent`` for every node of the module-level
        definition holding ``root`` (of the whole module, if that is the root
        or its map exists already; of a lambda, the lambda's): one walk per
        definition, however many of its functions ask.  Lookups climb from a node inside ``root`` and stop
        at a statement or a scope, so the parents above ``root`` are never
        reached."""
        if isinstance(root, ast.Lambda):  # no statement inside: its own map, where a climb ends at the lambda
            found = self._parent_maps.get(id(root))
            if found is None:
                found = self._parent_maps[id(root)] = parent_map(root)[0]
            return found
        return self._parent_maps[self._mapped(root)]

    def _mapped(self, root) -> int:
        """The key of the parent map (and name index) that covers ``root``,
        made if needed: the whole module's, if made, else that of the
        module-level definition holding ``root``."""
        whole = id(self.module.node)
        if whole in self._parent_maps:
            return whole
        scope = self.scopes.get(id(root))
        while scope is not None and scope.parent is not self.module:
            scope = scope.parent
        top = scope.node if scope is not None else self.module.node
        if id(top) not in self._parent_maps:
            self._parent_maps[id(top)], self._name_index[id(top)] = parent_map(top, with_names=True)
        return id(top)

    def name_uses(self, function, name: str) -> list:
        """The ``Name`` nodes of ``name`` inside ``function`` (a ``def``
        statement; its decorators, defaults and annotations included, as
        ``walk`` gives them), from the walk that made the parent map: a
        function is not walked again for each question about its parameters."""
        if not isinstance(function, FUNCTION_NODES):
            return [node for node in walk(function) if type(node) is ast.Name and node.id == name]
        nodes = self._name_index[self._mapped(function)].get(name, ())
        # a def statement, with its decorators, holds whole lines: no other statement shares them
        first = min([function.lineno, *(decorator.lineno for decorator in function.decorator_list)])
        last = function.end_lineno
        return [node for node in nodes if first <= node.lineno <= last]

    def worth_resolving(self, call: ast.Call) -> bool:
        """Cheap test before resolving a call: does its last name mean anything?"""
        func = call.func
        name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else None
        if name is None:
            return True
        if self._bound_names is None:
            bound = set(self.module.imports) | set(self.module.bindings)
            for scope in self.scopes.values():
                bound.update(scope.imports)
                bound.update(scope.bindings)
            self._bound_names = bound
        if name in self.catalog.call_terminals or name in self._bound_names:
            return True
        # ``db.make_engine()`` on an imported project module, ``db.session()``
        # on an instance another module defines
        if self.project is not None and isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name):
            qual = self.module.imports.get(func.value.id)
            if qual is not None and self.project.is_project_name(qual):
                return True
            # ``self.open_engine()`` in a subclass: the method may be inherited
            return func.value.id in self._subclass_self_names()
        return False

    def _subclass_self_names(self) -> set:
        if self._self_names is None:
            self._self_names = {
                scope.self_name for scope in self.scopes.values()
                if scope.self_name and scope.cls is not None and scope.cls.bases
            }
        return self._self_names

    def scope_of(self, node: ast.AST) -> Scope:
        return self.scopes.get(id(node), self.module)

    def _collect(self, scope: Scope, body: list) -> None:
        """Record imports and bindings of ``scope``; create nested scopes."""
        self_attrs = self.class_attrs.setdefault(id(scope.cls), {}) if scope.self_name else None
        for node in iter_scope(body):
            kind = type(node)
            if kind in _PLAIN:
                continue
            if kind is ast.Call:
                scope.calls.append(node)
            elif kind is ast.Import or kind is ast.ImportFrom:
                self._add_import(scope, node)
            elif kind is ast.Assign:
                for target in node.targets:
                    self._bind_target(scope, target, node.value)
                    if (
                        self_attrs is not None
                        and type(target) is ast.Attribute
                        and type(target.value) is ast.Name
                        and target.value.id == scope.self_name
                    ):
                        self_attrs.setdefault(target.attr, []).append((scope, node.value))
            elif isinstance(node, (ast.AnnAssign, ast.AugAssign)):
                if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
                    scope.annotations[node.target.id] = node.annotation
                self._bind_target(scope, node.target, node.value if isinstance(node, ast.AnnAssign) else None)
            elif isinstance(node, ast.NamedExpr):
                self._bind_target(scope, node.target, node.value)
            elif isinstance(node, (ast.With, ast.AsyncWith)):
                for item in node.items:
                    if item.optional_vars is not None:
                        self._bind_target(scope, item.optional_vars, ("with", item.context_expr))
            elif isinstance(node, (ast.For, ast.AsyncFor)):
                self._bind_target(scope, node.target, None)
            elif isinstance(node, ast.ExceptHandler) and node.name:
                scope.bindings.setdefault(node.name, []).append(None)
            elif isinstance(node, ast.comprehension):
                pass  # comprehension variables live in their own scope
            elif isinstance(node, (ast.Global, ast.Nonlocal)):
                scope.declared_global.update(node.names)
            elif isinstance(node, FUNCTION_NODES + (ast.ClassDef,)):
                if scope.node is not node:
                    scope.bindings.setdefault(node.name, []).append(None)
                    self._new_scope(node, scope)
            elif isinstance(node, ast.Lambda):
                self._new_scope(node, scope)

    def _new_scope(self, node, parent: Scope) -> None:
        child = Scope(node, parent)
        self.scopes[id(node)] = child
        if isinstance(node, ast.ClassDef):
            child.cls = node
            self.class_attrs.setdefault(id(node), {})
            self._collect(child, node.body)
            return
        args = node.args
        params = args.posonlyargs + args.args + args.kwonlyargs
        params += [a for a in (args.vararg, args.kwarg) if a]
        for arg in params:
            child.bindings.setdefault(arg.arg, []).append(None)
            if arg.annotation is not None:
                child.annotations[arg.arg] = arg.annotation
        if isinstance(parent.node, ast.ClassDef) and isinstance(node, FUNCTION_NODES):
            decorators = {d.id for d in node.decorator_list if isinstance(d, ast.Name)}
            positional = args.posonlyargs + args.args
            if positional and "staticmethod" not in decorators and "classmethod" not in decorators:
                child.cls = parent.node
                child.self_name = positional[0].arg
        elif parent.cls is not None and parent.self_name:
            # closures inside methods still see ``self``
            child.cls, child.self_name = parent.cls, None
        body = node.body if isinstance(node, FUNCTION_NODES) else [node.body]
        self._collect(child, body)
        for name in child.declared_global:
            # ``global x; x = create_engine()`` types the module name x (the
            # function is named by its node: a scope here would make a
            # reference cycle that keeps the whole tree alive until the next GC)
            for value in child.bindings.get(name, ()):
                self.module.bindings.setdefault(name, []).append(("in", node, value))

    def _add_import(self, scope: Scope, node) -> None:
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.asname:
                    self._set_import(scope, alias.asname, alias.name)
                else:
                    top = alias.name.split(".", 1)[0]
                    self._set_import(scope, top, top)
            return
        module = absolute_module(node.module or "", node.level, self.package)
        if module is None:
            return  # above the top-level package: Python refuses it
        for alias in node.names:
            if alias.name == "*":
                continue
            qual = f"{module}.{alias.name}" if module else alias.name
            self._set_import(scope, alias.asname or alias.name, qual)

    def _set_import(self, scope: Scope, name: str, qual: str) -> None:
        """One name imported two ways (``try: import pysqlite3 as sqlite3 /
        except ImportError: import sqlite3``) may mean either: only what holds
        for every alternative is reported.  Of two catalog libraries both are
        kept (``alternatives``); where one is not in the catalog nothing is
        known for it, so the name means that one, whichever came first."""
        previous = scope.imports.get(name)
        if previous is not None and previous != qual:
            known_before = previous.split(".", 1)[0] in self.catalog.modules
            known_now = qual.split(".", 1)[0] in self.catalog.modules
            if not known_before and known_now:
                return
            if known_before and known_now:
                scope.alternatives.setdefault(name, {previous}).add(qual)
        scope.imports[name] = qual

    def _bind_target(self, scope: Scope, target, value) -> None:
        if isinstance(target, ast.Name):
            scope.bindings.setdefault(target.id, []).append(value)
        else:
            for name in assigned_names(target):
                scope.bindings.setdefault(name, []).append(None)

    # -- resolution -----------------------------------------------------

    def resolve(self, node, scope: Scope) -> Value | None:
        """What ``node`` (an expression in ``scope``) stands for, or None."""
        key = (id(node), id(scope))
        if key in self._memo:
            return self._memo[key]
        if key in self._busy:
            return None
        self._busy.add(key)
        try:
            result = self._resolve(node, scope)
        finally:
            self._busy.discard(key)
        self._memo[key] = result
        return result

    def _resolve(self, node, scope: Scope) -> Value | None:
        if isinstance(node, ast.Name):
            return self.resolve_name(node.id, scope)
        if isinstance(node, ast.Attribute):
            if isinstance(node.value, ast.Name) and scope.cls is not None:
                owner = self._self_scope(node.value.id, scope)
                if owner is not None:
                    return self.class_attr(scope.cls, node.attr)
            base = self.resolve(node.value, scope)
            if base is None:
                return None
            if base.instance is not None:
                return self._instance_attr(base.instance, node.attr)
            if base.qual is not None:
                return self.qualified(f"{base.qual}.{node.attr}")
            return None
        if isinstance(node, ast.Call):
            return self.call_result(node, scope)
        if isinstance(node, ast.Await):
            return self.resolve(node.value, scope)
        return None

    def qualified(self, qual: str) -> Value:
        """A qualified name; a module-level name another project module binds
        to a catalog type (or to an instance of one of its classes) resolves
        to that type."""
        found = self._qualified.get(qual)
        if found is None:  # a module calls what it imports again and again
            found = self._qualified[qual] = self._qualify(qual)
        return found

    def _qualify(self, qual: str) -> Value:
        if self.project is not None:
            entry, _ = self.project.entry(qual, "bindings")
            if entry is not None:
                if entry.instance is not None:
                    return Value(qual=qual, origin=entry.origin, instance=entry.instance)
                rtype = self.catalog.types.get(entry.type)
                if rtype is not None:
                    return Value(qual=qual, rtype=rtype, origin=entry.origin)
            library = self.project.library_reexport(qual)
            if library is not None:
                return Value(qual=library)  # from .compat import sqlite3
        return Value(qual=qual)

    def _instance_attr(self, instance, attr: str) -> Value | None:
        """``db.engine`` on an instance of a project class: what ``self.engine``
        holds, as the class assigns it."""
        if isinstance(instance, ast.ClassDef):
            return self.class_attr(instance, attr)
        entry = self._project_class(instance)
        found = entry.attrs.get(attr) if entry is not None else None
        rtype = self.catalog.types.get(found.type) if found is not None else None
        return Value(rtype=rtype, origin=found.origin) if rtype is not None else None

    def _project_class(self, qual: str) -> dict | None:
        if self.project is None:
            return None
        entry, _ = self.project.entry(qual, "classes")
        return entry

    def _self_scope(self, name: str, scope: Scope) -> Scope | None:
        """The method scope whose ``self`` parameter ``name`` is, if any."""
        current = scope
        while current is not None:
            if current.self_name == name:
                return current
            if name in current.bindings and current.self_name != name:
                return None
            current = current.parent
        return None

    def class_attr(self, cls: ast.ClassDef, attr: str) -> Value | None:
        entries = self.class_attrs.get(id(cls), {}).get(attr)
        if entries:
            return self._unique_type(entries)
        class_scope = self.scopes.get(id(cls))
        if class_scope is not None and attr in class_scope.bindings:
            return self.binding_value(attr, class_scope)
        return None

    def resolve_name(self, name: str, scope: Scope) -> Value | None:
        current = self._defining_scope(name, scope)
        if current is None:
            return None
        if name in current.imports:
            return self.qualified(current.imports[name])
        return self.binding_value(name, current)

    def _defining_scope(self, name: str, scope: Scope) -> Scope | None:
        """The scope whose binding of ``name`` (an import, an assignment, an
        annotation) a use of it in ``scope`` sees, or None."""
        current = scope
        while current is not None:
            if name in current.imports or name in current.bindings or name in current.annotations:
                return current
            if name in current.declared_global and current is not self.module:
                current = self.module
                continue
            current = current.parent
            while current is not None and isinstance(current.node, ast.ClassDef):
                current = current.parent  # class bodies are not enclosing scopes
        return None

    def binding_value(self, name: str, scope: Scope) -> Value | None:
        annotation = scope.annotations.get(name)
        if annotation is not None:
            typed = self.annotation_type(annotation, scope)
            if typed is not None:
                return Value(rtype=typed)
        entries = scope.bindings.get(name, [])
        if isinstance(scope.node, ast.Module) and len(entries) == 1 and isinstance(entries[0], ast.expr):
            value = entries[0]
            if isinstance(value, (ast.Name, ast.Attribute)):
                # a module-level alias of an imported name: ``ce = create_engine``
                return self.resolve(value, scope)
        pairs = [(self.scopes[id(e[1])], e[2]) if isinstance(e, tuple) and e[0] == "in" else (scope, e) for e in entries]
        return self._unique_type(pairs)

    def _unique_type(self, entries) -> Value | None:
        """The catalog type all of these ``(scope, value)`` bindings agree on, or None.

        ``None`` literals are ignored (``engine = None`` before the real
        assignment); any binding we cannot type makes the name unknown.
        """
        found = None
        for scope, value in entries:
            if isinstance(value, ast.Constant) and value.value is None:
                continue
            if value is None:
                return None
            if isinstance(value, tuple):  # ("with", context expression)
                resolved = self.with_target(value[1], scope)
            else:
                resolved = self.resolve(value, scope)
            if resolved is None or (resolved.rtype is None and resolved.instance is None):
                return None
            if found is not None and _kind_of(found) != _kind_of(resolved):
                return None
            found = resolved
        return found

    def with_target(self, expr, scope: Scope) -> Value | None:
        """What ``with expr as name`` binds to ``name``."""
        inner = self.unwrap_closing(expr, scope)
        if inner is None:
            lent = self._context_manager_yield(expr, scope)
            if lent is not None:
                return lent
        return self.resolve(inner if inner is not None else expr, scope)

    def _context_manager_yield(self, expr, scope: Scope) -> Value | None:
        """``with self.get_engine() as engine``, where ``get_engine`` is a
        ``@contextmanager`` of this module that yields a resource: the body
        borrows it (the generator still owns it)."""
        if isinstance(expr, ast.Await):
            expr = expr.value
        if not isinstance(expr, ast.Call):
            return None
        func = expr.func
        function = None
        if isinstance(func, ast.Name):
            function = self._module_definition(func.id, scope)
        elif isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) and scope.cls is not None:
            if self._self_scope(func.value.id, scope):
                function = method_of(scope.cls, func.attr)
        if not isinstance(function, FUNCTION_NODES) or not any(
            (self.resolve(d, self.module) or Value()).qual in CONTEXT_MANAGER_DECORATORS for d in function.decorator_list
        ):
            return None
        inner = self.scopes.get(id(function))
        for node in iter_scope(function.body):
            if isinstance(node, ast.Yield) and node.value is not None and inner is not None:
                value = self.resolve(node.value, inner)
                if value is not None and value.rtype is not None and value.rtype.is_resource:
                    return Value(rtype=value.rtype, origin=value.origin, shared=True)
        return None

    def unwrap_closing(self, expr, scope: Scope):
        """``contextlib.closing(x)`` -> ``x``; anything else -> None."""
        if isinstance(expr, ast.Call) and len(expr.args) == 1:
            func = self.resolve(expr.func, scope)
            if func is not None and func.qual in self.catalog.closing_wrappers:
                return expr.args[0]
        return None

    def annotation_type(self, annotation, scope: Scope) -> ResourceType | None:
        if isinstance(annotation, ast.Constant) and isinstance(annotation.value, str):
            try:
                annotation = ast.parse(annotation.value, mode="eval").body
            except SyntaxError:
                return None
        if isinstance(annotation, ast.BinOp) and isinstance(annotation.op, ast.BitOr):
            left = self.annotation_type(annotation.left, scope)
            right = self.annotation_type(annotation.right, scope)
            return left or right
        if isinstance(annotation, ast.Subscript):
            outer = self.resolve(annotation.value, scope)
            if outer is not None and outer.qual in ("typing.Optional", "typing_extensions.Optional"):
                return self.annotation_type(annotation.slice, scope)
            return None
        value = self.resolve(annotation, scope)
        if value is not None and value.qual is not None:
            return self.catalog.types.get(value.qual)
        return None

    def call_result(self, call: ast.Call, scope: Scope) -> Value | None:
        """The catalog type a call returns (or the project class it makes an
        instance of), or None."""
        func = call.func
        if isinstance(func, ast.Attribute):
            if isinstance(func.value, ast.Name) and scope.cls is not None and self._self_scope(func.value.id, scope):
                method = method_of(scope.cls, func.attr)  # self.connect()
                if method is not None:
                    return _from_this_module(self.function_returns(method))
                inherited = self._inherited_result(scope.cls, func.attr)
                if inherited is not None:
                    return inherited
            receiver = self.resolve(func.value, scope)
            if receiver is not None and receiver.rtype is not None:
                result = receiver.rtype.methods.get(func.attr)
                if result == SELF:
                    return receiver
                rtype = self.catalog.type_named(result)
                return Value(rtype=rtype) if rtype else None
            if receiver is not None and receiver.instance is not None:
                return self._method_result(receiver.instance, func.attr)
        elif isinstance(func, ast.Name):
            local = self._module_definition(func.id, scope)
            if isinstance(local, ast.ClassDef):
                rtype = self.catalog_base_type(local)
                return Value(rtype=rtype) if rtype is not None else Value(instance=local)
            if local is not None:
                return _from_this_module(self.function_returns(local))
        callee = self.resolve(func, scope)
        if callee is None:
            return None
        if callee.rtype is not None:
            if callee.rtype.call:
                return Value(rtype=self.catalog.type_named(callee.rtype.call), origin=callee.origin)
            return None
        if callee.qual is not None:
            rtype = self.catalog.opener_type(callee.qual)
            if rtype is not None:
                return Value(rtype=rtype)
            if self.project is not None:
                entry, _ = self.project.entry(callee.qual, "functions")
                returns = entry.returns if entry is not None else None
                rtype = self.catalog.types.get(returns.type) if returns is not None else None
                if rtype is not None:
                    return Value(rtype=rtype, origin=returns.origin)
                gives = entry.gives if entry is not None else None  # a shared one: get_engine()
                rtype = self.catalog.types.get(gives.type) if gives is not None else None
                if rtype is not None:
                    return Value(rtype=rtype, origin=gives.origin, shared=True)
                entry = self._project_class(callee.qual)
                if entry is not None:
                    based = entry.catalog_type
                    rtype = self.catalog.types.get(based.type) if based is not None else None
                    if rtype is not None:  # class Session(requests.Session), class AppRouter(APIRouter)
                        return Value(rtype=rtype, origin=based.origin if rtype.is_resource else None)
                    return Value(instance=callee.qual)  # Database(url), defined in another module
        return None

    def catalog_base_type(self, cls: ast.ClassDef, depth: int = 0):
        """The catalog type a module-level class of this module subclasses
        (``class Session(requests.Session)``, ``class AppRouter(APIRouter)``),
        directly or through other project classes: its instances are of that
        type (a resource, or a framework's app or router)."""
        if depth > 8 or self.classes.get(cls.name) is not cls:
            return None
        for local, qual in self._base_classes(cls):
            if local is not None:
                found = self.catalog_base_type(local, depth + 1)
            else:
                found = self.catalog.opener_type(qual) if qual else None
                if found is None and qual and self.project is not None:
                    entry = self._project_class(qual)
                    based = entry.catalog_type if entry is not None else None
                    found = self.catalog.types.get(based.type) if based is not None else None
            if found is not None:
                return found
        return None

    def _base_classes(self, cls: ast.ClassDef):
        """Each base of a class: (the ClassDef, None) for one of this module,
        else (None, its qualified name or None)."""
        for base in cls.bases:
            if isinstance(base, ast.Name) and isinstance(self._module_definition(base.id, self.module), ast.ClassDef):
                yield self.classes[base.id], None
            else:
                value = self.resolve(base, self.module)
                yield None, value.qual if value is not None else None

    def _inherited_result(self, cls: ast.ClassDef, name: str, depth: int = 0) -> Value | None:
        """``self.open_engine()`` where a base class defines ``open_engine``:
        a class of this module, or of another (from its summary)."""
        if depth > 8:
            return None
        for local, qual in self._base_classes(cls):
            if local is not None:
                method = method_of(local, name)
                if method is not None:
                    return _from_this_module(self.function_returns(method))
                found = self._inherited_result(local, name, depth + 1)
            else:
                found = self._method_result(qual, name) if qual else None
            if found is not None:
                return found
        return None

    def _method_result(self, instance, name: str) -> Value | None:
        """``db.session()`` on an instance of a project class."""
        if isinstance(instance, ast.ClassDef):
            method = method_of(instance, name)
            return _from_this_module(self.function_returns(method)) if method is not None else None
        entry = self._project_class(instance)
        method = entry.methods.get(name) if entry is not None else None
        if method is None:
            return None
        for found, shared in ((method.returns, False), (method.gives, True)):
            rtype = self.catalog.types.get(found.type) if found is not None else None
            if rtype is not None:
                return Value(rtype=rtype, origin=found.origin, shared=shared)
        return None

    def _module_definition(self, name: str, scope: Scope):
        """The module-level function or class ``name`` means in ``scope``,
        when it is bound only by its definition."""
        current = scope
        while current is not None and current is not self.module:
            if name in current.bindings or name in current.imports or name in current.annotations:
                return None
            current = current.parent
        if name in self.module.imports or self.module.bindings.get(name) != [None]:
            return None
        return self.functions.get(name) or self.classes.get(name)

    def function_returns(self, function) -> Value | None:
        """The resource a function of this module hands out: made on every
        call (``def get_conn(): return psycopg2.connect(dsn)``), or one it
        shares (a global, an attribute, a cached getter: ``shared``, not the
        caller's to close); None when it cannot tell, or when a ``with``
        already closed what it returns."""
        key = ("returns", id(function))
        if key in self._memo:
            return self._memo[key]
        self._memo[key] = None  # while busy: recursion knows nothing
        result = self._memo[key] = self._function_returns(function)
        return result

    def _function_returns(self, function) -> Value | None:
        if not isinstance(function, FUNCTION_NODES):
            return None
        cached = False
        for decorator in function.decorator_list:
            if isinstance(decorator, ast.Name) and decorator.id in TRANSPARENT_DECORATORS:
                continue
            if not self._caches(decorator, function):
                return None  # a decorator that may wrap what the function returns
            cached = True
        scope = self.scopes.get(id(function))
        if scope is None:
            return None
        found = None
        for node in _returns(function.body):
            value = node.value
            if value is None or isinstance(value, ast.Constant) and value.value is None:
                continue
            returned = self._fresh(value, scope) or self._kept(value, scope)
            if returned is None or (found is not None and _kind_of(found) != _kind_of(returned)):
                return None
            if found is not None and found.shared != returned.shared:
                return None  # fresh on one path, shared on another: the caller cannot tell
            found = returned
        if found is not None and any(isinstance(n, (ast.Yield, ast.YieldFrom)) for n in iter_scope(function.body)):
            return None  # a generator: the caller gets the generator
        if found is not None and cached and not found.shared:
            found = Value(rtype=found.rtype, origin=found.origin, shared=True)  # made once, then the cached one
        return found

    def _caches(self, decorator, function) -> bool:
        """``@functools.lru_cache`` and friends: the function runs once per arguments."""
        frameworks = self.catalog.frameworks
        if frameworks is None:
            return False
        target = decorator.func if isinstance(decorator, ast.Call) else decorator
        scope = self.scope_of(function)
        value = self.resolve(target, scope.parent or scope)
        return value is not None and value.qual in frameworks.one_time_decorators

    def _kept(self, value, scope: Scope) -> Value | None:
        """A resource the function returns but keeps (a global, a module-level
        or class attribute): typed, shared."""
        while isinstance(value, ast.Await):
            value = value.value
        if not isinstance(value, (ast.Name, ast.Attribute)):
            return None
        if isinstance(value, ast.Name) and value.id in scope.bindings and value.id not in scope.declared_global:
            return None  # a local or a parameter
        kept = self.resolve(value, scope)
        if kept is None or kept.rtype is None or not kept.rtype.is_resource:
            return None
        return Value(rtype=kept.rtype, origin=kept.origin, shared=True)

    def _fresh(self, value, scope: Scope) -> Value | None:
        """A resource made on this call: a creating call, or a local name
        bound only to creating calls."""
        while isinstance(value, ast.Await):
            value = value.value
        if isinstance(value, ast.Call):
            made = self.call_result(value, scope)
            if made is None or made.rtype is None or not made.rtype.is_resource or made.shared:
                return None
            if self.returns_receiver(value, scope):
                return None
            if self.shares(value, scope) or self.matches_keywords(value, scope, self.catalog.unpooled_if):
                return None  # owns no connections, or keeps none open (NullPool)
            return Value(rtype=made.rtype, origin=made.origin)
        if not isinstance(value, ast.Name) or value.id in scope.declared_global:
            return None
        entries = scope.bindings.get(value.id)
        if not entries or value.id in scope.annotations:
            return None
        found = None
        for entry in entries:
            if isinstance(entry, ast.Constant) and entry.value is None:
                continue
            while isinstance(entry, ast.Await):
                entry = entry.value
            if not isinstance(entry, ast.Call):
                return None  # a parameter, an alias, a ``with`` target (closed on leaving it)
            fresh = self._fresh(entry, scope)
            if fresh is None or (found is not None and found.rtype.name != fresh.rtype.name):
                return None
            found = fresh
        return found

    def matches_keywords(self, call: ast.Call, scope: Scope, table: dict) -> bool:
        """Does the call pass one of the keyword values ``table`` lists for its callee?"""
        if not table:
            return False
        conditions = table.get(self.callee_qual(call, scope) or "")
        if not conditions:
            return False
        passed = [(keyword.arg, keyword.value) for keyword in call.keywords if keyword.arg in conditions]
        for keyword in call.keywords:
            if keyword.arg is None and isinstance(keyword.value, ast.Name):
                passed += self._mapping_entries(keyword.value.id, scope, conditions)  # **engine_kwargs
        for name, given in passed:
            accepted = conditions[name]
            if "*" in accepted and not (isinstance(given, ast.Constant) and given.value is None):
                return True  # any value: e.g. a client given a shared connection_pool
            value = self.resolve(self._maker(given, scope), scope)
            if value is not None and value.qual in accepted:
                return True
        return False

    def _mapping_entries(self, name: str, scope: Scope, keys) -> list:
        """(key, value) that a local mapping may hold for one of ``keys``: in
        its literal, or stored into it (``kwargs["poolclass"] = NullPool``,
        even under a condition: it may be passed)."""
        found = []
        for entry in scope.bindings.get(name, ()):
            if isinstance(entry, ast.Dict):
                found += [(k.value, v) for k, v in zip(entry.keys, entry.values)
                          if isinstance(k, ast.Constant) and k.value in keys]
        for node in ast.walk(scope.node) if scope.bindings.get(name) else ():
            if isinstance(node, ast.Assign):
                for target in node.targets:
                    if (
                        isinstance(target, ast.Subscript)
                        and isinstance(target.value, ast.Name)
                        and target.value.id == name
                        and isinstance(target.slice, ast.Constant)
                        and target.slice.value in keys
                    ):
                        found.append((target.slice.value, node.value))
        return found

    def _maker(self, expr, scope: Scope):
        """What ``expr`` is an instance of, when it is a call or a local name
        bound once to one (``transport=httpx.ASGITransport(app)``); else ``expr``."""
        if isinstance(expr, ast.Name):
            entries = scope.bindings.get(expr.id)
            if entries and len(entries) == 1 and isinstance(entries[0], ast.Call):
                expr = entries[0]
        return expr.func if isinstance(expr, ast.Call) else expr

    def shares(self, call: ast.Call, scope: Scope) -> bool:
        """A catalog call whose result owns no connections of its own: a Redis
        client given a shared pool, a session bound to the caller's connection
        (or to something connlint cannot see)."""
        if self.matches_keywords(call, scope, self.catalog.shared_if):
            return True
        owned = self.catalog.owned_if.get(self.callee_qual(call, scope) or "") if self.catalog.owned_if else None
        from_factory = False
        if owned is None and self.catalog.owned_if:
            # SessionLocal(bind=conn): a factory's call given the argument
            # that decides ownership is judged as the call it makes
            maker = self.resolve(call.func, scope)
            if maker is not None and maker.rtype is not None and maker.rtype.call:
                owned, from_factory = self.catalog.owned_if.get(maker.rtype.call), True
        for keyword, (position, types) in (owned or {}).items():
            argument = next((k.value for k in call.keywords if k.arg == keyword), None)
            if argument is None and from_factory:
                if self._factory_call_unbound(call.func, scope):
                    return True  # the factory got no bind that can be seen: not judged
                continue  # the factory's own setting applies
            if argument is None and position is not None and position < len(call.args):
                argument = call.args[position]
            value = self.resolve(argument, scope) if argument is not None else None
            if value is None or value.rtype is None or value.rtype.name not in types:
                return True
        return False

    def factory_unbound(self, name: str, scope: Scope) -> bool:
        """Is ``name`` bound, once, to a factory built without the argument
        that decides whether what it makes owns its connections
        (``Session = sessionmaker(class_=...)``, bound later if ever)?"""
        entries = scope.bindings.get(name, ())
        if len(entries) != 1 or not isinstance(entries[0], ast.Call):
            return False
        creation = entries[0]
        value = self.call_result(creation, scope)
        made = value.rtype.call if value is not None and value.rtype is not None else None
        owned = self.catalog.owned_if.get(made) if made else None
        if not owned:
            return False
        given = {k.arg for k in creation.keywords if not (isinstance(k.value, ast.Constant) and k.value.value is None)}
        return not creation.args and None not in given and not (set(owned) & given)

    def _factory_call_unbound(self, func, scope: Scope) -> bool:
        """``Session()`` where ``Session`` is an unbound factory, of this
        module or imported from another."""
        if not isinstance(func, ast.Name):
            return False
        current = self._defining_scope(func.id, scope)
        if current is None:
            return False
        if func.id in current.imports:
            if self.project is None:
                return False
            entry, _ = self.project.entry(current.imports[func.id], "bindings")
            return entry is not None and entry.unbound
        return self.factory_unbound(func.id, current)

    def returns_receiver(self, call: ast.Call, scope: Scope) -> bool:
        """A fluent method (``execution_options``) that returns the object it is called on."""
        func = call.func
        if not isinstance(func, ast.Attribute):
            return False
        receiver = self.resolve(func.value, scope)
        return receiver is not None and receiver.rtype is not None and receiver.rtype.methods.get(func.attr) == SELF

    def callee_qual(self, call: ast.Call, scope: Scope) -> str | None:
        value = self.resolve(call.func, scope)
        return value.qual if value is not None else None

    def alternative_quals(self, node, scope: Scope) -> set[str]:
        """Every qualified name ``node`` may stand for when its root name is
        imported from more than one catalog library; empty otherwise."""
        attrs = []
        while isinstance(node, ast.Attribute):
            attrs.append(node.attr)
            node = node.value
        if not isinstance(node, ast.Name):
            return set()
        current = self._defining_scope(node.id, scope)
        if current is None or node.id not in current.imports or node.id not in current.alternatives:
            return set()
        suffix = "".join(f".{attr}" for attr in reversed(attrs))
        return {qual + suffix for qual in current.alternatives[node.id]}


def _returns(body):
    """The ``return`` statements of a function body, not of the functions and
    classes nested in it (only statements are walked: cheap)."""
    stack = list(body)
    while stack:
        node = stack.pop()
        if isinstance(node, ast.Return):
            yield node
        elif not isinstance(node, SCOPE_NODES):
            for field in ("body", "orelse", "finalbody"):
                stack.extend(getattr(node, field, ()) or ())
            for handler in getattr(node, "handlers", ()) or ():
                stack.extend(handler.body)
            for case in getattr(node, "cases", ()) or ():
                stack.extend(case.body)


#: Decorators that make a generator the ``with`` statement's context manager.
CONTEXT_MANAGER_DECORATORS = frozenset({"contextlib.contextmanager", "contextlib.asynccontextmanager"})

#: Decorators that neither cache nor wrap what a function returns.
TRANSPARENT_DECORATORS = frozenset({"staticmethod", "classmethod"})


def method_of(cls: ast.ClassDef, name: str):
    """The method ``name`` defined in ``cls``'s body (the first, if several)."""
    return next((item for item in cls.body if isinstance(item, FUNCTION_NODES) and item.name == name), None)


def _from_this_module(value: Value | None) -> Value | None:
    """What a call to a function of the same module gives its caller: a pool
    it makes is marked, since the per-request reach follows calls inside the
    module and reports it where it is created."""
    if value is None or value.shared or value.rtype.kind != "pool":
        return value
    return Value(rtype=value.rtype, origin=value.origin, factory=True)


def _kind_of(value: Value):
    return value.rtype.name if value.rtype is not None else (
        id(value.instance) if isinstance(value.instance, ast.AST) else value.instance
    )


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
            if value.__class__ is list:
                for item in value:
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
            elif value is not None:
                parents[id(value)] = node
                kind = type(value)
                if kind not in leaves:
                    push(value)
                elif kind is name_type:
                    found = names.get(value.id)
                    if found is None:
                        names[value.id] = [value]
                    else:
                        found.append(value)
    return parents, names


def statement_of(node, parents):
    """The innermost statement containing ``node``."""
    current = node
    while current is not None and not isinstance(current, ast.stmt):
        current = parents.get(id(current))
    return current
