"""The ``binary/gzip`` codec of temporalio samples-python (``custom_converter``/compression)."""

from __future__ import annotations

import gzip
import zlib
from collections.abc import Sequence

from google.protobuf.message import DecodeError
from temporalio.api.common.v1 import Payload

from inspector.codecs.cpu import CpuCodec
from inspector.codecs.errors import CodecError
from inspector.codecs.inflate import InflateLimitError, gunzip

ENCODING = b"binary/gzip"


class GzipCodec(CpuCodec):
    """Gzip of the whole serialized inner ``Payload``, so metadata is compressed too.

    Encoding always wraps (as the sample does); ``mtime=0`` keeps the output deterministic,
    which any gzip reader accepts and which lets equal inputs give byte-equal encodes.
    """

    name = "gzip"

    def encode_sync(self, payloads: Sequence[Payload]) -> list[Payload]:
        """Wrap every payload; the SDK hands codecs already-converted payloads."""
        return [
            Payload(
                metadata={"encoding": ENCODING},
                data=gzip.compress(p.SerializeToString(), mtime=0),
            )
            for p in payloads
        ]

    def decode_sync(self, payloads: Sequence[Payload]) -> list[Payload]:
        """Unwrap ``binary/gzip`` payloads; pass others through so codecs can be chained."""
        return [
            self._decode_one(p) if p.metadata.get("encoding") == ENCODING else p for p in payloads
        ]

    def _decode_one(self, payload: Payload) -> Payload:
        try:
            raw = gunzip(payload.data)
        except InflateLimitError as exc:
            raise CodecError(f"refused: {exc} (a decompression bomb?)", self.name) from exc
        except (OSError, EOFError, zlib.error) as exc:
            raise CodecError(f"data is not valid gzip ({exc})", self.name) from exc
        try:
            return Payload.FromString(raw)
        except DecodeError as exc:
            raise CodecError("decompressed data is not a serialized Payload", self.name) from exc
