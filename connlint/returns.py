"""What a function of the module hands out to its callers: a resource made on
every call, or one it keeps and shares (return inference, for the resolver
and the project summaries)."""

from __future__ import annotations

import ast

from connlint.scopes import Scope
from connlint.syntax import FUNCTION_NODES, SCOPE_NODES, iter_scope
from connlint.value import Value

#: Decorators that neither cache nor wrap what a function returns.
TRANSPARENT_DECORATORS = frozenset({"staticmethod", "classmethod"})



class ReturnInference:
    """Return inference for the resolver (``connlint.names.Resolver``)."""

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
            if returned is None or (found is not None and kind_of(found) != kind_of(returned)):
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


def from_this_module(value: Value | None) -> Value | None:
    """What a call to a function of the same module gives its caller: a pool
    it makes is marked, since the per-request reach follows calls inside the
    module and reports it where it is created."""
    if value is None or value.shared or value.rtype.kind != "pool":
        return value
    return Value(rtype=value.rtype, origin=value.origin, factory=True)


def kind_of(value: Value):
    """What two values must share to be the same kind of thing: the catalog
    type, or the project class of the instance."""
    return value.rtype.name if value.rtype is not None else (
        id(value.instance) if isinstance(value.instance, ast.AST) else value.instance
    )

