"""What the code of one function does to one tracked resource.

An occurrence of the resource (the call that creates it, or a local name that
holds it) is classified by climbing from it through its parent nodes until
one of them settles what the occurrence does: it uses the resource, releases
it, lets it escape, binds it to a name, drops it.  Each kind of parent node
has one handler (``_CLIMB``), which settles the occurrence with an ``Effect``
or climbs on, returning the ``(node, is_resource)`` to classify next: the
resource itself, or an object that only holds it (a cursor, a tuple, a
wrapper).

``ResourceEffects.of`` answers for the expressions of one statement.  The
lifetime analysis (``connlint.lifetime``) turns its answers into the
resource's state along each path; ``parameter_effect`` reads them to tell
what a function does with a resource it receives.
"""

from __future__ import annotations

import ast
import enum

from connlint.catalog import DATA, SELF
from connlint.names import CONTEXT_MANAGER_DECORATORS, Resolver
from connlint.scopes import Scope
from connlint.syntax import children, method_of, statement_of, walk

SUMMARY_DEPTH = 3  # how deep summaries of the functions a resource is passed to nest
CLIMB_LIMIT = 64  # parents climbed from one occurrence before connlint gives up (ESCAPE)


class EffectKind(enum.Enum):
    """What one occurrence does to the resource.  The values of USE, RELEASE
    and ESCAPE are what a project summary records of a parameter."""

    CREATE = "create"  # the call that creates it runs
    USE = "use"  # borrows it: it is left as it was
    RELEASE = "release"  # closes it (returns it to its pool, disposes of it)
    ESCAPE = "escape"  # hands it out of the function, or connlint cannot tell
    BIND = "bind"  # a local name now holds it, or holds an object that keeps it
    UNBIND = "unbind"  # a local name that held it is rebound or deleted
    DISCARD = "discard"  # it is the value of an expression statement: dropped
    WITH_ITEM = "with-item"  # it is a ``with`` item: the ``with`` decides
    UNAWAITED = "unawaited"  # its release coroutine is called and never awaited

    # members are singletons: hash them by identity, in C (``Enum`` hashes
    # the name, in Python), as sets of kinds are built for every statement
    __hash__ = object.__hash__


# Module constants: a member read through its enum class is slow, and these
# are read on every occurrence.
CREATE = EffectKind.CREATE
USE = EffectKind.USE
RELEASE = EffectKind.RELEASE
ESCAPE = EffectKind.ESCAPE
BIND = EffectKind.BIND
UNBIND = EffectKind.UNBIND
DISCARD = EffectKind.DISCARD
WITH_ITEM = EffectKind.WITH_ITEM
UNAWAITED = EffectKind.UNAWAITED


class Effect:
    """One effect of an occurrence.  ``name`` is the local name of BIND and
    UNBIND (``holder``: the name holds an object that keeps the resource,
    not the resource) or the release method of UNAWAITED, called at ``line``.

    Never changed once made: the effects that are only their kind are shared
    (``Effect.USE``, ``Effect.RELEASE``, ...)."""

    __slots__ = ("kind", "name", "holder", "line")

    CREATE: Effect
    USE: Effect
    RELEASE: Effect
    ESCAPE: Effect
    DISCARD: Effect
    WITH_ITEM: Effect

    def __init__(self, kind: EffectKind, name: str | None = None, holder: bool = False, line: int = 0):
        self.kind = kind
        self.name = name
        self.holder = holder
        self.line = line

    def __eq__(self, other) -> bool:
        return type(other) is Effect and (self.kind, self.name, self.holder, self.line) == (
            other.kind, other.name, other.holder, other.line
        )

    __hash__ = None  # compared by value, kept in lists

    def __repr__(self) -> str:
        return f"Effect({self.kind.name}, name={self.name!r}, holder={self.holder!r}, line={self.line!r})"


Effect.CREATE, Effect.USE, Effect.RELEASE, Effect.ESCAPE, Effect.DISCARD, Effect.WITH_ITEM = (
    Effect(kind) for kind in (CREATE, USE, RELEASE, ESCAPE, DISCARD, WITH_ITEM)
)


