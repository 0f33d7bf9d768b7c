"""What a project module exports to the modules that import it: its summary.

A summary is made from the module's facts (``connlint.project.summarize``)
and read wherever a name of another project module is resolved: by the
project index (which entry a qualified name stands for), the name resolver
(what a call returns, what an instance holds), the facts (what a callee
creates, which pool a wrapper forwards its arguments to) and the lifetime
analysis (what a callee does with a resource passed to it).

Summaries travel between processes and live in the cache as JSON:
``to_json`` gives the document, ``from_json`` reads one back and gives None
for anything not of this shape (an old or damaged cache entry).  Every
record compares field by field: a summary that comes out the same is the
same, and the solver of an import cycle stops there.
"""

from __future__ import annotations


class _Entry:
    """Fields in ``__slots__``; equal when every field is."""

    __slots__ = ()

    def _values(self) -> tuple:
        return tuple(getattr(self, name) for name in self.__slots__)

    def __eq__(self, other) -> bool:
        return type(other) is type(self) and self._values() == other._values()

    __hash__ = None

    def __getstate__(self) -> tuple:  # slots only: the default would be a dict per record
        return self._values()

    def __setstate__(self, state: tuple) -> None:
        for name, value in zip(self.__slots__, state):
            setattr(self, name, value)

    def __repr__(self) -> str:
        shown = ", ".join(f"{name}={getattr(self, name)!r}" for name in self.__slots__)
        return f"{type(self).__name__}({shown})"


class _Strings(_Entry):
    """A record whose JSON is an object of its fields, every one a string."""

    __slots__ = ()

    def to_json(self) -> dict:
        return {name: getattr(self, name) for name in self.__slots__}

    @classmethod
    def from_json(cls, data):
        if _strings(data, frozenset(cls.__slots__)):
            return cls(*(data[name] for name in cls.__slots__))
        return None


class Made(_Strings):
    """A value of a catalog type (by name), and where it is made (``path:line``)."""

    __slots__ = ("type", "origin")

    def __init__(self, type: str, origin: str):
        self.type = type
        self.origin = origin


class Created(_Strings):
    """A pool a function (or a class's ``__init__``) creates each time it runs."""

    __slots__ = ("type", "label", "origin")

    def __init__(self, type: str, label: str, origin: str):
        self.type = type
        self.label = label
        self.origin = origin


class Forwarding(_Entry):
    """The pool-building call a wrapper forwards its arguments to (its
    qualified name), where, and the keywords the wrapper sets itself."""

    __slots__ = ("call", "origin", "keywords")

    def __init__(self, call: str, origin: str, keywords: list):
        self.call = call
        self.origin = origin
        self.keywords = keywords

    def to_json(self) -> dict:
        return {"call": self.call, "origin": self.origin, "keywords": list(self.keywords)}

    @classmethod
    def from_json(cls, data):
        if (
            type(data) is dict and data.keys() == _FORWARDING
            and type(data["call"]) is str and type(data["origin"]) is str
            and type(data["keywords"]) is list and all(type(word) is str for word in data["keywords"])
        ):
            return cls(data["call"], data["origin"], list(data["keywords"]))
        return None


class FunctionSummary(_Entry):
    """A module-level function, or a method: its parameters in order (``self``
    left out) and the effect of those it releases or keeps ("release",
    "escape"; the others it borrows); the fresh resource it returns, or the
    shared one it hands out; the pools it creates on every call; the pool
    constructor it forwards its arguments to."""

    __slots__ = ("order", "params", "returns", "gives", "creates", "forwards")

    def __init__(self, order=(), params=None, returns=None, gives=None, creates=(), forwards=None):
        self.order = tuple(order)
        self.params = params or {}
        self.returns: Made | None = returns
        self.gives: Made | None = gives
        self.creates = tuple(creates)
        self.forwards: Forwarding | None = forwards

    @property
    def exports(self) -> bool:
        """Can calling it make a finding in a module that imports it?  Only if
        it makes, hands out or configures a resource: one that merely
        releases, keeps or borrows what it is given matters only to a caller
        with a resource of its own, which imports that resource's maker too."""
        return bool(self.returns or self.gives or self.creates or self.forwards)

    def exported(self) -> FunctionSummary:
        """It, but for what it does with its parameters: what a module that
        calls it reads of what it makes, hands out or configures."""
        if not self.params:
            return self
        return FunctionSummary(self.order, None, self.returns, self.gives, self.creates, self.forwards)

    def to_json(self) -> dict:
        data: dict = {}
        if self.order:
            data["order"] = list(self.order)
        if self.returns:
            data["returns"] = self.returns.to_json()
        if self.gives:
            data["gives"] = self.gives.to_json()
        if self.creates:
            data["creates"] = [created.to_json() for created in self.creates]
        if self.params:
            data["params"] = dict(self.params)
        if self.forwards:
            data["forwards"] = self.forwards.to_json()
        return data

    @classmethod
    def from_json(cls, data):
        if type(data) is not dict or not data.keys() <= _FUNCTION_KEYS:
            return None
        order = data.get("order", [])
        params = data.get("params", {})
        if type(order) is not list or not all(type(name) is str for name in order):
            return None
        if type(params) is not dict or not all(type(effect) is str for effect in params.values()):
            return None
        made = {key: Made.from_json(data[key]) for key in ("returns", "gives") if key in data}
        creates = _created_list(data.get("creates", []))
        forwards = Forwarding.from_json(data["forwards"]) if "forwards" in data else None
        if None in made.values() or creates is None or ("forwards" in data and forwards is None):
            return None
        return cls(order, params, made.get("returns"), made.get("gives"), creates, forwards)


