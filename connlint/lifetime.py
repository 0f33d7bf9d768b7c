"""Path-aware lifetime analysis of one resource inside one function.

The function body is interpreted over an abstract state per path: the resource
is ``absent`` (not created yet), ``open``, ``released`` or ``escaped``
(ownership left the function, or connlint cannot tell what happens to it).
Control flow is followed structurally: branches, loops (to a fixed point),
``try``/``except``/``else``/``finally``, ``with``, ``return``, ``raise``,
``break``/``continue`` and ``match``.  Every statement that may raise sends
its state to the enclosing handlers, so a release that an exception can skip
is seen.  What each statement does to the resource (creates, binds, uses,
releases it, lets it escape) comes from ``connlint.effects``.

The verdict is a ``Fate``: managed, escaped, leaked on a normal path (CNL101 /
CNL104), leaked only when an exception is raised (CNL102 / CNL104), ``with``
that does not close (CNL103), or an async resource used with a sync protocol
(CNL105).
"""

from __future__ import annotations

import ast
import enum

from connlint.catalog import SELF
from connlint.effects import (
    BIND,
    CREATE,
    DISCARD,
    ESCAPE,
    RELEASE,
    UNAWAITED,
    UNBIND,
    WITH_ITEM,
    FunctionContext,
    ResourceEffects,
    names_in,
    walk_expression,
)
from connlint.syntax import FUNCTION_NODES, assigned_names, walk

ABSENT, OPEN, RELEASED, ESCAPED = "absent", "open", "released", "escaped"

# Verdicts
MANAGED = "managed"
LEAK = "leak"  # not released on some normal path
LEAK_ON_ERROR = "leak-on-error"  # released on normal paths only
WITH_NO_CLOSE = "with-no-close"
ASYNC_MISUSE = "async-misuse"

CATCH_ALL = {"Exception", "BaseException"}
LOOP_LIMIT = 8
# the effects of a statement that creates the resource and drops it unused
CREATED_AND_DROPPED = frozenset((CREATE, DISCARD))


class Atom:
    """The resource on one path: its status and the local names that hold it.

    ``names`` refer to the resource itself; ``holders`` to objects that keep a
    reference to it (a cursor, a tuple, a wrapper) - they can carry it out of
    the function but cannot release it.  Immutable: atoms are kept in sets.
    """

    __slots__ = ("status", "names", "holders", "erred", "_hash")

    def __init__(self, status: str, names: frozenset = frozenset(), holders: frozenset = frozenset(),
                 erred: int = 0):
        self.status = status
        self.names = names
        self.holders = holders
        # the line of the exception a local handler caught on this path: an
        # error path, even where the handler goes on normally
        self.erred = erred
        self._hash = hash((status, names, holders, erred))

    def but(self, **changes) -> Atom:
        values = {"status": self.status, "names": self.names, "holders": self.holders, "erred": self.erred}
        values.update(changes)
        return Atom(**values)

    def _key(self) -> tuple:
        return (self.status, self.names, self.holders, self.erred)

    def __eq__(self, other) -> bool:
        return type(other) is Atom and self._hash == other._hash and self._key() == other._key()

    def __hash__(self) -> int:
        return self._hash

    def __repr__(self) -> str:
        erred = f", erred={self.erred}" if self.erred else ""
        return f"Atom({self.status!r}, names={set(self.names)}, holders={set(self.holders)}{erred})"


START = Atom(ABSENT)


class Flow:
    """How a block can be left, with the states on each way out."""

    __slots__ = ("normal", "returns", "breaks", "continues", "raises")

    def __init__(self, normal: set | None = None, returns: dict | None = None, breaks: set | None = None,
                 continues: set | None = None, raises: dict | None = None):
        self.normal = set() if normal is None else normal
        self.returns = {} if returns is None else returns  # Atom -> line of the return
        self.breaks = set() if breaks is None else breaks
        self.continues = set() if continues is None else continues
        self.raises = {} if raises is None else raises  # Atom -> first line that may raise

    def __eq__(self, other) -> bool:
        return type(other) is Flow and all(getattr(self, n) == getattr(other, n) for n in Flow.__slots__)

    __hash__ = None  # mutable

    def absorb(self, other: Flow, normal: bool = True) -> None:
        if normal:
            self.normal |= other.normal
        for atom, line in other.returns.items():
            self.returns.setdefault(atom, line)
        self.breaks |= other.breaks
        self.continues |= other.continues
        for atom, line in other.raises.items():
            self.raises.setdefault(atom, line)


