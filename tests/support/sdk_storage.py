"""Reference storage for the SDK side of differential tests.

``SdkFilesystemDriver`` is an independent implementation of our filesystem wire format
(``inspector/storage/filesystem.py``), written without ``inspector.storage``, so the SDK's own
``ExternalStorage`` can write references our code must read (and read what ours writes):

- blob = the serialized ``Payload`` bytes, at ``<path>/sha256/<first two hex>/<hex>``
  where ``<hex>`` is the lowercase sha256 of those bytes; written via temp file + rename;
- claim data ``{"key": "sha256/<hex>", "hash_algorithm": "sha256", "hash_value": "<hex>"}``;
- driver name ``local.filesystem`` unless told otherwise.

``marked_references()`` switches the SDK (1.35) to *write* codec-encoded, marked
references, which it already reads; see ``inspector/pipeline.py``.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path

import temporalio.converter._extstore as _extstore
from temporalio.api.common.v1 import Payload
from temporalio.converter import (
    StorageDriver,
    StorageDriverClaim,
    StorageDriverRetrieveContext,
    StorageDriverStoreContext,
)

FILESYSTEM_DRIVER_NAME = "local.filesystem"
_KEY_RE = re.compile(r"sha256/([0-9a-f]{64})")


def blob_relpath(hex_digest: str) -> str:
    """``sha256/<first two hex>/<hex>`` — the blob's path below the store root."""
    return f"sha256/{hex_digest[:2]}/{hex_digest}"


class SdkFilesystemDriver(StorageDriver):
    """A ``StorageDriver`` writing our filesystem wire format under ``path``."""

    def __init__(self, path: str | os.PathLike[str], name: str = FILESYSTEM_DRIVER_NAME) -> None:
        self.path = Path(path)
        self._name = name

    def name(self) -> str:
        return self._name

    def type(self) -> str:
        return "local.filesystem"

    def blob_path(self, hex_digest: str) -> Path:
        return self.path / blob_relpath(hex_digest)

    async def store(
        self, context: StorageDriverStoreContext, payloads: Sequence[Payload]
    ) -> list[StorageDriverClaim]:
        claims: list[StorageDriverClaim] = []
        for payload in payloads:
            data = payload.SerializeToString()
            digest = hashlib.sha256(data).hexdigest()
            target = self.blob_path(digest)
            if not target.exists():
                target.parent.mkdir(parents=True, exist_ok=True)
                fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-")
                try:
                    with os.fdopen(fd, "wb") as f:
                        f.write(data)
                    os.replace(tmp, target)
                except BaseException:
                    with contextlib.suppress(OSError):
                        os.unlink(tmp)
                    raise
            claims.append(
                StorageDriverClaim(
                    claim_data={
                        "key": f"sha256/{digest}",
                        "hash_algorithm": "sha256",
                        "hash_value": digest,
                    }
                )
            )
        return claims

    async def retrieve(
        self, context: StorageDriverRetrieveContext, claims: Sequence[StorageDriverClaim]
    ) -> list[Payload]:
        payloads: list[Payload] = []
        for claim in claims:
            key = claim.claim_data.get("key", "")
            match = _KEY_RE.fullmatch(key)
            if match is None:
                raise ValueError(f"invalid filesystem claim key {key!r}")
            digest = match.group(1)
            data = self.blob_path(digest).read_bytes()
            algorithm = claim.claim_data.get("hash_algorithm")
            expected = claim.claim_data.get("hash_value")
            if algorithm is not None or expected is not None:
                if algorithm != "sha256":
                    raise ValueError(f"unsupported hash algorithm {algorithm!r}")
                actual = hashlib.sha256(data).hexdigest()
                if actual != expected:
                    raise ValueError(f"integrity check failed: expected {expected}, got {actual}")
            payloads.append(Payload.FromString(data))
        return payloads


@contextlib.contextmanager
def marked_references(enabled: bool = True) -> Iterator[None]:
    """Make the SDK write marked (codec-encoded) references while inside the block.

    temporalio 1.35 reads them but keeps ``_ENCODE_STORAGE_REFERENCES`` off; both the
    storage step and ``DataConverter._encode_reference_payload_sequence`` read that module
    attribute at call time. Fails loudly if an SDK release renames it.
    """
    if not hasattr(_extstore, "_ENCODE_STORAGE_REFERENCES"):
        raise RuntimeError(
            "temporalio.converter._extstore._ENCODE_STORAGE_REFERENCES is gone: "
            "the SDK changed how it writes marked references; update tests/support"
        )
    previous = _extstore._ENCODE_STORAGE_REFERENCES
    _extstore._ENCODE_STORAGE_REFERENCES = enabled
    try:
        yield
    finally:
        _extstore._ENCODE_STORAGE_REFERENCES = previous
