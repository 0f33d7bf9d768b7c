"""Could a file matter?  Answered from its bytes alone, before any parsing.

A file that imports none of the catalog's modules (nor a module named by a
user opener) cannot create a catalog resource, so it is never parsed.
"""

from __future__ import annotations

import re


def build_prefilter(modules, settings_names=()) -> re.Pattern:
    """Matches an import of one of ``modules``, or a module-level assignment
    to one of ``settings_names`` (``DATABASES = {...}`` in Django settings)."""
    names = sorted({m.split(".", 1)[0] for m in modules}, key=len, reverse=True)
    alternatives = b"|".join(re.escape(n.encode()) for n in names) or b"(?!x)x"
    # `import a, sqlite3 as s`, `from psycopg2.pool import X`, `import sqlalchemy.orm`
    pattern = rb"^(?:\xef\xbb\xbf)?[ \t]*(?:from[ \t]+(?:" + alternatives + rb")\b|import[ \t]+[^\n#]*?\b(?:" + alternatives + rb")\b)"
    if settings_names:
        settings = b"|".join(re.escape(n.encode()) for n in sorted(settings_names))
        pattern += rb"|^(?:" + settings + rb")[ \t]*(?::[^=\n]*)?="
    return re.compile(pattern, re.M)


def could_matter(pattern: re.Pattern, data: bytes) -> bool:
    return pattern.search(data) is not None