class Detail(str, enum.Enum):
    """How a ``Fate`` came about.  String-valued: details sort and compare
    as their wording."""

    NONE = ""  # MANAGED and ESCAPED: nothing to tell
    NEVER = "never"  # LEAK: released on no path; ``line`` is where a path ends with it open
    PATH = "path"  # LEAK: released on some paths; ``line`` is where another ends with it open
    # LEAK: ``line`` rebinds or deletes the last name that held it; at the line
    # that creates it: the next round of the loop does
    LOST = "lost"
    DISCARDED = "discarded"  # LEAK: created as the value of an expression statement and dropped
    ERROR = "error"  # LEAK_ON_ERROR: ``line`` can raise before the release
    # WITH_NO_CLOSE: a ``with`` that commits or rolls back but does not close;
    # ASYNC_MISUSE: a sync ``with`` on an async resource
    WITH = "with"
    ASYNC_WITH = "async-with"  # ASYNC_MISUSE: ``async with`` on a resource that does not support it
    AWAITED = "awaited"  # ASYNC_MISUSE: the release coroutine ``Fate.method`` is called and not awaited


class Fate:
    """What becomes of a resource: the verdict, where, and how."""

    __slots__ = ("verdict", "line", "detail", "var", "method")

    def __init__(self, verdict: str, line: int | None = None, detail: Detail = Detail.NONE, var: str | None = None,
                 method: str | None = None):
        self.verdict = verdict
        self.line = line
        self.detail = detail
        self.var = var
        self.method = method  # the release method of Detail.AWAITED

    def _key(self) -> tuple:
        return (self.verdict, self.line, self.detail, self.var, self.method)

    def __eq__(self, other) -> bool:
        return type(other) is Fate and self._key() == other._key()

    __hash__ = None  # mutable

    def __repr__(self) -> str:
        method = f", method={self.method!r}" if self.method else ""
        return f"Fate({self.verdict!r}, line={self.line!r}, detail={self.detail!r}, var={self.var!r}{method})"


