"""The scopes of a module: what each function, class, lambda and the module
itself imports, binds, annotates and calls, collected in one walk of each
scope's own nodes (``syntax.iter_scope``)."""

from __future__ import annotations

import ast

from connlint.syntax import FUNCTION_NODES, absolute_module, assigned_names, iter_scope

# Nodes that never bind a name, open a scope or make a call.
_PLAIN = frozenset({
    ast.Name, ast.Constant, ast.Attribute, ast.Load, ast.Store, ast.Expr, ast.BinOp, ast.Compare,
    ast.Subscript, ast.keyword, ast.arguments, ast.arg, ast.Tuple, ast.List, ast.Dict, ast.JoinedStr,
    ast.FormattedValue, ast.Return, ast.If, ast.BoolOp, ast.UnaryOp, ast.Pass, ast.alias, ast.Await,
})


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
        # name -> what is bound to it: the expression assigned, a WithTarget, or
        # None for a binding that cannot be typed (a parameter, a loop variable)
        self.bindings: dict[str, list] = {}
        self.annotations: dict[str, ast.expr] = {}
        self.declared_global: set[str] = set()
        self.cls: ast.ClassDef | None = None
        self.self_name: str | None = None
        self.calls: list = []  # every call made directly in this scope



class WithTarget:
    """What ``with <context> as name`` binds to ``name``, among a scope's
    ``bindings`` (where an assignment binds its value, and a binding that
    cannot be typed, such as a parameter, binds None)."""

    __slots__ = ("context",)

    def __init__(self, context: ast.expr):
        self.context = context


class ScopeCollection:
    """Collects a module's scopes for the resolver (``connlint.names.Resolver``,
    which has ``catalog``, ``package``, ``scopes`` and ``class_attrs``)."""

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
                        self._bind_target(scope, item.optional_vars, WithTarget(item.context_expr))
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

