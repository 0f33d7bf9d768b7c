"""Project-wide knowledge: what the project's own modules export.

Each project module that could matter gets a small summary: module-level
names bound to catalog types (``engine = create_engine(...)``,
``SessionLocal = sessionmaker(...)``), functions that return a resource or
create a pool, classes whose ``__init__`` creates a pool, and what functions
do with the resources they are given (release, keep, or borrow them).
A run settles them in import order (``connlint.schedule``): a module's
summary comes from the facts of its own check, is computed once for the
run, kept in the results cache by content, and handed to every worker that
needs it.  Anything else asks on demand (the language server, the flake8
plugin, a module outside the plan): a pre-commit run over a few files reads
the summaries of just the modules those files import.

Modules of the catalog's own libraries (``redis``, ``sqlalchemy``, ...) are
modelled by the catalog, not summarised.
"""

from __future__ import annotations

import ast
import functools
import os
import sys

from connlint.catalog import FRAMEWORK_LIBRARY
from connlint.limits import forwarded_limits
from connlint.prefilter import import_statements, imported_aliases, imported_names
from connlint.summary import (
    EMPTY,
    BindingSummary,
    ClassSummary,
    Created,
    Forwarding,
    FunctionSummary,
    Made,
    ModuleSummary,
)
from connlint.syntax import FUNCTION_NODES, absolute_module, method_of

MAX_REEXPORTS = 4
#: Passes over an import cycle's modules before its summaries are taken as
#: they stand (a fixed point is usually reached in two).
MAX_CYCLE_PASSES = 6
#: A module's summary may be worked out while another module is analysed,
#: inside that analysis: as deep as a chain of modules, each calling into the
#: next, goes (around an import cycle, up to every member).  Each such
#: analysis takes about 32 frames: it may go this many deeper than the
#: analysis it is nested in, up to ``DEEPEST_NESTING``.
FRAMES_PER_NESTED_ANALYSIS = 100
#: The recursion limit nested analyses may raise Python's to.  From 3.11 a
#: Python call takes little C stack (under 130 bytes a frame, measured), on
#: 3.10 up to about 600 bytes: either stays well inside the 8 MB of a
#: thread's stack on Linux.
DEEPEST_NESTING = 20_000 if sys.version_info >= (3, 11) else 4_000


def module_name(path) -> tuple[str, str]:
    """(dotted module name, absolute import root) of a file, from its ``__init__.py`` chain."""
    directory, name = os.path.split(os.path.abspath(path))
    package, root = _package_of_directory(directory)
    stem = name[:-3] if name.endswith(".py") else name
    if stem == "__init__":
        return package, root
    return (f"{package}.{stem}" if package else stem), root


@functools.lru_cache(maxsize=65536)  # a large tree has some ten thousand folders
def _package_of_directory(directory: str) -> tuple[str, str]:
    """(package a directory is, import root), walking up ``__init__.py`` files."""
    if not os.path.exists(os.path.join(directory, "__init__.py")):
        return "", directory
    parent, name = os.path.split(directory)
    package, root = _package_of_directory(parent) if parent != directory else ("", parent)
    return (f"{package}.{name}" if package else name), root


def package_of(path) -> str:
    """The package relative imports in ``path`` are resolved against."""
    return _package_of_directory(os.path.dirname(os.path.abspath(path)))[0]


