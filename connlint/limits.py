"""Pool limits: reading the arguments of the calls that build pools, against
the catalog's ``[[limits]]`` entries (size keywords, defaults, the values that
mean "unbounded" or "wait forever").

What cannot be read is ``UNKNOWN``: explicit, value unknown.  The rules only
report what is certain.
"""

from __future__ import annotations

import ast

from connlint.catalog import LimitSpec
from connlint.names import Resolver
from connlint.record import Record
from connlint.scopes import Scope

UNKNOWN = object()  # an explicit value connlint cannot read
MISSING = object()  # not given at all: the library default applies

ENVIRON_GETTERS = {"os.environ.get", "os.getenv"}
NUMERIC_CASTS = {"int", "float"}


class Arguments(Record):
    """The arguments of one pool-building call, as far as they can be read."""

    values: dict  # keyword -> value | UNKNOWN
    opaque: bool = False  # **kwargs or a settings mapping that cannot be read
    url: object = MISSING  # str | UNKNOWN | MISSING
    url_node: ast.AST | None = None
    url_prefix: str = ""  # the literal start of a URL built at run time ("sqlite:///" + name)

    def get(self, keyword):
        if keyword in self.values:
            return self.values[keyword]
        return UNKNOWN if self.opaque else MISSING


class ValueReader:
    """Reads literal values: constants, module-level constants, negative
    numbers, ``None``, ``int(os.environ.get("X", "10"))`` defaults, dicts."""

    def __init__(self, resolver: Resolver):
        self.resolver = resolver
        self._changed: dict = {}  # (scope node id, name) -> changed in place?

    def read(self, node, scope: Scope, depth: int = 0):
        if depth > 8:
            return UNKNOWN
        if isinstance(node, ast.Constant):
            return node.value
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
            value = self.read(node.operand, scope, depth + 1)
            return -value if isinstance(value, (int, float)) and not isinstance(value, bool) else UNKNOWN
        if isinstance(node, ast.Name):
            bound = self._constant_binding(node.id, scope)
            if bound is not None:
                return self.read(bound[1], bound[0], depth + 1)
            value = self.resolver.resolve(node, scope)
            return value.qual if value is not None and value.qual else UNKNOWN
        if isinstance(node, ast.Attribute):
            value = self.resolver.resolve(node, scope)
            return value.qual if value is not None and value.qual else UNKNOWN
        if isinstance(node, ast.Call):
            return self._read_call(node, scope, depth)
        if isinstance(node, ast.Dict):
            result = {}
            for key, value in zip(node.keys, node.values):
                if key is None:
                    merged = self.read(value, scope, depth + 1)
                    if not isinstance(merged, dict):
                        return UNKNOWN
                    result.update(merged)
                    continue
                key_value = self.read(key, scope, depth + 1)
                if not isinstance(key_value, str):
                    return UNKNOWN
                result[key_value] = self.read(value, scope, depth + 1)
            return result
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Pow):
            left, right = self.read(node.left, scope, depth + 1), self.read(node.right, scope, depth + 1)
            if isinstance(left, int) and isinstance(right, int) and 0 <= right < 64:
                return left**right
        return UNKNOWN

    def _read_call(self, node: ast.Call, scope, depth):
        func = node.func
        if isinstance(func, ast.Name) and func.id in NUMERIC_CASTS and len(node.args) == 1 and not node.keywords:
            inner = self.read(node.args[0], scope, depth + 1)
            try:
                return int(inner) if func.id == "int" else float(inner)
            except (TypeError, ValueError):
                return UNKNOWN
        if isinstance(func, ast.Name) and func.id == "dict" and not node.args:
            result = {}
            for keyword in node.keywords:
                if keyword.arg is None:
                    return UNKNOWN
                result[keyword.arg] = self.read(keyword.value, scope, depth + 1)
            return result
        callee = self.resolver.resolve(func, scope)
        if callee is not None and callee.qual in ENVIRON_GETTERS and len(node.args) == 2:
            # the default applies when the variable is unset: the code's own value
            return self.read(node.args[1], scope, depth + 1)
        return UNKNOWN

    def _constant_binding(self, name: str, scope: Scope):
        """(scope, value) of a name bound exactly once in its scope, or None.
        A mapping counts only when nothing can change it in place."""
        current = scope
        while current is not None:
            if name in current.bindings:
                entries = current.bindings[name]
                if len(entries) == 1 and isinstance(entries[0], ast.expr):
                    if _is_mapping(entries[0]) and self._changed_in_place(name, current):
                        return None
                    return current, entries[0]
                return None
            if name in current.imports:
                return None
            current = current.parent
        return None

    def _changed_in_place(self, name: str, scope: Scope) -> bool:
        """Is the mapping bound to ``name`` used other than read (``**name``,
        ``name["key"]``, ``name.get(...)``): stored into, updated, or handed
        to a call that may change it?"""
        key = (id(scope.node), name)
        if key not in self._changed:
            self._changed[key] = self._find_change(name, scope)
        return self._changed[key]

    def _builds_pool(self, call: ast.Call, scope: Scope) -> bool:
        qual = self.resolver.callee_qual(call, scope)
        return qual is not None and qual in self.resolver.catalog.limits

    def _find_change(self, name: str, scope: Scope) -> bool:
        parents = self.resolver.parents_of(scope.node)
        for node in ast.walk(scope.node):
            if not (isinstance(node, ast.Name) and node.id == name and isinstance(node.ctx, ast.Load)):
                continue
            parent = parents.get(id(node))
            if isinstance(parent, ast.keyword) and parent.arg is None:
                continue  # f(**name)
            if isinstance(parent, ast.Dict) and any(v is node for k, v in zip(parent.keys, parent.values) if k is None):
                continue  # {**name}
            if isinstance(parent, ast.Subscript) and parent.value is node and isinstance(parent.ctx, ast.Load):
                continue  # name["key"]
            if (
                isinstance(parent, ast.Attribute)
                and parent.attr in READING_METHODS
                and isinstance(parents.get(id(parent)), ast.Call)
            ):
                continue  # name.get("key")
            if isinstance(parent, ast.Call) and self._builds_pool(parent, scope):
                continue  # engine_from_config(name): pool-building calls read their settings
            return True
        return False


