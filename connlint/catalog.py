"""The library catalog: what connlint knows about client libraries, read from TOML.

Every fact about a library (which calls open a resource, what kind it is, how
it is released, what ``with`` does on it and how that ``with`` is written, which
calls build its URLs, the names of its settings) lives in ``rules/catalog/*.toml``.
Rules and the analysis only read the ``Catalog`` built here.
"""

from __future__ import annotations

import re
from pathlib import Path

from connlint.datafiles import CatalogError, load_toml_files
from connlint.record import Record, field

#: Kinds of catalog types.  Only the first four are tracked as resources.
RESOURCE_KINDS = ("connection", "session", "checkout", "pool")
#: The library of the types of web frameworks' objects (apps, routers).
FRAMEWORK_LIBRARY = "framework"
KINDS = RESOURCE_KINDS + ("cursor", "factory", "value")

#: What ``with`` / ``async with`` does when it exits.
#: closes       -> releases the resource; with ``with_commits = true`` it also
#:                 commits on success (psycopg 3, peewee)
#: transaction  -> commits / rolls back but does not release (CNL103)
#: error        -> not supported: raises TypeError (CNL105)
WITH_EFFECTS = ("closes", "transaction", "error")

#: ``with_form``: how code enters the resource in a ``with`` that releases it,
#: written as the code itself with ``{call}``, ``{pool}`` and ``{var}``:
#: ``with {call}() as {var}:``, ``async with await {call}(...) as {var}:``
#: (the opener is a coroutine), ``with {pool}.connection() as {var}:`` (a
#: pool method gives it out and takes it back).  The fixes write it; the
#: remedy in messages is ``use '<with_form>'`` unless a ``hint`` is given.
WITH_FORM = re.compile(
    r"(?P<is_async>async )?with (?P<awaits>await )?"
    r"(?:\{call\}\((?:\.\.\.)?\)|\{pool\}\.(?P<pool_method>\w+)\(\)) as \{var\}:"
)

#: A method result that carries no reference to the resource.
DATA = "data"
#: A method result that is the resource itself (fluent API).
SELF = "self"

TYPE_KEYS = {
    "kind", "label", "var", "aliases", "release", "release_awaited", "released_by",
    "with", "async_with", "with_commits", "with_form", "methods", "call", "hint", "verb", "lazy", "async",
    "needs_loop",
}
OPENER_KEYS = {"calls", "returns", "unpooled_if", "shared_if", "owned_if", "positions"}
LIBRARY_KEYS = {"name", "modules", "settings"}
FILE_KEYS = {
    "library", "opener", "types", "analysis", "one_shot", "limits", "url_constructor", "django_settings",
    "django_backends",
}
URL_CONSTRUCTOR_KEYS = {"calls", "query_keyword", "url_for"}
DJANGO_SETTINGS_KEYS = ("databases", "engine", "conn_max_age", "options", "pool")  # all required
LIMIT_KEYS = {
    "calls", "label", "server", "size", "positions", "defaults", "unbounded", "missing_is_unbounded",
    "waits_forever", "default_waits_forever", "timeout_keyword", "unsized", "url_position", "url_keyword",
    "memory_urls", "no_server_urls", "url_pool_options", "url_limits", "settings_position", "settings_prefix", "suggest", "versions",
    "bound", "url_wins", "url_case_insensitive", "timeout_keywords", "timeout_suggest", "only_with",
}
BOUND_RULES = ("sum", "largest")
SERVERS = ("database", "redis", "mongodb", "http")
ANALYSIS_KEYS = {
    "borrow_calls", "borrow_methods", "data_methods", "quiet_calls", "quiet_methods",
    "adopt_methods", "closing_wrappers", "teardown_decorators", "data_attributes", "holding_calls",
    "closed_checks", "suppressing_wrappers",
}


class WithForm(Record, frozen=True):
    """A type's ``with_form``, read once: what the fixes need to write it."""

    text: str  # "async with {pool}.acquire() as {var}:"
    is_async: bool = False
    awaits: bool = False  # ``async with await {call}(...)``: the opener is a coroutine
    pool_method: str | None = None  # entered through this method of the pool, not the opener call