class ProjectIndex:
    """Summaries of the project's modules, located through import roots."""

    def __init__(self, checker, roots=(), cache=None):
        # the checker, or a function that builds it when first needed (a run
        # served from the cache needs neither it nor the catalog)
        self._checker = checker
        self.cache = cache
        self._listings: dict[str, frozenset] = {}  # folder -> the top-level names under it
        self._folder_entries: dict[str, tuple] = {}  # folder -> the names of its files, of its folders
        self._configured = [os.path.abspath(root) for root in roots]  # the project's own import roots
        self._search: dict[str | None, tuple] = {}  # import root -> the folders its imports are looked for in
        self._tops: dict[str | None, frozenset] = {}  # import root -> the top-level names found there
        self._scans: dict[str, tuple] = {}  # path -> (passes the prefilter, its imports)
        self._project_imports: dict[tuple, list] = {}  # (path, current root) -> its imports of project modules
        self.current_root: str | None = None  # import root of the module being analysed
        self._paths: dict[tuple, str | None] = {}  # (current root, module) -> its file
        self._summaries: dict[str, tuple] = {}  # path -> (summary, digest)
        self._busy: set[str] = set()  # modules whose summaries are being computed
        self._stack: list[str] = []  # the same, in the order they were asked for
        self._frames: list[dict] = []  # per module being computed: the summaries it read
        self._solving: dict[str, _Cycle] = {}  # member of an import cycle being solved -> the cycle
        self._cycles_started = 0
        # a cycle member being computed -> what other members may read of it already (``scopes_collected``)
        self._under_way: dict[str, _UnderWay] = {}
        self._guessing = False  # working out such a member's parameters: read only what is known
        self._components: dict[str, tuple] = {}  # path -> its component of the static import graph
        self._edge_lists: dict[str, list] = {}
        self._roots: dict = {}  # path -> its import root
        self._could_export: dict[str, bool] = {}  # path -> could_export, with its own root
        self._stats: dict[str, list | None] = {}
        self._importers: dict[str, tuple] = {}  # path -> (imports an export?, summaries that answer read)
        self._unsettled_reads = 0  # reads of a member of an import cycle being solved, so far
        self.consulted: dict[str, str] = {}  # path -> digest of the summaries one file's analysis read
        self.computed: dict[str, tuple] = {}  # path -> (stat, summary, deps) computed here, for the cache
        self.keep_computed = True  # a run without a cache has no use for them
        self.fresh: dict[str, tuple] = {}  # path -> (summary, digest) settled here, for other workers
        self.checking: dict[str, str] = {}  # absolute path -> display path of each file the run checks
        # the checked modules whose summaries are taken from their checks (None: all of them)
        self.summarised: set | None = None
        self._early: dict[str, tuple] = {}  # cycle member -> (its findings, the summaries they relied on)
        self._asking_exports = False  # a cycle member asks whether it imports an exporter
        self._parameters_wanted: set[str] = set()  # modules whose functions' parameters something asked for
        self._unread_summaries: dict[str, ModuleSummary] = {}  # path -> ``_unread``

    @property
    def checker(self):
        if callable(self._checker):
            self._checker = self._checker()
        return self._checker

    @property
    def catalog(self):
        return self.checker.catalog

    def _listing(self, folder: str) -> frozenset:
        """The top-level names under a folder: most imports (stdlib, third
        party) are ruled out without a single stat."""
        found = self._listings.get(folder)
        if found is None:
            try:
                found = frozenset(name[:-3] if name.endswith(".py") else name for name in os.listdir(folder))
            except OSError:
                found = frozenset()
            self._listings[folder] = found
        return found

    def _entries(self, folder: str) -> tuple:
        """(the names of its files, of its folders) of a folder, symbolic
        links followed, read once: locating the modules a run imports would
        otherwise ask the system about each candidate, most of which do not
        exist."""
        found = self._folder_entries.get(folder)
        if found is None:
            files, folders = set(), set()
            try:
                with os.scandir(folder) as entries:
                    for entry in entries:
                        if entry.is_file():
                            files.add(entry.name)
                        elif entry.is_dir():
                            folders.add(entry.name)
            except OSError:
                pass
            found = self._folder_entries[folder] = (frozenset(files), frozenset(folders))
        return found

    def search_roots(self, root: str | None) -> tuple:
        """Where the imports of a module with import root ``root`` are looked
        for: that root, the folders above it up to the project root holding
        it (where a test runner or the application puts itself on the path),
        then the project's roots.  Only the module's own place decides: never
        which other files a run checks, nor in what order."""
        found = self._search.get(root)
        if found is None:
            order = []
            if root is not None:
                order.append(root)
                home = next((c for c in self._configured if root == c or root.startswith(c + os.sep)), None)
                folder = root
                while home is not None and folder != home:
                    folder = os.path.dirname(folder)
                    order.append(folder)
            order.extend(self._configured)
            found = self._search[root] = tuple(folder for folder in dict.fromkeys(order) if os.path.isdir(folder))
        return found

    # -- locating modules ---------------------------------------------------

    def _root_of(self, path) -> str:
        """The import root of the file at ``path`` (``module_name``), remembered:
        the plan, the summaries and the checks each ask for every file."""
        found = self._roots.get(path)
        if found is None:
            found = self._roots[path] = module_name(path)[1]
        return found

    def is_library(self, module: str) -> bool:
        return module.split(".", 1)[0] in self.catalog.modules

    def is_project_name(self, qual: str) -> bool:
        """Could ``qual`` name something of the project's own modules?"""
        tops = self._tops.get(self.current_root)
        if tops is None:
            tops = self._tops[self.current_root] = frozenset().union(
                *(self._listing(folder) for folder in self.search_roots(self.current_root))
            )
        top = qual.split(".", 1)[0]
        return top in tops and top not in self.catalog.modules

    def path_of(self, module: str) -> str | None:
        """The file of a project module, looked for in the ``search_roots``
        of the module being analysed (two projects checked together may both
        have a ``shop`` package: each finds its own)."""
        key = (self.current_root, module)
        found = self._paths.get(key, False)
        if found is not False:
            return found
        found = None
        if module and not self.is_library(module):
            parts = module.split(".")
            for root in self.search_roots(self.current_root):
                if parts[0] not in self._listing(root):
                    continue
                folder = root
                for part in parts[:-1]:
                    if part not in self._entries(folder)[1]:
                        break
                    folder = os.path.join(folder, part)
                else:
                    files, folders = self._entries(folder)
                    if parts[-1] + ".py" in files:
                        found = os.path.join(folder, parts[-1] + ".py")
                        break
                    package = os.path.join(folder, parts[-1])
                    if parts[-1] in folders and "__init__.py" in self._entries(package)[0]:
                        found = os.path.join(package, "__init__.py")
                        break
        self._paths[key] = found
        return found

    # -- summaries ------------------------------------------------------------
    #
    # A module's summary depends on the summaries of the modules it imports.
    # Modules in an import cycle depend on each other: their summaries are
    # solved together, as one component of the static import graph, to a
    # fixed point that starts from the member with the first path and follows
    # what each member asks for.  So a summary never depends on which module
    # was asked for first, nor on which other files the run checks.  A member
    # read while it is still being computed further up counts as empty, but
    # for the names it only imports and what its functions do with their
    # parameters (``_known_so_far``); a member that read it is solved again
    # should its final summary say otherwise.

    def summary(self, module: str) -> dict:
        key = self.path_of(module)
        if key is None:
            return EMPTY  # not a project module
        return self._summary_at(key)

    def _summary_at(self, key: str, item: tuple | None = None) -> dict:
        """The summary of the module at ``key``; ``item`` (kind, name, ...:
        ``_item``) is what the caller reads of it, should it be a member of a
        cycle being solved (the caller is then solved again only if that
        changes)."""
        if self._guessing:
            return self._known_now(key, item)
        if _asks_parameters(item):
            # worked out with them, whenever its summary is (even if under way now)
            self._parameters_wanted.add(key)
        found = self._summaries.get(key)
        if found is None:
            cycle = self._solving.get(key)
            if cycle is not None:  # a member of the import cycle being solved: its value so far
                self._unsettled_reads += 1
                if cycle.values[key] is None and key not in cycle.active and not self._asking_exports:
                    self._solve_member(cycle, key)
                value = cycle.values[key]
                if value is not None and value.unread and _asks_parameters(item) and key not in cycle.active:
                    self._solve_member(cycle, key)
                    value = cycle.values[key]
                if value is None:  # not computed yet, or being computed further up
                    # a member asking whether it imports an exporter takes it
                    # to be passive so far (and is solved again should it
                    # turn out otherwise); any other reader, to be as far as
                    # it is known
                    value = self._unread(key) if self._asking_exports else self._known_so_far(key, item)
                if self._frames:
                    if item is None:
                        self._frames[-1][key] = cycle.versions[key]
                    else:
                        self._frames[-1][(key, *item)] = _item(value, item)
                return value
            if key in self._busy:  # an import cycle closes here
                self._solve_cycle(key)
                found = self._summaries.get(key)
            else:
                found = self._compute_once(key)
            if found is None:  # it, or its cycle, joined a cycle being solved further up: read as its member
                return self._summary_at(key, item)
        elif found[0].unread and _asks_parameters(item):
            found = self._read_parameters(key)
            if found is None:  # it joined a cycle being solved
                return self._summary_at(key, item)
        summary, summary_digest = found
        self.consulted[key] = summary_digest
        if self._frames:
            self._frames[-1][key] = summary_digest
        return summary

    def _known_now(self, key: str, item: tuple | None) -> ModuleSummary:
        """``_summary_at`` while a guess is worked out (``_parameters_so_far``):
        the summary as known now, nothing worked out for it, nothing recorded."""
        found = self._summaries.get(key)
        if found is not None:
            return found[0]
        cycle = self._solving.get(key)
        if cycle is None:
            return EMPTY  # not worked out yet: whoever needs it does that
        value = cycle.values[key]
        return value if value is not None else self._known_so_far(key, item)

    def _compute_once(self, key: str) -> tuple | None:
        """(summary, digest) of a module not known to be in a cycle; None if
        it read a member of an import cycle being solved, whose value may
        not be final yet: it then joins that cycle (``_join``), to be solved
        again with its members and settled with them."""
        summary, stat_result, reads = self._computed_in_frame(key, cached=True)
        solved = self._summaries.get(key)
        if solved is not None:  # solved meanwhile, with the import cycle it turned out to be in
            return solved
        if key in self._solving:  # that cycle joined one being solved further up (``_merge``)
            return None
        cycles = [self._solving[path] for path in map(_path, reads) if path in self._solving]
        if cycles:
            self._join(min(cycles, key=lambda cycle: cycle.started), key, summary, stat_result, reads)
            return None
        early = self._early.get(key)
        if early is not None and early[1] is None and all(type(read) is str for read in reads):
            self._early[key] = (early[0], reads)  # its check's findings rely on what it read
        entry = self._settle(key, summary)
        self._remember(key, stat_result, summary, reads)
        return entry

    def _read_parameters(self, key: str) -> tuple | None:
        """``_compute_once`` of a module whose functions' parameters are
        asked for the first time: its summary, as settled so far, tells
        nothing else that the worked out one says otherwise."""
        del self._summaries[key]
        found = self._compute_once(key)
        cycle = self._solving.get(key)
        if found is None and cycle is not None:
            # working them out read a member of a cycle being solved: it
            # joined that cycle.  What the analyses under way read of it
            # before is what its value now says (a passive module answers
            # the same, parameters aside): read at this version
            for frame in self._frames:
                if isinstance(frame.get(key), str):
                    frame[key] = cycle.versions[key]
        return found

    def _settle(self, key: str, summary: dict) -> tuple:
        entry = self._summaries[key] = self.fresh[key] = (summary, digest(summary))
        return entry

    def adopt(self, settled: dict) -> None:
        """Summaries another worker settled: (summary, digest) by path; one
        with its functions' parameters worked out replaces one without."""
        for key, entry in settled.items():
            known = self._summaries.get(key)
            if known is None or (known[0].unread and not entry[0].unread):
                self._summaries[key] = entry

    def scan(self, paths) -> dict:
        """What ``_scan`` remembers of each of the files at the absolute ``paths``."""
        return {key: self._scan(key) for key in paths}

    def adopt_scans(self, scans: dict) -> None:
        """What another process read of files' imports (``scan``)."""
        for key, found in scans.items():
            self._scans.setdefault(key, found)

    def imported_among(self, paths) -> set:
        """The files among the absolute ``paths`` that another of them imports."""
        among = set(paths)
        return {target for path in among for target in self._imported_files(path) if target in among and target != path}

    def summarise_checked(self, path, facts, stat_result) -> None:
        """The summary of a module just analysed for its own check, taken from
        the same facts (a summary reads where resources come from, which the
        lifetime analysis does not change), when nothing has settled it yet
        and it is in no import cycle: the module is parsed once, not twice.
        Finding out whether it is in a cycle walks the import graph around
        it: a run of a few files does it only for those another of them
        imports, a planned run without a cache only for those the plan found
        a checked file imports (``summarised``); any other asked for is
        analysed again."""
        key = os.path.abspath(path)
        if self.summarised is not None and key not in self.summarised:
            return
        if key in self._summaries or key in self._busy or self._solving or not self._could_export_at(key):
            return
        if self._component(key) != (key,) or key in self._edges(key):
            return
        summary = summarize(facts, self.catalog, module_name(key)[0], key in self._parameters_wanted)
        self._settle(key, summary)
        reads = {read: seen for read, seen in self.consulted.items() if read != key}
        self._remember(key, stat_result, summary, reads)

    def _computed_in_frame(self, key: str, cached: bool) -> tuple:
        """(summary, stat, summaries read) of the module at ``key``, computed
        with the summaries available now.  What was read maps each module to
        the digest of its summary, or to the version of a cycle member's."""
        was_busy = key in self._busy  # a cycle member being solved is still on the stack
        self._busy.add(key)
        self._stack.append(key)
        self._frames.append({})
        outer, self.current_root = self.current_root, self._root_of(key)
        # a cycle member asking whether it imports an exporter may have this
        # module worked out for the answer: its analysis reads as any does
        asking, self._asking_exports = self._asking_exports, False
        limit = sys.getrecursionlimit()
        sys.setrecursionlimit(max(limit, min(limit + FRAMES_PER_NESTED_ANALYSIS, DEEPEST_NESTING)))
        try:
            summary, stat_result = self._compute(key, cached)
        finally:
            sys.setrecursionlimit(limit)
            self._asking_exports = asking
            reads = self._frames.pop()
            self._stack.pop()
            if not was_busy:
                self._busy.discard(key)
            self.current_root = outer
        reads.pop(key, None)
        return summary, stat_result, reads

    def solve_cycle(self, members: tuple) -> None:
        """Settle the summaries of an import cycle the run's plan found, at
        once: met on demand instead, the first member asked for is analysed
        once more before the cycle shows."""
        if any(member not in self._summaries for member in members):
            self._solve_cycle(members[0])

    def _solve_cycle(self, key: str) -> None:
        """Summaries of the import cycle through ``key``, solved together."""
        members = set(self._component(key))
        if key in self._stack:
            members.update(self._stack[self._stack.index(key):])  # the cycle as met, should the import graph miss it
        # Members whose summaries are known already read no other member's:
        # computed again, they would come out the same.
        # Members of a cycle being solved further up keep their place there:
        # this one reads their values so far, as any module they import would.
        cycle = _Cycle(sorted(
            member for member in members if member not in self._summaries and member not in self._solving
        ), self._cycles_started)
        self._cycles_started += 1
        for member in cycle.members:
            self._solving[member] = cycle
        try:
            for _ in range(MAX_CYCLE_PASSES):
                stale = [m for m in cycle.members if cycle.stale(m)]
                if not stale:
                    break
                for member in stale:
                    if cycle.stale(member):
                        self._solve_member(cycle, member)
        finally:
            for member in cycle.members:
                del self._solving[member]
        enclosing = [
            self._solving[_path(read)] for reads in cycle.read.values() for read in reads if _path(read) in self._solving
        ]
        if enclosing:
            self._merge(cycle, min(enclosing, key=lambda outer: outer.started))
            return
        # A member's summary stays valid while no member's file changes and
        # what the members read outside the cycle stays the same.
        stamps = {member: self._stat(member) for member in cycle.members}
        for member in cycle.members:
            summary = cycle.values[member] or EMPTY
            self._settle(member, summary)
            self._remember(member, cycle.stats.get(member), summary, {**cycle.outside, **stamps})
        self._settled_under(cycle)
        relied_on = {**cycle.outside, **{member: self._summaries[member][1] for member in cycle.members}}
        for member in cycle.members:
            if member in self._early:
                self._early[member] = (self._early[member][0], relied_on)

    def _solve_member(self, cycle, member: str) -> None:
        cycle.active.add(member)
        try:
            summary, stat_result, reads = self._computed_in_frame(member, cached=False)
        finally:
            cycle.active.discard(member)
            self._under_way.pop(member, None)
        self._record_member(cycle, member, summary, stat_result, reads)

    def _join(self, cycle, key: str, summary, stat_result, reads: dict) -> None:
        """The module at ``key``, outside ``cycle`` in the static import
        graph (reached through an attribute, ``app.n.fetch()``), read the
        value so far of one of its members: it becomes a member, solved again
        whenever what it read changes, and settled with the others, rather
        than settled from a value that is not final."""
        cycle.members.append(key)
        cycle.values[key] = None
        cycle.versions[key] = 0
        self._solving[key] = cycle
        self._record_member(cycle, key, summary, stat_result, reads)

    def _merge(self, cycle, into) -> None:
        """``cycle``, solved inside the solving of ``into``, read values of
        ``into``'s members that were not final: its members join ``into``,
        with their values so far and what they read, solved again there
        whenever that changes, and settled with ``into``."""
        for member in cycle.members:
            into.members.append(member)
            into.values[member] = cycle.values[member]
            into.versions[member] = cycle.versions[member]  # what was read of it, by version, stays comparable
            into.stats[member] = cycle.stats.get(member)
            into.read[member] = cycle.read.get(member, {})
            self._solving[member] = into
        into.outside.update(cycle.outside)

    def _settled_under(self, cycle) -> None:
        """``cycle``, solved inside the solving of others, settles: a member of
        those that read one of its members before it was done is solved
        again if its final value says otherwise, and otherwise relies on
        its settled summary."""
        for outer in {id(other): other for other in self._solving.values()}.values():
            for member, reads in outer.read.items():
                inside = [read for read in reads if _path(read) in cycle.values]
                for read in inside:
                    if cycle.saw_otherwise(read, reads.pop(read)):
                        outer.recheck.add(member)
                    outer.outside[_path(read)] = self._summaries[_path(read)][1]

    def _record_member(self, cycle, member: str, summary, stat_result, reads: dict) -> None:
        cycle.recheck.discard(member)
        cycle.stats[member] = stat_result
        # what it read of a member of any cycle being solved is checked again
        # (``stale``), once that cycle is this one or has settled
        cycle.read[member] = {read: seen for read, seen in reads.items() if _path(read) in self._solving}
        cycle.outside.update((read, seen) for read, seen in reads.items() if _path(read) not in self._solving)
        if summary != (cycle.values[member] or EMPTY):
            cycle.versions[member] += 1
        cycle.values[member] = summary

    def scopes_collected(self, resolver) -> None:
        """The analysis of the module being computed has its scopes.  Should
        it be a member of the import cycle being solved, the other members it
        leads to may read its summary before it is done (``_known_so_far``)."""
        key = self._stack[-1] if self._stack else None
        if key is None or key not in self._solving:
            return
        module = resolver.module
        defined = module.bindings.keys() | resolver.functions.keys() | resolver.classes.keys()
        imports = {name: qual for name, qual in module.imports.items() if name not in defined}
        self._under_way[key] = _UnderWay(resolver, ModuleSummary({}, imports, {}, {}))

    def _known_so_far(self, key: str, item: tuple | None) -> ModuleSummary:
        """What the cycle member at ``key``, being computed further up, tells
        already of the ``item`` another member reads: the names it only
        imports, as its summary will say them (``_item``), and what one of
        its functions does with its parameters.  Anything else counts as
        empty until it is done.  The reader is solved again should its
        summary say otherwise; when it does not, that pass is spared."""
        under_way = self._under_way.get(key)
        if under_way is None:
            return EMPTY
        if item is None or item[0] != "params":
            return under_way.imports
        name = item[1]
        function = under_way.functions.get(name, False)
        if function is False:
            under_way.functions[name] = None  # while it is worked out: asked again, it is not known
            function = under_way.functions[name] = self._parameters_so_far(key, under_way, name)
        if function is None:
            return under_way.imports
        return ModuleSummary({}, under_way.imports.imports, {name: function}, {})

    def _parameters_so_far(self, key: str, under_way: _UnderWay, name: str) -> FunctionSummary | None:
        """The summary of the member's function ``name`` as far as its
        parameters go, worked out on a resolver of its own: the member's is
        midway through its analysis, and what it remembers from a question
        asked now would stand in for what it finds later.  It is a guess,
        which the reader's next pass checks: it reads only the summaries
        known by now, and works out none (solving more members from here
        would stack analyses deeper than the member's own reads do)."""
        from connlint.names import Resolver

        if under_way.resolver is None:
            own = under_way.own
            under_way.resolver = Resolver(own.module.node, self.catalog, own.package, self, scopes_of=own)
        node = under_way.resolver.functions.get(name)
        if node is None:
            return None
        outer = self.current_root, self._guessing
        self.current_root, self._guessing = self._root_of(key), True
        try:
            return _with_params(node, under_way.resolver, self.catalog)
        except Exception:  # noqa: BLE001 - the member's own analysis meets it, and reports it
            return None
        finally:
            self.current_root, self._guessing = outer

    def _component(self, start: str) -> tuple:
        """The strongly connected component of ``start`` in the static import
        graph of the modules that get summaries (Tarjan's algorithm, without
        recursion); every component met on the way is remembered."""
        known = self._components.get(start)
        if known is not None:
            return known
        index: dict = {}
        low: dict = {}
        on_stack: set = set()
        stack: list = []
        work = [(start, iter(self._edges(start)))]
        index[start] = low[start] = 0
        stack.append(start)
        on_stack.add(start)
        while work:
            node, edges = work[-1]
            advanced = False
            for target in edges:
                if target in self._components:
                    continue  # a finished component: not part of this one
                if target not in index:
                    index[target] = low[target] = len(index)
                    stack.append(target)
                    on_stack.add(target)
                    work.append((target, iter(self._edges(target))))
                    advanced = True
                    break
                if target in on_stack:
                    low[node] = min(low[node], index[target])
            if advanced:
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                component = tuple(sorted(component))
                for member in component:
                    self._components[member] = component
        return self._components[start]

    def _edges(self, path: str) -> list:
        """The project modules that get summaries, imported by the one at ``path``
        if it gets one itself."""
        return self.imported_summaries(path) if self._could_export_at(path) else []

    def imported_summaries(self, path: str) -> list:
        """The project modules that get summaries, imported by the file at the absolute ``path``."""
        found = self._edge_lists.get(path)
        if found is not None:
            return found
        found = []
        for target in self._imported_files(path):
            if target not in found and self._could_export_at(target):
                found.append(target)
        self._edge_lists[path] = found
        return found

    def _imported_files(self, path: str):
        """The project files the file at the absolute ``path`` imports: each
        module it imports from, and each name imported that is a submodule,
        looked for from the file's own import root."""
        outer, self.current_root = self.current_root, self._root_of(path)
        try:
            for module, names in self._imports_of(path):
                for candidate in (module, *(f"{module}.{name}" for name in names)):
                    target = self.path_of(candidate)
                    if target is not None:
                        yield target
        finally:
            self.current_root = outer

    def never_checked(self, path: str) -> bool:
        """Is the file at the absolute ``path`` known, from import statements
        alone, to fail ``begin_check``?  It names nothing the catalog knows,
        gets no summary itself, and imports no project module that gets one:
        every summary its check would ask about is empty."""
        return not self._scan(path)[2] and not self._could_export_at(path) and not self.imported_summaries(path)

    def stands_alone(self, path: str) -> bool:
        """Is the file at the absolute ``path`` checked (it names what the
        catalog knows) while importing no project module that gets a
        summary?  Its check then waits for no other module's summary, as in
        the plan (``imported_summaries``): it may run before the plan is
        made."""
        return self._scan(path)[2] and not self.imported_summaries(path)

    def gets_summary(self, path: str) -> bool:
        return self._could_export_at(path)

    def component(self, path: str) -> tuple:
        """The modules whose summaries are solved together with the one at
        ``path``: its import cycle, or itself alone."""
        return self._component(path)

    def _could_export_at(self, path: str) -> bool:
        """``could_export`` of the file at ``path``, with its own import root, remembered."""
        found = self._could_export.get(path)
        if found is None:
            outer, self.current_root = self.current_root, self._root_of(path)
            try:
                found = self._could_export[path] = self.could_export(path)
            finally:
                self.current_root = outer
        return found

    def unchanged(self, deps: dict) -> bool:
        """Do these modules still export what a cached result relied on?"""
        return all(self._digest_holds(path, old) for path, old in deps.items())

    def _digest_holds(self, path: str, seen: str) -> bool:
        """Does the summary of the module at ``path`` still say what its
        digest ``seen`` did?  It says the same, its functions' parameters
        worked out or not, to what read nothing of them.  (What read them is
        checked again if the summary at hand has none: a run keeps the one
        with them, ``runner._Run.done``.)"""
        current = self.path_digest(path)
        if current == seen:
            return True
        summary = self._summaries[path][0] if path in self._summaries else EMPTY
        return seen == digest(summary.without_parameters())

    def begin_file(self, path) -> None:
        """Start recording which summaries the analysis of ``path`` reads;
        its imports are looked for from its own import root (``search_roots``)."""
        self.consulted = {}
        self.current_root = self._root_of(path)

    def begin_check(self, data: bytes, path) -> bool:
        """``begin_file``, then: is the file at ``path`` (holding ``data``)
        worth analysing?  Only if it imports a name the catalog knows or
        something a project module exports; the checks of every door ask this."""
        self.begin_file(path)
        return self.matters(data, path) or self.imports_exporter(data, path)

    def holds(self, data: bytes, path) -> bool:
        """Does what the index remembers of the file at ``path`` (whether it
        passes the prefilter, what it imports) still hold for ``data``?  The
        language server checks an editor's buffer again and again: when the
        buffer no longer reads as remembered, it starts a fresh index."""
        key = os.path.abspath(path)
        found = self._scans.get(key)
        if found is None:
            return True
        statements = import_statements(data)
        return found == self._scanned(data, statements, key)

    def _compute(self, path: str, cached: bool) -> tuple:
        """(summary, stat) of the module at ``path``."""
        if path in self._scans and not self.could_export(path):
            # most modules: known from their import statements to export
            # nothing, without reading them again
            try:
                return EMPTY, os.stat(path)
            except OSError:
                return EMPTY, None
        try:
            with open(path, "rb") as handle:
                stat_result = os.fstat(handle.fileno())
                data = handle.read()
        except OSError:
            return EMPTY, None
        if cached and self.cache is not None:
            found = self.cache.lookup_summary(path, stat_result)
            wanted = found is not None and found[0].unread and path in self._parameters_wanted
            if found is not None and not wanted and self._still_valid(found[1]):
                return found[0], stat_result
        summary = EMPTY
        if self.could_export(path, data):
            from connlint.paths import display_path

            # a module its own check would skip makes no resource: it is
            # passive, not even parsed until its parameters are asked for.  A
            # member of an import cycle being solved asks on each pass, from
            # what the other members export so far, without solving them for
            # it (one not computed yet exports nothing so far): the answer is
            # among what the pass reads, so a pass that saw less than they
            # finally export is done again
            solving = path in self._solving
            if not solving:
                sites = self.matters(data, path) or self.imports_exporter(data, path)
            else:
                outer, self._asking_exports = self._asking_exports, True
                try:
                    sites = self.matters(data, path) or (b"import" in data and self._imports_exporter(data, path))
                finally:
                    self._asking_exports = outer
            if not sites:
                self._early.pop(path, None)  # an earlier pass's, should this one see no exporter
                unread = self._unread(path, data)
                if path not in self._parameters_wanted:
                    return unread, stat_result
            # a module the run checks is checked here, and its findings kept
            # for its turn, rather than parsed once more then: an import
            # cycle member on each pass (the last pass read what the others
            # finally export, else it would be stale), or a module asked for
            # before its turn (a run of a few files has no plan)
            checked = sites and path in self.checking and (solving or not self._solving)
            display = self.checking.get(path) or display_path(path)  # as the run shows the file
            facts, failures = self.checker.analyse(
                display, data, project=self, package=package_of(path), force=True, lifetimes=checked, sites=sites,
            )
            if facts is not None:
                summary = summarize(
                    facts, self.catalog, module_name(path)[0], path in self._parameters_wanted
                ) if sites else passive_summary(
                    facts, self.catalog, unread.imports
                )
            if checked:
                self._early[path] = (self.checker.findings(display, facts) if facts is not None else failures, None)
            else:
                self._early.pop(path, None)  # an earlier pass's, should this one see no exporter
        return summary, stat_result

    def _unread(self, path: str, data: bytes | None = None) -> ModuleSummary:
        """The summary of the module at ``path`` were it passive, its
        parameters not worked out: its imports, read from its import
        statements (remembered: a member of an import cycle is asked on each pass)."""
        found = self._unread_summaries.get(path)
        if found is None:
            if data is None:
                data = _read_bytes(path) or b""
            imports = bound_imports(import_statements(data, whole=True), package_of(path), self.catalog.modules)
            found = self._unread_summaries[path] = ModuleSummary(imports=imports, passive=True, unread=True)
        return found

    def early_findings(self, path):
        """(findings, summaries relied on) of an import cycle member the run
        checks, found while its cycle was solved; None if it was not."""
        found = self._early.pop(os.path.abspath(path), None)
        return found if found is not None and found[1] is not None else None

    def _stat(self, path: str):
        found = self._stats.get(path, False)
        if found is False:
            try:
                result = os.stat(path)
                found = [result.st_size, result.st_mtime_ns, result.st_ctime_ns]
            except OSError:
                found = None
            self._stats[path] = found
        return found

    def _still_valid(self, deps: dict) -> bool:
        """Do the summaries a cached summary read still say the same?  Each is
        named with its digest, or, for members of its import cycle, with the
        size, mtime and ctime of their files."""
        for path, seen in deps.items():
            if isinstance(seen, str):
                if not self._digest_holds(path, seen):
                    return False
            elif self._stat(path) != seen:
                return False
        return True

    def path_digest(self, path: str) -> str:
        """The digest of the summary of the module at ``path`` ("" if none)."""
        if path not in self._summaries and not os.path.isfile(path):  # asked for each result a cache holds
            return ""
        outer, self.current_root = self.current_root, self._root_of(path)
        try:
            self._summary_at(path)
        finally:
            self.current_root = outer
        return self._summaries[path][1] if path in self._summaries else ""

    def _remember(self, path: str, stat_result, summary: dict, reads: dict) -> None:
        """Keep a computed summary for the cache, with what it read."""
        if stat_result is None or not (self.keep_computed or self.cache is not None):
            return
        # a cycle member read while its cycle was solved is known by its file
        deps = {}
        for read, seen in reads.items():
            module = _path(read)
            if module not in deps or isinstance(deps[module], str):
                deps[module] = seen if isinstance(seen, str) and read == module else self._stat(module)
        deps = dict(sorted(deps.items()))
        if self.keep_computed:
            self.computed[path] = (stat_result, summary, deps)
        if self.cache is not None:
            self.cache.store_summary(path, stat_result, summary, deps)

    def could_export(self, path: str, data: bytes | None = None) -> bool:
        """Worth parsing for a summary: it imports a catalog library, or a
        project module that does (a wrapper one step away, or a package
        re-exporting one).  Longer chains of wrappers are not followed, which
        keeps a pre-commit run from reading the whole import graph."""
        if self._scan(path, data)[0]:
            return True
        for module, names in self._imports_of(path):
            if self.is_library(module) or self.path_of(module) is None:
                continue
            for candidate in (module, *(f"{module}.{name}" for name in names)):
                found = self.path_of(candidate)
                if found is not None and self._scan(found)[0]:
                    return True
        return False

    def matters(self, data: bytes, path) -> bool:
        """Does the file import a name the catalog knows (summaries and checks both ask)?"""
        return self._scan(os.path.abspath(path), data)[2]

    def _scan(self, key: str, data: bytes | None = None) -> tuple:
        """(imports a catalog library, its imports, imports a name the catalog
        knows: ``Prefilter.matches``, ``imported_modules``,
        ``Prefilter.names_catalog``) of the file at the absolute path ``key``,
        read from disk unless ``data`` is given: one pass over its import
        statements, remembered.  The first decides which modules get a
        summary (what their functions do with a resource they are given
        matters however little they import), the last which are checked."""
        found = self._scans.get(key)
        if found is None:
            if data is None:
                data = _read_bytes(key)
                if data is None:
                    # unreadable: imports nothing, yet its check has to say so
                    # (CNL900), so it counts as naming what the catalog knows
                    found = self._scans[key] = (False, [], True)
                    return found
            found = self._scans[key] = self._scanned(data, import_statements(data), key)
        return found

    def _scanned(self, data: bytes, statements, key: str) -> tuple:
        prefilter = self.checker.prefilter
        imports_catalog = prefilter.matches(data, statements)
        return (
            imports_catalog,
            list(imported_modules(statements, package_of(key))),
            # a name the catalog knows comes from a catalog library: only then worth looking for
            imports_catalog and prefilter.names_catalog(data, statements),
        )

    def imports_exporter(self, data: bytes, path) -> bool:
        """Does this source import something a project module exports?"""
        key = os.path.abspath(path)
        remembered = self._importers.get(key)
        if remembered is None:
            outer, self.consulted = self.consulted, {}
            unsettled = self._unsettled_reads
            try:
                found = b"import" in data and self._imports_exporter(data, key)
                remembered = (found, self.consulted)
                if self._unsettled_reads == unsettled:  # else an answer from values not final: asked again
                    self._importers[key] = remembered
            finally:
                self.consulted = {**outer, **self.consulted}
        else:
            self.consulted.update(remembered[1])  # what the answer relied on, for the cache
        return remembered[0]

    def _imports_of(self, path: str, data: bytes | None = None) -> list:
        """The imports of project modules of the file at the absolute ``path``
        (remembered: the plan, the summaries and the checks all ask)."""
        key = (path, self.current_root)
        found = self._project_imports.get(key)
        if found is None:
            found = self._project_imports[key] = [
                (module, names)
                for module, names in self._scan(path, data)[1]
                if self.is_project_name(module)
            ]
        return found

    def _imports_exporter(self, data: bytes, path: str) -> bool:
        # a member of an import cycle being solved asks about the members not
        # computed yet last: an exporter found before them leaves nothing that
        # a pass could read otherwise than they finally say
        later = []
        for module, names in self._imports_of(path, data):
            if self.is_library(module):
                continue
            if self._asking_exports and any(map(self._unknown_member, (module, *(f"{module}.{n}" for n in names)))):
                later.append((module, names))
            elif self._exports_any_of(module, names):
                return True
        return any(self._exports_any_of(module, names) for module, names in later)

    def _exports_any_of(self, module: str, names) -> bool:
        """Does the project module export any of ``names`` it is imported for
        (the module itself, for ``import app.db``)?"""
        if self.path_of(module) is None:
            # a folder without __init__.py (PEP 420): ``from app.routers
            # import pipelines`` imports its modules by name
            return any(self._module_exports(f"{module}.{name}") for name in names)
        if not names:
            return self._module_exports(module)
        return any(self._exports_name(module, name, 0) for name in names)

    def _unknown_member(self, module: str) -> bool:
        """Is ``module`` a member of an import cycle being solved, not computed yet?"""
        key = self.path_of(module)
        cycle = self._solving.get(key) if key is not None else None
        return cycle is not None and cycle.values[key] is None

    # Each question below reads one item of a summary (``_item``): a member
    # of an import cycle that asks it is solved again only if the answer
    # changes, not whenever anything else in the summary does.

    def _module_exports(self, module: str) -> bool:
        """Does the project module export anything?"""
        key = self.path_of(module)
        return key is not None and _item(self._summary_at(key, EXPORTS), EXPORTS)

    def _exports_name(self, module: str, name: str, depth: int) -> bool:
        item = (EXPORTS[0], name, self.path_of(f"{module}.{name}") is not None)
        answer = _item(self._summary_at(self.path_of(module), item), item)
        if type(answer) is bool:
            return answer
        target = answer[1]
        if target is not None:
            if self.is_library(target):
                # a catalog library re-exported (from .compat import sqlite3),
                # unless it is a name the catalog knows nothing of (Column)
                return self.checker.prefilter.knows(target)
            if depth >= MAX_REEXPORTS:
                return False
            if self.path_of(target) is not None:  # a module re-exported by name
                return self._module_exports(target)
            owner, _, inner = target.rpartition(".")
            return bool(owner) and self.path_of(owner) is not None and self._exports_name(owner, inner, depth + 1)
        return self._module_exports(f"{module}.{name}")  # from app import db

    # -- lookups ----------------------------------------------------------------

    def split(self, qual: str):
        """(module, name) for a qualified name inside a project module."""
        if not self.is_project_name(qual):
            return None, None  # most names: the stdlib, third-party packages, the catalog's libraries
        module, _, name = qual.rpartition(".")
        while module:
            if self.path_of(module) is not None:
                return module, name
            module, _, rest = module.rpartition(".")
            name = f"{rest}.{name}"
        return None, None

    def library_reexport(self, qual: str) -> str | None:
        """The library module a project module imports under this name and
        so re-exports (``app.compat.sqlite3`` for ``compat.py``'s ``try:
        import pysqlite3 as sqlite3 / except ImportError: import sqlite3``
        gives ``sqlite3``), else None."""
        module, name = self.split(qual)
        if module is None or "." in name:
            return None
        target = self._summary_at(self.path_of(module), ("imports", name)).imports.get(name)
        if target is None or self.is_project_name(target):
            return None
        return target

    def entry(self, qual: str, kind: str, depth: int = 0):
        """The summary entry of ``kind`` for ``qual``, following re-exports:
        "bindings", "classes"; "functions", one that makes, hands out or
        configures something; "params", any function with parameters, for
        what it does with them."""
        module, name = self.split(qual)
        if module is None or "." in name:
            return None, None
        item = (kind, name)
        found, target = _item(self._summary_at(self.path_of(module), item), item)
        if found is not None:
            return found, module
        if target is not None and depth < MAX_REEXPORTS:
            return self.entry(target, kind, depth + 1)
        return None, None


