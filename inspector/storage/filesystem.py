"""Our filesystem store: content-addressed blobs that other tools read, so its layout is fixed.

Blobs live at ``<root>/sha256/<first two hex>/<hex>`` (the sha256 of the serialized
``Payload``), are written atomically (temp file + rename) and the claim carries the hash,
so a half-written or tampered blob is never read back as valid.

The store trusts nothing it finds: other tools write there too. Only regular files below the
root are read, never through a symlink (see ``inspector.storage.confined``), at most
``MAX_BLOB_BYTES`` and in chunks, so a FIFO, ``/dev/zero`` or a huge file cannot hold a
worker thread, and a caller that gives up (a timeout) stops the read within a chunk. Temp
files a killed writer left behind are swept once, when the driver is first used.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import io
import mmap
import os
import re
import secrets
import stat
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TypeVar

from temporalio.api.common.v1 import Payload
from temporalio.converter import (
    StorageDriver,
    StorageDriverClaim,
    StorageDriverRetrieveContext,
    StorageDriverStoreContext,
)

from inspector.codecs.inflate import MAX_INFLATED_BYTES
from inspector.storage.confined import OpenDir, Untrusted, open_below, open_root
from inspector.storage.errors import BadClaim, BlobMissing, IntegrityFailure, StoreUnreachable

DRIVER_TYPE = "local.filesystem"
# A blob is a serialized payload: none is larger than what a codec may inflate to.
MAX_BLOB_BYTES = MAX_INFLATED_BYTES
CHUNK_BYTES = 1024 * 1024  # a cancelled read stops within this much
TEMP_PREFIX = ".tmp-"
# A writer fsyncs and renames within seconds; older temp files are a killed writer's.
STALE_TEMP_SECONDS = 15 * 60
SWEEP_MAX_ENTRIES = 100_000  # the sweep's bound: directory entries looked at, in all
_KEY = re.compile(r"sha256/([0-9a-f]{64})")
_SHARD = re.compile(r"[0-9a-f]{2}")
_T = TypeVar("_T")


class _Stopped(Exception):
    """Internal: the caller gave up; the worker thread ends here."""


class _TooLarge(Exception):
    """Internal: a regular file larger than any blob may be; none of it is read."""


class FilesystemDriver(StorageDriver):
    """A ``StorageDriver`` over a local directory, usable by the SDK's ``ExternalStorage`` too."""

    def __init__(self, root: str | os.PathLike[str], name: str = DRIVER_TYPE) -> None:
        self.root = Path(root).expanduser()
        self._name = name
        self._swept = False
        self._sweep_lock = threading.Lock()

    def name(self) -> str:
        return self._name

    def type(self) -> str:
        return DRIVER_TYPE

    async def store(
        self, context: StorageDriverStoreContext, payloads: Sequence[Payload]
    ) -> list[StorageDriverClaim]:
        blobs = [p.SerializeToString() for p in payloads]
        return await _in_thread(lambda stop: [self._write(b, stop) for b in blobs])

    async def retrieve(
        self, context: StorageDriverRetrieveContext, claims: Sequence[StorageDriverClaim]
    ) -> list[Payload]:
        return await _in_thread(lambda stop: [self._read(c, stop) for c in claims])

    def blob_path(self, digest: str) -> Path:
        """Where the blob with this sha256 hex digest lives."""
        return self.root / "sha256" / digest[:2] / digest

    def _write(self, blob: bytes, stop: threading.Event) -> StorageDriverClaim:
        digest = hashlib.sha256(blob).hexdigest()
        key = f"sha256/{digest}"
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            self._sweep_once(stop)
            with open_below(self.root, ("sha256", digest[:2]), create=True) as shard:
                if not _holds(shard, digest, stop):
                    _atomic_write(shard, digest, blob)
        except Untrusted as e:
            raise StoreUnreachable(self._name, key, f"cannot write blob: {_refusal(e)}") from None
        except OSError as e:
            raise StoreUnreachable(
                self._name, key, f"cannot write blob: {e.strerror or e}"
            ) from None
        return StorageDriverClaim(
            claim_data={"key": key, "hash_algorithm": "sha256", "hash_value": digest}
        )

    def _read(self, claim: StorageDriverClaim, stop: threading.Event) -> Payload:
        key = str(claim.claim_data.get("key", ""))
        match = _KEY.fullmatch(key)
        if match is None:
            # Anything but the exact layout could address a file outside the store.
            raise BadClaim(self._name, key or None, 'claim key must be "sha256/<64 hex>"')
        digest = match.group(1)
        algorithm = claim.claim_data.get("hash_algorithm", "sha256")
        expected = claim.claim_data.get("hash_value", digest)
        if algorithm != "sha256" or expected != digest:
            raise BadClaim(self._name, key, "claim hash does not match its key")
        if not self.root.is_dir():
            raise StoreUnreachable(self._name, key, f"store directory {self.root} does not exist")
        self._sweep_once(stop)
        try:
            with (
                open_below(self.root, ("sha256", digest[:2])) as shard,
                _reading(shard, digest, stop) as (blob, actual),
            ):
                return self._parse(key, digest, blob, actual)
        except FileNotFoundError:
            raise BlobMissing(self._name, key, "blob not found in the store") from None
        except Untrusted as e:
            raise IntegrityFailure(self._name, key, _refusal(e)) from None
        except _TooLarge:
            limit = f"{MAX_BLOB_BYTES // (1024 * 1024)} MiB"
            raise IntegrityFailure(
                self._name, key, f"refused: the blob is larger than the {limit} a blob may be"
            ) from None
        except OSError as e:
            reason = f"cannot read blob: {e.strerror or e}"
            raise StoreUnreachable(self._name, key, reason) from None

    def _parse(self, key: str, digest: str, blob: memoryview, actual: str) -> Payload:
        if actual != digest:
            # Say nothing of what the content hashes to: it may be another file's content.
            raise IntegrityFailure(
                self._name, key, "integrity check failed: the blob does not hash to its key"
            )
        payload = Payload()
        try:
            # protobuf reads any buffer; its stub says bytes, and a copy would double the blob
            payload.ParseFromString(blob)  # type: ignore[arg-type]
        except Exception:  # protobuf raises DecodeError; the hash matched, so the writer erred
            raise IntegrityFailure(self._name, key, "blob is not a serialized Payload") from None
        return payload

    def _sweep_once(self, stop: threading.Event) -> None:
        """On first use, remove the temp files killed writers left (bounded, never fatal)."""
        with self._sweep_lock:
            if self._swept:
                return
            self._swept = True
        try:
            sweep_stale_temps(self.root, stop=stop)
        except (OSError, Untrusted):
            pass  # the sweep is housekeeping: a store it cannot sweep still serves


