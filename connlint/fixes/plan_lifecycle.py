"""Fix intents for the lifecycle rules (CNL201, CNL202, CNL203), planned on
the ``ast`` facts.  Each makes a client or pool that was created over and
over exist once; each can change behaviour (the pool now outlives the request
or the loop, a shared session keeps cookies), so they are unsafe fixes.
"""

from __future__ import annotations

import ast
import builtins

from connlint.fixes.intent import (
    UNSAFE,
    fresh_name,
    intent,
    make_fix,
    imported_only_inside,
    module_import,
    names_used,
    span,
    start,
    suite_of,
    walk_local,
)

LOOPS = (ast.For, ast.AsyncFor, ast.While)
FUNCTIONS = (ast.FunctionDef, ast.AsyncFunctionDef)
NESTED_SCOPES = FUNCTIONS + (ast.Lambda, ast.ClassDef)
BUILTINS = set(dir(builtins))


def _assigned_var(statement, call):
    if not isinstance(statement, ast.Assign) or len(statement.targets) != 1:
        return None
    target = statement.targets[0]
    if statement.value is not call or not isinstance(target, ast.Name):
        return None
    return target.id


def _stores(node) -> set:
    return names_used(node, bound_only=True)


def _loads(node) -> set:
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}


def _is_release(statement, var: str, rtype) -> bool:
    value = statement.value if isinstance(statement, ast.Expr) else None
    if isinstance(value, ast.Await):
        value = value.value
    return (
        isinstance(value, ast.Call)
        and isinstance(value.func, ast.Attribute)
        and isinstance(value.func.value, ast.Name)
        and value.func.value.id == var
        and value.func.attr in rtype.release
        and not value.args
    )


def _release_calls(node, var: str, rtype) -> int:
    return sum(
        1
        for child in ast.walk(node)
        if isinstance(child, ast.Call)
        and isinstance(child.func, ast.Attribute)
        and isinstance(child.func.value, ast.Name)
        and child.func.value.id == var
        and child.func.attr in rtype.release
    )


def _text(statement, lines) -> str:
    return lines[statement.lineno - 1].strip() if statement.lineno == statement.end_lineno else ast.unparse(statement)


def plan_hoist_from_loop(site, facts):
    """CNL202: ``engine = create_engine(URL)`` in a loop body whose arguments
    do not change in the loop -> created once before the loop (and disposed
    once after it, in ``finally``, if the loop disposed it)."""
    loop = site.loop.node if site.loop is not None else None
    statement = site.statement
    if not isinstance(loop, LOOPS) or not any(child is statement for child in loop.body):
        return None
    var = _assigned_var(statement, site.call)
    if var is None:
        return None
    root = site.function if site.function is not None else facts.tree
    if suite_of(root, loop) is None:
        return None
    changed_in_loop = _stores(loop)
    if isinstance(loop, (ast.For, ast.AsyncFor)):
        changed_in_loop |= _stores(loop.target)
    if _loads(site.call) & (changed_in_loop - {var}) or var in _loads(site.call):
        return None  # the arguments depend on the iteration
    if any(isinstance(n, (ast.Await, ast.Yield, ast.YieldFrom, ast.NamedExpr)) for n in ast.walk(site.call)):
        return None
    for node in walk_local(root):
        if isinstance(node, (ast.Global, ast.Nonlocal)) and var in node.names:
            return None
        if isinstance(node, ast.Name) and node.id == var and isinstance(node.ctx, (ast.Store, ast.Del)):
            if node is not statement.targets[0]:
                return None
    index = next(i for i, child in enumerate(loop.body) if child is statement)
    before = loop.body[:index]
    if any(var in _loads(child) for child in before) or (isinstance(loop, ast.While) and var in _loads(loop.test)):
        return None
    releases = [child for child in loop.body if _is_release(child, var, site.rtype)]
    if _release_calls(loop, var, site.rtype) != len(releases):
        return None  # released somewhere we cannot move it from
    if len(releases) + 1 >= len(loop.body):
        return None  # nothing would be left in the loop
    lines = facts.lines
    release = _text(releases[0], lines) if releases else None
    fix_intent = intent(
        "hoist-loop",
        creation=start(statement, lines),
        loop=start(loop, lines),
        releases=tuple(start(r, lines) for r in releases),
        release=release,
    )
    description = f"Create {var} once before the loop" + (f" and '{release}' it after the loop, in 'finally'" if release else "")
    return make_fix(UNSAFE, description, fix_intent)


