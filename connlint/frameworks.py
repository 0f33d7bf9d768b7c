"""Framework knowledge, read from ``rules/frameworks/*.toml``: which functions
run on every request (or task), and which places run once.

Like the library catalog, this is data; ``connlint.handlers`` reads it.
"""

from __future__ import annotations

import fnmatch
from pathlib import Path

from connlint.datafiles import CatalogError, load_toml_files
from connlint.record import Record, field

UNITS = ("request", "task", "message", "invocation")


class EntrySpec(Record, frozen=True):
    """One way a framework marks a function as running per request."""

    framework: str
    what: str  # "Flask route", "Celery task"
    unit: str = "request"
    names: tuple = ()  # qualified decorator / call / base names (``Type.method`` for methods)
    methods: tuple = ()  # method names matched on any receiver in a file importing the framework
    position: int | None = None  # registrations: which argument is the handler
    keyword: str | None = None
    path_argument: int | None = None  # the route path shown in messages
    # decorators / registrations: what one of the call's arguments must be
    # (qualified names or string literals), as ``@receiver(request_started)``
    arguments: tuple = ()
    argument_keyword: str | None = None  # ... or the keyword that argument may be given as
    class_init: bool = False  # decorators: on a method, its class's ``__init__`` runs per request too
    startup: str = ""  # the app's one-time startup hook, named in messages ("the lifespan handler")
    handler_methods: tuple = ()  # bases / registered classes: which methods are entry points
    init_parameters: tuple = ()  # class heuristics: ``__init__``'s parameters after self, exactly
    parameters: tuple = ()  # function heuristics: required parameter names, in order
    function_names: tuple = ()
    module_names: tuple = ()  # function heuristics: file stems
    first_parameter: str | None = None
    returned: bool = False  # function heuristics: the function it returns is the entry, not itself
    modules: tuple = ()  # the framework's import names

    def method_matches(self, name: str) -> bool:
        return any(fnmatch.fnmatchcase(name, pattern) for pattern in self.handler_methods)


class Frameworks(Record):
    """Every framework's entry specs, with indexes built once for matching."""

    decorators: list[EntrySpec] = field(factory=list)
    registrations: list[EntrySpec] = field(factory=list)
    bases: list[EntrySpec] = field(factory=list)
    classes: list[EntrySpec] = field(factory=list)  # class heuristics (``__init__`` parameters)
    functions: list[EntrySpec] = field(factory=list)
    objects: dict[str, list[str]] = field(factory=dict)  # framework type -> constructor calls
    prefixes: dict[str, str] = field(factory=dict)  # framework type -> keyword of its route prefix
    one_time_decorators: set[str] = field(factory=set)
    one_time_functions: set[str] = field(factory=set)
    request_scoped: set[str] = field(factory=set)  # objects that live for one request (flask.g)

    def decorator_spec(self, name, method, uses, accepts=None) -> EntrySpec | None:
        """The first decorator spec naming ``name``, or matching ``method`` on
        a receiver of a framework the module uses (``uses(spec)``), whose
        ``arguments`` the decorator's arguments satisfy (``accepts(spec)``).
        A name known to the data but given other arguments (``@receiver(post_save)``)
        is no entry: the method heuristics are not tried for it."""
        index = self.__dict__.get("_decorator_index")
        if index is None:
            index = self.__dict__["_decorator_index"] = ({}, {})
            for spec in self.decorators:
                for qualified in spec.names:
                    index[0].setdefault(qualified, []).append(spec)
                for method_name in spec.methods:
                    index[1].setdefault(method_name, []).append(spec)
        if name is not None and name in index[0]:
            return next((spec for spec in index[0][name] if accepts is None or accepts(spec)), None)
        for spec in index[1].get(method, ()) if method is not None else ():
            if uses(spec) and (accepts is None or accepts(spec)):
                return spec
        return None

    def base_spec(self, qual: str) -> EntrySpec | None:
        """The base-class spec ``qual`` matches (names may be globs)."""
        index = self.__dict__.get("_base_index")
        if index is None:
            exact, globs = {}, []
            for spec in self.bases:
                for pattern in spec.names:
                    if any(ch in pattern for ch in "*?["):
                        globs.append((pattern, spec))
                    else:
                        exact.setdefault(pattern, spec)
            index = self.__dict__["_base_index"] = (exact, globs)
        found = index[0].get(qual)
        if found is not None:
            return found
        return next((spec for pattern, spec in index[1] if fnmatch.fnmatchcase(qual, pattern)), None)
    modules: set[str] = field(factory=set)