class ClassSummary(_Entry):
    """A module-level class: the resources its instances hold (``attrs``:
    ``self.engine = create_engine(...)``), its methods that hand out or
    create one, the pools its ``__init__`` creates, and the catalog type it
    subclasses (``class Session(requests.Session)``)."""

    __slots__ = ("attrs", "methods", "init_creates", "catalog_type")

    def __init__(self, attrs=None, methods=None, init_creates=(), catalog_type=None):
        self.attrs: dict[str, Made] = attrs or {}
        self.methods: dict[str, FunctionSummary] = methods or {}
        self.init_creates = tuple(init_creates)
        self.catalog_type: Made | None = catalog_type

    def __bool__(self) -> bool:
        return bool(self.attrs or self.methods or self.init_creates or self.catalog_type)

    def to_json(self) -> dict:
        data: dict = {}
        if self.attrs:
            data["attrs"] = {name: made.to_json() for name, made in self.attrs.items()}
        if self.methods:
            data["methods"] = {name: method.to_json() for name, method in self.methods.items()}
        if self.catalog_type:
            data["catalog_type"] = self.catalog_type.to_json()
        if self.init_creates:
            data["init_creates"] = [created.to_json() for created in self.init_creates]
        return data

    @classmethod
    def from_json(cls, data):
        if type(data) is not dict or not data.keys() <= _CLASS_KEYS:
            return None
        attrs = _mapping(data.get("attrs", {}), Made.from_json)
        methods = _mapping(data.get("methods", {}), FunctionSummary.from_json)
        init_creates = _created_list(data.get("init_creates", []))
        catalog_type = Made.from_json(data["catalog_type"]) if "catalog_type" in data else None
        if attrs is None or methods is None or init_creates is None or ("catalog_type" in data and not catalog_type):
            return None
        return cls(attrs, methods, init_creates, catalog_type)


class BindingSummary(_Entry):
    """A module-level name bound to a value of a catalog type (``type``; a
    ``sessionmaker()`` without a bind is ``unbound``; an app or router of a
    web framework is a ``framework`` object) or to an instance of a project
    class (``instance``, its qualified name), and where."""

    __slots__ = ("type", "instance", "origin", "unbound", "framework")

    def __init__(self, origin: str, type: str | None = None, instance: str | None = None, unbound: bool = False,
                 framework: bool = False):
        self.type = type
        self.instance = instance
        self.origin = origin
        self.unbound = unbound
        self.framework = framework

    @property
    def exports(self) -> bool:
        """Can a module that imports it get a finding from it?  Not from a
        framework object alone: it tells which of the importer's functions
        run per request, but makes nothing; a finding there needs a resource
        the importer makes, from the catalog or from another export."""
        return not self.framework

    def to_json(self) -> dict:
        if self.instance is not None:
            return {"instance": self.instance, "origin": self.origin}
        return _with_flags(self, _BINDING_FLAGS, {"type": self.type, "origin": self.origin})

    @classmethod
    def from_json(cls, data):
        if _strings(data, _INSTANCE):
            return cls(data["origin"], instance=data["instance"])
        flags = _flags(data, _BINDING_FLAGS)
        if flags is None:
            return None
        made = Made.from_json({key: value for key, value in data.items() if key not in _BINDING_FLAGS})
        return cls(made.origin, type=made.type, **flags) if made is not None else None


