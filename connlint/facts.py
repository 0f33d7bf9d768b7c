"""Facts about one file, computed once and shared by every rule: where
resources are created, of which catalog type, in which function, and what
becomes of each (its lifetime ``Fate``)."""

from __future__ import annotations

import ast

from connlint.catalog import Catalog, OneShot, ResourceType, UrlConstructor
from connlint.django_settings import DatabaseSetting, read_databases
from connlint.effects import FunctionContext, made_when_missing
from connlint.handlers import Reach, RequestReach
from connlint.lifetime import Fate, LifetimeAnalysis
from connlint.limits import PoolConfig, ValueReader, forwarded_limits, limit_can_matter, read_arguments
from connlint.names import Resolver
from connlint.source import decode_lines
from connlint.syntax import FUNCTION_NODES, SCOPE_NODES, statement_of


class Loop:
    """The innermost loop that runs a call on every iteration."""

    __slots__ = ("node", "retry")

    def __init__(self, node: ast.AST, retry: bool):
        self.node = node  # For, While or a comprehension
        self.retry = retry  # the loop stops once the call succeeds (break / return)

    @property
    def line(self) -> int:
        return self.node.lineno


class OneShotCall:
    """A call that builds a whole client, makes one request and drops it."""

    def __init__(self, call: ast.Call, callee: str, qual: str, instead: OneShot, loop: Loop | None,
                 statement: ast.stmt | None, function: ast.AST | None):
        self.call = call
        self.callee = callee  # as written: ``requests.get``, ``get``
        self.qual = qual  # ``requests.get``
        self.instead = instead  # the client to share
        self.loop = loop
        self.statement = statement
        self.function = function  # None at module or class level


class RemotePool:
    """A per-request call to a project function or class (in another module)
    that creates an engine or pool each time it runs."""

    def __init__(self, call: ast.Call, callee: str, label: str, origin: str, in_init: bool, reach: Reach,
                 statement: ast.stmt | None):
        self.call = call
        self.callee = callee  # as written: ``Reports``, ``helpers.make_engine``
        self.label = label  # ``SQLAlchemy engine``
        self.origin = origin  # where the other module creates it: ``app/db.py:8``
        self.in_init = in_init  # created in the class's ``__init__``
        self.reach = reach
        self.statement = statement


class ResourceSite:
    """One call that creates a resource."""

    def __init__(self, call: ast.Call, rtype: ResourceType, callee: str, receiver: str | None,
                 function: ast.AST | None, statement: ast.stmt, in_async: bool = False, unpooled: bool = False,
                 origin: str | None = None, loop: Loop | None = None):
        self.call = call
        self.rtype = rtype
        self.callee = callee  # the callee as written: ``psycopg2.connect``, ``engine.connect``
        self.receiver = receiver  # ``pool`` in ``pool.getconn()``
        self.function = function  # None at module or class level
        self.statement = statement
        self.in_async = in_async
        self.unpooled = unpooled  # e.g. poolclass=NullPool: holds no connections
        self.origin = origin  # the project module that defines what was called: "app/db.py:5"
        self.loop = loop  # the innermost loop that runs the call on every iteration
        self.fate: Fate | None = None
        self.per_request: Reach | None = None  # how a per-request entry point reaches the call
        self.kept_once = False  # guarded by ``if x is None`` or stored on the app: created once
        self.created_per: str | None = None  # "loop" (CNL202) or "request" (CNL201) for pools made over and over
        self.from_factory = False  # a pool handed out by a function of this module
        # made only when the caller passed none: ``if conn is None: conn = connect()``
        self.created_when_missing = False

    @property
    def line(self) -> int:
        return self.call.lineno

    @property
    def column(self) -> int:
        return self.call.col_offset + 1


