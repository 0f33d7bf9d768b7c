"""Fix intents for the connection-lifetime rules (CNL101-CNL105), planned on
the ``ast`` facts.

The main shape is a resource bound to a name, used by the statements that
follow in the same suite and maybe released by a trailing ``x.close()``:

    conn = sqlite3.connect(p)                  with contextlib.closing(sqlite3.connect(p)) as conn:
    rows = conn.execute(q).fetchall()    ->        rows = conn.execute(q).fetchall()
    conn.close()

The *block* runs from the statement after the creation to the last statement
of that suite that mentions the resource or a name derived from it (a cursor,
a result); the fix is offered only when nothing else mentions them.  Where
the resource's ``with`` does not close it (or commits too), or in generators,
the uses go into ``try:`` / ``finally: <release>`` instead.
"""

from __future__ import annotations

import ast
import re

from connlint.fixes.intent import (
    SAFE,
    UNSAFE,
    fresh_name,
    intent,
    make_fix,
    module_import,
    names_used,
    start,
    span,
    suite_of,
    walk_local,
)
from connlint.lifetime import Detail
from connlint.record import Record

FUNCTIONS = (ast.FunctionDef, ast.AsyncFunctionDef)
SCOPES = FUNCTIONS + (ast.ClassDef, ast.Lambda)

#: Builtins whose result holds no reference to their arguments.
DATA_BUILTINS = {
    "len", "list", "tuple", "dict", "set", "frozenset", "int", "float", "str", "bool", "bytes",
    "sorted", "sum", "any", "all", "max", "min", "repr", "print", "isinstance", "round", "abs",
}


class WithPlan(Record, frozen=True):
    """The ``with`` a fix writes."""

    is_async: bool = False
    closing: bool = False  # wrap in contextlib.closing(...)
    method: str | None = None  # a checkout's context-manager method (pool.connection())
    keep_await: bool = False


# -- entry points (one per rule) ---------------------------------------------


def plan_unreleased(site, facts, code: str):
    """CNL101 / CNL102 / CNL104: manage the resource where it is created."""
    if site.created_when_missing:
        return None  # managing it would also close the one the caller passed in
    try:
        return _plan_unreleased(site, facts)
    except RecursionError:  # pragma: no cover - absurdly deep code
        return None


def plan_with_no_close(site, facts):
    """CNL103: ``with`` that commits but does not close (or does not return)."""
    statement = site.statement
    if isinstance(statement, (ast.With, ast.AsyncWith)):
        return _plan_with_item(site, facts, "transaction")
    return _plan_unreleased(site, facts)  # conn = connect(); with conn: ...


def plan_async_misuse(site, facts):
    """CNL105: ``with`` on an async resource, ``async with`` where it is not
    supported, or a release coroutine that is not awaited."""
    fate = site.fate
    function = site.function
    if not isinstance(function, ast.AsyncFunctionDef):
        return None
    if fate.detail == Detail.AWAITED:
        return _plan_await_release(site, facts, fate.method)
    statement = site.statement
    if not isinstance(statement, (ast.With, ast.AsyncWith)):
        return None
    if isinstance(statement, ast.With) and site.rtype.async_with_effect == "closes":
        return _plan_with_item(site, facts, "async")
    if isinstance(statement, ast.AsyncWith):
        return _plan_with_to_finally(site, facts)
    return None


# -- the bound resource and its block ----------------------------------------------