READING_METHODS = frozenset({"get", "items", "keys", "values", "copy"})


def _is_mapping(node) -> bool:
    return isinstance(node, ast.Dict) or (
        isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "dict"
    )


def read_arguments(call: ast.Call, spec: LimitSpec, scope: Scope, reader: ValueReader) -> Arguments:
    values: dict = {}
    opaque = False
    for keyword in call.keywords:
        if keyword.arg is None:
            expanded = reader.read(keyword.value, scope)
            if isinstance(expanded, dict):
                values.update(expanded)
            else:
                opaque = True
        else:
            values[keyword.arg] = reader.read(keyword.value, scope)
    if any(isinstance(arg, ast.Starred) for arg in call.args):
        opaque = True
    for keyword, position in spec.positions.items():
        if position < len(call.args) and keyword not in values:
            values[keyword] = reader.read(call.args[position], scope)
    url, url_node = MISSING, None
    if spec.url_keyword:
        url_node = next((k.value for k in call.keywords if k.arg == spec.url_keyword), None)
    if url_node is None and spec.url_position is not None and spec.url_position < len(call.args):
        url_node = call.args[spec.url_position]
    url_prefix = ""
    if url_node is not None:
        url = reader.read(url_node, scope)
        url = url if isinstance(url, str) else UNKNOWN
        if url is UNKNOWN:
            url_prefix = _literal_prefix(url_node)
    if spec.settings_position is not None and spec.settings_position < len(call.args):
        settings = reader.read(call.args[spec.settings_position], scope)
        prefix = values.pop("prefix", spec.settings_prefix)
        if isinstance(settings, dict) and isinstance(prefix, str):
            for key, value in settings.items():
                if key.startswith(prefix):
                    values.setdefault(key[len(prefix):], value)
            url = settings.get(f"{prefix}url", MISSING)
            url = url if isinstance(url, str) or url is MISSING else UNKNOWN
        else:
            opaque = True
    return Arguments(values, opaque, url, url_node, url_prefix)


