"""Turns one fix intent into new source, on the concrete syntax tree (libcst).

Comments, blank lines, line endings (CRLF stays CRLF) and indentation (tabs
stay tabs) are kept: statements are moved between blocks as nodes, and libcst
re-indents them, continuation lines included.  Every action finds its nodes
by the positions the intent carries and fails (``FixFailed``) rather than
guess when the code is not what the intent describes.
"""

from __future__ import annotations

import libcst as cst
import libcst.helpers
from libcst.metadata import MetadataWrapper, ParentNodeProvider, PositionProvider


class FixFailed(Exception):
    """The intent does not match the code (anymore)."""


def rewrite(text: str, fix_intent) -> tuple[str, tuple]:
    """The source ``text`` with ``fix_intent`` applied, and the line ranges of
    ``text`` the fix declares it rewrites ((first, last), 1-based, inclusive;
    (n, n - 1) marks an insertion before line n)."""
    try:
        module = cst.parse_module(text)
    except cst.ParserSyntaxError as exc:
        raise FixFailed(f"libcst cannot parse the file: {str(exc).splitlines()[0]}") from None
    action = ACTIONS.get(fix_intent.action)
    if action is None:
        raise FixFailed(f"unknown fix action '{fix_intent.action}'")
    tree = Tree(module)
    params = dict(fix_intent.params)
    action(tree, params)
    return tree.module.code, tuple(tree.regions)


class Tree:
    """The module with the positions and parents of its original nodes."""

    def __init__(self, module: cst.Module):
        wrapper = MetadataWrapper(module, unsafe_skip_copy=True)
        self.module = module
        self.positions = wrapper.resolve(PositionProvider)
        self.parents = wrapper.resolve(ParentNodeProvider)
        self.regions: list = []

    def declare(self, node, last_line: int | None = None) -> None:
        """The fix rewrites the lines of ``node`` (through ``last_line``)."""
        position = self.positions[node]
        self.regions.append((position.start.line, last_line or position.end.line))

    def declare_insertion(self, before_line: int) -> None:
        self.regions.append((before_line, before_line - 1))

    # -- finding nodes -------------------------------------------------------

    def statement_at(self, where) -> cst.CSTNode:
        line, column = where
        for node, position in self.positions.items():
            if (
                isinstance(node, (cst.SimpleStatementLine, cst.BaseCompoundStatement))
                and position.start.line == line
                and position.start.column == column
            ):
                return node
        raise FixFailed(f"no statement at line {line}")

    def node_at(self, where, kind) -> cst.CSTNode:
        line, column, end_line, end_column = where
        for node, position in self.positions.items():
            if (
                isinstance(node, kind)
                and (position.start.line, position.start.column) == (line, column)
                and (position.end.line, position.end.column) == (end_line, end_column)
            ):
                return node
        raise FixFailed(f"no {getattr(kind, '__name__', 'expression')} at line {line}")

    def simple_statement(self, where, kind):
        """The ``SimpleStatementLine`` at ``where`` holding one ``kind`` statement."""
        line = self.statement_at(where)
        if not isinstance(line, cst.SimpleStatementLine) or len(line.body) != 1 or not isinstance(line.body[0], kind):
            raise FixFailed("the statement has changed")
        return line

    # -- changing the tree -----------------------------------------------------

    def suite(self, statement):
        """(the block holding ``statement``, its statements, the index)."""
        parent = self.parents.get(statement)
        if not isinstance(parent, (cst.IndentedBlock, cst.Module)):
            raise FixFailed("the statement is not in an indented block")
        body = list(parent.body)
        for index, child in enumerate(body):
            if child is statement:
                return parent, body, index
        raise FixFailed("the statement is not in its block")  # pragma: no cover

    def set_suite(self, parent, body) -> None:
        if parent is self.module:
            self.module = self.module.with_changes(body=body)
        else:
            self.module = self.module.deep_replace(parent, parent.with_changes(body=body))

    def replace(self, old, new) -> None:
        self.module = self.module.deep_replace(old, new)

    def parse_statement(self, code: str) -> cst.BaseStatement:
        return cst.parse_statement(code + self.module.default_newline, config=self.module.config_for_parsing)

    def parse_expression(self, code: str) -> cst.BaseExpression:
        return cst.parse_expression(code, config=self.module.config_for_parsing)

    def add_import(self, name: str | None) -> None:
        if name:
            self.module = with_import(self.module, name, self)