class ResourceType(Record, frozen=True):
    name: str
    kind: str
    label: str
    var: str
    library: str
    release: tuple[str, ...] = ()
    release_awaited: bool = False
    released_by: tuple[str, ...] = ()
    with_effect: str | None = None
    async_with_effect: str | None = None
    with_commits: bool = False  # a closing ``with`` / ``async with`` also commits
    with_form: WithForm | None = None
    methods: dict = field(factory=dict, compare=False)
    call: str | None = None
    hint: str | None = None
    verb: str | None = None
    lazy: bool = False  # creating it opens nothing until it is first used
    asynchronous: bool = False  # an asyncio client, even if its release is sync (motor)
    needs_loop: bool = False  # must be created inside a running event loop: never at import time

    @property
    def is_resource(self) -> bool:
        return self.kind in RESOURCE_KINDS

    @property
    def is_async(self) -> bool:
        """Released by awaiting, or managed by ``async with``."""
        return self.asynchronous or self.release_awaited or self.async_with_effect == "closes"

    @property
    def release_verb(self) -> str:
        """The past participle used in messages: closed, disposed, returned."""
        if self.verb:
            return self.verb
        if self.kind == "checkout":
            return "returned"
        return "closed"


class OneShot(Record, frozen=True):
    """What to use instead of a one-shot helper (``requests.get``) in a loop:
    the client to share, the name to give it, whether it is entered with
    ``async with``.  Its methods have the helpers' names."""

    client: str  # "requests.Session"
    var: str = "client"
    async_with: bool = False


class UrlConstructor(Record, frozen=True):
    """A call that builds a database URL from parts (``URL.create(query={...})``):
    its query reaches the driver the way a URL string's does (CNL304)."""

    query_keyword: str  # the keyword whose dict becomes the URL's query
    url_for: str  # the qualified ``[[limits]]`` call the URL is meant for: its url_pool_options


class DjangoSettings(Record, frozen=True):
    """The names Django's database settings use:
    ``DATABASES = {alias: {"ENGINE": ..., "CONN_MAX_AGE": ..., "OPTIONS": {"pool": ...}}}``."""

    databases: str
    engine: str
    conn_max_age: str
    options: str
    pool: str  # the key of OPTIONS that turns on the driver's pool


class LimitSpec(Record, frozen=True):
    """One catalog ``[[limits]]`` entry: how a call that builds a pool takes its
    limits (read against a call's arguments in ``connlint.limits``)."""

    calls: tuple
    label: str
    server: str  # database | redis | mongodb | http
    size: tuple = ()  # keywords that together bound the pool
    positions: dict = field(factory=dict, compare=False)  # keyword -> positional index
    defaults: dict = field(factory=dict, compare=False)
    unbounded: dict = field(factory=dict, compare=False)  # keyword -> values meaning no limit
    missing_is_unbounded: tuple = ()  # keywords whose absence means no limit (httpx.Limits())
    waits_forever: dict = field(factory=dict, compare=False)
    default_waits_forever: str | None = None  # the wait that never ends by default (opt-in CNL303)
    timeout_keyword: str | None = None
    unsized: dict = field(factory=dict, compare=False)  # keyword -> qualified values: no size
    url_position: int | None = None
    url_keyword: str | None = None
    memory_urls: tuple = ()
    no_server_urls: tuple = ()  # URLs of databases without server slots (SQLite files)
    url_pool_options: tuple = ()  # pool options that do not belong in the URL query (CNL304)
    url_limits: tuple = ()  # query keys the library reads as limits
    settings_position: int | None = None  # engine_from_config(settings, prefix=...)
    settings_prefix: str = ""
    suggest: str = ""
    versions: dict = field(factory=dict, compare=False)  # {package, since, before}
    bound: str = "sum"  # how the size keywords make the bound: "sum" or "largest"
    url_wins: bool = False  # limits in the URL query beat the keywords (redis-py)
    url_case_insensitive: bool = False  # URL option names ignore case (pymongo)
    timeout_keywords: tuple = ()  # anything that bounds the checkout wait, keyword or URL option
    timeout_suggest: str = ""  # the setting to propose for CNL303
    only_with: tuple = ()  # builds a pool only when one of these keywords is given