def _literal_prefix(node) -> str:
    """The literal text a string expression starts with: ``"sqlite:///" +
    path``, ``f"sqlite:///{path}"``, ``"sqlite:///{0}".format(path)`` and
    ``"sqlite:///%s" % path`` give ``sqlite:///``."""
    while isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        node = node.left
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mod) and isinstance(node.left, ast.Constant):
        return str(node.left.value).split("%", 1)[0]
    if (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "format"
        and isinstance(node.func.value, ast.Constant)
        and isinstance(node.func.value.value, str)
    ):
        return node.func.value.value.split("{", 1)[0]
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr) and node.values and isinstance(node.values[0], ast.Constant):
        return str(node.values[0].value)
    return ""


def url_query(url: str) -> dict:
    from urllib.parse import parse_qsl, urlsplit

    try:
        return dict(parse_qsl(urlsplit(url).query, keep_blank_values=True))
    except ValueError:
        return {}


def render(value) -> str:
    if value is None:
        return "None"
    return repr(value) if isinstance(value, str) else str(value)


def matches_value(value, listed) -> bool:
    """Is ``value`` one of the catalog's ``listed`` values (TOML: "None"
    stands for None)?  Never a value not given or not known."""
    for item in listed:
        if item == "None" and value is None:
            return True
        if value is not None and value is not UNKNOWN and value is not MISSING and type(value) is not bool:
            if value == item or str(value) == str(item):
                return True
    return False


