"""Applies fix intents to a file's source, one at a time, to a fixed point.

Every step is checked before it is kept:

- the fixed source compiles;
- the lines that changed lie inside the statements the fix declared (plus an
  added ``import``), and outside them the AST is the same as before;
- analysing the fixed source again finds nothing more for that rule to fix
  where the fix wrote (the fix is idempotent).

A step that fails a check is dropped with a one-line warning and the source
stays as it was before that step.  Writing is atomic (a temporary file in the
same directory, the same permissions, then a rename) and skipped when the
file changed since it was read.
"""

from __future__ import annotations

import ast
import difflib
import io
import os
import re
import stat
import tokenize
import warnings

from connlint.fixes.intent import applicable
from connlint.record import Record, field
from connlint.source import LINE_BREAK, split_lines

#: More steps than this in one file means the fixes do not converge.
MAX_STEPS = 100
IMPORT_LINE = re.compile(r"^import [A-Za-z_][\w.]*$")


class FixError(Exception):
    """A fix failed one of its checks."""


class FileFix(Record):
    """What fixing one file did."""

    display: str
    original: bytes
    fixed: bytes
    applied: list = field(factory=list)  # the findings fixed, in order
    remaining: list = field(factory=list)  # findings on the fixed source
    warnings: list = field(factory=list)

    @property
    def changed(self) -> bool:
        return self.fixed != self.original


# -- source text ------------------------------------------------------------------


def decode(data: bytes) -> tuple[str, str]:
    """(text, encoding): the encoding Python itself would use (a BOM is kept
    by encoding back with ``utf-8-sig``)."""
    encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    return data.decode(encoding), encoding


def encode(text: str, encoding: str) -> bytes:
    return text.encode(encoding)


# -- one step ------------------------------------------------------------------------


def fix_once(text: str, finding, display: str = "<fix>") -> tuple[str, tuple]:
    """(new text, changed new-line range) for one finding's fix, checked
    (compiles, changes only its statements).  Raises FixError."""
    from connlint.fixes.rewrite import FixFailed, rewrite  # libcst, only here

    try:
        new_text, regions = rewrite(text, finding.fix.intent)
    except FixFailed as exc:
        raise FixError(str(exc)) from None
    except Exception as exc:  # libcst refused a node: a fix never crashes the run
        raise FixError(f"cannot rewrite: {type(exc).__name__}: {exc}".splitlines()[0]) from None
    if new_text == text:
        raise FixError("the fix changes nothing")
    new_range = check_rewrite(text, new_text, regions, display)
    return new_text, new_range


def check_rewrite(old: str, new: str, regions, display: str = "<fix>") -> tuple:
    """Raise FixError unless ``new`` compiles, differs from ``old`` only inside
    ``regions`` (and by added imports), and has the same AST outside them.
    Returns the range of lines of ``new`` that changed, added imports aside."""
    old_tree = _parse(old, display)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            new_tree = ast.parse(new, display)
    except SyntaxError as exc:
        raise FixError(f"the fixed code does not parse ({exc.msg}, line {exc.lineno})") from None
    if old_tree is not None:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                compile(new_tree, display, "exec", dont_inherit=True)
        except SyntaxError as exc:
            raise FixError(f"the fixed code does not compile ({exc.msg}, line {exc.lineno})") from None
    diff = LineDiff(old, new, regions)
    for line in diff.old_changed:
        if not any(first <= line <= last for first, last in regions):
            raise FixError(f"the fix changed line {line}, outside the statements it fixes")
    added_imports: set = set()
    for gap, new_lines in diff.old_gaps:
        if any(first - 1 <= gap <= last for first, last in regions):
            continue
        if all(IMPORT_LINE.match(split_lines(new)[n - 1].strip()) for n in new_lines):
            added_imports.update(new_lines)
            continue
        raise FixError(f"the fix inserted code after line {gap}, outside the statements it fixes")
    old_ast = ast.parse(old, display) if old_tree is None else old_tree
    if not _same(_normalized(old_ast, diff.old_changed), _normalized(new_tree, diff.new_changed)):
        raise FixError("the fix changed the code outside the statements it fixes")
    # the statements rewritten, without an import added far above them (other
    # findings between the two are not this fix's to judge)
    changed = sorted(diff.new_changed - added_imports)
    return (changed[0], changed[-1]) if changed else (0, -1)