class FunctionContext:
    """What the analyses of a function's resources need to know about it."""

    def __init__(self, node, scope: Scope, resolver: Resolver, parents: dict):
        self.node = node
        self.scope = scope
        self.resolver = resolver
        self.catalog = resolver.catalog
        self.parents = parents
        decorators = {_decorator_qual(d, scope, resolver) for d in node.decorator_list}
        self.is_contextmanager = bool(decorators & CONTEXT_MANAGER_DECORATORS)
        # pytest runs the code after a fixture's ``yield`` even when the test
        # fails: nothing is thrown in at the yield.
        self.yield_never_raises = bool(decorators & self.catalog.teardown_decorators)


def _decorator_qual(decorator, scope, resolver):
    target = decorator.func if isinstance(decorator, ast.Call) else decorator
    value = resolver.resolve(target, scope)
    return value.qual if value is not None else None


class ResourceEffects:
    """The effects on one resource of the code of one function: the resource
    ``call`` creates, or (``call`` None) one the function receives."""

    def __init__(self, ctx: FunctionContext, call: ast.Call | None, rtype, depth: int = 0):
        self.ctx = ctx
        self.call = call
        self.rtype = rtype
        self.depth = depth  # how many summaries of called functions this one is inside
        self.released_somewhere = call is None or self.calls_release([ctx.node])
        # a lazy resource (an engine) opens nothing until used: reading its
        # url or dialect is no use
        self.opened = not getattr(rtype, "lazy", False)
        self._known: dict = {}

    def of(self, owner, parts, names: frozenset, holders: frozenset) -> list[Effect]:
        """The effects of the expressions ``parts`` of the statement ``owner``
        on the resource, held by the local ``names`` and by ``holders``
        (names of objects that keep it).  A loop asks again on each round:
        answers are kept."""
        key = (id(owner), tuple(map(id, parts)), names, holders)
        known = self._known.get(key)
        if known is not None:
            return known
        effects: list[Effect] = []
        tracked = names | holders if holders else names
        for part in parts:
            for node in walk_expression(part):
                if node is self.call:
                    effects.append(Effect.CREATE)
                    effects.extend(self._occurrence(node, True, owner))
                elif isinstance(node, ast.Name) and node.id in tracked:
                    if isinstance(node.ctx, (ast.Store, ast.Del)):
                        effects.append(Effect(UNBIND, node.id))
                    else:
                        effects.extend(self._occurrence(node, node.id in names, owner))
                elif isinstance(node, ast.Lambda) and tracked & names_in(node):
                    effects.append(Effect.ESCAPE)
        self._known[key] = effects
        return effects

    def calls_release(self, nodes) -> bool:
        """Is a release method of the resource's type called in ``nodes``?"""
        if self.rtype is None:
            return False
        release, released_by = self.rtype.release, self.rtype.released_by
        for top in nodes:
            for node in walk(top):
                if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
                    if node.func.attr in release or node.func.attr in released_by:
                        return True
        return False

    # -- one occurrence -------------------------------------------------

    def _occurrence(self, node, is_resource: bool, owner) -> list[Effect]:
        """Classify one occurrence of the resource by climbing its parents."""
        parents = self.ctx.parents
        if not self.opened and not self._only_looked_at(node, owner):
            self.opened = True
        effects: list[Effect] = []
        for _ in range(CLIMB_LIMIT):
            parent = parents.get(id(node))
            if parent is None or parent is owner and not isinstance(owner, ast.expr):
                return self._at_statement(node, owner, is_resource, effects)
            handler = _CLIMB.get(type(parent))
            step = handler(self, parent, node, is_resource, owner, effects) if handler is not None else Effect.USE
            if type(step) is Effect:
                effects.append(step)
                return effects
            node, is_resource = step
        effects.append(Effect.ESCAPE)
        return effects

    def _only_looked_at(self, node, owner) -> bool:
        """The occurrence binds, returns or drops the resource, or reads a
        data attribute of it (``engine.url``): nothing that opens a connection."""
        parent = self.ctx.parents.get(id(node))
        if parent is None or parent is owner and not isinstance(owner, ast.expr):
            return True
        if isinstance(parent, ast.Attribute) and parent.value is node and parent.attr in self.ctx.catalog.data_attributes:
            grand = self.ctx.parents.get(id(parent))
            return not (isinstance(grand, ast.Call) and grand.func is parent)
        return False

    def _at_statement(self, node, owner, is_resource: bool, effects: list) -> list[Effect]:
        """The value ``node`` reached the statement ``owner`` itself."""
        if isinstance(owner, ast.Return):
            effects.append(Effect.ESCAPE)
        elif isinstance(owner, (ast.Assign, ast.AnnAssign)) and owner.value is node:
            targets = owner.targets if isinstance(owner, ast.Assign) else [owner.target]
            for target in targets:
                if isinstance(target, ast.Name) and target.id not in self.ctx.scope.declared_global:
                    effects.append(Effect(BIND, target.id, holder=not is_resource))
                else:
                    effects.append(Effect.ESCAPE)  # stored on an attribute, in an item or in a global
        elif isinstance(owner, ast.AugAssign) and owner.value is node:
            effects.append(Effect.ESCAPE)
        elif isinstance(owner, ast.Expr) and owner.value is node:
            effects.append(Effect.DISCARD)
        else:
            effects.append(Effect.USE)
        return effects

    # -- the handlers, one per kind of parent node ---------------------------
    #
    # Each is called with the parent, the child the occurrence climbed from,
    # whether that child is the resource itself, the statement and the
    # effects so far.

    def _in_attribute(self, attribute, node, is_resource: bool, owner, effects):
        grand = self.ctx.parents.get(id(attribute))
        if isinstance(grand, ast.Call) and grand.func is attribute:
            return self._method_called(attribute, grand, node, is_resource, owner)
        if is_resource and attribute.attr in self.rtype.release and isinstance(grand, (ast.Call, ast.keyword)):
            return Effect.ESCAPE  # a release registered for later
        if attribute.attr in self.ctx.catalog.data_attributes:
            return Effect.USE
        return attribute, False

    def _method_called(self, attribute, call, node, is_resource: bool, owner):
        """``node.method(...)``: a release, or a method whose result is the
        resource itself, data, or an object that may keep the resource."""
        method, rtype = attribute.attr, self.rtype
        if is_resource and method in rtype.release:
            if (
                rtype.release_awaited
                and not isinstance(self.ctx.parents.get(id(call)), ast.Await)
                and _discarded(call, owner)
            ):
                return Effect(UNAWAITED, method, line=call.lineno)
            return Effect.RELEASE
        result = rtype.methods.get(method) if is_resource else None
        if result == SELF:
            return call, is_resource
        if result == DATA or method in self.ctx.catalog.data_methods or self._gives_data(node, method, is_resource):
            return Effect.USE
        return call, False

    def _gives_data(self, receiver, method: str, is_resource: bool) -> bool:
        """``cur.execute(q)`` on a psycopg2 cursor taken from the resource:
        the catalog type of the receiver says the method returns data."""
        if is_resource:
            return False
        value = self.ctx.resolver.resolve(receiver, self.ctx.scope)
        return value is not None and value.rtype is not None and value.rtype.methods.get(method) == DATA

    def _in_subscript(self, subscript, node, is_resource: bool, owner, effects):
        if subscript.value is node:
            return subscript, False  # an item of what holds it
        return Effect.USE  # used as a key or an index

    def _in_call(self, call, node, is_resource: bool, owner, effects):
        if call.func is node:
            return Effect.USE
        passed = self._passed_to(call, node, is_resource)
        if type(passed) is tuple:
            return passed
        if passed is ESCAPE and not is_resource and self.call is not None and self.released_somewhere:
            # a bound method or cursor lent out by a function that closes
            # the resource itself: the function still owns it
            return Effect.USE
        return Effect(passed)

    def _passes_through(self, parent, node, is_resource: bool, owner, effects):
        """A keyword argument, ``await``, ``*``, ``and`` / ``or``: their value is the occurrence's."""
        return parent, is_resource

    def _in_container(self, container, node, is_resource: bool, owner, effects):
        if isinstance(container, ast.Dict) and node not in container.values:
            return Effect.USE  # a key
        return container, False

    def _in_conditional(self, conditional, node, is_resource: bool, owner, effects):
        if conditional.test is node:
            return Effect.USE
        return conditional, is_resource

    def _in_named_expression(self, named, node, is_resource: bool, owner, effects):
        effects.append(Effect(BIND, named.target.id, holder=not is_resource))
        return named, is_resource

    def _in_yield(self, parent, node, is_resource: bool, owner, effects):
        return Effect.ESCAPE if self._yield_hands_over() else Effect.USE

    def _in_comprehension(self, comprehension, node, is_resource: bool, owner, effects):
        return Effect.USE if comprehension.iter is node else Effect.ESCAPE

    def _escapes(self, parent, node, is_resource: bool, owner, effects):
        """Kept by a lambda, or by the result of a comprehension."""
        return Effect.ESCAPE

    def _in_with_item(self, item, node, is_resource: bool, owner, effects):
        return Effect.WITH_ITEM

    # -- calls ----------------------------------------------------------

    def _passed_to(self, call: ast.Call, arg, is_resource: bool):
        """What ``call`` does with the resource passed to it as ``arg``: USE,
        RELEASE or ESCAPE; or, when the call's value keeps the resource
        (``Session(bind=conn)``) or is the resource (``closing(conn)``), the
        climb on to the call."""
        catalog = self.ctx.catalog
        func = call.func
        if isinstance(func, ast.Attribute):
            by_method = self._passed_to_method(func.attr, is_resource)
            if by_method is not None:
                return by_method
        callee = self.ctx.resolver.resolve(func, self.ctx.scope)
        qual = callee.qual if callee is not None else None
        if qual in catalog.closing_wrappers:
            return call, is_resource
        if qual in catalog.borrow_calls or (qual is None and self._borrow_call_by_name(func)):
            return USE
        if qual is not None and (qual in catalog.openers or qual in catalog.holding_calls):
            return call, False  # Session(bind=conn), inspect(engine): holds a reference
        return self._callee_effect(func, qual, call, arg, is_resource)

    def _passed_to_method(self, method: str, is_resource: bool) -> EffectKind | None:
        """What the catalog says of a method the resource is passed to."""
        if is_resource and method in self.rtype.released_by:
            return RELEASE
        if method in self.ctx.catalog.adopt_methods:
            return ESCAPE
        if method in self.ctx.catalog.borrow_methods:
            return USE
        return None

    def _callee_effect(self, func, qual: str | None, call: ast.Call, arg, is_resource: bool) -> EffectKind:
        """What a function of this module, or the summary of one of another
        project module, says it does with its argument."""
        local = self._local_function(func)
        if local is not None:
            return self._summarize(local, call, arg, is_resource)
        if qual is not None and self.ctx.resolver.project is not None:
            effect = _project_parameter_effect(self.ctx.resolver, qual, call, arg)
            if effect is not None:
                return effect
        return ESCAPE  # a wrapper class, or a callee connlint cannot see

    def _borrow_call_by_name(self, func) -> bool:
        """A borrowing call named by a bare name connlint could not resolve,
        unless the function binds that name itself."""
        return (
            isinstance(func, ast.Name)
            and func.id in self.ctx.catalog.borrow_calls
            and func.id not in self.ctx.scope.bindings
        )

    def _local_function(self, func):
        """The same-module function or method of this class that ``func`` calls."""
        resolver, scope = self.ctx.resolver, self.ctx.scope
        if isinstance(func, ast.Name):
            if func.id in resolver.functions and func.id not in scope.bindings and func.id not in scope.imports:
                return resolver.functions[func.id]
        if (
            isinstance(func, ast.Attribute)
            and isinstance(func.value, ast.Name)
            and scope.self_name == func.value.id
            and scope.cls is not None
        ):
            return method_of(scope.cls, func.attr)
        return None

    def _summarize(self, function, call: ast.Call, arg, is_resource: bool) -> EffectKind:
        """Does a same-module function release, keep, or borrow its argument?"""
        param = _parameter_for(function, call, arg, self.ctx.resolver.scope_of(function))
        if param is None or self.depth >= SUMMARY_DEPTH:
            return ESCAPE
        return parameter_effect(function, param, self.ctx.resolver, self.rtype, is_resource, self.depth + 1)

    def _yield_hands_over(self) -> bool:
        """A yielded resource is handed to the consumer, unless the function
        closes it after the ``yield`` (generator dependency) or is a
        ``@contextmanager`` (the consumer's ``with`` never closes it)."""
        return not (self.ctx.is_contextmanager or self.released_somewhere)


