"""Replace a file atomically, with the permissions a file the user saves should have.

The file is written to a temp file in the same directory, flushed to disk (fsync) and
renamed over the target, so the target is always the old content or the new, never half
of either. ``tempfile.mkstemp`` would create that temp file with mode 0600, which the
rename then gives to the user's export or screenshot; here the temp file is created with
0666 (or 0600 when ``private``) and the kernel applies the umask, as for any file the user
saves — no umask is read or changed, so threads writing at the same time are safe.
"""

from __future__ import annotations

import contextlib
import os
import secrets
from collections.abc import Iterator
from pathlib import Path

PUBLIC_MODE = 0o666  # less the umask: 0644 under the usual 022
PRIVATE_MODE = 0o600  # for files only this user's programs should read
_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
_ATTEMPTS = 100


def _create_temp(target: Path, private: bool) -> tuple[int, Path]:
    """A new, empty temp file next to ``target`` (O_EXCL: never someone else's file)."""
    mode = PRIVATE_MODE if private else PUBLIC_MODE
    for _ in range(_ATTEMPTS):
        tmp = target.with_name(f".{target.name}.{secrets.token_hex(4)}.tmp")
        try:
            return os.open(tmp, _FLAGS, mode), tmp
        except FileExistsError:
            continue
    raise FileExistsError(f"{target.parent}: no free temp file name for {target.name}")


def _commit(tmp: Path, target: Path) -> None:
    """fsync the temp file, rename it over the target, then fsync the directory."""
    fd = os.open(tmp, os.O_RDWR | getattr(os, "O_BINARY", 0))
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(tmp, target)
    with contextlib.suppress(OSError):  # the rename is durable once the directory is
        dir_fd = os.open(target.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)


@contextlib.contextmanager
def replacing(path: str | os.PathLike[str], *, private: bool = False) -> Iterator[Path]:
    """Yield a temp file's path to write (by a library that wants a name); on a normal exit
    it replaces ``path``. On any error the temp file is removed and ``path`` is untouched.
    """
    target = Path(path).expanduser()
    fd, tmp = _create_temp(target, private)
    os.close(fd)
    try:
        yield tmp
        _commit(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)


def write_bytes(path: str | os.PathLike[str], *parts: bytes, private: bool = False) -> Path:
    """Replace ``path`` with ``parts`` one after another, atomically; returns the path.

    Parts, so a caller adding a line end to a large text need not copy the text to do so.
    """
    target = Path(path).expanduser()
    fd, tmp = _create_temp(target, private)
    try:
        with open(fd, "wb") as f:
            for part in parts:
                f.write(part)
        _commit(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)
    return target


def write_text(path: str | os.PathLike[str], *parts: str, private: bool = False) -> Path:
    """``write_bytes`` for text: UTF-8, line ends as given (``\\n`` stays ``\\n``)."""
    return write_bytes(path, *(part.encode("utf-8") for part in parts), private=private)