class PoolConfig(Record):
    """A call that builds a pool (or a pool's limits), with its arguments read."""

    call: ast.Call
    spec: LimitSpec
    args: Arguments
    callee: str
    statement: ast.stmt | None
    site: object = None  # the ResourceSite of the same call, if it creates a resource
    origin: str | None = None  # a forwarding wrapper's pool-building call: "app/db.py:5"
    matters: bool = True  # could a limit change anything here (see ``limit_can_matter``)

    def _query(self) -> dict:
        query = url_query(self.args.url) if isinstance(self.args.url, str) else {}
        if self.spec.url_case_insensitive:
            return {key.lower(): value for key, value in query.items()}
        return query

    def _url_option(self, name: str):
        key = name.lower() if self.spec.url_case_insensitive else name
        return self._query().get(key, MISSING)

    def applies(self) -> bool:
        """False for a call that builds no pool with these arguments
        (``mysql.connector.connect()`` without ``pool_name``/``pool_size``)."""
        return not self.spec.only_with or self.args.opaque or any(
            self.args.get(k) is not MISSING for k in self.spec.only_with
        )

    def unsized(self) -> bool:
        return any(matches_value(self.args.get(k), v) for k, v in self.spec.unsized.items())

    def in_memory(self) -> bool:
        return self._url_matches(self.spec.memory_urls)

    def without_server(self) -> bool:
        """The URL names a database without server slots (a SQLite file)."""
        patterns = self.spec.no_server_urls
        # a URL built at run time: its literal start can name the scheme ("\0" stands for the rest)
        prefix = self.args.url_prefix + "\0" if self.args.url_prefix else None
        return self.in_memory() or self._url_matches(patterns) or self._url_matches(patterns, prefix)

    def _url_matches(self, patterns, url=MISSING) -> bool:
        """Does the URL (or ``url``) match one of the fnmatch ``patterns``?"""
        import fnmatch

        url = self.args.url if url is MISSING else url
        return isinstance(url, str) and any(fnmatch.fnmatchcase(url, p) for p in patterns)

    def pool_class_unknown(self) -> bool:
        """A pool class is given that connlint cannot read: it may have no size."""
        return any(self.args.get(k) is UNKNOWN for k in self.spec.unsized)

    def sizes_accepted(self) -> bool:
        """Provably accepts the size keywords: no pool class is given, and the
        URL, where the library takes one, is a literal for a server database
        (``sqlite://`` gets a pool class that refuses them)."""
        if any(self.args.get(k) is not MISSING for k in self.spec.unsized):
            return False
        if self.spec.url_position is not None or self.spec.url_keyword or self.spec.settings_position is not None:
            return isinstance(self.args.url, str) and not self.without_server()
        return True

    def implicit(self) -> bool:
        """Relies on the library's default bound (CNL301)."""
        spec, args = self.spec, self.args
        if spec.server == "http" or not spec.size or args.opaque or self.unsized() or self.without_server():
            return False
        if self.pool_class_unknown():
            return False
        if any(args.get(k) is not MISSING for k in spec.size):
            return False
        if any(args.get(k) is MISSING for k in spec.missing_is_unbounded):
            return False  # no limit at all: CNL302 says so
        if spec.url_limits:
            if args.url is UNKNOWN:
                return False  # the URL may carry the limits
            if any(self._url_option(k) is not MISSING for k in spec.url_limits):
                return False
        return True

    def unbounded(self) -> list:
        """(keyword, value) pairs that mean "no limit" (CNL302)."""
        found = []
        for keyword, values in self.spec.unbounded.items():
            value = self.args.get(keyword)
            if matches_value(value, values):
                found.append((keyword, value))
            elif keyword in self.spec.url_limits and self._url_option(keyword) is not MISSING:
                in_url = self._url_option(keyword)
                if matches_value(in_url, values):
                    found.append((keyword, int(in_url) if in_url.lstrip("-").isdigit() else in_url))
        for keyword in self.spec.missing_is_unbounded:
            if self.args.get(keyword) is MISSING:
                found.append((keyword, MISSING))
        return found

    def waits_forever(self) -> list:
        """(keyword, value) pairs that mean "wait forever" (CNL303)."""
        given = ((keyword, self.args.get(keyword), values) for keyword, values in self.spec.waits_forever.items())
        return [(keyword, value) for keyword, value, values in given if matches_value(value, values)]

    def waits_forever_by_default(self) -> bool:
        """The library's default wait never ends and nothing here bounds it
        (opt-in CNL303); silent when a timeout may be set where connlint cannot see."""
        spec, args = self.spec, self.args
        if not spec.default_waits_forever or args.opaque:
            return False
        keywords = tuple(spec.timeout_keywords) + ((spec.timeout_keyword,) if spec.timeout_keyword else ())
        if any(args.get(k) is not MISSING for k in keywords):
            return False
        if spec.url_limits and args.url is UNKNOWN:
            return False  # the URL may set the wait
        return not any(self._url_option(k) is not MISSING for k in keywords)

    def url_pool_options(self) -> list:
        """Pool options written in a literal URL's query (CNL304): (option, node)."""
        if not self.spec.url_pool_options or self.args.url_node is None:
            return []
        node = self.args.url_node
        text = _literal_text(node)
        if text is None:
            return []
        query = url_query(text) if "?" in text else {}
        return [(option, node) for option in self.spec.url_pool_options if option in query]

    def bound(self):
        """The maximum connections this pool opens: int, None (no limit) or UNKNOWN."""
        spec, args = self.spec, self.args
        if self.unbounded():
            return None
        if self.unsized() or self.in_memory():
            return 1 if self.in_memory() else UNKNOWN
        values = []
        for keyword in spec.size:
            value = args.get(keyword)
            in_url = self._url_option(keyword) if keyword in spec.url_limits else MISSING
            if in_url is not MISSING and (value is MISSING or spec.url_wins):
                try:
                    value = int(in_url)
                except ValueError:
                    return UNKNOWN
            elif value is MISSING:
                value = spec.defaults.get(keyword, 0)
            if not isinstance(value, int) or isinstance(value, bool):
                return UNKNOWN
            values.append(value)
        if not values:
            return UNKNOWN
        return max(values) if spec.bound == "largest" else sum(values)