_CLIMB = {
    ast.Attribute: ResourceEffects._in_attribute,
    ast.Subscript: ResourceEffects._in_subscript,
    ast.Call: ResourceEffects._in_call,
    ast.keyword: ResourceEffects._passes_through,
    ast.Await: ResourceEffects._passes_through,
    ast.Starred: ResourceEffects._passes_through,
    ast.BoolOp: ResourceEffects._passes_through,
    ast.Tuple: ResourceEffects._in_container,
    ast.List: ResourceEffects._in_container,
    ast.Set: ResourceEffects._in_container,
    ast.Dict: ResourceEffects._in_container,
    ast.IfExp: ResourceEffects._in_conditional,
    ast.NamedExpr: ResourceEffects._in_named_expression,
    ast.Yield: ResourceEffects._in_yield,
    ast.YieldFrom: ResourceEffects._in_yield,
    ast.comprehension: ResourceEffects._in_comprehension,
    ast.Lambda: ResourceEffects._escapes,
    ast.ListComp: ResourceEffects._escapes,
    ast.SetComp: ResourceEffects._escapes,
    ast.GeneratorExp: ResourceEffects._escapes,
    ast.DictComp: ResourceEffects._escapes,
    ast.withitem: ResourceEffects._in_with_item,
}  # any other parent only reads the value: USE