class Catalog(Record):
    types: dict[str, ResourceType] = field(factory=dict)
    openers: dict[str, str] = field(factory=dict)  # qualified call -> type name
    # qualified call -> {keyword: [qualified values]} that make the result hold no pool
    unpooled_if: dict[str, dict] = field(factory=dict)
    # qualified call -> {keyword: [values]} that make the result share a pool it does not own
    shared_if: dict[str, dict] = field(factory=dict)
    # qualified call -> {keyword: (position or None, types)}: the result owns
    # connections only when that argument is of one of these types
    owned_if: dict[str, dict] = field(factory=dict)
    modules: set[str] = field(factory=set)  # top-level import names
    # every qualified name the catalog files and the user's openers spell:
    # a file importing none of them (nor a catalog module whole) meets no resource
    known_names: set[str] = field(factory=set)
    borrow_calls: set[str] = field(factory=set)
    holding_calls: set[str] = field(factory=set)  # results that keep a reference to what they are given
    closed_checks: set[str] = field(factory=set)  # attributes / methods saying whether it was released
    borrow_methods: set[str] = field(factory=set)
    data_methods: set[str] = field(factory=set)
    quiet_calls: set[str] = field(factory=set)
    quiet_methods: set[str] = field(factory=set)
    adopt_methods: set[str] = field(factory=set)
    closing_wrappers: set[str] = field(factory=set)
    suppressing_wrappers: set[str] = field(factory=set)  # a `with` whose body's exceptions stop there
    teardown_decorators: set[str] = field(factory=set)
    data_attributes: set[str] = field(factory=set)
    sources: list[str] = field(factory=list)
    origins: dict[str, str] = field(factory=dict)  # type name -> where it was defined
    # one-shot calls that build and drop a whole client: qualified call -> what to use instead
    one_shot: dict[str, OneShot] = field(factory=dict)
    frameworks: object = None  # connlint.frameworks.Frameworks
    limits: dict[str, LimitSpec] = field(factory=dict)  # qualified call -> its [[limits]] entry
    url_constructors: dict[str, UrlConstructor] = field(factory=dict)  # qualified call -> how it builds a URL
    django_settings: DjangoSettings | None = None
    settings_names: set[str] = field(factory=set)  # module-level settings worth parsing a file for
    # Django ENGINE -> what OPTIONS["pool"] = True gives: {"label", "defaults"}
    django_backends: dict = field(factory=dict)

    @property
    def any_resource(self) -> ResourceType:
        """A resource of no particular type, released by any catalog release
        method: what project summaries judge a function's parameters with."""
        cached = self.__dict__.get("_any_resource")
        if cached is None:
            kinds = [t for t in self.types.values() if t.is_resource]
            cached = self.__dict__["_any_resource"] = ResourceType(
                name="*", kind="connection", label="resource", var="conn", library="*",
                release=tuple(sorted({m for t in kinds for m in t.release})),
                released_by=tuple(sorted({m for t in kinds for m in t.released_by})),
            )
        return cached

    @property
    def call_terminals(self) -> frozenset:
        """Last names of every call the catalog knows (``connect``, ``create_engine``,
        ``getconn``): a call ending in none of them, nor in a name the module binds,
        cannot resolve to anything here."""
        cached = self.__dict__.get("_call_terminals")
        if cached is None:
            names = set()
            for table in (self.openers, self.limits, self.one_shot, self.url_constructors):
                names.update(call.rsplit(".", 1)[-1] for call in table)
            for rtype in self.types.values():
                names.update(rtype.methods)
            cached = self.__dict__["_call_terminals"] = frozenset(names)
        return cached

    def type_named(self, name: str | None) -> ResourceType | None:
        return self.types.get(name) if name else None

    def opener_type(self, qualname: str) -> ResourceType | None:
        return self.types.get(self.openers.get(qualname, ""))


def catalog_dir() -> Path:
    import connlint.rules

    return Path(connlint.rules.__file__).parent / "catalog"