class _UnderWay:
    """A member of the import cycle being solved whose analysis has its
    scopes but is not done: what other members may read of it meanwhile."""

    __slots__ = ("own", "imports", "resolver", "functions")

    def __init__(self, own, imports: ModuleSummary):
        self.own = own  # the member's own resolver: its scopes, collected already
        self.imports = imports  # its summary, as far as the names it only imports go
        self.resolver = None  # a second one over the same scopes, made when a function's parameters are asked for
        self.functions: dict = {}  # name -> its summary as far as its parameters go, or None


class _Cycle:
    """An import cycle being solved: its members' summaries so far."""

    def __init__(self, members: list, started: int = 0):
        self.members = members  # sorted by path; then those that joined (``ProjectIndex._join``)
        self.started = started  # how many cycles the index had started solving before this one
        self.values: dict = dict.fromkeys(members)  # None until first computed
        self.versions: dict = dict.fromkeys(members, 0)  # bumped whenever a value changes
        self.read: dict = {}  # member -> {member it read: the version it saw}
        self.outside: dict = {}  # summaries outside the cycle the members read -> digest
        self.active: set = set()  # members being computed
        self.stats: dict = {}
        # members that read a cycle solved inside this one's solving, whose final values say otherwise
        self.recheck: set = set()

    def stale(self, member: str) -> bool:
        if self.values[member] is None or member in self.recheck:
            return True
        # what it read of a cycle solved meanwhile, still being solved, counts once that one is done
        return any(
            self.saw_otherwise(read, seen) for read, seen in self.read.get(member, {}).items()
            if _path(read) in self.values
        )

    def saw_otherwise(self, read, seen) -> bool:
        """Was a member read (whole, by version, or an item of it) otherwise than it stands?"""
        if isinstance(read, str):
            return self.versions[read] != seen
        value = self.values[read[0]] or EMPTY
        if value.unread and _asks_parameters(read[1:]):  # read while under way: its parameters are still to work out
            return True
        return _item(value, read[1:]) != seen