# -- helpers on statements ---------------------------------------------------------


def _blank_prefix(lines) -> tuple[list, list]:
    """(the blank lines before the first comment, the rest)."""
    lines = list(lines)
    count = 0
    while count < len(lines) and lines[count].comment is None:
        count += 1
    return lines[:count], lines[count:]


def _without_leading_blanks(statement):
    _, rest = _blank_prefix(statement.leading_lines)
    return statement.with_changes(leading_lines=rest)


def _comment_lines(statement) -> list:
    """The comments a dropped statement carried, as lines to keep."""
    kept = [line for line in statement.leading_lines if line.comment is not None]
    trailing = getattr(statement, "trailing_whitespace", None)
    if trailing is not None and trailing.comment is not None:
        kept.append(cst.EmptyLine(indent=True, whitespace=cst.SimpleWhitespace(""), comment=trailing.comment))
    return kept


def _wrapped(tree: Tree, expression, closing: str | None):
    if closing:
        return cst.Call(func=tree.parse_expression(closing), args=[cst.Arg(value=expression)])
    return expression


def _block(statements, header=None, footer=()) -> cst.IndentedBlock:
    block = cst.IndentedBlock(body=list(statements), footer=list(footer))
    if header is not None:
        block = block.with_changes(header=header)
    return block


def _created_call(tree: Tree, value, where, changed: str):
    """The call (awaited or not) that creates the resource, still where the
    plan saw it; else FixFailed with ``changed``."""
    call = value.expression if isinstance(value, cst.Await) else value
    if not isinstance(call, cst.Call):
        raise FixFailed(changed)
    position = tree.positions.get(call)
    if position is None or (position.start.line, position.start.column) != tuple(where[:2]):
        raise FixFailed("the call has moved")
    return call


class _Replace(cst.CSTTransformer):
    """Replaces original nodes (by identity) in one pass."""

    def __init__(self, replacements: dict):
        super().__init__()
        self.replacements = replacements

    def on_leave(self, original_node, updated_node):
        return self.replacements.get(original_node, updated_node)


# -- actions -----------------------------------------------------------------------


def manage_block(tree: Tree, p: dict) -> None:
    """``x = open(...)`` + uses (+ ``x.close()``) -> ``with`` or ``try``/``finally``."""
    assign_line = tree.simple_statement(p["assign"], cst.Assign)
    parent, body, index = tree.suite(assign_line)
    block_end = index + 1
    while block_end < len(body) and tree.positions[body[block_end]].start.line <= p["last_line"]:
        block_end += 1
    block = body[index + 1: block_end]
    if not block or tree.positions[block[-1]].end.line != p["last_line"]:
        raise FixFailed("the uses of the resource have changed")
    assign = assign_line.body[0]
    value = assign.value
    call = _created_call(tree, value, p["call"], "the resource is no longer created here")
    tree.declare(assign_line, p["last_line"])
    uses = block[:-1] if p["trailing"] else block
    if not uses:
        raise FixFailed("nothing uses the resource")
    first_blanks, _ = _blank_prefix(uses[0].leading_lines)
    uses = [_without_leading_blanks(uses[0]), *uses[1:]]
    if p["form"] == "with":
        expression = call
        if p.get("method"):
            if not isinstance(call.func, cst.Attribute):
                raise FixFailed("the checkout is not a method call")
            expression = call.with_changes(func=call.func.with_changes(attr=cst.Name(p["method"])))
        if p.get("keep_await") and isinstance(value, cst.Await):
            expression = value.with_changes(expression=expression)
        expression = _wrapped(tree, expression, p.get("closing"))
        footer = _comment_lines(block[-1]) if p["trailing"] else []
        statement = cst.With(
            items=[cst.WithItem(item=expression, asname=cst.AsName(name=cst.Name(p["var"])))],
            body=_block(uses, header=assign_line.trailing_whitespace, footer=footer),
            asynchronous=cst.Asynchronous() if p.get("is_async") else None,
            leading_lines=assign_line.leading_lines,
        )
        new_body = [*body[:index], statement, *body[block_end:]]
    else:
        if p["trailing"]:
            release = _without_leading_blanks(block[-1])
        elif p.get("release"):
            release = tree.parse_statement(p["release"])
        else:
            raise FixFailed("no way to release the resource")
        statement = cst.Try(
            body=_block(uses),
            finalbody=cst.Finally(body=_block([release])),
            leading_lines=first_blanks,
        )
        new_body = [*body[: index + 1], statement, *body[block_end:]]
    tree.set_suite(parent, new_body)
    tree.add_import(p.get("add_import"))


