"""Files written whole or not at all: the new content goes to a temporary
file beside the target, which then replaces it in one rename.  Readers never
see half a file, and the temporary file never stays behind."""

from __future__ import annotations

import os


def replace_file(target, data: bytes, mode: int | None = None, before_replace=None) -> None:
    """Write ``data`` to ``target`` atomically.  ``mode``: the permissions
    (default: those of any new file, 0o666 less the umask, where tempfile's
    0o600 would hide the file from the other users of a shared checkout).
    ``before_replace()`` runs just before the rename and may raise to abandon
    the write.  Raises OSError when the file cannot be written."""
    directory = os.path.dirname(os.fspath(target)) or "."
    temp, handle = _new_temp_file(directory, os.path.basename(os.fspath(target)))
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
        if mode is not None:
            os.chmod(temp, mode)
        if before_replace is not None:
            before_replace()
        os.replace(temp, target)
        temp = None
    finally:
        if temp is not None:
            try:
                os.unlink(temp)
            except OSError:
                pass


def _new_temp_file(directory: str, name: str) -> tuple:
    """(path, descriptor) of a new file in ``directory``, created 0o666 less the umask."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0)
    for _ in range(100):
        path = os.path.join(directory, f".{name}.{os.getpid()}-{os.urandom(6).hex()}.tmp")
        try:
            return path, os.open(path, flags, 0o666)
        except FileExistsError:
            continue
    raise FileExistsError(f"no temporary file name free in {directory}")
