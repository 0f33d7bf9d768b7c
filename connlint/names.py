"""Name resolution on the stdlib ``ast``: which names and expressions mean which
catalog calls and types.

Resolution is deliberately small: imports and aliases, assignments in the same
function and at module level, ``self.x`` attributes assigned in the class,
parameter annotations and ``with ... as`` targets.  Anything it cannot see
resolves to ``None``, and the rules stay silent about it.
"""

from __future__ import annotations

import ast

from connlint.arguments import CallArguments
from connlint.catalog import SELF, Catalog, ResourceType
from connlint.returns import ReturnInference, from_this_module, kind_of
from connlint.scopes import Scope, ScopeCollection, WithTarget
from connlint.syntax import FUNCTION_NODES, iter_scope, method_of, parent_map, walk
from connlint.value import Value

#: Decorators that make a generator the ``with`` statement's context manager.
CONTEXT_MANAGER_DECORATORS = frozenset({"contextlib.contextmanager", "contextlib.asynccontextmanager"})


class Resolver(ScopeCollection, ReturnInference, CallArguments):
    """Resolves expressions of one module to catalog calls and types: the
    scopes it collects (``scopes``), what functions return (``returns``) and
    what call arguments say (``arguments``) are its other parts."""

    def __init__(self, tree: ast.Module, catalog: Catalog, package: str = "", project=None, scopes_of=None):
        """``scopes_of``: a resolver of the same module whose scopes are
        taken as they are (they depend on the tree, the catalog and the
        package only) instead of collected again; nothing it has worked out
        since is."""
        self.catalog = catalog
        self.package = package
        self.project = project  # connlint.project.ProjectIndex, for names other modules define
        self._memo: dict[tuple, Value | None] = {}
        self._bound_names: set | None = None
        self._parent_maps: dict = {}  # id(module-level definition, or the module) -> its parent map
        self._name_index: dict = {}  # the same -> its Name nodes by identifier
        self._qualified: dict[str, Value] = {}  # qualified name -> what it stands for
        self._entries: dict[tuple, object] = {}  # (qualified name, kind) -> its project summary entry
        self.parameter_effects: dict = {}  # (id(function), parameter, type, ...) -> its effect (``effects``)
        self._busy: set[tuple] = set()
        self._self_names: set | None = None
        if scopes_of is not None:
            self.module, self.scopes, self.class_attrs = scopes_of.module, scopes_of.scopes, scopes_of.class_attrs
            self.functions, self.classes = scopes_of.functions, scopes_of.classes
            return
        self.module = Scope(tree, None)
        self.scopes: dict[int, Scope] = {}
        self.functions: dict[str, ast.AST] = {}
        self.classes: dict[str, ast.ClassDef] = {}
        self.class_attrs: dict[int, dict[str, list]] = {}
        self._collect(self.module, tree.body)
        for node in tree.body:
            if isinstance(node, FUNCTION_NODES):
                self.functions[node.name] = node
            elif isinstance(node, ast.ClassDef):
                self.classes[node.name] = node

    # -- parent maps and name indexes ----------------------------------

    def parents_of(self, root) -> dict:
        """``id(child) -> parent`` for every node of the module-level
        definition holding ``root`` (of the whole module, if that is the root
        or its map exists already; of a lambda, the lambda's): one walk per
        definition, however many of its functions ask.  Lookups climb from a
        node inside ``root`` and stop at a statement or a scope, so the
        parents above ``root`` are never reached."""
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
        # on an instance another module defines, ``app.db.make_engine()`` on
        # a submodule reached through its package
        if self.project is not None and isinstance(func, ast.Attribute):
            root = func.value
            while isinstance(root, ast.Attribute):
                root = root.value
            if not isinstance(root, ast.Name):
                return False
            qual = self.module.imports.get(root.id)
            if qual is not None and self.project.is_project_name(qual):
                return True
            # ``self.open_engine()`` in a subclass: the method may be inherited
            return root is func.value and root.id in self._subclass_self_names()
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

    def entry(self, qual: str, kind: str):
        """The project summary entry of ``kind`` ("bindings", "functions",
        "classes", "params") for ``qual`` (``ProjectIndex.entry``), or None; remembered
        for this module's analysis: the summaries it reads do not change while
        it runs (an import cycle's members are solved again only between
        passes)."""
        key = (qual, kind)
        try:
            return self._entries[key]
        except KeyError:
            found = self._entries[key] = self.project.entry(qual, kind)[0]
            return found

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
            entry = self.entry(qual, "bindings")
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
        entry = self.entry(qual, "classes")
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
            if isinstance(value, WithTarget):
                resolved = self.with_target(value.context, scope)
            else:
                resolved = self.resolve(value, scope)
            if resolved is None or (resolved.rtype is None and resolved.instance is None):
                return None
            if found is not None and kind_of(found) != kind_of(resolved):
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
                    return from_this_module(self.function_returns(method))
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
                return from_this_module(self.function_returns(local))
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
                entry = self.entry(callee.qual, "functions")
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
                    return from_this_module(self.function_returns(method))
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
            return from_this_module(self.function_returns(method)) if method is not None else None
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