def _plan_unreleased(site, facts):
    function = site.function
    fate = site.fate
    if not isinstance(function, FUNCTIONS) or fate is None:
        return None
    statement = site.statement
    if fate.detail == Detail.DISCARDED:
        return _plan_discarded(site, facts)
    var = _created_name(statement, site.call)
    if var is None:
        return None
    awaited = isinstance(statement.value, ast.Await)
    found = suite_of(function, statement)
    if found is None:
        return None
    suite, index = found
    if not _binds_once(function, var, statement):
        return None
    catalog = facts.resolver.catalog
    lines = facts.lines
    later = suite[index + 1:]
    derived = _derived_names(later, var, site.rtype, catalog)
    watched = derived | {var}
    last = None
    for position, child in enumerate(later):
        if _mentions(child, watched):
            last = position
    if last is None:
        return None
    block = later[: last + 1]
    inside = {id(node) for child in block for node in ast.walk(child)}
    for node in ast.walk(function):
        if isinstance(node, ast.Name) and node.id in watched and id(node) not in inside:
            if node.id == var and _within(node, statement):
                continue
            return None  # mentioned outside the block: closing it there would change behaviour
    if _captured(block, watched):
        return None
    region = suite[max(index - 1, 0): index + last + 3]
    if any(a.end_lineno >= b.lineno for a, b in zip(region, region[1:])):
        return None  # statements joined with ';' are left alone
    releases = _release_calls(block, var, site)
    trailing = _is_release_statement(block[-1], var, site)
    extra = len(releases) - (1 if trailing else 0)
    if trailing and len(block) == 1:
        return None  # created and released at once: nothing to wrap
    applicability = SAFE
    if extra:
        if site.rtype.released_by and not site.rtype.release:
            return None  # a checkout given back twice raises
        applicability = UNSAFE  # the added release runs after the ones already there
    generator = any(isinstance(node, (ast.Yield, ast.YieldFrom)) for child in block for node in walk_local(child))
    form = None if generator else _with_form(site, awaited, catalog)
    closing_name = None
    add_import = None
    if form is not None and form.closing:
        closing_name, add_import = _closing_spelling(facts, function)
        if closing_name is None:
            form = None
    release_code = None
    if form is None:
        release_code = _release_code(site, var)
        if release_code is None and not trailing:
            return None
    assign = start(statement, lines)
    last_line = block[-1].end_lineno
    common = dict(
        var=var,
        assign=assign,
        call=span(site.call, lines),
        last_line=last_line,
        trailing=trailing,
    )
    label = site.rtype.label
    if form is not None:
        wrapped = _describe_with(site, form, closing_name, var, awaited)
        description = f"Use '{wrapped}' around the uses of {var}" + (" (drops the trailing release)" if trailing else "")
        fix_intent = intent(
            "manage-block",
            form="with",
            is_async=form.is_async,
            closing=closing_name,
            method=form.method,
            keep_await=form.keep_await,
            add_import=add_import,
            **common,
        )
    else:
        release = _statement_text(block[-1], lines) if trailing else release_code
        description = f"Release the {label} in 'finally: {release}'"
        fix_intent = intent("manage-block", form="try", release=release_code, **common)
    return make_fix(applicability, description, fix_intent)


def _created_name(statement, call):
    """``x`` in ``x = call(...)`` / ``x = await call(...)``."""
    if not isinstance(statement, ast.Assign) or len(statement.targets) != 1:
        return None
    target = statement.targets[0]
    value = statement.value
    if isinstance(value, ast.Await):
        value = value.value
    if value is not call or not isinstance(target, ast.Name):
        return None
    return target.id


def _binds_once(function, var: str, statement) -> bool:
    """``var`` is a plain local, bound only by the creating statement."""
    for node in walk_local(function):
        if isinstance(node, (ast.Global, ast.Nonlocal)) and var in node.names:
            return False
        if isinstance(node, ast.Name) and node.id == var and isinstance(node.ctx, (ast.Store, ast.Del)):
            if node is not statement.targets[0]:
                return False
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and node.name == var and node is not function:
            return False
        if isinstance(node, ast.alias) and (node.asname or node.name).split(".")[0] == var:
            return False
    return True


def _within(node, statement) -> bool:
    return any(child is node for child in ast.walk(statement))


def _mentions(node, names: set) -> bool:
    return any(isinstance(n, ast.Name) and n.id in names for n in ast.walk(node))


def _captured(block, names: set) -> bool:
    """A nested function, lambda or class that mentions the resource could run
    after the block."""
    for child in block:
        for node in ast.walk(child):
            if isinstance(node, SCOPES) and _mentions(node, names):
                return True
    return False