def _discarded(call, owner) -> bool:
    return isinstance(owner, ast.Expr) and owner.value is call


def walk_expression(root):
    """Every node of an expression or of one statement's own expressions: not
    the bodies of compound statements, nor the insides of nested scopes."""
    stack = [root]
    while stack:
        current = stack.pop()
        yield current
        if current is not root and isinstance(current, (ast.stmt, ast.Lambda, ast.ExceptHandler, ast.match_case)):
            continue
        stack.extend(children(current))


def names_in(node) -> set:
    return {n.id for n in walk(node) if isinstance(n, ast.Name)}


# -- what a function does with a resource it receives --------------------------


def parameter_effect(function, param: str, resolver, rtype, is_resource: bool = True, depth: int = 1) -> EffectKind:
    """What ``function`` does with the resource it receives as ``param``:
    RELEASE, ESCAPE (keeps it, or connlint cannot tell) or USE (borrows it).
    ``is_resource`` False: ``param`` receives an object that holds the resource."""
    key = (id(function), param, rtype.name, is_resource, depth)
    found = resolver.parameter_effects.get(key)
    if found is None:  # asked again at each call that passes a resource to the function
        found = resolver.parameter_effects[key] = _parameter_effects(
            function, (param,), resolver, rtype, is_resource, depth
        )[param]
    return found


