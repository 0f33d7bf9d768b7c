"""``connlint server``: connlint's findings, fixes and rule documentation in
an editor, over the Language Server Protocol on standard input and output
(pygls and lsprotocol, imported by this command only).

Every check goes through ``connlint.workspace``, the path of every other
door: an open file is checked as ``connlint - --stdin-filename FILE`` checks
it, in its own project (its nearest settings file), with the project's other
modules in view as they are saved on disk, so an editor shows what
``connlint --format json`` reports for the file, cross-module findings
included.  The project index and the results cache live as long as the
server.

- Diagnostics are pushed (``textDocument/publishDiagnostics``) when a file
  is opened, changed and saved.  Changes are debounced: a check starts once
  no other change is waiting (after ``debounce`` milliseconds without one,
  when set), and the changes that arrive while a check runs are folded into
  one check of the latest text.
- A syntax error while typing does not replace the diagnostics shown: the
  findings of the last text that parsed stay until the text parses again.
  Opening or saving a file that does not parse shows CNL900, as the command
  line reports it.
- When a module changes on disk (saved in the editor, or reported by the
  client's file watcher, or noticed before a check), the other open files
  whose cross-module summaries changed are checked again; a new or deleted
  module, or a settings file, re-checks every open file.
- Code actions: each finding's fix ("Fix: ...", "Fix (unsafe): ..." where it
  can change behaviour), "Fix all safe connlint problems in this file" (also
  as ``source.fixAll.connlint``) and "Suppress with # noqa: CODE", all from
  ``connlint.fixes`` and its checks.  Hover on a finding shows its rule's
  documentation.
- Client settings (initialization options, or the ``connlint`` section of
  the client's configuration, per workspace folder): ``select``, ``ignore``
  (lists of codes, prefixes or rule names), ``config`` (a settings file for
  every file, as ``--config``) and ``debounce`` (milliseconds).  A file outside
  every workspace folder is checked alone: with its nearest settings file,
  the client's global settings and no results cache.

Nothing here raises into the protocol loop: a broken settings file is shown
once as a one-line message, and an unexpected error while checking a file is
logged on one line, the server going on.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import os
import re
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from lsprotocol import types
from pygls.lsp.server import LanguageServer
from pygls.uris import from_fs_path, to_fs_path

from connlint import __version__
from connlint.source import LINE_BREAK, split_lines

SOURCE = "connlint"
FIX_ALL_KIND = f"{types.CodeActionKind.SourceFixAll.value}.{SOURCE}"
FIX_ALL_TITLE = "Fix all safe connlint problems in this file"
PARSE_ERROR = "CNL900"
SEVERITIES = {
    "error": types.DiagnosticSeverity.Error,
    "warning": types.DiagnosticSeverity.Warning,
    "info": types.DiagnosticSeverity.Information,
}
#: LSP's diagnostic tags mark unused (faded) and deprecated (struck out)
#: code; no rule of connlint reports either, so no diagnostic carries one.
TAGS: dict = {}
SETTINGS_FILES = ("pyproject.toml", "connlint.toml")
WATCHED = ("**/*.py", *(f"**/{name}" for name in SETTINGS_FILES))
CODE_AT = re.compile(r"CNL\d{3}")
#: a client that declares support for workspace/configuration and never answers
CONFIGURATION_TIMEOUT = 5.0


# --------------------------------------------------------------------------- text and positions


def _units(text: str, encoding: str) -> int:
    """The length of ``text`` in the code units of the negotiated position encoding."""
    if encoding == "utf-32" or text.isascii():
        return len(text)
    if encoding == "utf-8":
        return len(text.encode("utf-8", "surrogatepass"))
    return len(text) + sum(1 for char in text if ord(char) > 0xFFFF)


def _characters(line: str, units: int, encoding: str) -> int:
    """How many characters of ``line`` make ``units`` code units."""
    if encoding == "utf-32" or line.isascii():
        return min(max(units, 0), len(line))
    count = 0
    for index, char in enumerate(line):
        if count >= units:
            return index
        count += _units(char, encoding)
    return len(line)


class Text:
    """A document's text, its lines numbered as LSP numbers them (``\\n``,
    ``\\r\\n`` and ``\\r`` end a line, as in Python; a form feed does not)."""

    __slots__ = ("value", "_starts")

    def __init__(self, value: str):
        self.value = value
        self._starts = None

    @property
    def starts(self) -> list:
        if self._starts is None:
            starts = [match.end() for match in LINE_BREAK.finditer(self.value)]
            starts.insert(0, 0)
            self._starts = starts
        return self._starts

    def line(self, index: int) -> str:
        """Line ``index`` (0-based) without its line break; "" past the end."""
        starts = self.starts
        if not 0 <= index < len(starts):
            return ""
        end = starts[index + 1] if index + 1 < len(starts) else len(self.value)
        return self.value[starts[index]:end].rstrip("\r\n")

    def offset(self, position: types.Position, encoding: str) -> int:
        starts = self.starts
        if position.line >= len(starts):
            return len(self.value)
        line = self.line(position.line)
        return starts[position.line] + _characters(line, position.character, encoding)

    def position(self, offset: int, encoding: str) -> types.Position:
        from bisect import bisect_right

        offset = min(max(offset, 0), len(self.value))
        index = bisect_right(self.starts, offset) - 1
        start = self.starts[index]
        line = self.line(index)
        return types.Position(index, _units(line[: offset - start], encoding))

    def position_at(self, line: int, column: int, encoding: str) -> types.Position:
        """The position of a finding's 1-based line and 1-based character column."""
        starts = self.starts
        if line < 1:
            return types.Position(0, 0)
        if line > len(starts):
            return self.position(len(self.value), encoding)
        text = self.line(line - 1)
        return types.Position(line - 1, _units(text[: max(column - 1, 0)], encoding))

    def changed(self, change, encoding: str) -> "Text":
        """The text after one ``contentChanges`` entry (a range, or the whole text)."""
        if isinstance(change, types.TextDocumentContentChangePartial):
            start = self.offset(change.range.start, encoding)
            end = self.offset(change.range.end, encoding)
            if end < start:
                start, end = end, start
            return Text(self.value[:start] + change.text + self.value[end:])
        return Text(change.text)

    def edits_to(self, new: str, encoding: str) -> list:
        """TextEdits turning this text into ``new``: one per block of changed
        lines, each trimmed to what differs."""
        import difflib

        old_lines = _split_keepends(self.value)
        new_lines = _split_keepends(new)
        old_starts = [0]
        for line in old_lines:
            old_starts.append(old_starts[-1] + len(line))
        edits = []
        matcher = difflib.SequenceMatcher(None, old_lines, new_lines, autojunk=False)
        for tag, i1, i2, j1, j2 in matcher.get_opcodes():
            if tag == "equal":
                continue
            start, end = old_starts[i1], old_starts[i2]
            before, after = self.value[start:end], "".join(new_lines[j1:j2])
            prefix = 0
            while prefix < min(len(before), len(after)) and before[prefix] == after[prefix]:
                prefix += 1
            suffix = 0
            while suffix < min(len(before), len(after)) - prefix and before[-1 - suffix] == after[-1 - suffix]:
                suffix += 1
            edits.append(types.TextEdit(
                range=types.Range(self.position(start + prefix, encoding), self.position(end - suffix, encoding)),
                new_text=after[prefix: len(after) - suffix],
            ))
        return edits