SPEC_KEYS = {
    "names", "methods", "what", "unit", "position", "keyword", "path_argument", "handler_methods",
    "parameters", "function_names", "module_names", "first_parameter",
}
# keys only some kinds of entry read
KIND_KEYS = {
    "decorator": {"arguments", "argument_keyword", "class_init"},
    "registration": {"arguments", "argument_keyword"},
    "base": set(),
    "class": {"init_parameters"},
    "function": {"returned"},
}
FILE_KEYS = {"framework", "objects", "prefixes", "one_time", *KIND_KEYS}
ONE_TIME_KEYS = {"decorators", "functions", "request_scoped"}


def frameworks_dir() -> Path:
    import connlint.rules

    return Path(connlint.rules.__file__).parent / "frameworks"


def load_frameworks(extra: list | None = None, extra_source: str = "pyproject.toml") -> Frameworks:
    frameworks = Frameworks()
    for name, data in load_toml_files(frameworks_dir()):
        add_framework(frameworks, data, name)
    for index, entry in enumerate(extra or ()):
        where = f"{extra_source}: [tool.connlint] frameworks[{index}]"
        if not isinstance(entry, dict):
            raise CatalogError(f"{where}: expected a table with the fields of a framework file")
        add_framework(frameworks, entry, where)
    return frameworks


def _unknown(keys, allowed, where):
    extra = sorted(set(keys) - allowed)
    if extra:
        raise CatalogError(f"{where}: unknown key '{extra[0]}'")


def _strings(value, where) -> tuple:
    """A list of non-empty strings; a bare string is an error (``names = "x.route"``
    is a typo for ``names = ["x.route"]``, not a list of one)."""
    if isinstance(value, str):
        shown = value if len(value) <= 40 else value[:37] + "..."
        raise CatalogError(f"{where}: expected a list of strings, got a string (write [\"{shown}\"])")
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise CatalogError(f"{where}: expected a list of strings")
    if "" in value:
        raise CatalogError(f"{where}: expected a list of strings, got an empty string")
    return tuple(value)


def _table(value, where, expected) -> dict:
    if not isinstance(value, dict):
        raise CatalogError(f"{where}: expected {expected}")
    return value


def add_framework(frameworks: Frameworks, data: dict, where: str) -> None:
    _unknown(data, FILE_KEYS, where)
    header = _table(data.get("framework", {}), f"{where}: [framework]", 'a table such as { name = "Acme web" }')
    _unknown(header, {"name", "modules", "unit", "startup"}, f"{where}: [framework]")
    name = header.get("name")
    if name is not None and (not isinstance(name, str) or not name.strip()):
        raise CatalogError(f"{where}: framework.name: expected a non-empty string such as \"Acme web\"")
    modules = _strings(header.get("modules", []), f"{where}: framework.modules")
    frameworks.modules.update(modules)
    startup = header.get("startup", "")
    if not isinstance(startup, str):
        raise CatalogError(f"{where}: framework.startup: expected a string naming the app's one-time startup hook")
    default_unit = header.get("unit", "request")
    if default_unit not in UNITS:
        raise CatalogError(f"{where}: framework.unit: expected one of {', '.join(UNITS)}, got {_shown(default_unit)}")
    objects = data.get("objects", {})
    if not isinstance(objects, dict):
        raise CatalogError(f"{where}: [objects]: expected a table of type = [constructor calls]")
    for type_name, constructors in objects.items():
        frameworks.objects[type_name] = list(_strings(constructors, f"{where}: objects.\"{type_name}\""))
    prefixes = data.get("prefixes", {})
    if not isinstance(prefixes, dict) or not all(isinstance(v, str) for v in prefixes.values()):
        raise CatalogError(f"{where}: [prefixes]: expected a table of type = \"keyword of its route prefix\"")
    frameworks.prefixes.update(prefixes)
    for key, target in (
        ("decorator", frameworks.decorators),
        ("registration", frameworks.registrations),
        ("base", frameworks.bases),
        ("class", frameworks.classes),
        ("function", frameworks.functions),
    ):
        entries = data.get(key, [])
        if not isinstance(entries, list):
            raise CatalogError(f"{where}: [[{key}]]: expected an array of tables")
        for index, spec in enumerate(entries):
            target.append(_spec(spec, key, name or where, default_unit, modules, f"{where}: {key}[{index}]", startup))
    one_time = _table(data.get("one_time", {}), f"{where}: [one_time]", "a table of decorators, functions, request_scoped")
    _unknown(one_time, ONE_TIME_KEYS, f"{where}: [one_time]")
    for key, values in one_time.items():
        getattr(frameworks, f"one_time_{key}" if key in ("decorators", "functions") else key).update(
            _strings(values, f"{where}: one_time.{key}")
        )
    if name is None:  # checked last: an entry's own error is the more useful message
        raise CatalogError(
            f"{where}: framework.name: missing (the name shown in messages, "
            "as framework = { name = \"Acme web\", modules = [\"acme\"] })"
        )


