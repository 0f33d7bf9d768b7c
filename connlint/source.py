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
#: The '[' that opens the type parameters of a def, class or type statement.
TYPE_PARAMS = re.compile(rb"^[ \t]*(?:(?:async[ \t]+)?def|class|type)[ \t]+\w+[ \t]*\[", re.M)
#: Before a '*' at which Python 3.10 stops: 'except*' (PEP 654), or a starred
#: subscript or '*args' annotation (PEP 646, 'tuple[int, *Ts]', '*args: *Ts').
STAR_311 = re.compile(r"(?:^[ \t]*except|[\[,]|\*\w+[ \t]*:)[ \t]*\Z")


LINE_WITH_END = re.compile(r"[^\r\n]*(?:\r\n|\r|\n|\Z)")


def split_lines(text: str, keepends: bool = False) -> list[str]:
    """``text``'s lines as Python counts them, like ``str.splitlines`` but
    ending only at \\r\\n, \\r or \\n: \\x0b, \\x0c, \\x1c-\\x1e, \\x85 and
    \\u2028/\\u2029 are characters within a line of code, not line ends."""
    lines = [match.group(0) for match in LINE_WITH_END.finditer(text) if match.group(0)]
    return lines if keepends else [LINE_BREAK.sub("", line) for line in lines]


def encoded_as_declared(text: str, utf8: bytes) -> bytes | None:
    """``text`` (a file's source, decoded) as the file's bytes: ``utf8`` (its
    UTF-8 encoding) unless a coding cookie declares another encoding, then
    encoded back with that one; None when the cookie names an unknown or
    contradictory encoding or the text cannot be encoded with it.  Editors
    and flake8 hand over text; connlint's columns count characters as the
    command line does only on the file's own bytes."""
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(utf8).readline)
    except SyntaxError:
        return None
    if encoding in ("utf-8", "utf-8-sig"):
        return utf8
    try:
        return text.encode(encoding)
    except (UnicodeEncodeError, LookupError):
        return None


def char_column(lines: list[str], line: int, byte_offset: int) -> int:
    """The 0-based character column of ``byte_offset`` on the 1-based ``line``
    of ``lines``: ``ast`` counts columns in UTF-8 bytes, reports and libcst
    in characters."""
    if 0 < line <= len(lines):
        text = lines[line - 1]
        if not text.isascii():
            return len(text.encode("utf-8")[:byte_offset].decode("utf-8", "replace"))
    return byte_offset


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
    """Parse ``data``; raise ParseFailure with a one-line reason ("cannot
    parse: ..." or "cannot decode: ...", whatever words Python's own message
    starts with, e.g. "cannot assign to literal")."""
    if b"\0" in data:
        line = data.count(b"\n", 0, data.index(b"\0")) + 1
        raise ParseFailure(line, 1, "cannot parse: source contains NUL bytes")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # invalid escape sequences etc.
            tree = ast.parse(data, filename=filename)
    except SyntaxError as exc:
        raise ParseFailure(*_syntax_error(exc, data)) from None
    except (RecursionError, MemoryError):
        raise ParseFailure(1, 1, "cannot parse: nesting too deep to parse") from None
    except ValueError as exc:  # e.g. a source that cannot be decoded
        raise ParseFailure(1, 1, f"cannot parse: {exc}") from None
    return tree


def _syntax_error(exc: SyntaxError, data: bytes) -> tuple[int, int, str]:
    message = exc.msg or "invalid syntax"
    line = exc.lineno or 1
    if "codec can't decode" in message or "encoding problem" in message:
        message = message.replace("(unicode error) ", "")
        return line, 1, f"cannot decode: {message}"
    column = _character_column(exc, data)
    needed = _newer_python_needed(exc, column, message, data, line)
    if needed is not None:
        running = f"{sys.version_info.major}.{sys.version_info.minor}"
        message = (
            f"{message} (the file uses Python {needed}+ syntax; connlint runs on Python {running}: "
            f"run it with Python {needed} or later to check this file)"
        )
    return line, max(column, 1), f"cannot parse: {message}"


def _character_column(exc: SyntaxError, data: bytes) -> int:
    """The column of the error in characters, as connlint counts columns.

    Python 3.10 to 3.12 count it in UTF-8 bytes in a file with neither a
    coding cookie nor a BOM (3.13 in characters): there the decoded text is
    parsed again, for which every version counts characters (under a name
    that is no file: Python would read the error's line from that file)."""
    column = exc.offset or 1
    if sys.version_info >= (3, 13) or (exc.text or "").isascii():
        return column
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
        text = data.decode(encoding)
    except (SyntaxError, LookupError, UnicodeDecodeError):
        return column
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            compile(text.removeprefix("\ufeff"), "<string>", "exec", ast.PyCF_ONLY_AST)
    except SyntaxError as again:
        if again.lineno == exc.lineno and again.offset:
            return again.offset
    except (RecursionError, MemoryError, ValueError):
        pass
    return column


def _newer_python_needed(exc: SyntaxError, column: int, message: str, data: bytes, line: int) -> str | None:
    """The newest Python ("3.13", "3.12" or "3.11") whose syntax the file uses
    and the running one cannot parse, when that can explain the error; else None."""
    running = sys.version_info[:2]
    if running < (3, 13) and _type_parameter_default(data):
        return "3.13"
    if running < (3, 12) and (
        NEWER_SYNTAX.search(data) or message.startswith("f-string") or _multiline_fstring(message, data, line)
    ):
        return "3.12"
    if running < (3, 11) and _star_311(exc.text or "", column):
        return "3.11"
    return None


def _type_parameter_default(data: bytes) -> bool:
    """Whether a type parameter list has a default ('def f[T = int]()',
    'class C[T = int]', 'type A[T = int] = ...'; Python 3.13, PEP 696)."""
    for match in TYPE_PARAMS.finditer(data):
        depth = 1
        at = match.end()
        end = min(len(data), at + 4000)
        while at < end and depth:
            char = data[at : at + 1]
            if char in b"([{":
                depth += 1
            elif char in b")]}":
                depth -= 1
            elif char in b"'\"":  # a string in a bound or default: skip it
                closing = data.find(char, at + 1, end)
                if closing < 0:
                    break
                at = closing
            elif char == b"=" and depth == 1 and data[at - 1 : at] not in b"=<>!:" and data[at + 1 : at + 2] != b"=":
                return True
            at += 1
    return False


def _star_311(text: str, column: int) -> bool:
    """Whether Python 3.10 stopped at the '*' of 'except*' (PEP 654) or of a
    starred subscript or '*args' annotation (PEP 646), all Python 3.11."""
    column -= 1
    if not 0 <= column < len(text) or text[column] != "*":
        return False
    after = text[column + 1 :].lstrip(" \t")[:1]
    return (after.isidentifier() or after == "(") and STAR_311.search(text[:column]) is not None


def _multiline_fstring(message: str, data: bytes, line: int) -> bool:
    """An f-string whose replacement field goes on to the next line (Python
    3.12, PEP 701): older parsers see a string left open at the end of it."""
    if not message.startswith("unterminated string literal"):
        return False
    lines = data.splitlines()
    text = lines[line - 1].rstrip() if 0 < line <= len(lines) else b""
    return text.endswith(b"{") and FSTRING_OPENER.search(text) is not None