async def _in_thread(work: Callable[[threading.Event], _T]) -> _T:
    """Run ``work`` in a worker thread that stops between chunks once we are cancelled.

    ``asyncio.to_thread`` alone leaves the thread running after a timeout; the event tells
    it to stop, so a slow read does not keep a worker (and the store) busy for nothing.
    """
    stop = threading.Event()
    try:
        return await asyncio.to_thread(work, stop)
    finally:
        stop.set()


@contextlib.contextmanager
def _reading(shard: OpenDir, name: str, stop: threading.Event) -> Iterator[tuple[memoryview, str]]:
    """The regular file ``name``'s bytes and their sha256, read in chunks that stop once
    ``stop`` is set. A file that grows meanwhile is read as it was when opened.

    The bytes live in anonymous memory (``mmap``): a ``bytearray`` of that size would be
    zeroed while holding the GIL, stalling the event loop for a blob of a few hundred MiB.
    """
    fd, info = shard.open_regular(name)
    with io.FileIO(fd, "rb", closefd=True) as f:
        size = info.st_size
        if size > MAX_BLOB_BYTES:
            raise _TooLarge
        memory = mmap.mmap(-1, max(size, 1))
        try:
            with memoryview(memory) as view:
                digest = hashlib.sha256()
                done = 0
                while done < size:
                    if stop.is_set():
                        raise _Stopped
                    with view[done : done + CHUNK_BYTES] as chunk:
                        got = f.readinto(chunk)
                        if not got:
                            break  # it shrank: the hash will say so
                        digest.update(chunk[:got])
                    done += got
                with view[:done] as blob:
                    yield blob, digest.hexdigest()
        finally:
            memory.close()