def forwarded_limits(function, resolver, catalog) -> dict | None:
    """A function that forwards its arguments to a pool-building call
    (``def make_engine(*args, **kwargs): return create_engine(*args,
    **kwargs)``), read at its call sites: {"call": the catalog call,
    "line": its line, "keywords": the keywords the wrapper sets itself}.
    Its positional parameters must reach the call in their own places."""
    args = function.args
    if not args.kwarg:
        return None
    params = [a.arg for a in args.posonlyargs + args.args]
    scope = resolver.scope_of(function)
    if scope.self_name and params and params[0] == scope.self_name:
        return None  # a method: its call sites pass one argument fewer
    for node in ast.walk(function):
        if not (isinstance(node, ast.Return) and isinstance(node.value, ast.Call)):
            continue
        call = node.value
        qual = resolver.callee_qual(call, scope)
        if qual not in catalog.limits:
            continue
        if not any(k.arg is None and isinstance(k.value, ast.Name) and k.value.id == args.kwarg.arg for k in call.keywords):
            continue
        for index, arg in enumerate(call.args):
            starred = isinstance(arg, ast.Starred) and args.vararg and isinstance(arg.value, ast.Name)
            if starred and arg.value.id == args.vararg.arg and index == len(call.args) - 1:
                continue
            if not (isinstance(arg, ast.Name) and index < len(params) and arg.id == params[index]):
                break
        else:
            keywords = sorted(k.arg for k in call.keywords if k.arg is not None)
            return {"call": qual, "line": call.lineno, "keywords": keywords}
    return None


def limit_can_matter(config: PoolConfig, resolver, catalog) -> bool:
    """Can this pool's limits matter: does it outlive the call that builds it
    (module level, stored, returned, handed over) or is it shared with other
    code (passed to a call other than a catalog borrower, or used by a nested
    function)?  A pool built, used through its own methods and released or
    dropped inside one function needs no limit: at most one caller uses it."""
    from connlint.lifetime import ESCAPED  # not at import: a run served from the cache analyses nothing

    site = config.site
    if site is None or site.function is None or site.fate is None or site.fate.verdict == ESCAPED:
        return True
    var = site.fate.var
    if var is None:
        return False
    scope = resolver.scope_of(site.function)
    for node in ast.walk(site.function):
        if node is not site.function and isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            if any(isinstance(n, ast.Name) and n.id == var for n in ast.walk(node)):
                return True  # a closure may run elsewhere (a thread, an executor)
        if not isinstance(node, ast.Call):
            continue
        arguments = [*node.args, *(k.value for k in node.keywords)]
        if not any(isinstance(n, ast.Name) and n.id == var for arg in arguments for n in ast.walk(arg)):
            continue
        func = node.func
        if isinstance(func, ast.Attribute) and func.attr in catalog.borrow_methods:
            continue
        callee = resolver.resolve(func, scope)
        qual = callee.qual if callee is not None else None
        if qual is not None and (qual in catalog.borrow_calls or qual in catalog.holding_calls or qual in catalog.openers):
            continue  # takes one connection at a time, or binds a session to it
        return True
    return False


def _literal_text(node):
    """The text of a string literal, or of the literal parts of an f-string."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(v.value if isinstance(v, ast.Constant) else "x" for v in node.values)
    return None


def describe_defaults(spec: LimitSpec) -> str:
    """``pool_size=5 + max_overflow=10``, with the version it applies to."""
    parts = [f"{k}={render(spec.defaults[k])}" for k in spec.size if k in spec.defaults]
    text = " + ".join(parts)
    versions = spec.versions
    if versions.get("since") and versions.get("before"):
        before = ", ".join(f"{k}={render(v)}" for k, v in versions["before"].items())
        text += f" in {versions.get('package', 'the library')} {versions['since']} and later; {before} before {versions['since']}"
    return text