class FileFacts:
    """Everything the rules read about one file."""

    def __init__(self, path: str, tree: ast.Module, text: list[str] | bytes, resolver: Resolver):
        self.path = path
        self.tree = tree
        self.text = text  # the source lines, or the bytes they are decoded from when first needed
        self.resolver = resolver
        self.sites: list[ResourceSite] = []
        self.one_shot_calls: list[OneShotCall] = []
        self.pool_configs: list = []  # connlint.limits.PoolConfig
        # calls that build a database URL from parts (``URL.create(query={...})``), in scope order
        self.url_constructor_calls: list[tuple[ast.Call, UrlConstructor]] = []
        self.remote_pools: list[RemotePool] = []  # another module's pool made per request
        self.reach: RequestReach | None = None
        self.reader: ValueReader | None = None
        self.settings: dict = {}  # module-level settings (DATABASES) -> value node
        self._database_settings: list[DatabaseSetting] | None = None

    @property
    def lines(self) -> list[str]:
        """Only files with findings (noqa, columns) or fixes need their text."""
        if isinstance(self.text, bytes):
            self.text = decode_lines(self.text)
        return self.text

    @property
    def database_settings(self) -> list[DatabaseSetting]:
        """The entries of a Django settings module's ``DATABASES``, read once
        for the rules that judge them."""
        if self._database_settings is None:
            names = self.resolver.catalog.django_settings
            node = self.settings.get(names.databases) if names is not None else None
            self._database_settings = (
                read_databases(node, names, self.reader, self.resolver.module) if node is not None else []
            )
        return self._database_settings


def build_facts(
    path: str, tree: ast.Module, text: list[str] | bytes, catalog: Catalog, package: str = "", project=None,
    lifetimes: bool = True, sites: bool = True,
) -> FileFacts:
    """``text`` is the source's lines or bytes.  ``lifetimes=False`` skips each
    resource's lifetime analysis: a module summary needs where resources come
    from, not what becomes of them.  ``sites=False`` looks for no resources
    at all: a module that imports neither a catalog library nor anything a
    project module exports makes none (its summary says only what its
    functions do with what they are given)."""
    resolver = Resolver(tree, catalog, package, project)
    if project is not None:
        project.scopes_collected(resolver)
    facts = FileFacts(path, tree, text, resolver)
    if not sites:
        return facts
    _find_sites(facts, tree, catalog, lifetimes)
    for name in catalog.settings_names:
        for value in resolver.module.bindings.get(name, ()):
            if isinstance(value, ast.expr):
                facts.settings[name] = value
                facts.reader = facts.reader or ValueReader(resolver)
    pools_here = any(site.rtype.kind == "pool" for site in facts.sites)
    if (pools_here or project is not None) and catalog.frameworks is not None:
        facts.reach = RequestReach(resolver, catalog.frameworks, path)
        for site in facts.sites:
            if site.rtype.kind == "pool":
                site.per_request = facts.reach.of(site.function)
                site.kept_once = _kept_once(site, facts, catalog)
        if project is not None:
            for call, scope, created, in_init in _remote_pool_calls(facts, project):
                reach = facts.reach.of(scope.node)
                if reach is not None:  # only what runs per request matters here
                    facts.remote_pools.append(
                        RemotePool(call, _source_of(call.func), created.label, created.origin, in_init,
                                   reach, statement_of(call, resolver.parents_of(scope.node)))
                    )
    # a pool from a factory of this module, called per request: reported
    # inside the factory, with the chain that reaches it
    facts.sites = [site for site in facts.sites if not (site.from_factory and site.per_request is not None)]
    for site in facts.sites:
        if site.rtype.kind != "pool":
            continue
        if site.loop is not None and not site.loop.retry and not _kept_per_item(site):
            site.created_per = "loop"
        elif site.per_request is not None and not site.kept_once:
            site.created_per = "request"
    return facts


