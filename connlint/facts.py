"""Facts about one file, computed once and shared by every rule: where
resources are created, of which catalog type, in which function, and what
becomes of each (its lifetime ``Fate``)."""

from __future__ import annotations

import ast
from dataclasses import dataclass, field

from connlint.catalog import Catalog, ResourceType
from connlint.lifetime import Fate, FunctionContext, LifetimeAnalysis
from connlint.names import FUNCTION_NODES, Resolver, parent_map, statement_of


@dataclass
class ResourceSite:
    """One call that creates a resource."""

    call: ast.Call
    rtype: ResourceType
    callee: str  # the callee as written: ``psycopg2.connect``, ``engine.connect``
    receiver: str | None  # ``pool`` in ``pool.getconn()``
    function: ast.AST | None  # None at module or class level
    statement: ast.stmt
    in_async: bool = False
    unpooled: bool = False  # e.g. poolclass=NullPool: holds no connections
    fate: Fate | None = None

    @property
    def line(self) -> int:
        return self.call.lineno

    @property
    def column(self) -> int:
        return self.call.col_offset + 1


@dataclass
class FileFacts:
    path: str
    tree: ast.Module
    lines: list[str]
    resolver: Resolver
    sites: list[ResourceSite] = field(default_factory=list)


def build_facts(path: str, tree: ast.Module, lines: list[str], catalog: Catalog, package: str = "") -> FileFacts:
    resolver = Resolver(tree, catalog, package)
    facts = FileFacts(path, tree, lines, resolver)
    _find_sites(facts, tree, catalog)
    return facts


def _find_sites(facts: FileFacts, tree: ast.Module, catalog: Catalog) -> None:
    resolver = facts.resolver
    parent_maps: dict = {}
    for scope in [resolver.module, *resolver.scopes.values()]:
        function = scope.node if isinstance(scope.node, FUNCTION_NODES) else None
        context = None
        for node in scope.calls:
            value = resolver.call_result(node, scope)
            if value is None or value.rtype is None or not value.rtype.is_resource:
                continue
            root = scope
            while isinstance(root.node, ast.Lambda):
                root = root.parent  # a lambda's statements belong to its enclosing scope
            parents = parent_maps.get(id(root.node))
            if parents is None:
                parents = parent_maps[id(root.node)] = parent_map(root.node)
            site = ResourceSite(
                call=node,
                rtype=value.rtype,
                callee=_source_of(node.func),
                receiver=_source_of(node.func.value) if isinstance(node.func, ast.Attribute) else None,
                function=function,
                statement=statement_of(node, parents),
                in_async=isinstance(function, ast.AsyncFunctionDef),
                unpooled=_is_unpooled(node, scope, resolver, catalog),
            )
            if function is not None:
                if context is None:
                    context = FunctionContext(function, scope, resolver, parents)
                site.fate = LifetimeAnalysis(context, node, value.rtype).run()
            facts.sites.append(site)
    facts.sites.sort(key=lambda s: (s.call.lineno, s.call.col_offset))


def _is_unpooled(call: ast.Call, scope, resolver: Resolver, catalog: Catalog) -> bool:
    qual = resolver.callee_qual(call, scope)
    conditions = catalog.unpooled_if.get(qual or "")
    if not conditions:
        return False
    for keyword in call.keywords:
        if keyword.arg in conditions:
            accepted = conditions[keyword.arg]
            if "*" in accepted and not (isinstance(keyword.value, ast.Constant) and keyword.value.value is None):
                return True  # any value: e.g. a client given a shared connection_pool
            value = resolver.resolve(keyword.value, scope)
            if value is not None and value.qual in accepted:
                return True
    return False


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