#: The item of a summary that says whether the module exports anything.
EXPORTS = ("exports", None)


def _item(summary: ModuleSummary, item: tuple):
    """What is read of a summary for ``item``: for (kind, name), the entry
    ``ProjectIndex.entry`` takes from it, or else the import it follows
    (either may be None); ``EXPORTS``, whether it exports
    anything; ("exports", name, whether a submodule has that name), what
    says whether it exports ``name`` (``_export_answer``)."""
    kind, name = item[0], item[1]
    if summary.passive:
        return _passive_item(summary, kind, name, item)
    if kind == "exports":
        if name is None:
            return summary.exports
        function = summary.functions.get(name)
        binding = summary.bindings.get(name)
        return _export_answer(
            (binding is not None and binding.exports) or name in summary.classes,
            None if function is None else function.exports,
            summary.imports.get(name),
            item[2],
        )
    if kind in ("functions", "params"):
        function = summary.functions.get(name)
        # what a function does with its arguments (``order``, ``params``;
        # borrowing them: ``order`` alone) decides whether a caller's resource
        # passed to it is handed over: asked for as "params" (not known yet
        # while the summary is unread); as "functions", only what it makes,
        # hands out or configures
        if function is not None and (function.exports or function.order):
            if kind == "params":
                return (None if summary.unread else function), None
            return (function.exported() if function.exports else None), None
        return None, summary.imports.get(name)
    found = getattr(summary, kind).get(name)
    return found, None if found is not None else summary.imports.get(name)


