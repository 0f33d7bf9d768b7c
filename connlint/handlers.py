"""Which functions of a module run on every request (or task).

A function is per-request when the framework data says so (a route
decorator, a registration call such as ``add_url_rule`` or ``Depends``, a
method of a class-based view, a heuristic such as a Lambda handler), or when a
per-request function calls it: calls are followed inside the module,
transitively, up to ``MAX_DEPTH``.  A class instantiated in a per-request
function has its ``__init__`` run per request, and so has a class whose
methods carry a decorator marked ``class_init`` (a Pyramid view class).
Functions cached with ``functools.cache`` and friends stop the reach: they
run once.
"""

from __future__ import annotations

import ast
from collections import deque
from pathlib import PurePath

from connlint.frameworks import EntrySpec, Frameworks
from connlint.names import Resolver
from connlint.syntax import FUNCTION_NODES, iter_scope, method_of

MAX_DEPTH = 5
CLASS_ENTRY_METHODS = ("__init__", "__call__")


class Entry:
    """A function the framework calls per request."""

    __slots__ = ("function", "spec", "name", "path")

    def __init__(self, function: ast.AST, spec: EntrySpec, name: str, path: str | None = None):
        self.function = function
        self.spec = spec
        self.name = name  # ``get_user`` or ``UserView.get``
        self.path = path  # the route, when the registration names one

    def describe(self) -> str:
        """``get_user() (Flask route '/users/<int:uid>')``."""
        where = f"{self.spec.what} '{self.path}'" if self.path else self.spec.what
        return f"{self.name}() ({where})"


class Reach:
    """How a function is reached from an entry point."""

    __slots__ = ("entry", "chain")

    def __init__(self, entry: Entry, chain: tuple = ()):
        self.entry = entry
        self.chain = chain  # callees after the entry: ("load_user()", "Repository()")

    def describe(self) -> str:
        return " -> ".join((self.entry.describe(),) + self.chain)