def _split_keepends(text: str) -> list:
    """Lines with their line breaks, split where LSP splits them."""
    lines, start = [], 0
    for match in LINE_BREAK.finditer(text):
        lines.append(text[start: match.end()])
        start = match.end()
    if start < len(text):
        lines.append(text[start:])
    return lines


def source_bytes(text: str) -> bytes:
    """The bytes of a buffer as they would be saved: UTF-8, or the encoding
    its coding cookie declares (then its columns count characters as the
    command line counts them)."""
    from connlint.source import encoded_as_declared

    utf8 = text.encode("utf-8", "surrogatepass")
    declared = encoded_as_declared(text, utf8)
    return utf8 if declared is None else declared  # a bad cookie: reported as the command line reports it


# --------------------------------------------------------------------------- client settings


@dataclass(frozen=True)
class ClientSettings:
    """What the client says over the projects' own settings."""

    select: tuple | None = None
    ignore: tuple | None = None
    config: str | None = None
    debounce: float = 0.0  # seconds

    @classmethod
    def read(cls, raw, base: "ClientSettings | None" = None) -> "ClientSettings":
        """``raw`` (a JSON object, possibly under a "connlint" key) over ``base``."""
        base = base or cls()
        if isinstance(raw, dict) and isinstance(raw.get(SOURCE), dict):
            raw = raw[SOURCE]
        if not isinstance(raw, dict):
            return base
        values = {}
        for key in ("select", "ignore"):
            if key in raw:
                values[key] = _codes(raw[key], key)
        if "config" in raw:
            config = raw["config"]
            if config is not None and not isinstance(config, str):
                raise ValueError(f"client settings: config: expected a path, got {config!r}")
            values["config"] = config or None
        if "debounce" in raw:
            debounce = raw["debounce"]
            if isinstance(debounce, bool) or not isinstance(debounce, (int, float)) or debounce < 0:
                raise ValueError(f"client settings: debounce: expected milliseconds (a number >= 0), got {debounce!r}")
            values["debounce"] = debounce / 1000
        return ClientSettings(**{**base.__dict__, **values})


def _codes(value, key: str):
    if value is None:
        return None
    if isinstance(value, str):
        from connlint.config import split_codes

        value = split_codes(value)
    if not isinstance(value, list) or not all(isinstance(code, str) for code in value):
        raise ValueError(f"client settings: {key}: expected a list of codes, got {value!r}")
    return tuple(value)


# --------------------------------------------------------------------------- connlint's side


@dataclass
class Checked:
    """One check of one version of a document."""

    version: int | None
    text: Text
    findings: list = field(default_factory=list)
    diagnostics: list = field(default_factory=list)
    error: str | None = None  # settings that cannot be read: nothing was checked
    parse_failed: bool = False
    recheck: list = field(default_factory=list)  # other documents to check again


class SettingsProblem(Exception):
    """Settings (the project's, the client's, a baseline) that cannot be used: one line."""