def _passive_item(summary: ModuleSummary, kind: str, name, item: tuple):
    """``_item`` of a passive module's summary.  It defines nothing another
    module reads, but for what its functions do with their arguments
    ("params", once worked out): every other item says only where a name it
    imports comes from, the same whether its parameters are worked out or not."""
    target = summary.imports.get(name)
    if kind == "exports":
        return False if name is None else _export_answer(False, None, target, item[2])
    if kind == "params":
        function = summary.functions.get(name)
        if function is not None and function.order:
            return function, None
    if kind == "imports":
        return target, None
    return None, target


def _asks_parameters(item) -> bool:
    return item is not None and item[0] == "params"


def _export_answer(defined: bool, function_exports, target, submodule: bool):
    """Whether a module exports a name, as far as its own summary tells: True
    or False, or ("import", what it imports under that name) or ("submodule",
    None), to be followed.  Told the same way however it was learnt, a member
    of an import cycle is solved again only when the answer changes."""
    if defined:
        return True
    if function_exports is not None:
        return function_exports
    if target is not None:
        return "import", target
    return ("submodule", None) if submodule else False


def _path(read) -> str:
    """The module a read summary belongs to: a path, or (path, kind, name)."""
    return read if isinstance(read, str) else read[0]


def digest(summary: ModuleSummary) -> str:
    """A short fingerprint of a summary: cached results record the ones they relied on."""
    import json

    from connlint.cache import short_digest

    return short_digest(json.dumps(summary.to_json(), sort_keys=True).encode())