def wrap_statement(tree: Tree, p: dict) -> None:
    """``connect(dsn).cursor().execute(q)`` -> ``with closing(connect(dsn)) as conn:`` + the statement on ``conn``."""
    line = tree.statement_at(p["statement"])
    if not isinstance(line, cst.SimpleStatementLine) or len(line.body) != 1:
        raise FixFailed("the statement has changed")
    call = tree.node_at(p["call"], cst.Call)
    suite = tree.suite(line)
    tree.declare(line)
    inner = line.deep_replace(call, cst.Name(p["var"]))
    _enclose_in_with(tree, p, line, suite, _wrapped(tree, call, p.get("closing")), inner)


def _enclose_in_with(tree: Tree, p: dict, line, suite: tuple, item, inner) -> None:
    """Put ``with <item> as <var>:`` (``async with`` if the intent says so)
    around ``inner`` where ``line`` stands in ``suite`` (its block, the
    block's statements, its index), and add the intent's import."""
    parent, body, index = suite
    statement = cst.With(
        items=[cst.WithItem(item=item, asname=cst.AsName(name=cst.Name(p["var"])))],
        body=_block([inner.with_changes(leading_lines=())]),
        asynchronous=cst.Asynchronous() if p.get("is_async") else None,
        leading_lines=line.leading_lines,
    )
    tree.set_suite(parent, [*body[:index], statement, *body[index + 1:]])
    tree.add_import(p.get("add_import"))


def with_item(tree: Tree, p: dict) -> None:
    """Rewrite one item of a ``with``: closing + transaction, another method, or async."""
    statement = tree.statement_at(p["statement"])
    if not isinstance(statement, cst.With):
        raise FixFailed("the 'with' statement has changed")
    items = list(statement.items)
    if p["item"] >= len(items):
        raise FixFailed("the 'with' statement has changed")
    item = items[p["item"]]
    if isinstance(item.item, cst.Await):
        raise FixFailed("the 'with' item has changed")
    call = _created_call(tree, item.item, p["call"], "the 'with' item has changed")
    tree.declare(statement)
    if p.get("make_async"):
        tree.replace(statement, statement.with_changes(asynchronous=cst.Asynchronous()))
        return
    if p.get("method"):
        if not isinstance(call.func, cst.Attribute):
            raise FixFailed("the checkout is not a method call")
        new_item = item.with_changes(item=call.with_changes(func=call.func.with_changes(attr=cst.Name(p["method"]))))
        items[p["item"]] = new_item
    else:
        var = p["var"]
        asname = cst.AsName(name=cst.Name(var)) if p.get("bind") else item.asname
        closed = item.with_changes(
            item=_wrapped(tree, call, p["closing"]),
            asname=asname,
            comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" ")),
        )
        transaction = cst.WithItem(item=cst.Name(var), comma=item.comma)
        items[p["item"]: p["item"] + 1] = [closed, transaction]
    tree.replace(statement, statement.with_changes(items=items))
    tree.add_import(p.get("add_import"))


def with_to_finally(tree: Tree, p: dict) -> None:
    """``async with connect() as c:`` (unsupported) -> ``c = await connect()`` + ``try``/``finally``."""
    statement = tree.statement_at(p["statement"])
    if not isinstance(statement, cst.With) or len(statement.items) != 1:
        raise FixFailed("the 'with' statement has changed")
    item = statement.items[0]
    value = item.item
    call = _created_call(tree, value, p["call"], "the 'with' item has changed")
    parent, body, index = tree.suite(statement)
    tree.declare(statement)
    header = statement.body.header if isinstance(statement.body, cst.IndentedBlock) else None
    assign = cst.SimpleStatementLine(
        body=[cst.Assign(targets=[cst.AssignTarget(target=cst.Name(p["var"]))], value=cst.Await(expression=call))],
        leading_lines=statement.leading_lines,
    )
    if header is not None:
        assign = assign.with_changes(trailing_whitespace=header)
    if not isinstance(statement.body, cst.IndentedBlock):
        raise FixFailed("a one-line 'with' body")
    statement_try = cst.Try(
        body=statement.body.with_changes(header=cst.TrailingWhitespace()),
        finalbody=cst.Finally(body=_block([tree.parse_statement(p["release"])])),
    )
    tree.set_suite(parent, [*body[:index], assign, statement_try, *body[index + 1:]])