def _find_sites(facts: FileFacts, tree: ast.Module, catalog: Catalog, lifetimes: bool = True) -> None:
    resolver = facts.resolver
    url_terminals = {call.rsplit(".", 1)[-1] for call in catalog.url_constructors}
    for scope in [resolver.module, *resolver.scopes.values()]:
        function = scope.node if isinstance(scope.node, FUNCTION_NODES) else None
        context = None
        for node in scope.calls:
            if not resolver.worth_resolving(node):
                continue
            if catalog.limits:
                _record_limits(facts, node, scope, catalog)
            # an attribute call (``URL.create``); a name bound to one (``make = URL.create``) is not followed
            if isinstance(node.func, ast.Attribute) and node.func.attr in url_terminals:
                constructor = catalog.url_constructors.get(resolver.callee_qual(node, scope))
                if constructor is not None:
                    facts.url_constructor_calls.append((node, constructor))
            value = resolver.call_result(node, scope)
            one_shot = qual = None
            if value is None and catalog.one_shot:
                qual = resolver.callee_qual(node, scope)
                one_shot = catalog.one_shot.get(qual) if qual else None
            if one_shot is None and (value is None or value.rtype is None or not value.rtype.is_resource or value.shared):
                continue  # nothing made here, or what a cached getter shares
            if one_shot is None and resolver.returns_receiver(node, scope):
                continue  # conn.execution_options(): the same resource, not a new one
            root = scope
            while isinstance(root.node, ast.Lambda):
                root = root.parent  # a lambda's statements belong to its enclosing scope
            parents = resolver.parents_of(root.node)
            if one_shot is not None:
                facts.one_shot_calls.append(
                    OneShotCall(node, _source_of(node.func), qual, one_shot, _loop_of(node, parents, root),
                                statement_of(node, parents), function)
                )
                continue
            if resolver.shares(node, scope):
                continue  # e.g. a Redis client on a shared connection_pool: it owns no pool
            site = ResourceSite(
                call=node,
                rtype=value.rtype,
                callee=_source_of(node.func),
                receiver=_source_of(node.func.value) if isinstance(node.func, ast.Attribute) else None,
                function=function,
                statement=statement_of(node, parents),
                in_async=isinstance(function, ast.AsyncFunctionDef),
                unpooled=resolver.matches_keywords(node, scope, catalog.unpooled_if),
                loop=_loop_of(node, parents, root),
                origin=value.origin,
            )
            site.from_factory = value.factory
            site.created_when_missing = _created_when_missing(site, parents)
            if function is not None and lifetimes:
                if context is None:
                    context = FunctionContext(function, scope, resolver, parents)
                site.fate = LifetimeAnalysis(context, node, value.rtype).run()
            facts.sites.append(site)
    facts.sites.sort(key=lambda s: (s.call.lineno, s.call.col_offset))
    by_call = {id(site.call): site for site in facts.sites}
    for config in facts.pool_configs:
        config.site = by_call.get(id(config.call))
        config.matters = limit_can_matter(config, resolver, catalog)
    facts.pool_configs.sort(key=lambda c: (c.call.lineno, c.call.col_offset))


def _created_when_missing(site: ResourceSite, parents) -> bool:
    """``conn = connect()`` under ``if conn is None:`` (or ``if not conn:``),
    on a parameter ``conn`` of the function."""
    function, statement = site.function, site.statement
    if function is None or not isinstance(statement, ast.Assign) or len(statement.targets) != 1:
        return False
    target = statement.targets[0]
    parameters = {a.arg for a in (*function.args.posonlyargs, *function.args.args, *function.args.kwonlyargs)}
    return isinstance(target, ast.Name) and target.id in parameters and made_when_missing(target, target.id, parents)


def _record_limits(facts: FileFacts, call: ast.Call, scope, catalog: Catalog) -> None:
    qual = facts.resolver.callee_qual(call, scope)
    spec, origin = catalog.limits.get(qual) if qual else None, None
    if spec is None:
        spec, origin = _forwarded_spec(facts, call, scope, catalog, qual)
        if spec is None:
            return
    elif any(catalog.limits.get(other) is not spec for other in facts.resolver.alternative_quals(call.func, scope)):
        return  # one name, several libraries' pools: what holds for each is not known
    if facts.reader is None:
        facts.reader = ValueReader(facts.resolver)
    arguments = read_arguments(call, spec, scope, facts.reader)
    config = PoolConfig(call, spec, arguments, _source_of(call.func), None, origin=origin)
    if config.applies():
        facts.pool_configs.append(config)