def load_catalog(
    user_openers: list | None = None, user_source: str = "pyproject.toml", user_frameworks: list | None = None
) -> Catalog:
    """Read every catalog and framework file, then the user's own openers and
    frameworks (config).  Every error is a one-line ``CatalogError``."""
    try:
        return _load_catalog(user_openers, user_source, user_frameworks)
    except CatalogError as exc:
        from connlint.config import one_line

        raise CatalogError(one_line(str(exc))) from None


def _load_catalog(user_openers, user_source, user_frameworks) -> Catalog:
    from connlint.frameworks import load_frameworks

    catalog = Catalog()
    catalog.frameworks = load_frameworks(user_frameworks, user_source)
    for type_name, constructors in catalog.frameworks.objects.items():
        # framework objects (apps, routers) are typed like catalog values so
        # that ``app.route`` resolves; they are not resources
        catalog.types[type_name] = ResourceType(type_name, "value", type_name, "app", FRAMEWORK_LIBRARY)
        for call in constructors:
            catalog.openers[call] = type_name
    for name, data in load_toml_files(catalog_dir()):
        _add_file(catalog, data, name)
        catalog.sources.append(name)
    for index, entry in enumerate(user_openers or ()):
        _add_user_opener(catalog, entry, f"{user_source}: [tool.connlint] openers[{index}]")
    _check_references(catalog)
    return catalog


def _expect(value, kind, where):
    if kind is list:
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise CatalogError(f"{where}: expected a list of strings")
        return value
    if not isinstance(value, kind):
        raise CatalogError(f"{where}: expected {kind.__name__}, got {type(value).__name__}")
    return value


def _unknown(keys, allowed, where):
    extra = sorted(set(keys) - allowed)
    if extra:
        raise CatalogError(f"{where}: unknown key '{extra[0]}'")


def _add_file(catalog: Catalog, data: dict, where: str) -> None:
    _unknown(data, FILE_KEYS, where)
    catalog.known_names.update(_qualified_names(data))
    library = data.get("library", {})
    _unknown(library, LIBRARY_KEYS, f"{where}: [library]")
    lib_name = library.get("name", where.rsplit(".", 1)[0])
    catalog.modules.update(_expect(library.get("modules", []), list, f"{where}: library.modules"))
    catalog.settings_names.update(_expect(library.get("settings", []), list, f"{where}: library.settings"))
    for engine, backend in _expect(data.get("django_backends", {}), dict, f"{where}: django_backends").items():
        _expect(backend, dict, f"{where}: django_backends.\"{engine}\"")
        catalog.django_backends[engine] = backend
    for name, spec in data.get("types", {}).items():
        _add_type(catalog, name, spec, lib_name, f"{where}: types.\"{name}\"")
    for index, opener in enumerate(data.get("opener", [])):
        owhere = f"{where}: opener[{index}]"
        _unknown(opener, OPENER_KEYS, owhere)
        returns = _expect(opener.get("returns"), str, f"{owhere}.returns")
        conditions = {}
        for key in ("unpooled_if", "shared_if"):
            conditions[key] = _expect(opener.get(key, {}), dict, f"{owhere}.{key}")
            for keyword, values in conditions[key].items():
                _expect(values, list, f"{owhere}.{key}.{keyword}")
        positions = _expect(opener.get("positions", {}), dict, f"{owhere}.positions")
        for keyword, position in positions.items():
            _expect(position, int, f"{owhere}.positions.{keyword}")
        owned = {}
        for keyword, types in _expect(opener.get("owned_if", {}), dict, f"{owhere}.owned_if").items():
            owned[keyword] = (positions.get(keyword), frozenset(_expect(types, list, f"{owhere}.owned_if.{keyword}")))
        for call in _expect(opener.get("calls", []), list, f"{owhere}.calls"):
            catalog.openers[call] = returns
            for key, table in conditions.items():
                if table:
                    getattr(catalog, key)[call] = table
            if owned:
                catalog.owned_if[call] = owned
    for index, one_shot in enumerate(data.get("one_shot", [])):
        swhere = f"{where}: one_shot[{index}]"
        _unknown(one_shot, {"calls", "client", "var", "async_with"}, swhere)
        client = OneShot(
            client=_expect(one_shot.get("client"), str, f"{swhere}.client"),
            var=_expect(one_shot.get("var", "client"), str, f"{swhere}.var"),
            async_with=_expect(one_shot.get("async_with", False), bool, f"{swhere}.async_with"),
        )
        for call in _expect(one_shot.get("calls", []), list, f"{swhere}.calls"):
            catalog.one_shot[call] = client
    for index, spec in enumerate(data.get("limits", [])):
        spec = _limit_spec(spec, f"{where}: limits[{index}]")
        for call in spec.calls:
            catalog.limits[call] = spec
    for index, entry in enumerate(data.get("url_constructor", [])):
        _add_url_constructor(catalog, entry, f"{where}: url_constructor[{index}]")
    if "django_settings" in data:
        catalog.django_settings = _django_settings(data["django_settings"], f"{where}: [django_settings]")
        catalog.settings_names.add(catalog.django_settings.databases)  # a settings module is worth parsing
    analysis = data.get("analysis", {})
    _unknown(analysis, ANALYSIS_KEYS, f"{where}: [analysis]")
    for key, values in analysis.items():
        getattr(catalog, key).update(_expect(values, list, f"{where}: analysis.{key}"))