def _parse(text: str, display: str):
    """The AST of ``text`` if it also compiles, else None (and no compile check)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        tree = ast.parse(text, display)
        try:
            compile(tree, display, "exec", dont_inherit=True)
        except SyntaxError:
            return None
    return tree


class LineDiff:
    """Which code lines (not blank, not only a comment) changed, on each side,
    and where code was inserted without replacing any (gaps: after line n)."""

    def __init__(self, old: str, new: str, regions=()):
        old_lines, new_lines = split_lines(old), split_lines(new)
        # Lines being rewritten must not be matched with the unchanged text
        # around them: ``log = []`` inside the block and again after it would
        # otherwise be paired across the block's edge.
        old_lines = [
            f"\0rewritten {n}\0" if any(first <= n <= last for first, last in regions) else line
            for n, line in enumerate(old_lines, start=1)
        ]
        self.old_changed: set = set()
        self.new_changed: set = set()
        self.old_gaps: list = []  # (after old line n, [new lines inserted])
        matcher = difflib.SequenceMatcher(None, old_lines, new_lines, autojunk=False)
        for tag, i1, i2, j1, j2 in matcher.get_opcodes():
            if tag == "equal":
                continue
            old_code = [n + 1 for n in range(i1, i2) if _is_code(old_lines[n])]
            new_code = [n + 1 for n in range(j1, j2) if _is_code(new_lines[n])]
            self.old_changed.update(old_code)
            self.new_changed.update(new_code)
            if new_code and not old_code:
                self.old_gaps.append((i1, new_code))


def _is_code(line: str) -> bool:
    stripped = line.strip()
    return bool(stripped) and not stripped.startswith("#")


def _first_line(statement) -> int:
    decorators = getattr(statement, "decorator_list", None)
    return decorators[0].lineno if decorators else statement.lineno


def _child_statements(statement):
    for name, value in ast.iter_fields(statement):
        if isinstance(value, list):
            for item in value:
                if isinstance(item, ast.stmt):
                    yield item
                elif isinstance(item, (ast.excepthandler, ast.match_case)):
                    yield from item.body


def _touched(statement, changed: set) -> bool:
    """Did a changed line fall on the statement's own text (not on the
    statements nested in it)?"""
    first, last = _first_line(statement), statement.end_lineno
    own = set(range(first, last + 1))
    for child in _child_statements(statement):
        own -= set(range(_first_line(child), child.end_lineno + 1))
    return bool(own & changed)


class Suite(tuple):
    """A statement list: touched statements are ``FIXED`` wildcards."""


FIXED = "<fixed>"


def _normalized(node, changed: set):
    """The AST with every touched statement replaced by a wildcard."""
    parts = [type(node).__name__]
    for name, value in ast.iter_fields(node):
        if isinstance(value, list) and value and isinstance(value[0], ast.stmt):
            items = []
            for statement in value:
                item = FIXED if _touched(statement, changed) else _normalized(statement, changed)
                if not (item == FIXED and items and items[-1] == FIXED):
                    items.append(item)
            parts.append((name, Suite(items)))
        elif isinstance(value, list) and value and isinstance(value[0], (ast.excepthandler, ast.match_case)):
            parts.append((name, tuple(_normalized(h, changed) for h in value)))
        elif isinstance(value, list):
            parts.append((name, tuple(ast.dump(v) if isinstance(v, ast.AST) else repr(v) for v in value)))
        elif isinstance(value, ast.AST):
            parts.append((name, ast.dump(value)))
        else:
            parts.append((name, repr(value)))
    return tuple(parts)


def _same(a, b) -> bool:
    """Structural equality where a ``FIXED`` wildcard in a statement list
    stands for any run of statements (the rewritten ones) on the other side."""
    if isinstance(a, Suite) and isinstance(b, Suite):
        return _same_suite(a, b)
    if isinstance(a, tuple) and isinstance(b, tuple):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    return a == b


def _same_suite(a, b) -> bool:
    memo: dict = {}

    def match(i: int, j: int) -> bool:
        key = (i, j)
        if key in memo:
            return memo[key]
        if i == len(a) and j == len(b):
            result = True
        elif i < len(a) and a[i] == FIXED:
            result = match(i + 1, j) or (j < len(b) and match(i, j + 1))
        elif j < len(b) and b[j] == FIXED:
            result = match(i, j + 1) or (i < len(a) and match(i + 1, j))
        else:
            result = i < len(a) and j < len(b) and _same(a[i], b[j]) and match(i + 1, j + 1)
        memo[key] = result
        return result

    return match(0, 0)


# -- a whole file --------------------------------------------------------------------


DIGITS = re.compile(r"\d+")


def _key(finding, lines) -> tuple:
    """A finding's identity that survives other fixes moving its line (and
    the line numbers its message names: "line 7 can raise first")."""
    text = lines[finding.line - 1].strip() if 0 < finding.line <= len(lines) else ""
    return (finding.code, DIGITS.sub("#", finding.message), text)


def fix_file(display: str, data: bytes, analyse, unsafe: bool = False, findings=None, only=None) -> FileFix:
    """Apply every applicable fix to ``data`` (the bytes of ``display``),
    re-analysing after each one.  ``analyse(bytes) -> findings``;
    ``findings`` are those of ``data`` if already known; ``only(findings,
    lines)`` picks the ones to fix (those a baseline does not hold)."""
    result = FileFix(display, data, data)
    try:
        text, encoding = decode(data)
    except (SyntaxError, LookupError, UnicodeDecodeError) as exc:
        result.warnings.append(f"{display}: cannot fix: cannot decode ({exc})")
        result.remaining = list(findings if findings is not None else analyse(data))
        return result
    current = list(findings if findings is not None else analyse(data))
    # A refused fix may work once another one has changed the file (a
    # session wrapped in its `with` inside the engine's future `try`): what
    # was refused is tried again after each applied fix, and warned about
    # once, at the end, if its finding is still there.
    rejected: set = set()
    dropped: dict = {}  # finding key -> the warning of its last refusal
    for _ in range(MAX_STEPS):
        lines = split_lines(text)
        eligible = only(current, LINE_BREAK.split(text)) if only is not None else current
        candidates = [f for f in eligible if applicable(f, unsafe) and _key(f, lines) not in rejected]
        if not candidates:
            break
        finding = candidates[0]
        try:
            new_text, (first, last) = fix_once(text, finding, display)
            new_data = encode(new_text, encoding)
            new_findings = list(analyse(new_data))
            again = [
                f for f in new_findings
                if f.code == finding.code and applicable(f, unsafe) and first <= f.line <= last
            ]
            if again:
                raise FixError("a second run would fix it again (the fix is not idempotent)")
        except (FixError, UnicodeEncodeError) as exc:
            reason = exc if isinstance(exc, FixError) else "cannot encode"
            rejected.add(_key(finding, lines))
            dropped[_key(finding, lines)] = reason
            continue
        result.applied.append(finding)
        text, current = new_text, new_findings
        rejected = set()
    else:
        result.warnings.append(f"{display}: fixes do not converge; the file is left unchanged")
        result.applied = []
        result.remaining = list(findings if findings is not None else analyse(data))
        return result
    result.fixed = encode(text, encoding) if result.applied else data
    result.remaining = current
    lines = split_lines(text)
    remaining = {_key(f, lines): f for f in current}
    for key, reason in dropped.items():
        if key in remaining:
            now = remaining[key]
            result.warnings.append(f"{display}:{now.line}:{now.column}: {now.code} fix dropped: {reason}")
    return result


# -- edits for reports ------------------------------------------------------------------


def text_edits(old: str, new: str) -> tuple:
    """Replacements turning ``old`` into ``new``: 1-based line and column
    (characters), end exclusive, and the new content."""
    old_lines, new_lines = split_lines(old, keepends=True), split_lines(new, keepends=True)
    matcher = difflib.SequenceMatcher(None, old_lines, new_lines, autojunk=False)
    edits = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        before, after = "".join(old_lines[i1:i2]), "".join(new_lines[j1:j2])
        prefix = suffix = 0
        if i2 - i1 == 1 and j2 - j1 == 1:  # one line changed: only the part that differs
            while prefix < min(len(before), len(after)) and before[prefix] == after[prefix]:
                prefix += 1
            while (
                suffix < min(len(before), len(after)) - prefix
                and before[len(before) - 1 - suffix] == after[len(after) - 1 - suffix]
            ):
                suffix += 1
        line, column = _position(old_lines, i1, prefix)
        end_line, end_column = _position(old_lines, i1, len(before) - suffix)
        edits.append(
            {
                "line": line,
                "column": column,
                "end_line": end_line,
                "end_column": end_column,
                "content": after[prefix: len(after) - suffix],
            }
        )
    return tuple(edits)


def _position(lines, index: int, offset: int) -> tuple[int, int]:
    """(1-based line, 1-based column) of ``offset`` characters into ``lines[index:]``."""
    while index < len(lines) and offset >= len(lines[index]) and (offset > len(lines[index]) or lines[index].endswith(("\n", "\r"))):
        offset -= len(lines[index])
        index += 1
    return index + 1, offset + 1


def with_edits(findings, data_by_path: dict, analyse_for, unsafe_ok: bool = True):
    """``findings`` with each fix's edits computed and checked against the
    file's current source (unsafe ones only when ``unsafe_ok``); a fix that
    fails its checks is dropped (warned)."""
    warnings_out = []
    result = []
    texts: dict = {}
    for finding in findings:
        fix = finding.fix
        if not applicable(finding, unsafe_ok):
            result.append(finding)
            continue
        data = data_by_path.get(finding.path)
        if data is None:
            result.append(finding)
            continue
        if finding.path not in texts:
            try:
                texts[finding.path] = decode(data)[0]
            except (SyntaxError, LookupError, UnicodeDecodeError):
                texts[finding.path] = None
        text = texts[finding.path]
        if text is None:
            result.append(finding.copy_with(fix=None))
            continue
        try:
            new_text, (first, last) = fix_once(text, finding, finding.path)
            encoding = decode(data)[1]
            again = [
                f for f in analyse_for(finding.path)(encode(new_text, encoding))
                if f.code == finding.code and f.fix is not None and first <= f.line <= last
            ]
            if again:
                raise FixError("a second run would fix it again (the fix is not idempotent)")
        except (FixError, UnicodeEncodeError) as exc:
            warnings_out.append(f"{finding.path}:{finding.line}:{finding.column}: {finding.code} fix dropped: {exc}")
            result.append(finding.copy_with(fix=None))
            continue
        edits = text_edits(text, new_text)
        result.append(finding.copy_with(fix=fix.copy_with(edits=edits)))
    return result, warnings_out


# -- diff and write ----------------------------------------------------------------------


def unified_diff(display: str, original: bytes, fixed: bytes) -> str:
    old, _ = decode(original)
    new, _ = decode(fixed)
    lines = difflib.unified_diff(
        split_lines(old, keepends=True), split_lines(new, keepends=True), f"a/{display}", f"b/{display}"
    )
    out = []
    for line in lines:
        if not line.endswith(("\n", "\r")):
            line += "\n\\ No newline at end of file\n"
        out.append(line)
    return "".join(out)


class FileChanged(Exception):
    pass


def write_atomic(path, original: bytes, fixed: bytes) -> None:
    """Replace ``path``'s content with ``fixed`` if it still holds ``original``:
    a temporary file beside it with the same permissions, then a rename."""
    from connlint.atomic import replace_file

    real = os.path.realpath(path)
    mode = stat.S_IMODE(os.stat(real).st_mode)

    def unchanged() -> None:
        with open(real, "rb") as current:
            if current.read() != original:
                raise FileChanged(f"{path} changed since it was read; not fixed")

    unchanged()
    replace_file(real, fixed, mode, before_replace=unchanged)