def parameter_names(function, resolver) -> list:
    """The parameters of ``function`` a caller passes (``self`` left out)."""
    args = function.args
    names = [a.arg for a in args.posonlyargs + args.args + args.kwonlyargs]
    if names and resolver.scope_of(function).self_name == names[0]:
        names = names[1:]
    return names


def param_effects(function, resolver, catalog) -> dict:
    """For a project summary: each parameter's effect on a resource of any
    type, as the value of its ``EffectKind``."""
    effects = _parameter_effects(function, parameter_names(function, resolver), resolver, catalog.any_resource)
    return {name: effect.value for name, effect in effects.items()}


def _parameter_effects(function, params, resolver, rtype, is_resource: bool = True, depth: int = 1) -> dict:
    """``parameter_effect`` of each of ``params``, from the name index the
    resolver builds with the function's parent map (``Resolver.name_uses``)."""
    if not params:
        return {}
    occurrences = {param: resolver.name_uses(function, param) for param in params}
    effects = {}
    found = None
    for param, nodes in occurrences.items():
        if not nodes:
            effects[param] = USE
            continue
        if found is None:
            scope = resolver.scope_of(function)
            context = FunctionContext(function, scope, resolver, resolver.parents_of(function))
            found = ResourceEffects(context, None, rtype, depth)
        effects[param] = _effect_on_parameter(found, param, nodes, is_resource)
    return effects


