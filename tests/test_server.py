"""``connlint server``: the real server, started as a subprocess, driven by a
real LSP client (pytest-lsp's, built on pygls's), compared with what the
command line reports for the same files."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytest_lsp = pytest.importorskip("pytest_lsp")

from lsprotocol import types  # noqa: E402
from pygls.uris import from_fs_path  # noqa: E402
from pytest_lsp import client_capabilities  # noqa: E402
from pytest_lsp.client import DEFAULT_CLIENT_FEATURES, LanguageClient, register_lsp_features  # noqa: E402
from pygls.protocol import default_converter  # noqa: E402

try:
    from tests.conftest import COMMAND, LEAK, run_connlint, write
    from tests.helpers import ring_modules
except ImportError:  # tests/ is not a package
    from conftest import COMMAND, LEAK, run_connlint, write
    from helpers import ring_modules

ROOT = Path(__file__).resolve().parent.parent
VIEWS = "src/shop/views.py"
HELPERS = "src/shop/helpers.py"
TIMEOUT = 60
#: what `connlint --format json src/shop/views.py` reports in fixtures/project_src
VIEWS_FINDINGS = [(13, 15, "CNL101"), (30, 12, "CNL102"), (40, 12, "CNL104"), (47, 15, "CNL201")]

# --------------------------------------------------------------------------- helpers


def _copy(name, tmp_path) -> Path:
    """A copy of a fixture project in a git repository of its own."""
    project = tmp_path / name
    shutil.copytree(ROOT / "fixtures" / name, project)
    subprocess.run(["git", "init", "-q", str(project)], check=True)
    return project


def _cli_json(project, args, input=None):
    code, out, err = run_connlint(["--format", "json", *args], project, input=input)
    assert err == "" and code in (0, 1), err
    return json.loads(out)


def _published(client: LanguageClient, params: types.PublishDiagnosticsParams):
    client.published.append(params)
    client.diagnostics[params.uri] = params.diagnostics


def _registered(client: LanguageClient, params: types.RegistrationParams):
    client.registrations.extend(params.registrations)


def _client() -> LanguageClient:
    client = LanguageClient(converter_factory=default_converter)
    client.published = []
    client.registrations = []
    register_lsp_features(client, {
        **DEFAULT_CLIENT_FEATURES,
        types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS: _published,
        types.CLIENT_REGISTER_CAPABILITY: _registered,
    })
    return client


@contextlib.asynccontextmanager
async def server(cwd, folders=(), capabilities="visual-studio-code", options=None, configuration=None):
    """A client connected to ``connlint server`` started in ``cwd``."""
    client = _client()
    if configuration:
        for scope, value in configuration.items():
            client.set_configuration(value, scope_uri=scope)
    env = dict(os.environ)
    env.pop("PYTHONWARNINGS", None)
    await client.start_io(*COMMAND, "server", cwd=str(cwd), env=env)
    if isinstance(capabilities, str):
        capabilities = client_capabilities(capabilities)
    folders = [Path(folder) for folder in folders]
    await client.initialize_session(types.InitializeParams(
        capabilities=capabilities,
        root_uri=from_fs_path(str(folders[0])) if folders else None,
        workspace_folders=[types.WorkspaceFolder(uri=from_fs_path(str(f)), name=f.name) for f in folders] or None,
        initialization_options=options,
    ))
    try:
        yield client
    finally:
        assert client.error is None, client.error
        await asyncio.wait_for(client.shutdown_session(), TIMEOUT)
        await client.stop()


async def diagnostics(client, uri, version=None, since=0):
    """The first diagnostics published for ``uri`` (and ``version``) after the
    ``since``-th publication."""
    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline:
        for params in client.published[since:]:
            if params.uri == uri and (version is None or params.version == version):
                return list(params.diagnostics)
        await asyncio.sleep(0.01)
    raise AssertionError(f"no diagnostics for {uri} (version {version})")


def positions(found):
    """(line, column, code), 1-based as the command line reports them (ASCII lines)."""
    return [(d.range.start.line + 1, d.range.start.character + 1, d.code) for d in found]


def open_file(client, path: Path, text=None, version=1) -> str:
    uri = from_fs_path(str(path))
    client.text_document_did_open(types.DidOpenTextDocumentParams(text_document=types.TextDocumentItem(
        uri=uri, language_id="python", version=version, text=path.read_text() if text is None else text,
    )))
    return uri


def change(client, uri, version, text=None, start=None, end=None, new_text=""):
    """The whole text, or ``new_text`` over the range (line, character) ``start``-``end``."""
    if text is not None:
        event = types.TextDocumentContentChangeWholeDocument(text=text)
    else:
        event = types.TextDocumentContentChangePartial(
            range=types.Range(types.Position(*start), types.Position(*end)), text=new_text,
        )
    client.text_document_did_change(types.DidChangeTextDocumentParams(
        text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=version), content_changes=[event],
    ))


def apply_edits(text: str, edits) -> str:
    """``text`` with LSP TextEdits (UTF-16 positions, lines ending in \\n) applied."""
    starts = [0]
    for line in text.splitlines(keepends=True):
        starts.append(starts[-1] + len(line))

    def offset(position):
        if position.line >= len(starts):
            return len(text)
        line = text[starts[position.line]:].split("\n", 1)[0]
        units = 0
        for index, char in enumerate(line):
            if units >= position.character:
                return starts[position.line] + index
            units += 2 if ord(char) > 0xFFFF else 1
        return starts[position.line] + len(line)

    for edit in sorted(edits, key=lambda e: (e.range.start.line, e.range.start.character), reverse=True):
        text = text[: offset(edit.range.start)] + edit.new_text + text[offset(edit.range.end):]
    return text


def edits_of(action, uri):
    edit = action.edit
    if edit.document_changes:
        return [e for change in edit.document_changes if change.text_document.uri == uri for e in change.edits]
    return edit.changes[uri]


async def actions_at(client, uri, diagnostic, only=None):
    found = await client.text_document_code_action_async(types.CodeActionParams(
        text_document=types.TextDocumentIdentifier(uri=uri), range=diagnostic.range,
        context=types.CodeActionContext(diagnostics=[diagnostic], only=only),
    ))
    return found or []


async def resolved(client, action):
    if action.edit is None:
        action = await client.code_action_resolve_async(action)
    assert action.edit is not None, action.title
    return action


def _expected(finding, line_text=None):
    return {
        "range": [finding["line"] - 1, finding["column"] - 1, finding["end_line"] - 1, finding["end_column"] - 1],
        "code": finding["code"], "message": finding["message"],
        "severity": {"error": 1, "warning": 2}[finding["severity"]],
    }


def _got(diagnostic):
    r = diagnostic.range
    return {
        "range": [r.start.line, r.start.character, r.end.line, r.end.character],
        "code": diagnostic.code, "message": diagnostic.message, "severity": diagnostic.severity.value,
    }


# --------------------------------------------------------------------------- tests


@pytest.mark.asyncio
async def test_an_open_file_gets_what_the_command_line_reports(tmp_path):
    project = _copy("project_src", tmp_path)
    expected = _cli_json(project, [VIEWS])
    assert [(f["line"], f["column"], f["code"]) for f in expected] == VIEWS_FINDINGS
    assert "(src/shop/helpers.py:8)" in expected[1]["message"]  # a cross-module finding
    # started elsewhere: paths in messages are still relative to the workspace's root
    async with server(tmp_path, [project]) as client:
        uri = open_file(client, project / VIEWS)
        found = await diagnostics(client, uri, 1)
        assert positions(found) == VIEWS_FINDINGS
        assert [_got(d) for d in found] == [_expected(f) for f in expected]
        for _ in range(500):
            if client.registrations:
                break
            await asyncio.sleep(0.01)
        [watching] = client.registrations
        assert watching.method == "workspace/didChangeWatchedFiles"
        assert [w["globPattern"] for w in watching.register_options["watchers"]] == [
            "**/*.py", "**/pyproject.toml", "**/connlint.toml",
        ]
        for d in found:
            assert d.source == "connlint"
            assert d.code_description.href == (
                f"https://github.com/connlint/connlint/blob/main/docs/rules.md#{d.code.lower()}"
            )
            assert not d.tags


@pytest.mark.asyncio
async def test_editing_the_buffer_to_fix_a_leak_removes_its_diagnostic(tmp_path):
    project = _copy("project_src", tmp_path)
    async with server(project, [project]) as client:
        uri = open_file(client, project / VIEWS)
        await diagnostics(client, uri, 1)
        # health(): `conn = engine.connect()` (line 40) becomes a `with` block, in the buffer only
        change(client, uri, 2, start=(39, 4), end=(41, 0),
               new_text='with engine.connect() as conn:\n        conn.exec_driver_sql("select 1")\n')
        found = await diagnostics(client, uri, 2)
        assert positions(found) == [(13, 15, "CNL101"), (30, 12, "CNL102"), (47, 15, "CNL201")]
        # what the command line says of that text, read from standard input as the file
        lines = (project / VIEWS).read_text().splitlines(keepends=True)
        lines[39:41] = ["    with engine.connect() as conn:\n", '        conn.exec_driver_sql("select 1")\n']
        stdin = _cli_json(project, ["-", "--stdin-filename", VIEWS], input="".join(lines))
        assert [_got(d) for d in found] == [_expected(f) for f in stdin]


@pytest.mark.asyncio
async def test_fix_all_gives_what_fix_on_the_command_line_writes(tmp_path):
    project = _copy("project_src", tmp_path)
    cli_copy = _copy("project_src", tmp_path / "cli")
    code, _, err = run_connlint(["--fix", "-q", VIEWS], cli_copy)
    assert code == 1 and err == ""
    fixed_by_cli = (cli_copy / VIEWS).read_text()
    original = (project / VIEWS).read_text()
    assert fixed_by_cli != original
    async with server(project, [project]) as client:
        uri = open_file(client, project / VIEWS)
        found = await diagnostics(client, uri, 1)
        leak = found[0]  # CNL101, a safe fix
        actions = await actions_at(client, uri, leak)
        titles = [a.title for a in actions]
        assert titles == [
            "Fix: Use 'with SessionLocal(...) as session:' around the uses of session",
            "Suppress with # noqa: CNL101",
            "Fix all safe connlint problems in this file",
        ]
        assert [a.kind for a in actions] == ["quickfix"] * 3
        fix_all = await resolved(client, actions[2])
        assert apply_edits(original, edits_of(fix_all, uri)) == fixed_by_cli
        # the same action as the editor runs it on save
        source = await actions_at(client, uri, leak, only=[types.CodeActionKind.SourceFixAll])
        assert [a.kind for a in source] == ["source.fixAll.connlint"]
        assert apply_edits(original, edits_of(await resolved(client, source[0]), uri)) == fixed_by_cli


@pytest.mark.asyncio
async def test_one_fix_gives_what_the_command_line_writes_for_that_rule(tmp_path):
    project = _copy("project_src", tmp_path)
    cli_copy = _copy("project_src", tmp_path / "cli")
    code, _, err = run_connlint(["--fix", "-q", "--select", "CNL104", VIEWS], cli_copy)
    assert err == ""
    fixed_by_cli = (cli_copy / VIEWS).read_text()
    original = (project / VIEWS).read_text()
    async with server(project, [project]) as client:
        uri = open_file(client, project / VIEWS)
        found = await diagnostics(client, uri, 1)
        checkout = found[2]
        assert positions([checkout]) == [(40, 12, "CNL104")]
        actions = await actions_at(client, uri, checkout)
        fix = await resolved(client, actions[0])
        assert fix.title == "Fix: Use 'with engine.connect(...) as conn:' around the uses of conn"
        assert fix.is_preferred
        fixed = apply_edits(original, edits_of(fix, uri))
        assert fixed == fixed_by_cli
        # the client applies it: the diagnostic goes, the others stay where they were
        change(client, uri, 2, text=fixed)
        assert positions(await diagnostics(client, uri, 2)) == [
            (13, 15, "CNL101"), (30, 12, "CNL102"), (47, 15, "CNL201"),
        ]


@pytest.mark.asyncio
async def test_an_unsafe_fix_is_marked_and_gives_what_unsafe_fixes_write(tmp_path):
    source = "import requests\ndef f(urls):\n    return [requests.get(u, timeout=5).json() for u in urls]\n"
    write(tmp_path, "pyproject.toml", "[tool.connlint]\n")
    path = write(tmp_path, "fetch.py", source)
    cli_copy = tmp_path / "cli"
    write(cli_copy, "pyproject.toml", "[tool.connlint]\n")
    write(cli_copy, "fetch.py", source)
    [reported] = _cli_json(cli_copy, ["fetch.py"])
    assert reported["fix"]["applicability"] == "unsafe"
    run_connlint(["--fix", "--unsafe-fixes", "-q", "fetch.py"], cli_copy)
    async with server(tmp_path, [tmp_path]) as client:
        uri = open_file(client, path)
        [found] = await diagnostics(client, uri, 1)
        assert positions([found]) == [(3, 13, "CNL203")]
        actions = await actions_at(client, uri, found)
        assert [(a.title, a.is_preferred) for a in actions] == [
            (f"Fix (unsafe): {reported['fix']['description']}", None),
            ("Suppress with # noqa: CNL203", None),
        ]
        fix = await resolved(client, actions[0])
        assert apply_edits(source, edits_of(fix, uri)) == (cli_copy / "fetch.py").read_text()
        assert await actions_at(client, uri, found, only=[types.CodeActionKind.SourceFixAll]) == []


@pytest.mark.asyncio
async def test_changes_are_debounced(tmp_path):
    project = _copy("project_src", tmp_path)
    original = (project / VIEWS).read_text()
    async with server(project, [project], options={"debounce": 400}) as client:
        uri = open_file(client, project / VIEWS)
        await diagnostics(client, uri, 1)
        for version in range(2, 6):
            change(client, uri, version, text=original + "#" * version + "\n")
            await asyncio.sleep(0.05)
        assert positions(await diagnostics(client, uri, 5)) == VIEWS_FINDINGS
        assert [p.version for p in client.published] == [1, 5]


@pytest.mark.asyncio
async def test_suppressing_a_finding_with_noqa(tmp_path):
    project = _copy("project_src", tmp_path)
    original = (project / VIEWS).read_text()
    async with server(project, [project]) as client:
        uri = open_file(client, project / VIEWS)
        found = await diagnostics(client, uri, 1)
        actions = await actions_at(client, uri, found[1])  # CNL102 on line 30
        noqa = next(a for a in actions if a.title == "Suppress with # noqa: CNL102")
        assert noqa.edit is not None
        suppressed = apply_edits(original, edits_of(noqa, uri))
        assert suppressed.splitlines()[29] == "    conn = get_connection()  # noqa: CNL102"
        assert len(suppressed.splitlines()) == len(original.splitlines())
        change(client, uri, 2, text=suppressed)
        assert positions(await diagnostics(client, uri, 2)) == [
            (13, 15, "CNL101"), (40, 12, "CNL104"), (47, 15, "CNL201"),
        ]
        # a second code on a line with a noqa joins the list
        text = suppressed.replace("    conn = get_connection()  # noqa: CNL102",
                                  "    conn = get_connection()  # noqa: CNL999")
        change(client, uri, 3, text=text)
        again = await diagnostics(client, uri, 3)
        actions = await actions_at(client, uri, again[1])
        noqa = next(a for a in actions if a.title == "Suppress with # noqa: CNL102")
        assert apply_edits(text, edits_of(noqa, uri)).splitlines()[29] == (
            "    conn = get_connection()  # noqa: CNL999, CNL102"
        )


@pytest.mark.asyncio
async def test_hover_shows_the_rules_documentation(tmp_path):
    project = _copy("project_src", tmp_path)
    _, explained, _ = run_connlint(["--explain", "CNL102"], project)
    async with server(project, [project]) as client:
        uri = open_file(client, project / VIEWS)
        found = await diagnostics(client, uri, 1)
        hover = await client.text_document_hover_async(types.HoverParams(
            text_document=types.TextDocumentIdentifier(uri=uri), position=found[1].range.start,
        ))
        assert hover.contents.kind == types.MarkupKind.Markdown
        assert hover.contents.value == explained
        assert hover.range == found[1].range
        nothing = await client.text_document_hover_async(types.HoverParams(
            text_document=types.TextDocumentIdentifier(uri=uri), position=types.Position(0, 0),
        ))
        assert nothing is None
        # a code in a noqa comment
        customers = '    cur = conn.cursor()\n    cur.execute("select count(*) from customers")'
        text = (project / VIEWS).read_text().replace(
            customers, customers.replace("conn.cursor()", "conn.cursor()  # noqa: CNL102"),
        )
        change(client, uri, 2, text=text)
        await diagnostics(client, uri, 2)
        line = text.splitlines()[30]
        hover = await client.text_document_hover_async(types.HoverParams(
            text_document=types.TextDocumentIdentifier(uri=uri), position=types.Position(30, line.index("CNL102") + 2),
        ))
        assert hover.contents.value == explained


@pytest.mark.asyncio
async def test_changing_a_helper_module_rechecks_the_files_that_import_it(tmp_path):
    project = _copy("project_src", tmp_path)
    helpers = project / HELPERS
    original = helpers.read_text()
    shared = original.replace(
        'def get_connection():\n    return psycopg2.connect("dbname=shop host=db")\n',
        '_conn = psycopg2.connect("dbname=shop host=db")\n\n\ndef get_connection():\n    return _conn\n',
    )
    assert shared != original
    async with server(project, [project]) as client:
        views = open_file(client, project / VIEWS)
        assert positions(await diagnostics(client, views, 1)) == VIEWS_FINDINGS
        # edited in the editor: nothing changes until it is saved
        helpers_uri = open_file(client, helpers)
        await diagnostics(client, helpers_uri, 1)
        mark = len(client.published)
        change(client, helpers_uri, 2, text=shared)
        await diagnostics(client, helpers_uri, 2, since=mark)
        helpers.write_text(shared)
        client.text_document_did_save(types.DidSaveTextDocumentParams(
            text_document=types.TextDocumentIdentifier(uri=helpers_uri),
        ))
        # get_connection() now hands out a shared connection: no CNL102 in views.py
        found = await diagnostics(client, views, 1, since=mark)
        assert positions(found) == [(13, 15, "CNL101"), (40, 12, "CNL104"), (47, 15, "CNL201")]
        assert [_got(d) for d in found] == [_expected(f) for f in _cli_json(project, [VIEWS])]
        # changed on disk while closed, reported by the client's file watcher
        client.text_document_did_close(types.DidCloseTextDocumentParams(
            text_document=types.TextDocumentIdentifier(uri=helpers_uri),
        ))
        mark = len(client.published)
        helpers.write_text(original)
        client.workspace_did_change_watched_files(types.DidChangeWatchedFilesParams(changes=[
            types.FileEvent(uri=helpers_uri, type=types.FileChangeType.Changed),
        ]))
        assert positions(await diagnostics(client, views, 1, since=mark)) == VIEWS_FINDINGS
        # changed on disk with no word from the client: noticed at the next check
        mark = len(client.published)
        helpers.write_text(shared + "\n")
        views_text = (project / VIEWS).read_text() + "\n"
        change(client, views, 2, text=views_text)
        assert positions(await diagnostics(client, views, 2, since=mark)) == [
            (13, 15, "CNL101"), (40, 12, "CNL104"), (47, 15, "CNL201"),
        ]


@pytest.mark.asyncio
async def test_other_files_see_a_module_as_saved_not_as_its_buffer(tmp_path):
    project = _copy("project_src", tmp_path)
    helpers = project / HELPERS
    unsaved = helpers.read_text().replace("import psycopg2\nfrom sqlalchemy import create_engine\n", "")
    async with server(project, [project]) as client:
        helpers_uri = open_file(client, helpers)
        await diagnostics(client, helpers_uri, 1)
        change(client, helpers_uri, 2, text=unsaved)  # imports nothing any more, in the buffer only
        await diagnostics(client, helpers_uri, 2)
        views = open_file(client, project / VIEWS)
        assert positions(await diagnostics(client, views, 1)) == VIEWS_FINDINGS
        change(client, helpers_uri, 3, text=unsaved + "\n")
        await diagnostics(client, helpers_uri, 3)
        change(client, views, 2, text=(project / VIEWS).read_text() + "\n")
        assert positions(await diagnostics(client, views, 2)) == VIEWS_FINDINGS


@pytest.mark.asyncio
async def test_a_syntax_error_does_not_stop_the_server(tmp_path):
    project = _copy("project_src", tmp_path)
    original = (project / VIEWS).read_text()
    broken = original.replace("    conn = engine.connect()\n", "    conn = engine.connect(\n")
    async with server(project, [project]) as client:
        uri = open_file(client, project / VIEWS)
        await diagnostics(client, uri, 1)
        # while typing, the findings of the text that parsed stay
        change(client, uri, 2, text=broken)
        assert await actions_at(client, uri, types.Diagnostic(range=types.Range(
            types.Position(39, 0), types.Position(39, 1)), message="")) == []  # checked, nothing to fix
        await asyncio.sleep(0.5)
        change(client, uri, 3, text=broken + "\n")
        change(client, uri, 4, text=original.replace("    conn = engine.connect()\n", "    conn = engine.connect()\n\n"))
        found = await diagnostics(client, uri, 4)
        assert positions(found) == [(13, 15, "CNL101"), (30, 12, "CNL102"), (40, 12, "CNL104"), (48, 15, "CNL201")]
        assert [p.version for p in client.published] == [1, 4]
        # saved broken: CNL900, as the command line reports it
        change(client, uri, 5, text=broken)
        (project / VIEWS).write_text(broken)
        client.text_document_did_save(types.DidSaveTextDocumentParams(text_document=types.TextDocumentIdentifier(uri=uri)))
        found = await diagnostics(client, uri, 5)
        cli = _cli_json(project, [VIEWS])
        assert [f["code"] for f in cli] == ["CNL900"]
        assert [_got(d) for d in found] == [_expected(f) for f in cli]
        # bytes no editor should send, and an empty file
        change(client, uri, 6, text="import sqlite3\x00\n")
        change(client, uri, 7, text="")
        assert await diagnostics(client, uri, 7) == []
        change(client, uri, 8, text=original)
        assert positions(await diagnostics(client, uri, 8)) == VIEWS_FINDINGS
        hover = await client.text_document_hover_async(types.HoverParams(
            text_document=types.TextDocumentIdentifier(uri=uri), position=types.Position(12, 15),
        ))
        assert hover.contents.value.startswith("# CNL101 unclosed-connection")
        assert client._server.returncode is None


@pytest.mark.asyncio
async def test_a_client_with_only_basic_capabilities_gets_diagnostics_and_fixes(tmp_path):
    project = _copy("project_src", tmp_path)
    original = (project / VIEWS).read_text()
    cli_copy = _copy("project_src", tmp_path / "cli")
    run_connlint(["--fix", "-q", VIEWS], cli_copy)
    async with server(project, [project], capabilities=types.ClientCapabilities()) as client:
        uri = open_file(client, project / VIEWS)
        found = await diagnostics(client, uri, 1)
        assert positions(found) == VIEWS_FINDINGS
        actions = await actions_at(client, uri, found[0])
        assert all(a.edit is not None and a.edit.changes for a in actions)  # no resolve, no documentChanges
        fix_all = next(a for a in actions if a.title == "Fix all safe connlint problems in this file")
        assert apply_edits(original, fix_all.edit.changes[uri]) == (cli_copy / VIEWS).read_text()
        hover = await client.text_document_hover_async(types.HoverParams(
            text_document=types.TextDocumentIdentifier(uri=uri), position=found[0].range.start,
        ))
        assert hover.contents.kind == types.MarkupKind.PlainText


@pytest.mark.asyncio
async def test_positions_in_each_encoding(tmp_path):
    source = 'import sqlite3\n\n\ndef f():\n    café = sqlite3.connect("😋.db")\n    return café.execute("x").fetchall()\n'
    write(tmp_path, "pyproject.toml", "[tool.connlint]\n")
    path = write(tmp_path, "emoji.py", source)
    cli = _cli_json(tmp_path, ["emoji.py"])
    assert [(f["line"], f["column"], f["end_column"]) for f in cli] == [(5, 12, 35)]
    for capabilities, start, end in (("visual-studio-code", 11, 35), ("neovim", 12, 38)):
        async with server(tmp_path, [tmp_path], capabilities=capabilities) as client:
            uri = open_file(client, path)
            [found] = await diagnostics(client, uri, 1)
            assert (found.range.start.line, found.range.start.character, found.range.end.character) == (4, start, end)


@pytest.mark.asyncio
async def test_settings_per_workspace_folder_and_from_the_client(tmp_path):
    first = _copy("project_src", tmp_path)
    (first / "pyproject.toml").write_text('[tool.connlint]\nignore = ["CNL104"]\n')
    second = _copy("project_flat", tmp_path)
    flat = _cli_json(second, ["views.py"])
    assert flat
    configuration = {from_fs_path(str(second)): {"connlint": {"ignore": ["CNL201"]}}}
    async with server(tmp_path, [first, second], configuration=configuration) as client:
        views = open_file(client, first / VIEWS)
        assert positions(await diagnostics(client, views, 1)) == [
            (13, 15, "CNL101"), (30, 12, "CNL102"), (47, 15, "CNL201"),
        ]
        flat_uri = open_file(client, second / "views.py")
        expected = [(f["line"], f["column"], f["code"]) for f in flat if f["code"] != "CNL201"]
        assert positions(await diagnostics(client, flat_uri, 1)) == expected
        # the project's settings file changes: reported by the file watcher
        mark = len(client.published)
        (first / "pyproject.toml").write_text('[tool.connlint]\nignore = ["CNL1"]\n')
        client.workspace_did_change_watched_files(types.DidChangeWatchedFilesParams(changes=[types.FileEvent(
            uri=from_fs_path(str(first / "pyproject.toml")), type=types.FileChangeType.Changed,
        )]))
        assert positions(await diagnostics(client, views, 1, since=mark)) == [(47, 15, "CNL201")]


@pytest.mark.asyncio
async def test_client_settings_select_ignore_and_config(tmp_path):
    project = _copy("project_src", tmp_path)
    write(project, "other.toml", 'select = ["CNL2"]\n')
    async with server(project, [project], options={"ignore": ["CNL101", "checkout-not-returned"]}) as client:
        uri = open_file(client, project / VIEWS)
        assert positions(await diagnostics(client, uri, 1)) == [(30, 12, "CNL102"), (47, 15, "CNL201")]
    async with server(project, [project], capabilities="neovim", options={"connlint": {"config": "other.toml"}}) as client:
        uri = open_file(client, project / VIEWS)
        assert positions(await diagnostics(client, uri, 1)) == [(47, 15, "CNL201")]
    async with server(project, [project], capabilities=types.ClientCapabilities()) as client:
        uri = open_file(client, project / VIEWS)
        assert positions(await diagnostics(client, uri, 1)) == VIEWS_FINDINGS
        mark = len(client.published)
        client.workspace_did_change_configuration(types.DidChangeConfigurationParams(
            settings={"connlint": {"select": "CNL1", "ignore": "CNL102,CNL104"}},
        ))
        assert positions(await diagnostics(client, uri, 1, since=mark)) == [(13, 15, "CNL101")]
    async with server(project, [project], options={"select": ["CNL7"]}) as client:
        uri = open_file(client, project / VIEWS)
        assert await diagnostics(client, uri, 1) == []
        assert [m.message for m in client.messages] == [
            "connlint: error: client settings: select: unknown rule code or name 'CNL7' (see 'connlint --list-rules')",
        ]


@pytest.mark.asyncio
async def test_broken_project_settings_are_one_message_and_the_server_goes_on(tmp_path):
    project = _copy("project_src", tmp_path)
    (project / "pyproject.toml").write_text('[tool.connlint]\nignore = "CNL101"\n')
    _, _, err = run_connlint([VIEWS], project)
    async with server(project, [project]) as client:
        uri = open_file(client, project / VIEWS)
        assert await diagnostics(client, uri, 1) == []
        assert [m.message for m in client.messages] == [err.strip()]
        assert "\n" not in client.messages[0].message
        mark = len(client.published)
        (project / "pyproject.toml").write_text('[tool.connlint]\nignore = ["CNL101"]\n')
        client.workspace_did_change_watched_files(types.DidChangeWatchedFilesParams(changes=[types.FileEvent(
            uri=from_fs_path(str(project / "pyproject.toml")), type=types.FileChangeType.Changed,
        )]))
        assert positions(await diagnostics(client, uri, 1, since=mark)) == VIEWS_FINDINGS[1:]


@pytest.mark.asyncio
async def test_a_file_outside_every_workspace_folder_is_checked_alone(tmp_path):
    project = _copy("project_src", tmp_path)
    elsewhere = tmp_path / "elsewhere"
    path = write(elsewhere, "leak.py", LEAK)
    async with server(project, [project]) as client:
        uri = open_file(client, path)
        [found] = await diagnostics(client, uri, 1)
        assert (found.range.start.line, found.range.start.character, found.code) == (2, 11, "CNL101")
        # an unsaved buffer with no file
        untitled = "untitled:Untitled-1"
        client.text_document_did_open(types.DidOpenTextDocumentParams(text_document=types.TextDocumentItem(
            uri=untitled, language_id="python", version=1, text=LEAK,
        )))
        assert positions(await diagnostics(client, untitled, 1)) == [(3, 12, "CNL101")]
    assert not (elsewhere / ".connlint_cache").exists()


def test_connlint_server_help_and_usage(tmp_path):
    code, out, err = run_connlint(["server", "--help"], tmp_path)
    assert (code, err) == (0, "")
    assert out.startswith("usage: connlint server [OPTIONS]\n\nStart the language server")
    code, out, err = run_connlint(["server", "file.py"], tmp_path)
    assert (code, out, err) == (2, "", "connlint: error: server: takes no paths, got 'file.py'\n")


def test_without_pygls_the_server_says_what_to_install(tmp_path):
    shadow = write(tmp_path, "shadow/pygls/__init__.py", "raise ImportError('not installed', name='pygls')\n").parent.parent
    env = {**os.environ, "PYTHONPATH": str(shadow)}
    result = subprocess.run([*COMMAND, "server"], cwd=tmp_path, capture_output=True, text=True, timeout=120, env=env)
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr == 'connlint: error: connlint server needs pygls 2 and lsprotocol: pip install "connlint[server]"\n'


def test_the_command_line_does_not_import_the_server_libraries(tmp_path):
    write(tmp_path, "leak.py", LEAK)
    script = (
        "import sys\nfrom connlint.cli import main\n"
        "try:\n    main(['-q', '--no-cache', 'leak.py'])\nexcept SystemExit:\n    pass\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('pygls', 'lsprotocol', 'cattrs', 'connlint.server')))\n"
    )
    result = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert result.stdout.splitlines()[-1] == "[]"


@pytest.mark.asyncio
async def test_a_chain_of_calls_around_a_large_import_cycle_is_followed_in_the_editor(tmp_path):
    # m0 passes its connection round a cycle of 100 modules: their summaries
    # are worked out inside one another's analyses, on the server's check thread
    app = tmp_path / "app"
    app.mkdir()
    (app / "__init__.py").write_text("")
    for name, source in ring_modules(100).items():
        (app / f"{name}.py").write_text(source)
    async with server(tmp_path, [tmp_path]) as client:
        uri = open_file(client, app / "m0.py")
        assert positions(await diagnostics(client, uri, 1)) == [(10, 12, "CNL101")]
