"""The order a run analyses a project in: every module after the modules it
imports.

A file's check reads the summaries of the project modules it imports; a
module's summary reads those of the modules it imports in turn.  Analysed
in import order, each module is parsed once — its summary is taken from the
facts of its own check — and each summary is settled once for the whole run,
then handed to whichever worker needs it, rather than worked out again, on
demand, in every process that asks.

The plan is made of units: an import cycle's modules (solved together), one
module that gets a summary, or one checked file that gets none.  A unit
waits for the units of the modules it imports.  A file whose import
statements alone show it is not worth checking may be left out of the plan:
it is not even read.  A file that imports no project file at all waits
for no unit: the runner may have it checked before the plan is made
(``ProjectIndex.stands_alone``).
"""

from __future__ import annotations

import heapq
import os


class Unit:
    __slots__ = ("members", "items", "waits_for", "unblocks", "weight", "priority")

    def __init__(self, members: tuple):
        self.members = members  # modules whose summaries this unit settles (absolute paths), if imported
        self.items: list[int] = []  # indexes of the run's files this unit checks
        self.waits_for: set[int] = set()  # units that must be done first
        self.unblocks: list[int] = []  # units waiting for this one
        self.weight = 0  # bytes to parse
        self.priority = 0  # its weight plus the heaviest chain of units waiting for it


def plan(project, paths: list, sizes: dict | None = None, leave_out: bool = False) -> list[Unit]:
    """The units of a run over ``paths`` (the files to check), each waiting
    for the units of what its modules import; ``sizes`` holds the size of
    files the caller has looked at already, by absolute path.  ``leave_out``:
    a file the project index knows is never checked (``never_checked``) is
    in no unit; the caller takes it as checked, with nothing found."""
    sizes = sizes or {}
    keys = [os.path.abspath(path) for path in paths]
    left_out = {index for index, key in enumerate(keys) if leave_out and project.never_checked(key)}
    units: list[Unit] = []
    unit_of: dict[str, int] = {}  # module or checked file -> its unit

    def unit_for(key: str) -> int:
        found = unit_of.get(key)
        if found is None:
            members = project.component(key) if project.gets_summary(key) else ()
            found = len(units)
            units.append(Unit(members))
            for member in members or (key,):
                unit_of[member] = found
        return found

    for index, key in enumerate(keys):
        if index not in left_out:
            units[unit_for(key)].items.append(index)
    # every module that gets a summary and that something checked imports,
    # however indirectly
    work = [key for index, key in enumerate(keys) if index not in left_out]
    seen = set(work)
    imported: set[str] = set()
    while work:
        key = work.pop()
        unit = unit_for(key)
        for module in project.imported_summaries(key):
            imported.add(module)
            target = unit_for(module)
            if target != unit:
                units[unit].waits_for.add(target)
            if module not in seen:
                seen.add(module)
                work.append(module)
    for number, unit in enumerate(units):
        # a module nothing imports needs no summary: its check is all it gets
        if len(unit.members) == 1 and unit.members[0] not in imported:
            unit.members = ()
        for waited in unit.waits_for:
            units[waited].unblocks.append(number)
        for member in unit.members or [keys[index] for index in unit.items]:
            size = sizes.get(member)
            if size is None:
                try:
                    size = os.stat(member).st_size
                except OSError:
                    size = 0
            unit.weight += size
    for number in reversed(in_order(units)):
        unit = units[number]
        unit.priority = unit.weight + max((units[n].priority for n in unit.unblocks), default=0)
    return units


def in_order(units: list[Unit]) -> list[int]:
    """The units' numbers, each after those it waits for; among the ready
    ones, the one first made (so the order depends only on the files)."""
    waiting = [len(unit.waits_for) for unit in units]
    ready = [number for number, count in enumerate(waiting) if count == 0]
    heapq.heapify(ready)
    order = []
    while ready:
        number = heapq.heappop(ready)
        order.append(number)
        for other in units[number].unblocks:
            waiting[other] -= 1
            if waiting[other] == 0:
                heapq.heappush(ready, other)
    if len(order) != len(units):  # cannot happen: units are the import graph's components
        order.extend(number for number in range(len(units)) if number not in set(order))
    return order