def _forwarded_spec(facts: FileFacts, call: ast.Call, scope, catalog: Catalog, qual) -> tuple:
    """(spec, origin) of the pool-building call a project function forwards
    its arguments to, so that they are read at this call (RULES: forwarding
    wrappers are read at their call sites); (None, None) if it is none, or
    if the wrapper sets the bound (or the pool class) itself."""
    resolver = facts.resolver
    forwarded = None  # (the pool-building call, the keywords the wrapper sets, where)
    local = resolver._module_definition(call.func.id, scope) if isinstance(call.func, ast.Name) else None
    if isinstance(local, FUNCTION_NODES):
        found = forwarded_limits(local, resolver, catalog)
        if found:
            forwarded = found["call"], found["keywords"], f"{facts.path}:{found['line']}"
    elif qual and resolver.project is not None:
        entry = resolver.entry(qual, "functions")
        if entry is not None and entry.forwards is not None:
            forwarded = entry.forwards.call, entry.forwards.keywords, entry.forwards.origin
    if forwarded is None:
        return None, None
    pool_call, keywords, origin = forwarded
    spec = catalog.limits.get(pool_call)
    if spec is None or set(keywords) & (set(spec.size) | set(spec.unsized)):
        return None, None
    return spec, origin


def _source_of(node) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return f"{_source_of(node.value)}.{node.attr}"
    if isinstance(node, ast.Call):
        return f"{_source_of(node.func)}(...)"
    try:
        return ast.unparse(node)
    except Exception:  # pragma: no cover - unparse handles every parsed node
        return "..."


LOOP_NODES = (ast.For, ast.AsyncFor, ast.While)
COMPREHENSIONS = (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)


def _loop_of(node, parents, scope=None) -> Loop | None:
    """The innermost loop whose every iteration runs ``node``, within its
    scope; past a retry loop (which runs it until it works), the loop around
    it, if any: ``for f in files: for attempt in range(3): upload(f)``.  A
    ``for`` over a literal of one item (``for v in ["v3"]``) runs once."""
    retry = None
    child, current = node, parents.get(id(node))
    while current is not None and not isinstance(current, SCOPE_NODES):
        if isinstance(current, LOOP_NODES) and any(child is stmt for stmt in current.body):
            if _runs_once(current, scope):
                pass
            elif not _is_retry(current, node):
                return Loop(current, False)
            else:
                retry = retry or Loop(current, True)
        elif isinstance(current, COMPREHENSIONS):
            first_iter = current.generators[0].iter
            if child is not first_iter:
                return Loop(current, False)
        child, current = current, parents.get(id(current))
    return retry


def _runs_once(loop, scope) -> bool:
    """``for v in ["v3"]:`` or over a local name bound once to such a literal."""
    if not isinstance(loop, (ast.For, ast.AsyncFor)):
        return False
    iterated = loop.iter
    current = scope
    while isinstance(iterated, ast.Name) and current is not None:
        if iterated.id in current.bindings:  # the scope that binds the name (module constants too)
            entries = current.bindings[iterated.id]
            iterated = entries[0] if len(entries) == 1 else None
            break
        current = current.parent
    return isinstance(iterated, (ast.List, ast.Tuple, ast.Set)) and len(iterated.elts) <= 1 and not any(
        isinstance(element, ast.Starred) for element in iterated.elts
    )


