"""Open directories and files below a root without following any link out of it.

Why: other tools write into a store, so its entries are untrusted. A symlink (a blob or a
directory on the way to it) could point anywhere, and a FIFO or device node could block a
reader or never end. Every step is checked against the directory already opened: the entry
is looked at without following it (``lstat`` through that directory's descriptor), and what
we opened by path must be that very inode. So no swap in between can lead us elsewhere.

Paths handed to ``os.open`` are absolute (tools that audit opens see where we go); the
descriptors are what make the check race-free.
"""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Callable
from pathlib import Path
from types import TracebackType

from inspector.errors import InspectorError

_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_NONBLOCK = getattr(os, "O_NONBLOCK", 0)  # a FIFO swapped in at the last moment cannot block
_DIRECTORY = getattr(os, "O_DIRECTORY", 0)
_BINARY = getattr(os, "O_BINARY", 0)
_DIR_FD = os.stat in os.supports_dir_fd
_LINK_ERRORS = {errno.ELOOP, getattr(errno, "EMLINK", errno.ELOOP)}
_ModeTest = Callable[[int], bool]


class Untrusted(InspectorError):
    """An entry that must not be read: ``what`` (relative to the root) and why, nothing more."""

    def __init__(self, what: str, why: str) -> None:
        super().__init__(f"{what} {why}")
        self.what = what
        self.why = why


class OpenDir:
    """A directory below the root, held open; its path is only for messages and audit."""

    def __init__(self, fd: int, path: Path, relative: str) -> None:
        self.fd = fd
        self.path = path
        self.relative = relative

    def child_dir(self, name: str, *, create: bool = False) -> OpenDir:
        """The subdirectory ``name`` (made when ``create``), never through a link."""
        relative = f"{self.relative}/{name}" if self.relative else name
        try:
            entry = self._lstat(name)
        except FileNotFoundError:
            if not create:
                raise
            self._mkdir(name)
            entry = self._lstat(name)
        _expect(entry.st_mode, stat.S_ISDIR, relative, "a directory")
        fd = self._open(name, relative, os.O_RDONLY | _DIRECTORY, stat.S_ISDIR, "a directory")
        return OpenDir(fd, self.path / name, relative)

    def open_regular(self, name: str) -> tuple[int, os.stat_result]:
        """A read-only descriptor of the regular file ``name`` and its ``fstat``.

        A FIFO or device is refused from its ``lstat``, before any ``open`` could block.
        """
        relative = f"{self.relative}/{name}" if self.relative else name
        _expect(self._lstat(name).st_mode, stat.S_ISREG, relative, "a regular file")
        flags = os.O_RDONLY | _NONBLOCK | _BINARY
        fd = self._open(name, relative, flags, stat.S_ISREG, "a regular file")
        return fd, os.fstat(fd)

    def close(self) -> None:
        os.close(self.fd)

    def __enter__(self) -> OpenDir:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def _lstat(self, name: str) -> os.stat_result:
        if _DIR_FD:
            return os.stat(name, dir_fd=self.fd, follow_symlinks=False)
        return os.lstat(self.path / name)

    def _mkdir(self, name: str) -> None:
        try:
            if _DIR_FD:
                os.mkdir(name, dir_fd=self.fd)
            else:
                os.mkdir(self.path / name)
        except FileExistsError:
            pass  # a concurrent writer made it: it is checked like any other

    def _open(self, name: str, relative: str, flags: int, test: _ModeTest, what: str) -> int:
        """Open by path, then make sure it is, still, the entry this directory holds."""
        try:
            fd = os.open(self.path / name, flags | _NOFOLLOW)
        except OSError as e:
            if e.errno in _LINK_ERRORS:
                raise Untrusted(relative, "is a symlink") from None
            if e.errno == errno.ENOTDIR:
                raise Untrusted(relative, "is not a directory") from None
            raise
        try:
            opened = os.fstat(fd)
            _expect(opened.st_mode, test, relative, what)
            entry = self._lstat(name)
            if (opened.st_dev, opened.st_ino) != (entry.st_dev, entry.st_ino):
                raise Untrusted(relative, "leaves the store")
        except BaseException:
            os.close(fd)
            raise
        return fd


def open_root(root: Path) -> OpenDir:
    """The store's root itself; it may be a link, since the config chose it."""
    return OpenDir(os.open(root, os.O_RDONLY | _DIRECTORY), root, "")


def open_below(root: Path, parts: tuple[str, ...], *, create: bool = False) -> OpenDir:
    """``root/part/part…``, each step checked (see the module docstring)."""
    current = open_root(root)
    try:
        for part in parts:
            child = current.child_dir(part, create=create)
            current.close()
            current = child
    except BaseException:
        current.close()
        raise
    return current


def _expect(mode: int, test: _ModeTest, relative: str, what: str) -> None:
    if not test(mode):
        raise Untrusted(relative, f"is {_kind(mode)}, not {what}")


def _kind(mode: int) -> str:
    """What an entry is, in words; nothing about where a link points or what a file holds."""
    kinds = (
        (stat.S_ISLNK, "a symlink"),
        (stat.S_ISFIFO, "a FIFO"),
        (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"),
        (stat.S_ISSOCK, "a socket"),
        (stat.S_ISDIR, "a directory"),
        (stat.S_ISREG, "a regular file"),
    )
    return next((name for test, name in kinds if test(mode)), "an unknown kind of file")
