"""How paths are shown: relative to the current directory, like every
linter's output.  A module of its own, light enough for the start of a run."""

from __future__ import annotations

import os
from pathlib import Path


def display_path(path: Path) -> str:
    """Paths are reported relative to the current directory when below it; a
    file named ``-`` is ``./-``, since ``-`` stands for standard input."""
    text = str(path)
    if os.sep == "/" and _plain(text):  # every path of a run: spared building two Paths for it
        if text.startswith("/"):
            cwd = os.getcwd()
            if text == cwd:
                return "."
            prefix = cwd if cwd.endswith("/") else cwd + "/"
            return text[len(prefix):] if text.startswith(prefix) else text
        return "./-" if text == "-" else text
    if os.path.isabs(text):
        try:
            shown = Path(text).relative_to(Path.cwd()).as_posix()
        except ValueError:
            return Path(text).as_posix()
    else:
        shown = Path(os.path.normpath(text)).as_posix()
    return "./-" if shown == "-" else shown


def _plain(text: str) -> bool:
    """Is ``text`` a POSIX path that ``Path`` would keep as it is?"""
    return (
        bool(text) and "//" not in text and "/./" not in text and ".." not in text
        and not text.startswith("./") and not text.endswith(("/", "/."))
    )


def shown_origin(origin: str) -> str:
    """An origin (``path:line``) as messages show it: an absolute path (from a
    project summary) relative to the current directory, like finding paths."""
    path, _, line = origin.rpartition(":")
    if path and os.path.isabs(path):
        return f"{display_path(Path(path))}:{line}"
    return origin