def await_call(tree: Tree, p: dict) -> None:
    call = tree.node_at(p["call"], cst.Call)
    tree.declare(call)
    tree.replace(call, cst.Await(expression=call))


def _with_keywords(tree: Tree, call: cst.Call, keywords) -> cst.Call:
    """``call`` with keyword arguments added ("add") or given a new value ("set")."""
    args = list(call.args)
    for name, code, mode in keywords:
        value = tree.parse_expression(code)
        if mode == "set":
            for index, arg in enumerate(args):
                if arg.keyword is not None and arg.keyword.value == name:
                    args[index] = arg.with_changes(value=value)
                    break
            else:
                raise FixFailed(f"no keyword '{name}' to change")
            continue
        if any(arg.keyword is not None and arg.keyword.value == name for arg in args):
            raise FixFailed(f"'{name}' is already given")
        new = cst.Arg(
            keyword=cst.Name(name),
            value=value,
            equal=cst.AssignEqual(whitespace_before=cst.SimpleWhitespace(""), whitespace_after=cst.SimpleWhitespace("")),
        )
        if args:
            # The new argument takes the last one's place in the layout: what
            # follows the last argument (a trailing comma, the line break
            # before ")") moves to it, and the last one is followed by what
            # separates arguments here (", " or a comma and a new line).
            last = args[-1]
            between = args[-2].comma.whitespace_after if len(args) > 1 and isinstance(args[-2].comma, cst.Comma) else None
            if between is None:
                between = call.whitespace_before_args if _breaks_line(call.whitespace_before_args) else cst.SimpleWhitespace(" ")
            new = new.with_changes(comma=last.comma, whitespace_after_arg=last.whitespace_after_arg)
            args[-1] = last.with_changes(comma=cst.Comma(whitespace_after=between), whitespace_after_arg=cst.SimpleWhitespace(""))
        args.append(new)
    return call.with_changes(args=args)


def _breaks_line(whitespace) -> bool:
    return isinstance(whitespace, cst.ParenthesizedWhitespace)


def set_keywords(tree: Tree, p: dict) -> None:
    call = tree.node_at(p["call"], cst.Call)
    tree.declare(call)
    tree.replace(call, _with_keywords(tree, call, p["keywords"]))


def url_options(tree: Tree, p: dict) -> None:
    call = tree.node_at(p["call"], cst.Call)
    string = tree.node_at(p["url"], cst.SimpleString)
    tree.declare(call)
    updated = call.deep_replace(string, cst.SimpleString(p["literal"]))
    tree.replace(call, _with_keywords(tree, updated, p["keywords"]))


def replace_value(tree: Tree, p: dict) -> None:
    """One expression (a settings value) -> ``p["value"]``."""
    node = tree.node_at(p["node"], cst.BaseExpression)
    if p.get("was") is not None and tree.module.code_for_node(node) != p["was"]:
        raise FixFailed("the value has changed")
    tree.declare(node)
    tree.replace(node, tree.parse_expression(p["value"]))


def _remove(statements, removed: set, tree: Tree) -> list:
    kept = [s for s in statements if s not in removed]
    if not kept:
        raise FixFailed("nothing would be left in the block")
    return kept


def hoist_loop(tree: Tree, p: dict) -> None:
    """Move ``x = create(...)`` out of a loop; its releases go to ``finally``."""
    creation = tree.simple_statement(p["creation"], cst.Assign)
    loop = tree.statement_at(p["loop"])
    if not isinstance(loop, (cst.For, cst.While)) or not isinstance(loop.body, cst.IndentedBlock):
        raise FixFailed("the loop has changed")
    releases = {tree.statement_at(where) for where in p["releases"]}
    if tree.parents.get(creation) is not loop.body or any(tree.parents.get(r) is not loop.body for r in releases):
        raise FixFailed("the creation is no longer in the loop body")
    parent, body, index = tree.suite(loop)
    tree.declare(loop)
    inner = _remove(loop.body.body, releases | {creation}, tree)
    inner[0] = inner[0] if inner[0] is loop.body.body[0] else _without_leading_blanks(inner[0])
    new_loop = loop.with_changes(body=loop.body.with_changes(body=inner), leading_lines=())
    hoisted = creation.with_changes(leading_lines=[*loop.leading_lines, *[l for l in creation.leading_lines if l.comment]])
    if p.get("release"):
        after = cst.Try(body=_block([new_loop]), finalbody=cst.Finally(body=_block([tree.parse_statement(p["release"])])))
    else:
        after = new_loop
    tree.set_suite(parent, [*body[:index], hoisted, after, *body[index + 1:]])


