"""The ``binary/encrypted`` AES-GCM codec of the Temporal encryption samples (Python, Go, TS)."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from google.protobuf.message import DecodeError
from temporalio.api.common.v1 import Payload

from inspector.codecs.cpu import CpuCodec
from inspector.codecs.errors import CodecConfigError, CodecError

ENCODING = b"binary/encrypted"
KEY_ID_METADATA = "encryption-key-id"
NONCE_BYTES = 12
TAG_BYTES = 16
KEY_SIZES = (16, 24, 32)


class AesGcmCodec(CpuCodec):
    """AES-GCM over the serialized inner ``Payload``: data = 12-byte nonce + ciphertext + tag.

    Several keys may be known (rotation): decode picks the key named by the payload's
    ``encryption-key-id``; encode uses ``encrypt_with`` (default: the first key). Key bytes
    are held only inside ``AESGCM`` objects and never appear in a message or ``repr``.
    """

    name = "aes-gcm"

    def __init__(self, keys: Mapping[str, bytes], encrypt_with: str | None = None) -> None:
        if not keys:
            raise CodecConfigError("aes-gcm needs at least one key")
        ciphers: dict[str, AESGCM] = {}
        for key_id, key in keys.items():
            if not isinstance(key, bytes | bytearray):
                raise CodecConfigError(f"aes-gcm key '{key_id}' must be bytes")
            if len(key) not in KEY_SIZES:
                raise CodecConfigError(
                    f"aes-gcm key '{key_id}' must be 16, 24 or 32 bytes, got {len(key)}"
                )
            ciphers[key_id] = AESGCM(bytes(key))
        if encrypt_with is None:
            encrypt_with = next(iter(ciphers))
        elif encrypt_with not in ciphers:
            raise CodecConfigError(
                f"aes-gcm encrypt_with '{encrypt_with}' is not one of the keys "
                f"({', '.join(ciphers)})"
            )
        self._ciphers = ciphers
        self.encrypt_with = encrypt_with

    @property
    def key_ids(self) -> list[str]:
        """The known key ids, in configuration order (safe to show)."""
        return list(self._ciphers)

    def __repr__(self) -> str:
        return f"AesGcmCodec(key_ids={self.key_ids!r}, encrypt_with={self.encrypt_with!r})"

    def encode_sync(self, payloads: Sequence[Payload]) -> list[Payload]:
        """Encrypt every payload with ``encrypt_with`` and a fresh random nonce."""
        cipher = self._ciphers[self.encrypt_with]
        key_id = self.encrypt_with.encode()
        result = []
        for p in payloads:
            nonce = os.urandom(NONCE_BYTES)
            data = nonce + cipher.encrypt(nonce, p.SerializeToString(), None)
            result.append(
                Payload(metadata={"encoding": ENCODING, KEY_ID_METADATA: key_id}, data=data)
            )
        return result

    def decode_sync(self, payloads: Sequence[Payload]) -> list[Payload]:
        """Decrypt ``binary/encrypted`` payloads; pass others through so codecs can be chained."""
        return [
            self._decode_one(p) if p.metadata.get("encoding") == ENCODING else p for p in payloads
        ]

    def _decode_one(self, payload: Payload) -> Payload:
        raw_id = payload.metadata.get(KEY_ID_METADATA)
        known = ", ".join(self._ciphers)
        if raw_id is None:
            raise CodecError(
                f"encrypted payload has no '{KEY_ID_METADATA}' metadata (known: {known})",
                self.name,
            )
        key_id = raw_id.decode("utf-8", errors="replace")
        cipher = self._ciphers.get(key_id)
        if cipher is None:
            raise CodecError(f"unknown encryption key id '{key_id}' (known: {known})", self.name)
        data = payload.data
        if len(data) < NONCE_BYTES + TAG_BYTES:
            raise CodecError(
                f"encrypted data is too short ({len(data)} bytes) for key '{key_id}' "
                "(truncated or tampered data)",
                self.name,
            )
        try:
            plain = cipher.decrypt(data[:NONCE_BYTES], data[NONCE_BYTES:], None)
        except InvalidTag as exc:
            raise CodecError(
                f"decryption failed with key '{key_id}' (wrong key or tampered data)", self.name
            ) from exc
        try:
            return Payload.FromString(plain)
        except DecodeError as exc:
            raise CodecError("decrypted data is not a serialized Payload", self.name) from exc
