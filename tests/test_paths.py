"""How paths are shown: relative to the current directory when below it,
normalised as the command line would print them."""

from __future__ import annotations

from pathlib import Path

import pytest

from connlint.paths import display_path


@pytest.mark.parametrize(
    ("given", "shown"),
    [
        ("app/db.py", "app/db.py"),
        ("./app/db.py", "app/db.py"),
        ("app//db.py", "app/db.py"),
        ("app/./db.py", "app/db.py"),
        ("app/../db.py", "db.py"),
        ("../db.py", "../db.py"),
        ("-", "./-"),
        (".", "."),
        ("{cwd}/app/db.py", "app/db.py"),
        ("{cwd}", "."),
        ("{cwd}/", "."),
        ("{cwd}x/db.py", "{cwd}x/db.py"),  # a sibling folder whose name starts the same
        ("/elsewhere/db.py", "/elsewhere/db.py"),
        ("/elsewhere//db.py", "/elsewhere/db.py"),
    ],
)
def test_display_path(given, shown, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    cwd = str(tmp_path)
    assert display_path(given.format(cwd=cwd)) == shown.format(cwd=cwd)
    assert display_path(Path(given.format(cwd=cwd))) == shown.format(cwd=cwd)