def _derived_names(statements, var: str, rtype, catalog) -> set:
    """Names bound (in ``statements``) to something that may hold on to the
    resource: a cursor, a result, a wrapper.  Plain data (``fetchall()``,
    ``len(...)``, ``rowcount``) is not derived."""
    derived = {var}
    data_methods = set(catalog.data_methods) | {m for m, result in rtype.methods.items() if result == "data"}
    data_attributes = set(catalog.data_attributes)
    changed = True
    while changed:
        changed = False
        for statement in statements:
            for node in ast.walk(statement):
                for targets, value in _bindings(node):
                    if value is None or not _mentions(value, derived):
                        continue
                    if _is_data(value, derived, data_methods, data_attributes):
                        continue
                    for target in targets:
                        for name in ast.walk(target):
                            if isinstance(name, ast.Name) and name.id not in derived:
                                derived.add(name.id)
                                changed = True
    derived.discard(var)
    return derived


def _bindings(node):
    if isinstance(node, ast.Assign):
        yield node.targets, node.value
    elif isinstance(node, (ast.AnnAssign, ast.AugAssign)):
        yield [node.target], node.value
    elif isinstance(node, (ast.For, ast.AsyncFor, ast.comprehension)):
        yield [node.target], node.iter
    elif isinstance(node, (ast.With, ast.AsyncWith)):
        for item in node.items:
            if item.optional_vars is not None:
                yield [item.optional_vars], item.context_expr
    elif isinstance(node, ast.NamedExpr):
        yield [node.target], node.value


def _is_data(value, derived, data_methods, data_attributes) -> bool:
    if isinstance(value, ast.Await):
        value = value.value
    if isinstance(value, ast.Subscript):
        return _is_data(value.value, derived, data_methods, data_attributes) or not _mentions(value.value, derived)
    if isinstance(value, ast.Call):
        func = value.func
        if isinstance(func, ast.Attribute) and func.attr in data_methods:
            return True
        if isinstance(func, ast.Name) and func.id in DATA_BUILTINS:
            return True
        return False
    if isinstance(value, ast.Attribute):
        return value.attr in data_attributes
    if isinstance(value, (ast.Constant, ast.JoinedStr, ast.Compare)):
        return True
    if isinstance(value, ast.UnaryOp):
        return isinstance(value.op, ast.Not) or _is_data(value.operand, derived, data_methods, data_attributes)
    if isinstance(value, ast.BinOp):
        return all(
            not _mentions(side, derived) or _is_data(side, derived, data_methods, data_attributes)
            for side in (value.left, value.right)
        )
    if isinstance(value, ast.BoolOp):
        return False  # `a or conn` may be the resource itself
    return False


# -- releases ------------------------------------------------------------------


def _release_call(node, var: str, site) -> bool:
    if isinstance(node, ast.Await):
        node = node.value
    if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Attribute):
        return False
    func = node.func
    rtype = site.rtype
    if isinstance(func.value, ast.Name) and func.value.id == var and func.attr in rtype.release:
        return not node.args and not node.keywords
    if func.attr in rtype.released_by:
        return any(isinstance(arg, ast.Name) and arg.id == var for arg in node.args)
    return False


def _is_release_statement(statement, var: str, site) -> bool:
    return isinstance(statement, ast.Expr) and _release_call(statement.value, var, site)


def _release_calls(block, var: str, site) -> list:
    return [
        node for child in block for node in ast.walk(child)
        if isinstance(node, ast.Call) and _release_call(node, var, site)
    ]


def _release_code(site, var: str):
    """``conn.close()``, ``await session.close()``, ``pool.putconn(conn)``."""
    rtype = site.rtype
    names = [name for name in rtype.release if not name.startswith("__")]
    if names:
        code = f"{var}.{names[0]}()"
        if rtype.release_awaited:
            if not site.in_async:
                return None
            code = f"await {code}"
        return code
    if rtype.released_by and site.receiver and re.fullmatch(r"[A-Za-z_][\w.]*", site.receiver):
        code = f"{site.receiver}.{rtype.released_by[0]}({var})"
        if rtype.is_async:
            if not site.in_async:
                return None
            code = f"await {code}"
        return code
    return None


# -- with forms ------------------------------------------------------------------


