"""The ``binary/snappy`` codec of the Go samples (``snappycompress``): the snappy *block*
format of the serialized inner ``Payload``, as Go's ``snappy.Encode`` writes it (not the
framing format), through ``cramjam``.

A block starts with its uncompressed length (a varint). That is the whole output size, so
the bounds are checked on it before anything is decompressed: at most ``MAX_INFLATED_BYTES``
for one payload, and charged to the operation's budget (``inspector.limits``) like every
inflated byte of gzip and zlib, given back if the block turns out corrupt.
"""

from __future__ import annotations

from collections.abc import Sequence

import cramjam
from google.protobuf.message import DecodeError
from temporalio.api.common.v1 import Payload

from inspector import limits
from inspector.codecs.cpu import CpuCodec
from inspector.codecs.errors import CodecError
from inspector.codecs.inflate import MAX_INFLATED_BYTES
from inspector.limits import InflateLimitError

ENCODING = b"binary/snappy"
_MAX_HEADER = 5  # a uint32 as a varint: Go's snappy refuses longer lengths


class SnappyCodec(CpuCodec):
    """Snappy blocks of the whole serialized payload; others pass through, as in Go."""

    name = "snappy"

    def encode_sync(self, payloads: Sequence[Payload]) -> list[Payload]:
        return [
            Payload(
                metadata={"encoding": ENCODING},
                data=bytes(cramjam.snappy.compress_raw(p.SerializeToString())),
            )
            for p in payloads
        ]

    def decode_sync(self, payloads: Sequence[Payload]) -> list[Payload]:
        return [
            self._decode_one(p) if p.metadata.get("encoding") == ENCODING else p for p in payloads
        ]

    def _decode_one(self, payload: Payload) -> Payload:
        data = payload.data
        size = uncompressed_length(data)
        if size is None:
            raise CodecError("data is not a snappy block (bad length header)", self.name)
        if size > MAX_INFLATED_BYTES:
            exc = InflateLimitError(MAX_INFLATED_BYTES)
            raise CodecError(f"refused: {exc} (a decompression bomb?)", self.name) from exc
        try:
            limits.charge(size)  # the budget may refuse, or send the run to a thread
        except InflateLimitError as exc:
            raise CodecError(f"refused: {exc} (a decompression bomb?)", self.name) from exc
        try:
            raw = bytes(cramjam.snappy.decompress_raw(data))
        except cramjam.DecompressionError as exc:
            limits.refund(size)
            raise CodecError(f"data is not a valid snappy block ({exc})", self.name) from exc
        if len(raw) != size:  # never expected: the block format fixes the output's length
            limits.refund(size)
            raise CodecError("snappy block is shorter than its header says", self.name)
        try:
            return Payload.FromString(raw)
        except DecodeError as exc:
            raise CodecError("decompressed data is not a serialized Payload", self.name) from exc


def uncompressed_length(block: bytes) -> int | None:
    """The length a snappy block says it decompresses to, or None for a bad header."""
    result = shift = 0
    for i, byte in enumerate(block[:_MAX_HEADER]):
        result |= (byte & 0x7F) << shift
        if not byte & 0x80:
            if i == _MAX_HEADER - 1 and byte > 0x0F:
                return None  # beyond 32 bits
            return result
        shift += 7
    return None