class Linter:
    """The projects of the open files and what checking and fixing them
    needs.  Used from one worker thread only: the project index and the
    results cache are not shared between threads."""

    def __init__(self):
        self.settings = ClientSettings()  # global: initialization options or the unscoped configuration
        self.folder_settings: dict = {}  # workspace folder -> ClientSettings
        self.folders: list = []  # absolute paths of the workspace folders, deepest first
        self.root: str | None = None  # where a relative 'config' of the global settings starts
        self._workspaces: dict = {}  # folder (None: outside every folder) -> Workspace
        self._baselines: dict = {}  # baseline path -> its entries
        self._open: set = set()  # uris of the documents checked and not closed since
        self._read: dict = {}  # uri -> (path, project, summaries its last check read)
        self._stamps: dict = {}  # path of a file a check relied on -> (size, mtime, ctime)
        self._buffer_imports: dict = {}  # project -> the file whose buffer (not its saved text) the index scanned
        self._settled: set = set()  # projects whose catalog, rules and first summaries are frozen (gc)

    # -- settings and projects

    def set_folders(self, folders) -> None:
        self.folders = sorted({os.path.abspath(folder) for folder in folders}, key=len, reverse=True)
        self.forget_settings()

    def forget_settings(self) -> list:
        """Drop every project (settings changed); the open files to check again."""
        _forget_file_system()
        if self._settled:
            gc.unfreeze()  # what the projects held can be collected again
            self._settled.clear()
        self._workspaces.clear()
        self._baselines.clear()
        self._buffer_imports.clear()
        return list(self._open)

    def folder_of(self, path: str) -> str | None:
        for folder in self.folders:
            if path == folder or path.startswith(folder.rstrip(os.sep) + os.sep):
                return folder
        return None

    def client_settings(self, path: str) -> ClientSettings:
        folder = self.folder_of(path)
        return self.folder_settings.get(folder, self.settings) if folder else self.settings

    def _workspace(self, path: str):
        from connlint.workspace import Overrides, Workspace

        folder = self.folder_of(path)
        workspace = self._workspaces.get(folder)
        if workspace is None:
            settings = self.client_settings(path)
            config = settings.config
            if config:
                config = os.path.join(folder or self.root or os.getcwd(), os.path.expanduser(config))
            workspace = Workspace(Overrides(
                select=self._checked_codes(settings.select, "select"),
                ignore=self._checked_codes(settings.ignore, "ignore"),
                config_file=config,
                cache=folder is not None,  # a file outside every folder is checked alone
            ))
            self._workspaces[folder] = workspace
        return workspace

    @staticmethod
    def _checked_codes(codes, key: str):
        if codes is None:
            return None
        from connlint.config import check_codes

        return check_codes(list(codes), f"client settings: {key}")

    def project(self, path: str):
        """The project of the file at ``path`` (raises SettingsProblem)."""
        from connlint.catalog import CatalogError
        from connlint.config import ConfigError

        try:
            return self._workspace(path).project_for(path)
        except (ConfigError, CatalogError) as exc:
            raise SettingsProblem(str(exc)) from None

    def _baseline(self, project):
        path = project.baseline_path
        if path is None:
            return None
        key = str(path)
        if key not in self._baselines:
            from connlint.baseline import BaselineError, load_baseline

            try:
                self._baselines[key] = load_baseline(key)
            except BaselineError as exc:
                raise SettingsProblem(str(exc)) from None
            self._stamp(key)
        return self._baselines[key]

    # -- checks

    def check(self, uri: str, path: str, text: Text, encoding: str, showing: bool = False) -> Checked:
        """Check ``text`` standing for the file at ``path``.  ``showing``:
        the client shows findings of this file, which a text that does not
        parse must not replace while it is being typed (so it is parsed to
        tell, even where CNL900 is not selected)."""
        result = Checked(None, text)
        self._open.add(uri)
        result.recheck = [other for other in self.poll() if other != uri]
        try:
            project = self.project(path)
            data = source_bytes(text.value)
            self._prepare_index(project, path, data)
            findings = project.check_source(path, data, display="-" if path == "-" else None)
            self._read[uri] = (path, project, dict(project.index.consulted))
            self._after_check(project, path, data)
            self._settle(project)
            known = self._baseline(project)
        except SettingsProblem as exc:
            self._read.pop(uri, None)
            result.error = str(exc)
            return result
        if known is not None and findings:
            from connlint.baseline import new_findings
            from connlint.report import sort_findings
            from connlint.source import decode_lines

            findings = sort_findings(findings)
            findings = new_findings(findings, {findings[0].path: decode_lines(data)}, known, project.relative)
        result.findings = sorted(findings, key=lambda f: f.sort_key())
        result.parse_failed = any(f.code == PARSE_ERROR for f in findings) or (
            showing and not findings and _does_not_parse(data)
        )
        result.diagnostics = [diagnostic(f, text, encoding) for f in result.findings]
        return result

    def _prepare_index(self, project, path: str, data: bytes) -> None:
        """A fresh index when the one kept reads this file's imports
        differently from ``data``, or scanned another file's unsaved buffer."""
        other = self._buffer_imports.get(project)
        if (other is not None and other != path) or not project.index.holds(data, path):
            project.refresh_index()
            self._buffer_imports.pop(project, None)

    def _after_check(self, project, path: str, data: bytes) -> None:
        """Remember what the check relied on: the files to watch, and whether
        the index now scanned a buffer whose imports differ from the file's."""
        for read in project.index.consulted:
            self._stamp(read)
        settings = project.settings
        for source in (settings.source, *settings.extended):
            if source is not None:
                self._stamp(str(source))
        try:
            with open(path, "rb") as handle:
                saved = handle.read()
        except OSError:
            return  # not on disk: no other file can import it
        if saved != data and not project.index.holds(saved, path):
            self._buffer_imports[project] = path

    def _settle(self, project) -> None:
        """After a project's first check, what it built to last (the catalog,
        the rules, the summaries read) leaves the garbage collector's view:
        a full collection over it would otherwise pause a check now and then
        for 30 ms or more."""
        if project not in self._settled:
            self._settled.add(project)
            gc.collect()
            gc.freeze()

    def closed(self, uri: str) -> None:
        self._open.discard(uri)
        self._read.pop(uri, None)

    # -- files changed on disk

    def _stamp(self, path: str) -> None:
        self._stamps[path] = _stat(path)

    def poll(self) -> list:
        """The open files to check again because a file a check relied on
        changed on disk (a few stat calls)."""
        changes = []
        for path, stamp in list(self._stamps.items()):
            now = _stat(path)
            if now != stamp:
                changes.append((path, now is None or stamp is None))
        return self.files_changed(changes) if changes else []

    def files_changed(self, changes) -> list:
        """``changes``: (path, created or deleted).  Forget what was read of
        them; the open files whose results may change."""
        settings_changed = False
        layout_changed = False
        for path, created_or_deleted in changes:
            self._stamps.pop(path, None)
            if os.path.basename(path) in SETTINGS_FILES or path in self._baselines or not path.endswith(".py"):
                settings_changed = True
            layout_changed = layout_changed or created_or_deleted
        if settings_changed:
            return self.forget_settings()
        if layout_changed:
            _forget_file_system()
        for workspace in self._workspaces.values():
            for project in workspace.projects:
                project.refresh_index()
        self._buffer_imports.clear()
        if layout_changed:
            return list(self._open)
        stale = []
        for uri, (path, project, consulted) in self._read.items():
            try:
                if not project.index.unchanged(consulted):
                    stale.append(uri)
            except Exception:  # whatever it is, checking again will tell
                stale.append(uri)
        return stale

    # -- fixes

    def fixed_text(self, path: str, text: Text, finding=None):
        """(new text or None, warnings): ``finding``'s fix, or every safe fix
        of the file, from the fix engine with its checks."""
        from connlint.fixes.apply import decode, fix_file, with_edits

        project = self.project(path)
        data = source_bytes(text.value)
        self._prepare_index(project, path, data)
        if finding is not None:
            fixed, warnings = with_edits([finding], {finding.path: data}, lambda display: project.analyser(path))
            edits = fixed[0].fix.edits if fixed[0].fix is not None else ()
            if not edits:
                return None, warnings
            return _apply_engine_edits(decode(data)[0], edits), warnings
        known = self._baseline(project)
        only = None if known is None else _not_in_baseline(known, project)
        display = "-" if path == "-" else _display(path)
        result = fix_file(display, data, project.analyser(path), unsafe=False, only=only)
        if not result.changed:
            return None, result.warnings
        return decode(result.fixed)[0], result.warnings

    def save(self) -> None:
        for workspace in self._workspaces.values():
            for project in workspace.projects:
                project.save()


