"""Turning bytes into an ``ast`` tree and text lines, or into a one-line reason.

``ast.parse`` on the raw bytes honours a BOM and a PEP 263 coding cookie the
way Python itself does; the text lines (for noqa and --show-source) are decoded
with the same detected encoding.
"""

from __future__ import annotations

import ast
import io
import re
import sys
import tokenize
import warnings

LINE_BREAK = re.compile(r"\r\n|\r|\n")
NEWER_SYNTAX = re.compile(rb"^[ \t]*(type[ \t]+\w+.*=|(async[ \t]+)?def[ \t]+\w+[ \t]*\[|class[ \t]+\w+[ \t]*\[)", re.M)
FSTRING_OPENER = re.compile(rb"""(?<![\w'"])[rR]?[fF][rR]?['"]""")


class ParseFailure(Exception):
    def __init__(self, line: int, column: int, reason: str):
        super().__init__(line, column, reason)
        self.line = line
        self.column = column
        self.reason = reason


def decode_lines(data: bytes) -> list[str]:
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    except (SyntaxError, LookupError):
        encoding = "utf-8"
    text = data.decode(encoding, errors="replace")
    if text.startswith("\ufeff"):
        text = text[1:]
    return LINE_BREAK.split(text)


def parse(data: bytes, filename: str) -> ast.Module:
    """Parse ``data``; raise ParseFailure with a one-line reason."""
    if b"\0" in data:
        line = data.count(b"\n", 0, data.index(b"\0")) + 1
        raise ParseFailure(line, 1, "source contains NUL bytes")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # invalid escape sequences etc.
            tree = ast.parse(data, filename=filename)
    except SyntaxError as exc:
        raise ParseFailure(*_syntax_error(exc, data)) from None
    except (RecursionError, MemoryError):
        raise ParseFailure(1, 1, "nesting too deep to parse") from None
    except ValueError as exc:  # e.g. a source that cannot be decoded
        raise ParseFailure(1, 1, str(exc)) from None
    return tree


def _syntax_error(exc: SyntaxError, data: bytes) -> tuple[int, int, str]:
    message = exc.msg or "invalid syntax"
    line = exc.lineno or 1
    column = exc.offset or 1
    if "codec can't decode" in message or "encoding problem" in message:
        message = message.replace("(unicode error) ", "")
        return line, 1, f"cannot decode: {message}"
    if sys.version_info < (3, 12) and (
        NEWER_SYNTAX.search(data) or message.startswith("f-string") or _multiline_fstring(message, data, line)
    ):
        running = f"{sys.version_info.major}.{sys.version_info.minor}"
        message = f"{message} (the file uses Python 3.12+ syntax; connlint runs on Python {running}: run it with Python 3.12 or later to check this file)"
    return line, max(column, 1), message


def _multiline_fstring(message: str, data: bytes, line: int) -> bool:
    """An f-string whose replacement field goes on to the next line (Python
    3.12, PEP 701): older parsers see a string left open at the end of it."""
    if not message.startswith("unterminated string literal"):
        return False
    lines = data.splitlines()
    text = lines[line - 1].rstrip() if 0 < line <= len(lines) else b""
    return text.endswith(b"{") and FSTRING_OPENER.search(text) is not None
