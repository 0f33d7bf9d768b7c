"""What astroid inference would add to connlint's own name resolution.

    python bench/astroid_probe.py [CORPUS]   (default: the benchmark corpus)

For every call of a method that opens a resource on a catalog type
(``connect``, ``getconn``, ``acquire``, ...) in the files the prefilter keeps,
counts the calls connlint types itself, then asks astroid to infer the
receiver of the others and counts the catalog types it finds, with the time
it takes.  connlint does not use astroid on the check path; this script is
the measurement behind that choice.
"""

from __future__ import annotations

import ast
import sys
import time
from pathlib import Path

from connlint.config import Selection, Settings
from connlint.discovery import discover
from connlint.engine import Checker
from connlint.project import ProjectIndex, package_of

DEFAULT = Path.home() / ".cache" / "connlint-bench" / "corpus" / "src"


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    corpus = Path(argv[0] if argv else DEFAULT).resolve()
    try:
        import astroid
    except ImportError:
        sys.exit("astroid_probe: astroid is not installed (it is no dependency of connlint): pip install astroid")

    checker = Checker(Settings(root=corpus), Selection(["CNL"], []))
    project = ProjectIndex(checker, (corpus,))
    openers = {
        method
        for rtype in set(checker.catalog.types.values())
        for method, result in rtype.methods.items()
        if checker.catalog.types.get(result) is not None and checker.catalog.types[result].is_resource
    }
    calls = typed = found = failures = files = 0
    spent = 0.0
    for path in discover([str(corpus)], corpus, checker.settings.all_excludes).files:
        display, data, _ = checker.read(path)
        if not data or not project.matters(data, path):
            continue
        facts, _ = checker.analyse(display, data, project, package_of(path))
        if facts is None:
            continue
        files += 1
        sites = {id(site.call) for site in facts.sites}
        left = set()
        for scope in [facts.resolver.module, *facts.resolver.scopes.values()]:
            for call in scope.calls:
                if isinstance(call.func, ast.Attribute) and call.func.attr in openers:
                    calls += 1
                    if id(call) in sites:
                        typed += 1
                    else:
                        left.add((call.lineno, call.col_offset, call.func.attr))
        if not left:
            continue
        start = time.perf_counter()
        try:
            module = astroid.MANAGER.ast_from_file(str(path), source=True)
            for node in module.nodes_of_class(astroid.nodes.Call):
                func = node.func
                if isinstance(func, astroid.nodes.Attribute) and (node.lineno, node.col_offset, func.attrname) in left:
                    try:
                        for inferred in func.expr.infer():
                            proxied = getattr(inferred, "_proxied", inferred)
                            name = getattr(proxied, "qname", lambda: None)()
                            if name in checker.catalog.types:
                                found += 1
                                break
                    except Exception:
                        failures += 1
        except Exception:
            failures += 1
        spent += time.perf_counter() - start
    print(f"files kept by the prefilter: {files}")
    print(f"method calls that open a resource on a catalog type: {calls}; typed by connlint: {typed}")
    print(f"astroid, on the {calls - typed} others: {found} more typed, in {spent:.1f} s ({failures} inference failures)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
