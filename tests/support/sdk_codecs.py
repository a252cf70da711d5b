"""Reference codecs for the SDK side of differential tests.

Written from the ecosystem's formats, independently of ``inspector.codecs`` (never import
it here: these are the yardstick it is measured against).

- ``SdkGzipCodec``: ``binary/gzip``; data = gzip of the serialized inner ``Payload``.
  Encodes every payload. ``mtime=0`` so that encodes are byte-deterministic.
- ``SdkZlibCodec``: ``binary/zlib``; data = zlib of the serialized inner ``Payload``, as the
  Go SDK's ``converter.NewZlibCodec``: by default only when that is smaller than the
  serialized payload (``ZlibCodecOptions.AlwaysEncode`` = ``always_encode``).
- ``SdkAesGcmCodec``: the encryption codec of samples-python (and the Go/TS samples):
  ``binary/encrypted``, metadata ``encryption-key-id``, data = 12-byte random nonce +
  AES-GCM ciphertext (with tag) of the serialized inner ``Payload``, no associated data.
- ``SdkChain([outermost, ..., innermost])``: one ``PayloadCodec`` for the SDK; encodes
  innermost first (last to first, like the Go SDK's ``NewCodecDataConverter``), decodes
  outermost first.

Decoders leave payloads of other encodings untouched, as every SDK sample does.
"""

from __future__ import annotations

import gzip
import os
import zlib
from collections.abc import Mapping, Sequence

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from temporalio.api.common.v1 import Payload
from temporalio.converter import PayloadCodec

GZIP_ENCODING = b"binary/gzip"
ZLIB_ENCODING = b"binary/zlib"
ENCRYPTED_ENCODING = b"binary/encrypted"
KEY_ID_METADATA = "encryption-key-id"
NONCE_SIZE = 12


def _encoding(payload: Payload) -> bytes:
    return payload.metadata.get("encoding", b"")


class SdkGzipCodec(PayloadCodec):
    """``binary/gzip``: gzip of the serialized inner payload."""

    def __init__(self, compresslevel: int = 9) -> None:
        self.compresslevel = compresslevel

    async def encode(self, payloads: Sequence[Payload]) -> list[Payload]:
        return [
            Payload(
                metadata={"encoding": GZIP_ENCODING},
                data=gzip.compress(
                    p.SerializeToString(), compresslevel=self.compresslevel, mtime=0
                ),
            )
            for p in payloads
        ]

    async def decode(self, payloads: Sequence[Payload]) -> list[Payload]:
        return [
            Payload.FromString(gzip.decompress(p.data)) if _encoding(p) == GZIP_ENCODING else p
            for p in payloads
        ]


class SdkZlibCodec(PayloadCodec):
    """``binary/zlib`` (Go SDK format): zlib of the serialized inner payload."""

    def __init__(self, always_encode: bool = False) -> None:
        self.always_encode = always_encode

    async def encode(self, payloads: Sequence[Payload]) -> list[Payload]:
        result: list[Payload] = []
        for p in payloads:
            raw = p.SerializeToString()
            compressed = zlib.compress(raw)
            if len(compressed) < len(raw) or self.always_encode:
                result.append(Payload(metadata={"encoding": ZLIB_ENCODING}, data=compressed))
            else:
                result.append(p)
        return result

    async def decode(self, payloads: Sequence[Payload]) -> list[Payload]:
        return [
            Payload.FromString(zlib.decompress(p.data)) if _encoding(p) == ZLIB_ENCODING else p
            for p in payloads
        ]


class SdkAesGcmCodec(PayloadCodec):
    """``binary/encrypted`` (samples-python ``EncryptionCodec`` format).

    ``key`` (16, 24 or 32 bytes) encrypts and is registered under ``key_id``;
    ``decrypt_keys`` adds older ids for rotation. Decoding a payload whose key id is
    unknown raises ``ValueError``.
    """

    def __init__(
        self, key_id: str, key: bytes, decrypt_keys: Mapping[str, bytes] | None = None
    ) -> None:
        self.key_id = key_id
        self._encryptor = AESGCM(key)
        self._decryptors = {kid: AESGCM(k) for kid, k in (decrypt_keys or {}).items()}
        self._decryptors[key_id] = self._encryptor

    async def encode(self, payloads: Sequence[Payload]) -> list[Payload]:
        result: list[Payload] = []
        for p in payloads:
            nonce = os.urandom(NONCE_SIZE)
            result.append(
                Payload(
                    metadata={
                        "encoding": ENCRYPTED_ENCODING,
                        KEY_ID_METADATA: self.key_id.encode(),
                    },
                    data=nonce + self._encryptor.encrypt(nonce, p.SerializeToString(), None),
                )
            )
        return result

    async def decode(self, payloads: Sequence[Payload]) -> list[Payload]:
        result: list[Payload] = []
        for p in payloads:
            if _encoding(p) != ENCRYPTED_ENCODING:
                result.append(p)
                continue
            key_id = p.metadata.get(KEY_ID_METADATA, b"").decode()
            decryptor = self._decryptors.get(key_id)
            if decryptor is None:
                raise ValueError(f"Unrecognized key ID {key_id!r}")
            plain = decryptor.decrypt(p.data[:NONCE_SIZE], p.data[NONCE_SIZE:], None)
            result.append(Payload.FromString(plain))
        return result


class SdkChain(PayloadCodec):
    """Several codecs as one, listed outermost first."""

    def __init__(self, codecs: Sequence[PayloadCodec]) -> None:
        self.codecs = list(codecs)

    async def encode(self, payloads: Sequence[Payload]) -> list[Payload]:
        result = list(payloads)
        for codec in reversed(self.codecs):
            result = await codec.encode(result)
        return result

    async def decode(self, payloads: Sequence[Payload]) -> list[Payload]:
        result = list(payloads)
        for codec in self.codecs:
            result = await codec.decode(result)
        return result