def _qualified_names(value):
    """Every dotted name among the keys and strings of a catalog file."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _qualified_names(key)
            yield from _qualified_names(item)
    elif isinstance(value, list):
        for item in value:
            yield from _qualified_names(item)
    elif isinstance(value, str) and "." in value and _is_qualified(value):
        yield value


def _add_url_constructor(catalog: Catalog, entry, where: str) -> None:
    _expect(entry, dict, where)
    _unknown(entry, URL_CONSTRUCTOR_KEYS, where)
    constructor = UrlConstructor(
        query_keyword=_expect(entry.get("query_keyword"), str, f"{where}.query_keyword"),
        url_for=_expect(entry.get("url_for"), str, f"{where}.url_for"),
    )
    for call in _expect(entry.get("calls", []), list, f"{where}.calls"):
        catalog.url_constructors[call] = constructor


def _django_settings(names, where: str) -> DjangoSettings:
    _expect(names, dict, where)
    _unknown(names, set(DJANGO_SETTINGS_KEYS), where)
    return DjangoSettings(**{key: _expect(names.get(key), str, f"{where}.{key}") for key in DJANGO_SETTINGS_KEYS})


def _limit_spec(spec, where: str) -> LimitSpec:
    _expect(spec, dict, where)
    _unknown(spec, LIMIT_KEYS, where)
    server = spec.get("server")
    if server not in SERVERS:
        raise CatalogError(f"{where}.server: expected one of {', '.join(SERVERS)}, got {server!r}")
    bound = spec.get("bound", "sum")
    if bound not in BOUND_RULES:
        raise CatalogError(f"{where}.bound: expected one of {', '.join(BOUND_RULES)}, got {bound!r}")
    tables = {}
    for key in ("positions", "defaults", "unbounded", "waits_forever", "unsized", "versions"):
        tables[key] = _expect(spec.get(key, {}), dict, f"{where}.{key}")
    for key in ("unbounded", "waits_forever", "unsized"):
        for keyword, values in tables[key].items():
            if not isinstance(values, list):
                raise CatalogError(f"{where}.{key}.{keyword}: expected a list of values (\"None\" for None)")
    return LimitSpec(
        calls=tuple(_expect(spec.get("calls", []), list, f"{where}.calls")),
        label=_expect(spec.get("label", ""), str, f"{where}.label"),
        server=server,
        size=tuple(_expect(spec.get("size", []), list, f"{where}.size")),
        positions=tables["positions"],
        defaults=tables["defaults"],
        unbounded=tables["unbounded"],
        missing_is_unbounded=tuple(_expect(spec.get("missing_is_unbounded", []), list, f"{where}.missing_is_unbounded")),
        waits_forever=tables["waits_forever"],
        default_waits_forever=spec.get("default_waits_forever"),
        timeout_keyword=spec.get("timeout_keyword"),
        unsized=tables["unsized"],
        url_position=spec.get("url_position"),
        url_keyword=spec.get("url_keyword"),
        memory_urls=tuple(_expect(spec.get("memory_urls", []), list, f"{where}.memory_urls")),
        no_server_urls=tuple(_expect(spec.get("no_server_urls", []), list, f"{where}.no_server_urls")),
        url_pool_options=tuple(_expect(spec.get("url_pool_options", []), list, f"{where}.url_pool_options")),
        url_limits=tuple(_expect(spec.get("url_limits", []), list, f"{where}.url_limits")),
        settings_position=spec.get("settings_position"),
        settings_prefix=spec.get("settings_prefix", ""),
        suggest=_expect(spec.get("suggest", ""), str, f"{where}.suggest"),
        versions=tables["versions"],
        bound=bound,
        url_wins=_expect(spec.get("url_wins", False), bool, f"{where}.url_wins"),
        url_case_insensitive=_expect(spec.get("url_case_insensitive", False), bool, f"{where}.url_case_insensitive"),
        timeout_keywords=tuple(_expect(spec.get("timeout_keywords", []), list, f"{where}.timeout_keywords")),
        timeout_suggest=_expect(spec.get("timeout_suggest", ""), str, f"{where}.timeout_suggest"),
        only_with=tuple(_expect(spec.get("only_with", []), list, f"{where}.only_with")),
    )


def _add_type(catalog: Catalog, name: str, spec: dict, library: str, where: str) -> ResourceType:
    _expect(spec, dict, where)
    _unknown(spec, TYPE_KEYS, where)
    kind = spec.get("kind")
    if kind not in KINDS:
        raise CatalogError(f"{where}.kind: expected one of {', '.join(KINDS)}, got {kind!r}")
    for key in ("with", "async_with"):
        effect = spec.get(key)
        if effect is not None and effect not in WITH_EFFECTS:
            raise CatalogError(f"{where}.{key}: expected one of {', '.join(WITH_EFFECTS)}, got {effect!r}")
    with_commits = _expect(spec.get("with_commits", False), bool, f"{where}.with_commits")
    if with_commits and "closes" not in (spec.get("with"), spec.get("async_with")):
        raise CatalogError(f"{where}.with_commits: needs 'with' or 'async_with' = \"closes\" (a transaction always commits)")
    with_form = _with_form(spec, where)
    if with_form is not None and "hint" in spec:
        raise CatalogError(f"{where}: give either 'hint' or 'with_form', not both (the hint is made from the form)")
    methods = _expect(spec.get("methods", {}), dict, f"{where}.methods")
    for method, result in methods.items():
        _expect(result, str, f"{where}.methods.{method}")
    rtype = ResourceType(
        name=name,
        kind=kind,
        label=_expect(spec.get("label", name), str, f"{where}.label"),
        var=_expect(spec.get("var", "conn"), str, f"{where}.var"),
        library=library,
        release=tuple(_expect(spec.get("release", []), list, f"{where}.release")),
        release_awaited=_expect(spec.get("release_awaited", False), bool, f"{where}.release_awaited"),
        released_by=tuple(_expect(spec.get("released_by", []), list, f"{where}.released_by")),
        with_effect=spec.get("with"),
        async_with_effect=spec.get("async_with"),
        with_commits=with_commits,
        with_form=with_form,
        methods=dict(methods),
        call=_optional_string(spec, "call", where),
        hint=f"use '{with_form.text}'" if with_form is not None else _optional_string(spec, "hint", where),
        verb=_optional_string(spec, "verb", where),
        lazy=_expect(spec.get("lazy", False), bool, f"{where}.lazy"),
        asynchronous=_expect(spec.get("async", False), bool, f"{where}.async"),
        needs_loop=_expect(spec.get("needs_loop", False), bool, f"{where}.needs_loop"),
    )
    if rtype.is_resource and not (rtype.release or rtype.released_by):
        raise CatalogError(f"{where}: a {kind} needs 'release' or 'released_by'")
    catalog.types[name] = rtype
    catalog.origins[name] = where
    for alias in _expect(spec.get("aliases", []), list, f"{where}.aliases"):
        catalog.types[alias] = rtype
    return rtype


def _with_form(spec: dict, where: str) -> WithForm | None:
    text = _optional_string(spec, "with_form", where)
    if text is None:
        return None
    shape = WITH_FORM.fullmatch(text)
    if shape is None:
        raise CatalogError(
            f"{where}.with_form: expected '[async ]with [await ]{{call}}(...) as {{var}}:' or "
            f"'[async ]with {{pool}}.<method>() as {{var}}:', got {_shown(text)}"
        )
    return WithForm(
        text=text,
        is_async=bool(shape["is_async"]),
        awaits=bool(shape["awaits"]),
        pool_method=shape["pool_method"],
    )


def _optional_string(spec: dict, key: str, where: str) -> str | None:
    value = spec.get(key)
    if value is not None and (not isinstance(value, str) or not value):
        raise CatalogError(f"{where}.{key}: expected a non-empty string, got {_shown(value)}")
    return value


def _shown(value) -> str:
    """A value for a message: short, on one line."""
    text = repr(value) if isinstance(value, str) else type(value).__name__
    return text if len(text) <= 60 else text[:57] + "..."


def _is_qualified(name: str) -> bool:
    """A dotted name such as ``myapp.db.get_conn``."""
    return bool(name) and all(part.isidentifier() for part in name.split("."))


def _add_user_opener(catalog: Catalog, entry, where: str) -> None:
    if not isinstance(entry, dict):
        raise CatalogError(f"{where}: expected a table such as {{call = \"myapp.db.get_conn\", kind = \"connection\"}}")
    allowed = TYPE_KEYS | {"call", "calls", "returns"}
    _unknown(entry, allowed, where)
    if "call" in entry and "calls" in entry:
        raise CatalogError(f"{where}: give either 'call' or 'calls', not both")
    key = "calls" if "calls" in entry else "call"
    if key not in entry:
        raise CatalogError(f"{where}: missing 'call' (the qualified name, e.g. \"myapp.db.get_conn\")")
    if key == "call":
        calls = [_expect(entry["call"], str, f"{where}.call")]
    else:
        calls = _expect(entry["calls"], list, f"{where}.calls")
        if not calls:
            raise CatalogError(f"{where}.calls: expected at least one qualified name such as \"myapp.db.get_conn\"")
    for call in calls:
        if not _is_qualified(call):
            raise CatalogError(
                f"{where}.{key}: expected a qualified name such as \"myapp.db.get_conn\", got {_shown(call)}"
            )
    returns = entry.get("returns")
    # ``call`` names the opener here; it is not the factory field of a type.
    type_fields = {k: v for k, v in entry.items() if k in TYPE_KEYS and k != "call"}
    if returns is not None:
        _expect(returns, str, f"{where}.returns")
        if type_fields:
            raise CatalogError(f"{where}: give either 'returns' or the type fields, not both")
        if returns not in catalog.types:
            raise CatalogError(f"{where}.returns: unknown catalog type '{returns}'")
    else:
        type_fields.setdefault("label", f"{calls[0]}() {type_fields.get('kind', 'resource')}")
        if "kind" not in type_fields:
            raise CatalogError(f"{where}: missing 'kind' (one of {', '.join(RESOURCE_KINDS)}) or 'returns'")
        returns = calls[0]
        _add_type(catalog, returns, type_fields, "user", where)
    for call in calls:
        catalog.openers[call] = returns
        catalog.modules.add(call.split(".", 1)[0])
        catalog.known_names.add(call)


def _check_references(catalog: Catalog) -> None:
    for call, returns in catalog.openers.items():
        if returns not in catalog.types:
            raise CatalogError(f"opener '{call}': returns unknown type '{returns}'")
    for rtype in set(catalog.types.values()):
        where = catalog.origins.get(rtype.name, f"type '{rtype.name}'")
        for method, result in rtype.methods.items():
            if result not in (DATA, SELF) and result not in catalog.types:
                raise CatalogError(f"{where}.methods.{method}: unknown type '{result}'")
        if rtype.call and rtype.call not in catalog.types:
            raise CatalogError(f"{where}.call: unknown type '{rtype.call}'")
    for call, constructor in catalog.url_constructors.items():
        if constructor.url_for not in catalog.limits:
            raise CatalogError(f"url_constructor '{call}': url_for names no [[limits]] call '{constructor.url_for}'")
