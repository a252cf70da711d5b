"""Our filesystem store: content-addressed blobs that other tools read, so its layout is fixed.

Blobs live at ``<root>/sha256/<first two hex>/<hex>`` (the sha256 of the serialized
``Payload``), are written atomically (temp file + rename) and the claim carries the hash,
so a half-written or tampered blob is never read back as valid.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import re
import tempfile
from collections.abc import Sequence
from pathlib import Path

from temporalio.api.common.v1 import Payload
from temporalio.converter import (
    StorageDriver,
    StorageDriverClaim,
    StorageDriverRetrieveContext,
    StorageDriverStoreContext,
)

from inspector.storage.errors import BadClaim, BlobMissing, IntegrityFailure, StoreUnreachable

DRIVER_TYPE = "local.filesystem"
_KEY = re.compile(r"sha256/([0-9a-f]{64})")


class FilesystemDriver(StorageDriver):
    """A ``StorageDriver`` over a local directory, usable by the SDK's ``ExternalStorage`` too."""

    def __init__(self, root: str | os.PathLike[str], name: str = DRIVER_TYPE) -> None:
        self.root = Path(root).expanduser()
        self._name = name

    def name(self) -> str:
        return self._name

    def type(self) -> str:
        return DRIVER_TYPE

    async def store(
        self, context: StorageDriverStoreContext, payloads: Sequence[Payload]
    ) -> list[StorageDriverClaim]:
        blobs = [p.SerializeToString() for p in payloads]
        return await asyncio.to_thread(lambda: [self._write(b) for b in blobs])

    async def retrieve(
        self, context: StorageDriverRetrieveContext, claims: Sequence[StorageDriverClaim]
    ) -> list[Payload]:
        return await asyncio.to_thread(lambda: [self._read(c) for c in claims])

    def blob_path(self, digest: str) -> Path:
        """Where the blob with this sha256 hex digest lives."""
        return self.root / "sha256" / digest[:2] / digest

    def _write(self, blob: bytes) -> StorageDriverClaim:
        digest = hashlib.sha256(blob).hexdigest()
        path = self.blob_path(digest)
        try:
            if not _holds(path, digest):
                path.parent.mkdir(parents=True, exist_ok=True)
                _atomic_write(path, blob)
        except OSError as e:
            raise StoreUnreachable(
                self._name, f"sha256/{digest}", f"cannot write blob: {e.strerror or e}"
            ) from None
        return StorageDriverClaim(
            claim_data={"key": f"sha256/{digest}", "hash_algorithm": "sha256", "hash_value": digest}
        )

    def _read(self, claim: StorageDriverClaim) -> Payload:
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
        try:
            blob = self.blob_path(digest).read_bytes()
        except FileNotFoundError:
            raise BlobMissing(self._name, key, "blob not found in the store") from None
        except OSError as e:
            reason = f"cannot read blob: {e.strerror or e}"
            raise StoreUnreachable(self._name, key, reason) from None
        actual = hashlib.sha256(blob).hexdigest()
        if actual != digest:
            raise IntegrityFailure(
                self._name, key, f"integrity check failed: blob hashes to sha256:{actual}"
            )
        payload = Payload()
        try:
            payload.ParseFromString(blob)
        except Exception:  # protobuf raises DecodeError; the hash matched, so the writer erred
            raise IntegrityFailure(self._name, key, "blob is not a serialized Payload") from None
        return payload


def _holds(path: Path, digest: str) -> bool:
    """A blob already there and intact needs no second write (content addressing)."""
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest() == digest
    except OSError:
        return False


def _atomic_write(path: Path, blob: bytes) -> None:
    """Write to a temp file in the same directory, fsync, then rename over the target."""
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(blob)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