def _read_bytes(path: str) -> bytes | None:
    try:
        with open(path, "rb") as handle:
            return handle.read()
    except OSError:
        return None


def bound_imports(statements, package: str, library_modules) -> dict:
    """name -> qualified name, for each name the import statements
    (``connlint.prefilter.import_statements``, read whole) bind, as a
    module's scope records them (``ScopeCollection._set_import``): the
    imports of a passive module, read without parsing it.  Statements inside
    functions count too: a name read through one leads to what that import
    names, and a passive module imports nothing that exports."""
    imports: dict = {}

    def bind(name: str, qual: str) -> None:
        previous = imports.get(name)
        # of two imports under one name, a catalog library's does not replace another's
        if (
            previous is None
            or previous.split(".", 1)[0] in library_modules
            or qual.split(".", 1)[0] not in library_modules
        ):
            imports[name] = qual

    for source, rest in statements:
        module = None
        if source is not None:
            source = source.decode("utf-8", "replace")
            dots = len(source) - len(source.lstrip("."))
            module = absolute_module(source[dots:], dots, package)
            if module is None:
                continue
        for name, alias in imported_aliases(rest):
            if source is None:
                top = name.split(".", 1)[0]
                bind(alias or top, name if alias else top)
            else:
                bind(alias or name, f"{module}.{name}" if module else name)
    return imports