def _with_form(site, awaited: bool, catalog):
    """How a ``with`` that closes (or gives back) the resource is written, or None.

    A block that commits would change what the code writes: such resources
    are closed with ``contextlib.closing`` or in ``finally`` instead."""
    rtype = site.rtype
    form = rtype.with_form
    if form is not None:
        if form.is_async and not site.in_async:
            return None
        if form.awaits and not awaited:
            return None  # the code does not await the coroutine: not ours to guess
        method = None
        if form.pool_method:
            if not isinstance(site.call.func, ast.Attribute):
                return None
            method = form.pool_method if form.pool_method != site.call.func.attr else None
            if method is not None and _pool_method_commits(catalog, rtype, method):
                return None  # pool.connection() commits on exit: give it back in 'finally'
        if awaited and not form.is_async:
            return None
        return WithPlan(is_async=form.is_async, method=method, keep_await=form.awaits)
    if rtype.with_commits:
        if not awaited and not rtype.release_awaited and "close" in rtype.release:
            return WithPlan(closing=True)
        return None
    if site.in_async and rtype.async_with_effect == "closes":
        return WithPlan(is_async=True)
    if awaited:
        return None
    if rtype.with_effect == "closes":
        return WithPlan()
    if rtype.with_effect == "transaction" and rtype.kind != "checkout" and "close" in rtype.release and not rtype.release_awaited:
        return WithPlan(closing=True)
    return None


def _pool_method_commits(catalog, rtype, method: str) -> bool:
    """Does ``with pool.<method>()``, on a pool that hands out ``rtype``, enter
    another type whose block commits (``pool.connection()`` for a
    ``pool.getconn()`` checkout)?"""
    for pool in catalog.types.values():
        if rtype.name in pool.methods.values():
            entered = catalog.type_named(pool.methods.get(method))
            if entered is not None and entered is not rtype and entered.with_commits:
                return True
    return False


def _closing_spelling(facts, function):
    """(``contextlib.closing`` as this module spells it, import to add)."""
    module, add = module_import(facts.tree, "contextlib")
    if module is None or module in _local_names(function):
        return None, None
    return f"{module}.closing", ("contextlib" if add else None)


def _local_names(function) -> set:
    names = {a.arg for a in ast.walk(function.args) if isinstance(a, ast.arg)}
    for node in walk_local(function):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.add(node.id)
    return names


def _describe_with(site, form: WithPlan, closing_name, var, awaited) -> str:
    call = f"{site.callee}(...)"
    if form.method and site.receiver:
        call = f"{site.receiver}.{form.method}(...)"
    if form.keep_await:
        call = f"await {call}"
    if form.closing:
        call = f"{closing_name}({call})"
    keyword = "async with" if form.is_async else "with"
    return f"{keyword} {call} as {var}:"


def _statement_text(statement, lines) -> str:
    if statement.lineno == statement.end_lineno and 0 < statement.lineno <= len(lines):
        return lines[statement.lineno - 1].strip()
    return ast.unparse(statement)


# -- a resource created and dropped in one statement -----------------------------


def _plan_discarded(site, facts):
    """``psycopg2.connect(dsn).cursor().execute(q)``: bind it in a ``with``."""
    statement = site.statement
    function = site.function
    if not isinstance(statement, (ast.Expr, ast.Return, ast.Assign)):
        return None
    if _chain_root(statement.value) is not site.call:
        return None
    if suite_of(function, statement) is None:
        return None
    form = _with_form(site, False, facts.resolver.catalog)
    if form is None or form.method:
        return None
    var = fresh_name(site.rtype.var, names_used(function) | names_used(facts.tree))
    closing_name = add_import = None
    if form.closing:
        closing_name, add_import = _closing_spelling(facts, function)
        if closing_name is None:
            return None
    wrapped = _describe_with(site, form, closing_name, var, False)
    fix_intent = intent(
        "wrap-statement",
        statement=start(statement, facts.lines),
        call=span(site.call, facts.lines),
        var=var,
        is_async=form.is_async,
        closing=closing_name,
        add_import=add_import,
    )
    return make_fix(SAFE, f"Bind the {site.rtype.label} with '{wrapped}'", fix_intent)