def hoist_module(tree: Tree, p: dict) -> None:
    """Move ``x = create(...)`` from a function to module level, before the
    definition that holds it; its releases in the function go."""
    creation = tree.simple_statement(p["creation"], cst.Assign)
    top = tree.statement_at(p["top"])
    if tree.parents.get(top) is not tree.module:
        raise FixFailed("the definition is not at module level")
    function_body = tree.parents.get(creation)
    if not isinstance(function_body, cst.IndentedBlock) or not isinstance(tree.parents.get(function_body), cst.FunctionDef):
        raise FixFailed("the creation is no longer in the function body")
    releases = {tree.statement_at(where) for where in p["releases"]}
    unwrap = {tree.statement_at(where) for where in p["unwrap"]}
    tree.declare(creation)
    for node in releases | unwrap:
        tree.declare(node)
    first = top.decorators[0] if getattr(top, "decorators", None) else top
    tree.declare_insertion(tree.positions[first].start.line)
    statements = []
    for statement in function_body.body:
        if statement is creation or statement in releases:
            continue
        if statement in unwrap:
            if not isinstance(statement, cst.Try) or not isinstance(statement.body, cst.IndentedBlock):
                raise FixFailed("the try statement has changed")
            moved = list(statement.body.body)
            moved[0] = moved[0].with_changes(leading_lines=[*statement.leading_lines, *moved[0].leading_lines])
            statements.extend(moved)
            continue
        statements.append(statement)
    if not statements:
        raise FixFailed("nothing would be left in the function")
    if statements[0] is not function_body.body[0]:
        statements[0] = _without_leading_blanks(statements[0])
    new_function_body = function_body.with_changes(body=statements)
    comments = [line for line in creation.leading_lines if line.comment is not None]
    module_line = creation.with_changes(leading_lines=[*top.leading_lines, *comments])
    spacing = [cst.EmptyLine(), cst.EmptyLine()]
    new_top = top.deep_replace(function_body, new_function_body).with_changes(leading_lines=spacing)
    body = list(tree.module.body)
    index = next(i for i, child in enumerate(body) if child is top)
    body[index: index + 1] = [module_line, new_top]
    tree.module = tree.module.with_changes(body=body)


def share_client(tree: Tree, p: dict) -> None:
    """A loop calling ``requests.get(...)`` -> inside ``with requests.Session()
    as session:``, calling ``session.get(...)``."""
    line = tree.statement_at(p["statement"])
    suite = tree.suite(line)
    tree.declare(line)
    replacements = {}
    for where, method in p["calls"]:
        func = tree.node_at(where, (cst.Name, cst.Attribute))
        if not isinstance(tree.parents.get(func), cst.Call):
            raise FixFailed("the call has changed")
        replacements[func] = cst.Attribute(value=cst.Name(p["var"]), attr=cst.Name(method))
    inner = line.visit(_Replace(replacements))
    _enclose_in_with(tree, p, line, suite, tree.parse_expression(p["client"]), inner)


def cache_getter(tree: Tree, p: dict) -> None:
    """``def cache(): return redis.Redis(...)`` -> decorated with ``functools.lru_cache``."""
    function = tree.statement_at(p["function"])
    if not isinstance(function, cst.FunctionDef) or function.decorators:
        raise FixFailed("the function has changed")
    tree.declare(function)
    decorator = cst.Decorator(decorator=tree.parse_expression(p["decorator"]))
    tree.replace(function, function.with_changes(decorators=[decorator]))
    tree.add_import(p.get("add_import"))


# -- imports ---------------------------------------------------------------------------


def _import_key(statement):
    """(is a ``__future__`` import, the module name, is a ``from`` import) of
    an import line, or None; a relative import's module starts with dots."""
    if not isinstance(statement, cst.SimpleStatementLine) or not statement.body:
        return None
    small = statement.body[0]
    if isinstance(small, cst.Import):
        return False, cst.helpers.get_full_name_for_node(small.names[0].name) or "", False
    if isinstance(small, cst.ImportFrom):
        module = cst.helpers.get_full_name_for_node(small.module) if small.module is not None else ""
        return module == "__future__", "." * len(small.relative) + (module or ""), True
    return None