def _shown(value) -> str:
    """A value for a message: short, on one line."""
    text = repr(value) if isinstance(value, str) else type(value).__name__
    return text if len(text) <= 60 else text[:57] + "..."


def _spec(spec, kind: str, framework: str, default_unit: str, modules: tuple, where: str, startup: str = "") -> EntrySpec:
    if not isinstance(spec, dict):
        raise CatalogError(f"{where}: expected a table")
    extra = sorted(set(spec) - SPEC_KEYS - KIND_KEYS[kind])
    if extra:
        owners = " and ".join(f"[[{other}]]" for other, keys in KIND_KEYS.items() if extra[0] in keys)
        if owners:
            raise CatalogError(f"{where}: key '{extra[0]}' only applies to {owners}")
        raise CatalogError(f"{where}: unknown key '{extra[0]}'")
    unit = spec.get("unit", default_unit)
    if unit not in UNITS:
        raise CatalogError(f"{where}.unit: expected one of {', '.join(UNITS)}, got {unit!r}")
    what = spec.get("what")
    if not isinstance(what, str):
        raise CatalogError(f"{where}.what: expected a string such as \"Flask route\"")
    for key in ("position", "path_argument"):
        if key in spec and (not isinstance(spec[key], int) or isinstance(spec[key], bool) or spec[key] < 0):
            raise CatalogError(f"{where}.{key}: expected an integer (0 for the first argument)")
    for key in ("keyword", "first_parameter"):
        if key in spec and (not isinstance(spec[key], str) or not spec[key].isidentifier()):
            raise CatalogError(f"{where}.{key}: expected a parameter name, got {_shown(spec[key])}")
    for key in ("class_init", "returned"):
        if key in spec and not isinstance(spec[key], bool):
            raise CatalogError(f"{where}.{key}: expected true or false")
    arguments = _strings(spec.get("arguments", []), f"{where}.arguments")
    if "arguments" in spec and not arguments:
        raise CatalogError(f"{where}.arguments: expected at least one qualified name or string")
    if "argument_keyword" in spec:
        if not isinstance(spec["argument_keyword"], str):
            raise CatalogError(f"{where}.argument_keyword: expected a string")
        if not arguments:
            raise CatalogError(f"{where}.argument_keyword: names the keyword of 'arguments', which is missing")
    handler_methods = _strings(spec.get("handler_methods", []), f"{where}.handler_methods")
    init_parameters = _strings(spec.get("init_parameters", []), f"{where}.init_parameters")
    if kind == "class" and not (init_parameters and handler_methods):
        # without both, the heuristic would match every class, or find nothing
        raise CatalogError(f"{where}: a [[class]] entry needs init_parameters and handler_methods")
    names = _strings(spec.get("names", []), f"{where}.names")
    methods = _strings(spec.get("methods", []), f"{where}.methods")
    parameters = _strings(spec.get("parameters", []), f"{where}.parameters")
    function_names = _strings(spec.get("function_names", []), f"{where}.function_names")
    module_names = _strings(spec.get("module_names", []), f"{where}.module_names")
    # an entry that could match nothing is a mistake, not a no-op
    if kind in ("decorator", "registration") and not (names or methods):
        raise CatalogError(f"{where}: a [[{kind}]] entry needs 'names' or 'methods'")
    if kind == "base" and not names:
        raise CatalogError(f"{where}: a [[base]] entry needs 'names'")
    if kind == "function" and not (parameters or function_names or module_names):
        raise CatalogError(f"{where}: a [[function]] entry needs parameters, function_names or module_names")
    return EntrySpec(
        framework=framework,
        what=what,
        unit=unit,
        names=names,
        methods=methods,
        position=spec.get("position"),
        keyword=spec.get("keyword"),
        path_argument=spec.get("path_argument"),
        arguments=arguments,
        argument_keyword=spec.get("argument_keyword"),
        class_init=spec.get("class_init", False),
        handler_methods=handler_methods,
        init_parameters=init_parameters,
        parameters=parameters,
        function_names=function_names,
        module_names=module_names,
        first_parameter=spec.get("first_parameter"),
        returned=spec.get("returned", False),
        modules=modules,
        startup=startup,
    )