def _is_retry(loop, call=None) -> bool:
    """A loop that repeats only until the call succeeds: it leaves with
    ``break`` / ``return`` on its main path, or it is a ``while`` or
    ``for _ in range(n)`` loop with any ``break`` / ``return``, or a
    ``while`` whose condition the body updates (``while not done:``).
    Never one whose call works on what the previous iteration found
    (``url = page["next"]``, a redirect's location): that pages through
    results, one call per page."""
    if call is not None and _loaded(call) & _carried(loop):
        return False
    counting = isinstance(loop, ast.While) or (
        isinstance(loop.iter, ast.Call) and isinstance(loop.iter.func, ast.Name) and loop.iter.func.id == "range"
    )
    if isinstance(loop, ast.While):
        tested = {n.id for n in ast.walk(loop.test) if isinstance(n, ast.Name)}
        assigned = {
            n.id for statement in loop.body for n in ast.walk(statement)
            if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)
        }
        if tested & assigned:
            return True
    pending = list(loop.body)
    while pending:
        statement = pending.pop()
        if isinstance(statement, (ast.Break, ast.Return)):
            return True
        if isinstance(statement, ast.Try):
            # leaving from a handler gives up on a failure: no sign of a retry
            pending.extend(statement.body + statement.orelse + statement.finalbody)
        elif isinstance(statement, (ast.With, ast.AsyncWith)):
            pending.extend(statement.body)
        elif counting and isinstance(statement, ast.If):
            pending.extend(statement.body + statement.orelse)
    return False


def _loaded(node) -> set:
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}


def _carried(loop) -> set:
    """Names whose value one iteration computes for the next (read in the
    body before a plain assignment in it rebinds them), and the names built
    from them in the body."""
    order = sorted(
        (n for n in ast.walk(loop) if isinstance(n, ast.Name) and n is not getattr(loop, "target", None)),
        key=lambda n: (n.lineno, n.col_offset),
    )
    assigned: dict = {}  # name -> the values plain assignments in the loop give it
    for node in ast.walk(loop):
        if isinstance(node, ast.Assign) and all(isinstance(t, ast.Name) for t in node.targets):
            for target in node.targets:
                assigned.setdefault(target.id, []).append(node.value)
    first_use: dict = {}
    for node in order:
        first_use.setdefault(node.id, node.ctx)
    carried = {name for name in assigned if isinstance(first_use.get(name), ast.Load)}
    grown = bool(carried)
    while grown:
        grown = False
        for name, values in assigned.items():
            if name not in carried and any(_loaded(value) & carried for value in values):
                carried.add(name)
                grown = True
    return carried


def _kept_once(site: ResourceSite, facts: FileFacts, catalog: Catalog) -> bool:
    """Created under ``if _engine is None:`` and stored in that same
    process-wide place (a global, a class attribute, a module object)."""
    statement = site.statement
    targets = []
    if isinstance(statement, ast.Assign) and _value_is(statement.value, site.call):
        targets = statement.targets
    elif isinstance(statement, ast.AnnAssign) and statement.value is not None and _value_is(statement.value, site.call):
        targets = [statement.target]
    return any(
        _process_wide(target, site, facts, catalog) and _guarded(target, statement, site.function, facts)
        for target in targets
    )


def _process_wide(target, site: ResourceSite, facts: FileFacts, catalog: Catalog) -> bool:
    """Does ``target`` outlive the request?  A global or a module-level object
    does; ``self.x`` on a per-request object, Flask's ``g`` or a local does not."""
    root = target
    while isinstance(root, (ast.Attribute, ast.Subscript)):
        root = root.value
    if not isinstance(root, ast.Name) or site.function is None:
        return False
    scope = facts.resolver.scope_of(site.function)
    if root.id == "cls":
        return True
    if root.id in scope.declared_global:
        return True
    if root.id in scope.bindings or root.id == scope.self_name:
        return False  # a local, a parameter or the per-request instance
    value = facts.resolver.resolve_name(root.id, scope)
    if value is not None and value.qual in catalog.frameworks.request_scoped:
        return False
    return target is not root  # an attribute or item of a module-level object


def _value_is(value, call) -> bool:
    return value is call or (isinstance(value, ast.Await) and value.value is call)


def _guarded(target, statement, function, facts: FileFacts) -> bool:
    """An enclosing ``if`` tests the very place the pool is stored in."""
    if function is None:
        return False
    key = _target_key(target)
    if key is None and not isinstance(target, ast.Subscript):
        return False
    parents = facts.resolver.parents_of(function)
    current = parents.get(id(statement))
    while current is not None and current is not function:
        if isinstance(current, ast.If):
            mentioned = {_target_key(n) for n in ast.walk(current.test)}
            if key in mentioned or _named_in_test(target, current.test):
                return True
        current = parents.get(id(current))
    return False