def _holds(shard: OpenDir, digest: str, stop: threading.Event) -> bool:
    """A blob already there and intact needs no second write (content addressing).

    Anything else at that name (a symlink, a FIFO, a torn blob) is replaced by the rename.
    """
    try:
        with _reading(shard, digest, stop) as (_, actual):
            return actual == digest
    except (OSError, Untrusted, _TooLarge):
        return False


def _atomic_write(shard: OpenDir, digest: str, blob: bytes) -> None:
    """Write to a temp file in the same directory, fsync, then rename over the target.

    Both names are relative to the checked directory's descriptor, so neither the temp file
    nor the blob can land anywhere else.
    """
    tmp = f"{TEMP_PREFIX}{secrets.token_hex(8)}"
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
    fd = os.open(tmp, flags | getattr(os, "O_BINARY", 0), 0o600, dir_fd=shard.fd)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(blob)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, digest, src_dir_fd=shard.fd, dst_dir_fd=shard.fd)
    except BaseException:
        try:
            os.unlink(tmp, dir_fd=shard.fd)
        except OSError:
            pass
        raise


def sweep_stale_temps(
    root: Path,
    *,
    older_than: float = STALE_TEMP_SECONDS,
    max_entries: int = SWEEP_MAX_ENTRIES,
    stop: threading.Event | None = None,
) -> int:
    """Remove ``.tmp-*`` regular files older than ``older_than`` seconds from the shard
    directories, looking at no more than ``max_entries`` entries; returns how many went.

    Younger temp files may belong to a writer still at work, so they stay. A shard that is
    not a plain directory inside the store is skipped, never followed.
    """
    cutoff = time.time() - older_than
    budget = _Budget(max_entries, stop)
    removed = 0
    with open_root(root) as top:
        try:
            store = top.child_dir("sha256")
        except FileNotFoundError:
            return 0
        with store:
            for name in sorted(budget.names(store)):
                if not _SHARD.fullmatch(name):
                    continue
                try:
                    shard = store.child_dir(name)
                except (OSError, Untrusted):
                    continue
                with shard:
                    for entry in budget.entries(shard):
                        if not entry.name.startswith(TEMP_PREFIX):
                            continue
                        info = entry.stat(follow_symlinks=False)
                        if stat.S_ISREG(info.st_mode) and info.st_mtime < cutoff:
                            os.unlink(entry.name, dir_fd=shard.fd)
                            removed += 1
    return removed


class _Budget:
    """How many more directory entries the sweep may look at; it stops when told to."""

    def __init__(self, entries: int, stop: threading.Event | None) -> None:
        self.left = entries
        self.stop = stop

    def entries(self, directory: OpenDir) -> Iterator[os.DirEntry[str]]:
        with os.scandir(directory.fd) as found:
            for entry in found:
                if self.left <= 0 or (self.stop is not None and self.stop.is_set()):
                    return
                self.left -= 1
                yield entry

    def names(self, directory: OpenDir) -> list[str]:
        return [entry.name for entry in self.entries(directory)]


def _refusal(error: Untrusted) -> str:
    """Why an entry is refused, naming only the entry itself (never a link's target)."""
    return f"refused: {error}"