def _not_in_baseline(known, project):
    """``(findings, lines) -> the findings a baseline does not hold``, for the fix engine."""
    from connlint.baseline import new_findings
    from connlint.report import sort_findings

    def only(findings, lines):
        if not findings:
            return findings
        return new_findings(sort_findings(findings), {findings[0].path: lines}, known, project.relative)

    return only


def _display(path: str) -> str:
    from pathlib import Path

    from connlint.paths import display_path

    return display_path(Path(path))


def _apply_engine_edits(text: str, edits) -> str:
    """``text`` with the fix engine's edits applied (1-based lines and
    character columns, end exclusive, lines as Python counts them)."""
    lines = split_lines(text, keepends=True)
    starts = [0]
    for line in lines:
        starts.append(starts[-1] + len(line))

    def offset(line: int, column: int) -> int:
        return min(starts[min(line - 1, len(lines))] + column - 1, len(text))

    for edit in sorted(edits, key=lambda e: (e["line"], e["column"]), reverse=True):
        start, end = offset(edit["line"], edit["column"]), offset(edit["end_line"], edit["end_column"])
        text = text[:start] + edit["content"] + text[end:]
    return text


def _does_not_parse(data: bytes) -> bool:
    import ast
    import warnings

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ast.parse(data)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return True
    return False


def _stat(path: str):
    try:
        found = os.stat(path)
    except OSError:
        return None
    return (found.st_size, found.st_mtime_ns, found.st_ctime_ns)


def _forget_file_system() -> None:
    """Forget which settings files, repository roots and packages were found:
    files were created, deleted or changed under a running server."""
    from connlint import config, project

    config._find_config.cache_clear()
    config._repository_root.cache_clear()
    project._package_of_directory.cache_clear()