def _chain_root(node):
    """The sub-expression evaluated first in ``a(...).b().c``."""
    while True:
        if isinstance(node, ast.Await):
            node = node.value
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            node = node.func.value
        elif isinstance(node, ast.Attribute):
            node = node.value
        elif isinstance(node, ast.Subscript):
            node = node.value
        else:
            return node


# -- with items ------------------------------------------------------------------


def _with_item(statement, call):
    for index, item in enumerate(statement.items):
        expr = item.context_expr
        if isinstance(expr, ast.Await):
            expr = expr.value
        if expr is call:
            return index, item
    return None, None


def _plan_with_item(site, facts, mode: str):
    """``with sqlite3.connect(p) as c:`` -> ``with contextlib.closing(...) as c, c:``;
    ``with pool.getconn() as c:`` -> ``with pool.connection() as c:``;
    ``with aiohttp.ClientSession() as s:`` -> ``async with ...``."""
    statement = site.statement
    function = site.function
    if not isinstance(function, FUNCTIONS):
        return None
    index, item = _with_item(statement, site.call)
    if item is None or isinstance(item.context_expr, ast.Await):
        return None
    target = item.optional_vars
    if target is not None and not isinstance(target, ast.Name):
        return None
    lines = facts.lines
    rtype = site.rtype
    common = dict(statement=start(statement, lines), item=index, call=span(site.call, lines))
    if mode == "async":
        if len(statement.items) != 1:
            return None
        fix_intent = intent("with-item", make_async=True, **common)
        return make_fix(SAFE, "Use 'async with'", fix_intent)
    if rtype.kind == "checkout":
        form = rtype.with_form
        if form is None or form.pool_method is None or not isinstance(site.call.func, ast.Attribute):
            return None
        if form.is_async != isinstance(statement, ast.AsyncWith):
            return None
        method = form.pool_method
        fix_intent = intent("with-item", method=method, **common)
        return make_fix(SAFE, f"Use '{site.receiver}.{method}()', which returns the connection to the pool", fix_intent)
    if isinstance(statement, ast.AsyncWith) or rtype.release_awaited or "close" not in rtype.release:
        return None
    closing_name, add_import = _closing_spelling(facts, function)
    if closing_name is None:
        return None
    var = target.id if target is not None else fresh_name(rtype.var, names_used(function) | names_used(facts.tree))
    fix_intent = intent(
        "with-item", closing=closing_name, var=var, bind=target is None, add_import=add_import, **common
    )
    description = f"Use 'with {closing_name}({site.callee}(...)) as {var}, {var}:' (closes it, keeps the transaction)"
    return make_fix(SAFE, description, fix_intent)


def _plan_with_to_finally(site, facts):
    """``async with asyncpg.connect(dsn) as c:`` -> ``c = await asyncpg.connect(dsn)``
    and ``try:`` / ``finally: await c.close()``."""
    statement = site.statement
    if len(statement.items) != 1:
        return None
    item = statement.items[0]
    if not isinstance(item.optional_vars, ast.Name):
        return None
    var = item.optional_vars.id
    release = _release_code(site, var)
    if release is None:
        return None
    lines = facts.lines
    fix_intent = intent(
        "with-to-finally",
        statement=start(statement, lines),
        call=span(site.call, lines),
        var=var,
        awaited=isinstance(item.context_expr, ast.Await),
        release=release,
    )
    description = f"Use '{var} = await {site.callee}(...)' and 'finally: {release}'"
    return make_fix(SAFE, description, fix_intent)


def _plan_await_release(site, facts, method: str):
    """``session.close()`` -> ``await session.close()``."""
    var = site.fate.var
    line = site.fate.line
    for node in walk_local(site.function):
        if (
            isinstance(node, ast.Expr)
            and node.lineno == line
            and isinstance(node.value, ast.Call)
            and isinstance(node.value.func, ast.Attribute)
            and node.value.func.attr == method
            and isinstance(node.value.func.value, ast.Name)
            and node.value.func.value.id == var
        ):
            fix_intent = intent("await-call", call=span(node.value, facts.lines))
            return make_fix(SAFE, f"Await '{var}.{method}()'", fix_intent)
    return None


__all__ = ["plan_unreleased", "plan_with_no_close", "plan_async_misuse"]