def plan_move_to_module(site, facts):
    """CNL201: ``engine = create_engine(URL)`` in a per-request function, with
    module-level arguments -> one module-level ``engine``; ``return
    redis.Redis(...)`` in a helper without parameters -> a cached getter."""
    function = site.function
    statement = site.statement
    if not isinstance(function, FUNCTIONS) or site.loop is not None or site.rtype.needs_loop:
        return None  # a client that needs the running loop cannot be made at import time
    tree = facts.tree
    top = next((s for s in tree.body if any(n is function for n in ast.walk(s))), None)
    if top is None:
        return None
    module_names = _module_bindings(tree, top)
    local = _stores(function.args) | {n for child in function.body for n in _stores(child)}
    used = _loads(site.call)
    if used & local or not used <= module_names | BUILTINS:
        return None  # an argument that is not a module-level constant
    if any(isinstance(n, (ast.Await, ast.Yield, ast.YieldFrom, ast.NamedExpr, ast.Lambda)) for n in ast.walk(site.call)):
        return None
    if isinstance(statement, ast.Return) and statement.value is site.call:
        return _plan_cached_getter(site, facts, function, top)
    var = _assigned_var(statement, site.call)
    if var is None or not any(child is statement for child in function.body):
        return None
    if var in _all_module_names(tree) or var in _stores(function.args) or var == function.name:
        return None
    for node in ast.walk(tree):
        if isinstance(node, (ast.Global, ast.Nonlocal)) and var in node.names:
            return None
        if isinstance(node, ast.Name) and node.id == var and isinstance(node.ctx, (ast.Store, ast.Del)):
            if node is not statement.targets[0] and _inside(node, function):
                return None
    for child in function.body:
        if child is not statement and var in _loads(child) and child.lineno < statement.lineno:
            return None
    releases = [child for child in function.body if _is_release(child, var, site.rtype)]
    unwrap = [
        child for child in function.body
        if isinstance(child, ast.Try) and not child.handlers and not child.orelse and child.finalbody
        and all(_is_release(s, var, site.rtype) for s in child.finalbody)
    ]
    counted = len(releases) + sum(len(t.finalbody) for t in unwrap)
    if _release_calls(function, var, site.rtype) != counted:
        return None
    if len(function.body) - 1 - len(releases) < 1:
        return None
    lines = facts.lines
    fix_intent = intent(
        "hoist-module",
        creation=start(statement, lines),
        top=start(top, lines),
        releases=tuple(start(r, lines) for r in releases),
        unwrap=tuple(start(t, lines) for t in unwrap),
    )
    return make_fix(UNSAFE, f"Create {var} once at module level and share it", fix_intent)


def plan_shared_client(call, facts):
    """CNL203: ``requests.get(url)`` in a loop -> the loop (or the statement
    holding the comprehension) inside ``with requests.Session() as session:``,
    every one-shot helper of that client in it called on ``session``."""
    loop = call.loop
    if loop is None or loop.retry:
        return None
    statement = loop.node if isinstance(loop.node, LOOPS) else call.statement
    root = call.function if call.function is not None else facts.tree
    if statement is None or suite_of(root, statement) is None:
        return None
    client = call.instead
    if client.async_with and not isinstance(call.function, ast.AsyncFunctionDef):
        return None
    module, _, attribute = client.client.partition(".")
    if not attribute:
        return None
    spelling, add = _spelling_at_call(call, facts, module), False
    if spelling is None:
        spelling, add = module_import(facts.tree, module)
        if spelling is None or (add and imported_only_inside(facts.tree, module)):
            return None  # a lazy or optional import stays so: no new top-level import
    parents = facts.resolver.parents_of(root)
    same_client = {id(other.call): other for other in facts.one_shot_calls if other.instead == client}
    lines = facts.lines
    calls = []
    for node in ast.walk(statement):
        other = same_client.get(id(node))
        if other is None or _in_nested_scope(node, statement, parents):
            continue  # a helper called later, from a lambda or a nested function, may outlive the with
        calls.append((span(node.func, lines), other.qual.rsplit(".", 1)[-1]))
    if not calls:
        return None
    var = fresh_name(client.var, names_used(root))
    shared = f"{spelling}.{attribute}()"
    fix_intent = intent(
        "share-client",
        statement=start(statement, lines),
        calls=tuple(calls),
        client=shared,
        var=var,
        is_async=client.async_with,
        add_import=module if add else None,
    )
    keyword = "async with" if client.async_with else "with"
    return make_fix(UNSAFE, f"Share one client for the loop: '{keyword} {shared} as {var}:'", fix_intent)


def _spelling_at_call(call, facts, module: str) -> str | None:
    """The name the call itself reaches ``module`` by (``requests`` in
    ``requests.get(url)``, whether imported at the top, in the function or
    under ``try``), so the shared client needs no import of its own."""
    func = call.call.func
    if not isinstance(func, ast.Attribute) or not isinstance(func.value, ast.Name):
        return None
    resolver = facts.resolver
    scope = resolver.scopes.get(id(call.function), resolver.module) if call.function is not None else resolver.module
    value = resolver.resolve(func.value, scope)
    return func.value.id if value is not None and value.qual == module else None


def _in_nested_scope(node, statement, parents) -> bool:
    current = parents.get(id(node))
    while current is not None and current is not statement:
        if isinstance(current, NESTED_SCOPES):
            return True
        current = parents.get(id(current))
    return False


def _plan_cached_getter(site, facts, function, top):
    args = function.args
    if top is not function or function.decorator_list or isinstance(function, ast.AsyncFunctionDef):
        return None
    if args.posonlyargs or args.args or args.vararg or args.kwonlyargs or args.kwarg:
        return None
    module, add = module_import(facts.tree, "functools")
    if module is None:
        return None
    fix_intent = intent(
        "cache-getter",
        function=start(function, facts.lines),
        decorator=f"{module}.lru_cache",
        add_import="functools" if add else None,
    )
    return make_fix(UNSAFE, f"Cache {function.name}() with '@{module}.lru_cache': one client for the process", fix_intent)


def _inside(node, function) -> bool:
    return any(child is node for child in ast.walk(function))


def _all_module_names(tree) -> set:
    names = set()
    for statement in tree.body:
        if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(statement.name)
            continue
        names |= _stores(statement)
    return names


def _module_bindings(tree, top) -> set:
    """Names bound at module level before ``top``, never rebound after it."""
    before, after = set(), set()
    for statement in tree.body:
        bucket = before if statement.lineno < top.lineno else after
        if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            bucket.add(statement.name)
            continue
        bucket |= _stores(statement)
    return before - after