class LifetimeAnalysis:
    """Follows one resource (created by ``call``) through its function."""

    def __init__(self, ctx: FunctionContext, call: ast.Call, rtype):
        self.ctx = ctx
        self.call = call
        self.rtype = rtype
        self.effects = ResourceEffects(ctx, call, rtype)
        self.lost: list[tuple[int, Detail]] = []
        self.lost_on_error: list[int] = []  # lost on a path a local handler took after an exception
        self.transaction_with = False
        self.misuse: Fate | None = None
        self.var = None
        self._raising: dict = {}

    # -- entry point ----------------------------------------------------

    def run(self) -> Fate:
        flow = self.block(self.ctx.node.body, {START})
        if self.misuse is not None:
            return self.misuse
        end_line = getattr(self.ctx.node, "end_lineno", None) or self.ctx.node.lineno
        exits = [(atom, end_line) for atom in flow.normal] + list(flow.returns.items())
        open_exits = sorted(line for atom, line in exits if atom.status == OPEN and not atom.erred)
        released = any(atom.status == RELEASED for atom, _ in exits)
        verdict = None
        if not self.effects.opened:
            return Fate(ESCAPED, var=self.var)  # a lazy resource nothing used: it holds no connection
        if self.lost:
            line, detail = min(self.lost)
            verdict = Fate(LEAK, line, detail, self.var)
        elif open_exits:
            detail = Detail.PATH if released else Detail.NEVER
            verdict = Fate(LEAK, open_exits[0], detail, self.var)
        if verdict is not None:
            if self.transaction_with:
                return Fate(WITH_NO_CLOSE, verdict.line, Detail.WITH, self.var)
            return verdict
        # error paths: exceptions that leave the function, and those a local
        # handler caught before the function went on (reported only when the
        # function releases the resource itself on its main path)
        raise_lines = sorted(
            [line for atom, line in flow.raises.items() if atom.status == OPEN]
            + [atom.erred for atom, _ in exits if atom.status == OPEN and atom.erred]
            + self.lost_on_error
        )
        if raise_lines and released:
            return Fate(LEAK_ON_ERROR, raise_lines[0], Detail.ERROR, self.var)
        if released:
            return Fate(MANAGED, var=self.var)
        return Fate(ESCAPED, var=self.var)

    # -- statements -----------------------------------------------------

    def block(self, statements, states) -> Flow:
        flow = Flow()
        current = set(states)
        for statement in statements:
            if not current:
                break
            step = self.statement(statement, current)
            flow.absorb(step, normal=False)
            current = step.normal
        flow.normal = current
        return flow

    def statement(self, node, states) -> Flow:
        if isinstance(node, ast.If):
            return self._if(node, states)
        if isinstance(node, (ast.For, ast.AsyncFor, ast.While)):
            return self._loop(node, states)
        if isinstance(node, ast.Try) or type(node).__name__ == "TryStar":
            return self._try(node, states)
        if isinstance(node, (ast.With, ast.AsyncWith)):
            return self._with(node, states)
        if isinstance(node, ast.Match):
            return self._match(node, states)
        flow = Flow()
        if isinstance(node, FUNCTION_NODES + (ast.ClassDef,)):
            # decorators run here, once (``@event.listens_for(engine, ...)``
            # borrows the engine); the body may run later, elsewhere
            decorated = self.simple(node, node.decorator_list, states, flow) if node.decorator_list else states
            flow.normal = {self._captured(node, atom) for atom in decorated}
            return flow
        after = self.simple(node, [node], states, flow)
        if isinstance(node, ast.Return):
            for atom in after:
                flow.returns.setdefault(atom, node.lineno)
        elif isinstance(node, ast.Raise):
            for atom in after:
                flow.raises.setdefault(atom, node.lineno)
        elif isinstance(node, ast.Break):
            flow.breaks |= after
        elif isinstance(node, ast.Continue):
            flow.continues |= after
        else:
            flow.normal = after
        return flow

    def simple(self, owner, parts, states, flow: Flow) -> set:
        """Apply the effects of ``parts`` (expressions of statement ``owner``)."""
        result = set()
        raises = self._may_raise(parts)
        for atom in states:
            new_atom = self._apply(owner, parts, atom)
            # a statement that releases the resource, or hands it over
            # (returns it, stores it, gives it to a wrapper), is not judged on
            # its own failure: precision first
            if raises and not (atom.status == OPEN and new_atom.status in (RELEASED, ESCAPED)):
                flow.raises.setdefault(atom, owner.lineno)
            if new_atom is not None:
                result.add(new_atom)
        return result

    def _if(self, node: ast.If, states) -> Flow:
        flow = Flow()
        after = self.simple(node, [node.test], states, flow)
        then_states, else_states = set(), set()
        for atom in after:
            truth = self._truth(node.test, atom)
            if truth is not False:
                then_states.add(atom)
            if truth is not True:
                else_states.add(atom)
        then_flow = self.block(node.body, then_states)
        else_flow = self.block(node.orelse, else_states)
        flow.absorb(then_flow)
        flow.absorb(else_flow)
        return flow

    def _loop(self, node, states) -> Flow:
        flow = Flow()
        is_while = isinstance(node, ast.While)
        header = [node.test] if is_while else [node.iter]
        head = set(states)
        breaks = set()
        iterated = set() if is_while else names_in(node.iter)
        receivers = set() if is_while else {
            n.value.id for n in ast.walk(node.iter)
            if isinstance(n, ast.Attribute) and isinstance(n.value, ast.Name)
        }
        for _ in range(LOOP_LIMIT):
            entry = self.simple(node, header, head, flow)
            if is_while:
                entry = {atom for atom in entry if self._truth(node.test, atom) is not False}
            else:
                entry = {self._iterate(node.target, atom, iterated, receivers) for atom in entry}
            body = self.block(node.body, entry)
            for atom, line in body.returns.items():
                flow.returns.setdefault(atom, line)
            for atom, line in body.raises.items():
                flow.raises.setdefault(atom, line)
            breaks |= body.breaks
            new_head = head | body.normal | body.continues
            if new_head == head:
                break
            head = new_head
        if is_while and _always_true(node.test):
            exits = set()
        else:
            exits = self.simple(node, header, head, Flow())
            if is_while:
                exits = {atom for atom in exits if self._truth(node.test, atom) is not True}
            else:
                # a container known to hold the resource is not empty: the
                # loop runs at least once over it
                exits = {
                    a for a in exits
                    if not (a in states and a.status == OPEN and iterated & ((a.names - receivers) | a.holders))
                }
        else_flow = self.block(node.orelse, exits)
        flow.absorb(else_flow)
        flow.normal |= breaks
        return flow

    def _try(self, node, states) -> Flow:
        body_flow = self.block(node.body, states)
        flow = Flow()
        flow.absorb(body_flow, normal=False)
        flow.raises = {}
        catch_all = False
        for handler in node.handlers:
            # a handler that releases the resource is where its author put
            # the error path: the exceptions it names are the ones expected
            catch_all = catch_all or _catches_all(handler) or self.effects.calls_release(handler.body)
            for atom, line in body_flow.raises.items():
                caught = atom.but(erred=line) if atom.status == OPEN and not atom.erred else atom
                handled = self.block(handler.body, {caught})
                # what leaves the handler by raising is the body's exception
                # going on: it started at the body's line
                handled.raises = {raised: line for raised in handled.raises}
                flow.absorb(handled)
        if not catch_all:
            for atom, line in body_flow.raises.items():
                flow.raises.setdefault(atom, line)
        flow.absorb(self.block(node.orelse, body_flow.normal))
        if not node.finalbody:
            return flow
        return self._finally(node.finalbody, flow)

    def _finally(self, finalbody, flow: Flow) -> Flow:
        result = Flow()
        normal = self.block(finalbody, flow.normal)
        result.absorb(normal)
        for atom, line in flow.returns.items():
            after = self.block(finalbody, {atom})
            result.absorb(after, normal=False)
            for new_atom in after.normal:
                result.returns.setdefault(new_atom, line)
        for attr in ("breaks", "continues"):
            after = self.block(finalbody, getattr(flow, attr))
            result.absorb(after, normal=False)
            getattr(result, attr).update(after.normal)
        for atom, line in flow.raises.items():
            after = self.block(finalbody, {atom})
            result.absorb(after, normal=False)
            for new_atom in after.normal:
                result.raises.setdefault(new_atom, line)
        return result

    def _with(self, node, states) -> Flow:
        return self._with_items(node, node.items, states)

    def _with_items(self, node, items, states) -> Flow:
        """``with A as a, B as b:`` is ``with A as a: with B as b:`` - if B
        raises, A's exit still runs: the items are entered one by one."""
        flow = Flow()
        is_async = isinstance(node, ast.AsyncWith)
        covered, plain = set(), set()
        item, rest = items[0], items[1:]
        entered = self.simple(node, [item.context_expr], states, flow)

        def inside(entered_states):
            return self._with_items(node, rest, entered_states) if rest else self.block(node.body, entered_states)

        for atom in entered:
            managing = self._managing_item([item], atom)
            if managing is None:
                plain.add(atom)
                continue
            item, wrapped = managing
            atom = self._bind_with_target(item, atom)
            effect = "closes" if wrapped else (self.rtype.async_with_effect if is_async else self.rtype.with_effect)
            if effect == "error" and (is_async or self.rtype.is_async):
                self._misuse(node, is_async)
                plain.add(atom)
            elif effect == "error":
                covered.add(atom)  # a sync object that is no context manager: it fails loudly, no leak
            elif effect == "transaction":
                self.transaction_with = True
                plain.add(atom)
            else:  # closes, or unknown: trust the context manager
                covered.add(atom)
        inner = inside(plain)
        if plain and self._suppresses(item.context_expr):
            swallowed, inner.raises = inner.raises, {}
            inner.normal |= set(swallowed)  # the code after the block runs
        flow.absorb(inner)
        if covered:
            inner = inside(covered)
            flow.normal |= {_release(a) for a in inner.normal}
            for atom, line in inner.returns.items():
                flow.returns.setdefault(_release(atom), line)
            flow.breaks |= {_release(a) for a in inner.breaks}
            flow.continues |= {_release(a) for a in inner.continues}
            for atom, line in inner.raises.items():
                flow.raises.setdefault(_release(atom), line)
        return flow

    def _suppresses(self, expr) -> bool:
        """``contextlib.suppress(...)``: its body's exceptions end at the block."""
        if not isinstance(expr, ast.Call) or not self.ctx.catalog.suppressing_wrappers:
            return False
        callee = self.ctx.resolver.resolve(expr.func, self.ctx.scope)
        return callee is not None and callee.qual in self.ctx.catalog.suppressing_wrappers

    def _match(self, node, states) -> Flow:
        flow = Flow()
        after = self.simple(node, [node.subject], states, flow)
        irrefutable = False
        for case in node.cases:
            flow.absorb(self.block(case.body, after))
            if isinstance(case.pattern, ast.MatchAs) and case.pattern.pattern is None and case.guard is None:
                irrefutable = True
        if not irrefutable:
            flow.normal |= after
        return flow

    # -- what a statement does to the state of a path ---------------------

    def _apply(self, owner, parts, atom: Atom) -> Atom | None:
        """The state after the expressions ``parts`` of ``owner`` run on ``atom``."""
        if atom.status == ABSENT and not self._contains_call(parts):
            return atom
        effects = self.effects.of(owner, parts, atom.names, atom.holders)
        kinds = {effect.kind for effect in effects}
        if UNAWAITED in kinds:
            self._unawaited(effects)
        created = CREATE in kinds
        if created:
            self._recreated(owner, effects, atom)
            status, names, holders = OPEN, set(), set()
        else:
            status, names, holders = atom.status, set(atom.names), set(atom.holders)
        self._rename(effects, names, holders)
        status = self._status_after(status, kinds, created)
        dropped = created or UNBIND in kinds or DISCARD in kinds
        if status == OPEN and not names and not holders and dropped and WITH_ITEM not in kinds:
            self._lose(owner.lineno, Detail.DISCARDED if created else Detail.LOST, None if created else atom)
            status = ESCAPED  # reported once, as lost
        return Atom(status, frozenset(names), frozenset(holders), 0 if created else atom.erred)

    def _status_after(self, status: str, kinds: set, created: bool) -> str:
        if status in (OPEN, RELEASED):
            if ESCAPE in kinds:
                return ESCAPED
            if RELEASE in kinds or UNAWAITED in kinds:
                return RELEASED
        if created and kinds == CREATED_AND_DROPPED and not self.effects.opened:
            return ESCAPED  # created and dropped unused: it never opened anything
        return status

    def _recreated(self, owner, effects, atom: Atom) -> None:
        """The call runs again: the resource it made before is lost if it is
        still open and only the names this statement rebinds hold it."""
        if atom.status != OPEN or atom.holders:
            return
        rebound = {effect.name for effect in effects if effect.kind is BIND and not effect.holder}
        if not atom.names - rebound:
            self._lose(owner.lineno, Detail.LOST, atom)

    def _rename(self, effects, names: set, holders: set) -> None:
        """Unbind, then bind, the local names the effects say."""
        for effect in effects:
            if effect.kind is UNBIND:
                names.discard(effect.name)
                holders.discard(effect.name)
        for effect in effects:
            if effect.kind is BIND:
                (holders if effect.holder else names).add(effect.name)
                if not effect.holder and self.var is None:
                    self.var = effect.name

    # -- helpers --------------------------------------------------------

    def _managing_item(self, items, atom: Atom):
        """The ``with`` item (of ``items``) that manages the resource on this path, if any."""
        for item in items:
            expr = item.context_expr
            inner = self.ctx.resolver.unwrap_closing(expr, self.ctx.scope)
            wrapped = inner is not None
            target = inner if wrapped else expr
            if isinstance(target, ast.Await):
                target = target.value
            # ``with eng.connect().execution_options(...) as conn``: a method
            # that returns the resource itself hands it to the ``with``
            while (
                isinstance(target, ast.Call)
                and isinstance(target.func, ast.Attribute)
                and self.rtype.methods.get(target.func.attr) == SELF
            ):
                target = target.func.value
            if target is self.call and atom.status == OPEN:
                return item, wrapped
            if isinstance(target, ast.Name) and target.id in atom.names and atom.status == OPEN:
                return item, wrapped
        return None

    def _bind_with_target(self, item, atom: Atom) -> Atom:
        target = item.optional_vars
        if isinstance(target, ast.Name):
            if self.var is None:
                self.var = target.id
            return atom.but(names=atom.names | {target.id})
        return atom

    def _rebind(self, target, atom: Atom, line: int) -> Atom:
        names = set(assigned_names(target))
        if not names & (atom.names | atom.holders):
            return atom
        remaining = atom.names - names
        holders = atom.holders - names
        if atom.status == OPEN and not remaining and not holders:
            self._lose(line, Detail.LOST, atom)
            return Atom(ESCAPED)
        return atom.but(names=frozenset(remaining), holders=frozenset(holders))

    def _iterate(self, target, atom: Atom, iterated: set, receivers: set) -> Atom:
        """``for c in conns.values():`` - over a container holding the
        resource, the loop variable may be the resource itself."""
        atom = self._rebind(target, atom, target.lineno)
        # ``for row in conn.execute(q)``: what a method of the resource gives is
        # not the resource; a container of it (``conns.values()``) is
        if atom.status == OPEN and iterated & ((atom.names - receivers) | atom.holders):
            atom = atom.but(names=atom.names | set(assigned_names(target)))
        return atom

    def _captured(self, node, atom: Atom) -> Atom:
        """A nested function that uses the resource may carry it away - unless
        it is only ever called right here and does not release it."""
        tracked = atom.names | atom.holders
        if atom.status != OPEN or not tracked & _names_captured(node):
            return atom
        if isinstance(node, FUNCTION_NODES) and self._only_called_here(node) and not self._releases_in(node, tracked):
            return atom
        return atom.but(status=ESCAPED)

    def _only_called_here(self, function) -> bool:
        parents = self.ctx.parents
        for other in walk(self.ctx.node):
            if isinstance(other, ast.Name) and other.id == function.name and isinstance(other.ctx, ast.Load):
                parent = parents.get(id(other))
                if not (isinstance(parent, ast.Call) and parent.func is other):
                    return False
        return not function.decorator_list

    def _releases_in(self, function, tracked) -> bool:
        for node in walk(function):
            if (
                isinstance(node, ast.Attribute)
                and isinstance(node.value, ast.Name)
                and node.value.id in tracked
                and (node.attr in self.rtype.release or node.attr in self.rtype.released_by)
            ):
                return True
            if isinstance(node, ast.Name) and node.id in tracked and isinstance(node.ctx, ast.Store):
                return True
        return False

    def _truth(self, test, atom: Atom):
        """Whether ``test`` is known true (True) or false (False) on this path."""
        if atom.status != OPEN:
            return None
        negate = False
        while isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
            negate, test = not negate, test.operand
        result = None
        if isinstance(test, ast.Name) and test.id in atom.names:
            result = True
        elif isinstance(test, ast.Compare) and len(test.ops) == 1:
            left, right = test.left, test.comparators[0]
            if isinstance(right, ast.Name) and right.id in atom.names:
                left, right = right, left
            op = test.ops[0]
            if (
                isinstance(left, ast.Name)
                and left.id in atom.names
                and isinstance(right, ast.Constant)
                and right.value is None
            ):
                if isinstance(op, (ast.IsNot, ast.NotEq)):
                    result = True
                elif isinstance(op, (ast.Is, ast.Eq)):
                    result = False
            elif (
                isinstance(op, (ast.Is, ast.IsNot))
                and isinstance(left, ast.Name)
                and left.id in atom.names
                and not names_in(right) & (atom.names | atom.holders)
            ):
                # still open, it is stored nowhere: no other expression is it
                result = isinstance(op, ast.IsNot)
        elif self._asks_closed(test, atom):
            result = False  # conn.closed, conn.is_closed(): not on a path where it is still open
        elif isinstance(test, ast.BoolOp) and isinstance(test.op, ast.And):
            truths = [self._truth(value, atom) for value in test.values]
            if any(truth is False for truth in truths):
                result = False
            elif all(truth is True for truth in truths):
                result = True
        if result is None:
            return None
        return (not result) if negate else result

    def _asks_closed(self, test, atom: Atom) -> bool:
        """``conn.closed`` / ``conn.is_closed()`` on the resource itself."""
        if isinstance(test, ast.Call) and not test.args and not test.keywords:
            test = test.func
        elif isinstance(test, ast.Attribute) and test.attr in self.ctx.catalog.closed_checks:
            parent = self.ctx.parents.get(id(test))
            if isinstance(parent, ast.Call) and parent.func is test:
                return False  # conn.is_closed(x): not the check
        else:
            return False
        return (
            isinstance(test, ast.Attribute)
            and test.attr in self.ctx.catalog.closed_checks
            and isinstance(test.value, ast.Name)
            and test.value.id in atom.names
        )

    def _may_raise(self, parts) -> bool:
        key = tuple(id(part) for part in parts)
        cached = self._raising.get(key)
        if cached is None:
            cached = self._raising[key] = self._find_raising(parts)
        return cached

    def _find_raising(self, parts) -> bool:
        catalog = self.ctx.catalog
        for part in parts:
            for node in walk_expression(part):
                if isinstance(node, (ast.Yield, ast.YieldFrom)):
                    if self.ctx.yield_never_raises:
                        continue
                    return True
                if isinstance(node, (ast.Await, ast.Subscript)):
                    return True
                if isinstance(node, (ast.Raise, ast.Assert)):
                    return True
                if isinstance(node, ast.Call):
                    func = node.func
                    if isinstance(func, ast.Attribute) and func.attr in catalog.quiet_methods:
                        continue
                    if isinstance(func, ast.Name) and func.id in catalog.quiet_calls:
                        continue
                    if isinstance(func, ast.Name) and self._quiet_alias(func.id):
                        continue  # LOGERR = logger.error
                    if self.ctx.resolver.unwrap_closing(node, self.ctx.scope) is not None:
                        continue  # closing(x) only wraps
                    if self._suppresses(node):
                        continue  # suppress(...) only builds the context manager
                    return True
        return False

    def _quiet_alias(self, name: str) -> bool:
        """A module-level name bound once to a quiet method (``LOGERR =
        LOGGER.error``) and not rebound in the function."""
        resolver = self.ctx.resolver
        if name in self.ctx.scope.bindings or name in self.ctx.scope.imports:
            return False
        entries = resolver.module.bindings.get(name, ())
        return (
            len(entries) == 1
            and isinstance(entries[0], ast.Attribute)
            and entries[0].attr in self.ctx.catalog.quiet_methods
        )

    def _contains_call(self, parts) -> bool:
        return any(node is self.call for part in parts for node in walk_expression(part))

    def _lose(self, line: int, detail: Detail, atom: Atom | None = None) -> None:
        if atom is not None and atom.erred:
            self.lost_on_error.append(atom.erred)
        else:
            self.lost.append((line, detail))

    def _misuse(self, node, is_async: bool) -> None:
        if self.misuse is None:
            detail = Detail.ASYNC_WITH if is_async else Detail.WITH
            self.misuse = Fate(ASYNC_MISUSE, node.lineno, detail, self.var)

    def _unawaited(self, effects) -> None:
        if self.misuse is None:
            effect = next(effect for effect in effects if effect.kind is UNAWAITED)
            self.misuse = Fate(ASYNC_MISUSE, effect.line, Detail.AWAITED, self.var, method=effect.name)


def _release(atom: Atom) -> Atom:
    return atom.but(status=RELEASED) if atom.status == OPEN else atom


def _always_true(test) -> bool:
    return isinstance(test, ast.Constant) and bool(test.value)


def _catches_all(handler: ast.ExceptHandler) -> bool:
    if handler.type is None:
        return True
    types = handler.type.elts if isinstance(handler.type, ast.Tuple) else [handler.type]
    return any(isinstance(t, ast.Name) and t.id in CATCH_ALL for t in types)


def _names_captured(definition) -> set:
    """The names a function or class definition keeps: its body's, its
    defaults' and its bases' (its decorators are only called)."""
    if isinstance(definition, ast.ClassDef):
        parts = [*definition.body, *definition.bases, *(k.value for k in definition.keywords)]
    else:
        args = definition.args
        parts = [*definition.body, *args.defaults, *(d for d in args.kw_defaults if d is not None)]
    return set().union(*(names_in(part) for part in parts))