def _target_key(node):
    if isinstance(node, ast.Name):
        return ("name", node.id)
    if isinstance(node, ast.Attribute):
        base = _target_key(node.value)
        return ("attr", base, node.attr) if base is not None else None
    return None


def _named_in_test(target, test) -> bool:
    """``if "db" not in app.extensions: app.extensions["db"] = ...`` or
    ``if not hasattr(app.state, "pool"): app.state.pool = ...``"""
    if isinstance(target, ast.Subscript) and isinstance(target.slice, ast.Constant):
        name = target.slice.value
    elif isinstance(target, ast.Attribute):
        name = target.attr
    else:
        return False
    return isinstance(name, str) and any(isinstance(n, ast.Constant) and n.value == name for n in ast.walk(test))


KEEPING_METHODS = {"append", "add", "setdefault", "insert", "put", "__setitem__"}


def _kept_per_item(site: ResourceSite) -> bool:
    """One pool per item, kept in a container (``engines[name] = create_engine(url)``,
    ``[create_engine(u) for u in urls]``): built once each, not over and over."""
    statement = site.statement
    if isinstance(statement, ast.Assign) and _value_is(statement.value, site.call):
        return any(isinstance(target, ast.Subscript) for target in statement.targets)
    loop = site.loop.node
    if isinstance(loop, COMPREHENSIONS):
        element = loop.value if isinstance(loop, ast.DictComp) else loop.elt
        return _value_is(element, site.call)
    for node in ast.walk(statement):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in KEEPING_METHODS
            and any(_value_is(arg, site.call) for arg in node.args)
        ):
            return True
    return False


def _remote_pool_calls(facts: FileFacts, project) -> list:
    """Calls, in functions, to other modules' functions or classes that
    create a pool whenever they run: (call, scope, created, in __init__)."""
    resolver, found = facts.resolver, []
    imported = {
        name
        for scope in [resolver.module, *resolver.scopes.values()]
        for name, qual in scope.imports.items()
        if project.is_project_name(qual)
    }
    if not imported:
        return found  # nothing of the project's is called here
    sites = {id(site.call) for site in facts.sites}  # a returned pool is reported as a site already
    for scope in resolver.scopes.values():
        if not isinstance(scope.node, FUNCTION_NODES):
            continue
        for call in scope.calls:
            if id(call) in sites or _root_name(call.func) not in imported or not resolver.worth_resolving(call):
                continue
            qual = resolver.callee_qual(call, scope)
            if qual is None:
                created = _method_creates(call, scope, resolver)
                if created:
                    found.append((call, scope, created[0], False))  # payments.capture(): a method that makes one
                continue
            entry = resolver.entry(qual, "classes")
            if entry is not None and entry.init_creates:
                found.append((call, scope, entry.init_creates[0], True))
                continue
            entry = resolver.entry(qual, "functions")
            if entry is not None and entry.creates:
                found.append((call, scope, entry.creates[0], False))
    return found


def _method_creates(call, scope, resolver) -> tuple:
    """The pools a method of another module's class makes on each call, for
    ``instance.method(...)`` on an instance of that class."""
    func = call.func
    if not isinstance(func, ast.Attribute):
        return ()
    receiver = resolver.resolve(func.value, scope)
    if receiver is None or not isinstance(receiver.instance, str):
        return ()
    entry = resolver.entry(receiver.instance, "classes")
    method = entry.methods.get(func.attr) if entry is not None else None
    return method.creates if method is not None else ()


def _root_name(node) -> str | None:
    """``db`` in ``db.make_engine``, ``Reports`` in ``Reports``."""
    while isinstance(node, ast.Attribute):
        node = node.value
    return node.id if isinstance(node, ast.Name) else None