def noqa_text(text: Text, finding) -> str | None:
    """``text`` with ``# noqa: CODE`` on the finding's line (or the first
    line of its statement), or None where a comment cannot go (the line ends
    inside a string, or with a backslash)."""
    import ast
    import warnings

    from connlint.noqa import NOQA, is_suppressed

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            before = ast.dump(ast.parse(text.value))
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None
    for number in dict.fromkeys(n for n in (finding.line, finding.statement_line) if n):
        line = text.line(number - 1)
        match = NOQA.search(line)
        if match is not None and match.group("codes"):
            new_line = f"{line[: match.end()]}, {finding.code}{line[match.end():]}"
        elif match is not None:
            continue  # a bare '# noqa' suppresses everything already
        else:
            stripped = line.rstrip()
            new_line = f"{stripped}  # noqa: {finding.code}" if stripped else f"# noqa: {finding.code}"
        start = text.starts[number - 1]
        new = text.value[:start] + new_line + text.value[start + len(line):]
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                same = ast.dump(ast.parse(new)) == before
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            same = False
        if same and is_suppressed(finding, LINE_BREAK.split(new)):
            return new
    return None


def diagnostic(finding, text: Text, encoding: str) -> types.Diagnostic:
    from connlint.report import INFORMATION_URI

    return types.Diagnostic(
        range=types.Range(
            start=text.position_at(finding.line, finding.column, encoding),
            end=text.position_at(finding.end_line, finding.end_column, encoding),
        ),
        message=finding.message,
        severity=SEVERITIES.get(finding.severity, types.DiagnosticSeverity.Warning),
        code=finding.code,
        code_description=types.CodeDescription(href=f"{INFORMATION_URI}/blob/main/docs/rules.md#{finding.code.lower()}"),
        source=SOURCE,
        tags=TAGS.get(finding.code),
    )


def rule_documentation(code: str) -> str | None:
    from connlint.registry import rule_by_code

    rule = rule_by_code(code)
    return rule.explain() if rule is not None else None


# --------------------------------------------------------------------------- the protocol side


class Document:
    """An open document: its text, and where its checks stand."""

    def __init__(self, uri: str, text: str, version: int | None, language: str | None):
        self.uri = uri
        self.text = Text(text)
        self.version = version
        self.language = language
        self.path = _path_of(uri)
        self.checked: Checked | None = None  # the last check, of any version
        self.shown: Checked | None = None  # the check whose diagnostics the client shows
        self.pending = False  # a check is wanted
        self.show_parse_error = False  # the wanted check may show CNL900
        self.task: asyncio.Task | None = None

    @property
    def checkable(self) -> bool:
        return self.language in (None, "", "python") or self.uri.endswith((".py", ".pyw"))


def _path_of(uri: str) -> str:
    """The file a document stands for ('-' when it is not a file: an unsaved buffer)."""
    path = to_fs_path(uri) if uri.startswith("file:") else None
    return os.path.abspath(path) if path else "-"


def _contains(range_: types.Range, position: types.Position) -> bool:
    start, end = range_.start, range_.end
    return (start.line, start.character) <= (position.line, position.character) <= (end.line, end.character)


def _overlaps(a: types.Range, b: types.Range) -> bool:
    return (a.start.line, a.start.character) <= (b.end.line, b.end.character) and (
        b.start.line, b.start.character) <= (a.end.line, a.end.character)


