"""What the arguments of a call say about what it makes: keyword values that
change it (``poolclass=NullPool``), a client built on a shared pool, a
``sessionmaker()`` without a bind, a method that returns its receiver."""

from __future__ import annotations

import ast

from connlint.catalog import SELF
from connlint.scopes import Scope


class CallArguments:
    """Argument reading for the resolver (``connlint.names.Resolver``)."""

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
            entry = self.entry(current.imports[func.id], "bindings")
            return entry is not None and entry.unbound
        return self.factory_unbound(func.id, current)

    def returns_receiver(self, call: ast.Call, scope: Scope) -> bool:
        """A fluent method (``execution_options``) that returns the object it is called on."""
        func = call.func
        if not isinstance(func, ast.Attribute):
            return False
        receiver = self.resolve(func.value, scope)
        return receiver is not None and receiver.rtype is not None and receiver.rtype.methods.get(func.attr) == SELF

