"""connlint.atomic: files written whole or not at all, and no temporary file
left beside them, whatever goes wrong."""

from __future__ import annotations

import os
import stat

import pytest

from connlint.atomic import replace_file


def test_writes_the_whole_file_with_the_given_permissions(tmp_path):
    target = tmp_path / "report.txt"
    target.write_bytes(b"old\n")
    replace_file(target, b"new\n", 0o640)
    assert target.read_bytes() == b"new\n"
    assert stat.S_IMODE(os.stat(target).st_mode) == 0o640
    assert [p.name for p in tmp_path.iterdir()] == ["report.txt"]


def test_a_new_file_gets_the_permissions_of_any_new_file(tmp_path):
    umask = os.umask(0o022)
    try:
        replace_file(tmp_path / "new.txt", b"x")
    finally:
        os.umask(umask)
    assert stat.S_IMODE(os.stat(tmp_path / "new.txt").st_mode) == 0o644


def test_a_write_abandoned_before_the_rename_leaves_the_file_and_no_temporary(tmp_path):
    target = tmp_path / "a.py"
    target.write_bytes(b"x = 1\n")

    def changed():
        raise RuntimeError("changed since it was read")

    with pytest.raises(RuntimeError):
        replace_file(target, b"y = 2\n", before_replace=changed)
    assert target.read_bytes() == b"x = 1\n"
    assert [p.name for p in tmp_path.iterdir()] == ["a.py"]


def test_a_failed_write_leaves_no_temporary(tmp_path):
    with pytest.raises(TypeError):
        replace_file(tmp_path / "a.txt", "text, not bytes")
    assert list(tmp_path.iterdir()) == []


def test_a_directory_in_the_target_s_place_leaves_no_temporary(tmp_path):
    (tmp_path / "cache.json").mkdir()
    with pytest.raises(OSError):
        replace_file(tmp_path / "cache.json", b"{}")
    assert [p.name for p in tmp_path.iterdir()] == ["cache.json"]
    assert (tmp_path / "cache.json").is_dir()