class RequestReach:
    """The per-request functions of one module, found on the first question:
    most modules never ask (they create no pool and call no project function
    that does)."""

    def __init__(self, resolver: Resolver, frameworks: Frameworks, path: str):
        self.resolver = resolver
        self.frameworks = frameworks
        self.stem = PurePath(path).stem
        self._reach: dict[int, Reach] | None = None

    @property
    def reach(self) -> dict[int, Reach]:
        """id(function) -> how an entry point reaches it."""
        if self._reach is None:
            self.imported = self._imported_frameworks()
            self.functions = self._all_functions()
            self.entries: list[Entry] = []
            self._class_inits: set[int] = set()
            self._find_entries()
            self._reach = self._follow_calls() if self.entries else {}
        return self._reach

    def of(self, function) -> Reach | None:
        return self.reach.get(id(function)) if function is not None else None

    def runs_once(self, function) -> bool:
        """A cached getter or an app factory: calling it per request does not
        make what it creates per request."""
        if function.name in self.frameworks.one_time_functions:
            return True
        return any(self._decorator_name(d, function)[0] in self.frameworks.one_time_decorators for d in function.decorator_list)

    # -- entry points ---------------------------------------------------

    def _imported_frameworks(self) -> set:
        roots = set()
        for scope in [self.resolver.module, *self.resolver.scopes.values()]:
            roots.update(qual.split(".", 1)[0] for qual in scope.imports.values())
        return roots & {m.split(".", 1)[0] for m in self.frameworks.modules}

    def _all_functions(self) -> list:
        return [scope.node for scope in self.resolver.scopes.values() if isinstance(scope.node, FUNCTION_NODES)]

    def _uses(self, spec: EntrySpec) -> bool:
        return any(m.split(".", 1)[0] in self.imported for m in spec.modules)

    def _find_entries(self) -> None:
        self._find_framework_entries()
        for spec in self.frameworks.functions:
            for function in self.resolver.functions.values():
                if not _heuristic_matches(spec, function, self.stem):
                    continue
                if not spec.returned:
                    self._add(function, spec, None)
                    continue
                for inner in self._returned_functions(function):
                    self._add(inner, spec, None, f"{function.name}.{inner.name}")

    def _returned_functions(self, factory) -> list:
        """The functions ``factory`` defines and returns (Django's
        ``def middleware(request): ...; return middleware``): the factory
        runs once, what it returns on every request."""
        returned, defined = set(), []
        for node in iter_scope(factory.body):
            if isinstance(node, ast.Return) and isinstance(node.value, ast.Name):
                returned.add(node.value.id)
            elif isinstance(node, FUNCTION_NODES):
                defined.append(node)
        # one definition per branch: ``if iscoroutinefunction(get_response): async def middleware``
        return [node for node in defined if node.name in returned]

    def _find_framework_entries(self) -> None:
        """Decorators, registrations and base classes."""
        for function in self.functions:
            for decorator in function.decorator_list:
                spec = self._decorator_spec(decorator, function)
                if spec is not None:
                    path = self._route(decorator, spec, function)
                    self._add(function, spec, path)
                    if spec.class_init:
                        self._add_class_init(function, spec, path)
                    break
        if self.imported or any(not spec.modules for spec in self.frameworks.registrations):
            # every call is a candidate: only worth it where a framework is imported
            for scope in [self.resolver.module, *self.resolver.scopes.values()]:
                for call in scope.calls:
                    self._registration(call, scope)
        for scope in self.resolver.scopes.values():
            if isinstance(scope.node, ast.ClassDef):
                spec = self._class_spec(scope.node, set()) or self._class_heuristic(scope.node)
                if spec is not None:
                    self._add_class(scope.node, spec, None)
                self._class_decorators(scope.node)

    def _class_heuristic(self, cls: ast.ClassDef) -> EntrySpec | None:
        """The class heuristic whose ``init_parameters`` are exactly those of
        ``cls.__init__`` after self (Django middleware: ``get_response``)."""
        if not self.frameworks.classes:
            return None
        init = method_of(cls, "__init__")
        if init is None:
            return None
        params = tuple(a.arg for a in init.args.posonlyargs + init.args.args)[1:]
        return next((spec for spec in self.frameworks.classes if params == spec.init_parameters), None)

    def _add_class_init(self, method, spec: EntrySpec, path) -> None:
        """A method carrying a ``class_init`` decorator: the framework builds
        its class per request (a Pyramid view class), so ``__init__`` runs too."""
        cls = self.resolver.scope_of(method).cls
        if cls is None or method not in cls.body or id(cls) in self._class_inits:
            return
        self._class_inits.add(id(cls))
        init = method_of(cls, "__init__")
        if init is not None:
            self._add(init, spec, path, f"{cls.name}.__init__")

    def _class_decorators(self, cls: ast.ClassDef) -> None:
        """A decorated class (Pyramid ``@view_config`` on a class) is built and
        called per request: its ``__init__`` and ``__call__`` are entries."""
        for decorator in cls.decorator_list:
            spec = self._decorator_spec(decorator, cls)
            if spec is not None:
                for item in cls.body:
                    if isinstance(item, FUNCTION_NODES) and item.name in CLASS_ENTRY_METHODS:
                        self._add(item, spec, _path_of(decorator, spec), f"{cls.name}.{item.name}")
                return

    def _route(self, decorator, spec: EntrySpec, function):
        """The route a decorator names, after the prefix its router was built
        with (``APIRouter(prefix="/api")`` then ``@router.get("/users")``)."""
        path = _path_of(decorator, spec)
        if path is None or not self.frameworks.prefixes or not isinstance(decorator, ast.Call):
            return path
        target = decorator.func
        if not (isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name)):
            return path
        scope = self._decorator_scope(function)
        router = self.resolver.resolve(target.value, scope)
        keyword = self.frameworks.prefixes.get(router.rtype.name) if router is not None and router.rtype else None
        made = self.resolver.module.bindings.get(target.value.id, ())
        if keyword is None or len(made) != 1 or not isinstance(made[0], ast.Call):
            return path
        prefix = next((k.value for k in made[0].keywords if k.arg == keyword), None)
        if isinstance(prefix, ast.Constant) and isinstance(prefix.value, str):
            return prefix.value.rstrip("/") + path
        return path

    def _decorator_spec(self, decorator, function) -> EntrySpec | None:
        name, method = self._decorator_name(decorator, function)
        if name is None and method is None:
            return None
        scope = self._decorator_scope(function)
        return self.frameworks.decorator_spec(
            name, method, self._uses, lambda spec: self._accepts(spec, decorator, scope, None)
        )

    def _decorator_name(self, decorator, function):
        """(qualified name, method name on an untyped receiver) of a decorator."""
        target = decorator.func if isinstance(decorator, ast.Call) else decorator
        return self._callee_name(target, self._decorator_scope(function))

    def _decorator_scope(self, function):
        scope = self.resolver.scope_of(function)
        return scope.parent or scope  # decorators are evaluated in the enclosing scope

    def _accepts(self, spec: EntrySpec, call, scope, handler_position) -> bool:
        """Whether one of the call's positional arguments (other than the
        handler's), or its ``argument_keyword`` one, is among ``spec.arguments``:
        a qualified name it resolves to, or a string literal.  A list or tuple
        counts as its items (``@receiver([request_started, request_finished])``)."""
        if not spec.arguments:
            return True
        if not isinstance(call, ast.Call):
            return False
        values = [arg for index, arg in enumerate(call.args) if index != handler_position]
        if spec.argument_keyword is not None:
            values += [k.value for k in call.keywords if k.arg == spec.argument_keyword]
        for value in values:
            for item in value.elts if isinstance(value, (ast.List, ast.Tuple)) else (value,):
                if isinstance(item, ast.Constant):
                    if isinstance(item.value, str) and item.value in spec.arguments:
                        return True
                elif isinstance(item, (ast.Name, ast.Attribute)):
                    resolved = self.resolver.resolve(item, scope)
                    if resolved is not None and resolved.qual in spec.arguments:
                        return True
        return False

    def _callee_name(self, target, scope):
        if isinstance(target, ast.Attribute):
            base = self.resolver.resolve(target.value, scope)
            if base is not None and base.rtype is not None:
                return f"{base.rtype.name}.{target.attr}", target.attr
            if base is not None and base.qual is not None:
                return f"{base.qual}.{target.attr}", target.attr
            return None, target.attr
        value = self.resolver.resolve(target, scope)
        return (value.qual if value is not None else None), None

    def _registration(self, call: ast.Call, scope) -> None:
        name, method = self._callee_name(call.func, scope)
        if name is None and method is None:
            return
        for spec in self.frameworks.registrations:
            if not (name in spec.names or (method is not None and method in spec.methods and self._uses(spec))):
                continue
            handler = handler_position = None
            if spec.keyword:
                handler = next((k.value for k in call.keywords if k.arg == spec.keyword), None)
            if handler is None and spec.position is not None and len(call.args) > spec.position:
                handler, handler_position = call.args[spec.position], spec.position
            if handler is None or not self._accepts(spec, call, scope, handler_position):
                continue  # another framework's method of the same name may fit
            path = _path_of(call, spec)
            # a list of handlers: falcon.App(middleware=[A(), B()])
            handlers = handler.elts if isinstance(handler, (ast.List, ast.Tuple)) else [handler]
            for item in handlers:
                instance = isinstance(item, ast.Call)
                target = item.func if instance else item
                if isinstance(target, ast.Name):
                    found = self._lookup(target.id, scope)
                    if isinstance(found, FUNCTION_NODES) and not instance:
                        self._add(found, spec, path)
                    elif isinstance(found, ast.ClassDef):
                        self._add_class(found, spec, path)
            return

    def _lookup(self, name: str, scope):
        """The function or class ``name`` refers to in ``scope``, if defined in this module."""
        current = scope
        while current is not None:
            for node in _defined_in(current):
                if node.name == name:
                    return node
            if name in current.bindings or name in current.imports:
                return None
            current = current.parent
        return None

    def _class_spec(self, cls: ast.ClassDef, seen: set) -> EntrySpec | None:
        if id(cls) in seen:
            return None
        seen.add(id(cls))
        outer = self.resolver.scope_of(cls).parent or self.resolver.module
        for base in cls.bases:
            value = self.resolver.resolve(base, outer)
            qual = value.qual if value is not None else None
            if qual is not None:
                spec = self.frameworks.base_spec(qual)
                if spec is not None:
                    return spec
            if isinstance(base, ast.Name):
                parent = self._lookup(base.id, outer)
                if isinstance(parent, ast.ClassDef):
                    spec = self._class_spec(parent, seen)
                    if spec is not None:
                        return spec
        return None

    def _add_class(self, cls: ast.ClassDef, spec: EntrySpec, path) -> None:
        for item in cls.body:
            if isinstance(item, FUNCTION_NODES) and spec.method_matches(item.name):
                self._add(item, spec, path, f"{cls.name}.{item.name}")

    def _add(self, function, spec: EntrySpec, path, name=None) -> None:
        self.entries.append(Entry(function, spec, name or function.name, path))

    # -- reach ----------------------------------------------------------

    def _follow_calls(self) -> dict:
        reach: dict[int, Reach] = {}
        queue = deque()
        for entry in self.entries:
            if id(entry.function) not in reach:
                reach[id(entry.function)] = Reach(entry)
                queue.append((entry.function, reach[id(entry.function)]))
        while queue:
            function, how = queue.popleft()
            if len(how.chain) >= MAX_DEPTH:
                continue
            scope = self.resolver.scope_of(function)
            for call in scope.calls:
                for callee, label in self._callees(call, scope):
                    if id(callee) in reach or self.runs_once(callee):
                        continue
                    reach[id(callee)] = Reach(how.entry, how.chain + (label,))
                    queue.append((callee, reach[id(callee)]))
        return reach

    def _callees(self, call: ast.Call, scope):
        func = call.func
        if isinstance(func, ast.Name):
            found = self._lookup(func.id, scope)
            if isinstance(found, FUNCTION_NODES):
                yield found, f"{found.name}()"
            elif isinstance(found, ast.ClassDef):
                init = method_of(found, "__init__")
                if init is not None:
                    yield init, f"{found.name}()"
        elif (
            isinstance(func, ast.Attribute)
            and isinstance(func.value, ast.Name)
            and scope.cls is not None
            and func.value.id == scope.self_name
        ):
            for item in scope.cls.body:
                if isinstance(item, FUNCTION_NODES) and item.name == func.attr:
                    yield item, f"self.{item.name}()"


def _defined_in(scope):
    body = scope.node.body if hasattr(scope.node, "body") and isinstance(scope.node.body, list) else []
    return [node for node in body if isinstance(node, FUNCTION_NODES + (ast.ClassDef,))]


def _path_of(node, spec: EntrySpec):
    if not isinstance(node, ast.Call) or spec.path_argument is None:
        return None
    if len(node.args) > spec.path_argument:
        value = node.args[spec.path_argument]
        if isinstance(value, ast.Constant) and isinstance(value.value, str):
            return value.value
    for keyword in node.keywords:
        if keyword.arg in ("path", "rule", "route") and isinstance(keyword.value, ast.Constant):
            if isinstance(keyword.value.value, str):
                return keyword.value.value
    return None


def _heuristic_matches(spec: EntrySpec, function, stem: str) -> bool:
    params = [a.arg for a in function.args.posonlyargs + function.args.args]
    if spec.function_names and function.name not in spec.function_names:
        return False
    if spec.parameters and params[: len(spec.parameters)] != list(spec.parameters):
        return False
    if spec.module_names and stem not in spec.module_names:
        return False
    if spec.first_parameter and (not params or params[0] != spec.first_parameter):
        return False
    return bool(spec.function_names or spec.parameters or spec.module_names)
