"""Fix intents for the pool-limit rules (CNL301-CNL306), planned on the
pool's arguments as ``connlint.limits`` read them, or on Django's DATABASES.

CNL301 writes the library's current defaults down (safe: nothing changes,
unless the default differs between library versions); CNL302 and CNL303
replace a sentinel with a bound, CNL304 moves a pool option from the URL
query into a keyword, and CNL305 bounds CONN_MAX_AGE (unsafe: behaviour
changes, which is the point).  CNL306 sets CONN_MAX_AGE to 0 beside the pool:
safe, since Django refuses to start with any other value.
"""

from __future__ import annotations

import ast
from urllib.parse import parse_qsl

from connlint.fixes.intent import SAFE, UNSAFE, intent, make_fix, span
from connlint.limits import MISSING, UNKNOWN, matches_value, render


def _keyword_node(call, name):
    return next((k for k in call.keywords if k.arg == name), None)


def _suggested(text: str) -> dict:
    """``pool_size=10, max_overflow=5`` -> {"pool_size": "10", ...}."""
    try:
        tree = ast.parse(f"f({text})", mode="eval")
    except SyntaxError:
        return {}
    call = tree.body
    if not isinstance(call, ast.Call):
        return {}
    return {k.arg: ast.unparse(k.value) for k in call.keywords if k.arg and isinstance(k.value, (ast.Constant, ast.UnaryOp))}


def _literal(value) -> str | None:
    if isinstance(value, bool) or value is None or value is MISSING or value is UNKNOWN:
        return None
    if isinstance(value, (int, float)):
        return render(value)
    return None


def plan_explicit_limits(config, facts):
    """CNL301: ``create_engine(url)`` -> ``create_engine(url, pool_size=5, max_overflow=10)``."""
    spec = config.spec
    keywords = []
    for name in spec.size:
        if config.args.get(name) is not MISSING:
            continue
        code = _literal(spec.defaults.get(name, MISSING))
        if code is not None:
            keywords.append((name, code, "add"))
    if not keywords or any(isinstance(a, ast.Starred) for a in config.call.args):
        return None
    versions = spec.versions or {}
    # Safe only where the keywords provably change nothing: the default does
    # not depend on the installed version, and the pool accepts them.
    applicability = SAFE if not versions.get("before") and config.sizes_accepted() else UNSAFE
    written = ", ".join(f"{name}={code}" for name, code, _ in keywords)
    fix_intent = intent("set-keywords", call=span(config.call, facts.lines), keywords=tuple(keywords))
    return make_fix(applicability, f"Write the default limits down: {written}", fix_intent)


def _bounded_value(spec, name, forbidden) -> str | None:
    default = spec.defaults.get(name, MISSING)
    code = _literal(default)
    if code is not None and not matches_value(default, forbidden):
        return code
    return _suggested(spec.suggest).get(name)


def plan_bounded_pool(config, facts):
    """CNL302: ``max_overflow=-1`` -> the library default (or its suggestion)."""
    spec = config.spec
    keywords = []
    for name, value in config.unbounded():
        node = _keyword_node(config.call, name)
        if value is MISSING:
            code = _bounded_value(spec, name, spec.unbounded.get(name, ()))
            if code is None:
                return None
            keywords.append((name, code, "add"))
        elif node is not None:
            code = _bounded_value(spec, name, spec.unbounded.get(name, ()))
            if code is None:
                return None
            keywords.append((name, code, "set"))
        else:
            return None  # positional, or in the URL: left to the reader
    if not keywords:
        return None
    written = ", ".join(f"{name}={code}" for name, code, _ in keywords)
    fix_intent = intent("set-keywords", call=span(config.call, facts.lines), keywords=tuple(keywords))
    return make_fix(UNSAFE, f"Bound the pool: {written}", fix_intent)


def plan_bounded_wait(config, facts):
    """CNL303: ``pool_timeout=None`` -> the library default timeout."""
    spec = config.spec
    keywords = []
    for name, _ in config.waits_forever():
        if _keyword_node(config.call, name) is None:
            return None
        code = _suggested(spec.timeout_suggest).get(name) if spec.timeout_suggest else None
        if code is None:
            default = spec.defaults.get(name, MISSING)
            code = _literal(default) if not matches_value(default, spec.waits_forever.get(name, ())) else None
        if code is None:
            code = "30"
        keywords.append((name, code, "set"))
    if not keywords:
        return None
    written = ", ".join(f"{name}={code}" for name, code, _ in keywords)
    fix_intent = intent("set-keywords", call=span(config.call, facts.lines), keywords=tuple(keywords))
    return make_fix(UNSAFE, f"Bound the wait: {written}", fix_intent)


def plan_option_to_keyword(config, option: str, node, facts):
    """CNL304: ``create_engine("...?pool_size=20")`` -> ``create_engine("...", pool_size=20)``."""
    if not isinstance(node, ast.Constant) or not isinstance(node.value, str) or node.lineno != node.end_lineno:
        return None
    lines = facts.lines
    where = span(node, lines)
    token = lines[node.lineno - 1][where[1]: where[3]]
    prefix = ""
    while token and token[0] in "rRuU":
        prefix, token = prefix + token[0], token[1:]
    quote = token[:3] if token[:3] in ('"""', "'''") else token[:1]
    if quote not in ('"', "'", '"""', "'''") or not token.endswith(quote) or token[len(quote): -len(quote)] != node.value:
        return None  # escapes or implicit concatenation: not ours to rewrite
    url = node.value
    base, separator, rest = url.partition("?")
    query, hash_mark, fragment = rest.partition("#")
    parts = query.split("&")
    kept, value = [], None
    for part in parts:
        key = part.split("=", 1)[0]
        if key == option and value is None:
            pairs = parse_qsl(part, keep_blank_values=True)
            value = pairs[0][1] if pairs else ""
            continue
        kept.append(part)
    if value is None:
        return None
    try:
        number = int(value)
    except ValueError:
        try:
            number = float(value)
        except ValueError:
            return None
    new_url = base + ("?" + "&".join(kept) if any(kept) else "") + (hash_mark + fragment)
    keywords = () if _keyword_node(config.call, option) is not None else ((option, render(number), "add"),)
    fix_intent = intent(
        "url-options",
        call=span(config.call, lines),
        url=where,
        literal=f"{prefix}{quote}{new_url}{quote}",
        keywords=keywords,
    )
    action = f"pass {option}={render(number)} to {config.callee}()" if keywords else f"keep the {option} keyword"
    return make_fix(UNSAFE, f"Move '{option}' out of the URL: {action}", fix_intent)


def plan_setting_value(node, value: str, facts, applicability: str, description: str, was: str | None = None):
    """A ``DATABASES`` value -> ``value`` (``"CONN_MAX_AGE": None`` -> ``60``)."""
    if node is None or node.lineno != node.end_lineno:
        return None
    fix_intent = intent("replace-value", node=span(node, facts.lines), value=value, was=was)
    return make_fix(applicability, description, fix_intent)