class ConnlintServer(LanguageServer):
    def __init__(self):
        super().__init__(SOURCE, __version__, text_document_sync_kind=types.TextDocumentSyncKind.Incremental)
        self.linter = Linter()
        self.documents: dict = {}
        self.encoding = "utf-16"
        self._worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="connlint-check")
        self._messages_shown: set = set()
        self._init_options = None
        self._configured: asyncio.Event | None = None

    def configured(self) -> asyncio.Event:
        """Set once the client's settings are read (after 'initialized'):
        no file is checked with settings about to change."""
        if self._configured is None:
            self._configured = asyncio.Event()
        return self._configured

    # -- running connlint

    async def _in_worker(self, function, *args):
        return await asyncio.get_running_loop().run_in_executor(self._worker, function, *args)

    def schedule(self, uri: str, show_parse_error: bool = False) -> None:
        """Check the document soon; ``show_parse_error``: publish CNL900 if
        the text does not parse (on open and save), rather than keep the
        diagnostics shown."""
        document = self.documents.get(uri)
        if document is None or not document.checkable:
            return
        document.pending = True
        document.show_parse_error = document.show_parse_error or show_parse_error
        if document.task is None or document.task.done():
            document.task = asyncio.get_running_loop().create_task(self._checks(document))

    async def _checks(self, document: Document) -> None:
        if not self.configured().is_set():
            try:
                await asyncio.wait_for(self.configured().wait(), CONFIGURATION_TIMEOUT)
            except asyncio.TimeoutError:
                pass  # a client that never says 'initialized': check with what it gave
        while document.pending and self.documents.get(document.uri) is document:
            debounce = self.linter.client_settings(document.path).debounce
            if debounce and not document.show_parse_error:
                document.pending = False
                await asyncio.sleep(debounce)
                if document.pending:
                    continue  # changed again meanwhile: wait for a pause
            document.pending = False
            show_parse_error, document.show_parse_error = document.show_parse_error, False
            checked = await self._check_now(document)
            if checked is None or self.documents.get(document.uri) is not document:
                return
            if checked.version != document.version and document.pending:
                continue  # outdated already: the next check publishes
            if checked.parse_failed and not show_parse_error and not (
                document.shown is not None and document.shown.parse_failed
            ):
                continue  # typing: keep the findings of the text that parsed
            self._publish(document, checked)

    async def _check_now(self, document: Document) -> Checked | None:
        version, text = document.version, document.text
        showing = document.shown is not None and bool(document.shown.diagnostics)
        try:
            checked = await self._in_worker(
                self.linter.check, document.uri, document.path, text, self.encoding, showing
            )
        except Exception as exc:  # a bug in connlint must not stop the server
            self._log(f"connlint: internal error while checking {document.path}: {_one_line(exc)}",
                      types.MessageType.Error)
            return None
        checked.version = version
        if document.checked is None or checked.text is document.text or document.checked.text is not document.text:
            document.checked = checked
        if checked.error is not None:
            self._show_once(f"connlint: error: {checked.error}")
        for uri in checked.recheck:
            self.schedule(uri)
        return checked

    def _publish(self, document: Document, checked: Checked) -> None:
        document.shown = checked
        self.text_document_publish_diagnostics(types.PublishDiagnosticsParams(
            uri=document.uri, diagnostics=checked.diagnostics, version=checked.version,
        ))

    async def current(self, document: Document) -> Checked | None:
        """The check of the document's current text (checked now if needed)."""
        checked = document.checked
        if checked is not None and checked.version == document.version and checked.text is document.text:
            return checked
        return await self._check_now(document)

    async def resolve(self, action: types.CodeAction) -> types.CodeAction | None:
        """``action`` with its edit; None when the fix cannot be made (its
        checks refused it, or the document changed since)."""
        data = action.data if isinstance(action.data, dict) else {}
        document = self.documents.get(data.get("uri"))
        checked = document.checked if document is not None else None
        if checked is None or checked.version != data.get("version") or checked.text is not document.text:
            return None
        index = data.get("finding")
        finding = None
        if index is not None:
            if not isinstance(index, int) or not 0 <= index < len(checked.findings):
                return None
            finding = checked.findings[index]
        try:
            new, warnings = await self._in_worker(self.linter.fixed_text, document.path, checked.text, finding)
        except SettingsProblem as exc:
            self._show_once(f"connlint: error: {exc}")
            return None
        except Exception as exc:
            self._log(f"connlint: internal error while fixing {document.path}: {_one_line(exc)}",
                      types.MessageType.Error)
            return None
        for warning in warnings:
            self._log(f"connlint: warning: {warning}", types.MessageType.Warning)
        if new is None or new == checked.text.value:
            return None
        action.edit = self.workspace_edit(document, checked, new)
        return action

    def workspace_edit(self, document: Document, checked: Checked, new: str) -> types.WorkspaceEdit:
        """The edit turning the checked text of ``document`` into ``new``."""
        edits = checked.text.edits_to(new, self.encoding)
        if self._capability("workspace.workspace_edit.document_changes"):
            return types.WorkspaceEdit(document_changes=[types.TextDocumentEdit(
                text_document=types.OptionalVersionedTextDocumentIdentifier(uri=document.uri, version=checked.version),
                edits=edits,
            )])
        return types.WorkspaceEdit(changes={document.uri: edits})

    # -- messages

    def report_server_error(self, error: Exception, source) -> None:
        """An error pygls caught around a handler: one line, shown once."""
        self._show_once(f"connlint: internal error: {_one_line(error)}")

    def _log(self, message: str, kind=types.MessageType.Log) -> None:
        self.window_log_message(types.LogMessageParams(type=kind, message=message))

    def _show_once(self, message: str) -> None:
        """A one-line message to the user, once until the server restarts."""
        self._log(message, types.MessageType.Error)
        if message not in self._messages_shown:
            self._messages_shown.add(message)
            self.window_show_message(types.ShowMessageParams(type=types.MessageType.Error, message=message))

    # -- client settings

    def _capability(self, path: str):
        value = self.client_capabilities
        for name in path.split("."):
            value = getattr(value, name, None)
            if value is None:
                return None
        return value

    async def read_configuration(self) -> None:
        """The client's 'connlint' settings for each workspace folder, when
        it answers workspace/configuration; the open files are checked again
        when they changed."""
        folders = list(self.linter.folders)
        if not self._capability("workspace.configuration"):
            return
        items = [types.ConfigurationItem(section=SOURCE)] + [
            types.ConfigurationItem(scope_uri=from_fs_path(folder), section=SOURCE) for folder in folders
        ]
        try:
            answer = await asyncio.wait_for(
                self.workspace_configuration_async(types.ConfigurationParams(items=items)), CONFIGURATION_TIMEOUT
            )
        except Exception as exc:
            self._log(f"connlint: the client's configuration could not be read: {_one_line(exc)}")
            return
        answer = list(answer or [])
        base = self._read_settings(self._init_options, ClientSettings())
        overall = self._read_settings(answer[0] if answer else None, base)
        folder_settings = {
            folder: self._read_settings(value, overall) for folder, value in zip(folders, answer[1:])
        }
        if await self._in_worker(self._set_settings, overall, folder_settings):
            self.recheck_all()

    def _read_settings(self, raw, base: ClientSettings) -> ClientSettings:
        try:
            return ClientSettings.read(raw, base)
        except ValueError as exc:
            self._show_once(f"connlint: error: {exc}")
            return base

    def _set_settings(self, overall: ClientSettings, folder_settings: dict) -> bool:
        """Use these client settings (in the worker); did they change?"""
        folder_settings = {folder: value for folder, value in folder_settings.items() if value != overall}
        if overall == self.linter.settings and folder_settings == self.linter.folder_settings:
            return False
        self.linter.settings = overall
        self.linter.folder_settings = folder_settings
        self.linter.forget_settings()
        return True

    def recheck_all(self) -> None:
        for uri in list(self.documents):
            self.schedule(uri)

    def finish(self) -> None:
        try:
            self._worker.submit(self.linter.save).result(timeout=30)
        except Exception:
            pass
        self._worker.shutdown(wait=False)