def _effect_on_parameter(found: ResourceEffects, param: str, nodes, is_resource: bool) -> EffectKind:
    """The effect of the occurrences ``nodes`` of ``param``: the first that
    lets it escape decides; else any that releases it."""
    parents = found.ctx.parents
    held = frozenset((param,))
    names, holders = (held, frozenset()) if is_resource else (frozenset(), held)
    outcome = USE
    for node in nodes:
        if not isinstance(node.ctx, ast.Load):
            if made_when_missing(node, param, parents):
                continue  # ``if conn is None: conn = connect()``: the caller's is untouched
            return ESCAPE
        for effect in found.of(statement_of(node, parents), (node,), names, holders):
            if effect.kind is ESCAPE:
                return ESCAPE
            if effect.kind is RELEASE or effect.kind is UNAWAITED:
                outcome = RELEASE
    return outcome


def _parameter_for(function, call: ast.Call, arg, scope) -> str | None:
    args = function.args
    positional = [a.arg for a in args.posonlyargs + args.args]
    if positional and scope.self_name == positional[0]:
        positional = positional[1:]
    if isinstance(arg, ast.keyword):
        return arg.arg
    for index, value in enumerate(call.args):
        if value is arg:
            if isinstance(value, ast.Starred):
                return None
            return positional[index] if index < len(positional) else None
    return None


# what a project summary's parameter effect means here; any other value is USE
_SUMMARIZED = {RELEASE.value: RELEASE, ESCAPE.value: ESCAPE}


def _project_parameter_effect(resolver, qual: str, call: ast.Call, arg) -> EffectKind | None:
    """A callee in another project module: its summary says what it does with
    the argument, or None when it has no summary."""
    entry = resolver.entry(qual, "params")
    if entry is None:
        return None
    position = next((i for i, value in enumerate(call.args) if value is arg), None)
    names = entry.order
    if isinstance(arg, ast.keyword):
        name = arg.arg
    elif position is not None and position < len(names):
        name = names[position]
    else:
        return None
    return _SUMMARIZED.get(entry.params.get(name), USE)


def made_when_missing(target, param: str, parents) -> bool:
    """Is ``target`` (a store to ``param``) the assignment of ``if param is
    None: param = ...``?"""
    statement = parents.get(id(target))
    branch = parents.get(id(statement))
    return (
        isinstance(statement, ast.Assign)
        and statement.targets == [target]
        and isinstance(branch, ast.If)
        and any(child is statement for child in branch.body)
        and _tests_missing(branch.test, param)
    )


def _tests_missing(test, name: str) -> bool:
    """``name is None``, ``name == None`` or ``not name``."""
    if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
        return isinstance(test.operand, ast.Name) and test.operand.id == name
    return (
        isinstance(test, ast.Compare)
        and len(test.ops) == 1
        and isinstance(test.ops[0], (ast.Is, ast.Eq))
        and isinstance(test.left, ast.Name)
        and test.left.id == name
        and isinstance(test.comparators[0], ast.Constant)
        and test.comparators[0].value is None
    )