def _is_docstring(statement) -> bool:
    return (
        isinstance(statement, cst.SimpleStatementLine)
        and len(statement.body) == 1
        and isinstance(statement.body[0], cst.Expr)
        and isinstance(statement.body[0].value, (cst.SimpleString, cst.ConcatenatedString))
    )


def _import_groups(body, section) -> list:
    """The leading imports (not ``__future__``) in groups, as blank lines
    separate them."""
    groups: list = []
    previous = None
    for index, key in section:
        starts = previous is None or index != previous + 1 or any(
            line.comment is None for line in body[index].leading_lines
        )
        if starts or not groups:
            groups.append([])
        groups[-1].append((index, key))
        previous = index
    return groups


def _is_stdlib(module: str) -> bool:
    import sys

    return module.split(".")[0] in getattr(sys, "stdlib_module_names", ())


def _top(module: str) -> str:
    return module.split(".")[0]


def _group_for(groups, name: str):
    """The group an ``import name`` joins, as isort sections them: the one
    already importing from the same package; else the first group of its
    section alone (the standard library's, or other packages'); else a group
    that mixes sections and holds some of its section.  None when the import
    needs a group of its own."""
    def section(key):
        return "relative" if key[1].startswith(".") else "stdlib" if _is_stdlib(key[1]) else "package"

    wanted = "stdlib" if _is_stdlib(name) else "package"
    for group in groups:
        if any(_top(key[1]) == _top(name) for _, key in group):
            return group
    for group in groups:
        if all(section(key) == wanted for _, key in group):
            return group
    for group in groups:
        if len({section(key) for _, key in group}) > 1 and any(section(key) == wanted for _, key in group):
            return group
    return None


def with_import(module: cst.Module, name: str, tree: Tree) -> cst.Module:
    """``import name`` added to the module's leading imports, in order."""
    body = list(module.body)
    for statement in body:
        if isinstance(statement, cst.SimpleStatementLine):
            for small in statement.body:
                if isinstance(small, cst.Import) and any(
                    cst.helpers.get_full_name_for_node(alias.name) == name and alias.asname is None
                    for alias in small.names
                ):
                    return module
    position = 0
    if body and _is_docstring(body[0]):
        position = 1
    section = []
    for index in range(position, len(body)):
        key = _import_key(body[index])
        if key is None:
            break
        section.append((index, key))
    new = tree.parse_statement(f"import {name}")
    groups = _import_groups(body, [(index, key) for index, key in section if not key[0]])
    target = _group_for(groups, name) if groups else []
    if target is None:
        # a section of its own: the standard library's goes first, a
        # package's after the standard library's group (or first, if none)
        after = [group for group in groups if all(_is_stdlib(key[1]) for _, key in group)]
        if _is_stdlib(name) or not after:
            first = groups[0][0][0]
            following = body[first]
            new = new.with_changes(leading_lines=following.leading_lines)
            body[first] = following.with_changes(leading_lines=(cst.EmptyLine(),))
            body.insert(first, new)
        else:
            body.insert(after[-1][-1][0] + 1, new.with_changes(leading_lines=(cst.EmptyLine(),)))
        return module.with_changes(body=body)
    # in the group: plain imports before ``from`` imports, each sorted by name
    insert_at = next((index for index, key in target if (key[2], key[1].lower()) > (False, name.lower())), None)
    if insert_at is None:
        insert_at = target[-1][0] + 1 if target else section[-1][0] + 1 if section else position
    if target and insert_at == target[0][0]:
        # first in the group: the comments and blank lines above it stay above the group
        following = body[insert_at]
        new = new.with_changes(leading_lines=following.leading_lines)
        body[insert_at] = following.with_changes(leading_lines=())
    elif not section and insert_at < len(body):
        new = new.with_changes(leading_lines=_blank_prefix(body[insert_at].leading_lines)[0])
    body.insert(insert_at, new)
    return module.with_changes(body=body)


ACTIONS = {
    "manage-block": manage_block,
    "wrap-statement": wrap_statement,
    "with-item": with_item,
    "with-to-finally": with_to_finally,
    "await-call": await_call,
    "set-keywords": set_keywords,
    "url-options": url_options,
    "hoist-loop": hoist_loop,
    "hoist-module": hoist_module,
    "cache-getter": cache_getter,
    "share-client": share_client,
    "replace-value": replace_value,
}

