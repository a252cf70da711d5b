"""The ``binary/zlib`` codec of the Go SDK (``converter.NewZlibCodec``)."""

from __future__ import annotations

import zlib
from collections.abc import Sequence

from google.protobuf.message import DecodeError
from temporalio.api.common.v1 import Payload

from inspector.codecs.cpu import CpuCodec
from inspector.codecs.errors import CodecError
from inspector.codecs.inflate import InflateLimitError, unzlib

ENCODING = b"binary/zlib"


class ZlibCodec(CpuCodec):
    """Zlib (RFC 1950) of the serialized inner ``Payload``, byte-compatible with the Go SDK.

    Like Go's ``zlibCodec.Encode``, a payload is only replaced when the compressed form is
    strictly smaller than the serialized original, unless ``always_encode`` is set
    (Go's ``ZlibCodecOptions.AlwaysEncode``); otherwise the original passes through unchanged.
    """

    name = "zlib"

    def __init__(self, always_encode: bool = False) -> None:
        self.always_encode = always_encode

    def __repr__(self) -> str:
        return f"ZlibCodec(always_encode={self.always_encode})"

    def encode_sync(self, payloads: Sequence[Payload]) -> list[Payload]:
        """Compress each payload, keeping the original where compression does not pay."""
        return [self._encode_one(p) for p in payloads]

    def decode_sync(self, payloads: Sequence[Payload]) -> list[Payload]:
        """Unwrap ``binary/zlib`` payloads; pass others through (Go does the same)."""
        return [
            self._decode_one(p) if p.metadata.get("encoding") == ENCODING else p for p in payloads
        ]

    def _encode_one(self, payload: Payload) -> Payload:
        raw = payload.SerializeToString()
        compressed = zlib.compress(raw)
        if len(compressed) < len(raw) or self.always_encode:
            return Payload(metadata={"encoding": ENCODING}, data=compressed)
        return payload

    def _decode_one(self, payload: Payload) -> Payload:
        try:
            raw = unzlib(payload.data)
        except InflateLimitError as exc:
            raise CodecError(f"refused: {exc} (a decompression bomb?)", self.name) from exc
        except zlib.error as exc:
            raise CodecError(f"data is not valid zlib ({exc})", self.name) from exc
        try:
            return Payload.FromString(raw)
        except DecodeError as exc:
            raise CodecError("decompressed data is not a serialized Payload", self.name) from exc