def imported_modules(statements, package: str):
    """(absolute module, imported names) for each import statement
    (``connlint.prefilter.import_statements``)."""
    for source, rest in statements:
        if source is None:
            for module in imported_names(rest):
                yield module, ()
            continue
        source = source.decode("utf-8", "replace")
        dots = len(source) - len(source.lstrip("."))
        module = absolute_module(source[dots:], dots, package)
        if module:
            yield module, imported_names(rest)


def summarize(facts, catalog, module_name: str = "", parameters: bool = True) -> ModuleSummary:
    """What a module exports, from its facts (computed with the project index).
    Origins are absolute: a summary is kept in the cache and read from any
    directory; messages show them relative to where connlint runs
    (``paths.shown_origin``).  ``parameters`` False: what its functions do
    with their parameters is left to work out when asked (unread)."""
    resolver = facts.resolver
    module = resolver.module
    where = facts.path
    sites_by_function: dict = {}
    for site in facts.sites:
        if site.function is not None:
            sites_by_function.setdefault(id(site.function), []).append(site)
    classes = {}
    for name, node in resolver.classes.items():
        entry = _class_summary(node, facts, sites_by_function)
        based = resolver.catalog_base_type(node)
        if based is not None:
            entry.catalog_type = Made(based.name, absolute_origin(f"{where}:{node.lineno}"))
        if entry:
            classes[name] = entry
    bindings = {}
    for name, entries in module.bindings.items():
        value = resolver.binding_value(name, module) if entries else None
        if value is None:
            continue
        origin = absolute_origin(value.origin or f"{where}:{_binding_line(facts.tree, name)}")
        if value.rtype is not None:
            # sessionmaker() without a bind: its sessions are not judged
            bindings[name] = BindingSummary(
                origin, type=value.rtype.name, unbound=resolver.factory_unbound(name, module),
                framework=value.rtype.library == FRAMEWORK_LIBRARY,
            )
        elif isinstance(value.instance, str):
            bindings[name] = BindingSummary(origin, instance=value.instance)  # of another module's class
        elif value.instance is not None and value.instance.name in classes and resolver.classes.get(value.instance.name) is value.instance:
            qualified = f"{module_name}.{value.instance.name}" if module_name else value.instance.name
            bindings[name] = BindingSummary(origin, instance=qualified)  # db = Database(url)
    functions = {}
    for name, node in resolver.functions.items():
        functions[name] = _function_summary(node, facts, sites_by_function.get(id(node), []), catalog, parameters)
    for name, node in resolver.classes.items():
        init = method_of(node, "__init__")
        creates = [
            Created(s.rtype.name, s.rtype.label, absolute_origin(f"{where}:{s.line}"))
            for s in sites_by_function.get(id(init), [])
            if s.rtype.kind == "pool"
        ] if init is not None else []
        if creates:
            classes.setdefault(name, ClassSummary()).init_creates = tuple(creates)
    return ModuleSummary(bindings, dict(module.imports), functions, classes, unread=not parameters)