class ModuleSummary(_Entry):
    """What a module exports: its typed module-level ``bindings``, its
    ``imports`` (name -> qualified name: what it re-exports), its module-level
    ``functions`` and ``classes``.

    What its functions do with their parameters is worked out only when a
    module asks, for a resource it passes to one of them: until then the
    summary is ``unread`` (``FunctionSummary.params`` empty), and says
    everything else it will say then.

    The summary of a ``passive`` module (one that imports a catalog library,
    or a module that does, but names nothing the catalog knows and imports
    nothing another module exports) says only where the names it imports
    come from, read from its import statements, and, once worked out, what
    its functions do with their parameters: such a module makes no
    resource, and is not even parsed until then."""

    __slots__ = ("bindings", "imports", "functions", "classes", "passive", "unread")

    def __init__(
        self, bindings=None, imports=None, functions=None, classes=None, passive: bool = False, unread: bool = False
    ):
        self.bindings: dict[str, BindingSummary] = bindings or {}
        self.imports: dict[str, str] = imports or {}
        self.functions: dict[str, FunctionSummary] = functions or {}
        self.classes: dict[str, ClassSummary] = classes or {}
        self.passive = passive
        self.unread = unread

    @property
    def exports(self) -> bool:
        """Could a module importing it get a finding from it?"""
        return not self.passive and (
            any(binding.exports for binding in self.bindings.values())
            or bool(self.classes)
            or any(f.exports for f in self.functions.values())
        )

    def without_parameters(self) -> ModuleSummary:
        """The same summary, unread: what it says to what reads nothing of
        its functions' parameters (of a passive module's, its imports only)."""
        if self.passive:
            return ModuleSummary(imports=self.imports, passive=True, unread=True)
        functions = {name: function.exported() for name, function in self.functions.items()}
        return ModuleSummary(self.bindings, self.imports, functions, self.classes, unread=True)

    def to_json(self) -> dict:
        return _with_flags(self, _MODULE_FLAGS, {
            "bindings": {name: binding.to_json() for name, binding in self.bindings.items()},
            "imports": dict(self.imports),
            "functions": {name: function.to_json() for name, function in self.functions.items()},
            "classes": {name: cls.to_json() for name, cls in self.classes.items()},
        })

    @classmethod
    def from_json(cls, data):
        """The summary ``data`` (``to_json``'s document) stands for, or None."""
        flags = _flags(data, _MODULE_FLAGS)
        if flags is None or data.keys() - set(_MODULE_FLAGS) != _MODULE_KEYS:
            return None
        imports = data["imports"]
        if type(imports) is not dict or not all(type(value) is str for value in imports.values()):
            return None
        bindings = _mapping(data["bindings"], BindingSummary.from_json)
        functions = _mapping(data["functions"], FunctionSummary.from_json)
        classes = _mapping(data["classes"], ClassSummary.from_json)
        if bindings is None or functions is None or classes is None:
            return None
        return cls(bindings, dict(imports), functions, classes, **flags)


#: The summary of a module that exports nothing (or of a name that is no project module).
EMPTY = ModuleSummary()

_INSTANCE = frozenset(("instance", "origin"))
_BINDING_FLAGS = ("unbound", "framework")
_FORWARDING = frozenset(("call", "origin", "keywords"))
_FUNCTION_KEYS = frozenset(("order", "params", "returns", "gives", "creates", "forwards"))
_CLASS_KEYS = frozenset(("attrs", "methods", "init_creates", "catalog_type"))
_MODULE_KEYS = frozenset(("bindings", "imports", "functions", "classes"))
_MODULE_FLAGS = ("passive", "unread")


def _with_flags(record, flags, data: dict) -> dict:
    """``data`` with each of ``flags`` the record has set, as ``true`` (one
    not set is not written)."""
    for flag in flags:
        if getattr(record, flag):
            data[flag] = True
    return data


def _flags(data, flags) -> dict | None:
    """{flag: set?} of a record's JSON object, or None if it is no object or
    a flag in it is not ``true``."""
    if type(data) is not dict or any(data.get(flag, True) is not True for flag in flags):
        return None
    return {flag: flag in data for flag in flags}


def _strings(data, keys) -> bool:
    """A dict with exactly ``keys``, every value a string."""
    return type(data) is dict and data.keys() == keys and all(type(value) is str for value in data.values())


def _created_list(data):
    if type(data) is not list:
        return None
    created = [Created.from_json(item) for item in data]
    return None if None in created else created


def _mapping(data, read):
    """``{name: read(value)}`` of a JSON object, or None if any value is not readable."""
    if type(data) is not dict:
        return None
    found = {}
    for name, value in data.items():
        entry = read(value)
        if entry is None or type(name) is not str:
            return None
        found[name] = entry
    return found