def _one_line(exc: BaseException) -> str:
    text = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
    return " ".join(text.split())


def create_server() -> ConnlintServer:
    server = ConnlintServer()

    @server.feature(types.INITIALIZE)
    def initialize(params: types.InitializeParams) -> None:
        encoding = server.workspace.position_encoding
        server.encoding = str(getattr(encoding, "value", encoding) or "utf-16")
        folders = [to_fs_path(folder.uri) for folder in params.workspace_folders or ()]
        root = to_fs_path(params.root_uri) if params.root_uri else params.root_path
        if not folders and root:
            folders = [root]
        server.linter.set_folders(path for path in folders if path)
        root = root or (folders[0] if folders else None)
        if root and os.path.isdir(root):
            # paths in messages read as in a terminal at the workspace's root,
            # whatever directory the editor started the server in
            os.chdir(root)
        server.linter.root = os.path.abspath(root) if root else None
        server._init_options = params.initialization_options
        server.linter.settings = server._read_settings(params.initialization_options, ClientSettings())

    @server.feature(types.INITIALIZED)
    async def initialized(params: types.InitializedParams) -> None:
        try:
            await server.read_configuration()
        finally:
            server.configured().set()
        if server._capability("workspace.did_change_watched_files.dynamic_registration"):
            watchers = [types.FileSystemWatcher(glob_pattern=pattern) for pattern in WATCHED]
            try:
                await server.client_register_capability_async(types.RegistrationParams(registrations=[
                    types.Registration(
                        id="connlint-watched-files", method=types.WORKSPACE_DID_CHANGE_WATCHED_FILES,
                        register_options=types.DidChangeWatchedFilesRegistrationOptions(watchers=watchers),
                    )
                ]))
            except Exception as exc:
                server._log(f"connlint: no file watching: {_one_line(exc)}")

    @server.feature(types.TEXT_DOCUMENT_DID_OPEN)
    def did_open(params: types.DidOpenTextDocumentParams) -> None:
        item = params.text_document
        server.documents[item.uri] = Document(item.uri, item.text, item.version, item.language_id)
        server.schedule(item.uri, show_parse_error=True)

    @server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
    def did_change(params: types.DidChangeTextDocumentParams) -> None:
        document = server.documents.get(params.text_document.uri)
        if document is None:
            return
        text = document.text
        for change in params.content_changes:
            text = text.changed(change, server.encoding)
        document.text = text
        document.version = params.text_document.version
        server.schedule(document.uri)

    @server.feature(types.TEXT_DOCUMENT_DID_SAVE, types.SaveOptions(include_text=False))
    async def did_save(params: types.DidSaveTextDocumentParams) -> None:
        document = server.documents.get(params.text_document.uri)
        if document is None:
            return
        if document.path != "-":
            others = await server._in_worker(server.linter.files_changed, [(document.path, False)])
            for uri in others:
                if uri != document.uri:
                    server.schedule(uri)
        server.schedule(document.uri, show_parse_error=True)

    @server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
    def did_close(params: types.DidCloseTextDocumentParams) -> None:
        document = server.documents.pop(params.text_document.uri, None)
        if document is None:
            return
        server._worker.submit(server.linter.closed, document.uri)
        if document.shown is not None and document.shown.diagnostics:
            server.text_document_publish_diagnostics(types.PublishDiagnosticsParams(uri=document.uri, diagnostics=[]))

    @server.feature(types.WORKSPACE_DID_CHANGE_WATCHED_FILES)
    async def did_change_watched_files(params: types.DidChangeWatchedFilesParams) -> None:
        changes = []
        for event in params.changes:
            path = to_fs_path(event.uri) if event.uri.startswith("file:") else None
            if path:
                changes.append((os.path.abspath(path), event.type != types.FileChangeType.Changed))
        if changes:
            for uri in await server._in_worker(server.linter.files_changed, changes):
                server.schedule(uri)

    @server.feature(types.WORKSPACE_DID_CHANGE_CONFIGURATION)
    async def did_change_configuration(params: types.DidChangeConfigurationParams) -> None:
        if server._capability("workspace.configuration"):
            await server.read_configuration()
            return
        base = server._read_settings(server._init_options, ClientSettings())
        overall = server._read_settings(params.settings, base)
        if await server._in_worker(server._set_settings, overall, {}):
            server.recheck_all()

    @server.feature(types.WORKSPACE_DID_CHANGE_WORKSPACE_FOLDERS)
    async def did_change_workspace_folders(params: types.DidChangeWorkspaceFoldersParams) -> None:
        removed = {os.path.abspath(to_fs_path(folder.uri) or "") for folder in params.event.removed}
        folders = [folder for folder in server.linter.folders if folder not in removed]
        folders += [to_fs_path(folder.uri) for folder in params.event.added if to_fs_path(folder.uri)]
        await server._in_worker(server.linter.set_folders, folders)
        server.recheck_all()
        await server.read_configuration()

    @server.feature(types.TEXT_DOCUMENT_HOVER)
    async def hover(params: types.HoverParams) -> types.Hover | None:
        document = server.documents.get(params.text_document.uri)
        if document is None or not document.checkable:
            return None
        checked = document.shown
        if checked is None or checked.text is not document.text:
            checked = await server.current(document)
        position = params.position
        codes, found_range = [], None
        if checked is not None:
            for item in checked.diagnostics:
                if _contains(item.range, position) and item.code not in codes:
                    codes.append(item.code)
                    found_range = found_range or item.range
        if not codes:  # a code in a comment: '# noqa: CNL101'
            line = document.text.line(position.line)
            character = _characters(line, position.character, server.encoding)
            for match in CODE_AT.finditer(line):
                if match.start() <= character <= match.end() and "#" in line[: match.start()]:
                    codes.append(match.group())
        documentation = [text for text in map(rule_documentation, codes) if text]
        if not documentation:
            return None
        markdown = types.MarkupKind.Markdown in (server._capability("text_document.hover.content_format") or ())
        return types.Hover(
            contents=types.MarkupContent(
                kind=types.MarkupKind.Markdown if markdown else types.MarkupKind.PlainText,
                value="\n---\n\n".join(documentation),
            ),
            range=found_range,
        )

    @server.feature(
        types.TEXT_DOCUMENT_CODE_ACTION,
        types.CodeActionOptions(code_action_kinds=[types.CodeActionKind.QuickFix, FIX_ALL_KIND], resolve_provider=True),
    )
    async def code_action(params: types.CodeActionParams):
        document = server.documents.get(params.text_document.uri)
        if document is None or not document.checkable:
            return None
        checked = await server.current(document)
        if checked is None or checked.error is not None or checked.parse_failed:
            return None
        only = params.context.only

        def wanted(kind: str) -> bool:
            return not only or any(kind == str(k) or kind.startswith(f"{k}.") for k in only)

        lazy = "edit" in (server._capability("text_document.code_action.resolve_support.properties") or ())
        actions = []
        in_range = [
            (index, finding, item)
            for index, (finding, item) in enumerate(zip(checked.findings, checked.diagnostics))
            if _overlaps(item.range, params.range) and finding.code != PARSE_ERROR
        ]
        if wanted(types.CodeActionKind.QuickFix):
            for index, finding, item in in_range:
                fix = finding.fix
                if fix is not None and fix.intent is not None:
                    safe = fix.applicability == "safe"
                    action = types.CodeAction(
                        title=f"Fix: {fix.description}" if safe else f"Fix (unsafe): {fix.description}",
                        kind=types.CodeActionKind.QuickFix, diagnostics=[item], is_preferred=safe or None,
                        data={"uri": document.uri, "version": checked.version, "finding": index},
                    )
                    actions.append(action if lazy else await server.resolve(action))
            for index, finding, item in in_range:
                new = await server._in_worker(noqa_text, checked.text, finding)
                if new is not None:
                    actions.append(types.CodeAction(
                        title=f"Suppress with # noqa: {finding.code}", kind=types.CodeActionKind.QuickFix,
                        diagnostics=[item], edit=server.workspace_edit(document, checked, new),
                    ))
        fixable = any(f.fix is not None and f.fix.intent is not None and f.fix.applicability == "safe"
                      for f in checked.findings)
        if fixable:
            kind = None
            if in_range and wanted(types.CodeActionKind.QuickFix):
                kind = types.CodeActionKind.QuickFix
            elif wanted(FIX_ALL_KIND):
                kind = FIX_ALL_KIND
            if kind is not None:
                action = types.CodeAction(
                    title=FIX_ALL_TITLE, kind=kind,
                    diagnostics=[item for _, finding, item in in_range
                                 if finding.fix is not None and finding.fix.applicability == "safe"] or None,
                    data={"uri": document.uri, "version": checked.version, "finding": None},
                )
                actions.append(action if lazy else await server.resolve(action))
        return [action for action in actions if action is not None]

    @server.feature(types.CODE_ACTION_RESOLVE)
    async def code_action_resolve(action: types.CodeAction) -> types.CodeAction:
        return await server.resolve(action) or action

    @server.feature(types.SHUTDOWN)
    def shutdown(params) -> None:
        server.finish()

    return server


class _OneLineHandler(logging.Handler):
    """pygls's own log records, one line each on standard error, without tracebacks."""

    def emit(self, record: logging.LogRecord) -> None:
        try:
            sys.stderr.write(f"connlint server: {' '.join(record.getMessage().split())}\n")
            sys.stderr.flush()
        except Exception:
            pass


#: The stack of the threads the server starts (the check thread among them):
#: an analysis may nest others (``connlint.project.DEEPEST_NESTING``) deeper
#: than some platforms' default thread stack holds.
THREAD_STACK_BYTES = 64 * 1024 * 1024


def serve() -> int:
    """Run the server until the client says exit (or closes standard input)."""
    try:
        threading.stack_size(THREAD_STACK_BYTES)
    except (ValueError, RuntimeError):  # a platform that does not let it be set keeps its own
        pass
    logger = logging.getLogger("pygls")
    logger.addHandler(_OneLineHandler(logging.ERROR))
    logger.propagate = False
    server = create_server()
    try:
        server.start_io()
    finally:
        server.finish()
    return 0