def passive_summary(facts, catalog, imports: dict) -> ModuleSummary:
    """The summary of a passive module, from its facts: what each of its
    functions does with its parameters; with ``imports`` (``bound_imports``)."""
    resolver = facts.resolver
    functions = {name: _with_params(node, resolver, catalog) for name, node in resolver.functions.items()}
    return ModuleSummary(imports=imports, functions=functions, passive=True)


def absolute_origin(origin: str) -> str:
    path, _, line = origin.rpartition(":")
    return f"{os.path.abspath(path)}:{line}" if path else origin


def _class_summary(node, facts, sites_by_function: dict) -> ClassSummary:
    """What the instances of a class hold (``self.engine = create_engine(...)``),
    which of its methods hand out a fresh resource on every call, and which
    create a pool each time they run."""
    resolver = facts.resolver
    attrs = {}
    for attr, assigned in sorted(resolver.class_attrs.get(id(node), {}).items()):
        value = resolver.class_attr(node, attr)
        if value is not None and value.rtype is not None:
            line = min(expr.lineno for _, expr in assigned if isinstance(expr, ast.AST))
            attrs[attr] = Made(value.rtype.name, absolute_origin(value.origin or f"{facts.path}:{line}"))
    methods = {}
    for item in node.body:
        if isinstance(item, FUNCTION_NODES) and item.name != "__init__":
            method = FunctionSummary()
            value = resolver.function_returns(item)
            if value is not None:
                line = next(
                    (r.lineno for r in ast.walk(item) if isinstance(r, ast.Return) and r.value is not None), item.lineno
                )
                made = Made(value.rtype.name, absolute_origin(value.origin or f"{facts.path}:{line}"))
                if value.shared:  # shared (self.engine) or made per call
                    method.gives = made
                else:
                    method.returns = made
            method.creates = _pools_made_per_run(sites_by_function.get(id(item), []), facts)
            if method.exports:
                methods[item.name] = method
    return ClassSummary(attrs, methods)


def _function_summary(node, facts, sites, catalog, parameters: bool = True) -> FunctionSummary:
    resolver = facts.resolver
    scope = resolver.scope_of(node)
    cached = facts.reach is not None and facts.reach.runs_once(node)  # one shared object, nothing new per call
    returns = None
    for child in ast.walk(node) if sites and not cached else ():  # only a resource made here is fresh
        if isinstance(child, ast.Return) and child.value is not None and _returns_fresh(child.value, scope, sites):
            value = resolver.resolve(child.value, scope)
            if value is not None and value.rtype is not None and value.rtype.is_resource:
                returns = Made(value.rtype.name, absolute_origin(f"{facts.path}:{_made_at(child.value, sites)}"))
                break
    creates = () if cached else _pools_made_per_run(sites, facts)
    gives = None
    if returns is None:
        given = resolver.function_returns(node)
        if given is not None and given.shared:
            gives = Made(given.rtype.name, absolute_origin(given.origin or f"{facts.path}:{node.lineno}"))
    forwarded = forwarded_limits(node, resolver, catalog)
    forwards = Forwarding(
        forwarded["call"], absolute_origin(f"{facts.path}:{forwarded['line']}"), list(forwarded["keywords"])
    ) if forwarded else None
    if not parameters:
        from connlint.effects import parameter_names

        return FunctionSummary(parameter_names(node, resolver), None, returns, gives, creates, forwards)
    return _with_params(node, resolver, catalog, returns, gives, creates, forwards)


def _with_params(node, resolver, catalog, returns=None, gives=None, creates=(), forwards=None) -> FunctionSummary:
    """The summary of the function ``node``: its parameters, what it does
    with each, and what the caller found it makes (nothing, unless given)."""
    from connlint.effects import param_effects

    effects = param_effects(node, resolver, catalog)
    params = {name: effect for name, effect in effects.items() if effect != "use"}
    return FunctionSummary(list(effects), params, returns, gives, creates, forwards)


def _returns_fresh(value, scope, sites) -> bool:
    """Does the function hand out a resource it made on this call, rather
    than a shared one (a global, an attribute, a guarded singleton)?"""
    while isinstance(value, ast.Await):
        value = value.value
    if isinstance(value, ast.Call):
        # a call that makes a resource is a site, unless what it makes owns
        # nothing (a client on a shared pool)
        site = next((s for s in sites if s.call is value), None)
        return site is not None and not site.kept_once and not site.unpooled
    if isinstance(value, ast.Name):
        if value.id in scope.declared_global:
            return False
        made_here = [s for s in sites if _assigns(s.statement, value.id)]
        return bool(made_here) and not any(s.kept_once for s in made_here) and not _kept_in_store(value.id, scope.node)
    return False


def _pools_made_per_run(sites, facts) -> tuple:
    """The pools a function makes each time it runs (not once behind a
    guard; one made on every iteration of a loop is its own module's CNL202:
    one finding per resource)."""
    return tuple(
        Created(s.rtype.name, s.rtype.label, absolute_origin(f"{facts.path}:{s.line}"))
        for s in sites
        if s.rtype.kind == "pool" and not s.kept_once and s.created_per != "loop"
    )


def _made_at(value, sites) -> int:
    """The line where the returned resource was made: the call's, or for a
    name (``s: Session = Session(); ...; return s``) its first creation's."""
    if isinstance(value, ast.Name):
        lines = [s.line for s in sites if _assigns(s.statement, value.id)]
        if lines:
            return min(lines)
    return value.lineno


def _assigns(statement, name: str) -> bool:
    """``name = ...`` or ``name: T = ...``."""
    if not isinstance(statement, (ast.Assign, ast.AnnAssign)):
        return False
    targets = statement.targets if isinstance(statement, ast.Assign) else [statement.target]
    return any(isinstance(t, ast.Name) and t.id == name for t in targets)


def _kept_in_store(name: str, function) -> bool:
    """Is ``name`` also stored where later calls find it (``cache[key] =
    client``, ``self.client = client``, ``store[k] = (pid, client)``)?  Then
    the function shares it, whatever it returns."""
    for node in ast.walk(function):
        if isinstance(node, ast.Assign) and any(isinstance(t, (ast.Subscript, ast.Attribute)) for t in node.targets):
            if any(isinstance(n, ast.Name) and n.id == name for n in ast.walk(node.value)):
                return True
    return False


def _binding_line(tree, name: str) -> int:
    for node in tree.body:
        targets = node.targets if isinstance(node, ast.Assign) else [getattr(node, "target", None)]
        for target in targets:
            if isinstance(target, ast.Name) and target.id == name:
                return node.lineno
    return 1
